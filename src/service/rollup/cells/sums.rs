//! The figures of a set of records, summed by cell: what they add to (or,
//! before a write, take from) each cell. Three statements read them, each
//! grouped as finely as a cell and no finer; Rust adds them onto every
//! grouping of the summary.
//!
//! Figures stay in the parts the cells store (service::split_sum), summed
//! part by part exactly as SQL sums them, so that cells kept by adding and
//! taking away are equal, part for part, to cells summed from the records.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use sea_orm::{ConnectionTrait, Statement};

use super::scope::Records;
use super::{DELIVERY, QUARTERLY, SUMMARY, Table};
use crate::error::AppResult;
use crate::service::rollup::valuation::{
    COMMITTED_PROXY, COMMITTED_QUANTITY, DELIVERED_CENTI, DELIVERED_QUANTITY, EVIDENCE_PROXY, EVIDENCE_PROXY_JOIN, UNVALUED, VERIFIED_QUANTITY, basis,
    commitment_joins,
};
use crate::service::split_sum::{self, BASE, Columns};

pub(super) const SUMMARY_WIDTH: usize = 28;
pub(super) const QUARTERLY_WIDTH: usize = 11;
pub(super) const DELIVERY_WIDTH: usize = 8;

/// (supplier_id, council_id, theme_id, measure_id, financial_year).
pub(super) type SummaryKey = [i32; 5];
/// A summary key and the quarter.
pub(super) type QuarterlyKey = [i32; 6];

/// Signed sums by cell, supplier-level rows only: the council-level rows
/// (supplier 0) are their sums, added when the sums are stored.
#[derive(Debug, Default)]
pub(super) struct Sums {
    pub summary: HashMap<SummaryKey, [i64; SUMMARY_WIDTH]>,
    pub quarterly: HashMap<QuarterlyKey, [i64; QUARTERLY_WIDTH]>,
    pub delivery: HashMap<i32, [i64; DELIVERY_WIDTH]>,
}

/// The six groupings of the summary, as (theme level, by year): theme
/// level 0 is all themes, 1 a theme, 2 a measure; 0 stands for "all" in
/// the key.
const GROUPINGS: [(u8, bool); 6] = [(0, false), (1, false), (2, false), (0, true), (1, true), (2, true)];

/// A finest (supplier, council, theme, measure, year) projected onto each grouping.
pub(super) fn groupings(supplier: i32, council: i32, theme: i32, measure: i32, year: i32) -> impl Iterator<Item = SummaryKey> {
    GROUPINGS.iter().map(move |&(level, by_year)| {
        [supplier, council, if level > 0 { theme } else { 0 }, if level == 2 { measure } else { 0 }, if by_year { year } else { 0 }]
    })
}

pub(super) fn add(into: &mut [i64], values: &[i64], sign: i64) {
    for (cell, v) in into.iter_mut().zip(values) {
        *cell += sign * v;
    }
}

/// Where a figure's first part sits in a table's stored columns.
pub(super) fn at(t: &Table, column: &str) -> usize {
    t.columns().iter().position(|c| c == column || c.starts_with(&format!("{column}_p"))).expect("a column of the table")
}

pub(super) async fn rows(db: &impl ConnectionTrait, sql: String) -> AppResult<Vec<sea_orm::QueryResult>> {
    Ok(db.query_all_raw(Statement::from_string(db.get_database_backend(), sql)).await?)
}

/// Reads `n` counts or parts.
pub(super) fn read(columns: &mut Columns<'_>, n: usize) -> AppResult<Vec<i64>> {
    (0..n).map(|_| columns.count()).collect()
}

impl Sums {
    /// Adds (`sign` 1) or takes away (-1) the figures of `records`, leaving
    /// out evidence of `taken` (see `Records::evidence_sql`).
    pub async fn add_records(&mut self, db: &impl ConnectionTrait, records: &Records, taken: &Records, sign: i64) -> AppResult<()> {
        if let Some(commitments) = records.commitments_sql() {
            self.add_commitments(db, &commitments, sign).await?;
        }
        if let Some(evidence) = records.evidence_sql(taken) {
            self.add_evidence(db, &evidence, sign).await?;
        }
        if let Some(groups) = records.groups_sql() {
            self.add_groups(db, &groups, sign).await?;
        }
        Ok(())
    }

