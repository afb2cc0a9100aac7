//! How each source of rollup rows maps onto SQL: the tables (records or
//! cells), the columns of each dimension and filter, and the figures every
//! part of a statement selects, so that parts combine with UNION ALL.

use super::figures::{Dimension, Figure, Figures, GroupKey, Wanted};
use super::valuation::{
    COMMITTED_PROXY, COMMITTED_QUANTITY, DELIVERED_QUANTITY, EVIDENCE_PROXY, EVIDENCE_PROXY_JOIN, REPORTED_DELIVERED, REPORTED_TARGET, UNVALUED,
    VERIFIED_QUANTITY, basis, commitment_joins,
};
use crate::domain::{AsOf, MoneyTotal, RegionalQuantity, SocialValue};
use crate::error::AppResult;
use crate::service::read::delivery::quarters_ended;
use crate::service::split_sum::{Columns, sum_parts, sum_products, sum_records, zero};

/// Where a query's rows come from and how each dimension and filter maps
/// onto them. Every source names its commitment side `c` (the council is
/// `c.council_id` in all of them).
pub(super) struct Source {
    /// FROM, with the joins that value the records where they are computed.
    pub from: fn() -> String,
    /// The figures' columns, as `figures` lists them, for the date of
    /// delivery tracking, leaving out those not wanted.
    pub figures: fn(AsOf, Wanted) -> String,
    /// Whether `figures` are aggregates, summed per group by GROUP BY.
    pub aggregates: bool,
    /// The rows that count.
    pub live: &'static str,
    pub supplier: &'static str,
    /// The join that gives `k`, the contract, where `supplier` and `framework` need it.
    pub contract_join: &'static str,
    /// The contract's framework and the reported measure: only the records have them.
    pub framework: &'static str,
    pub reported: &'static str,
    pub contract: &'static str,
    pub year: &'static str,
    pub quarter: &'static str,
    /// The regional theme and measure (-1 for the records of unmapped measures).
    pub theme: &'static str,
    pub measure: &'static str,
}

const CONTRACT_JOIN: &str = " JOIN contract k ON k.id = c.contract_id";

/// Every part of a rollup statement selects the same figures, named as
/// the Rust fields they fill and in this order, so that parts combine with
/// UNION ALL: the counts of commitments, unvalued commitments and evidence,
/// then committed value and quantity, delivered value, verified value,
/// delivered quantity and contract value, each of these in parts
/// (service::split_sum), then the count of commitments behind and the
/// shortfall in parts. A figure not `wanted` is left out, by every part
/// of a statement alike (`figures_of` reads the same layout).
pub(super) fn figures(wanted: Wanted, commitments: &str, unvalued: &str, evidence: &str, behind: &str, sums: [String; 7]) -> String {
    let [committed_value, committed_quantity, delivered_value, verified_value, delivered_quantity, contract_value, shortfall_value] = sums;
    let columns = [
        (None, format!("{commitments} AS commitments")),
        (Some(Figure::UnvaluedCount), format!("{unvalued} AS unvalued_commitments")),
        (Some(Figure::CommittedValue), committed_value),
        (Some(Figure::CommittedQuantity), committed_quantity),
        (None, format!("{evidence} AS evidence")),
        (Some(Figure::DeliveredValue), delivered_value),
        (Some(Figure::VerifiedValue), verified_value),
        (Some(Figure::DeliveredQuantity), delivered_quantity),
        (Some(Figure::ContractValue), contract_value),
        (Some(Figure::BehindCount), format!("{behind} AS behind")),
        (Some(Figure::ShortfallValue), shortfall_value),
    ];
    columns.into_iter().filter(|(f, _)| f.is_none_or(|f| wanted.has(f))).map(|(_, sql)| sql).collect::<Vec<_>>().join(", ")
}

