//! Upserting by key: each desired record is compared with what exists and
//! inserted, updated (version + 1) or left alone; what was written is then
//! recorded through the write door for the feed and the audit trail.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use entity::{commitment, contract, evidence, supplier};
use sea_orm::{ActiveModelBehavior, ActiveModelTrait, ActiveValue, ConnectionTrait, EntityTrait, IntoActiveModel};

use super::existing::find_by_keys;
use super::input::Counts;
use crate::domain::NodeId;
use crate::error::AppResult;
use crate::service::rollup::cells::Touched;
use crate::service::write::{self, Action, CellKey, Change, ChangedEntity, FeedEntry, WriteTx};

/// A stored record that sync can upsert: its key, how to compare content
/// (ignoring id, version and timestamps) and how to write it.
pub(super) trait Upsertable: Sized + Clone + Send + Sync {
    type Active: ActiveModelTrait + Send;
    fn key(&self) -> &str;
    fn id(&self) -> i32;
    fn set_id(&mut self, id: i32);
    fn version(&self) -> i32;
    fn same_content(&self, other: &Self) -> bool;
    fn is_deleted(&self) -> bool;
    /// A new record: version 1, id left to the database.
    fn for_insert(self, now: DateTime<Utc>) -> Self::Active;
    /// A changed (or revived) record: the next version, every column rewritten.
    fn for_update(self, existing: &Self, now: DateTime<Utc>) -> Self::Active;
    /// Whether the columns its rollup figures depend on are the same.
    fn same_figures(&self, other: &Self) -> bool;
    /// The rollup key of its figures (None for suppliers: they have none of their own).
    fn touched(&self) -> Option<Touched>;
}

macro_rules! upsertable {
    ($module:ident, key: $key:ident, deleted: |$d:ident| $deleted:expr, touched: |$t:ident| $touched:expr, figures: |$fa:ident, $fb:ident| $figures:expr, same: |$a:ident, $b:ident| $same:expr) => {
        impl Upsertable for $module::Model {
            type Active = $module::ActiveModel;
            fn key(&self) -> &str {
                &self.$key
            }
            fn id(&self) -> i32 {
                self.id
            }
            fn set_id(&mut self, id: i32) {
                self.id = id;
            }
            fn version(&self) -> i32 {
                self.version
            }
            fn same_content(&self, other: &Self) -> bool {
                let ($a, $b) = (self, other);
                $same
            }
            fn same_figures(&self, other: &Self) -> bool {
                let ($fa, $fb) = (self, other);
                $figures
            }
            fn is_deleted(&self) -> bool {
                let $d = self;
                $deleted
            }
            fn touched(&self) -> Option<Touched> {
                let $t = self;
                $touched
            }
            fn for_insert(mut self, now: DateTime<Utc>) -> Self::Active {
                self.version = 1;
                self.updated_at = now;
                let mut am = self.into_active_model().reset_all();
                am.id = ActiveValue::NotSet;
                am
            }
            fn for_update(mut self, existing: &Self, now: DateTime<Utc>) -> Self::Active {
                self.version = existing.version + 1;
                self.updated_at = now;
                let mut am = self.into_active_model().reset_all();
                am.id = ActiveValue::Unchanged(existing.id);
                am
            }
        }
    };
}

upsertable!(supplier, key: supplier_ref, deleted: |_m| false, touched: |_m| None, figures: |_a, _b| true, same: |a, b| a.name == b.name
    && a.companies_house_number == b.companies_house_number
    && a.postcode == b.postcode
    && a.is_sme == b.is_sme
    && a.is_vcse == b.is_vcse);
upsertable!(contract, key: external_id, deleted: |m| m.deleted, touched: |m| Some(m.cell_key()),
    figures: |a, b| a.supplier_id == b.supplier_id && a.value_pence == b.value_pence, same: |a, b| a.title == b.title
    && a.supplier_id == b.supplier_id
    && a.value_pence == b.value_pence
    && a.start_date == b.start_date
    && a.end_date == b.end_date
    && a.social_value_weighting_centi == b.social_value_weighting_centi
    && a.framework_id == b.framework_id);
upsertable!(commitment, key: external_id, deleted: |m| m.deleted, touched: |m| Some(m.cell_key()), figures: |a, b| a.same_content(b), same: |a, b| a.contract_id == b.contract_id
    && a.measure_id == b.measure_id
    && a.financial_year == b.financial_year
    && a.target_centi == b.target_centi);
upsertable!(evidence, key: external_id, deleted: |m| m.deleted, touched: |m| Some(m.cell_key()),
    figures: |a, b| a.commitment_id == b.commitment_id
        && a.period_start == b.period_start
        && a.quantity_centi == b.quantity_centi
        && a.status == b.status
        && a.validated_centi == b.validated_centi, same: |a, b| a.commitment_id == b.commitment_id
    && a.period_start == b.period_start
    && a.period_end == b.period_end
    && a.quantity_centi == b.quantity_centi
    && a.status == b.status
    && a.validated_centi == b.validated_centi
    && a.evidence_url == b.evidence_url
    && a.evidence_sha256 == b.evidence_sha256);

