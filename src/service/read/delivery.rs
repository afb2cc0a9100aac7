//! Each commitment's delivered and verified figures, read from
//! `commitment_delivery`, where the write path keeps them
//! (service::rollup::cells).
//!
//! A value is quantity (hundredths) × factor (ten-thousandths) × proxy
//! (pence) in 10^-8 of a pound; the cells keep each sum as BIGINT parts
//! (service::split_sum) so that it stays exact on both backends at any size.

use std::collections::HashMap;

use entity::commitment;
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};

use crate::domain::{self, QuantityTotal};
use crate::error::AppResult;
use crate::service::scope::ReadScope;
use crate::service::split_sum::{self, Columns};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delivery {
    pub delivered_quantity: QuantityTotal,
    pub delivered_value: domain::SocialValue,
    pub verified_value: domain::SocialValue,
}

const TABLE: &str = "commitment_delivery";
const FIGURES: [&str; 3] = ["delivered_centi", "delivered_value", "verified_value"];

/// Delivery of the commitments `commitment_ids` that `scope` may read, by
/// commitment id. A commitment without live evidence has no row.
pub async fn delivery_of(db: &impl ConnectionTrait, scope: &ReadScope, commitment_ids: &[i32]) -> AppResult<HashMap<i32, Delivery>> {
    if commitment_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let cell = |column: &str| Expr::col((Alias::new(TABLE), Alias::new(column)));
    let mut select = Query::select();
    select.expr(cell("commitment_id"));
    for column in FIGURES.iter().flat_map(|f| split_sum::parts(f)) {
        select.expr(cell(&column));
    }
    // The scope is the commitment's council, like every read of commitments.
    select
        .from(Alias::new(TABLE))
        .inner_join(commitment::Entity, Expr::col((commitment::Entity, commitment::Column::Id)).equals((Alias::new(TABLE), Alias::new("commitment_id"))))
        .and_where(cell("commitment_id").is_in(commitment_ids.iter().copied()))
        .cond_where(scope.condition(commitment::Column::CouncilId));
    db.query_all(&select)
        .await?
        .iter()
        .map(|row| {
            // In the order selected above.
            let mut columns = Columns::new(row);
            Ok((
                columns.int32()?,
                Delivery {
                    delivered_quantity: QuantityTotal::from_scaled(columns.figure(FIGURES[0])?),
                    delivered_value: domain::SocialValue::from_scaled(columns.figure(FIGURES[1])?),
                    verified_value: domain::SocialValue::from_scaled(columns.figure(FIGURES[2])?),
                },
            ))
        })
        .collect()
}
