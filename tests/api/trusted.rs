//! Trusted documents (SVH_TRUSTED_DOCUMENTS) sent by Apollo Client's
//! persisted-queries link (tests/clients/persisted.mjs, which also writes
//! the manifest as Apollo's tooling does), and per-subject rate limits
//! (SVH_RATE_LIMIT).

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::helpers::*;

/// The dashboards' documents: the manifest holds these, with their roles.
fn listed() -> Value {
    json!([
        { "name": "RegionTotals", "body": "query RegionTotals { rollup { totals { committedValue deliveredValue } } }", "roles": ["dashboard"] },
        { "name": "Councils", "body": "query Councils { councils { code name } }", "roles": ["dashboard", "auditor"] },
        { "name": "AuditCount", "body": "query AuditCount { auditEvents(first: 1) { totalCount } }", "roles": ["auditor"] },
    ])
}

/// The listed documents and one the manifest does not hold.
fn all() -> Value {
    let mut docs = listed();
    docs.as_array_mut().unwrap().push(json!({ "name": "Suppliers", "body": "query Suppliers { suppliers(first: 5) { totalCount } }", "roles": [] }));
    docs
}

fn write_json(name: &str, value: &Value) -> PathBuf {
    let path = std::env::temp_dir().join(format!("svh-{name}-{}-{}.json", std::process::id(), rand_suffix()));
    std::fs::write(&path, value.to_string()).unwrap();
    path
}

fn rand_suffix() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64
}

/// Runs one operation through Apollo Client's persisted-queries link.
async fn apollo(dir: &Path, app: &TestApp, token: &str, docs: &Path, name: &str) -> Value {
    run_client(dir, "persisted.mjs", &["run", &app.url("/graphql"), token, docs.to_str().unwrap(), name, "{}"]).await
}

fn code(r: &Value) -> Value {
    r["errors"][0]["extensions"]["code"].clone()
}

/// Whether each request the link sent carried the document's text.
fn texts(r: &Value) -> Vec<Value> {
    r["requests"].as_array().unwrap().iter().map(|q| q["hasQuery"].clone()).collect()
}

