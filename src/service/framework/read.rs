//! Reading the frameworks: the lists every role may read, and the snapshot
//! a sync batch is validated and valued against.

use std::collections::HashMap;

use entity::{council, framework, measure, measure_mapping, proxy, theme};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use super::REGIONAL;
use crate::domain::{Factor, Money};
use crate::error::{AppResult, not_found};

pub async fn councils(db: &impl ConnectionTrait) -> AppResult<Vec<council::Model>> {
    Ok(council::Entity::find().order_by_asc(council::Column::Code).all(db).await?)
}

/// Every framework, the regional one first, then by code.
pub async fn frameworks(db: &impl ConnectionTrait) -> AppResult<Vec<framework::Model>> {
    let mut list = framework::Entity::find().order_by_asc(framework::Column::Code).all(db).await?;
    list.sort_by_key(|f| f.code != REGIONAL);
    Ok(list)
}

/// The framework with this code (the regional one when None); NOT_FOUND otherwise.
pub async fn framework_by_code(db: &impl ConnectionTrait, code: Option<&str>) -> AppResult<framework::Model> {
    let code = code.unwrap_or(REGIONAL);
    framework::Entity::find().filter(framework::Column::Code.eq(code)).one(db).await?.ok_or_else(|| not_found(format!("no framework with code {code}")))
}

/// `framework_id IN (the framework with this code)`: a list of one
/// framework's rows in one statement.
fn in_framework(column: impl ColumnTrait, code: &str) -> sea_orm::Condition {
    let ids = Query::select().column(framework::Column::Id).from(framework::Entity).and_where(framework::Column::Code.eq(code)).to_owned();
    sea_orm::Condition::all().add(column.in_subquery(ids))
}

/// An empty list of a framework that does not exist is NOT_FOUND; the
/// regional framework always exists, so the usual read costs one statement.
async fn ensure_exists<T>(db: &impl ConnectionTrait, code: &str, list: Vec<T>) -> AppResult<Vec<T>> {
    if list.is_empty() && code != REGIONAL {
        framework_by_code(db, Some(code)).await?;
    }
    Ok(list)
}

pub async fn themes(db: &impl ConnectionTrait, framework_code: Option<&str>) -> AppResult<Vec<theme::Model>> {
    let code = framework_code.unwrap_or(REGIONAL);
    let list = theme::Entity::find().filter(in_framework(theme::Column::FrameworkId, code)).order_by_asc(theme::Column::Code).all(db).await?;
    ensure_exists(db, code, list).await
}

pub async fn measures(db: &impl ConnectionTrait, theme_code: Option<&str>, framework_code: Option<&str>) -> AppResult<Vec<measure::Model>> {
    let code = framework_code.unwrap_or(REGIONAL);
    let mut q = measure::Entity::find().filter(in_framework(measure::Column::FrameworkId, code)).order_by_asc(measure::Column::Code);
    if let Some(theme_code) = theme_code {
        let themes = Query::select()
            .column(theme::Column::Id)
            .from(theme::Entity)
            .and_where(theme::Column::Code.eq(theme_code))
            .cond_where(in_framework(theme::Column::FrameworkId, code))
            .to_owned();
        q = q.filter(measure::Column::ThemeId.in_subquery(themes));
    }
    let list = q.all(db).await?;
    if list.is_empty()
        && let Some(theme_code) = theme_code
    {
        let framework = framework_by_code(db, Some(code)).await?;
        theme_by_code(db, framework.id, theme_code).await?.ok_or_else(|| not_found(format!("no theme with code {theme_code}")))?;
    }
    ensure_exists(db, code, list).await
}

pub(super) async fn theme_by_code(db: &impl ConnectionTrait, framework_id: i32, code: &str) -> AppResult<Option<theme::Model>> {
    Ok(theme::Entity::find().filter(theme::Column::FrameworkId.eq(framework_id)).filter(theme::Column::Code.eq(code)).one(db).await?)
}

