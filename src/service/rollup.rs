//! Rollups for regional dashboards: committed, delivered and verified £ by
//! any combination of council, theme, measure, supplier, contract and
//! financial year, computed by GROUP BY in the database.
//!
//! Why query time and not write-maintained aggregates: every figure stays
//! exact and always agrees with the records (a proxy change or a review is
//! visible at once, with no second copy to keep in step), and the queries
//! read only narrow integer columns through indexes on (council, year) and
//! (measure, year). Values are quantity (hundredths) × proxy (pence), summed
//! as integers and cast to BIGINT so that both backends stay exact.

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

impl Dimension {
    /// The column that groups commitments (`c`) and evidence (`e`) by this dimension.
    fn column(self, evidence: bool) -> &'static str {
        match self {
            Dimension::Council => "c.council_id",
            Dimension::Theme => "m.theme_id",
            Dimension::Measure => "c.measure_id",
            Dimension::Supplier => "k.supplier_id",
            Dimension::Contract => "c.contract_id",
            Dimension::FinancialYear if evidence => "e.financial_year",
            Dimension::FinancialYear => "c.financial_year",
        }
    }
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

/// The filter as SQL over ids, resolved from codes once.
struct Where {
    clauses_common: Vec<String>,
    years: Option<String>,
    needs_measure: bool,
    needs_contract: bool,
    needs_supplier: bool,
}

fn id_list(ids: &[i32]) -> String {
    if ids.is_empty() { "NULL".into() } else { ids.iter().map(i32::to_string).collect::<Vec<_>>().join(", ") }
}

/// Codes to ids; a code that names nothing is bad input (a typo in a dashboard's filter).
async fn resolve<E: EntityTrait>(db: &impl ConnectionTrait, what: &str, code: E::Column, codes: &[String], id: impl Fn(&E::Model) -> (String, i32)) -> AppResult<Vec<i32>> {
    let found: HashMap<String, i32> = E::find().filter(code.is_in(codes.iter().cloned())).all(db).await?.iter().map(id).collect();
    codes.iter().map(|c| found.get(c).copied().ok_or_else(|| bad_input(format!("unknown {what} {c}")))).collect()
}

impl Where {
    async fn build(db: &impl ConnectionTrait, f: &RollupFilter) -> AppResult<Self> {
        let mut w = Where { clauses_common: vec!["c.deleted = FALSE".into()], years: None, needs_measure: false, needs_contract: false, needs_supplier: false };
        if let Some(codes) = &f.council_codes {
            let ids = resolve::<council::Entity>(db, "council", council::Column::Code, codes, |m| (m.code.clone(), m.id)).await?;
            w.clauses_common.push(format!("c.council_id IN ({})", id_list(&ids)));
        }
        if let Some(codes) = &f.theme_codes {
            let ids = resolve::<theme::Entity>(db, "theme", theme::Column::Code, codes, |m| (m.code.clone(), m.id)).await?;
            w.clauses_common.push(format!("m.theme_id IN ({})", id_list(&ids)));
            w.needs_measure = true;
        }
        if let Some(codes) = &f.measure_codes {
            let ids = resolve::<measure::Entity>(db, "measure", measure::Column::Code, codes, |m| (m.code.clone(), m.id)).await?;
            w.clauses_common.push(format!("c.measure_id IN ({})", id_list(&ids)));
        }
        if let Some(refs) = &f.supplier_refs {
            let ids = resolve::<supplier::Entity>(db, "supplier", supplier::Column::SupplierRef, refs, |m| (m.supplier_ref.clone(), m.id)).await?;
            w.clauses_common.push(format!("k.supplier_id IN ({})", id_list(&ids)));
            w.needs_contract = true;
        }
        if f.sme_only {
            w.clauses_common.push("s.is_sme = TRUE".into());
            (w.needs_contract, w.needs_supplier) = (true, true);
        }
        if f.vcse_only {
            w.clauses_common.push("s.is_vcse = TRUE".into());
            (w.needs_contract, w.needs_supplier) = (true, true);
        }
        if let Some(years) = &f.financial_years {
            w.years = Some(id_list(years));
        }
        Ok(w)
    }

