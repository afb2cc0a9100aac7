//! The reference tables (councils, frameworks, themes, measures, the
//! crosswalk's mappings, proxies),
//! each read whole in one statement: they are small, every role may read
//! them, and a request that needs one row of a table soon needs others.
//! The GraphQL layer keeps what these return until `version` moves.

use std::collections::BTreeMap;

use entity::{council, framework, measure, measure_mapping, proxy, theme};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, Statement};

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

/// Writes to the reference tables this process has committed, by database
/// (a process may serve several, as the tests do).
static WRITTEN_HERE: std::sync::Mutex<BTreeMap<String, u64>> = std::sync::Mutex::new(BTreeMap::new());

/// Which PostgreSQL database a connection is to (None on SQLite, which has no listener).
pub fn database_of(db: &DatabaseConnection) -> Option<String> {
    if db.get_database_backend() != DbBackend::Postgres {
        return None;
    }
    let o = db.get_postgres_connection_pool().connect_options();
    Some(format!("{}:{}/{}", o.get_host(), o.get_port(), o.get_database().unwrap_or_default()))
}

/// How many writes to the reference tables of `database` this process has committed.
pub fn written_here(database: &str) -> u64 {
    WRITTEN_HERE.lock().unwrap_or_else(|e| e.into_inner()).get(database).copied().unwrap_or(0)
}

/// A write to the reference tables of `database` committed in this process (service::write).
pub(crate) fn wrote(database: &str) {
    *WRITTEN_HERE.lock().unwrap_or_else(|e| e.into_inner()).entry(database.to_owned()).or_default() += 1;
}

/// The version of the reference tables, raised by every write to one of them.
pub async fn version(db: &impl ConnectionTrait) -> AppResult<i64> {
    let sql = Statement::from_string(db.get_database_backend(), "SELECT version FROM reference_version WHERE id = 1");
    match db.query_one_raw(sql).await? {
        Some(row) => Ok(row.try_get_by_index::<i64>(0)?),
        None => Err(crate::error::internal("reference_version has no row")),
    }
}
