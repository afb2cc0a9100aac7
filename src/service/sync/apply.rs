//! Writing a validated batch: suppliers, then contracts, commitments and
//! evidence (each stage resolving the previous stage's keys to row ids),
//! then the changes for the feed and the audit trail, then deletions.

use std::collections::HashMap;

use entity::{commitment, contract, evidence, supplier};
use sea_orm::ConnectionTrait;

use super::existing::{Existing, of_council};
use super::input::SyncOutcome;
use super::upsert::{Upsertable, Written, ids_by_key, keys_to_move, record_written, upsert};
use super::validate::ValidBatch;
use crate::domain::{Percent, Quantity, RecordEntity};
use crate::error::AppResult;
use crate::service::council_record::CouncilRecord;
use crate::service::write::snapshot::{self, Names, Wanted};
use crate::service::write::{ChangedEntity, WriteTx, tombstone};

/// Row ids by external id of one council's records of `E`.
async fn council_ids<E>(db: &impl ConnectionTrait, council_id: i32, keys: Vec<String>) -> AppResult<HashMap<String, i32>>
where
    E: CouncilRecord,
    E::Model: Upsertable,
{
    let records = of_council::<E>(db, council_id, keys.iter().map(String::as_str).collect()).await?;
    Ok(records.iter().map(|m| (m.key().to_owned(), m.id())).collect())
}

async fn supplier_ids(db: &impl ConnectionTrait, keys: Vec<String>) -> AppResult<HashMap<String, i32>> {
    ids_by_key::<supplier::Entity>(db, supplier::Column::SupplierRef, keys.iter().map(String::as_str).collect(), None, |m| (m.supplier_ref.clone(), m.id)).await
}

pub(super) async fn apply(tx: &mut WriteTx<'_>, council_id: i32, valid: ValidBatch, existing: Existing) -> AppResult<SyncOutcome> {
    let mut out = SyncOutcome { applied: true, ..Default::default() };
    let suppliers = upsert_suppliers(tx, &valid, &existing, &mut out).await?;
    let contracts = upsert_contracts(tx, council_id, &valid, &existing, &mut out).await?;
    let commitments = upsert_commitments(tx, council_id, &valid, &existing, &mut out).await?;
    let evidence = upsert_evidence(tx, council_id, &valid, &existing, &mut out).await?;

    // Snapshots name references by key: look up every key they mention at once.
    let mut wanted = Wanted::default();
    contracts.iter().flat_map(|w| w.before.iter().chain([&w.after])).for_each(|m| wanted.contract(m));
    commitments.iter().flat_map(|w| w.before.iter().chain([&w.after])).for_each(|m| wanted.commitment(m));
    evidence.iter().flat_map(|w| w.before.iter().chain([&w.after])).for_each(|m| wanted.evidence(m));
    let names = Names::read(&tx.txn, &wanted).await?;
    let (council, record) = (Some(council_id), ChangedEntity::Record);
    record_written(tx, None, ChangedEntity::Supplier, &suppliers, snapshot::supplier);
    record_written(tx, council, record(RecordEntity::Contract), &contracts, |m| snapshot::contract(m, &names));
    record_written(tx, council, record(RecordEntity::Commitment), &commitments, |m| snapshot::commitment(m, &names));
    record_written(tx, council, record(RecordEntity::Evidence), &evidence, |m| snapshot::evidence(m, &names));

    for entity in RecordEntity::ALL {
        let ids: Vec<i32> = valid.deletions.iter().filter(|(e, _)| *e == entity).map(|(_, id)| *id).collect();
        if !ids.is_empty() {
            out.deleted += tombstone::tombstone(tx, entity, &ids).await?;
        }
    }
    Ok(out)
}

async fn upsert_suppliers(tx: &mut WriteTx<'_>, valid: &ValidBatch, existing: &Existing, out: &mut SyncOutcome) -> AppResult<Vec<Written<supplier::Model>>> {
    let rows: Vec<_> = valid
        .suppliers
        .iter()
        .map(|s| {
            let row = supplier::Model {
                id: 0,
                supplier_ref: s.supplier_ref.clone(),
                name: s.name.trim().to_owned(),
                companies_house_number: s.companies_house_number.clone().filter(|v| !v.is_empty()),
                postcode: s.postcode.clone().filter(|v| !v.is_empty()),
                is_sme: s.is_sme,
                is_vcse: s.is_vcse,
                version: 0,
                updated_at: tx.now,
            };
            (row, existing.suppliers.get(&s.supplier_ref))
        })
        .collect();
    tx.will_change(keys_to_move(&rows)).await?;
    let (counts, written) = upsert(tx, rows, async |keys| supplier_ids(&tx.txn, keys).await).await?;
    out.suppliers = counts;
    Ok(written)
}

