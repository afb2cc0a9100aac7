//! The real server on an ephemeral port, a fresh database per test, and
//! tokens signed the way an identity provider signs them.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::{Value, json};
use social_value_hub::config::{Config, Secret};
use social_value_hub::service::db::StatementCounter;

pub const SECRET: &str = "test-secret-that-is-long-enough";

#[derive(Debug, Clone)]
pub enum Backend {
    Sqlite,
    Postgres(String),
}

/// SQLite always; PostgreSQL too when SVH_TEST_POSTGRES_URL is set.
pub fn backends() -> Vec<Backend> {
    let mut b = vec![Backend::Sqlite];
    if let Ok(url) = std::env::var("SVH_TEST_POSTGRES_URL") {
        b.push(Backend::Postgres(url));
    }
    b
}

/// Runs a test body once per backend, each time against a fresh database.
pub async fn on_each_backend<F, Fut>(body: F)
where
    F: Fn(TestApp) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for backend in backends() {
        eprintln!("-- backend: {}", if matches!(backend, Backend::Sqlite) { "sqlite" } else { "postgres" });
        body(TestApp::spawn(backend).await).await;
    }
}

/// An empty database of its own: a file for SQLite, a database for PostgreSQL.
async fn fresh_database(backend: &Backend) -> (String, Option<TempFile>) {
    let name = unique_name();
    match backend {
        Backend::Sqlite => {
            let path = std::env::temp_dir().join(format!("{name}.db"));
            (format!("sqlite://{}?mode=rwc", path.display()), Some(TempFile(path)))
        }
        Backend::Postgres(base) => {
            // One database per test, so that runs never collide.
            let admin = Database::connect(base.as_str()).await.expect("connect to SVH_TEST_POSTGRES_URL");
            admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("create test database");
            admin.close().await.ok();
            let (prefix, _) = base.rsplit_once('/').expect("postgres URL with a database name");
            (format!("{prefix}/{name}"), None)
        }
    }
}

static NEXT: AtomicU32 = AtomicU32::new(0);

