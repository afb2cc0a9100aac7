//! Rollups for regional dashboards: committed, delivered and verified £ by
//! any combination of council, theme, measure, supplier, contract and
//! financial year, computed by GROUP BY in the database.
//!
//! Rollups read the cells that the write path keeps (service::rollup_cells),
//! in one statement: when each theme, measure and year the query spans is
//! grouped by, filtered to one value or not filtered, the summary rows of
//! that grouping (a few per group); otherwise the finest summary rows (one
//! measure and year), with contract values from the records. Grouping by CONTRACT,
//! which names individual records and is always limited to the caller's
//! councils, reads the records. Values are quantity (hundredths) × proxy
//! (pence), summed as integers in two BIGINT parts (service::split_sum) so
//! that both backends stay exact at any size.

use std::collections::{BTreeMap, HashMap};

use entity::{council, measure, supplier, theme};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryResult, Statement};

use super::rollup_cells::{DELIVERED_CENTI, DELIVERED_VALUE, VERIFIED_VALUE};
use super::scope::ReadScope;
use super::split_sum::{self, sum_parts, sum_records, zero};
use crate::domain::{MoneyTotal, QuantityTotal, Value};
use crate::error::{AppResult, bad_input, forbidden};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dimension {
    Council,
    Theme,
    Measure,
    Supplier,
    Contract,
    FinancialYear,
}

#[derive(Debug, Clone, Default)]
pub struct RollupFilter {
    pub council_codes: Option<Vec<String>>,
    pub theme_codes: Option<Vec<String>>,
    pub measure_codes: Option<Vec<String>>,
    pub supplier_refs: Option<Vec<String>>,
    pub financial_years: Option<Vec<i32>>,
    pub sme_only: bool,
    pub vcse_only: bool,
}

/// One group's key: the value of each dimension grouped by, None for the others.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupKey {
    pub council_id: Option<i32>,
    pub theme_id: Option<i32>,
    pub measure_id: Option<i32>,
    pub supplier_id: Option<i32>,
    pub contract_id: Option<i32>,
    pub financial_year: Option<i32>,
}

