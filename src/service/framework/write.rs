//! Writing councils and the frameworks: upserts keyed by code, each audited
//! through the write door, and nothing written (or audited) when nothing
//! changed.

use entity::{council, framework, measure, proxy, theme};
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel, Iterable, PrimaryKeyToColumn, QueryFilter,
};
use serde_json::Value;

use super::read::{framework_by_code, measure_by_code, theme_by_code};
use super::{REGIONAL, qualified_code};
use crate::auth::Principal;
use crate::domain::{FinancialYear, Money};
use crate::error::{AppResult, bad_input};
use crate::service::rollup::cells::Touched;
use crate::service::write::{Action, Change, ChangedEntity, WriteTx, snapshot};

/// A name: trimmed, 1 to 200 characters, no control characters.
pub(super) fn required(field: &str, value: &str) -> AppResult<String> {
    let v = value.trim();
    if v.is_empty() || v.len() > 200 {
        return Err(bad_input(format!("{field} must be 1 to 200 characters")));
    }
    if v.chars().any(char::is_control) {
        return Err(bad_input(format!("{field} must not contain control characters")));
    }
    Ok(v.to_owned())
}

/// Optional free text: trimmed, empty meaning none, at most 2,000 characters.
pub(super) fn optional(field: &str, value: Option<&str>) -> AppResult<Option<String>> {
    let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) else { return Ok(None) };
    if v.len() > 2_000 || v.chars().any(|c| c.is_control() && c != '\n') {
        return Err(bad_input(format!("{field} must be at most 2000 characters, with no control characters but newlines")));
    }
    Ok(Some(v.to_owned()))
}

/// A code exactly as sent, in the one code syntax.
pub(super) fn valid_code(field: &str, value: &str) -> AppResult<String> {
    crate::domain::code::check(field, value).map_err(bad_input)?;
    Ok(value.to_owned())
}

/// Records a reference-data change, or nothing when the content is
/// unchanged; to be called before the row is written, since it declares
/// the rollup keys `touched` it moves.
pub(super) async fn reference_change(
    tx: &mut WriteTx<'_>,
    entity: ChangedEntity,
    record_id: String,
    before: Option<Value>,
    after: Option<Value>,
    touched: Vec<Touched>,
) -> AppResult<bool> {
    if before == after {
        return Ok(false);
    }
    tx.will_change(touched.iter().copied()).await?;
    let action = match (&before, &after) {
        (None, _) => Action::Create,
        (Some(_), None) => Action::Delete,
        (Some(_), Some(_)) => Action::Update,
    };
    tx.record(Change { council_id: None, entity, record_id, action, before, after, feed: None, touched });
    Ok(true)
}