/// Commitments behind on `as_of`, from their standing `st` (service::rollup::cells).
fn record_behind(as_of: AsOf) -> String {
    format!("CAST(SUM(CASE WHEN st.behind_from <= {} THEN 1 ELSE 0 END) AS BIGINT)", quarters_ended("c.financial_year", as_of))
}

/// Commitments behind on `as_of`, from summary cells of one year each
/// (`behind_q` counts those behind once q quarters have ended); a cell of
/// all years counts none, see `ReadPlan::figures`.
pub(super) fn cell_behind(as_of: AsOf, sum: bool) -> String {
    let column = |q: u8| if q == 0 { "0".to_owned() } else { format!("c.behind_{q}") };
    let expr = format!(
        "CASE WHEN c.financial_year = 0 THEN 0 WHEN c.financial_year < {y} THEN c.behind_4 WHEN c.financial_year = {y} THEN {now} ELSE 0 END",
        y = as_of.year,
        now = column(as_of.ended),
    );
    if sum { format!("CAST(SUM({expr}) AS BIGINT)") } else { format!("CAST({expr} AS BIGINT)") }
}

pub(super) const NONE: &str = "CAST(0 AS BIGINT)";

fn record_committed(as_of: AsOf, wanted: Wanted) -> String {
    committed_figures(COMMITTED_QUANTITY, as_of, wanted)
}

/// As `record_committed`, quantities in the units reported (on the same scale).
fn record_committed_reported(as_of: AsOf, wanted: Wanted) -> String {
    committed_figures(REPORTED_TARGET, as_of, wanted)
}

fn committed_figures(quantity: &str, as_of: AsOf, wanted: Wanted) -> String {
    figures(
        wanted,
        "COUNT(*)",
        &format!("CAST(SUM({UNVALUED}) AS BIGINT)"),
        NONE,
        &record_behind(as_of),
        [
            sum_products(COMMITTED_QUANTITY, COMMITTED_PROXY, "committed_value"),
            sum_records(quantity, "committed_quantity"),
            zero("delivered_value"),
            zero("verified_value"),
            zero("delivered_quantity"),
            zero("contract_value"),
            sum_parts("st", "shortfall_value", true),
        ],
    )
}

fn record_delivered(_: AsOf, wanted: Wanted) -> String {
    delivered_figures(DELIVERED_QUANTITY, wanted)
}

fn record_delivered_reported(_: AsOf, wanted: Wanted) -> String {
    delivered_figures(REPORTED_DELIVERED, wanted)
}

fn delivered_figures(quantity: &str, wanted: Wanted) -> String {
    figures(
        wanted,
        NONE,
        NONE,
        "COUNT(*)",
        NONE,
        [
            zero("committed_value"),
            zero("committed_quantity"),
            sum_products(DELIVERED_QUANTITY, EVIDENCE_PROXY, "delivered_value"),
            sum_products(VERIFIED_QUANTITY, EVIDENCE_PROXY, "verified_value"),
            sum_records(quantity, "delivered_quantity"),
            zero("contract_value"),
            zero("shortfall_value"),
        ],
    )
}

/// The figures of summary cells, summed over the rows or (`sum` false) row
/// by row; without contract value where it comes from the records.
fn summary_figures(sum: bool, contract_value: bool, as_of: AsOf, wanted: Wanted) -> String {
    let count = |c: &str| if sum { format!("CAST(SUM(c.{c}) AS BIGINT)") } else { format!("c.{c}") };
    let split = |c: &str| sum_parts("c", c, sum);
    figures(
        wanted,
        &count("commitments"),
        &count("unvalued_commitments"),
        &count("evidence"),
        &cell_behind(as_of, sum),
        [
            split("committed_value"),
            split("committed_quantity"),
            split("delivered_value"),
            split("verified_value"),
            split("delivered_quantity"),
            if contract_value { split("contract_value") } else { zero("contract_value") },
            split("shortfall_value"),
        ],
    )
}

