//! The crosswalk: a measure of a non-regional framework maps onto a
//! regional measure with a factor (one reported unit counts as `factor`
//! regional units). Mapping, remapping or unmapping a measure moves every
//! figure on it, in the same transaction, through the write door.

use entity::{measure, measure_mapping};
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel};

use super::read::{framework_by_code, measure_by_code};
use super::write::{optional, reference_change, valid_code};
use super::{REGIONAL, qualified_code};
use crate::auth::Principal;
use crate::domain::Factor;
use crate::error::{AppResult, bad_input, not_found};
use crate::service::DatabaseConnection;
use crate::service::rollup::cells::Touched;
use crate::service::write::{ChangedEntity, WriteTx, snapshot};

pub struct MappingInput {
    pub framework_code: String,
    pub measure_code: String,
    pub regional_measure_code: String,
    /// A decimal > 0; None means 1.
    pub factor: Option<String>,
    pub note: Option<String>,
}

/// The measure a mapping starts from: of a non-regional framework; NOT_FOUND when unknown.
async fn reported_measure(tx: &WriteTx<'_>, framework_code: &str, measure_code: &str) -> AppResult<(String, measure::Model)> {
    valid_code("frameworkCode", framework_code)?;
    valid_code("measureCode", measure_code)?;
    let framework = framework_by_code(&tx.txn, Some(framework_code)).await?;
    if framework.code == REGIONAL {
        return Err(bad_input("a mapping goes from a measure of another framework to a regional measure; this measure is regional"));
    }
    let measure =
        measure_by_code(&tx.txn, framework.id, measure_code).await?.ok_or_else(|| not_found(format!("no measure {measure_code} in {framework_code}")))?;
    Ok((framework.code, measure))
}

pub async fn map_measure(db: &DatabaseConnection, principal: &Principal, input: MappingInput) -> AppResult<measure_mapping::Model> {
    principal.ensure_can_write_framework()?;
    let factor = match input.factor.as_deref() {
        None => Factor::ONE,
        Some(text) => Factor::parse_positive(text).map_err(|e| bad_input(format!("factor: {e}")))?,
    };
    let note = optional("note", input.note.as_deref())?;
    valid_code("regionalMeasureCode", &input.regional_measure_code)?;
    let mut tx = WriteTx::begin(db, principal).await?;
    let (framework_code, measure) = reported_measure(&tx, &input.framework_code, &input.measure_code).await?;
    let regional = framework_by_code(&tx.txn, None).await?;
    let regional_measure = measure_by_code(&tx.txn, regional.id, &input.regional_measure_code)
        .await?
        .ok_or_else(|| not_found(format!("no regional measure {}", input.regional_measure_code)))?;
    let existing = measure_mapping::Entity::find_by_id(measure.id).one(&tx.txn).await?;
    let desired = measure_mapping::Model { measure_id: measure.id, regional_measure_id: regional_measure.id, factor_e4: factor.scaled(), note };
    let before = match &existing {
        Some(m) => Some(snapshot::mapping(m, &framework_code, &measure.code, &regional_code(&tx, m.regional_measure_id).await?)),
        None => None,
    };
    let after = Some(snapshot::mapping(&desired, &framework_code, &measure.code, &regional_measure.code));
    let record_id = qualified_code(&framework_code, &measure.code);
    if !reference_change(&mut tx, ChangedEntity::Mapping, record_id, before, after, vec![Touched::Measure(measure.id)]).await? {
        return Ok(desired);
    }
    // The key is the mapped measure's id, never one the database picks.
    let am = desired.into_active_model().reset_all();
    let model = if existing.is_some() { am.update(&tx.txn).await? } else { am.insert(&tx.txn).await? };
    tx.commit().await?;
    Ok(model)
}

/// Removes a measure's mapping: true when there was one.
pub async fn unmap_measure(db: &DatabaseConnection, principal: &Principal, framework_code: &str, measure_code: &str) -> AppResult<bool> {
    principal.ensure_can_write_framework()?;
    let mut tx = WriteTx::begin(db, principal).await?;
    let (framework_code, measure) = reported_measure(&tx, framework_code, measure_code).await?;
    let Some(existing) = measure_mapping::Entity::find_by_id(measure.id).one(&tx.txn).await? else { return Ok(false) };
    let before = Some(snapshot::mapping(&existing, &framework_code, &measure.code, &regional_code(&tx, existing.regional_measure_id).await?));
    reference_change(&mut tx, ChangedEntity::Mapping, qualified_code(&framework_code, &measure.code), before, None, vec![Touched::Measure(measure.id)]).await?;
    existing.into_active_model().delete(&tx.txn).await?;
    tx.commit().await?;
    Ok(true)
}

async fn regional_code(tx: &WriteTx<'_>, id: i32) -> AppResult<String> {
    Ok(measure::Entity::find_by_id(id).one(&tx.txn).await?.map(|m| m.code).unwrap_or_default())
}