/// A record this batch created or changed: as it was (None when new) and as it is now.
pub(super) struct Written<M> {
    pub before: Option<M>,
    pub after: M,
}

/// Whether writing `after` over `before` moves rollup figures.
fn moves_figures<M: Upsertable>(before: Option<&M>, after: &M) -> bool {
    before.is_none_or(|b| b.is_deleted() != after.is_deleted() || !b.same_figures(after))
}

/// The rollup keys that writing the desired records will move, as the
/// write door wants them declared before the write: those of each record as
/// it is and as it will be.
pub(super) fn keys_to_move<M: Upsertable>(desired: &[(M, Option<&M>)]) -> Vec<Touched> {
    let mut keys = Vec::new();
    for (row, existing) in desired {
        match existing {
            Some(e) if !e.is_deleted() && e.same_content(row) => {}
            Some(e) if moves_figures(Some(*e), row) => {
                let mut after = row.clone();
                after.set_id(e.id());
                keys.extend(e.touched().into_iter().chain(after.touched()));
            }
            Some(_) => {}
            // Not written yet: its key names what it will count under (a commitment's contract).
            None => keys.extend(row.touched()),
        }
    }
    keys
}

/// Writes desired records against what exists: insert the new, update the
/// changed or revived (version + 1), leave the unchanged alone. Returns what
/// was written, with the ids the database gave new rows.
pub(super) async fn upsert<M>(
    tx: &WriteTx<'_>,
    desired: Vec<(M, Option<&M>)>,
    ids_of: impl AsyncFnOnce(Vec<String>) -> AppResult<HashMap<String, i32>>,
) -> AppResult<(Counts, Vec<Written<M>>)>
where
    M: Upsertable,
    M::Active: ActiveModelBehavior,
    <<M::Active as ActiveModelTrait>::Entity as EntityTrait>::Model: IntoActiveModel<M::Active>,
{
    let mut counts = Counts::default();
    let mut inserts = Vec::new();
    let mut written = Vec::new();
    for (row, existing) in desired {
        match existing {
            Some(e) if !e.is_deleted() && e.same_content(&row) => counts.unchanged += 1,
            Some(e) => {
                let mut after = row.clone();
                after.set_id(e.id());
                row.for_update(e, tx.now).update(&tx.txn).await?;
                counts.updated += 1;
                written.push(Written { before: Some(e.clone()), after });
            }
            None => {
                inserts.push(row.clone().for_insert(tx.now));
                counts.created += 1;
                written.push(Written { before: None, after: row });
            }
        }
    }
    write::insert_chunked(&tx.txn, inserts).await?;
    let new_keys: Vec<String> = written.iter().filter(|w| w.before.is_none()).map(|w| w.after.key().to_owned()).collect();
    if !new_keys.is_empty() {
        let ids = ids_of(new_keys).await?;
        for w in written.iter_mut().filter(|w| w.before.is_none()) {
            w.after.set_id(ids[w.after.key()]);
        }
    }
    Ok((counts, written))
}

/// Ids by key, for new rows and for the next stage's references.
pub(super) async fn ids_by_key<E: EntityTrait>(
    db: &impl ConnectionTrait,
    key: E::Column,
    keys: HashSet<&str>,
    council: Option<(E::Column, i32)>,
    key_and_id: impl Fn(&E::Model) -> (String, i32),
) -> AppResult<HashMap<String, i32>> {
    Ok(find_by_keys::<E, _>(db, key, keys, council).await?.iter().map(key_and_id).collect())
}

/// Audit event (and, for council records, feed row) for each written record.
pub(super) fn record_written<M: Upsertable>(
    tx: &mut WriteTx<'_>,
    council_id: Option<i32>,
    entity: ChangedEntity,
    written: &[Written<M>],
    snapshot: impl Fn(&M) -> serde_json::Value,
) {
    let feed = match entity {
        ChangedEntity::Record(kind) => Some(kind),
        _ => None,
    };
    for w in written {
        let version = w.before.as_ref().map_or(1, |b| b.version() + 1);
        tx.record(Change {
            council_id,
            entity,
            record_id: match feed {
                Some(kind) => kind.node_id(w.after.id()),
                None => w.after.key().to_owned(),
            },
            action: if w.before.as_ref().is_some_and(|b| !b.is_deleted()) { Action::Update } else { Action::Create },
            before: w.before.as_ref().filter(|b| !b.is_deleted()).map(&snapshot),
            after: Some(snapshot(&w.after)),
            feed: feed.zip(council_id).map(|(entity, council_id)| FeedEntry {
                entity,
                council_id,
                external_id: w.after.key().to_owned(),
                record_id: w.after.id(),
                version,
            }),
            touched: if moves_figures(w.before.as_ref(), &w.after) {
                w.before.iter().chain([&w.after]).filter_map(Upsertable::touched).collect()
            } else {
                Vec::new()
            },
        });
    }
}