fn summed_cells(as_of: AsOf, wanted: Wanted) -> String {
    summary_figures(true, true, as_of, wanted)
}

fn cell_rows(as_of: AsOf, wanted: Wanted) -> String {
    summary_figures(false, true, as_of, wanted)
}

fn summed_finest_cells(as_of: AsOf, wanted: Wanted) -> String {
    summary_figures(true, false, as_of, wanted)
}

/// Only the commitments behind, from summary cells of one year each: for
/// a grouping of all years, whose cells cannot say (see `ReadPlan::figures`).
fn summed_behind(as_of: AsOf, wanted: Wanted) -> String {
    figures(
        wanted,
        NONE,
        NONE,
        NONE,
        &cell_behind(as_of, true),
        [
            zero("committed_value"),
            zero("committed_quantity"),
            zero("delivered_value"),
            zero("verified_value"),
            zero("delivered_quantity"),
            zero("contract_value"),
            zero("shortfall_value"),
        ],
    )
}

/// The trend's figures from the quarterly cells, in the layout of every
/// other source's (the trend reads evidence from the records too).
fn quarterly_cells(_: AsOf, wanted: Wanted) -> String {
    figures(
        wanted,
        NONE,
        NONE,
        "CAST(SUM(c.evidence) AS BIGINT)",
        NONE,
        [
            zero("committed_value"),
            zero("committed_quantity"),
            sum_parts("c", "delivered_value", true),
            sum_parts("c", "verified_value", true),
            zero("delivered_quantity"),
            zero("contract_value"),
            zero("shortfall_value"),
        ],
    )
}

fn committed_from() -> String {
    format!("commitment c{} LEFT JOIN commitment_standing st ON st.commitment_id = c.id", commitment_joins())
}

fn delivered_from() -> String {
    format!("evidence e JOIN commitment c ON c.id = e.commitment_id{}{EVIDENCE_PROXY_JOIN}", commitment_joins())
}

fn contracts_from() -> String {
    format!("commitment c JOIN {} ON b.reported_measure_id = c.measure_id", basis())
}

fn cells_from(table: &str) -> String {
    format!("{table} c")
}

/// Commitments, valued at their own year's regional proxy.
pub(super) const RECORD_COMMITTED: Source = Source {
    from: committed_from,
    figures: record_committed,
    aggregates: true,
    live: "c.deleted = FALSE",
    supplier: "k.supplier_id",
    contract_join: CONTRACT_JOIN,
    framework: "k.framework_id",
    reported: "c.measure_id",
    contract: "c.contract_id",
    year: "c.financial_year",
    quarter: "",
    theme: "b.theme_id",
    measure: "b.measure_id",
};

/// Evidence, valued at the regional proxy of its own year; rejected
/// evidence is counted but never delivered.
pub(super) const RECORD_DELIVERED: Source = Source {
    from: delivered_from,
    figures: record_delivered,
    live: "c.deleted = FALSE AND e.deleted = FALSE",
    year: "e.financial_year",
    quarter: "e.quarter",
    ..RECORD_COMMITTED
};

/// The same, with quantities in the units the councils reported.
pub(super) const RECORD_COMMITTED_REPORTED: Source = Source { figures: record_committed_reported, ..RECORD_COMMITTED };
pub(super) const RECORD_DELIVERED_REPORTED: Source = Source { figures: record_delivered_reported, ..RECORD_DELIVERED };

/// Commitments, for the distinct contracts they belong to.
pub(super) const RECORD_CONTRACTS: Source = Source { from: contracts_from, figures: |_, _| String::new(), ..RECORD_COMMITTED };

/// Every figure from the summary cells the write path keeps (service::rollup::cells).
pub(super) const CELL_SUMMARY: Source = Source {
    from: || cells_from("rollup_summary"),
    figures: summed_cells,
    aggregates: true,
    live: "",
    supplier: "c.supplier_id",
    contract_join: "",
    framework: "",
    reported: "",
    contract: "",
    year: "c.financial_year",
    quarter: "",
    theme: "c.theme_id",
    measure: "c.measure_id",
};

