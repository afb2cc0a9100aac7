//! Connecting, migrating, and counting statements.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr};

/// SQL statements executed on a connection pool, for /metrics and for the
/// tests that prove list queries do not grow with page size.
#[derive(Debug, Default)]
pub struct StatementCounter(AtomicU64);

impl StatementCounter {
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// A pool of `pool_size` connections. On PostgreSQL, `statement_timeout`
/// cancels a statement that runs longer (a request past its time would
/// otherwise leave its statement running after the client has gone); SQLite
/// has no such setting, and there the request timeout alone applies.
pub async fn connect(url: &str, pool_size: u32, statement_timeout: Option<Duration>) -> Result<(DatabaseConnection, Arc<StatementCounter>), DbErr> {
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.max_connections(pool_size.max(2)).min_connections(1).acquire_timeout(Duration::from_secs(10)).sqlx_logging(false);
    // SQLite: WAL lets readers run beside the one writer; busy_timeout makes a
    // second writer wait for the lock instead of failing; foreign keys are off
    // by default in SQLite and we rely on them. Rows come from the
    // connection's thread through a channel: with room for a whole rollup
    // (not sqlx's 50) that thread does not stop and wait for the reader at
    // every fiftieth row (README, Benchmarks).
    opts.map_sqlx_sqlite_opts(|o| {
        o.journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(30))
            .foreign_keys(true)
            .row_buffer_size(4096)
    });
    // PostgreSQL keeps each connection's prepared statements and, after five
    // runs, their generic plan. A plan cached while a table was small stays
    // good because PostgreSQL plans again once the table's statistics change:
    // `import` analyzes at its end (`analyze`), and autovacuum does after
    // any other bulk write.
    //
    // No parallel workers: every read is an index walk or a few thousand
    // cells, where starting workers costs more than it saves (the top
    // suppliers' statement on the large region: 29.5 ms with two, 19.6 ms
    // without, EXPLAIN ANALYZE), and a service's cores already serve
    // requests side by side.
    let timeout_ms = statement_timeout.map_or(0, |t| t.as_millis()).to_string();
    opts.map_sqlx_postgres_opts(move |o| o.options([("statement_timeout", timeout_ms.as_str()), ("max_parallel_workers_per_gather", "0")]));
    let mut db = Database::connect(opts).await?;
    let counter = Arc::new(StatementCounter::default());
    let c = counter.clone();
    let system = if db.get_database_backend() == sea_orm::DbBackend::Postgres { "postgresql" } else { "sqlite" };
    db.set_metric_callback(move |info| {
        c.0.fetch_add(1, Ordering::Relaxed);
        // Inside sea-orm's span of the statement, which only the trace exporter enables (telemetry).
        if crate::telemetry::exporting() {
            use tracing_opentelemetry::OpenTelemetrySpanExt as _;
            let span = tracing::Span::current();
            span.set_attribute("db.system.name", system);
            span.set_attribute("db.query.text", info.statement.sql.clone());
        }
    });
    Ok((db, counter))
}

/// Applies pending migrations, then fills the rollup cells if a database
/// with records has none. On PostgreSQL several replicas may start at
/// once: they take turns through a session advisory lock, on a connection of
/// its own so that the lock and the unlock happen on the same session.
pub async fn migrate(url: &str) -> Result<(), DbErr> {
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.max_connections(1).min_connections(1).sqlx_logging(false);
    opts.map_sqlx_sqlite_opts(|o| o.journal_mode(SqliteJournalMode::Wal).busy_timeout(Duration::from_secs(30)).foreign_keys(true));
    let db = Database::connect(opts).await?;
    let postgres = db.get_database_backend() == DbBackend::Postgres;
    if postgres {
        db.execute_unprepared("SELECT pg_advisory_lock(7243011)").await?;
    }
    let mut result = Migrator::up(&db, None).await;
    if result.is_ok() {
        // A database that predates the rollup cells gets them now, before any
        // write has to keep them up to date.
        result = match super::rollup::cells::ensure_built(&db).await {
            // The planner needs statistics of the new cells to pick their indexes.
            Ok(true) => analyze(&db).await,
            Ok(false) => Ok(()),
            Err(e) => Err(DbErr::Custom(format!("building rollup cells: {e:?}"))),
        };
    }
    if postgres {
        db.execute_unprepared("SELECT pg_advisory_unlock(7243011)").await?;
    }
    db.close().await?;
    result
}

/// Refreshes the planner's statistics after a bulk load. On PostgreSQL it
/// also vacuums: a load rewrites each council's rollup cells many times, and
/// reads scan the dead rows until autovacuum gets round to them.
///
/// On SQLite it forgets what it learnt of empty tables, and of every table
/// while there are no records. SQLite keeps statistics until the next
/// ANALYZE, and an `import` of the reference data alone would otherwise
/// leave "0 rows" for the record tables and the cells' partial indexes, or
/// the true few rows of the reference tables beside no figures for the
/// record tables: either way the records synced after it are planned from
/// the small tables outwards, through every commitment of a measure, and the
/// medium region's sync over HTTP took minutes instead of 20 s. Without
/// statistics SQLite plans from its defaults, which take every table to be
/// large and an index to be selective; autovacuum does this job on PostgreSQL.
pub async fn analyze(db: &DatabaseConnection) -> Result<(), DbErr> {
    if db.get_database_backend() == DbBackend::Postgres {
        db.execute_unprepared("VACUUM ANALYZE").await?;
    } else {
        db.execute_unprepared(
            "ANALYZE; DELETE FROM sqlite_stat1 WHERE stat = '0' OR stat LIKE '0 %' OR NOT EXISTS (SELECT 1 FROM commitment); ANALYZE sqlite_schema",
        )
        .await?;
    }
    Ok(())
}

/// PostgreSQL, in the middle of a bulk load: statistics of the record
/// tables as they are now. A sync looks up a batch's existing records by
/// `(council_id, external_id)`; with statistics from when a council had a
/// few hundred records, the planner reads every record of the council and
/// filters the batch's keys from them (5,000 keys against 190,000 evidence
/// records: 20 to 28 s a batch on the large region), where with fresh ones
/// it probes the index for each key. Autovacuum analyzes too, but not soon
/// enough while one load rewrites the cells. SQLite plans these lookups by
/// index without statistics (see `analyze`), so there it does nothing.
pub async fn analyze_records(db: &DatabaseConnection) -> Result<(), DbErr> {
    if db.get_database_backend() == DbBackend::Postgres {
        db.execute_unprepared("ANALYZE contract, commitment, evidence").await?;
    }
    Ok(())
}

pub async fn ping(db: &DatabaseConnection) -> Result<(), DbErr> {
    db.ping().await
}
