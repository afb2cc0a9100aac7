//! `changes`: the feed a council's systems mirror from.

use async_graphql::{Context, Json, Object, SimpleObject};
use entity::{FeedOperation, change_log};

use super::context::{limits, primary, read_scope};
use super::error::GqlResult;
use super::ids;
use super::scalars::{DateTime, stored_json};
use super::sync::RecordEntity;
use crate::service::read::changes as svc;

#[derive(async_graphql::Enum, Copy, Clone, Eq, PartialEq)]
pub enum ChangeOperation {
    Upsert,
    Delete,
}

#[derive(SimpleObject)]
pub struct ChangeFeed {
    changes: Vec<Change>,
    /// Resume from here; equal to `after` when there was nothing new.
    end_cursor: Option<String>,
    has_more: bool,
}

pub struct Change(change_log::Model);

#[Object]
impl Change {
    async fn cursor(&self) -> String {
        ids::cursor(self.0.seq)
    }
    async fn entity(&self) -> RecordEntity {
        self.0.entity.into()
    }
    async fn external_id(&self) -> &str {
        &self.0.external_id
    }
    async fn operation(&self) -> ChangeOperation {
        match self.0.operation {
            FeedOperation::Delete => ChangeOperation::Delete,
            FeedOperation::Upsert => ChangeOperation::Upsert,
        }
    }
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn at(&self) -> GqlResult<DateTime> {
        DateTime::from_stored(&self.0.at)
    }
    /// The record as after the change, camelCase as in the sync inputs; null for DELETE.
    async fn data(&self) -> GqlResult<Option<Json<serde_json::Value>>> {
        stored_json(&self.0.data)
    }
}

#[derive(Default)]
pub struct ChangesQuery;

#[Object]
impl ChangesQuery {
    /// Every change to a council's contracts, commitments and evidence in commit order.
    async fn changes(&self, ctx: &Context<'_>, council_code: String, after: Option<String>, first: Option<i32>) -> GqlResult<ChangeFeed> {
        let after = after.as_deref().map(ids::parse_cursor).transpose()?.unwrap_or(0);
        let page = svc::changes(primary(ctx), read_scope(ctx), &council_code, after, first.map(i64::from), limits(ctx).max_page_size).await?;
        Ok(ChangeFeed { end_cursor: Some(ids::cursor(page.end)), has_more: page.has_more, changes: page.changes.into_iter().map(Change).collect() })
    }
}
