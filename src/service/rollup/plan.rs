//! Which rows answer a rollup: one grouping of the summary cells when one
//! holds every figure, else the finest cells and the records' contract
//! values, or the records themselves when grouping by CONTRACT.

use super::figures::{Dimension, Figure, Wanted};
use super::filter::{ResolvedFilter, supplier_level};
use super::sql::{
    CELL_SUMMARY, CELL_SUMMARY_BEHIND, CELL_SUMMARY_FINEST, CELL_SUMMARY_ROW, NONE, RECORD_COMMITTED, RECORD_COMMITTED_REPORTED, RECORD_CONTRACTS,
    RECORD_DELIVERED, RECORD_DELIVERED_REPORTED, Source, figures,
};
use crate::service::split_sum::{sum_records, zero};

/// How a rollup reads: from the cells, or (grouping by CONTRACT, FRAMEWORK
/// or REPORTED_MEASURE, or filtering by framework, which the cells do not
/// keep) from the records themselves.
pub(super) struct ReadPlan {
    /// The figures asked for (see `rollup`).
    pub wanted: Wanted,
    pub cells: bool,
    pub by_supplier: bool,
    /// Quantities in the units reported: grouped by REPORTED_MEASURE, and neither
    /// by MEASURE nor filtered to one measure.
    pub reported_units: bool,
}

impl ReadPlan {
    /// The summary rows of one grouping that hold every figure of `dims`' groups, if any.
    fn summary(&self, w: &ResolvedFilter, dims: &[Dimension]) -> Option<String> {
        self.cells.then(|| w.summary_grouping(dims, self.by_supplier)).flatten()
    }

    /// The parts that give every figure of each group of `dims`.
    pub fn figures(&self, w: &ResolvedFilter, dims: &[Dimension]) -> Vec<String> {
        let width = dims.len();
        if let Some(level) = self.summary(w, dims) {
            let src = if w.one_row_per_group(dims, self.by_supplier) { &CELL_SUMMARY_ROW } else { &CELL_SUMMARY };
            let mut parts = vec![self.part(src, w, dims, &level, width)];
            // Which commitments are behind depends on each one's year: a
            // grouping of all years counts them from its cells by year.
            if let Some(by_year) = ResolvedFilter::by_year(&level).filter(|_| self.wanted.has(Figure::BehindCount)) {
                parts.push(self.part(&CELL_SUMMARY_BEHIND, w, dims, &by_year, width));
            }
            return parts;
        }
        let mut parts = if self.cells {
            // The finest summary rows (one measure and year) add up to
            // anything but contract value, which comes from the records.
            let level = format!("{} AND c.measure_id <> 0 AND c.financial_year <> 0", supplier_level(self.by_supplier));
            vec![self.part(&CELL_SUMMARY_FINEST, w, dims, &level, width)]
        } else {
            let (committed, delivered) =
                if self.reported_units { (&RECORD_COMMITTED_REPORTED, &RECORD_DELIVERED_REPORTED) } else { (&RECORD_COMMITTED, &RECORD_DELIVERED) };
            vec![self.part(committed, w, dims, "", width), self.part(delivered, w, dims, "", width)]
        };
        parts.push(record_contracts_part(w, dims, width, self.wanted));
        parts
    }

    /// The part that gives the contract value of all groups together.
    pub fn total_contract_value(&self, w: &ResolvedFilter, width: usize) -> String {
        match self.summary(w, &[]) {
            Some(level) => self.part(&CELL_SUMMARY, w, &[], &level, width),
            None => record_contracts_part(w, &[], width, self.wanted),
        }
    }

    /// One part of a rollup statement: the figures of `src` per group of `dims`.
    fn part(&self, src: &Source, w: &ResolvedFilter, dims: &[Dimension], level: &str, width: usize) -> String {
        let group: Vec<String> = dims.iter().map(|d| src.column(*d).to_owned()).collect();
        let group_by = if src.aggregates { group_by(&group) } else { String::new() };
        format!("SELECT {}{}{}{group_by}", lead(&group, width), (src.figures)(w.as_of, self.wanted), w.sql_from(src, dims, level))
    }
}

/// The leading columns of a part: whether its rows are the totals', then
/// `width` group columns `g{i}`. The totals part of a grouped rollup groups
/// by nothing, so it pads with NULLs to line up, and that marks it.
fn lead(group: &[String], width: usize) -> String {
    let mut cols = format!("{} AS total, ", i32::from(group.len() < width));
    for i in 0..width {
        match group.get(i) {
            Some(column) => cols.push_str(&format!("{column} AS g{i}, ")),
            None => cols.push_str(&format!("CAST(NULL AS INTEGER) AS g{i}, ")),
        }
    }
    cols
}

fn group_by(group: &[String]) -> String {
    if group.is_empty() { String::new() } else { format!(" GROUP BY {}", group.join(", ")) }
}

/// Σ value of the distinct contracts with a commitment in each group, from
/// the records: distinct contracts per group first, then their values.
fn record_contracts_part(w: &ResolvedFilter, dims: &[Dimension], width: usize, wanted: Wanted) -> String {
    let src = &RECORD_CONTRACTS;
    let inner: String = dims.iter().enumerate().map(|(i, d)| format!("{} AS g{i}, ", src.column(*d))).collect();
    let group: Vec<String> = (0..dims.len()).map(|i| format!("t.g{i}")).collect();
    let contract_value = sum_records("kv.value_pence", "contract_value");
    format!(
        "SELECT {}{} FROM (SELECT DISTINCT {inner}c.contract_id AS cid{}) t JOIN contract kv ON kv.id = t.cid{}",
        lead(&group, width),
        figures(
            wanted,
            NONE,
            NONE,
            NONE,
            NONE,
            [
                zero("committed_value"),
                zero("committed_quantity"),
                zero("delivered_value"),
                zero("verified_value"),
                zero("delivered_quantity"),
                contract_value,
                zero("shortfall_value")
            ]
        ),
        w.sql_from(src, dims, ""),
        group_by(&group)
    )
}
