//! A rollup's filter with codes resolved to ids once, and the `FROM … WHERE`
//! and summary grouping it selects.

use std::collections::HashMap;

use entity::{council, framework, measure, supplier, theme};
use sea_orm::sea_query::IntoCondition;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};

use super::figures::{Dimension, RollupFilter};
use super::sql::Source;
use crate::domain::AsOf;
use crate::error::{AppResult, bad_input};
use crate::service::framework::REGIONAL_ID;

/// The filter over ids, resolved from codes once.
pub(super) struct ResolvedFilter {
    councils: Option<Vec<i32>>,
    themes: Option<Vec<i32>>,
    measures: Option<Vec<i32>>,
    suppliers: Option<Vec<i32>>,
    years: Option<Vec<i32>>,
    sme_only: bool,
    vcse_only: bool,
    frameworks: Option<Vec<i32>>,
    pub as_of: AsOf,
}

/// Whether a filter names at most one value (none matches nothing).
fn single(ids: &Option<Vec<i32>>) -> bool {
    ids.as_ref().is_some_and(|v| v.len() <= 1)
}

fn id_list(ids: &[i32]) -> String {
    if ids.is_empty() { "NULL".into() } else { ids.iter().map(i32::to_string).collect::<Vec<_>>().join(", ") }
}

/// Codes to ids; a code that names nothing is bad input (a typo in a dashboard's filter).
/// Themes and measures are the regional framework's (`also`), as in v1.
async fn resolve<E: EntityTrait>(
    db: &impl ConnectionTrait,
    what: &str,
    code: E::Column,
    codes: &Option<Vec<String>>,
    also: Condition,
    id: impl Fn(&E::Model) -> (String, i32),
) -> AppResult<Option<Vec<i32>>> {
    let Some(codes) = codes else { return Ok(None) };
    let found: HashMap<String, i32> = E::find().filter(code.is_in(codes.iter().cloned())).filter(also).all(db).await?.iter().map(id).collect();
    codes.iter().map(|c| found.get(c).copied().ok_or_else(|| bad_input(format!("unknown {what} {c}")))).collect::<AppResult<Vec<i32>>>().map(Some)
}

impl ResolvedFilter {
    pub async fn build(db: &impl ConnectionTrait, f: &RollupFilter) -> AppResult<Self> {
        let (any, regional_theme, regional_measure) =
            (Condition::all(), theme::Column::FrameworkId.eq(REGIONAL_ID).into_condition(), measure::Column::FrameworkId.eq(REGIONAL_ID).into_condition());
        Ok(ResolvedFilter {
            councils: resolve::<council::Entity>(db, "council", council::Column::Code, &f.council_codes, any.clone(), |m| (m.code.clone(), m.id)).await?,
            themes: resolve::<theme::Entity>(db, "theme", theme::Column::Code, &f.theme_codes, regional_theme, |m| (m.code.clone(), m.id)).await?,
            measures: resolve::<measure::Entity>(db, "measure", measure::Column::Code, &f.measure_codes, regional_measure, |m| (m.code.clone(), m.id)).await?,
            suppliers: resolve::<supplier::Entity>(db, "supplier", supplier::Column::SupplierRef, &f.supplier_refs, any, |m| (m.supplier_ref.clone(), m.id))
                .await?,
            years: f.financial_years.clone(),
            sme_only: f.sme_only,
            vcse_only: f.vcse_only,
            frameworks: resolve::<framework::Entity>(db, "framework", framework::Column::Code, &f.framework_codes, Condition::all(), |m| {
                (m.code.clone(), m.id)
            })
            .await?,
            as_of: f.as_of.unwrap_or_else(AsOf::today),
        })
    }

    /// Whether the filter looks at suppliers: then only supplier-level cells answer it.
    pub fn by_supplier(&self) -> bool {
        self.suppliers.is_some() || self.sme_only || self.vcse_only
    }

    /// Whether a grouping's level is of all years, whose cells cannot say
    /// which commitments are behind on a date, and the level of the same
    /// grouping by year, whose cells can.
    pub fn by_year(level: &str) -> Option<String> {
        level.contains("c.financial_year = 0").then(|| level.replace("c.financial_year = 0", "c.financial_year <> 0"))
    }

    /// Whether the filter names frameworks: only the records answer it.
    pub fn by_framework(&self) -> bool {
        self.frameworks.is_some()
    }

    /// `FROM … WHERE …` over `src` for this filter, with the joins that it and `dims` need.
    pub fn sql_from(&self, src: &Source, dims: &[Dimension], level: &str) -> String {
        let mut joins = String::new();
        if self.by_supplier() || self.by_framework() || dims.contains(&Dimension::Supplier) || dims.contains(&Dimension::Framework) {
            joins.push_str(src.contract_join);
        }
        if self.sme_only || self.vcse_only {
            joins.push_str(&format!(" JOIN supplier s ON s.id = {}", src.supplier));
        }
        let mut clauses: Vec<String> = [src.live, level].into_iter().filter(|c| !c.is_empty()).map(str::to_owned).collect();
        let mut any_of = |column: &str, ids: &Option<Vec<i32>>| {
            if let Some(ids) = ids {
                clauses.push(format!("{column} IN ({})", id_list(ids)));
            }
        };
        any_of("c.council_id", &self.councils);
        any_of(src.theme, &self.themes);
        any_of(src.measure, &self.measures);
        any_of(src.supplier, &self.suppliers);
        any_of(src.year, &self.years);
        any_of(src.framework, &self.frameworks);
        if self.sme_only {
            clauses.push("s.is_sme = TRUE".into());
        }
        if self.vcse_only {
            clauses.push("s.is_vcse = TRUE".into());
        }
        format!(" FROM {}{joins} WHERE {}", (src.from)(), clauses.join(" AND "))
    }

    /// Whether each group is one row of its summary grouping. A grouping
    /// pins theme, measure and year (grouped by, one value, or all), so its
    /// rows are one per council and supplier: when the query groups by both
    /// or names one of each, there is nothing to add up, and SQLite's
    /// GROUP BY would cost more than the read itself (README, Benchmarks).
    pub fn one_row_per_group(&self, dims: &[Dimension], by_supplier: bool) -> bool {
        let pinned = |d: Dimension, ids: &Option<Vec<i32>>| dims.contains(&d) || single(ids);
        pinned(Dimension::Council, &self.councils) && (!by_supplier || pinned(Dimension::Supplier, &self.suppliers))
    }

    /// The summary rows of the one grouping that answers a rollup, if any.
    /// Counting each contract once adds up across councils and suppliers (a
    /// contract has one of each), but not across themes, measures or years:
    /// each of those the query spans must be grouped by, filtered to a
    /// single value, or not filtered at all.
    pub fn summary_grouping(&self, dims: &[Dimension], by_supplier: bool) -> Option<String> {
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
pub(super) fn supplier_level(by_supplier: bool) -> &'static str {
    if by_supplier { "c.supplier_id <> 0" } else { "c.supplier_id = 0" }
}