pub(super) async fn measure_by_code(db: &impl ConnectionTrait, framework_id: i32, code: &str) -> AppResult<Option<measure::Model>> {
    Ok(measure::Entity::find().filter(measure::Column::FrameworkId.eq(framework_id)).filter(measure::Column::Code.eq(code)).one(db).await?)
}

/// Frameworks, measures, the crosswalk and proxies: what a sync batch is
/// validated and valued against. Small (hundreds of rows), read whole.
pub struct FrameworkSnapshot {
    pub frameworks: HashMap<String, framework::Model>,
    pub measures: HashMap<i32, measure::Model>,
    /// Measure ids by (framework id, code): codes are unique within a framework only.
    pub measure_codes: HashMap<(i32, String), i32>,
    pub mappings: HashMap<i32, measure_mapping::Model>,
    pub proxies: HashMap<(i32, i32), Money>,
}

/// What a reported measure counts as in the region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegionalBasis {
    pub measure_id: i32,
    pub factor: Factor,
}

impl FrameworkSnapshot {
    pub async fn read(db: &impl ConnectionTrait) -> AppResult<Self> {
        let frameworks = framework::Entity::find().all(db).await?.into_iter().map(|f| (f.code.clone(), f)).collect();
        let measures: HashMap<i32, measure::Model> = measure::Entity::find().all(db).await?.into_iter().map(|m| (m.id, m)).collect();
        let measure_codes = measures.values().map(|m| ((m.framework_id, m.code.clone()), m.id)).collect();
        let mappings = measure_mapping::Entity::find().all(db).await?.into_iter().map(|m| (m.measure_id, m)).collect();
        let proxies = proxy::Entity::find().all(db).await?.into_iter().map(|p| ((p.measure_id, p.financial_year), Money::from_scaled(p.value_pence))).collect();
        Ok(Self { frameworks, measures, measure_codes, mappings, proxies })
    }

    pub fn framework(&self, code: &str) -> Option<&framework::Model> {
        self.frameworks.get(code)
    }

    pub fn measure(&self, framework_id: i32, code: &str) -> Option<&measure::Model> {
        self.measure_codes.get(&(framework_id, code.to_owned())).and_then(|id| self.measures.get(id))
    }

    pub fn proxy(&self, measure_id: i32, year: i32) -> Option<Money> {
        self.proxies.get(&(measure_id, year)).copied()
    }

    /// The regional measure and factor a measure counts as: itself and 1 in
    /// the regional framework, its mapping in any other, None when unmapped.
    pub fn regional_basis(&self, m: &measure::Model) -> Option<RegionalBasis> {
        if m.framework_id == super::REGIONAL_ID {
            return Some(RegionalBasis { measure_id: m.id, factor: Factor::ONE });
        }
        self.mappings.get(&m.id).map(|x| RegionalBasis { measure_id: x.regional_measure_id, factor: Factor::from_scaled(x.factor_e4) })
    }

    /// The regional basis of a measure whose records are valued (given a
    /// proxy for their year): it counts as a regional measure and both are
    /// valued. None for unmapped and record-only measures.
    pub fn valued_basis(&self, m: &measure::Model) -> Option<RegionalBasis> {
        let basis = self.regional_basis(m)?;
        let regional_valued = self.measures.get(&basis.measure_id).is_some_and(|r| r.valued);
        (m.valued && regional_valued).then_some(basis)
    }

    /// Whether a record on `measure_id` in `year` would be valued but has
    /// no regional proxy for that year (so sync refuses it, as in v1).
    /// Unmapped and record-only measures need no proxy.
    pub fn lacks_proxy(&self, measure_id: i32, year: i32) -> bool {
        let basis = self.measures.get(&measure_id).and_then(|m| self.valued_basis(m));
        basis.is_some_and(|b| self.proxy(b.measure_id, year).is_none())
    }
}
