//! `WHERE column IN (...)` for lists of any length: split into statements
//! that stay well under SQLite's 32,766 and PostgreSQL's 65,535 bound values.

use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Value};

use crate::error::AppResult;

const VALUES_PER_STATEMENT: usize = 5_000;

/// Rows of `E` whose `column` is one of `values` and that match `also`, ordered by `order`.
pub async fn find_in<E, V>(db: &impl ConnectionTrait, column: E::Column, values: &[V], also: Condition, order: E::Column) -> AppResult<Vec<E::Model>>
where
    E: EntityTrait,
    V: Into<Value> + Clone,
{
    let mut out = Vec::new();
    for chunk in values.chunks(VALUES_PER_STATEMENT) {
        out.extend(E::find().filter(column.is_in(chunk.iter().cloned())).filter(also.clone()).order_by_asc(order).all(db).await?);
    }
    Ok(out)
}
