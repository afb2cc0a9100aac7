//! Delivered and verified figures per commitment, summed by the write path.
//!
//! A value is quantity (hundredths) × proxy (pence) in ten-thousandths of a
//! pound, kept as BIGINT on both backends so that it stays exact.

use std::collections::HashMap;

use sea_orm::{ConnectionTrait, FromQueryResult, Statement};

use crate::domain::{Quantity, Value};
use crate::error::AppResult;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delivery {
    pub delivered_quantity: Quantity,
    pub delivered_value: Value,
    pub verified_value: Value,
}

#[derive(FromQueryResult)]
struct Row {
    commitment_id: i32,
    delivered_centi: i64,
    delivered_e4: i64,
    verified_e4: i64,
}

/// Delivery per commitment, as the write path keeps it
/// (service::rollup_cells); the caller has already scoped the commitment ids.
pub async fn delivery_of(db: &impl ConnectionTrait, commitment_ids: &[i32]) -> AppResult<HashMap<i32, Delivery>> {
    if commitment_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let backend = db.get_database_backend();
    let placeholders: Vec<String> = (1..=commitment_ids.len())
        .map(|i| if backend == sea_orm::DbBackend::Postgres { format!("${i}") } else { "?".into() })
        .collect();
    let sql = format!(
        "SELECT commitment_id, delivered_centi, delivered_value AS delivered_e4, verified_value AS verified_e4
         FROM commitment_delivery WHERE commitment_id IN ({})",
        placeholders.join(", ")
    );
    let stmt = Statement::from_sql_and_values(backend, sql, commitment_ids.iter().map(|&i| i.into()));
    let rows = Row::find_by_statement(stmt).all(db).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                r.commitment_id,
                Delivery {
                    delivered_quantity: Quantity::from_scaled(r.delivered_centi),
                    delivered_value: Value::from_scaled(r.delivered_e4 as i128),
                    verified_value: Value::from_scaled(r.verified_e4 as i128),
                },
            )
        })
        .collect())
}