fn unique_name() -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    format!("svh_test_{}_{}_{nanos}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}

pub struct TestApp {
    pub addr: SocketAddr,
    /// The database URL, for tools that connect themselves (the importer).
    pub database_url: String,
    pub db: DatabaseConnection,
    pub statements: std::sync::Arc<StatementCounter>,
    client: reqwest::Client,
    _file: Option<TempFile>,
}

struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.0.display()));
        }
    }
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, |_| {}).await
    }

    /// A server whose configuration `adjust` changes first.
    pub async fn spawn_with(backend: Backend, adjust: impl FnOnce(&mut Config)) -> TestApp {
        let (url, file) = fresh_database(&backend).await;
        Self::serve(url, file, adjust).await
    }

    /// A server on a database that `prepare` has made ready (a database of
    /// an older schema, say) before the server migrates it.
    pub async fn spawn_prepared<F: std::future::Future<Output = ()>>(backend: Backend, prepare: impl FnOnce(String) -> F) -> TestApp {
        Self::spawn_prepared_with(backend, prepare, |_| {}).await
    }

    /// Both: `prepare` the fresh database, then serve it with `adjust`ed settings.
    pub async fn spawn_prepared_with<F: std::future::Future<Output = ()>>(
        backend: Backend,
        prepare: impl FnOnce(String) -> F,
        adjust: impl FnOnce(&mut Config),
    ) -> TestApp {
        let (url, file) = fresh_database(&backend).await;
        prepare(url.clone()).await;
        Self::serve(url, file, adjust).await
    }

    async fn serve(url: String, file: Option<TempFile>, adjust: impl FnOnce(&mut Config)) -> TestApp {
        let mut config = Config {
            database_url: Some(url.clone()),
            database_read_url: None,
            listen: "127.0.0.1:0".parse().unwrap(),
            jwt_secret: Some(Secret::new(SECRET)),
            db_pool_size: 8,
            max_body_bytes: 16 * 1024 * 1024,
            log_format: Default::default(),
            demo: false,
            http: Default::default(),
            tokens: Default::default(),
            limits: Default::default(),
        };
        adjust(&mut config);
        let app = social_value_hub::build_app(&config).await.expect("build app");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { social_value_hub::http::serve(listener, app.router, std::future::pending()).await.unwrap() });
        TestApp { addr, database_url: url, db: app.db, statements: app.statements, client: reqwest::Client::new(), _file: file }
    }

    /// The same database served by another server (a replica) at `addr`.
    pub fn served_at(&self, addr: SocketAddr) -> TestApp {
        TestApp {
            addr,
            database_url: self.database_url.clone(),
            db: self.db.clone(),
            statements: self.statements.clone(),
            client: self.client.clone(),
            _file: None,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// POSTs a GraphQL request; returns the HTTP status and the JSON body.
    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> (u16, Value) {
        let mut req = self.client.post(self.url("/graphql")).json(&json!({ "query": query, "variables": variables }));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status().as_u16();
        (status, resp.json().await.expect("JSON body"))
    }

    /// `data` of a request that must succeed.
    pub async fn ok(&self, token: &str, query: &str, variables: Value) -> Value {
        let (status, body) = self.gql(Some(token), query, variables).await;
        assert_eq!(status, 200, "{body}");
        assert!(body.get("errors").is_none(), "unexpected errors: {body}");
        body["data"].clone()
    }

    /// The `extensions.code` of the first error of a request that must fail.
    pub async fn error_code(&self, token: &str, query: &str, variables: Value) -> String {
        let (_, body) = self.gql(Some(token), query, variables).await;
        body["errors"][0]["extensions"]["code"].as_str().unwrap_or_else(|| panic!("expected an error: {body}")).to_owned()
    }

    /// Loads a committed fixture dataset through the sync write path.
    pub async fn load_fixture(&self, name: &str) {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name);
        let ds = social_value_hub::dataset::read::read_dir(&dir).expect("read fixture");
        social_value_hub::dataset::load::load_dataset(&self.db, &ds, 2_000, |_, _| {}).await.expect("load fixture");
    }

    /// Loads a dataset made by the project's generator (seed 1) through the sync write path.
    pub async fn load_generated(&self, scale: social_value_hub::dataset::generate::Scale) {
        let ds = social_value_hub::dataset::generate::generate(scale, 1);
        social_value_hub::dataset::load::load_dataset(&self.db, &ds, 5_000, |_, _| {}).await.expect("load generated dataset");
    }

    /// Statements the server ran while `f` ran.
    pub async fn count_statements<F: std::future::Future<Output = T>, T>(&self, f: F) -> (u64, T) {
        let before = self.statements.get();
        let out = f.await;
        (self.statements.get() - before, out)
    }
}

/// Signs claims with HS256, as an identity provider configured with the shared secret would.
pub fn sign(claims: Value) -> String {
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(SECRET.as_bytes())).unwrap()
}

pub fn in_an_hour() -> i64 {
    chrono::Utc::now().timestamp() + 3600
}

/// A valid token for a role and its councils.
pub fn token(role: &str, councils: &[&str]) -> String {
    sign(json!({ "sub": format!("{role}-tester"), "exp": in_an_hour(), "role": role, "councils": councils }))
}

pub fn token_for(sub: &str, role: &str, councils: &[&str]) -> String {
    sign(json!({ "sub": sub, "exp": in_an_hour(), "role": role, "councils": councils }))
}

/// Exact comparison of decimal strings: "1234.5" == "1234.5000".
pub fn dec(s: &Value) -> i128 {
    let s = s.as_str().unwrap_or_else(|| panic!("expected a decimal string, got {s}"));
    social_value_hub::domain::decimal::parse_scaled(s, 4).unwrap_or_else(|e| panic!("{e}")) as i128
}

pub const SYNC: &str = "mutation($input: SyncInput!) { syncCouncilData(input: $input) {
    applied created updated unchanged errors { entity index externalId code message } } }";

