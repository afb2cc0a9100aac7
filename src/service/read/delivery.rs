//! Each commitment's delivered and verified figures, read from
//! `commitment_delivery`, where the write path keeps them
//! (service::rollup::cells).
//!
//! A value is quantity (hundredths) × factor (ten-thousandths) × proxy
//! (pence) in 10^-8 of a pound; the cells keep each sum as BIGINT parts
//! (service::split_sum) so that it stays exact on both backends at any size.

use std::collections::HashMap;

use entity::commitment;
use sea_orm::sea_query::{Alias, Asterisk, Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, FromQueryResult};

use crate::domain::{self, AsOf, DeliveryStatus, QuantityTotal};
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

/// The live commitments of the contracts `contract_ids` that `scope` may
/// read, each with its delivery (zero without a row), in one statement:
/// a contract's page or `node(id)` reads them together.
pub async fn commitments_of_contracts(db: &impl ConnectionTrait, scope: &ReadScope, contract_ids: &[i32]) -> AppResult<Vec<(commitment::Model, Delivery)>> {
    if contract_ids.is_empty() {
        return Ok(Vec::new());
    }
    let cell = |column: &str| Expr::col((Alias::new(TABLE), Alias::new(column)));
    let parts: Vec<String> = FIGURES.iter().flat_map(|f| split_sum::parts(f)).collect();
    let mut select = Query::select();
    select.column((commitment::Entity, Asterisk));
    for column in &parts {
        select.expr_as(cell(column), Alias::new(column));
    }
    select
        .from(commitment::Entity)
        .left_join(Alias::new(TABLE), cell("commitment_id").equals((commitment::Entity, commitment::Column::Id)))
        .and_where(Expr::col((commitment::Entity, commitment::Column::ContractId)).is_in(contract_ids.iter().copied()))
        .and_where(Expr::col((commitment::Entity, commitment::Column::Deleted)).eq(false))
        .cond_where(scope.condition(commitment::Column::CouncilId));
    let figure = |row: &sea_orm::QueryResult, name: &str| -> AppResult<i128> {
        let mut values = Vec::new();
        for part in split_sum::parts(name) {
            values.push(row.try_get::<Option<i64>>("", &part)?.unwrap_or(0));
        }
        Ok(split_sum::join(&values))
    };
    db.query_all(&select)
        .await?
        .iter()
        .map(|row| {
            let delivery = Delivery {
                delivered_quantity: QuantityTotal::from_scaled(figure(row, FIGURES[0])?),
                delivered_value: domain::SocialValue::from_scaled(figure(row, FIGURES[1])?),
                verified_value: domain::SocialValue::from_scaled(figure(row, FIGURES[2])?),
            };
            Ok((commitment::Model::from_query_result(row, "")?, delivery))
        })
        .collect()
}

/// How many quarters of the financial year in the column `year` have ended on `as_of`, in SQL
/// (as `AsOf::quarters_ended` counts them).
pub fn quarters_ended(year: &str, as_of: AsOf) -> String {
    format!("(CASE WHEN {year} < {y} THEN 4 WHEN {year} = {y} THEN {q} ELSE 0 END)", y = as_of.year, q = as_of.ended)
}

/// The standings `s` whose status on `as_of` is one of `statuses`.
pub(super) fn status_sql(statuses: &[DeliveryStatus], as_of: AsOf) -> String {
    let q = quarters_ended("s.financial_year", as_of);
    let due = format!("{q} > 0 AND {q} >= s.behind_from");
    let terms: Vec<String> = statuses
        .iter()
        .map(|s| match s {
            DeliveryStatus::Delivered => "s.progress = 2".to_owned(),
            DeliveryStatus::NotDue => format!("s.progress < 2 AND {q} = 0"),
            DeliveryStatus::NotStarted => format!("s.progress = 0 AND {due}"),
            DeliveryStatus::Behind => format!("s.progress = 1 AND {due}"),
            DeliveryStatus::OnTrack => format!("s.progress = 1 AND {q} > 0 AND {q} < s.behind_from"),
        })
        .map(|t| format!("({t})"))
        .collect();
    if terms.is_empty() { "FALSE".to_owned() } else { format!("({})", terms.join(" OR ")) }
}

/// The commitments whose status on `as_of` is one of `statuses`, from the
/// standing the write path keeps for each (service::rollup::cells), so
/// that no evidence is summed at read time. A correlated EXISTS, with the
/// council named on both sides: a page of one council's commitments walks
/// their ids in order through either table's council index and stops after
/// its `first`, rather than listing every standing that matches.
pub fn with_status(statuses: &[DeliveryStatus], as_of: AsOf) -> String {
    format!(
        "EXISTS (SELECT 1 FROM commitment_standing s WHERE s.commitment_id = commitment.id AND s.council_id = commitment.council_id AND {})",
        status_sql(statuses, as_of)
    )
}
