//! Faults: concurrent writers on SQLite, and a graceful stop.

use std::time::Instant;

use serde_json::{Value, json};

use crate::helpers::*;

const COUNCILS: [&str; 6] = ["LIV", "HAL", "KNO", "SEF", "STH", "WIR"];

async fn six_councils(app: &TestApp) {
    seed_framework(app).await;
    let admin = token("regional_admin", &[]);
    for code in &COUNCILS[2..] {
        app.ok(&admin, "mutation($i: CouncilInput!) { upsertCouncil(input: $i) { code } }", json!({"i": {"code": code, "name": code, "gssCode": "E00000000"}}))
            .await;
    }
}

/// A batch of one contract, two commitments and `evidence` pieces of evidence.
fn batch(council: &str, n: usize, evidence: usize) -> Value {
    let k = format!("{council}-K{n}");
    let ev: Vec<Value> = (0..evidence)
        .map(|i| json!({"externalId": format!("{k}/E{i}"), "commitmentExternalId": format!("{k}/1"), "periodStart": "2024-04-01", "periodEnd": "2024-06-30", "quantity": "0.01"}))
        .collect();
    json!({
        "councilCode": council,
        "suppliers": [{ "ref": format!("SUP-{council}"), "name": "Supplier", "isSme": true, "isVcse": false }],
        "contracts": [{ "externalId": k, "title": "Works", "supplierRef": format!("SUP-{council}"), "valueGbp": "1000.00", "startDate": "2024-04-01", "endDate": "2026-03-31" }],
        "commitments": [
            { "externalId": format!("{k}/1"), "contractExternalId": k, "measureCode": "JOBS-01", "financialYear": 2024, "targetQuantity": "1.5" },
            { "externalId": format!("{k}/2"), "contractExternalId": k, "measureCode": "GROWTH-01", "financialYear": 2025, "targetQuantity": "100" }
        ],
        "evidence": ev
    })
}

#[tokio::test]
async fn six_councils_syncing_at_once_never_see_a_locked_database() {
    on_each_backend(|app| async move {
        six_councils(&app).await;
        const BATCHES: usize = 8;
        let writers: Vec<_> = COUNCILS
            .iter()
            .map(|council| {
                let app = app.served_at(app.addr);
                tokio::spawn(async move {
                    let tok = token("council_sync", &[council]);
                    for n in 0..BATCHES {
                        let (status, body) = app.gql(Some(&tok), SYNC, json!({"input": batch(council, n, 40)})).await;
                        assert_eq!(status, 200, "{body}");
                        assert!(body.get("errors").is_none(), "{council}: {body}");
                        assert_eq!(body["data"]["syncCouncilData"]["applied"], true, "{body}");
                    }
                })
            })
            .collect();
        for w in writers {
            w.await.unwrap();
        }
        let d = app.ok(&token("auditor", &[]), "{ contracts { totalCount } evidence { totalCount } auditChain { valid } }", json!({})).await;
        assert_eq!(d, json!({"contracts": {"totalCount": 6 * BATCHES}, "evidence": {"totalCount": 6 * BATCHES * 40}, "auditChain": {"valid": true}}));
    })
    .await;
}

#[tokio::test]
async fn sigterm_lets_the_request_in_flight_finish_refuses_new_ones_and_exits_cleanly() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    six_councils(&app).await;
    let mut server = ServerProcess::start(&[("SVH_DATABASE_URL", app.database_url.as_str())]).await;
    let url = format!("http://{}/graphql", server.addr);

    // A batch of 10,000 records takes a while: stop the server while it runs.
    let big = batch("LIV", 0, 9_996);
    let request = tokio::spawn({
        let url = url.clone();
        async move {
            let res = reqwest::Client::new()
                .post(url)
                .bearer_auth(token("council_sync", &["LIV"]))
                .json(&json!({"query": SYNC, "variables": {"input": big}}))
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            let text = res.text().await.unwrap();
            (Instant::now(), status, serde_json::from_str::<Value>(&text).unwrap_or_else(|e| panic!("{e}: {status} {text}")))
        }
    });
    // Signal once the server is working on it: it holds a database connection.
    let metrics = format!("http://{}/metrics", server.addr);
    for _ in 0..500 {
        let text = reqwest::get(&metrics).await.unwrap().text().await.unwrap();
        if !text.contains("svh_db_pool_connections{state=\"in_use\"} 0") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let signalled = Instant::now();
    server.terminate();
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let refused = reqwest::Client::new().post(&url).bearer_auth(token("auditor", &[])).json(&json!({"query": "{ viewer { subject } }"})).send().await;

    let (answered, status, body) = request.await.unwrap();
    assert!(answered > signalled, "the request finished before the signal: the test proved nothing");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["syncCouncilData"]["applied"], true, "{body}");
    assert!(refused.is_err(), "a new request was accepted after SIGTERM");
    let exit = server.exited(30).await.unwrap_or_else(|| panic!("still running after SIGTERM: {}", server.output()));
    assert!(exit.success(), "exit {exit:?}: {}", server.output());
    // Everything the finished request wrote is there.
    let d = app.ok(&token("auditor", &[]), "{ evidence { totalCount } }", json!({})).await;
    assert_eq!(d["evidence"]["totalCount"], 9_996);
}