/// Two councils and a small framework, set up over the API as regional_admin.
pub async fn seed_framework(app: &TestApp) {
    let admin = token("regional_admin", &[]);
    for (code, name, gss) in [("LIV", "Liverpool City Council", "E08000012"), ("HAL", "Halton Borough Council", "E06000006")] {
        app.ok(&admin, "mutation($i: CouncilInput!) { upsertCouncil(input: $i) { code } }", json!({"i": {"code": code, "name": name, "gssCode": gss}})).await;
    }
    for (code, name) in [("JOBS", "Jobs"), ("GROWTH", "Growth")] {
        app.ok(&admin, "mutation($i: ThemeInput!) { upsertTheme(input: $i) { code } }", json!({"i": {"code": code, "name": name}})).await;
    }
    for (code, theme, unit) in [("JOBS-01", "JOBS", "FTE"), ("GROWTH-01", "GROWTH", "£ spent")] {
        app.ok(
            &admin,
            "mutation($i: MeasureInput!) { upsertMeasure(input: $i) { code } }",
            json!({"i": {"code": code, "themeCode": theme, "name": code, "unit": unit}}),
        )
        .await;
    }
    for (measure, year, value) in [("JOBS-01", 2024, "31250.00"), ("JOBS-01", 2025, "32343.75"), ("GROWTH-01", 2024, "1.00"), ("GROWTH-01", 2025, "1.00")] {
        app.ok(
            &admin,
            "mutation($m: String!, $y: Int!, $v: Decimal!) { setProxy(measureCode: $m, financialYear: $y, valueGbp: $v) { financialYear } }",
            json!({"m": measure, "y": year, "v": value}),
        )
        .await;
    }
}

/// A small valid batch for a council: one supplier, one contract, one
/// commitment per measure, two pieces of evidence.
pub fn small_batch(council: &str) -> Value {
    json!({
        "councilCode": council,
        "suppliers": [{ "ref": "SUP-1", "name": "Mersey Builders Ltd", "isSme": true, "isVcse": false, "postcode": "L1 1AA" }],
        "contracts": [{ "externalId": "K1", "title": "Library refurbishment", "supplierRef": "SUP-1",
                        "valueGbp": "1234.50", "startDate": "2024-04-01", "endDate": "2026-03-31", "socialValueWeightingPct": "12.5" }],
        "commitments": [
            { "externalId": "K1/1", "contractExternalId": "K1", "measureCode": "JOBS-01", "financialYear": 2024, "targetQuantity": "0.10" },
            { "externalId": "K1/2", "contractExternalId": "K1", "measureCode": "GROWTH-01", "financialYear": 2024, "targetQuantity": "1234.50" }
        ],
        "evidence": [
            { "externalId": "E1", "commitmentExternalId": "K1/1", "periodStart": "2024-04-01", "periodEnd": "2024-06-30", "quantity": "0.10", "status": "VERIFIED" },
            { "externalId": "E2", "commitmentExternalId": "K1/1", "periodStart": "2024-07-01", "periodEnd": "2024-07-31", "quantity": "0.20" }
        ]
    })
}

pub const CHANGES: &str = "query($c: String!, $after: String, $first: Int) { changes(councilCode: $c, after: $after, first: $first) {
    endCursor hasMore changes { cursor entity externalId operation version at data } } }";

/// Follows a council's changes feed from `after` to its end; returns the changes and the new cursor.
pub async fn drain_feed(app: &TestApp, token: &str, council: &str, mut after: Value) -> (Vec<Value>, Value) {
    let mut all = Vec::new();
    loop {
        let d = app.ok(token, CHANGES, json!({"c": council, "after": after, "first": 200})).await;
        let feed = &d["changes"];
        all.extend(feed["changes"].as_array().unwrap().iter().cloned());
        after = feed["endCursor"].clone();
        if feed["hasMore"] != true {
            return (all, after);
        }
    }
}

/// How many audit events an auditor can see.
pub async fn audit_count(app: &TestApp) -> i64 {
    let d = app.ok(&token("auditor", &[]), "{ auditEvents { totalCount } }", json!({})).await;
    d["auditEvents"]["totalCount"].as_i64().unwrap()
}

