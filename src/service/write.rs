//! The one door for writes. Sync batches, framework changes and the demo and
//! dataset loaders all open a [`WriteTx`], do their work through it, and
//! commit: one transaction per request, so nothing is ever half-written.

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, DatabaseTransaction, SqliteTransactionMode, TransactionOptions, TransactionTrait};

use crate::auth::Principal;
use crate::error::AppResult;

pub struct WriteTx<'a> {
    pub txn: DatabaseTransaction,
    pub actor: &'a Principal,
    /// One timestamp for everything the request writes.
    pub now: DateTime<Utc>,
}

impl<'a> WriteTx<'a> {
    pub async fn begin(db: &DatabaseConnection, actor: &'a Principal) -> AppResult<Self> {
        // IMMEDIATE takes SQLite's write lock at BEGIN: a DEFERRED transaction
        // that reads first and writes later fails with "database is locked"
        // when another writer got in between. PostgreSQL ignores the option.
        let txn = db
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..Default::default()
            })
            .await?;
        Ok(Self { txn, actor, now: Utc::now() })
    }

    pub async fn commit(self) -> AppResult<()> {
        self.txn.commit().await?;
        Ok(())
    }
}
