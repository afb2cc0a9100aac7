//! Delivered and verified figures per commitment, summed in the database.
//!
//! A value is quantity (hundredths) × proxy (pence) in ten-thousandths of a
//! pound; the sum is cast to BIGINT because PostgreSQL's SUM of bigint is
//! NUMERIC and SQLite's SUM must stay an integer to stay exact.

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

/// Delivery per commitment; the caller has already scoped the commitment ids.
/// The ids filter the commitments, not the evidence: PostgreSQL then reads
/// the page's commitments by key instead of scanning them all (5 ms, not 27).
pub async fn delivery_of(db: &impl ConnectionTrait, commitment_ids: &[i32]) -> AppResult<HashMap<i32, Delivery>> {
    if commitment_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let backend = db.get_database_backend();
    let placeholders: Vec<String> = (1..=commitment_ids.len())
        .map(|i| if backend == sea_orm::DbBackend::Postgres { format!("${i}") } else { "?".into() })
        .collect();
    let sql = format!(
        "SELECT e.commitment_id AS commitment_id,
                CAST(COALESCE(SUM(CASE WHEN e.status <> 'REJECTED' THEN e.quantity_centi ELSE 0 END), 0) AS BIGINT) AS delivered_centi,
                CAST(COALESCE(SUM(CASE WHEN e.status <> 'REJECTED' THEN e.quantity_centi * p.value_pence ELSE 0 END), 0) AS BIGINT) AS delivered_e4,
                CAST(COALESCE(SUM(CASE WHEN e.status = 'VERIFIED' THEN e.quantity_centi * p.value_pence ELSE 0 END), 0) AS BIGINT) AS verified_e4
         FROM commitment c
         JOIN evidence e ON e.commitment_id = c.id
         JOIN proxy p ON p.measure_id = c.measure_id AND p.financial_year = e.financial_year
         WHERE e.deleted = FALSE AND c.id IN ({})
         GROUP BY e.commitment_id",
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
