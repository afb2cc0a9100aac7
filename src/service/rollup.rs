//! Rollups for regional dashboards: committed, delivered and verified £ by
//! any combination of council, theme, measure, supplier, contract and
//! financial year, computed by GROUP BY in the database.
//!
//! Rollups read the cells that the write path keeps (service::rollup_cells):
//! a few thousand rows per query instead of the records. Grouping by
//! CONTRACT, which names individual records and is always limited to the
//! caller's councils, reads the records. Values are quantity (hundredths) ×
//! proxy (pence), summed as integers and cast to BIGINT so that both
//! backends stay exact.

use std::collections::{BTreeMap, HashMap};

use entity::{council, measure, supplier, theme};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryResult, Statement};

use crate::auth::Principal;
use crate::domain::{Money, Quantity, Value};
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
    pub committed_quantity: Quantity,
    pub delivered_quantity: Quantity,
    pub contract_value: Money,
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
    figures: &'static str,
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

/// Commitments, valued at their own year's proxy.
const RECORD_COMMITTED: Source = Source {
    from: "commitment c JOIN proxy p ON p.measure_id = c.measure_id AND p.financial_year = c.financial_year",
    figures: "COUNT(*) AS n, CAST(SUM(c.target_centi * p.value_pence) AS BIGINT) AS v, CAST(SUM(c.target_centi) AS BIGINT) AS q",
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
    figures: "COUNT(*) AS n,
        CAST(SUM(CASE WHEN e.status <> 'REJECTED' THEN e.quantity_centi * p.value_pence ELSE 0 END) AS BIGINT) AS d,
        CAST(SUM(CASE WHEN e.status = 'VERIFIED' THEN e.quantity_centi * p.value_pence ELSE 0 END) AS BIGINT) AS vv,
        CAST(SUM(CASE WHEN e.status <> 'REJECTED' THEN e.quantity_centi ELSE 0 END) AS BIGINT) AS q",
    live: "c.deleted = FALSE AND e.deleted = FALSE",
    year: "e.financial_year",
    quarter: "e.quarter",
    ..RECORD_COMMITTED
};

/// Commitments, for the distinct contracts they belong to.
const RECORD_CONTRACTS: Source = Source {
    from: "commitment c",
    figures: "",
    ..RECORD_COMMITTED
};

/// The same figures from the cells the write path keeps (service::rollup_cells).
const CELL_COMMITTED: Source = Source {
    from: "rollup_committed c",
    figures: "CAST(SUM(c.commitments) AS BIGINT) AS n, CAST(SUM(c.committed_value) AS BIGINT) AS v, CAST(SUM(c.target_centi) AS BIGINT) AS q",
    live: "",
    supplier: "c.supplier_id",
    supplier_join: "",
    contract: "",
    year: "c.financial_year",
    quarter: "",
    theme: "m.theme_id",
    theme_join: MEASURE_JOIN,
};

const CELL_DELIVERED: Source = Source {
    from: "rollup_delivered c",
    figures: "CAST(SUM(c.evidence) AS BIGINT) AS n, CAST(SUM(c.delivered_value) AS BIGINT) AS d,
        CAST(SUM(c.verified_value) AS BIGINT) AS vv, CAST(SUM(c.delivered_centi) AS BIGINT) AS q",
    ..CELL_COMMITTED
};

const CELL_DELIVERED_QUARTERLY: Source = Source {
    from: "rollup_delivered_quarterly c",
    quarter: "c.quarter",
    ..CELL_DELIVERED
};

const CELL_CONTRACTS: Source = Source {
    from: "rollup_contract c",
    figures: "CAST(SUM(c.value_pence) AS BIGINT) AS cv",
    theme: "c.theme_id",
    theme_join: "",
    ..CELL_COMMITTED
};

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