/// A PostgreSQL cluster of the test's own, in a temporary directory, so that
/// stopping it disturbs no other test. Needs root (to run the server as the
/// postgres user) and the server binaries; None when either is missing.
struct PrivatePostgres {
    bin: std::path::PathBuf,
    dir: std::path::PathBuf,
    port: u16,
}

impl PrivatePostgres {
    fn run(&self, tool: &str, args: &[&str]) -> bool {
        std::process::Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(self.bin.join(tool))
            .args(args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    fn start() -> Option<Self> {
        let bin = std::fs::read_dir("/usr/lib/postgresql").ok()?.filter_map(Result::ok).map(|e| e.path().join("bin")).find(|b| b.join("initdb").exists())?;
        let port = std::net::TcpListener::bind("127.0.0.1:0").ok()?.local_addr().ok()?.port();
        let dir = std::env::temp_dir().join(format!("svh-pg-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).ok()?;
        std::process::Command::new("chown").args(["postgres:postgres", dir.to_str()?]).status().ok()?.success().then_some(())?;
        let pg = PrivatePostgres { bin, dir, port };
        let data = pg.dir.join("data");
        if !pg.run("initdb", &["-D", data.to_str()?, "-A", "trust", "-U", "postgres", "--no-sync"]) {
            return None;
        }
        pg.up().then_some(pg)
    }

    fn up(&self) -> bool {
        let opts = format!("-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off", self.port, self.dir.display());
        let (data, log) = (self.dir.join("data"), self.dir.join("log"));
        self.run("pg_ctl", &["-D", data.to_str().unwrap(), "-o", &opts, "-l", log.to_str().unwrap(), "-w", "start"])
    }

    fn down(&self) -> bool {
        self.run("pg_ctl", &["-D", self.dir.join("data").to_str().unwrap(), "-m", "fast", "-w", "stop"])
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        self.down();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::test]
async fn when_postgres_goes_away_readiness_fails_requests_say_so_and_both_recover_when_it_returns() {
    let Some(pg) = PrivatePostgres::start() else {
        eprintln!("skipped: needs root and the PostgreSQL server binaries to run a private cluster");
        return;
    };
    let server = ServerProcess::start(&[("SVH_DATABASE_URL", pg.url().as_str())]).await;
    let client = reqwest::Client::builder().timeout(std::time::Duration::from_secs(30)).build().unwrap();
    let base = format!("http://{}", server.addr);
    let ask = || client.post(format!("{base}/graphql")).bearer_auth(token("auditor", &[])).json(&json!({"query": "{ councils { code } }"})).send();
    let admin = token("regional_admin", &[]);
    let upsert = json!({"query": "mutation { upsertCouncil(input: {code: \"LIV\", name: \"Liverpool\", gssCode: \"E08000012\"}) { code } }"});
    let res = client.post(format!("{base}/graphql")).bearer_auth(&admin).json(&upsert).send().await.unwrap();
    assert_eq!(res.status(), 200);

    assert!(pg.down(), "stopping the private PostgreSQL");
    assert_eq!(client.get(format!("{base}/readyz")).send().await.unwrap().status(), 503);
    let body: Value = ask().await.unwrap().json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "INTERNAL", "{body}");
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("database is unavailable"), "{body}");
    assert!(!body.to_string().to_lowercase().contains("connection refused"), "detail leaked: {body}");

    assert!(pg.up(), "starting the private PostgreSQL again");
    let mut ready = false;
    for _ in 0..100 {
        if client.get(format!("{base}/readyz")).send().await.is_ok_and(|r| r.status() == 200) {
            ready = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(ready, "/readyz did not recover: {}", server.output());
    let body: Value = ask().await.unwrap().json().await.unwrap();
    assert_eq!(body["data"]["councils"], json!([{"code": "LIV"}]), "{body}");
}
