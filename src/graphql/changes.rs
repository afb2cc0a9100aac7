//! `changes`: the feed a council's systems mirror from.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_graphql::{Context, Json, Object, SimpleObject, Subscription};
use entity::{FeedOperation, change_log};
use futures::{Stream, StreamExt};

use super::context::{limits, primary, principal, read_scope};
use super::error::GqlResult;
use super::ids;
use super::scalars::{DateTime, stored_json};
use super::sync::RecordEntity;
use crate::error::AppError;
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

#[derive(Default)]
pub struct ChangesSubscription;

#[Subscription(name = "Subscription")]
impl ChangesSubscription {
    /// The changes feed of a council from `after`, then each change as it
    /// commits: the same changes, order, cursors and visibility as the
    /// `changes` query. Over WebSocket at /graphql/ws (graphql-transport-ws).
    async fn changes(
        &self,
        ctx: &Context<'_>,
        council_code: String,
        after: Option<String>,
    ) -> async_graphql::Result<impl Stream<Item = GqlResult<Change>> + use<>> {
        let after = after.as_deref().map(ids::parse_cursor).transpose()?.unwrap_or(0);
        let live = ctx.data::<LiveSubscriptions>().map_err(|_| AppError::BadUserInput("subscriptions are served over WebSocket at /graphql/ws".into()))?;
        let held = live.take(&principal(ctx).subject)?;
        let changes = svc::follow(primary(ctx).clone(), read_scope(ctx), &council_code, after, limits(ctx).max_page_size).await?;
        // The subscription counts against its subject until the stream is dropped.
        Ok(changes.map(move |c| {
            let _held = &held;
            c.map(Change).map_err(Into::into)
        }))
    }
}

/// The live subscriptions of this process, by token subject, each subject
/// allowed at most `max` at once (SVH_MAX_SUBSCRIPTIONS_PER_TOKEN).
#[derive(Clone)]
pub struct LiveSubscriptions {
    max: usize,
    by_subject: Arc<Mutex<HashMap<String, usize>>>,
}

impl LiveSubscriptions {
    pub fn new(max: usize) -> Self {
        Self { max, by_subject: Arc::default() }
    }

    fn take(&self, subject: &str) -> Result<Held, AppError> {
        let mut counts = self.by_subject.lock().unwrap_or_else(|e| e.into_inner());
        let n = counts.entry(subject.to_owned()).or_default();
        if *n >= self.max {
            return Err(AppError::RateLimited(format!(
                "at most {} live subscriptions per token (SVH_MAX_SUBSCRIPTIONS_PER_TOKEN); complete one before starting another",
                self.max
            )));
        }
        *n += 1;
        Ok(Held { live: self.clone(), subject: subject.to_owned() })
    }
}

/// One subscription's place in [`LiveSubscriptions`], given back when dropped.
struct Held {
    live: LiveSubscriptions,
    subject: String,
}

impl Drop for Held {
    fn drop(&mut self) {
        let mut counts = self.live.by_subject.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = counts.get_mut(&self.subject) {
            *n -= 1;
            if *n == 0 {
                counts.remove(&self.subject);
            }
        }
    }
}