/// Delivery per quarter, for the trend.
pub(super) const CELL_DELIVERED_QUARTERLY: Source =
    Source { from: || cells_from("rollup_delivered_quarterly"), figures: quarterly_cells, quarter: "c.quarter", ..CELL_SUMMARY };

/// The finest summary cells (one measure and year), which add up to any
/// group's figures but its contract value: a contract with commitments in
/// several measures or years is in several of them.
pub(super) const CELL_SUMMARY_FINEST: Source = Source { figures: summed_finest_cells, ..CELL_SUMMARY };

/// Summary cells read row by row, where each group is one row (`ResolvedFilter::one_row_per_group`).
pub(super) const CELL_SUMMARY_ROW: Source = Source { figures: cell_rows, aggregates: false, ..CELL_SUMMARY };

/// Summary cells of one year each, for the commitments behind alone.
pub(super) const CELL_SUMMARY_BEHIND: Source = Source { figures: summed_behind, ..CELL_SUMMARY };

impl Source {
    pub fn column(&self, d: Dimension) -> &'static str {
        match d {
            Dimension::Council => "c.council_id",
            Dimension::Theme => self.theme,
            Dimension::Measure => self.measure,
            Dimension::Supplier => self.supplier,
            Dimension::Contract => self.contract,
            Dimension::FinancialYear => self.year,
            Dimension::Framework => self.framework,
            Dimension::ReportedMeasure => self.reported,
        }
    }
}

/// The group columns `g{i}` of `dims`, in order.
pub(super) fn key_of(columns: &mut Columns, dims: &[Dimension]) -> AppResult<GroupKey> {
    let mut key = GroupKey::default();
    for d in dims {
        // -1: the records of unmapped measures, which have no regional theme or measure.
        key.set(*d, columns.optional_int32()?.filter(|v| *v != -1));
    }
    Ok(key)
}

/// The figures, selected as `figures` lists those `wanted`; the others are 0.
pub(super) fn figures_of(columns: &mut Columns, wanted: Wanted) -> AppResult<Figures> {
    // A count is one column, any other figure its parts.
    let mut next = |f: Option<Figure>, name: &str| -> AppResult<i128> {
        match f {
            Some(f) if !wanted.has(f) => Ok(0),
            _ if ["commitments", "unvalued_commitments", "evidence", "behind"].contains(&name) => Ok(i128::from(columns.count()?)),
            _ => columns.figure(name),
        }
    };
    let count = |v: i128| i64::try_from(v).expect("a count read from one BIGINT");
    Ok(Figures {
        commitment_count: count(next(None, "commitments")?),
        unvalued_commitment_count: count(next(Some(Figure::UnvaluedCount), "unvalued_commitments")?),
        committed_value: SocialValue::from_scaled(next(Some(Figure::CommittedValue), "committed_value")?),
        committed_quantity: RegionalQuantity::from_scaled(next(Some(Figure::CommittedQuantity), "committed_quantity")?),
        evidence_count: count(next(None, "evidence")?),
        delivered_value: SocialValue::from_scaled(next(Some(Figure::DeliveredValue), "delivered_value")?),
        verified_value: SocialValue::from_scaled(next(Some(Figure::VerifiedValue), "verified_value")?),
        delivered_quantity: RegionalQuantity::from_scaled(next(Some(Figure::DeliveredQuantity), "delivered_quantity")?),
        contract_value: MoneyTotal::from_scaled(next(Some(Figure::ContractValue), "contract_value")?),
        behind_count: count(next(Some(Figure::BehindCount), "behind")?),
        shortfall_value: SocialValue::from_scaled(next(Some(Figure::ShortfallValue), "shortfall_value")?),
    })
}
