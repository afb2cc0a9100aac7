//! The one door for writes. Sync batches, single-record edits, reviews,
//! framework changes and the dataset loaders all open a [`WriteTx`], record
//! each change through it, and commit: the records, their changes-feed rows
//! and their audit events land in one transaction, or not at all.
//!
//! Ordering. Feed and audit rows are numbered at the end of the transaction,
//! under a lock held until commit (PostgreSQL: a transaction advisory lock;
//! SQLite: the IMMEDIATE write lock, held from BEGIN). Numbers are therefore
//! handed out in commit order: a feed reader that has seen number N can never
//! later find a number below N appear, and the audit chain stays one line
//! under concurrent writers.
//!
//! SQLite writers of this process also queue for their turn (`queue`) before
//! they ask SQLite for its lock.

pub mod change;
mod queue;
pub mod snapshot;
pub mod tombstone;

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};
use entity::{FeedOperation, audit_event, change_log};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, EntityTrait, QueryOrder, QuerySelect, SqliteTransactionMode,
    TransactionOptions, TransactionTrait,
};

pub use self::change::{Action, CellKey, Change, ChangedEntity, FeedEntry};
use super::audit;
use super::notify;
use super::read::reference;
use super::rollup::cells::{self, Touched};
use crate::auth::Principal;
use crate::error::AppResult;

/// The one advisory lock that orders feed and audit numbering on PostgreSQL.
const LOG_LOCK: i64 = 7_243_012;

pub struct WriteTx<'a> {
    pub txn: DatabaseTransaction,
    /// SQLite: this writer's turn, given up after `txn` ends (fields drop in order).
    _turn: Option<queue::Turn>,
    pub principal: &'a Principal,
    /// One timestamp for everything the request writes, to the microsecond
    /// so that it reads back the same from either backend.
    pub now: DateTime<Utc>,
    pending: Vec<Change>,
    /// Last feed number written per council by this transaction.
    feed_heads: HashMap<i32, i64>,
    /// What the write declared it would change, for the rollup cells.
    cells: cells::Pending,
    /// Whether it changed the reference tables (graphql::reference), and of which PostgreSQL database.
    reference_changed: bool,
    database: Option<String>,
}

