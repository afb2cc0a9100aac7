//! Rollup cells: the figures dashboards ask for, summed by the write path in
//! the same transaction as the records, so that a regional rollup reads a
//! few hundred rows instead of a million evidence records.
//!
//! Why maintained aggregates and not query-time GROUP BY: at regional scale
//! (1M evidence rows) any GROUP BY over the records costs hundreds of
//! milliseconds on two cores, and dashboards ask the same few questions all
//! day while writes arrive in batches.
//!
//! Four tables. `rollup_summary` holds every figure (distinct contracts,
//! commitments, delivery) of a (council, supplier) pair in six groupings:
//! (all themes | theme | measure) × (all years | year), 0 standing for
//! "all" and -1 for "none" (the records of unmapped measures). Counting each
//! contract once does not add up across themes, measures or years, so each
//! grouping is kept; and a dashboard's usual question (one council by
//! supplier, the region by theme for a year) is then one row per group.
//! `rollup_delivered_quarterly` holds delivery per measure, year and
//! quarter, for the trend. `commitment_delivery` holds each commitment's
//! delivery, for lists of commitments (a dashboard page of contracts), and
//! `commitment_standing` where it stands against its target (`standing`):
//! its shortfall and from how many ended quarters it is behind, which the
//! summary sums as a shortfall and four counts of commitments behind.
//! Council-level rows (`supplier_id = 0`) are the sums of their suppliers'.
//!
//! How they stay exact, at a cost that follows the write. A writer declares
//! the keys it is about to change ([`Touched`]) before it changes them; the
//! figures of the records those keys come to (`scope`) are summed then
//! (`sums`) and summed again at commit, and the difference is added onto
//! the cells (`store`). Figures are in parts (service::split_sum), and
//! the difference is taken part by part, so the kept cells are equal, part
//! for part, to cells summed afresh from the records ([`rebuild`]). A
//! contract counts once in a group while it has a live commitment there:
//! whether it still does after a write is read from that contract's
//! commitments alone, so no write reads more than the contracts it moves.
//!
//! Cells are in regional terms (`valuation`): a record counts under the
//! regional theme and measure its measure maps onto (-1 for an unmapped
//! measure), in regional units, valued with the regional proxy of its year.
//! So a changed proxy, or a measure that changes theme, mapping or `valued`,
//! moves the figures of every commitment on it or on a measure mapped onto it.

mod scope;
mod standing;
mod store;
mod sums;

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QuerySelect, Statement, TransactionTrait};

pub use self::scope::Touched;
use self::scope::{Keys, Records};
use self::sums::Sums;
use crate::error::{AppResult, internal};
use crate::service::split_sum;

/// One cell table: its key columns, its counts, its figures (kept in
/// parts, see service::split_sum), and an expression that is zero exactly
/// when a cell is empty.
struct Table {
    name: &'static str,
    keys: &'static [&'static str],
    counts: &'static [&'static str],
    figures: &'static [&'static str],
    empty: &'static str,
}

impl Table {
    /// Every stored figure column: the counts, then each figure's parts.
    fn columns(&self) -> Vec<String> {
        let parts = self.figures.iter().flat_map(|f| split_sum::parts(f));
        self.counts.iter().map(|c| (*c).to_owned()).chain(parts).collect()
    }
}

const QUARTERLY: Table = Table {
    name: "rollup_delivered_quarterly",
    keys: &["supplier_id", "council_id", "theme_id", "measure_id", "financial_year", "quarter"],
    counts: &["evidence"],
    figures: &["delivered_quantity", "verified_quantity", "delivered_value", "verified_value"],
    empty: "evidence",
};

const SUMMARY: Table = Table {
    name: "rollup_summary",
    keys: &["supplier_id", "council_id", "theme_id", "measure_id", "financial_year"],
    counts: &["contracts", "commitments", "unvalued_commitments", "evidence", "behind_1", "behind_2", "behind_3", "behind_4"],
    figures: &[
        "contract_value",
        "committed_quantity",
        "committed_value",
        "shortfall_value",
        "delivered_quantity",
        "verified_quantity",
        "delivered_value",
        "verified_value",
    ],
    // A cell with a commitment has its contract; one without has evidence of its year.
    empty: "contracts + evidence",
};

/// A commitment without live delivery (no evidence, or only rejected) has no row.
const DELIVERY: Table = Table {
    name: "commitment_delivery",
    keys: &["commitment_id"],
    counts: &[],
    figures: &["delivered_centi", "delivered_value", "verified_value"],
    empty: "delivered_centi_p1 + delivered_centi_p0 + delivered_value_p2 + delivered_value_p1 + delivered_value_p0 + verified_value_p2 + verified_value_p1 + verified_value_p0",
};

/// PostgreSQL advisory locks: one per council for the writers of its
/// records, and one for the region, shared by those writers and taken
/// alone by a change to reference data, which moves every council's figures.
const COUNCIL_LOCK: i32 = 7_243_013;
const REGION_LOCK: i64 = 7_243_014;

/// A write transaction's part in the cells: what it declared it would
/// change, and the figures of those records as they were, taken away.
#[derive(Debug, Default)]
pub struct Pending {
    declared: Keys,
    taken: Records,
    sums: Sums,
    councils: std::collections::BTreeSet<i32>,
    region: Option<bool>,
}

