//! Rollups for regional dashboards: committed, delivered and verified £ by
//! any combination of council, theme, measure, supplier, contract and
//! financial year, summed in the database.
//!
//! Rollups read the cells that the write path keeps (service::rollup::cells),
//! in one statement: when each theme, measure and year the query spans is
//! grouped by, filtered to one value or not filtered, the summary rows of
//! that grouping (a few per group); otherwise the finest summary rows (one
//! measure and year), with contract values from the records. Grouping by CONTRACT,
//! which names individual records and is always limited to the caller's
//! councils, reads the records. Values are quantity (hundredths) × factor
//! (ten-thousandths) × proxy (pence), summed as integers in BIGINT parts
//! (service::split_sum) so that both backends stay exact at any size.
//!
//! The steps: `figures` holds what is asked and answered, `filter` resolves
//! codes, `plan` picks the rows that answer, `sql` writes the statement, and
//! [`cells`] keeps the cells.

pub mod cells;
mod figures;
mod filter;
pub mod order;
mod plan;
mod sql;
mod valuation;

use std::collections::BTreeMap;

use sea_orm::{ConnectionTrait, QueryResult, Statement};

pub use self::figures::{Dimension, Figure, Figures, GroupKey, Rollup, RollupFilter, TrendPoint, Wanted};
use self::filter::{ResolvedFilter, supplier_level};
use self::plan::ReadPlan;
use self::sql::{CELL_DELIVERED_QUARTERLY, RECORD_DELIVERED, figures_of, key_of};
use super::scope::ReadScope;
use super::split_sum::Columns;
use crate::domain::MoneyTotal;
use crate::error::{AppResult, forbidden};

async fn query(db: &impl ConnectionTrait, sql: String) -> AppResult<Vec<QueryResult>> {
    Ok(db.query_all_raw(Statement::from_string(db.get_database_backend(), sql)).await?)
}

/// `wanted`: the figures the caller reads; the others come back as 0 and
/// cost nothing. A grouping of all years counts commitments behind from
/// its cells by year, in one more part (several rows per group, summed),
/// and a grouped rollup's total contract value is one more part too.
#[tracing::instrument(skip_all, fields(group_by = ?group_by))]
pub async fn rollup(db: &impl ConnectionTrait, scope: &ReadScope, filter: &RollupFilter, group_by: &[Dimension], wanted: Wanted) -> AppResult<Rollup> {
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
    let w = ResolvedFilter::build(db, filter).await?;
    let from_records = [Dimension::Contract, Dimension::Framework, Dimension::ReportedMeasure].iter().any(|d| dims.contains(d)) || w.by_framework();
    let one_measure = filter.measure_codes.as_ref().is_some_and(|m| m.len() == 1);
    let plan = ReadPlan {
        wanted,
        cells: !from_records,
        by_supplier: w.by_supplier() || dims.contains(&Dimension::Supplier),
        // Regional units whenever the group is one regional measure.
        reported_units: dims.contains(&Dimension::ReportedMeasure) && !dims.contains(&Dimension::Measure) && !one_measure,
    };

    // One statement: the groups' parts, and for a grouped rollup the
    // totals' contract value (the other totals are the groups' sums, since
    // every record falls in exactly one group).
    let mut parts = plan.figures(&w, &dims);
    if !dims.is_empty() && wanted.has(Figure::ContractValue) {
        parts.push(plan.total_contract_value(&w, dims.len()));
    }
    let mut groups: BTreeMap<GroupKey, Figures> = BTreeMap::new();
    let mut total_contract_value = MoneyTotal::default();
    for row in query(db, parts.join(" UNION ALL ")).await? {
        // Laid out as plan's `lead` and sql's `figures` select them.
        let mut columns = Columns::new(&row);
        let total = columns.int32()? == 1;
        let key = key_of(&mut columns, &dims)?;
        let m = figures_of(&mut columns, wanted)?;
        if !dims.is_empty() && total {
            total_contract_value = m.contract_value;
        } else {
            groups.entry(key).or_default().add(&m);
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
    let mut totals = Figures::default();
    for m in groups.values() {
        totals.add(m);
    }
    totals.contract_value = total_contract_value;
    Ok(Rollup {
        totals,
        groups: groups.into_iter().collect(),
        group_quantities: one_measure || dims.contains(&Dimension::Measure) || dims.contains(&Dimension::ReportedMeasure),
        total_quantities: one_measure,
    })
}

/// Delivered and verified value per financial year and quarter that has evidence, in time order.
#[tracing::instrument(skip_all)]
pub async fn delivery_trend(db: &impl ConnectionTrait, filter: &RollupFilter) -> AppResult<Vec<TrendPoint>> {
    let w = ResolvedFilter::build(db, filter).await?;
    // The cells keep no framework: a trend of some frameworks reads the evidence.
    let (src, level) = if w.by_framework() { (&RECORD_DELIVERED, "") } else { (&CELL_DELIVERED_QUARTERLY, supplier_level(w.by_supplier())) };
    let sql = format!(
        "SELECT {year} AS fy, {quarter} AS qtr, {}{} GROUP BY {year}, {quarter} ORDER BY {year}, {quarter}",
        (src.figures)(w.as_of, Wanted::ALL),
        w.sql_from(src, &[], level),
        year = src.year,
        quarter = src.quarter,
    );
    let mut points = Vec::new();
    for row in query(db, sql).await? {
        let mut columns = Columns::new(&row);
        let (financial_year, quarter) = (columns.int32()?, columns.int32()?);
        let m = figures_of(&mut columns, Wanted::ALL)?;
        if m.evidence_count > 0 {
            points.push(TrendPoint {
                financial_year,
                quarter,
                evidence_count: m.evidence_count,
                delivered_value: m.delivered_value,
                verified_value: m.verified_value,
            });
        }
    }
    Ok(points)
}