async fn upsert_contracts(
    tx: &mut WriteTx<'_>,
    council_id: i32,
    valid: &ValidBatch,
    existing: &Existing,
    out: &mut SyncOutcome,
) -> AppResult<Vec<Written<contract::Model>>> {
    let supplier_ids = supplier_ids(&tx.txn, valid.contracts.iter().map(|(c, ..)| c.supplier_ref.clone()).collect()).await?;
    let rows: Vec<_> = valid
        .contracts
        .iter()
        .map(|(c, value, weighting, framework_id)| {
            let row = contract::Model {
                id: 0,
                council_id,
                external_id: c.external_id.clone(),
                title: c.title.trim().to_owned(),
                supplier_id: supplier_ids[&c.supplier_ref],
                value_pence: value.scaled(),
                start_date: c.start_date,
                end_date: c.end_date,
                social_value_weighting_centi: weighting.map(Percent::scaled),
                framework_id: *framework_id,
                version: 0,
                updated_at: tx.now,
                deleted: false,
            };
            (row, existing.contracts.get(&c.external_id))
        })
        .collect();
    tx.will_change(keys_to_move(&rows)).await?;
    let (counts, written) = upsert(tx, rows, async |keys| council_ids::<contract::Entity>(&tx.txn, council_id, keys).await).await?;
    out.contracts = counts;
    Ok(written)
}

async fn upsert_commitments(
    tx: &mut WriteTx<'_>,
    council_id: i32,
    valid: &ValidBatch,
    existing: &Existing,
    out: &mut SyncOutcome,
) -> AppResult<Vec<Written<commitment::Model>>> {
    let keys = valid.commitments.iter().map(|(c, ..)| c.contract_external_id.clone()).collect();
    let contract_ids = council_ids::<contract::Entity>(&tx.txn, council_id, keys).await?;
    let rows: Vec<_> = valid
        .commitments
        .iter()
        .map(|(c, measure_id, target)| {
            let row = commitment::Model {
                id: 0,
                council_id,
                external_id: c.external_id.clone(),
                contract_id: contract_ids[&c.contract_external_id],
                measure_id: *measure_id,
                financial_year: c.financial_year,
                target_centi: target.scaled(),
                version: 0,
                updated_at: tx.now,
                deleted: false,
            };
            (row, existing.commitments.get(&c.external_id))
        })
        .collect();
    tx.will_change(keys_to_move(&rows)).await?;
    let (counts, written) = upsert(tx, rows, async |keys| council_ids::<commitment::Entity>(&tx.txn, council_id, keys).await).await?;
    out.commitments = counts;
    Ok(written)
}

async fn upsert_evidence(
    tx: &mut WriteTx<'_>,
    council_id: i32,
    valid: &ValidBatch,
    existing: &Existing,
    out: &mut SyncOutcome,
) -> AppResult<Vec<Written<evidence::Model>>> {
    let keys = valid.evidence.iter().map(|v| v.input.commitment_external_id.clone()).collect();
    let commitment_ids = council_ids::<commitment::Entity>(&tx.txn, council_id, keys).await?;
    let rows: Vec<_> = valid
        .evidence
        .iter()
        .map(|v| {
            let (e, quarter) = (&v.input, v.quarter);
            let prior = existing.evidence.get(&e.external_id);
            let row = evidence::Model {
                id: 0,
                council_id,
                external_id: e.external_id.clone(),
                commitment_id: commitment_ids[&e.commitment_external_id],
                period_start: e.period_start,
                period_end: e.period_end,
                financial_year: quarter.year.0,
                quarter: quarter.number,
                quantity_centi: v.quantity.scaled(),
                status: e.status,
                validated_centi: v.validated.map(Quantity::scaled),
                evidence_url: e.evidence_url.clone().filter(|v| !v.is_empty()),
                evidence_sha256: v.sha256.as_ref().map(|s| s.as_str().to_owned()),
                // Who submitted evidence, and any review of it, is kept across re-syncs.
                submitted_by: prior.map_or_else(|| tx.principal.subject.clone(), |p| p.submitted_by.clone()),
                reviewed_by: prior.and_then(|p| p.reviewed_by.clone()),
                reviewed_at: prior.and_then(|p| p.reviewed_at),
                review_comment: prior.and_then(|p| p.review_comment.clone()),
                version: 0,
                updated_at: tx.now,
                deleted: false,
            };
            (row, prior)
        })
        .collect();
    tx.will_change(keys_to_move(&rows)).await?;
    let (counts, written) = upsert(tx, rows, async |keys| council_ids::<evidence::Entity>(&tx.txn, council_id, keys).await).await?;
    out.evidence = counts;
    Ok(written)
}
