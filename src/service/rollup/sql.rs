//! How each source of rollup rows maps onto SQL: the tables (records or
//! cells), the columns of each dimension and filter, and the figures every
//! part of a statement selects, so that parts combine with UNION ALL.

use sea_orm::QueryResult;

use super::cells::{DELIVERED_CENTI, DELIVERED_VALUE, VERIFIED_VALUE};
use super::figures::{Dimension, Figures, GroupKey};
use crate::domain::{MoneyTotal, QuantityTotal, SocialValue};
use crate::error::AppResult;
use crate::service::split_sum::{self, sum_parts, sum_records, zero};

/// Where a query's rows come from and how each dimension and filter maps
/// onto them. Every source names its commitment side `c` (council and
/// measure are `c.council_id` and `c.measure_id` in all of them).
pub(super) struct Source {
    /// FROM, with the proxy join where values are computed.
    pub from: &'static str,
    /// The figures' columns (see `figures`; the trend's source: evidence, delivered and verified value).
    pub figures: fn() -> String,
    /// Whether `figures` are aggregates, summed per group by GROUP BY.
    pub aggregates: bool,
    /// The rows that count.
    pub live: &'static str,
    pub supplier: &'static str,
    pub supplier_join: &'static str,
    pub contract: &'static str,
    pub year: &'static str,
    pub quarter: &'static str,
    pub theme: &'static str,
    pub theme_join: &'static str,
}

const MEASURE_JOIN: &str = " JOIN measure m ON m.id = c.measure_id";
const CONTRACT_JOIN: &str = " JOIN contract k ON k.id = c.contract_id";

/// Every part of a rollup statement selects the same figures, named as
/// the Rust fields they fill and in this order, so that parts combine with
/// UNION ALL: the counts of commitments and evidence, then committed value
/// and quantity, delivered value, verified value, delivered quantity and
/// contract value, each of these two parts (service::split_sum).
pub(super) fn figures(commitments: &str, evidence: &str, sums: [String; 6]) -> String {
    let [committed_value, committed_quantity, delivered_value, verified_value, delivered_quantity, contract_value] = sums;
    [
        format!("{commitments} AS commitments"),
        committed_value,
        committed_quantity,
        format!("{evidence} AS evidence"),
        delivered_value,
        verified_value,
        delivered_quantity,
        contract_value,
    ]
    .join(", ")
}

pub(super) const NONE: &str = "CAST(0 AS BIGINT)";

fn record_committed() -> String {
    let value = sum_records("c.target_centi * p.value_pence", "committed_value");
    figures(
        "COUNT(*)",
        NONE,
        [
            value,
            sum_records("c.target_centi", "committed_quantity"),
            zero("delivered_value"),
            zero("verified_value"),
            zero("delivered_quantity"),
            zero("contract_value"),
        ],
    )
}

fn record_delivered() -> String {
    let delivered =
        [sum_records(DELIVERED_VALUE, "delivered_value"), sum_records(VERIFIED_VALUE, "verified_value"), sum_records(DELIVERED_CENTI, "delivered_quantity")];
    let [delivered_value, verified_value, delivered_quantity] = delivered;
    figures(
        NONE,
        "COUNT(*)",
        [zero("committed_value"), zero("committed_quantity"), delivered_value, verified_value, delivered_quantity, zero("contract_value")],
    )
}

/// The figures of summary cells, summed over the rows or (`sum` false) row
/// by row; without contract value where it comes from the records.
fn summary_figures(sum: bool, contract_value: bool) -> String {
    let count = |c: &str| if sum { format!("CAST(SUM(c.{c}) AS BIGINT)") } else { format!("c.{c}") };
    let split = |c: &str, name: &str| sum_parts(&format!("c.{c}"), name, sum);
    figures(
        &count("commitments"),
        &count("evidence"),
        [
            split("committed_value", "committed_value"),
            split("target_centi", "committed_quantity"),
            split("delivered_value", "delivered_value"),
            split("verified_value", "verified_value"),
            split("delivered_centi", "delivered_quantity"),
            if contract_value { split("value_pence", "contract_value") } else { zero("contract_value") },
        ],
    )
}

fn summed_cells() -> String {
    summary_figures(true, true)
}

fn cell_rows() -> String {
    summary_figures(false, true)
}

fn summed_finest_cells() -> String {
    summary_figures(true, false)
}

