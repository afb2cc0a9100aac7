//! SQLite's writers take turns in the order they came.
//!
//! SQLite admits one writer at a time. A writer that finds the lock taken
//! sleeps and tries again (the busy timeout), so a writer that has just
//! committed and begins again at once keeps winning: with several councils
//! syncing at once, one of them could poll past its 30 s busy timeout and
//! fail with "database is locked" while the others went on. So this
//! process's writers of one SQLite file first wait here, in a fair (FIFO)
//! queue, and ask SQLite for its lock only when their turn comes. PostgreSQL
//! queues its own lock waiters fairly and needs none of this.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, LazyLock, Mutex};

use sea_orm::{DatabaseConnection, DbBackend};
use tokio::sync::{Mutex as FairMutex, OwnedMutexGuard};

/// Held for the length of one write transaction.
pub type Turn = OwnedMutexGuard<()>;

/// One queue per SQLite file this process writes.
static QUEUES: LazyLock<Mutex<HashMap<PathBuf, Arc<FairMutex<()>>>>> = LazyLock::new(Default::default);

/// Waits for this writer's turn at `db`'s file; `None` on PostgreSQL.
pub async fn wait_turn(db: &DatabaseConnection) -> Option<Turn> {
    if db.get_database_backend() != DbBackend::Sqlite {
        return None;
    }
    let file = db.get_sqlite_connection_pool().connect_options().get_filename().to_path_buf();
    let queue = QUEUES.lock().expect("no writer panics while holding the map").entry(file).or_default().clone();
    Some(queue.lock_owned().await)
}
