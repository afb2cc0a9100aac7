//! Process metrics in the Prometheus text format: GraphQL requests and their
//! latency per operation and outcome, SQL statements, the database pool and
//! records synced.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sea_orm::{DatabaseConnection, DbBackend};

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 11] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

#[derive(Default)]
struct Histogram {
    /// Cumulative counts, one per bucket.
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum_seconds: f64,
}

#[derive(Default)]
pub struct Metrics {
    /// Label values allowed for `operation`: the schema's root fields, so
    /// that clients cannot grow the label set.
    operations: HashSet<String>,
    requests: Mutex<BTreeMap<(String, String), Histogram>>,
    /// created, updated, unchanged, deleted
    synced: [AtomicU64; 4],
}

impl Metrics {
    pub fn new(root_fields: impl IntoIterator<Item = String>) -> Self {
        Self { operations: root_fields.into_iter().collect(), ..Default::default() }
    }

    /// The `operation` label for a root field name: itself when the schema has it.
    pub fn operation_label(&self, root_field: Option<&str>) -> String {
        match root_field {
            Some(f) if self.operations.contains(f) => f.to_owned(),
            Some(_) => "unknown".into(),
            None => "none".into(),
        }
    }

    pub fn observe(&self, operation: String, outcome: &str, latency: Duration) {
        let mut requests = self.requests.lock().expect("metrics lock");
        let h = requests.entry((operation, outcome.to_owned())).or_default();
        let secs = latency.as_secs_f64();
        for (i, le) in BUCKETS.iter().enumerate() {
            if secs <= *le {
                h.buckets[i] += 1;
            }
        }
        h.count += 1;
        h.sum_seconds += secs;
    }

    pub fn synced(&self, created: u64, updated: u64, unchanged: u64, deleted: u64) {
        for (slot, n) in self.synced.iter().zip([created, updated, unchanged, deleted]) {
            slot.fetch_add(n, Ordering::Relaxed);
        }
    }

    pub fn render(&self, db: &DatabaseConnection, statements: u64, replica_statements: Option<u64>) -> String {
        let mut out = String::new();
        let requests = self.requests.lock().expect("metrics lock");
        out.push_str("# HELP svh_graphql_requests_total GraphQL operations by root field and outcome (ok or the error code).\n");
        out.push_str("# TYPE svh_graphql_requests_total counter\n");
        for ((op, outcome), h) in requests.iter() {
            let _ = writeln!(out, "svh_graphql_requests_total{{operation=\"{op}\",outcome=\"{outcome}\"}} {}", h.count);
        }
        out.push_str("# HELP svh_graphql_request_duration_seconds Time to answer a GraphQL request.\n");
        out.push_str("# TYPE svh_graphql_request_duration_seconds histogram\n");
        for ((op, outcome), h) in requests.iter() {
            let labels = format!("operation=\"{op}\",outcome=\"{outcome}\"");
            for (le, n) in BUCKETS.iter().zip(h.buckets) {
                let _ = writeln!(out, "svh_graphql_request_duration_seconds_bucket{{{labels},le=\"{le}\"}} {n}");
            }
            let _ = writeln!(out, "svh_graphql_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}", h.count);
            let _ = writeln!(out, "svh_graphql_request_duration_seconds_sum{{{labels}}} {}", h.sum_seconds);
            let _ = writeln!(out, "svh_graphql_request_duration_seconds_count{{{labels}}} {}", h.count);
        }
        drop(requests);

        out.push_str("# HELP svh_db_statements_total SQL statements executed.\n# TYPE svh_db_statements_total counter\n");
        let _ = writeln!(out, "svh_db_statements_total {statements}");
        if let Some(n) = replica_statements {
            out.push_str(
                "# HELP svh_db_replica_statements_total SQL statements executed on the read replica.\n# TYPE svh_db_replica_statements_total counter\n",
            );
            let _ = writeln!(out, "svh_db_replica_statements_total {n}");
        }
        let (size, idle, max) = match db.get_database_backend() {
            DbBackend::Postgres => {
                let p = db.get_postgres_connection_pool();
                (p.size(), p.num_idle(), p.options().get_max_connections())
            }
            _ => {
                let p = db.get_sqlite_connection_pool();
                (p.size(), p.num_idle(), p.options().get_max_connections())
            }
        };
        out.push_str("# HELP svh_db_pool_connections Open database connections by state.\n# TYPE svh_db_pool_connections gauge\n");
        let _ = writeln!(out, "svh_db_pool_connections{{state=\"idle\"}} {idle}");
        let _ = writeln!(out, "svh_db_pool_connections{{state=\"in_use\"}} {}", (size as usize).saturating_sub(idle));
        out.push_str("# HELP svh_db_pool_max_connections The pool's limit.\n# TYPE svh_db_pool_max_connections gauge\n");
        let _ = writeln!(out, "svh_db_pool_max_connections {max}");

        out.push_str("# HELP svh_sync_records_total Records in applied syncCouncilData batches, by result.\n# TYPE svh_sync_records_total counter\n");
        for (result, n) in ["created", "updated", "unchanged", "deleted"].iter().zip(&self.synced) {
            let _ = writeln!(out, "svh_sync_records_total{{result=\"{result}\"}} {}", n.load(Ordering::Relaxed));
        }
        out
    }
}
