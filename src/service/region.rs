//! The region as a whole, asked about before any request (and so before any
//! read scope) exists: at start-up.

use entity::council;
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait};

use crate::error::AppResult;

/// Whether the database holds no council yet: a fresh one, which `serve`
/// fills with the demo region when the demo is on.
#[tracing::instrument(skip_all)]
pub async fn is_empty(db: &impl ConnectionTrait) -> AppResult<bool> {
    Ok(council::Entity::find().count(db).await? == 0)
}
