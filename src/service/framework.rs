//! Councils and the framework (themes, measures, proxies): readable by
//! everyone, written by regional_admin only.

use std::collections::HashMap;

use entity::{council, measure, proxy, theme};
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel, Iterable, PrimaryKeyToColumn,
    QueryFilter, QueryOrder,
};
use serde_json::Value;

use super::rollup::cells::Touched;
use super::write::{Action, Change, ChangedEntity, WriteTx, snapshot};
use crate::auth::Principal;
use crate::domain::{FinancialYear, Money};
use crate::error::{AppResult, bad_input, not_found};

pub async fn councils(db: &impl ConnectionTrait) -> AppResult<Vec<council::Model>> {
    Ok(council::Entity::find().order_by_asc(council::Column::Code).all(db).await?)
}

pub async fn themes(db: &impl ConnectionTrait) -> AppResult<Vec<theme::Model>> {
    Ok(theme::Entity::find().order_by_asc(theme::Column::Code).all(db).await?)
}

pub async fn measures(db: &impl ConnectionTrait, theme_code: Option<&str>) -> AppResult<Vec<measure::Model>> {
    let mut q = measure::Entity::find().order_by_asc(measure::Column::Code);
    if let Some(code) = theme_code {
        let theme = theme_by_code(db, code).await?;
        q = q.filter(measure::Column::ThemeId.eq(theme.id));
    }
    Ok(q.all(db).await?)
}

async fn theme_by_code(db: &impl ConnectionTrait, code: &str) -> AppResult<theme::Model> {
    theme::Entity::find().filter(theme::Column::Code.eq(code)).one(db).await?.ok_or_else(|| not_found(format!("no theme with code {code}")))
}

/// Measures by code and proxies by (measure id, year): the framework a sync
/// batch is validated and valued against. Small (tens of rows), read whole.
pub struct FrameworkSnapshot {
    pub measures: HashMap<String, measure::Model>,
    pub proxies: HashMap<(i32, i32), Money>,
}

impl FrameworkSnapshot {
    pub async fn read(db: &impl ConnectionTrait) -> AppResult<Self> {
        let measures = measure::Entity::find().all(db).await?.into_iter().map(|m| (m.code.clone(), m)).collect();
        let proxies = proxy::Entity::find().all(db).await?.into_iter().map(|p| ((p.measure_id, p.financial_year), Money::from_scaled(p.value_pence))).collect();
        Ok(Self { measures, proxies })
    }

    pub fn proxy(&self, measure_id: i32, year: i32) -> Option<Money> {
        self.proxies.get(&(measure_id, year)).copied()
    }
}

/// A name: trimmed, 1 to 200 characters, no control characters.
fn required(field: &str, value: &str) -> AppResult<String> {
    let v = value.trim();
    if v.is_empty() || v.len() > 200 {
        return Err(bad_input(format!("{field} must be 1 to 200 characters")));
    }
    if v.chars().any(char::is_control) {
        return Err(bad_input(format!("{field} must not contain control characters")));
    }
    Ok(v.to_owned())
}

/// A code exactly as sent, in the one code syntax.
fn valid_code(field: &str, value: &str) -> AppResult<String> {
    crate::domain::code::check(field, value).map_err(bad_input)?;
    Ok(value.to_owned())
}

/// Records a reference-data change, or nothing when the content is unchanged.
fn reference_change(tx: &mut WriteTx<'_>, entity: ChangedEntity, record_id: String, before: Option<Value>, after: Value, touched: Vec<Touched>) -> bool {
    if before.as_ref() == Some(&after) {
        return false;
    }
    let action = if before.is_some() { Action::Update } else { Action::Create };
    tx.record(Change { council_id: None, entity, record_id, action, before, after: Some(after), feed: None, touched });
    true
}

pub struct CouncilInput {
    pub code: String,
    pub name: String,
    pub gss_code: String,
}

pub async fn upsert_council(db: &DatabaseConnection, principal: &Principal, input: CouncilInput) -> AppResult<council::Model> {
    principal.ensure_can_write_framework()?;
    let code = valid_code("code", &input.code)?;
    let (name, gss_code) = (required("name", &input.name)?, valid_code("gssCode", &input.gss_code)?);
    let mut tx = WriteTx::begin(db, principal).await?;
    let existing = council::Entity::find().filter(council::Column::Code.eq(&code)).one(&tx.txn).await?;
    let desired = council::Model { id: existing.as_ref().map_or(0, |m| m.id), code: code.clone(), name, gss_code };
    if !reference_change(&mut tx, ChangedEntity::Council, code, existing.as_ref().map(snapshot::council), snapshot::council(&desired), Vec::new()) {
        return Ok(desired);
    }
    let model = save(&tx, existing.is_some(), desired.into_active_model()).await?;
    tx.commit().await?;
    Ok(model)
}