impl GroupKey {
    fn set(&mut self, d: Dimension, v: Option<i32>) {
        match d {
            Dimension::Council => self.council_id = v,
            Dimension::Theme => self.theme_id = v,
            Dimension::Measure => self.measure_id = v,
            Dimension::Supplier => self.supplier_id = v,
            Dimension::Contract => self.contract_id = v,
            Dimension::FinancialYear => self.financial_year = v,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Metrics {
    pub commitment_count: i64,
    pub evidence_count: i64,
    pub committed_value: Value,
    pub delivered_value: Value,
    pub verified_value: Value,
    /// Only meaningful when the group is one measure (see `Rollup::quantities`).
    pub committed_quantity: QuantityTotal,
    pub delivered_quantity: QuantityTotal,
    pub contract_value: MoneyTotal,
}

pub struct Rollup {
    pub totals: Metrics,
    pub groups: Vec<(GroupKey, Metrics)>,
    /// Whether each group's quantities mean anything (one measure per group).
    pub group_quantities: bool,
    pub total_quantities: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrendPoint {
    pub financial_year: i32,
    pub quarter: i32,
    pub delivered_value: Value,
    pub verified_value: Value,
    pub evidence_count: i64,
}

/// Where a query's rows come from and how each dimension and filter maps
/// onto them. Every source names its commitment side `c` (council and
/// measure are `c.council_id` and `c.measure_id` in all of them).
struct Source {
    /// FROM, with the proxy join where values are computed.
    from: &'static str,
    /// The figures' columns (see `figures`; the trend's source: n, d and vv).
    figures: fn() -> String,
    /// Whether `figures` are aggregates, summed per group by GROUP BY.
    aggregates: bool,
    /// The rows that count.
    live: &'static str,
    supplier: &'static str,
    supplier_join: &'static str,
    contract: &'static str,
    year: &'static str,
    quarter: &'static str,
    theme: &'static str,
    theme_join: &'static str,
}

const MEASURE_JOIN: &str = " JOIN measure m ON m.id = c.measure_id";
const CONTRACT_JOIN: &str = " JOIN contract k ON k.id = c.contract_id";

/// Every part of a rollup statement selects the same figures, in this
/// order, so that parts combine with UNION ALL: commitments (n), committed
/// value (v) and quantity (q), evidence (ne), delivered value (d), verified
/// value (vv), delivered quantity (dq), contract value (cv). All but the
/// counts are two parts each (service::split_sum).
/// `n` and `ne` are counts; the others, v, q, d, vv, dq and cv, the parts of the sums.
fn figures(n: &str, ne: &str, sums: [String; 6]) -> String {
    let [v, q, d, vv, dq, cv] = sums;
    [format!("{n} AS n"), v, q, format!("{ne} AS ne"), d, vv, dq, cv].join(", ")
}

const NONE: &str = "CAST(0 AS BIGINT)";

fn record_committed() -> String {
    let v = sum_records("c.target_centi * p.value_pence", "v");
    figures("COUNT(*)", NONE, [v, sum_records("c.target_centi", "q"), zero("d"), zero("vv"), zero("dq"), zero("cv")])
}

fn record_delivered() -> String {
    let (d, vv, dq) = (sum_records(DELIVERED_VALUE, "d"), sum_records(VERIFIED_VALUE, "vv"), sum_records(DELIVERED_CENTI, "dq"));
    figures(NONE, "COUNT(*)", [zero("v"), zero("q"), d, vv, dq, zero("cv")])
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
            split("committed_value", "v"),
            split("target_centi", "q"),
            split("delivered_value", "d"),
            split("verified_value", "vv"),
            split("delivered_centi", "dq"),
            if contract_value { split("value_pence", "cv") } else { zero("cv") },
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
    ["CAST(SUM(c.evidence) AS BIGINT) AS n".to_owned(), sum_parts("c.delivered_value", "d", true), sum_parts("c.verified_value", "vv", true)].join(", ")
}

/// Commitments, valued at their own year's proxy.
const RECORD_COMMITTED: Source = Source {
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
const RECORD_DELIVERED: Source = Source {
    from: "evidence e JOIN commitment c ON c.id = e.commitment_id JOIN proxy p ON p.measure_id = c.measure_id AND p.financial_year = e.financial_year",
    figures: record_delivered,
    live: "c.deleted = FALSE AND e.deleted = FALSE",
    year: "e.financial_year",
    quarter: "e.quarter",
    ..RECORD_COMMITTED
};

/// Commitments, for the distinct contracts they belong to.
const RECORD_CONTRACTS: Source = Source { from: "commitment c", figures: String::new, ..RECORD_COMMITTED };

/// Every figure from the summary cells the write path keeps (service::rollup_cells).
const CELL_SUMMARY: Source = Source {
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
const CELL_DELIVERED_QUARTERLY: Source = Source {
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
const CELL_SUMMARY_FINEST: Source = Source { figures: summed_finest_cells, ..CELL_SUMMARY };

/// Summary cells read row by row, where each group is one row (`Where::one_row_per_group`).
const CELL_SUMMARY_ROW: Source = Source { figures: cell_rows, aggregates: false, ..CELL_SUMMARY };

impl Source {
    fn column(&self, d: Dimension) -> &'static str {
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

/// The filter over ids, resolved from codes once.
struct Where {
    councils: Option<Vec<i32>>,
    themes: Option<Vec<i32>>,
    measures: Option<Vec<i32>>,
    suppliers: Option<Vec<i32>>,
    years: Option<Vec<i32>>,
    sme_only: bool,
    vcse_only: bool,
}

/// Whether a filter names at most one value (none matches nothing).
fn single(ids: &Option<Vec<i32>>) -> bool {
    ids.as_ref().is_some_and(|v| v.len() <= 1)
}

fn id_list(ids: &[i32]) -> String {
    if ids.is_empty() { "NULL".into() } else { ids.iter().map(i32::to_string).collect::<Vec<_>>().join(", ") }
}

/// Codes to ids; a code that names nothing is bad input (a typo in a dashboard's filter).
async fn resolve<E: EntityTrait>(
    db: &impl ConnectionTrait,
    what: &str,
    code: E::Column,
    codes: &Option<Vec<String>>,
    id: impl Fn(&E::Model) -> (String, i32),
) -> AppResult<Option<Vec<i32>>> {
    let Some(codes) = codes else { return Ok(None) };
    let found: HashMap<String, i32> = E::find().filter(code.is_in(codes.iter().cloned())).all(db).await?.iter().map(id).collect();
    codes.iter().map(|c| found.get(c).copied().ok_or_else(|| bad_input(format!("unknown {what} {c}")))).collect::<AppResult<Vec<i32>>>().map(Some)
}

impl Where {
    async fn build(db: &impl ConnectionTrait, f: &RollupFilter) -> AppResult<Self> {
        Ok(Where {
            councils: resolve::<council::Entity>(db, "council", council::Column::Code, &f.council_codes, |m| (m.code.clone(), m.id)).await?,
            themes: resolve::<theme::Entity>(db, "theme", theme::Column::Code, &f.theme_codes, |m| (m.code.clone(), m.id)).await?,
            measures: resolve::<measure::Entity>(db, "measure", measure::Column::Code, &f.measure_codes, |m| (m.code.clone(), m.id)).await?,
            suppliers: resolve::<supplier::Entity>(db, "supplier", supplier::Column::SupplierRef, &f.supplier_refs, |m| (m.supplier_ref.clone(), m.id)).await?,
            years: f.financial_years.clone(),
            sme_only: f.sme_only,
            vcse_only: f.vcse_only,
        })
    }

    /// Whether the filter looks at suppliers: then only supplier-level cells answer it.
    fn by_supplier(&self) -> bool {
        self.suppliers.is_some() || self.sme_only || self.vcse_only
    }

    /// `FROM … WHERE …` over `src` for this filter, with the joins that it and `dims` need.
    fn sql_from(&self, src: &Source, dims: &[Dimension], level: &str) -> String {
        let mut joins = String::new();
        if self.by_supplier() || dims.contains(&Dimension::Supplier) {
            joins.push_str(src.supplier_join);
        }
        if self.sme_only || self.vcse_only {
            joins.push_str(&format!(" JOIN supplier s ON s.id = {}", src.supplier));
        }
        if self.themes.is_some() || dims.contains(&Dimension::Theme) {
            joins.push_str(src.theme_join);
        }
        let mut clauses: Vec<String> = [src.live, level].into_iter().filter(|c| !c.is_empty()).map(str::to_owned).collect();
        let mut any_of = |column: &str, ids: &Option<Vec<i32>>| {
            if let Some(ids) = ids {
                clauses.push(format!("{column} IN ({})", id_list(ids)));
            }
        };
        any_of("c.council_id", &self.councils);
        any_of(src.theme, &self.themes);
        any_of("c.measure_id", &self.measures);
        any_of(src.supplier, &self.suppliers);
        any_of(src.year, &self.years);
        if self.sme_only {
            clauses.push("s.is_sme = TRUE".into());
        }
        if self.vcse_only {
            clauses.push("s.is_vcse = TRUE".into());
        }
        format!(" FROM {}{joins} WHERE {}", src.from, clauses.join(" AND "))
    }

    /// Whether each group is one row of its summary grouping. A grouping
    /// pins theme, measure and year (grouped by, one value, or all), so its
    /// rows are one per council and supplier: when the query groups by both
    /// or names one of each, there is nothing to add up, and SQLite's
    /// GROUP BY would cost more than the read (2.5 of 4.5 ms for a
    /// council's thousand suppliers).
    fn one_row_per_group(&self, dims: &[Dimension], by_supplier: bool) -> bool {
        let pinned = |d: Dimension, ids: &Option<Vec<i32>>| dims.contains(&d) || single(ids);
        pinned(Dimension::Council, &self.councils) && (!by_supplier || pinned(Dimension::Supplier, &self.suppliers))
    }

    /// The summary rows of the one grouping that answers a rollup, if any.
    /// Counting each contract once adds up across councils and suppliers (a
    /// contract has one of each), but not across themes, measures or years:
    /// each of those the query spans must be grouped by, filtered to a
    /// single value, or not filtered at all.
    fn summary_grouping(&self, dims: &[Dimension], by_supplier: bool) -> Option<String> {
        let year = if dims.contains(&Dimension::FinancialYear) || single(&self.years) {
            "c.financial_year <> 0"
        } else if self.years.is_none() {
            "c.financial_year = 0"
        } else {
            return None;
        };
        let kind = if dims.contains(&Dimension::Measure) || self.measures.is_some() {
            if !dims.contains(&Dimension::Measure) && !single(&self.measures) {
                return None;
            }
            "c.measure_id <> 0"
        } else if dims.contains(&Dimension::Theme) || self.themes.is_some() {
            if !dims.contains(&Dimension::Theme) && !single(&self.themes) {
                return None;
            }
            "c.theme_id <> 0 AND c.measure_id = 0"
        } else {
            "c.theme_id = 0 AND c.measure_id = 0"
        };
        Some(format!("{} AND {kind} AND {year}", supplier_level(by_supplier)))
    }
}

/// Cells keep each council's figures twice: per supplier, and summed over suppliers (supplier_id 0).
fn supplier_level(by_supplier: bool) -> &'static str {
    if by_supplier { "c.supplier_id <> 0" } else { "c.supplier_id = 0" }
}

fn key_of(row: &QueryResult, dims: &[Dimension]) -> AppResult<GroupKey> {
    let mut key = GroupKey::default();
    for (i, d) in dims.iter().enumerate() {
        key.set(*d, row.try_get::<Option<i32>>("", &format!("g{i}"))?);
    }
    Ok(key)
}

fn int(row: &QueryResult, col: &str) -> AppResult<i64> {
    Ok(row.try_get::<Option<i64>>("", col)?.unwrap_or(0))
}

fn metrics_of(row: &QueryResult) -> AppResult<Metrics> {
    let wide = |f: &str| split_sum::get(row, f);
    Ok(Metrics {
        commitment_count: int(row, "n")?,
        committed_value: Value::from_scaled(wide("v")?),
        committed_quantity: QuantityTotal::from_scaled(wide("q")?),
        evidence_count: int(row, "ne")?,
        delivered_value: Value::from_scaled(wide("d")?),
        verified_value: Value::from_scaled(wide("vv")?),
        delivered_quantity: QuantityTotal::from_scaled(wide("dq")?),
        contract_value: MoneyTotal::from_scaled(wide("cv")?),
    })
}

impl Metrics {
    fn add(&mut self, o: &Metrics) {
        self.commitment_count += o.commitment_count;
        self.evidence_count += o.evidence_count;
        self.committed_value = self.committed_value + o.committed_value;
        self.delivered_value = self.delivered_value + o.delivered_value;
        self.verified_value = self.verified_value + o.verified_value;
        self.committed_quantity = self.committed_quantity + o.committed_quantity;
        self.delivered_quantity = self.delivered_quantity + o.delivered_quantity;
        self.contract_value = self.contract_value + o.contract_value;
    }
}

async fn query(db: &impl ConnectionTrait, sql: String) -> AppResult<Vec<QueryResult>> {
    Ok(db.query_all_raw(Statement::from_string(db.get_database_backend(), sql)).await?)
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

/// One part of a rollup statement: the figures of `src` per group of `dims`.
fn part(src: &Source, w: &Where, dims: &[Dimension], level: &str, width: usize) -> String {
    let group: Vec<String> = dims.iter().map(|d| src.column(*d).to_owned()).collect();
    let group_by = if src.aggregates { group_by(&group) } else { String::new() };
    format!("SELECT {}{}{}{group_by}", lead(&group, width), (src.figures)(), w.sql_from(src, dims, level))
}

/// Σ value of the distinct contracts with a commitment in each group, from
/// the records: distinct contracts per group first, then their values.
fn record_contracts_part(w: &Where, dims: &[Dimension], width: usize) -> String {
    let src = &RECORD_CONTRACTS;
    let inner: String = dims.iter().enumerate().map(|(i, d)| format!("{} AS g{i}, ", src.column(*d))).collect();
    let group: Vec<String> = (0..dims.len()).map(|i| format!("t.g{i}")).collect();
    let cv = sum_records("kv.value_pence", "cv");
    format!(
        "SELECT {}{} FROM (SELECT DISTINCT {inner}c.contract_id AS cid{}) t JOIN contract kv ON kv.id = t.cid{}",
        lead(&group, width),
        figures(NONE, NONE, [zero("v"), zero("q"), zero("d"), zero("vv"), zero("dq"), cv]),
        w.sql_from(src, dims, ""),
        group_by(&group)
    )
}

/// How a rollup reads: from the cells, or (grouping by CONTRACT, which the
/// cells do not keep) from the records themselves.
struct Plan {
    cells: bool,
    by_supplier: bool,
}

impl Plan {
    /// The summary rows of one grouping that hold every figure of `dims`' groups, if any.
    fn summary(&self, w: &Where, dims: &[Dimension]) -> Option<String> {
        self.cells.then(|| w.summary_grouping(dims, self.by_supplier)).flatten()
    }

    /// The parts that give every figure of each group of `dims`.
    fn figures(&self, w: &Where, dims: &[Dimension]) -> Vec<String> {
        let width = dims.len();
        if let Some(level) = self.summary(w, dims) {
            let src = if w.one_row_per_group(dims, self.by_supplier) { &CELL_SUMMARY_ROW } else { &CELL_SUMMARY };
            return vec![part(src, w, dims, &level, width)];
        }
        let mut parts = if self.cells {
            // The finest summary rows (one measure and year) add up to
            // anything but contract value, which comes from the records.
            let level = format!("{} AND c.measure_id <> 0 AND c.financial_year <> 0", supplier_level(self.by_supplier));
            vec![part(&CELL_SUMMARY_FINEST, w, dims, &level, width)]
        } else {
            vec![part(&RECORD_COMMITTED, w, dims, "", width), part(&RECORD_DELIVERED, w, dims, "", width)]
        };
        parts.push(record_contracts_part(w, dims, width));
        parts
    }

    /// The part that gives the contract value of all groups together.
    fn total_contract_value(&self, w: &Where, width: usize) -> String {
        match self.summary(w, &[]) {
            Some(level) => part(&CELL_SUMMARY, w, &[], &level, width),
            None => record_contracts_part(w, &[], width),
        }
    }
}

#[tracing::instrument(skip_all, fields(group_by = ?group_by))]
pub async fn rollup(db: &impl ConnectionTrait, scope: &ReadScope, filter: &RollupFilter, group_by: &[Dimension]) -> AppResult<Rollup> {
    let mut dims = group_by.to_vec();
    dims.sort();
    dims.dedup();
    if dims.contains(&Dimension::Contract) {
        // Contract groups name individual records: only for councils the caller may read.
        match &filter.council_codes {
            Some(codes) if !codes.is_empty() => {
                for code in codes {
                    scope.ensure_can_read_council(code)?;
                }
            }
            _ => {
                return Err(forbidden("grouping by CONTRACT needs filter.councilCodes naming councils whose records you may read"));
            }
        }
    }
    let w = Where::build(db, filter).await?;
    let plan = Plan { cells: !dims.contains(&Dimension::Contract), by_supplier: w.by_supplier() || dims.contains(&Dimension::Supplier) };
    let one_measure = filter.measure_codes.as_ref().is_some_and(|m| m.len() == 1);

    // One statement: the groups' parts, and for a grouped rollup the
    // totals' contract value (the other totals are the groups' sums, since
    // every record falls in exactly one group).
    let mut parts = plan.figures(&w, &dims);
    if !dims.is_empty() {
        parts.push(plan.total_contract_value(&w, dims.len()));
    }
    let mut groups: BTreeMap<GroupKey, Metrics> = BTreeMap::new();
    let mut total_contract_value = MoneyTotal::default();
    for row in query(db, parts.join(" UNION ALL ")).await? {
        let m = metrics_of(&row)?;
        if !dims.is_empty() && row.try_get::<i32>("", "total")? == 1 {
            total_contract_value = m.contract_value;
        } else {
            groups.entry(key_of(&row, &dims)?).or_default().add(&m);
        }
    }
    groups.retain(|_, m| m.commitment_count > 0 || m.evidence_count > 0);
    if dims.is_empty() {
        return Ok(Rollup {
            totals: groups.remove(&GroupKey::default()).unwrap_or_default(),
            groups: Vec::new(),
            group_quantities: false,
            total_quantities: one_measure,
        });
    }
    let mut totals = Metrics::default();
    for m in groups.values() {
        totals.add(m);
    }
    totals.contract_value = total_contract_value;
    Ok(Rollup {
        totals,
        groups: groups.into_iter().collect(),
        group_quantities: one_measure || dims.contains(&Dimension::Measure),
        total_quantities: one_measure,
    })
}

/// Delivered and verified value per financial year and quarter that has evidence, in time order.
#[tracing::instrument(skip_all)]
pub async fn delivery_trend(db: &impl ConnectionTrait, filter: &RollupFilter) -> AppResult<Vec<TrendPoint>> {
    let w = Where::build(db, filter).await?;
    let src = &CELL_DELIVERED_QUARTERLY;
    let sql = format!(
        "SELECT {year} AS fy, {quarter} AS qtr, {}{} GROUP BY {year}, {quarter} ORDER BY {year}, {quarter}",
        (src.figures)(),
        w.sql_from(src, &[], supplier_level(w.by_supplier())),
        year = src.year,
        quarter = src.quarter,
    );
    query(db, sql)
        .await?
        .iter()
        .filter(|row| int(row, "n").is_ok_and(|n| n > 0))
        .map(|row| {
            Ok(TrendPoint {
                financial_year: row.try_get::<i32>("", "fy")?,
                quarter: row.try_get::<i32>("", "qtr")?,
                evidence_count: int(row, "n")?,
                delivered_value: Value::from_scaled(split_sum::get(row, "d")?),
                verified_value: Value::from_scaled(split_sum::get(row, "vv")?),
            })
        })
        .collect()
}