impl<'a> WriteTx<'a> {
    pub async fn begin(db: &DatabaseConnection, principal: &'a Principal) -> AppResult<Self> {
        let turn = queue::wait_turn(db).await;
        // IMMEDIATE takes SQLite's write lock at BEGIN: a DEFERRED transaction
        // that reads first and writes later fails with "database is locked"
        // when another writer got in between. PostgreSQL ignores the option.
        let txn = db.begin_with_options(TransactionOptions { sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate), ..Default::default() }).await?;
        Ok(Self {
            txn,
            _turn: turn,
            principal,
            now: Utc::now().trunc_subsecs(6),
            pending: Vec::new(),
            feed_heads: HashMap::new(),
            cells: cells::Pending::default(),
            reference_changed: false,
            database: reference::database_of(db),
        })
    }

    pub fn at(&self) -> String {
        self.now.to_rfc3339_opts(SecondsFormat::Micros, true)
    }

    /// Declares, before the write, the rollup keys it is about to change
    /// (see service::rollup::cells): every record that exists must be
    /// declared before it changes, and every change recorded names its keys.
    pub async fn will_change(&mut self, keys: impl IntoIterator<Item = Touched>) -> AppResult<()> {
        self.cells.will_change(&self.txn, keys).await
    }

    pub fn record(&mut self, change: Change) {
        self.pending.push(change);
    }

    pub fn has_changes(&self) -> bool {
        !self.pending.is_empty() || !self.feed_heads.is_empty()
    }

    /// PostgreSQL: serialise with other writers' numbering until commit.
    /// Also used to serialise same-key idempotent requests.
    pub async fn lock(&self, key: i64) -> AppResult<()> {
        if self.txn.get_database_backend() == DbBackend::Postgres {
            self.txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({key})")).await?;
        }
        Ok(())
    }

    /// Writes the pending feed rows and audit events, and brings the rollup
    /// cells up to date with the pending changes.
    pub async fn flush(&mut self) -> AppResult<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let changed: BTreeSet<(Touched, bool)> = self.pending.iter().flat_map(|c| c.touched.iter().map(|k| (*k, c.action == Action::Create))).collect();
        std::mem::take(&mut self.cells).apply(&self.txn, changed).await?;
        if self.pending.iter().any(|c| c.entity.is_reference()) {
            // Every replica's copy of the reference tables is read again (read::reference).
            self.txn.execute_unprepared("UPDATE reference_version SET version = version + 1 WHERE id = 1").await?;
            if self.txn.get_database_backend() == DbBackend::Postgres {
                // Heard by every replica's listener when this commits (graphql::reference).
                self.txn.execute_unprepared(&format!("NOTIFY {}, '{}'", notify::REFERENCE, notify::replica())).await?;
            }
            self.reference_changed = true;
        }
        self.lock(LOG_LOCK).await?;
        let changes = std::mem::take(&mut self.pending);
        let at = self.at();

        // Every change is an audit event, numbered from the head in order;
        // a feed row names its change's event, which holds the record.
        let head = audit::head(&self.txn).await?;
        let last_feed = change_log::Entity::find().select_only().column(change_log::Column::Seq).order_by_desc(change_log::Column::Seq).limit(1);
        let mut seq: i64 = last_feed.into_tuple::<i64>().one(&self.txn).await?.unwrap_or(0);
        let mut feed_rows = Vec::new();
        for (event, c) in (head.seq + 1..).zip(&changes) {
            if let Some(f) = &c.feed {
                seq += 1;
                self.feed_heads.insert(f.council_id, seq);
                feed_rows.push(change_log::ActiveModel {
                    seq: sea_orm::Set(seq),
                    council_id: sea_orm::Set(f.council_id),
                    entity: sea_orm::Set(f.entity),
                    external_id: sea_orm::Set(f.external_id.clone()),
                    record_id: sea_orm::Set(f.record_id),
                    version: sea_orm::Set(f.version),
                    operation: sea_orm::Set(if c.action == Action::Delete { FeedOperation::Delete } else { FeedOperation::Upsert }),
                    data: sea_orm::Set(None),
                    at: sea_orm::Set(at.clone()),
                    audit_seq: sea_orm::Set(Some(event)),
                });
            }
        }
        insert_chunked(&self.txn, feed_rows).await?;

        let (mut seq, mut prev) = (head.seq, head.hash);
        let mut events = Vec::with_capacity(changes.len());
        for c in changes {
            seq += 1;
            let mut event = audit_event::Model {
                seq,
                at: at.clone(),
                actor: self.principal.subject.clone(),
                role: self.principal.role.as_str().to_owned(),
                council_id: c.council_id,
                action: c.action.as_str().to_owned(),
                entity: c.entity.as_str().to_owned(),
                record_id: c.record_id,
                before: c.before.map(|v| v.to_string()),
                after: c.after.map(|v| v.to_string()),
                prev_hash: prev.clone(),
                hash: String::new(),
            };
            event.hash = audit::hash(&event);
            prev = event.hash.clone();
            events.push(audit_event::ActiveModel::from(event));
        }
        let events: Vec<_> = events.into_iter().map(sea_orm::ActiveModelTrait::reset_all).collect();
        insert_chunked(&self.txn, events).await?;
        Ok(())
    }

    /// The feed position of a council after this transaction's writes.
    pub async fn feed_head(&self, council_id: i32) -> AppResult<i64> {
        if let Some(seq) = self.feed_heads.get(&council_id) {
            return Ok(*seq);
        }
        use sea_orm::{ColumnTrait, QueryFilter};
        Ok(change_log::Entity::find()
            .select_only()
            .column(change_log::Column::Seq)
            .filter(change_log::Column::CouncilId.eq(council_id))
            .order_by_desc(change_log::Column::Seq)
            .limit(1)
            .into_tuple::<i64>()
            .one(&self.txn)
            .await?
            .unwrap_or(0))
    }

    pub async fn commit(mut self) -> AppResult<()> {
        self.flush().await?;
        // Followers of these feeds, on every replica, look again once this commits.
        if !self.feed_heads.is_empty() {
            notify::notify_feed(&self.txn, self.feed_heads.keys().copied()).await?;
        }
        self.txn.commit().await?;
        notify::feed_grew(self.feed_heads.keys().copied());
        if let (true, Some(database)) = (self.reference_changed, &self.database) {
            reference::wrote(database);
        }
        Ok(())
    }
}

/// Rows per INSERT: under both backends' bound-parameter limits for our widest table.
pub const ROWS_PER_INSERT: usize = 500;

pub async fn insert_chunked<A: ActiveModelTrait>(db: &impl ConnectionTrait, rows: Vec<A>) -> AppResult<()> {
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<_> = rows.by_ref().take(ROWS_PER_INSERT).collect();
        A::Entity::insert_many(chunk).exec_without_returning(db).await?;
    }
    Ok(())
}
