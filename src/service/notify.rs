//! What one replica hears of the others' commits on PostgreSQL, and what a
//! commit tells this process's own waiters.
//!
//! Two channels, both sent from inside the writing transaction (service::write), so that
//! PostgreSQL delivers them at commit and never for a rollback:
//! - [`REFERENCE`]: the reference tables changed (graphql::reference);
//! - [`FEED`]: a council's changes feed grew; the payload lists the council ids.
//!
//! One connection per process listens to both ([`listen`]). A commit also
//! wakes this process's own followers of the feed directly (`feed_grew`),
//! and a follower that hears nothing still looks again now and then, so a
//! lost notification delays a change, never loses it.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use sea_orm::sqlx::postgres::PgListener;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend};
use tokio::sync::watch;

pub const REFERENCE: &str = "svh_reference";
pub const FEED: &str = "svh_changes";

/// This process, as it names itself in its notifications.
pub fn replica() -> &'static str {
    static REPLICA: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| format!("{:016x}", rand::random::<u64>()));
    &REPLICA
}

/// What the listener hears.
pub enum Heard<'a> {
    /// It listens now: every later notification will be heard, and any sent before was missed.
    Listening,
    /// A notification on `channel`.
    Notified { channel: &'a str, payload: &'a str },
    /// Its connection was lost, and with it what was sent until it listens again.
    Lost,
}

/// PostgreSQL: listens on both channels for as long as the process runs, on
/// a connection of its own from the pool, connecting again a second after a
/// lost connection, and tells `on` (and the feed's followers) what it hears.
/// Returns once it listens, or first failed to; on SQLite at once.
pub async fn listen(db: &DatabaseConnection, on: impl Fn(&Heard) + Send + Sync + 'static) {
    if db.get_database_backend() != DbBackend::Postgres {
        return;
    }
    let heard = move |h: &Heard| {
        on(h);
        match h {
            // A follower may have missed a change while nobody listened.
            Heard::Listening => wake_all(),
            Heard::Notified { channel, payload } if *channel == FEED => payload.split(',').filter_map(|id| id.parse().ok()).for_each(wake),
            _ => {}
        }
    };
    let pool = db.get_postgres_connection_pool().clone();
    let mut listener = subscribe(&pool, &heard).await;
    tokio::spawn(async move {
        loop {
            let Some(mut l) = listener.take() else {
                tokio::time::sleep(Duration::from_secs(1)).await;
                listener = subscribe(&pool, &heard).await;
                continue;
            };
            // Ok(None): the connection was lost.
            while let Ok(Some(n)) = l.try_recv().await {
                heard(&Heard::Notified { channel: n.channel(), payload: n.payload() });
            }
            heard(&Heard::Lost);
        }
    });
}

async fn subscribe(pool: &sea_orm::sqlx::PgPool, on: &impl Fn(&Heard)) -> Option<PgListener> {
    let connected = async {
        let mut l = PgListener::connect_with(pool).await?;
        l.listen_all([REFERENCE, FEED]).await?;
        Ok::<_, sea_orm::sqlx::Error>(l)
    };
    match connected.await {
        Ok(l) => {
            on(&Heard::Listening);
            Some(l)
        }
        Err(e) => {
            tracing::warn!(error = %e, "cannot listen for other replicas' commits; reference tables are checked per request and subscriptions poll");
            None
        }
    }
}

/// Inside a writing transaction on PostgreSQL: tells every replica, at
/// commit, that these councils' feeds grew.
pub async fn notify_feed(txn: &impl ConnectionTrait, councils: impl Iterator<Item = i32>) -> Result<(), sea_orm::DbErr> {
    if txn.get_database_backend() == DbBackend::Postgres {
        let ids: Vec<String> = councils.map(|c| c.to_string()).collect();
        txn.execute_unprepared(&format!("NOTIFY {FEED}, '{}'", ids.join(","))).await?;
    }
    Ok(())
}

/// One watch per council, raised whenever its feed may have grown. A
/// process may serve several databases (the tests do): a council id of one
/// wakes the same id's followers of the others, who look and find nothing.
static FEEDS: Mutex<Option<HashMap<i32, watch::Sender<u64>>>> = Mutex::new(None);

fn with_feeds<T>(f: impl FnOnce(&mut HashMap<i32, watch::Sender<u64>>) -> T) -> T {
    f(FEEDS.lock().unwrap_or_else(|e| e.into_inner()).get_or_insert_with(HashMap::new))
}

/// What a follower of `council`'s feed waits on: changed whenever it may have grown.
pub fn watch_feed(council: i32) -> watch::Receiver<u64> {
    with_feeds(|feeds| feeds.entry(council).or_insert_with(|| watch::channel(0).0).subscribe())
}

fn wake(council: i32) {
    with_feeds(|feeds| {
        if let Some(tx) = feeds.get(&council) {
            tx.send_modify(|n| *n += 1);
        }
    });
}

fn wake_all() {
    with_feeds(|feeds| feeds.values().for_each(|tx| tx.send_modify(|n| *n += 1)));
}

/// These councils' feeds grew by a commit of this process (service::write).
pub(crate) fn feed_grew(councils: impl Iterator<Item = i32>) {
    councils.for_each(wake);
}