/// Inserts or updates every column of a reference row.
async fn save<A>(tx: &WriteTx<'_>, exists: bool, am: A) -> AppResult<<A::Entity as EntityTrait>::Model>
where
    A: ActiveModelTrait + ActiveModelBehavior + Send,
    <A::Entity as EntityTrait>::Model: IntoActiveModel<A>,
{
    let mut am = am.reset_all();
    if exists {
        // The primary key is the WHERE; every other column is rewritten.
        Ok(am.update(&tx.txn).await?)
    } else {
        am.not_set(<A::Entity as EntityTrait>::PrimaryKey::iter().next().expect("a primary key").into_column());
        Ok(am.insert(&tx.txn).await?)
    }
}

pub struct ThemeInput {
    pub code: String,
    pub name: String,
}

pub async fn upsert_theme(db: &DatabaseConnection, principal: &Principal, input: ThemeInput) -> AppResult<theme::Model> {
    principal.ensure_can_write_framework()?;
    let code = valid_code("code", &input.code)?;
    let name = required("name", &input.name)?;
    let mut tx = WriteTx::begin(db, principal).await?;
    let existing = theme::Entity::find().filter(theme::Column::Code.eq(&code)).one(&tx.txn).await?;
    let desired = theme::Model { id: existing.as_ref().map_or(0, |m| m.id), code: code.clone(), name };
    if !reference_change(&mut tx, ChangedEntity::Theme, code, existing.as_ref().map(snapshot::theme), snapshot::theme(&desired), Vec::new()) {
        return Ok(desired);
    }
    let model = save(&tx, existing.is_some(), desired.into_active_model()).await?;
    tx.commit().await?;
    Ok(model)
}

pub struct MeasureInput {
    pub code: String,
    pub theme_code: String,
    pub name: String,
    pub unit: String,
}

pub async fn upsert_measure(db: &DatabaseConnection, principal: &Principal, input: MeasureInput) -> AppResult<measure::Model> {
    principal.ensure_can_write_framework()?;
    let code = valid_code("code", &input.code)?;
    let (name, unit) = (required("name", &input.name)?, required("unit", &input.unit)?);
    valid_code("themeCode", &input.theme_code)?;
    let mut tx = WriteTx::begin(db, principal).await?;
    let theme = theme_by_code(&tx.txn, &input.theme_code).await.map_err(|_| bad_input(format!("unknown theme {}", input.theme_code)))?;
    let existing = measure::Entity::find().filter(measure::Column::Code.eq(&code)).one(&tx.txn).await?;
    let desired = measure::Model { id: existing.as_ref().map_or(0, |m| m.id), code: code.clone(), theme_id: theme.id, name, unit };
    // The theme a measure had before, for the audit snapshot.
    let before = match &existing {
        Some(m) if m.theme_id == theme.id => Some(snapshot::measure(m, &theme.code)),
        Some(m) => {
            let old = theme::Entity::find_by_id(m.theme_id).one(&tx.txn).await?.map(|t| t.code).unwrap_or_default();
            Some(snapshot::measure(m, &old))
        }
        None => None,
    };
    // Summary cells keep themes: a measure that moves moves its figures.
    let touched = existing.iter().filter(|m| m.theme_id != theme.id).map(|m| Touched::MeasureTheme(m.id)).collect();
    if !reference_change(&mut tx, ChangedEntity::Measure, code, before, snapshot::measure(&desired, &theme.code), touched) {
        return Ok(desired);
    }
    let model = save(&tx, existing.is_some(), desired.into_active_model()).await?;
    tx.commit().await?;
    Ok(model)
}

/// The largest proxy accepted: £100,000 per unit keeps quantity × proxy
/// inside a 64-bit integer for any accepted quantity (see `Quantity::MAX`).
const MAX_PROXY_PENCE: i64 = 10_000_000;

pub async fn set_proxy(db: &DatabaseConnection, principal: &Principal, measure_code: &str, financial_year: i32, value_gbp: &str) -> AppResult<proxy::Model> {
    principal.ensure_can_write_framework()?;
    valid_code("measureCode", measure_code)?;
    let year = FinancialYear::parse(financial_year).ok_or_else(|| bad_input(format!("financialYear {financial_year} is out of range")))?;
    let value = Money::parse(value_gbp).map_err(|e| bad_input(format!("valueGbp: {e}")))?;
    if value.scaled() > MAX_PROXY_PENCE {
        return Err(bad_input("valueGbp: a proxy may be at most 100000.00"));
    }
    let mut tx = WriteTx::begin(db, principal).await?;
    let measure = measure::Entity::find()
        .filter(measure::Column::Code.eq(measure_code))
        .one(&tx.txn)
        .await?
        .ok_or_else(|| bad_input(format!("unknown measure {measure_code}")))?;
    let existing = proxy::Entity::find().filter(proxy::Column::MeasureId.eq(measure.id)).filter(proxy::Column::FinancialYear.eq(year.0)).one(&tx.txn).await?;
    let desired = proxy::Model { id: existing.as_ref().map_or(0, |m| m.id), measure_id: measure.id, financial_year: year.0, value_pence: value.scaled() };
    let record_id = format!("{}/{}", measure.code, year.0);
    let before = existing.as_ref().map(|m| snapshot::proxy(m, &measure.code));
    let touched = vec![Touched::Proxy { measure_id: measure.id, financial_year: year.0 }];
    if !reference_change(&mut tx, ChangedEntity::Proxy, record_id, before, snapshot::proxy(&desired, &measure.code), touched) {
        return Ok(desired);
    }
    let model = save(&tx, existing.is_some(), desired.into_active_model()).await?;
    tx.commit().await?;
    Ok(model)
}
