//! Rollup cells: the figures dashboards ask for, summed by the write path in
//! the same transaction as the records, so that a regional rollup reads a
//! few hundred rows instead of a million evidence records.
//!
//! Why maintained aggregates and not query-time GROUP BY: at regional scale
//! (1M evidence rows) any GROUP BY over the records costs hundreds of
//! milliseconds on two cores, and dashboards ask the same few questions all
//! day while writes arrive in batches.
//!
//! Two tables. `rollup_summary` holds every figure (distinct contracts,
//! commitments, delivery) of a (council, supplier) pair in six groupings:
//! (all themes | theme | measure) × (all years | year), 0 standing for
//! "all" and -1 for "none" (the records of unmapped measures). Counting each contract once does not add up across themes,
//! measures or years, so each grouping is kept; and a dashboard's usual
//! question (one council by supplier, the region by theme for a year) is
//! then one row per group. `rollup_delivered_quarterly` holds delivery per
//! measure, year and quarter, for the trend and as the source of the
//! summary's delivery figures. `commitment_delivery` holds each commitment's
//! delivery, for lists of commitments (a dashboard page of contracts).
//!
//! How they stay exact. A record's figures land in the cells of its
//! contract's (council, supplier) pair. After a write, the cells of every
//! pair the write touched — before and after, since a record can move — are
//! recomputed from the records, and the council-level rows (`supplier_id = 0`)
//! take the difference. Every change a writer records names the rollup keys
//! it touched ([`Touched`]), typed, and the write door refreshes their cells
//! before it commits.
//! Every summed figure is kept as BIGINT parts (service::split_sum),
//! so that no cell's sum can overflow however many records it holds.
//!
//! Cells are in regional terms (`valuation`): a record counts under the
//! regional theme and measure its measure maps onto (-1 for an unmapped
//! measure), in regional units, valued with the regional proxy of its year.
//! So a changed proxy touches every pair with figures on its measure and
//! year, and a measure that changes theme, mapping or `valued` every pair
//! with commitments on it or on a measure mapped onto it.

use std::collections::{BTreeMap, BTreeSet};

use super::valuation::{
    COMMITTED_PROXY, COMMITTED_QUANTITY, DELIVERED_CENTI, DELIVERED_QUANTITY, EVIDENCE_PROXY, EVIDENCE_PROXY_JOIN, UNVALUED, VERIFIED_QUANTITY, basis,
    commitment_joins,
};
use crate::error::AppResult;
use crate::service::{lookup, split_sum};
use entity::{commitment, contract};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter, QuerySelect, Statement, TransactionTrait};

/// One cell table: its key columns after (supplier_id, council_id), its
/// counts, its figures (kept in parts, see service::split_sum),
/// and an expression that is zero exactly when a cell is empty.
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

/// What the delivered cells sum: quantities (regional millionths) and
/// values of delivered (not rejected) and of verified (validated) evidence.
const DELIVERED_FIGURES: &[&str] = &["delivered_quantity", "verified_quantity", "delivered_value", "verified_value"];

/// The delivered figures of evidence `e` (with `commitment_joins` and the evidence proxy), summed.
fn delivered_sums() -> Vec<String> {
    vec![
        split_sum::sum_records(DELIVERED_QUANTITY, "delivered_quantity"),
        split_sum::sum_records(VERIFIED_QUANTITY, "verified_quantity"),
        split_sum::sum_products(DELIVERED_QUANTITY, EVIDENCE_PROXY, "delivered_value"),
        split_sum::sum_products(VERIFIED_QUANTITY, EVIDENCE_PROXY, "verified_value"),
    ]
}

const QUARTERLY: Table = Table {
    name: "rollup_delivered_quarterly",
    keys: &["theme_id", "measure_id", "financial_year", "quarter"],
    counts: &["evidence"],
    figures: DELIVERED_FIGURES,
    empty: "evidence",
};

