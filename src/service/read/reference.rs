//! The reference tables (councils, frameworks, themes, measures, the
//! crosswalk's mappings, proxies),
//! each read whole in one statement: they are small, every role may read
//! them, and a request that needs one row of a table soon needs others.
//! The GraphQL layer keeps what these return until `version` moves.

use entity::{council, framework, measure, measure_mapping, proxy, theme};
use sea_orm::{ConnectionTrait, EntityTrait, Statement};

use crate::error::AppResult;

pub async fn councils(db: &impl ConnectionTrait) -> AppResult<Vec<council::Model>> {
    Ok(council::Entity::find().all(db).await?)
}

pub async fn themes(db: &impl ConnectionTrait) -> AppResult<Vec<theme::Model>> {
    Ok(theme::Entity::find().all(db).await?)
}

/// Every measure with its mapping, if it has one: what valuing a record
/// needs, in one statement.
pub async fn measures_with_mappings(db: &impl ConnectionTrait) -> AppResult<Vec<(measure::Model, Option<measure_mapping::Model>)>> {
    Ok(measure::Entity::find().find_also_related(measure_mapping::Entity).all(db).await?)
}

pub async fn proxies(db: &impl ConnectionTrait) -> AppResult<Vec<proxy::Model>> {
    Ok(proxy::Entity::find().all(db).await?)
}

pub async fn frameworks(db: &impl ConnectionTrait) -> AppResult<Vec<framework::Model>> {
    Ok(framework::Entity::find().all(db).await?)
}

/// The channel on which PostgreSQL tells every replica that the reference tables changed.
pub const CHANNEL: &str = "svh_reference";

/// The version of the reference tables, raised by every write to one of them.
pub async fn version(db: &impl ConnectionTrait) -> AppResult<i64> {
    let sql = Statement::from_string(db.get_database_backend(), "SELECT version FROM reference_version WHERE id = 1");
    match db.query_one_raw(sql).await? {
        Some(row) => Ok(row.try_get_by_index::<i64>(0)?),
        None => Err(crate::error::internal("reference_version has no row")),
    }
}