    /// Joins from commitment `c` that the filter and dimensions need.
    fn joins(&self, dims: &[Dimension], contract: bool) -> String {
        let mut j = String::new();
        if self.needs_contract || contract || dims.contains(&Dimension::Supplier) {
            j.push_str(" JOIN contract k ON k.id = c.contract_id");
        }
        if self.needs_supplier {
            j.push_str(" JOIN supplier s ON s.id = k.supplier_id");
        }
        if self.needs_measure || dims.contains(&Dimension::Theme) {
            j.push_str(" JOIN measure m ON m.id = c.measure_id");
        }
        j
    }

    fn clause(&self, evidence: bool) -> String {
        let mut all = self.clauses_common.clone();
        if evidence {
            all.push("e.deleted = FALSE".into());
        }
        if let Some(years) = &self.years {
            all.push(format!("{} IN ({years})", if evidence { "e.financial_year" } else { "c.financial_year" }));
        }
        all.join(" AND ")
    }
}

fn select_dims(dims: &[Dimension], evidence: bool) -> (String, String) {
    let cols: Vec<String> = dims.iter().enumerate().map(|(i, d)| format!("{} AS g{i}", d.column(evidence))).collect();
    let group = if dims.is_empty() { String::new() } else { format!(" GROUP BY {}", dims.iter().map(|d| d.column(evidence)).collect::<Vec<_>>().join(", ")) };
    (cols.iter().map(|c| format!("{c}, ")).collect(), group)
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
    Ok(db.query_all_raw(Statement::from_string(db.get_database_backend(), sql)).await?)
}

/// Figures for each group of `dims` (all of them in one group when empty).
async fn grouped(db: &impl ConnectionTrait, w: &Where, dims: &[Dimension]) -> AppResult<BTreeMap<GroupKey, Metrics>> {
    let mut out: BTreeMap<GroupKey, Metrics> = BTreeMap::new();

    // Committed figures follow the commitment's financial year.
    let (cols, group) = select_dims(dims, false);
    let sql = format!(
        "SELECT {cols}COUNT(*) AS n, CAST(SUM(c.target_centi * p.value_pence) AS BIGINT) AS v, CAST(SUM(c.target_centi) AS BIGINT) AS q
         FROM commitment c JOIN proxy p ON p.measure_id = c.measure_id AND p.financial_year = c.financial_year{}
         WHERE {}{group}",
        w.joins(dims, false),
        w.clause(false)
    );
    for row in query(db, sql).await? {
        let m = out.entry(key_of(&row, dims)?).or_default();
        m.commitment_count = int(&row, "n")?;
        m.committed_value = Value::from_scaled(int(&row, "v")? as i128);
        m.committed_quantity = Quantity::from_scaled(int(&row, "q")?);
    }

    // Delivered and verified figures follow the evidence's financial year;
    // rejected evidence is counted but never delivered.
    let (cols, group) = select_dims(dims, true);
    let sql = format!(
        "SELECT {cols}COUNT(*) AS n,
            CAST(SUM(CASE WHEN e.status <> 'REJECTED' THEN e.quantity_centi * p.value_pence ELSE 0 END) AS BIGINT) AS d,
            CAST(SUM(CASE WHEN e.status = 'VERIFIED' THEN e.quantity_centi * p.value_pence ELSE 0 END) AS BIGINT) AS vv,
            CAST(SUM(CASE WHEN e.status <> 'REJECTED' THEN e.quantity_centi ELSE 0 END) AS BIGINT) AS q
         FROM evidence e JOIN commitment c ON c.id = e.commitment_id
              JOIN proxy p ON p.measure_id = c.measure_id AND p.financial_year = e.financial_year{}
         WHERE {}{group}",
        w.joins(dims, false),
        w.clause(true)
    );
    for row in query(db, sql).await? {
        let n = int(&row, "n")?;
        if n == 0 && !dims.is_empty() {
            continue;
        }
        let m = out.entry(key_of(&row, dims)?).or_default();
        m.evidence_count = n;
        m.delivered_value = Value::from_scaled(int(&row, "d")? as i128);
        m.verified_value = Value::from_scaled(int(&row, "vv")? as i128);
        m.delivered_quantity = Quantity::from_scaled(int(&row, "q")?);
    }

    contract_values(db, w, dims, &mut out).await?;
    Ok(out)
}