fn id_list(ids: &[i32]) -> String {
    if ids.is_empty() {
        "NULL".into()
    } else {
        ids.iter()
            .map(i32::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }
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
    let found: HashMap<String, i32> = E::find()
        .filter(code.is_in(codes.iter().cloned()))
        .all(db)
        .await?
        .iter()
        .map(id)
        .collect();
    codes
        .iter()
        .map(|c| {
            found
                .get(c)
                .copied()
                .ok_or_else(|| bad_input(format!("unknown {what} {c}")))
        })
        .collect::<AppResult<Vec<i32>>>()
        .map(Some)
}

impl Where {
    async fn build(db: &impl ConnectionTrait, f: &RollupFilter) -> AppResult<Self> {
        Ok(Where {
            councils: resolve::<council::Entity>(
                db,
                "council",
                council::Column::Code,
                &f.council_codes,
                |m| (m.code.clone(), m.id),
            )
            .await?,
            themes: resolve::<theme::Entity>(
                db,
                "theme",
                theme::Column::Code,
                &f.theme_codes,
                |m| (m.code.clone(), m.id),
            )
            .await?,
            measures: resolve::<measure::Entity>(
                db,
                "measure",
                measure::Column::Code,
                &f.measure_codes,
                |m| (m.code.clone(), m.id),
            )
            .await?,
            suppliers: resolve::<supplier::Entity>(
                db,
                "supplier",
                supplier::Column::SupplierRef,
                &f.supplier_refs,
                |m| (m.supplier_ref.clone(), m.id),
            )
            .await?,
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
        let mut clauses: Vec<String> = [src.live, level]
            .into_iter()
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect();
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

    /// The contract-value cells that answer a rollup, if any. Counting each
    /// contract once adds up across councils and suppliers (a contract has
    /// one of each), but not across themes, measures or years: each of those
    /// the query spans must be grouped by, or filtered to a single value.
    fn contract_cells(&self, dims: &[Dimension], by_supplier: bool) -> Option<String> {
        let single = |ids: &Option<Vec<i32>>| ids.as_ref().is_some_and(|v| v.len() <= 1);
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
        Some(format!(
            "{} AND {kind} AND {year}",
            supplier_level(by_supplier)
        ))
    }
}

/// Cells keep each council's figures twice: per supplier, and summed over suppliers (supplier_id 0).
fn supplier_level(by_supplier: bool) -> &'static str {
    if by_supplier {
        "c.supplier_id <> 0"
    } else {
        "c.supplier_id = 0"
    }
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

async fn query(db: &impl ConnectionTrait, sql: String) -> AppResult<Vec<QueryResult>> {
    Ok(db
        .query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await?)
}

/// `SELECT <dims> <figures> FROM … WHERE … GROUP BY <dims>` over `src`.
async fn grouped_rows(
    db: &impl ConnectionTrait,
    src: &Source,
    w: &Where,
    dims: &[Dimension],
    level: &str,
) -> AppResult<Vec<(GroupKey, QueryResult)>> {
    let cols: String = dims
        .iter()
        .enumerate()
        .map(|(i, d)| format!("{} AS g{i}, ", src.column(*d)))
        .collect();
    let group = if dims.is_empty() {
        String::new()
    } else {
        format!(
            " GROUP BY {}",
            dims.iter()
                .map(|d| src.column(*d))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let rows = query(
        db,
        format!(
            "SELECT {cols}{}{}{group}",
            src.figures,
            w.sql_from(src, dims, level)
        ),
    )
    .await?;
    rows.into_iter()
        .map(|row| Ok((key_of(&row, dims)?, row)))
        .collect()
}

/// How a rollup reads: from the cells, or (grouping by CONTRACT, which the
/// cells do not keep) from the records themselves.
struct Plan {
    cells: bool,
    by_supplier: bool,
}

impl Plan {
    fn level(&self) -> &'static str {
        if self.cells {
            supplier_level(self.by_supplier)
        } else {
            ""
        }
    }
}

/// Figures for each group of `dims` (all of them in one group when empty).
async fn grouped(
    db: &impl ConnectionTrait,
    plan: &Plan,
    w: &Where,
    dims: &[Dimension],
) -> AppResult<BTreeMap<GroupKey, Metrics>> {
    let mut out: BTreeMap<GroupKey, Metrics> = BTreeMap::new();
    let (committed, delivered) = if plan.cells {
        (&CELL_COMMITTED, &CELL_DELIVERED)
    } else {
        (&RECORD_COMMITTED, &RECORD_DELIVERED)
    };

    // Committed figures follow the commitment's financial year.
    for (key, row) in grouped_rows(db, committed, w, dims, plan.level()).await? {
        if int(&row, "n")? == 0 {
            continue;
        }
        let m = out.entry(key).or_default();
        m.commitment_count = int(&row, "n")?;
        m.committed_value = Value::from_scaled(int(&row, "v")? as i128);
        m.committed_quantity = Quantity::from_scaled(int(&row, "q")?);
    }
    // Delivered and verified figures follow the evidence's financial year.
    for (key, row) in grouped_rows(db, delivered, w, dims, plan.level()).await? {
        if int(&row, "n")? == 0 {
            continue;
        }
        let m = out.entry(key).or_default();
        m.evidence_count = int(&row, "n")?;
        m.delivered_value = Value::from_scaled(int(&row, "d")? as i128);
        m.verified_value = Value::from_scaled(int(&row, "vv")? as i128);
        m.delivered_quantity = Quantity::from_scaled(int(&row, "q")?);
    }
    for (key, value) in contract_values(db, plan, w, dims).await? {
        if let Some(m) = out.get_mut(&key) {
            m.contract_value = value;
        }
    }
    Ok(out)
}

/// Σ value of the distinct contracts with a commitment in each group.
async fn contract_values(
    db: &impl ConnectionTrait,
    plan: &Plan,
    w: &Where,
    dims: &[Dimension],
) -> AppResult<Vec<(GroupKey, Money)>> {
    let rows = match w
        .contract_cells(dims, plan.by_supplier)
        .filter(|_| plan.cells)
    {
        Some(level) => grouped_rows(db, &CELL_CONTRACTS, w, dims, &level).await?,
        None => {
            // From the records: distinct contracts per group first, then their values.
            let src = &RECORD_CONTRACTS;
            let inner: String = dims
                .iter()
                .enumerate()
                .map(|(i, d)| format!("{} AS g{i}, ", src.column(*d)))
                .collect();
            let outer: Vec<String> = (0..dims.len()).map(|i| format!("t.g{i}")).collect();
            let sql = format!(
                "SELECT {}CAST(SUM(kv.value_pence) AS BIGINT) AS cv FROM (SELECT DISTINCT {inner}c.contract_id AS cid{}) t JOIN contract kv ON kv.id = t.cid{}",
                outer
                    .iter()
                    .enumerate()
                    .map(|(i, o)| format!("{o} AS g{i}, "))
                    .collect::<String>(),
                w.sql_from(src, dims, ""),
                if outer.is_empty() {
                    String::new()
                } else {
                    format!(" GROUP BY {}", outer.join(", "))
                }
            );
            query(db, sql)
                .await?
                .into_iter()
                .map(|row| Ok((key_of(&row, dims)?, row)))
                .collect::<AppResult<Vec<_>>>()?
        }
    };
    rows.into_iter()
        .map(|(key, row)| Ok((key, Money::from_scaled(int(&row, "cv")?))))
        .collect()
}

pub async fn rollup(
    db: &impl ConnectionTrait,
    who: &Principal,
    filter: &RollupFilter,
    group_by: &[Dimension],
) -> AppResult<Rollup> {
    let mut dims = group_by.to_vec();
    dims.sort();
    dims.dedup();
    if dims.contains(&Dimension::Contract) {
        // Contract groups name individual records: only for councils the caller may read.
        match &filter.council_codes {
            Some(codes) if !codes.is_empty() => {
                for code in codes {
                    who.ensure_can_read_council(code)?;
                }
            }
            _ => {
                return Err(forbidden(
                    "grouping by CONTRACT needs filter.councilCodes naming councils whose records you may read",
                ));
            }
        }
    }
    let w = Where::build(db, filter).await?;
    let plan = Plan {
        cells: !dims.contains(&Dimension::Contract),
        by_supplier: w.by_supplier() || dims.contains(&Dimension::Supplier),
    };
    let one_measure = filter.measure_codes.as_ref().is_some_and(|m| m.len() == 1);
    if dims.is_empty() {
        let totals = grouped(db, &plan, &w, &[])
            .await?
            .remove(&GroupKey::default())
            .unwrap_or_default();
        return Ok(Rollup {
            totals,
            groups: Vec::new(),
            group_quantities: false,
            total_quantities: one_measure,
        });
    }
    let groups: Vec<(GroupKey, Metrics)> =
        grouped(db, &plan, &w, &dims).await?.into_iter().collect();
    // Every record falls in exactly one group, so the additive figures of the
    // totals are the groups' sums; only distinct contracts need another query.
    let mut totals = Metrics::default();
    for (_, m) in &groups {
        totals.commitment_count += m.commitment_count;
        totals.evidence_count += m.evidence_count;
        totals.committed_value = totals.committed_value + m.committed_value;
        totals.delivered_value = totals.delivered_value + m.delivered_value;
        totals.verified_value = totals.verified_value + m.verified_value;
        totals.committed_quantity = Quantity::from_scaled(
            totals.committed_quantity.scaled() + m.committed_quantity.scaled(),
        );
        totals.delivered_quantity = Quantity::from_scaled(
            totals.delivered_quantity.scaled() + m.delivered_quantity.scaled(),
        );
    }
    totals.contract_value = contract_values(db, &plan, &w, &[])
        .await?
        .first()
        .map_or_else(Money::default, |(_, v)| *v);
    Ok(Rollup {
        totals,
        groups,
        group_quantities: one_measure || dims.contains(&Dimension::Measure),
        total_quantities: one_measure,
    })
}

/// Delivered and verified value per financial year and quarter that has evidence, in time order.
pub async fn delivery_trend(
    db: &impl ConnectionTrait,
    filter: &RollupFilter,
) -> AppResult<Vec<TrendPoint>> {
    let w = Where::build(db, filter).await?;
    let src = &CELL_DELIVERED_QUARTERLY;
    let sql = format!(
        "SELECT {year} AS fy, {quarter} AS qtr, {}{} GROUP BY {year}, {quarter} ORDER BY {year}, {quarter}",
        src.figures,
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
                delivered_value: Value::from_scaled(int(row, "d")? as i128),
                verified_value: Value::from_scaled(int(row, "vv")? as i128),
            })
        })
        .collect()
}