const SUMMARY: Table = Table {
    name: "rollup_summary",
    keys: &["theme_id", "measure_id", "financial_year"],
    counts: &["contracts", "commitments", "unvalued_commitments", "evidence"],
    figures: &["contract_value", "committed_quantity", "committed_value", "delivered_quantity", "verified_quantity", "delivered_value", "verified_value"],
    // A cell with a commitment has its contract; one without has evidence of its year.
    empty: "contracts + evidence",
};

const TABLES: [Table; 2] = [QUARTERLY, SUMMARY];

/// The six groupings of the summary, as a table `g` and the key columns
/// that project a finer row `f` (with theme_id, measure_id, financial_year)
/// onto each grouping.
const GROUPINGS: &str = "(VALUES (0, 0), (1, 0), (2, 0), (0, 1), (1, 1), (2, 1)) g";
const GROUPING_KEYS: &str = "CASE WHEN g.column1 > 0 THEN f.theme_id ELSE 0 END AS theme_id,
    CASE WHEN g.column1 = 2 THEN f.measure_id ELSE 0 END AS measure_id,
    CASE WHEN g.column2 = 1 THEN f.financial_year ELSE 0 END AS financial_year";

/// Zero parts of the summary `figures` a part of its UNION does not have.
fn zeros(figures: &[&str]) -> String {
    figures.iter().map(|f| split_sum::zero(f)).collect::<Vec<_>>().join(", ")
}

