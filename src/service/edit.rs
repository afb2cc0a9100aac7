//! Single-record work for council officers: correct a commitment's target,
//! fix an evidence link, withdraw a record, review evidence. Each takes the
//! version the officer saw and answers CONFLICT when the record has moved on,
//! and each goes through the same write path as sync.

use entity::{commitment, council, evidence};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter, Set};

use super::framework::FrameworkSnapshot;
use super::rollup::cells::Touched;
use super::write::snapshot::{self, Names, Wanted};
use super::write::{Action, CellKey, Change, ChangedEntity, FeedEntry, WriteTx, tombstone};
use crate::auth::Principal;
use crate::domain::{EvidenceStatus, NodeId, Quantity, Quarter, RecordEntity};
use crate::error::{AppResult, bad_input, conflict, forbidden, not_found};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Verify,
    Reject,
}

/// The council's code, for the policy; the caller must edit that council.
async fn ensure_editor(tx: &WriteTx<'_>, council_id: i32) -> AppResult<()> {
    let council = council::Entity::find_by_id(council_id).one(&tx.txn).await?.ok_or_else(|| not_found("no such council"))?;
    tx.principal.ensure_can_edit(&council.code)
}

fn ensure_version(current: i32, expected: Option<i32>) -> AppResult<()> {
    match expected {
        Some(v) if v != current => Err(conflict(format!("the record is at version {current}, not {v}: reload it and try again"))),
        _ => Ok(()),
    }
}

async fn live_commitment(db: &impl ConnectionTrait, id: i32) -> AppResult<commitment::Model> {
    commitment::Entity::find_by_id(id).filter(commitment::Column::Deleted.eq(false)).one(db).await?.ok_or_else(|| not_found("no such commitment"))
}

async fn live_evidence(db: &impl ConnectionTrait, id: i32) -> AppResult<evidence::Model> {
    evidence::Entity::find_by_id(id).filter(evidence::Column::Deleted.eq(false)).one(db).await?.ok_or_else(|| not_found("no such evidence"))
}

/// Which record changed, as the feed and the audit trail name it.
struct Identity<'a> {
    entity: RecordEntity,
    council_id: i32,
    id: i32,
    external_id: &'a str,
    version: i32,
}

fn update_change(record: Identity<'_>, action: Action, before: serde_json::Value, after: serde_json::Value, touched: Vec<Touched>) -> Change {
    let Identity { entity, council_id, id, external_id, version } = record;
    Change {
        council_id: Some(council_id),
        entity: ChangedEntity::Record(entity),
        record_id: entity.node_id(id),
        action,
        before: Some(before),
        after: Some(after),
        feed: Some(FeedEntry { entity, council_id, external_id: external_id.to_owned(), record_id: id, version }),
        touched,
    }
}

#[tracing::instrument(skip_all, fields(id))]
pub async fn set_commitment_target(
    db: &DatabaseConnection,
    principal: &Principal,
    id: i32,
    target: &str,
    expected_version: i32,
) -> AppResult<commitment::Model> {
    let target = Quantity::parse(target).map_err(|e| bad_input(format!("targetQuantity: {e}")))?;
    if target > Quantity::MAX {
        return Err(bad_input(format!("targetQuantity must be at most {}", Quantity::MAX)));
    }
    principal.ensure_edits_records()?;
    let mut tx = WriteTx::begin(db, principal).await?;
    let before = live_commitment(&tx.txn, id).await?;
    ensure_editor(&tx, before.council_id).await?;
    ensure_version(before.version, Some(expected_version))?;
    if before.target_centi == target.scaled() {
        return Ok(before);
    }
    tx.will_change([before.cell_key()]).await?;
    let mut am = before.clone().into_active_model();
    am.target_centi = Set(target.scaled());
    am.version = Set(before.version + 1);
    am.updated_at = Set(tx.now);
    let after = am.update(&tx.txn).await?;
    let mut wanted = Wanted::default();
    wanted.commitment(&after);
    let names = Names::read(&tx.txn, &wanted).await?;
    let record =
        Identity { entity: RecordEntity::Commitment, council_id: after.council_id, id: after.id, external_id: &after.external_id, version: after.version };
    let change = update_change(record, Action::Update, snapshot::commitment(&before, &names), snapshot::commitment(&after, &names), vec![after.cell_key()]);
    tx.record(change);
    tx.commit().await?;
    Ok(after)
}

