//! Delivered and verified figures per commitment, summed by the write path.
//!
//! A value is quantity (hundredths) × proxy (pence) in ten-thousandths of a
//! pound; the cells keep each sum as two BIGINT parts (service::split_sum)
//! so that it stays exact on both backends at any size.

use std::collections::HashMap;

use sea_orm::{ConnectionTrait, Statement};

use crate::domain::{QuantityTotal, Value};
use crate::error::AppResult;
use crate::service::split_sum;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delivery {
    pub delivered_quantity: QuantityTotal,
    pub delivered_value: Value,
    pub verified_value: Value,
}

const FIGURES: [&str; 3] = ["delivered_centi", "delivered_value", "verified_value"];

/// Delivery per commitment, as the write path keeps it
/// (service::rollup_cells); the caller has already scoped the commitment ids.
pub async fn delivery_of(db: &impl ConnectionTrait, commitment_ids: &[i32]) -> AppResult<HashMap<i32, Delivery>> {
    if commitment_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let backend = db.get_database_backend();
    let placeholders: Vec<String> =
        (1..=commitment_ids.len()).map(|i| if backend == sea_orm::DbBackend::Postgres { format!("${i}") } else { "?".into() }).collect();
    let columns: Vec<String> = FIGURES.iter().flat_map(|f| split_sum::parts(f)).collect();
    let sql = format!("SELECT commitment_id, {} FROM commitment_delivery WHERE commitment_id IN ({})", columns.join(", "), placeholders.join(", "));
    let stmt = Statement::from_sql_and_values(backend, sql, commitment_ids.iter().map(|&i| i.into()));
    db.query_all_raw(stmt)
        .await?
        .iter()
        .map(|row| {
            let [quantity, delivered, verified] = FIGURES.map(|f| split_sum::get(row, f));
            Ok((
                row.try_get::<i32>("", "commitment_id")?,
                Delivery {
                    delivered_quantity: QuantityTotal::from_scaled(quantity?),
                    delivered_value: Value::from_scaled(delivered?),
                    verified_value: Value::from_scaled(verified?),
                },
            ))
        })
        .collect()
}
