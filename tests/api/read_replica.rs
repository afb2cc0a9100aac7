//! SVH_DATABASE_READ_URL against a real streaming replica: a private
//! PostgreSQL cluster and a `pg_basebackup` of it, started here. The queries
//! of roles that only read run on the replica (its own statement counts say
//! so, and while its replay is paused it does not yet show a new write),
//! while a council's sync, its own read and the changes feed stay on the
//! primary and see the write at once.

use std::path::{Path, PathBuf};
use std::process::Command;

use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::{Value, json};

use crate::helpers::*;

/// A PostgreSQL server of this test's own, in `dir`, stopped when dropped.
struct Server {
    data: PathBuf,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = as_postgres("pg_ctl", &["-D", path(&self.data), "-m", "immediate", "stop"]);
    }
}

impl Server {
    fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// Sets `lines` in the server's postgresql.conf, then starts it.
    fn start(data: PathBuf, lines: &[String]) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let conf = data.join("postgresql.conf");
        let mut text = std::fs::read_to_string(&conf).unwrap();
        for line in lines.iter().cloned().chain([format!("port = {port}")]) {
            text.push_str(&line);
            text.push('\n');
        }
        std::fs::write(&conf, text).unwrap();
        let log = data.with_extension("log");
        as_postgres("pg_ctl", &["-D", path(&data), "-l", path(&log), "-w", "start"])
            .unwrap_or_else(|e| panic!("{e}\n{}", std::fs::read_to_string(&log).unwrap_or_default()));
        Server { data, port }
    }
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Runs a PostgreSQL program from `pg_config --bindir`, as the postgres user
/// when the tests run as root (PostgreSQL refuses to run as root).
fn as_postgres(program: &str, args: &[&str]) -> Result<(), String> {
    let bindir = Command::new("pg_config").arg("--bindir").output().expect("pg_config (the PostgreSQL server's programs) on PATH");
    let program = Path::new(String::from_utf8(bindir.stdout).unwrap().trim()).join(program);
    let root = Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    let mut cmd = if root { Command::new("runuser") } else { Command::new(&program) };
    if root {
        cmd.args(["-u", "postgres", "--"]).arg(&program);
    }
    let out = cmd.args(args).output().map_err(|e| format!("{}: {e}", program.display()))?;
    match out.status.success() {
        true => Ok(()),
        false => Err(format!("{} {args:?}: {}{}", program.display(), String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))),
    }
}