    /// Each commitment's count, target and committed value, in regional terms.
    async fn add_commitments(&mut self, db: &impl ConnectionTrait, which: &str, sign: i64) -> AppResult<()> {
        let sql = format!(
            "SELECT k.supplier_id, k.council_id, b.theme_id, b.measure_id, c.financial_year,
                COUNT(*), CAST(SUM({UNVALUED}) AS BIGINT), {target}, {committed}
             FROM contract k JOIN commitment c ON c.contract_id = k.id{joins}
             WHERE c.deleted = FALSE AND ({which})
             GROUP BY k.supplier_id, k.council_id, b.theme_id, b.measure_id, c.financial_year",
            target = split_sum::sum_records(COMMITTED_QUANTITY, "committed_quantity"),
            committed = split_sum::sum_products(COMMITTED_QUANTITY, COMMITTED_PROXY, "committed_value"),
            joins = commitment_joins(),
        );
        let (commitments, quantity) = (at(&SUMMARY, "commitments"), at(&SUMMARY, "committed_quantity"));
        for row in rows(db, sql).await? {
            let mut columns = Columns::new(&row);
            let key = read_key(&mut columns)?;
            let counts = read(&mut columns, 2)?;
            let figures = read(&mut columns, 5)?;
            for cell in groupings(key[0], key[1], key[2], key[3], key[4]) {
                let sums = self.summary.entry(cell).or_insert([0; SUMMARY_WIDTH]);
                add(&mut sums[commitments..], &counts, sign);
                add(&mut sums[quantity..], &figures, sign);
            }
        }
        Ok(())
    }

    /// Evidence by commitment and quarter: the quarterly cells, the
    /// summary's delivery (by the evidence's year) and each commitment's delivery.
    async fn add_evidence(&mut self, db: &impl ConnectionTrait, which: &str, sign: i64) -> AppResult<()> {
        let sql = format!(
            "SELECT k.supplier_id, k.council_id, b.theme_id, b.measure_id, e.financial_year, e.quarter, c.id, COUNT(*),
                {centi}, {delivered}, {verified}, {delivered_value}, {verified_value}
             FROM contract k JOIN commitment c ON c.contract_id = k.id JOIN evidence e ON e.commitment_id = c.id{joins}{EVIDENCE_PROXY_JOIN}
             WHERE c.deleted = FALSE AND e.deleted = FALSE AND ({which})
             GROUP BY k.supplier_id, k.council_id, b.theme_id, b.measure_id, e.financial_year, e.quarter, c.id",
            centi = split_sum::sum_records(DELIVERED_CENTI, "delivered_centi"),
            delivered = split_sum::sum_records(DELIVERED_QUANTITY, "delivered_quantity"),
            verified = split_sum::sum_records(VERIFIED_QUANTITY, "verified_quantity"),
            delivered_value = split_sum::sum_products(DELIVERED_QUANTITY, EVIDENCE_PROXY, "delivered_value"),
            verified_value = split_sum::sum_products(VERIFIED_QUANTITY, EVIDENCE_PROXY, "verified_value"),
            joins = commitment_joins(),
        );
        let (summary_evidence, quarterly_evidence) = (at(&SUMMARY, "evidence"), at(&QUARTERLY, "evidence"));
        let (summary_delivered, quarterly_delivered) = (at(&SUMMARY, "delivered_quantity"), at(&QUARTERLY, "delivered_quantity"));
        let (delivery_value, delivery_verified) = (at(&DELIVERY, "delivered_value"), at(&DELIVERY, "verified_value"));
        for row in rows(db, sql).await? {
            let mut columns = Columns::new(&row);
            let key = read_key(&mut columns)?;
            let quarter = columns.int32()?;
            let commitment = columns.int32()?;
            let evidence = [columns.count()?];
            let centi = read(&mut columns, 2)?;
            // Delivered and verified quantities, then values: the quarterly cells' order.
            let delivered = read(&mut columns, 10)?;
            let q = self.quarterly.entry([key[0], key[1], key[2], key[3], key[4], quarter]).or_insert([0; QUARTERLY_WIDTH]);
            add(&mut q[quarterly_evidence..], &evidence, sign);
            add(&mut q[quarterly_delivered..], &delivered, sign);
            for cell in groupings(key[0], key[1], key[2], key[3], key[4]) {
                let sums = self.summary.entry(cell).or_insert([0; SUMMARY_WIDTH]);
                add(&mut sums[summary_evidence..], &evidence, sign);
                add(&mut sums[summary_delivered..], &delivered, sign);
            }
            let d = self.delivery.entry(commitment).or_insert([0; DELIVERY_WIDTH]);
            add(d, &centi, sign);
            add(&mut d[delivery_value..], &delivered[4..7], sign);
            add(&mut d[delivery_verified..], &delivered[7..10], sign);
        }
        Ok(())
    }

