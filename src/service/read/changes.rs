//! The changes feed: every change to a council's records in commit order,
//! tombstones included, for mirrors that must miss nothing and repeat nothing:
//! paged ([`changes`]) or followed as it grows ([`follow`]).

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use entity::{audit_event, change_log, council};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use tokio::sync::watch;

use super::page::checked_first;
use crate::error::{AppResult, bad_input};
use crate::service::notify;
use crate::service::scope::ReadScope;

pub const DEFAULT_CHANGES: i64 = 100;

pub struct ChangePage {
    pub changes: Vec<change_log::Model>,
    /// The position after the last change; `after` itself when there are none.
    pub end: i64,
    pub has_more: bool,
}

/// Changes of one council after position `after`: that council's roles,
/// auditor and regional_admin may read them.
#[tracing::instrument(skip_all, fields(council = council_code, after))]
pub async fn changes(db: &impl ConnectionTrait, scope: &ReadScope, council_code: &str, after: i64, first: Option<i64>, max: i64) -> AppResult<ChangePage> {
    let council = readable_council(db, scope, council_code).await?;
    page(db, council, after, checked_first(first, DEFAULT_CHANGES, max)?).await
}

/// The id of a council whose feed the caller may read.
async fn readable_council(db: &impl ConnectionTrait, scope: &ReadScope, council_code: &str) -> AppResult<i32> {
    scope.ensure_can_read_council(council_code)?;
    let council = council::Entity::find()
        .filter(council::Column::Code.eq(council_code))
        .one(db)
        .await?
        .ok_or_else(|| bad_input(format!("unknown council {council_code}")))?;
    Ok(council.id)
}

async fn page(db: &impl ConnectionTrait, council: i32, after: i64, first: i64) -> AppResult<ChangePage> {
    let mut rows = change_log::Entity::find()
        .filter(change_log::Column::CouncilId.eq(council))
        .filter(change_log::Column::Seq.gt(after))
        .order_by_asc(change_log::Column::Seq)
        .limit(first as u64 + 1)
        .all(db)
        .await?;
    let has_more = rows.len() as i64 > first;
    rows.truncate(first as usize);
    // The record of each change is its audit event's `after`.
    let events: Vec<i64> = rows.iter().filter_map(|r| r.audit_seq).collect();
    if !events.is_empty() {
        let after: HashMap<i64, Option<String>> = audit_event::Entity::find()
            .select_only()
            .column(audit_event::Column::Seq)
            .column(audit_event::Column::After)
            .filter(audit_event::Column::Seq.is_in(events))
            .into_tuple::<(i64, Option<String>)>()
            .all(db)
            .await?
            .into_iter()
            .collect();
        for r in &mut rows {
            if let Some(seq) = r.audit_seq {
                r.data = after.get(&seq).cloned().flatten();
            }
        }
    }
    let end = rows.last().map_or(after, |r| r.seq);
    Ok(ChangePage { changes: rows, end, has_more })
}

/// How long a follower waits for word of a commit before it looks anyway:
/// on SQLite another process's commits are never heard; on PostgreSQL
/// this only bounds the delay of a notification lost with the listener's connection.
fn quiet_look(db: &DatabaseConnection) -> Duration {
    match db.get_database_backend() {
        DbBackend::Postgres => Duration::from_secs(5),
        _ => Duration::from_millis(500),
    }
}

/// The feed of one council from `after`, then each change as it commits,
/// for as long as the stream is kept: the same changes, in the same order,
/// as [`changes`] pages through. Checks the caller before the first change;
/// ends after the first error (a follower resumes from its last cursor).
pub async fn follow(
    db: DatabaseConnection,
    scope: &ReadScope,
    council_code: &str,
    after: i64,
    page_size: i64,
) -> AppResult<impl futures::Stream<Item = AppResult<change_log::Model>> + use<>> {
    let council = readable_council(&db, scope, council_code).await?;
    struct Follower {
        db: DatabaseConnection,
        council: i32,
        after: i64,
        ready: VecDeque<change_log::Model>,
        grew: watch::Receiver<u64>,
        failed: bool,
    }
    let start = Follower { grew: notify::watch_feed(council), db, council, after, ready: VecDeque::new(), failed: false };
    Ok(futures::stream::unfold(start, move |mut f| async move {
        loop {
            if f.failed {
                return None;
            }
            if let Some(change) = f.ready.pop_front() {
                return Some((Ok(change), f));
            }
            // Marked seen before looking: a commit after this point changes it again.
            f.grew.borrow_and_update();
            match page(&f.db, f.council, f.after, page_size).await {
                Ok(p) if !p.changes.is_empty() => {
                    f.after = p.end;
                    f.ready.extend(p.changes);
                }
                Ok(_) => {
                    let _ = tokio::time::timeout(quiet_look(&f.db), f.grew.changed()).await;
                }
                Err(e) => {
                    f.failed = true;
                    return Some((Err(e), f));
                }
            }
        }
    }))
}