/// Inserts or updates every column of a reference row.
pub(super) async fn save<A>(tx: &WriteTx<'_>, exists: bool, am: A) -> AppResult<<A::Entity as EntityTrait>::Model>
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

pub struct FrameworkInput {
    pub code: String,
    pub name: String,
    pub edition: Option<String>,
}

/// Creates a framework, or renames one (`REGIONAL` too: its code never changes).
pub async fn upsert_framework(db: &DatabaseConnection, principal: &Principal, input: FrameworkInput) -> AppResult<framework::Model> {
    principal.ensure_can_write_framework()?;
    let code = valid_code("code", &input.code)?;
    let (name, edition) = (required("name", &input.name)?, optional("edition", input.edition.as_deref())?);
    let mut tx = WriteTx::begin(db, principal).await?;
    let existing = framework::Entity::find().filter(framework::Column::Code.eq(&code)).one(&tx.txn).await?;
    let desired = framework::Model { id: existing.as_ref().map_or(0, |m| m.id), code: code.clone(), name, edition };
    let (before, after) = (existing.as_ref().map(snapshot::framework), Some(snapshot::framework(&desired)));
    if !reference_change(&mut tx, ChangedEntity::Framework, code, before, after, Vec::new()).await? {
        return Ok(desired);
    }
    let model = save(&tx, existing.is_some(), desired.into_active_model()).await?;
    tx.commit().await?;
    Ok(model)
}

pub struct CouncilInput {
    pub code: String,
    pub name: String,
    pub gss_code: String,
    /// The framework the council reports in; None means `REGIONAL`.
    pub framework_code: Option<String>,
}

pub async fn upsert_council(db: &DatabaseConnection, principal: &Principal, input: CouncilInput) -> AppResult<council::Model> {
    principal.ensure_can_write_framework()?;
    let code = valid_code("code", &input.code)?;
    let (name, gss_code) = (required("name", &input.name)?, valid_code("gssCode", &input.gss_code)?);
    let mut tx = WriteTx::begin(db, principal).await?;
    let framework = framework_by_code(&tx.txn, input.framework_code.as_deref()).await?;
    let existing = council::Entity::find().filter(council::Column::Code.eq(&code)).one(&tx.txn).await?;
    let desired = council::Model { id: existing.as_ref().map_or(0, |m| m.id), code: code.clone(), name, gss_code, framework_id: framework.id };
    let before = match &existing {
        Some(m) => Some(snapshot::council(m, &framework_by_id(&tx, m.framework_id).await?.code)),
        None => None,
    };
    if !reference_change(&mut tx, ChangedEntity::Council, code, before, Some(snapshot::council(&desired, &framework.code)), Vec::new()).await? {
        return Ok(desired);
    }
    let model = save(&tx, existing.is_some(), desired.into_active_model()).await?;
    tx.commit().await?;
    Ok(model)
}

async fn framework_by_id(tx: &WriteTx<'_>, id: i32) -> AppResult<framework::Model> {
    framework::Entity::find_by_id(id).one(&tx.txn).await?.ok_or_else(|| crate::error::internal(format!("dangling framework {id}")))
}

pub struct ThemeInput {
    pub code: String,
    pub name: String,
    /// None means `REGIONAL`.
    pub framework_code: Option<String>,
}

pub async fn upsert_theme(db: &DatabaseConnection, principal: &Principal, input: ThemeInput) -> AppResult<theme::Model> {
    principal.ensure_can_write_framework()?;
    let code = valid_code("code", &input.code)?;
    let name = required("name", &input.name)?;
    let mut tx = WriteTx::begin(db, principal).await?;
    let framework = framework_by_code(&tx.txn, input.framework_code.as_deref()).await?;
    let existing = theme_by_code(&tx.txn, framework.id, &code).await?;
    let desired = theme::Model { id: existing.as_ref().map_or(0, |m| m.id), framework_id: framework.id, code: code.clone(), name };
    let record_id = qualified_code(&framework.code, &code);
    let (before, after) = (existing.as_ref().map(|m| snapshot::theme(m, &framework.code)), Some(snapshot::theme(&desired, &framework.code)));
    if !reference_change(&mut tx, ChangedEntity::Theme, record_id, before, after, Vec::new()).await? {
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
    /// None means `REGIONAL`.
    pub framework_code: Option<String>,
    /// False for a record-only measure.
    pub valued: bool,
}

pub async fn upsert_measure(db: &DatabaseConnection, principal: &Principal, input: MeasureInput) -> AppResult<measure::Model> {
    principal.ensure_can_write_framework()?;
    let code = valid_code("code", &input.code)?;
    let (name, unit) = (required("name", &input.name)?, required("unit", &input.unit)?);
    valid_code("themeCode", &input.theme_code)?;
    let mut tx = WriteTx::begin(db, principal).await?;
    let framework = framework_by_code(&tx.txn, input.framework_code.as_deref()).await?;
    // A measure's theme is a theme of its own framework.
    let theme = theme_by_code(&tx.txn, framework.id, &input.theme_code).await?.ok_or_else(|| bad_input(format!("unknown theme {}", input.theme_code)))?;
    let existing = measure_by_code(&tx.txn, framework.id, &code).await?;
    let desired = measure::Model {
        id: existing.as_ref().map_or(0, |m| m.id),
        framework_id: framework.id,
        code: code.clone(),
        theme_id: theme.id,
        name,
        unit,
        valued: input.valued,
    };
    // The theme a measure had before, for the audit snapshot.
    let before = match &existing {
        Some(m) if m.theme_id == theme.id => Some(snapshot::measure(m, &framework.code, &theme.code)),
        Some(m) => {
            let old = theme::Entity::find_by_id(m.theme_id).one(&tx.txn).await?.map(|t| t.code).unwrap_or_default();
            Some(snapshot::measure(m, &framework.code, &old))
        }
        None => None,
    };
    // The cells keep themes and values: a measure that moves theme, or that
    // stops or starts being valued, moves its figures.
    let touched = existing.iter().filter(|m| m.theme_id != theme.id || m.valued != input.valued).map(|m| Touched::Measure(m.id)).collect();
    let after = Some(snapshot::measure(&desired, &framework.code, &theme.code));
    if !reference_change(&mut tx, ChangedEntity::Measure, qualified_code(&framework.code, &code), before, after, touched).await? {
        return Ok(desired);
    }
    let model = save(&tx, existing.is_some(), desired.into_active_model()).await?;
    tx.commit().await?;
    Ok(model)
}

/// The largest proxy accepted: £100,000 per unit keeps quantity × proxy
/// inside a 64-bit integer for any accepted quantity (see `Quantity::MAX`).
const MAX_PROXY_PENCE: i64 = 10_000_000;

/// Sets a regional measure's proxy for a year. Other frameworks are
/// vocabularies, valued through the crosswalk, so they have no proxies.
pub async fn set_proxy(
    db: &DatabaseConnection,
    principal: &Principal,
    measure_code: &str,
    financial_year: i32,
    value_gbp: &str,
    framework_code: Option<&str>,
) -> AppResult<proxy::Model> {
    principal.ensure_can_write_framework()?;
    valid_code("measureCode", measure_code)?;
    let year = FinancialYear::parse(financial_year).ok_or_else(|| bad_input(format!("financialYear {financial_year} is out of range")))?;
    let value = Money::parse(value_gbp).map_err(|e| bad_input(format!("valueGbp: {e}")))?;
    if value.scaled() > MAX_PROXY_PENCE {
        return Err(bad_input("valueGbp: a proxy may be at most 100000.00"));
    }
    let mut tx = WriteTx::begin(db, principal).await?;
    let framework = framework_by_code(&tx.txn, framework_code).await?;
    if framework.code != REGIONAL {
        return Err(bad_input(format!(
            "{} is not the regional framework: its measures are valued through their mapping onto a regional measure",
            framework.code
        )));
    }
    let measure = measure_by_code(&tx.txn, framework.id, measure_code).await?.ok_or_else(|| bad_input(format!("unknown measure {measure_code}")))?;
    let existing = proxy::Entity::find().filter(proxy::Column::MeasureId.eq(measure.id)).filter(proxy::Column::FinancialYear.eq(year.0)).one(&tx.txn).await?;
    let desired = proxy::Model { id: existing.as_ref().map_or(0, |m| m.id), measure_id: measure.id, financial_year: year.0, value_pence: value.scaled() };
    let record_id = format!("{}/{}", measure.code, year.0);
    let before = existing.as_ref().map(|m| snapshot::proxy(m, &measure.code));
    let touched = vec![Touched::Proxy { measure_id: measure.id, financial_year: year.0 }];
    if !reference_change(&mut tx, ChangedEntity::Proxy, record_id, before, Some(snapshot::proxy(&desired, &measure.code)), touched).await? {
        return Ok(desired);
    }
    let model = save(&tx, existing.is_some(), desired.into_active_model()).await?;
    tx.commit().await?;
    Ok(model)
}