/// Supplier-level cells recomputed from the records of the contracts in
/// `records` (over `k`); `cells` selects the same pairs' quarterly cells.
/// Every record counts in regional terms (see `valuation`).
fn recompute_sql(records: &str, cells: &str) -> [String; 3] {
    let per_commitment_columns: Vec<String> = ["delivered_centi", "delivered_value", "verified_value"].iter().flat_map(|f| split_sum::parts(f)).collect();
    let per_commitment_sums = [
        split_sum::sum_records(DELIVERED_CENTI, "delivered_centi"),
        split_sum::sum_products(DELIVERED_QUANTITY, EVIDENCE_PROXY, "delivered_value"),
        split_sum::sum_products(VERIFIED_QUANTITY, EVIDENCE_PROXY, "verified_value"),
    ];
    let quarterly_sums: Vec<String> = DELIVERED_FIGURES.iter().map(|f| split_sum::sum_parts("q", f, true)).collect();
    let summary = SUMMARY.columns();
    let summed: Vec<String> = summary.iter().map(|c| format!("CAST(SUM({c}) AS BIGINT) AS {c}")).collect();
    // The rows of `f` below have every summary column but the contracts'.
    let projected: Vec<String> =
        summary.iter().map(|c| if c == "contracts" || c.starts_with("contract_value") { format!("0 AS {c}") } else { format!("f.{c}") }).collect();
    let valued = commitment_joins();
    let evidence_from = format!("contract k JOIN commitment c ON c.contract_id = k.id JOIN evidence e ON e.commitment_id = c.id{valued}{EVIDENCE_PROXY_JOIN}");
    [
        format!(
            "INSERT INTO commitment_delivery (commitment_id, council_id, supplier_id, {})
             SELECT c.id, k.council_id, k.supplier_id, {}
             FROM {evidence_from}
             WHERE {records} AND c.deleted = FALSE AND e.deleted = FALSE
             GROUP BY c.id, k.council_id, k.supplier_id",
            per_commitment_columns.join(", "),
            per_commitment_sums.join(", "),
        ),
        format!(
            "INSERT INTO rollup_delivered_quarterly (supplier_id, council_id, theme_id, measure_id, financial_year, quarter, {})
             SELECT k.supplier_id, k.council_id, b.theme_id, b.measure_id, e.financial_year, e.quarter, COUNT(*), {}
             FROM {evidence_from}
             WHERE {records} AND c.deleted = FALSE AND e.deleted = FALSE
             GROUP BY k.supplier_id, k.council_id, b.theme_id, b.measure_id, e.financial_year, e.quarter",
            QUARTERLY.columns().join(", "),
            delivered_sums().join(", "),
        ),
        // Distinct contracts per grouping from the records; commitments per
        // measure and year from the records and delivery from the quarterly
        // cells just written, each projected onto every grouping. Every
        // part lists the summary's columns in the same order.
        format!(
            "INSERT INTO rollup_summary (supplier_id, council_id, theme_id, measure_id, financial_year, {columns})
             SELECT supplier_id, council_id, theme_id, measure_id, financial_year, {summed}
             FROM (
                SELECT supplier_id, council_id, theme_id, measure_id, financial_year, COUNT(*) AS contracts,
                    0 AS commitments, 0 AS unvalued_commitments, 0 AS evidence, {contract_value}, {no_commitments}
                FROM (SELECT DISTINCT f.contract_id, f.supplier_id, f.council_id, f.value_pence, {GROUPING_KEYS}
                      FROM (SELECT k.id AS contract_id, k.supplier_id, k.council_id, k.value_pence, b.theme_id, b.measure_id, c.financial_year
                          FROM contract k JOIN commitment c ON c.contract_id = k.id JOIN {basis} ON b.reported_measure_id = c.measure_id
                          WHERE {records} AND c.deleted = FALSE) f
                      CROSS JOIN {GROUPINGS}) t
                GROUP BY supplier_id, council_id, theme_id, measure_id, financial_year
             UNION ALL
                SELECT f.supplier_id, f.council_id, {GROUPING_KEYS}, {projected}
                FROM (
                    SELECT k.supplier_id, k.council_id, b.theme_id, b.measure_id, c.financial_year, COUNT(*) AS commitments,
                        CAST(SUM({UNVALUED}) AS BIGINT) AS unvalued_commitments, CAST(0 AS BIGINT) AS evidence, {target}, {committed}, {no_delivery}
                    FROM contract k JOIN commitment c ON c.contract_id = k.id{valued}
                    WHERE {records} AND c.deleted = FALSE
                    GROUP BY k.supplier_id, k.council_id, b.theme_id, b.measure_id, c.financial_year
                UNION ALL
                    SELECT q.supplier_id, q.council_id, q.theme_id, q.measure_id, q.financial_year, CAST(0 AS BIGINT), CAST(0 AS BIGINT),
                        CAST(SUM(q.evidence) AS BIGINT), {no_commitment_figures}, {quarterly_sums}
                    FROM rollup_delivered_quarterly q
                    WHERE {cells} AND q.supplier_id <> 0
                    GROUP BY q.supplier_id, q.council_id, q.theme_id, q.measure_id, q.financial_year
                ) f CROSS JOIN {GROUPINGS}
             ) u
             GROUP BY supplier_id, council_id, theme_id, measure_id, financial_year",
            columns = summary.join(", "),
            summed = summed.join(", "),
            basis = basis(),
            contract_value = split_sum::sum_records("value_pence", "contract_value"),
            no_commitments = zeros(&SUMMARY.figures[1..]),
            projected = projected.join(", "),
            target = split_sum::sum_records(COMMITTED_QUANTITY, "committed_quantity"),
            committed = split_sum::sum_products(COMMITTED_QUANTITY, COMMITTED_PROXY, "committed_value"),
            no_delivery = zeros(DELIVERED_FIGURES),
            no_commitment_figures = zeros(&["committed_quantity", "committed_value"]),
            quarterly_sums = quarterly_sums.join(", "),
        ),
    ]
}