impl Pending {
    /// To be called before the records `keys` name are changed: takes their
    /// figures as they are (those not taken already in this transaction).
    /// On PostgreSQL it first holds the cells of their councils (or, for
    /// reference data, of the region) for this transaction, so that no
    /// other writer moves the same figures between now and commit.
    pub async fn will_change(&mut self, db: &impl ConnectionTrait, keys: impl IntoIterator<Item = Touched>) -> AppResult<()> {
        let keys: Vec<Touched> = keys.into_iter().collect();
        if keys.is_empty() {
            return Ok(());
        }
        self.lock(db, &keys).await?;
        let mut new = Keys::default();
        keys.iter().for_each(|k| new.add(*k));
        new.add_measures(db, &keys).await?;
        by_index(db, true).await?;
        let records = new.records(db).await?;
        self.sums.add_records(db, &records.minus(&self.taken), &self.taken, -1).await?;
        by_index(db, false).await?;
        self.taken.extend(&records);
        self.declared.extend(&new);
        Ok(())
    }

    async fn lock(&mut self, db: &impl ConnectionTrait, keys: &[Touched]) -> AppResult<()> {
        if db.get_database_backend() != DbBackend::Postgres {
            // SQLite: a write transaction holds the database's one write lock from BEGIN.
            return Ok(());
        }
        let exclusive = keys.iter().any(|k| k.council_id().is_none());
        if self.region.is_none_or(|held| exclusive && !held) {
            let f = if exclusive { "pg_advisory_xact_lock" } else { "pg_advisory_xact_lock_shared" };
            db.execute_unprepared(&format!("SELECT {f}({REGION_LOCK})")).await?;
            self.region = Some(exclusive || self.region == Some(true));
        }
        let mut councils: Vec<i32> = keys.iter().filter_map(|k| k.council_id()).filter(|c| !self.councils.contains(c)).collect();
        // In ascending order, so that no two writers ever wait on each other in a cycle.
        councils.sort_unstable();
        councils.dedup();
        for council in councils {
            db.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({COUNCIL_LOCK}, {council})")).await?;
            self.councils.insert(council);
        }
        Ok(())
    }

    /// At commit: adds the figures of every record declared or `changed`
    /// (with its keys, and whether it was created) as they are now, and
    /// stores the difference. A change to a record that existed before and
    /// was not declared is refused: its old figures were never taken away.
    pub async fn apply(self, db: &impl ConnectionTrait, changed: impl IntoIterator<Item = (Touched, bool)>) -> AppResult<()> {
        let Pending { mut declared, taken: _, mut sums, .. } = self;
        let mut created = Keys::default();
        for (key, is_new) in changed {
            if !declared.covers(key, is_new) {
                return Err(internal(format!("cells: {key:?} was changed without being declared before the write")));
            }
            created.add(key);
        }
        declared.extend(&created);
        by_index(db, true).await?;
        let records = declared.records(db).await?;
        sums.add_records(db, &records, &Records::default(), 1).await?;
        standing::update(db, &records, &mut sums).await?;
        store::store(db, sums).await?;
        by_index(db, false).await
    }
}

/// PostgreSQL: plans that go from the records named to what they hang
/// from by index, whatever the planner's estimates (`on`), or its own
/// choice again. The statements of a write read a batch's records by id;
/// to a planner that believes a table small, as during a bulk load, or
/// that weighs a few thousand index probes against one pass over a table,
/// a scan of the whole table (a hash join or a sequential scan) looks
/// cheaper, and each batch would then cost as much as the table holds.
/// SQLite plans these lookups by index without being told.
async fn by_index(db: &impl ConnectionTrait, on: bool) -> AppResult<()> {
    if db.get_database_backend() == DbBackend::Postgres {
        let sql = if on {
            "SET LOCAL enable_seqscan = off; SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off"
        } else {
            "RESET enable_seqscan; RESET enable_hashjoin; RESET enable_mergejoin"
        };
        db.execute_unprepared(sql).await?;
    }
    Ok(())
}

fn ids(ids: &std::collections::BTreeSet<i32>) -> String {
    ids.iter().map(i32::to_string).collect::<Vec<_>>().join(", ")
}

async fn exec(db: &impl ConnectionTrait, sql: &str) -> AppResult<()> {
    db.execute_raw(Statement::from_string(db.get_database_backend(), sql.to_owned())).await?;
    Ok(())
}

/// Every council's cells from scratch, summed from the records by the same
/// statements that keep them: for a database that has records but no cells
/// yet (one that predates them), and for tests that check the kept cells
/// against a fresh computation.
pub async fn rebuild(db: &DatabaseConnection) -> AppResult<()> {
    let txn = db.begin().await?;
    for t in [&SUMMARY, &QUARTERLY, &DELIVERY] {
        exec(&txn, &format!("DELETE FROM {}", t.name)).await?;
    }
    exec(&txn, "DELETE FROM commitment_standing").await?;
    let councils: Vec<i32> = entity::council::Entity::find().select_only().column(entity::council::Column::Id).into_tuple().all(&txn).await?;
    for council_id in councils {
        let mut sums = Sums::default();
        let records = Keys::council(council_id).records(&txn).await?;
        sums.add_records(&txn, &records, &Records::default(), 1).await?;
        standing::update(&txn, &records, &mut sums).await?;
        store::store(&txn, sums).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Builds the cells when the database has live commitments but no cells.
pub async fn ensure_built(db: &DatabaseConnection) -> AppResult<bool> {
    let backend = db.get_database_backend();
    let has_cells = db.query_one_raw(Statement::from_string(backend, "SELECT 1 FROM rollup_summary LIMIT 1")).await?.is_some();
    let has_records = db.query_one_raw(Statement::from_string(backend, "SELECT 1 FROM commitment WHERE deleted = FALSE LIMIT 1")).await?.is_some();
    if has_records && !has_cells {
        rebuild(db).await?;
        return Ok(true);
    }
    Ok(false)
}