/// Each contract counts once per group: distinct contracts first, then their values.
async fn contract_values(db: &impl ConnectionTrait, w: &Where, dims: &[Dimension], out: &mut BTreeMap<GroupKey, Metrics>) -> AppResult<()> {
    let inner: Vec<String> = dims.iter().enumerate().map(|(i, d)| format!("{} AS g{i}", d.column(false))).collect();
    let outer: Vec<String> = (0..dims.len()).map(|i| format!("t.g{i}")).collect();
    let sql = format!(
        "SELECT {}CAST(SUM(kv.value_pence) AS BIGINT) AS cv
         FROM (SELECT DISTINCT {}c.contract_id AS cid FROM commitment c{} WHERE {}) t JOIN contract kv ON kv.id = t.cid{}",
        outer.iter().zip(0..).map(|(o, i)| format!("{o} AS g{i}, ")).collect::<String>(),
        inner.iter().map(|c| format!("{c}, ")).collect::<String>(),
        w.joins(dims, false),
        w.clause(false),
        if outer.is_empty() { String::new() } else { format!(" GROUP BY {}", outer.join(", ")) }
    );
    for row in query(db, sql).await? {
        let cv = int(&row, "cv")?;
        if let Some(m) = out.get_mut(&key_of(&row, dims)?) {
            m.contract_value = Money::from_scaled(cv);
        } else if dims.is_empty() {
            out.entry(GroupKey::default()).or_default().contract_value = Money::from_scaled(cv);
        }
    }
    Ok(())
}

pub async fn rollup(db: &impl ConnectionTrait, who: &Principal, filter: &RollupFilter, group_by: &[Dimension]) -> AppResult<Rollup> {
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
            _ => return Err(forbidden("grouping by CONTRACT needs filter.councilCodes naming councils whose records you may read")),
        }
    }
    let w = Where::build(db, filter).await?;
    let one_measure = filter.measure_codes.as_ref().is_some_and(|m| m.len() == 1);
    if dims.is_empty() {
        let totals = grouped(db, &w, &[]).await?.remove(&GroupKey::default()).unwrap_or_default();
        return Ok(Rollup { totals, groups: Vec::new(), group_quantities: false, total_quantities: one_measure });
    }
    let groups: Vec<(GroupKey, Metrics)> = grouped(db, &w, &dims).await?.into_iter().collect();
    // Every record falls in exactly one group, so the additive figures of the
    // totals are the groups' sums; only distinct contracts need another query.
    let mut totals = Metrics::default();
    for (_, m) in &groups {
        totals.commitment_count += m.commitment_count;
        totals.evidence_count += m.evidence_count;
        totals.committed_value = totals.committed_value + m.committed_value;
        totals.delivered_value = totals.delivered_value + m.delivered_value;
        totals.verified_value = totals.verified_value + m.verified_value;
        totals.committed_quantity = Quantity::from_scaled(totals.committed_quantity.scaled() + m.committed_quantity.scaled());
        totals.delivered_quantity = Quantity::from_scaled(totals.delivered_quantity.scaled() + m.delivered_quantity.scaled());
    }
    let mut whole = BTreeMap::new();
    contract_values(db, &w, &[], &mut whole).await?;
    totals.contract_value = whole.get(&GroupKey::default()).map_or_else(Money::default, |m| m.contract_value);
    Ok(Rollup { totals, groups, group_quantities: one_measure || dims.contains(&Dimension::Measure), total_quantities: one_measure })
}

/// Delivered and verified value per financial year and quarter that has evidence, in time order.
pub async fn delivery_trend(db: &impl ConnectionTrait, filter: &RollupFilter) -> AppResult<Vec<TrendPoint>> {
    let w = Where::build(db, filter).await?;
    let sql = format!(
        "SELECT e.financial_year AS fy, e.quarter AS qtr, COUNT(*) AS n,
            CAST(SUM(CASE WHEN e.status <> 'REJECTED' THEN e.quantity_centi * p.value_pence ELSE 0 END) AS BIGINT) AS d,
            CAST(SUM(CASE WHEN e.status = 'VERIFIED' THEN e.quantity_centi * p.value_pence ELSE 0 END) AS BIGINT) AS vv
         FROM evidence e JOIN commitment c ON c.id = e.commitment_id
              JOIN proxy p ON p.measure_id = c.measure_id AND p.financial_year = e.financial_year{}
         WHERE {} GROUP BY e.financial_year, e.quarter ORDER BY e.financial_year, e.quarter",
        w.joins(&[], false),
        w.clause(true)
    );
    query(db, sql)
        .await?
        .iter()
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