/// Adds (`sign` 1) or takes away (-1) the supplier-level cells in `scope` to/from the council-level rows.
fn council_level_sql(t: &Table, sign: i32, scope: &str) -> String {
    let keys = t.keys.join(", ");
    let columns = t.columns();
    let sums: Vec<String> = columns.iter().map(|f| format!("CAST({sign} * SUM({f}) AS BIGINT)")).collect();
    let adds: Vec<String> = columns.iter().map(|f| format!("{f} = {0}.{f} + excluded.{f}", t.name)).collect();
    format!(
        "INSERT INTO {name} (supplier_id, council_id, {keys}, {figures})
         SELECT 0, council_id, {keys}, {sums} FROM {name} WHERE {scope} GROUP BY council_id, {keys}
         ON CONFLICT (supplier_id, council_id, {keys}) DO UPDATE SET {adds}",
        name = t.name,
        figures = columns.join(", "),
        sums = sums.join(", "),
        adds = adds.join(", "),
    )
}

fn ids(ids: &BTreeSet<i32>) -> String {
    ids.iter().map(i32::to_string).collect::<Vec<_>>().join(", ")
}

async fn exec(db: &impl ConnectionTrait, sql: &str) -> AppResult<()> {
    db.execute_raw(Statement::from_string(db.get_database_backend(), sql.to_owned())).await?;
    Ok(())
}

/// Recomputes one council's cells for `suppliers` (every supplier when None).
async fn recompute(db: &impl ConnectionTrait, council_id: i32, suppliers: Option<&BTreeSet<i32>>) -> AppResult<()> {
    let (cells, records) = match suppliers {
        Some(s) => {
            (format!("council_id = {council_id} AND supplier_id IN ({})", ids(s)), format!("k.council_id = {council_id} AND k.supplier_id IN ({})", ids(s)))
        }
        None => (format!("council_id = {council_id} AND supplier_id <> 0"), format!("k.council_id = {council_id}")),
    };
    for t in &TABLES {
        exec(db, &council_level_sql(t, -1, &cells)).await?;
        exec(db, &format!("DELETE FROM {} WHERE {cells}", t.name)).await?;
    }
    exec(db, &format!("DELETE FROM commitment_delivery WHERE {cells}")).await?;
    for sql in recompute_sql(&records, &cells) {
        exec(db, &sql).await?;
    }
    for t in &TABLES {
        exec(db, &council_level_sql(t, 1, &cells)).await?;
        exec(db, &format!("DELETE FROM {} WHERE supplier_id = 0 AND council_id = {council_id} AND {} = 0", t.name, t.empty)).await?;
    }
    Ok(())
}

/// Brings the cells up to date with a write's changes, inside its transaction.
pub async fn refresh(db: &impl ConnectionTrait, touched: &BTreeSet<Touched>) -> AppResult<()> {
    let pairs = touched_pairs(db, touched).await?;
    for (council_id, suppliers) in pairs {
        if db.get_database_backend() == DbBackend::Postgres {
            // Writers of one council take turns on its council-level rows
            // (councils in ascending order, so two writers never deadlock).
            exec(db, &format!("SELECT pg_advisory_xact_lock(7243013, {council_id})")).await?;
        }
        recompute(db, council_id, Some(&suppliers)).await?;
    }
    Ok(())
}