#[tokio::test]
async fn named_roles_run_only_their_trusted_documents_sent_by_hash_and_others_send_their_own() {
    let Some(dir) = clients_ready() else { return };
    let (listed_file, all_file) = (write_json("listed", &listed()), write_json("all", &all()));
    let manifest = std::env::temp_dir().join(format!("svh-manifest-{}-{}.json", std::process::id(), rand_suffix()));
    let made = run_client(&dir, "persisted.mjs", &["manifest", listed_file.to_str().unwrap(), manifest.to_str().unwrap()]).await;
    assert_eq!(made["operations"], 3, "{made:#}");
    for backend in backends() {
        let path = manifest.clone();
        let app = TestApp::spawn_with(backend, |c| c.http.trusted_documents = Some(path)).await;
        app.load_fixture("tiny").await;
        let (dashboard, auditor, sync) = (token("dashboard", &[]), token("auditor", &[]), token("council_sync", &["LIV"]));

        // The dashboard's own document, by hash alone, in one request: the figures of the same query sent as text.
        let r = apollo(&dir, &app, &dashboard, &all_file, "RegionTotals").await;
        assert_eq!(r["errors"], json!([]), "{r:#}");
        assert_eq!(texts(&r), [json!(false)], "{r:#}");
        let same = app.ok(&token("regional_admin", &[]), "{ rollup { totals { committedValue deliveredValue } } }", json!({})).await;
        for metric in ["committedValue", "deliveredValue"] {
            assert_eq!(r["data"]["rollup"]["totals"][metric], same["rollup"]["totals"][metric], "{metric}");
        }
        assert!(apollo(&dir, &app, &dashboard, &all_file, "Councils").await["data"]["councils"].as_array().is_some_and(|c| !c.is_empty()));

        // Anything else the dashboard sends is refused, and the link does not send its text.
        for name in ["Suppliers", "AuditCount"] {
            let r = apollo(&dir, &app, &dashboard, &all_file, name).await;
            assert_eq!(code(&r), "FORBIDDEN", "{name}: {r:#}");
            assert_eq!(texts(&r), [json!(false)], "{name}: {r:#}");
            assert!(r["data"].is_null(), "{name}: {r:#}");
        }
        assert_eq!(app.error_code(&dashboard, "query RegionTotals { rollup { totals { committedValue deliveredValue } } }", json!({})).await, "FORBIDDEN");
        // A listed hash with another text in place of its body.
        let body = &manifest_of(&manifest)["operations"][0];
        let tampered =
            json!({ "query": "{ contracts(first: 1) { totalCount } }", "extensions": { "persistedQuery": { "version": 1, "sha256Hash": body["id"] } } });
        let resp: Value = reqwest::Client::new().post(app.url("/graphql")).bearer_auth(&dashboard).json(&tampered).send().await.unwrap().json().await.unwrap();
        assert_eq!(resp["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{resp}");

        // The auditor runs its documents; a role the manifest does not name sends its own, by text or by hash.
        assert!(apollo(&dir, &app, &auditor, &all_file, "AuditCount").await["data"]["auditEvents"]["totalCount"].as_i64() > Some(0));
        assert_eq!(code(&apollo(&dir, &app, &auditor, &all_file, "RegionTotals").await), "FORBIDDEN");
        let r = apollo(&dir, &app, &sync, &all_file, "Suppliers").await;
        assert_eq!(r["errors"], json!([]), "{r:#}");
        assert_eq!(texts(&r), [json!(false), json!(true)], "not found by hash, then sent with its text: {r:#}");
        assert!(r["data"]["suppliers"]["totalCount"].as_i64() > Some(0), "{r:#}");
        let d = app.ok(&sync, "{ suppliers(first: 5) { totalCount } }", json!({})).await;
        assert_eq!(d["suppliers"]["totalCount"], r["data"]["suppliers"]["totalCount"]);
    }
    for f in [listed_file, all_file, manifest] {
        let _ = std::fs::remove_file(f);
    }
}

fn manifest_of(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[tokio::test]
async fn a_manifest_that_does_not_check_out_stops_the_server_at_start() {
    let ops = json!([{ "id": "0".repeat(64), "name": "Bad", "type": "query", "body": "{ councils { code } }", "roles": ["dashboard"] }]);
    let manifest = write_json("bad-manifest", &json!({ "format": "apollo-persisted-query-manifest", "version": 1, "operations": ops }));
    let db = std::env::temp_dir().join(format!("svh-bad-manifest-{}.db", rand_suffix()));
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_social-value-hub"))
        .arg("serve")
        .env_clear()
        .env("SVH_JWT_SECRET", SECRET)
        .env("SVH_LISTEN", "127.0.0.1:0")
        .env("SVH_DATABASE_URL", format!("sqlite://{}?mode=rwc", db.display()))
        .env("SVH_TRUSTED_DOCUMENTS", &manifest)
        .output()
        .await
        .unwrap();
    let _ = std::fs::remove_file(&manifest);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("SVH_TRUSTED_DOCUMENTS") && stderr.contains("\"Bad\": its id is not the SHA-256 of its body"), "{stderr}");
}

#[tokio::test]
async fn past_its_rate_a_subject_gets_429_with_retry_after_and_others_are_unaffected() {
    for backend in backends() {
        let app = TestApp::spawn_with(backend, |c| c.http.rate_limit = Some("2/m".parse().unwrap())).await;
        let client = reqwest::Client::new();
        let (a, b) = (token_for("a@liverpool.gov.uk", "council_viewer", &["LIV"]), token_for("b@liverpool.gov.uk", "council_viewer", &["LIV"]));
        for _ in 0..2 {
            assert_eq!(app.gql(Some(&a), "{ viewer { role } }", json!({})).await.0, 200);
        }
        let refused = client.post(app.url("/graphql")).bearer_auth(&a).json(&json!({"query": "{ viewer { role } }"})).send().await.unwrap();
        assert_eq!(refused.status(), 429);
        let wait: u64 = refused.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((29..=30).contains(&wait), "two a minute: the next in 30 s, not {wait}");
        let body: Value = refused.json().await.unwrap();
        assert_eq!(body["errors"][0]["extensions"]["code"], "RATE_LIMITED", "{body}");
        // Every route counts, the exports and GET included.
        let export = client.get(app.url("/export/contracts.csv")).bearer_auth(&a).send().await.unwrap();
        assert_eq!(export.status(), 429);
        // Another subject, and a request without a token, are not this subject's.
        assert_eq!(app.gql(Some(&b), "{ viewer { role } }", json!({})).await.0, 200);
        assert_eq!(app.gql(None, "{ viewer { role } }", json!({})).await.0, 401);
        // A socket's connection_init counts too.
        if let Some(dir) = clients_ready() {
            let r = run_client(&dir, "subscribe.mjs", &["refused", &ws_url(app.addr), &a, "LIV"]).await;
            assert_eq!(r["closeCode"], 4403, "{r:#}");
            assert!(r["reason"].as_str().unwrap_or_default().contains("RATE_LIMITED"), "{r:#}");
        }
    }
}