fn quarterly_cells() -> String {
    [
        "CAST(SUM(c.evidence) AS BIGINT) AS evidence".to_owned(),
        sum_parts("c.delivered_value", "delivered_value", true),
        sum_parts("c.verified_value", "verified_value", true),
    ]
    .join(", ")
}

/// Commitments, valued at their own year's proxy.
pub(super) const RECORD_COMMITTED: Source = Source {
    from: "commitment c JOIN proxy p ON p.measure_id = c.measure_id AND p.financial_year = c.financial_year",
    figures: record_committed,
    aggregates: true,
    live: "c.deleted = FALSE",
    supplier: "k.supplier_id",
    supplier_join: CONTRACT_JOIN,
    contract: "c.contract_id",
    year: "c.financial_year",
    quarter: "",
    theme: "m.theme_id",
    theme_join: MEASURE_JOIN,
};

/// Evidence, valued at the proxy of its own year; rejected evidence is
/// counted but never delivered.
pub(super) const RECORD_DELIVERED: Source = Source {
    from: "evidence e JOIN commitment c ON c.id = e.commitment_id JOIN proxy p ON p.measure_id = c.measure_id AND p.financial_year = e.financial_year",
    figures: record_delivered,
    live: "c.deleted = FALSE AND e.deleted = FALSE",
    year: "e.financial_year",
    quarter: "e.quarter",
    ..RECORD_COMMITTED
};

/// Commitments, for the distinct contracts they belong to.
pub(super) const RECORD_CONTRACTS: Source = Source { from: "commitment c", figures: String::new, ..RECORD_COMMITTED };

/// Every figure from the summary cells the write path keeps (service::rollup::cells).
pub(super) const CELL_SUMMARY: Source = Source {
    from: "rollup_summary c",
    figures: summed_cells,
    aggregates: true,
    live: "",
    supplier: "c.supplier_id",
    supplier_join: "",
    contract: "",
    year: "c.financial_year",
    quarter: "",
    theme: "c.theme_id",
    theme_join: "",
};

/// Delivery per quarter, for the trend.
pub(super) const CELL_DELIVERED_QUARTERLY: Source = Source {
    from: "rollup_delivered_quarterly c",
    figures: quarterly_cells,
    quarter: "c.quarter",
    theme: "m.theme_id",
    theme_join: MEASURE_JOIN,
    ..CELL_SUMMARY
};

/// The finest summary cells (one measure and year), which add up to any
/// group's figures but its contract value: a contract with commitments in
/// several measures or years is in several of them.
pub(super) const CELL_SUMMARY_FINEST: Source = Source { figures: summed_finest_cells, ..CELL_SUMMARY };

/// Summary cells read row by row, where each group is one row (`ResolvedFilter::one_row_per_group`).
pub(super) const CELL_SUMMARY_ROW: Source = Source { figures: cell_rows, aggregates: false, ..CELL_SUMMARY };

impl Source {
    pub fn column(&self, d: Dimension) -> &'static str {
        match d {
            Dimension::Council => "c.council_id",
            Dimension::Theme => self.theme,
            Dimension::Measure => "c.measure_id",
            Dimension::Supplier => self.supplier,
            Dimension::Contract => self.contract,
            Dimension::FinancialYear => self.year,
        }
    }
}

pub(super) fn key_of(row: &QueryResult, dims: &[Dimension]) -> AppResult<GroupKey> {
    let mut key = GroupKey::default();
    for (i, d) in dims.iter().enumerate() {
        key.set(*d, row.try_get::<Option<i32>>("", &format!("g{i}"))?);
    }
    Ok(key)
}

pub(super) fn int(row: &QueryResult, col: &str) -> AppResult<i64> {
    Ok(row.try_get::<Option<i64>>("", col)?.unwrap_or(0))
}

pub(super) fn figures_of(row: &QueryResult) -> AppResult<Figures> {
    let wide = |f: &str| split_sum::get(row, f);
    Ok(Figures {
        commitment_count: int(row, "commitments")?,
        committed_value: SocialValue::from_ten_thousandths(wide("committed_value")?),
        committed_quantity: QuantityTotal::from_scaled(wide("committed_quantity")?),
        evidence_count: int(row, "evidence")?,
        delivered_value: SocialValue::from_ten_thousandths(wide("delivered_value")?),
        verified_value: SocialValue::from_ten_thousandths(wide("verified_value")?),
        delivered_quantity: QuantityTotal::from_scaled(wide("delivered_quantity")?),
        contract_value: MoneyTotal::from_scaled(wide("contract_value")?),
    })
}