/// Every council's cells from scratch: for a database that has records but
/// no cells yet (one that predates them), and for tests that check the
/// maintained cells against a fresh computation.
pub async fn rebuild(db: &DatabaseConnection) -> AppResult<()> {
    let txn = db.begin().await?;
    for t in TABLES.iter().map(|t| t.name).chain(["commitment_delivery"]) {
        exec(&txn, &format!("DELETE FROM {t}")).await?;
    }
    let councils: Vec<i32> = entity::council::Entity::find().select_only().column(entity::council::Column::Id).into_tuple().all(&txn).await?;
    for council_id in councils {
        recompute(&txn, council_id, None).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Builds the cells when the database has live commitments but no cells.
pub async fn ensure_built(db: &DatabaseConnection) -> AppResult<bool> {
    let has_cells = db.query_one_raw(Statement::from_string(db.get_database_backend(), "SELECT 1 FROM rollup_summary LIMIT 1")).await?.is_some();
    let has_records = commitment::Entity::find().filter(commitment::Column::Deleted.eq(false)).one(db).await?.is_some();
    if has_records && !has_cells {
        rebuild(db).await?;
        return Ok(true);
    }
    Ok(false)
}

/// A rollup key that a write touched. Cells are kept per (council,
/// supplier) pair, so every council record's change names its pair, or the
/// contract or commitment it hangs from when that is what the writer holds
/// (the cells find the pair by id); and values depend on measures' themes
/// and proxies, so a change to those names the measure or the proxy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Touched {
    /// A contract's council and supplier.
    Pair { council_id: i32, supplier_id: i32 },
    /// The contract a commitment belongs to.
    Contract(i32),
    /// The commitment an evidence record belongs to.
    Commitment(i32),
    /// A measure's theme, mapping or `valued` flag changed: every pair with figures on it.
    Measure(i32),
    /// A measure's proxy for a year: every pair with figures on both.
    Proxy { measure_id: i32, financial_year: i32 },
}

/// The (council, supplier) pairs whose cells `touched` may have changed, per council.
async fn touched_pairs(db: &impl ConnectionTrait, touched: &BTreeSet<Touched>) -> AppResult<BTreeMap<i32, BTreeSet<i32>>> {
    let mut pairs: BTreeMap<i32, BTreeSet<i32>> = BTreeMap::new();
    let (mut contracts, mut commitments, mut moved, mut proxies) = (BTreeSet::new(), Vec::new(), BTreeSet::new(), Vec::new());
    for t in touched {
        match *t {
            Touched::Pair { council_id, supplier_id } => {
                pairs.entry(council_id).or_default().insert(supplier_id);
            }
            Touched::Contract(id) => {
                contracts.insert(id);
            }
            Touched::Commitment(id) => commitments.push(id),
            Touched::Measure(id) => {
                moved.insert(id);
            }
            Touched::Proxy { measure_id, financial_year } => proxies.push(format!("(measure_id = {measure_id} AND financial_year = {financial_year})")),
        }
    }
    let found = lookup::find_in::<commitment::Entity, _>(db, commitment::Column::Id, &commitments, Condition::all(), commitment::Column::Id).await?;
    contracts.extend(found.iter().map(|m| m.contract_id));
    let contracts: Vec<i32> = contracts.into_iter().collect();
    for k in lookup::find_in::<contract::Entity, _>(db, contract::Column::Id, &contracts, Condition::all(), contract::Column::Id).await? {
        pairs.entry(k.council_id).or_default().insert(k.supplier_id);
    }
    // A changed proxy moves the pairs whose summary cells have a row for its
    // (regional) measure and year; a proxy for a year with no records yet,
    // the usual case, touches none.
    let mut queries = Vec::new();
    if !proxies.is_empty() {
        queries.push(format!("SELECT DISTINCT council_id, supplier_id FROM rollup_summary WHERE supplier_id <> 0 AND ({})", proxies.join(" OR ")));
    }
    // A measure that changed theme, mapping or `valued` moves the pairs with
    // commitments on it, or on a measure mapped onto it.
    if !moved.is_empty() {
        let moved = ids(&moved);
        queries.push(format!(
            "SELECT DISTINCT k.council_id, k.supplier_id FROM commitment c JOIN contract k ON k.id = c.contract_id
             WHERE c.deleted = FALSE AND (c.measure_id IN ({moved}) OR c.measure_id IN (SELECT measure_id FROM measure_mapping WHERE regional_measure_id IN ({moved})))"
        ));
    }
    for sql in queries {
        for row in db.query_all_raw(Statement::from_string(db.get_database_backend(), sql)).await? {
            pairs.entry(row.try_get("", "council_id")?).or_default().insert(row.try_get("", "supplier_id")?);
        }
    }
    pairs.retain(|_, s| !s.is_empty());
    Ok(pairs)
}