#[tracing::instrument(skip_all, fields(id))]
pub async fn relink_evidence(db: &DatabaseConnection, principal: &Principal, id: i32, commitment_id: i32, expected_version: i32) -> AppResult<evidence::Model> {
    principal.ensure_edits_records()?;
    let mut tx = WriteTx::begin(db, principal).await?;
    let before = live_evidence(&tx.txn, id).await?;
    ensure_editor(&tx, before.council_id).await?;
    ensure_version(before.version, Some(expected_version))?;
    let target = live_commitment(&tx.txn, commitment_id).await.map_err(|_| bad_input("commitmentId names no commitment"))?;
    if target.council_id != before.council_id {
        return Err(forbidden("evidence may only be linked to a commitment of its own council"));
    }
    let year = Quarter::containing(before.period_start).year.0;
    if FrameworkSnapshot::read(&tx.txn).await?.lacks_proxy(target.measure_id, year) {
        return Err(bad_input(format!("that commitment's measure has no regional proxy for financial year {year}")));
    }
    if before.commitment_id == commitment_id {
        return Ok(before);
    }
    tx.will_change([before.cell_key()]).await?;
    let mut am = before.clone().into_active_model();
    am.commitment_id = Set(commitment_id);
    am.version = Set(before.version + 1);
    am.updated_at = Set(tx.now);
    let after = am.update(&tx.txn).await?;
    record_evidence_change(&mut tx, Action::Update, &before, &after).await?;
    tx.commit().await?;
    Ok(after)
}

async fn record_evidence_change(tx: &mut WriteTx<'_>, action: Action, before: &evidence::Model, after: &evidence::Model) -> AppResult<()> {
    let mut wanted = Wanted::default();
    wanted.evidence(before);
    wanted.evidence(after);
    let names = Names::read(&tx.txn, &wanted).await?;
    let record =
        Identity { entity: RecordEntity::Evidence, council_id: after.council_id, id: after.id, external_id: &after.external_id, version: after.version };
    let touched = vec![after.cell_key()];
    let change = update_change(record, action, snapshot::evidence(before, &names), snapshot::evidence(after, &names), touched);
    tx.record(change);
    Ok(())
}

/// Four eyes: nobody reviews evidence that they submitted.
#[tracing::instrument(skip_all, fields(id))]
pub async fn review_evidence(
    db: &DatabaseConnection,
    principal: &Principal,
    id: i32,
    decision: Decision,
    comment: Option<String>,
    validated_quantity: Option<&str>,
    expected_version: Option<i32>,
) -> AppResult<evidence::Model> {
    if comment.as_ref().is_some_and(|c| c.len() > 2000) {
        return Err(bad_input("comment must be at most 2000 characters"));
    }
    let validated = match (decision, validated_quantity) {
        (Decision::Reject, Some(_)) => return Err(bad_input("validatedQuantity is for VERIFY only: rejected evidence validates nothing")),
        (_, None) => None,
        (Decision::Verify, Some(text)) => Some(Quantity::parse(text).map_err(|e| bad_input(format!("validatedQuantity: {e}")))?),
    };
    principal.ensure_edits_records()?;
    let mut tx = WriteTx::begin(db, principal).await?;
    let before = live_evidence(&tx.txn, id).await?;
    ensure_editor(&tx, before.council_id).await?;
    ensure_version(before.version, expected_version)?;
    if before.submitted_by == principal.subject {
        return Err(forbidden("four eyes: you submitted this evidence, so someone else must review it"));
    }
    // Verified evidence is validated in full unless the officer says less.
    let (status, validated_centi) = match decision {
        Decision::Verify => (EvidenceStatus::Verified, Some(validated.map_or(before.quantity_centi, Quantity::scaled))),
        Decision::Reject => (EvidenceStatus::Rejected, None),
    };
    if validated_centi.is_some_and(|v| v > before.quantity_centi) {
        return Err(bad_input(format!("validatedQuantity must be at most the quantity reported, {}", Quantity::from_scaled(before.quantity_centi))));
    }
    tx.will_change([before.cell_key()]).await?;
    let mut am = before.clone().into_active_model();
    am.status = Set(status);
    am.validated_centi = Set(validated_centi);
    am.reviewed_by = Set(Some(principal.subject.clone()));
    am.reviewed_at = Set(Some(tx.now));
    am.review_comment = Set(comment);
    am.version = Set(before.version + 1);
    am.updated_at = Set(tx.now);
    let after = am.update(&tx.txn).await?;
    record_evidence_change(&mut tx, Action::Review, &before, &after).await?;
    tx.commit().await?;
    Ok(after)
}

/// Withdraws (tombstones) a record and what it cascades to. Returns how many
/// records went.
#[tracing::instrument(skip_all, fields(id))]
pub async fn withdraw(db: &DatabaseConnection, principal: &Principal, entity: RecordEntity, id: i32, expected_version: i32) -> AppResult<usize> {
    principal.ensure_edits_records()?;
    let mut tx = WriteTx::begin(db, principal).await?;
    let (council_id, version) = match entity {
        RecordEntity::Contract => {
            entity::contract::Entity::find_by_id(id).filter(entity::contract::Column::Deleted.eq(false)).one(&tx.txn).await?.map(|m| (m.council_id, m.version))
        }
        RecordEntity::Commitment => live_commitment(&tx.txn, id).await.ok().map(|m| (m.council_id, m.version)),
        RecordEntity::Evidence => live_evidence(&tx.txn, id).await.ok().map(|m| (m.council_id, m.version)),
    }
    .ok_or_else(|| not_found(format!("no such {}", entity.type_name().to_lowercase())))?;
    ensure_editor(&tx, council_id).await?;
    ensure_version(version, Some(expected_version))?;
    let n = tombstone::tombstone(&mut tx, entity, &[id]).await?;
    tx.commit().await?;
    Ok(n)
}