    /// Each contract counted once, with its value, in every group it has a
    /// live commitment in: read from all of its commitments, since whether
    /// it still counts in a group depends on all of them.
    async fn add_groups(&mut self, db: &impl ConnectionTrait, which: &str, sign: i64) -> AppResult<()> {
        let sql = format!(
            "SELECT DISTINCT k.supplier_id, k.council_id, b.theme_id, b.measure_id, c.financial_year, k.id, k.value_pence
             FROM contract k JOIN commitment c ON c.contract_id = k.id JOIN {basis} ON b.reported_measure_id = c.measure_id
             WHERE c.deleted = FALSE AND ({which})",
            basis = basis(),
        );
        let mut groups: BTreeMap<i32, (i64, BTreeSet<SummaryKey>)> = BTreeMap::new();
        for row in rows(db, sql).await? {
            let mut columns = Columns::new(&row);
            let key = read_key(&mut columns)?;
            let contract = columns.int32()?;
            let value = columns.count()?;
            groups.entry(contract).or_insert_with(|| (value, BTreeSet::new())).1.extend(groupings(key[0], key[1], key[2], key[3], key[4]));
        }
        let (contracts, contract_value) = (at(&SUMMARY, "contracts"), at(&SUMMARY, "contract_value"));
        for (value, cells) in groups.into_values() {
            // The parts of one record's figure, as split_sum splits it in SQL.
            let figures = [1, value / BASE, value % BASE];
            for cell in cells {
                let sums = self.summary.entry(cell).or_insert([0; SUMMARY_WIDTH]);
                add(&mut sums[contracts..=contracts], &figures[..1], sign);
                add(&mut sums[contract_value..], &figures[1..], sign);
            }
        }
        Ok(())
    }
}

/// (supplier_id, council_id, theme_id, measure_id, financial_year), as each statement selects them first.
pub(super) fn read_key(columns: &mut Columns<'_>) -> AppResult<SummaryKey> {
    Ok([columns.int32()?, columns.int32()?, columns.int32()?, columns.int32()?, columns.int32()?])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_widths_are_the_tables_and_the_figures_sit_where_the_sums_add_them() {
        assert_eq!(SUMMARY.columns().len(), SUMMARY_WIDTH);
        assert_eq!(QUARTERLY.columns().len(), QUARTERLY_WIDTH);
        assert_eq!(DELIVERY.columns().len(), DELIVERY_WIDTH);
        // Counts then committed figures, and the delivered figures in the quarterly cells' order.
        assert_eq!(at(&SUMMARY, "unvalued_commitments"), at(&SUMMARY, "commitments") + 1);
        assert_eq!(at(&SUMMARY, "committed_value"), at(&SUMMARY, "committed_quantity") + 2);
        assert_eq!(&SUMMARY.columns()[at(&SUMMARY, "delivered_quantity")..], &QUARTERLY.columns()[at(&QUARTERLY, "delivered_quantity")..]);
        assert_eq!(at(&SUMMARY, "contract_value"), 8);
        assert_eq!(at(&SUMMARY, "behind_4"), at(&SUMMARY, "behind_1") + 3);
        assert_eq!(DELIVERY.columns()[..2], ["delivered_centi_p1", "delivered_centi_p0"]);
    }

    #[test]
    fn a_finest_row_counts_in_every_grouping_once() {
        let cells: Vec<SummaryKey> = groupings(7, 3, 10, 42, 2024).collect();
        assert_eq!(cells, [[7, 3, 0, 0, 0], [7, 3, 10, 0, 0], [7, 3, 10, 42, 0], [7, 3, 0, 0, 2024], [7, 3, 10, 0, 2024], [7, 3, 10, 42, 2024]]);
    }
}