async fn scalar(db: &DatabaseConnection, sql: &str) -> i64 {
    let row = db.query_one_raw(Statement::from_string(db.get_database_backend(), sql)).await.unwrap().unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

/// Statements that finished on `server` in database `name`, as its own
/// pg_stat_statements counts them.
async fn statements(server: &DatabaseConnection, name: &str) -> i64 {
    scalar(server, &format!("SELECT coalesce(sum(calls), 0)::bigint FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = '{name}'"))
        .await
}

/// Waits until the replica has replayed everything the primary has written so far.
async fn caught_up(primary: &DatabaseConnection, replica: &DatabaseConnection) {
    let lsn = scalar(primary, "SELECT (pg_current_wal_lsn() - '0/0')::bigint").await;
    for _ in 0..200 {
        if scalar(replica, "SELECT (pg_last_wal_replay_lsn() - '0/0')::bigint").await >= lsn {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("the replica never replayed the primary's WAL up to {lsn}");
}

fn batch(contract: &str) -> Value {
    let mut b = small_batch("LIV");
    b["contracts"][0]["externalId"] = json!(contract);
    b["commitments"] = json!([{ "externalId": format!("{contract}/1"), "contractExternalId": contract, "measureCode": "JOBS-01", "financialYear": 2024, "targetQuantity": "1" }]);
    b["evidence"] = json!([]);
    b
}

const SYNC: &str = "mutation($i: SyncInput!) { syncCouncilData(input: $i) { applied } }";
const COMMITMENTS: &str = "{ rollup { totals { commitmentCount } } }";
const CONTRACTS: &str = "{ contracts(first: 50) { totalCount nodes { externalId } } }";

#[tokio::test]
async fn roles_that_only_read_query_the_replica_and_writers_read_their_writes() {
    if std::env::var("SVH_TEST_POSTGRES_URL").is_err() {
        eprintln!("SVH_TEST_POSTGRES_URL is not set: the read replica test needs PostgreSQL");
        return;
    }
    // A private primary, and a replica streaming from it.
    let dir = std::env::temp_dir().join(format!("svh_replica_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    // The postgres user creates the clusters' directories in it.
    std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o777)).unwrap();
    let socket = format!("unix_socket_directories = '{}'", path(&dir));
    as_postgres("initdb", &["-D", path(&dir.join("primary")), "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"]).unwrap();
    let settings = [socket.clone(), "listen_addresses = '127.0.0.1'".into(), "shared_preload_libraries = 'pg_stat_statements'".into(), "fsync = off".into()];
    let primary = Server::start(dir.join("primary"), &settings);
    as_postgres(
        "pg_basebackup",
        &["-h", "127.0.0.1", "-p", &primary.port.to_string(), "-U", "postgres", "-D", path(&dir.join("replica")), "-R", "-X", "stream", "--no-sync"],
    )
    .unwrap();
    let replica = Server::start(dir.join("replica"), &[]);
    let (p_admin, r_admin) = (Database::connect(primary.url("postgres")).await.unwrap(), Database::connect(replica.url("postgres")).await.unwrap());
    p_admin.execute_unprepared("CREATE EXTENSION pg_stat_statements").await.unwrap();
    assert_eq!(scalar(&r_admin, "SELECT pg_is_in_recovery()::int::bigint").await, 1, "the replica is a standby");

    // The service: writes to the primary, SVH_DATABASE_READ_URL the replica.
    let replica_port = replica.port;
    let app = TestApp::spawn_prepared_with(
        Backend::Postgres(primary.url("postgres")),
        |_| async { caught_up(&p_admin, &r_admin).await },
        |c| c.database_read_url = Some(c.database_url.as_deref().unwrap().replace(&format!(":{}/", primary.port), &format!(":{replica_port}/"))),
    )
    .await;
    let name = app.database_url.rsplit('/').next().unwrap().to_owned();
    seed_framework(&app).await;
    let (sync, dashboard, auditor) = (token("council_sync", &["LIV"]), token("dashboard", &[]), token("auditor", &[]));
    assert_eq!(app.ok(&sync, SYNC, json!({"i": batch("K1")})).await["syncCouncilData"]["applied"], true);
    caught_up(&p_admin, &r_admin).await;

    // Each reader's requests run on the replica and not one statement on the primary.
    for (role, tok, query) in [("dashboard", &dashboard, COMMITMENTS), ("auditor", &auditor, CONTRACTS)] {
        app.ok(tok, query, json!({})).await; // the reference cache fills once, from the primary
        let (p0, r0) = (statements(&p_admin, &name).await, statements(&r_admin, &name).await);
        for _ in 0..5 {
            app.ok(tok, query, json!({})).await;
        }
        let (p1, r1) = (statements(&p_admin, &name).await, statements(&r_admin, &name).await);
        assert_eq!(p1 - p0, 0, "{role}: no statement on the primary");
        assert!(r1 - r0 >= 5, "{role}: its queries ran on the replica ({} statements)", r1 - r0);
    }

    // With the replica's replay paused, a write is not on the replica yet...
    r_admin.execute_unprepared("SELECT pg_wal_replay_pause()").await.unwrap();
    assert_eq!(app.ok(&sync, SYNC, json!({"i": batch("K2")})).await["syncCouncilData"]["applied"], true);
    // ...yet the council that wrote it reads it straight away (the primary),
    let own = app.ok(&sync, CONTRACTS, json!({})).await;
    assert_eq!(own["contracts"]["totalCount"], 2, "{own}");
    // and so does the changes feed, even for an auditor,
    let (changes, _) = drain_feed(&app, &auditor, "LIV", Value::Null).await;
    assert!(changes.iter().any(|c| c["externalId"] == "K2"), "the feed reads the primary");
    // while the dashboard sees the region as the replica has it: one write behind.
    let d = app.ok(&dashboard, COMMITMENTS, json!({})).await;
    assert_eq!(d["rollup"]["totals"]["commitmentCount"], 1, "the dashboard reads the replica: {d}");
    let a = app.ok(&auditor, CONTRACTS, json!({})).await;
    assert_eq!(a["contracts"]["totalCount"], 1, "the auditor reads the replica: {a}");

    // Once the replica replays, the readers see the write.
    r_admin.execute_unprepared("SELECT pg_wal_replay_resume()").await.unwrap();
    caught_up(&p_admin, &r_admin).await;
    let d = app.ok(&dashboard, COMMITMENTS, json!({})).await;
    assert_eq!(d["rollup"]["totals"]["commitmentCount"], 2, "{d}");

    // /metrics counts the replica's statements apart.
    let metrics = reqwest::get(app.url("/metrics")).await.unwrap().text().await.unwrap();
    assert!(metrics.lines().any(|l| l.starts_with("svh_db_replica_statements_total ") && !l.ends_with(" 0")), "{metrics}");

    drop(app);
    drop((p_admin, r_admin));
    drop(replica);
    drop(primary);
    let _ = std::fs::remove_dir_all(&dir);
}