/// A `social-value-hub serve` process with the tests' secret and `env`
/// (nothing inherited), killed when dropped; its stdout goes to `log` and
/// its stderr to `errors`.
pub struct ServerProcess {
    child: std::process::Child,
    pub addr: SocketAddr,
    pub log: PathBuf,
    pub errors: PathBuf,
}

impl ServerProcess {
    pub async fn start(env: &[(&str, &str)]) -> ServerProcess {
        Self::start_with(&[("SVH_JWT_SECRET", SECRET)].into_iter().chain(env.iter().copied()).collect::<Vec<_>>(), &std::env::temp_dir()).await
    }

    /// A server with exactly `env` (not even the tests' secret), run in `dir`.
    pub async fn start_with(env: &[(&str, &str)], dir: &std::path::Path) -> ServerProcess {
        let addr = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
        let name = unique_name();
        let (log, errors) = (std::env::temp_dir().join(format!("{name}.log")), std::env::temp_dir().join(format!("{name}.err")));
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_social-value-hub"));
        cmd.arg("serve").current_dir(dir).env_clear().env("SVH_LISTEN", addr.to_string()).env("RUST_LOG", "info");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd.stdout(std::fs::File::create(&log).unwrap()).stderr(std::fs::File::create(&errors).unwrap()).spawn().expect("start the server");
        let server = ServerProcess { child, addr, log, errors };
        for _ in 0..1200 {
            if reqwest::get(format!("http://{addr}/readyz")).await.is_ok_and(|r| r.status() == 200) {
                return server;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("server at {addr} never became ready: {}", server.output());
    }
}

impl ServerProcess {
    /// Sends SIGTERM, as systemd does to stop the service.
    pub fn terminate(&self) {
        let status = std::process::Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().unwrap();
        assert!(status.success());
    }

    /// Waits up to `secs` for the process to exit; its exit status.
    pub async fn exited(&mut self, secs: u64) -> Option<std::process::ExitStatus> {
        for _ in 0..secs * 20 {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        None
    }

    /// What it wrote to stdout and then to stderr.
    pub fn output(&self) -> String {
        self.stdout() + &std::fs::read_to_string(&self.errors).unwrap_or_default()
    }

    pub fn stdout(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
        let _ = std::fs::remove_file(&self.errors);
    }
}

/// tests/clients, where the ecosystem's own npm clients are installed
/// (graphql-ws, @apollo/gateway, Apollo Client): None, saying the test is
/// skipped, when `npm ci --prefix tests/clients` has not run, unless
/// SVH_REQUIRE_CLIENTS is set (as in CI), when that fails the test.
pub fn clients_ready() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/clients");
    match (dir.join("node_modules/graphql-ws").is_dir(), std::env::var_os("SVH_REQUIRE_CLIENTS").is_some()) {
        (true, _) => Some(dir),
        (false, true) => panic!("SVH_REQUIRE_CLIENTS is set but tests/clients/node_modules is missing (npm ci --prefix tests/clients)"),
        (false, false) => {
            eprintln!("skipped: no tests/clients/node_modules (npm ci --prefix tests/clients)");
            None
        }
    }
}

/// Runs `node tests/clients/<script> args…` to its end; returns the JSON
/// document it prints last.
pub async fn run_client(dir: &std::path::Path, script: &str, args: &[&str]) -> Value {
    let out = tokio::process::Command::new("node").arg(dir.join(script)).args(args).output().await.expect("run node");
    client_result(&out.stdout, &out.stderr)
}

pub fn client_result(stdout: &[u8], stderr: &[u8]) -> Value {
    let (stdout, stderr) = (String::from_utf8_lossy(stdout), String::from_utf8_lossy(stderr));
    serde_json::from_str(stdout.trim()).unwrap_or_else(|_| panic!("no JSON result from the client:\n{stdout}\n{stderr}"))
}

/// `ws://` for a server address.
pub fn ws_url(addr: SocketAddr) -> String {
    format!("ws://{addr}/graphql/ws")
}
