//! The command line as an operator meets it: what `serve` prints for a
//! configured deployment, JSON logs, and `token`'s lifetimes.

use serde_json::{Value, json};

use crate::helpers::*;

/// A fresh working directory, removed when dropped.
struct Dir(std::path::PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        let d = std::env::temp_dir().join(format!("svh-{name}-{}-{}", std::process::id(), chrono::Utc::now().timestamp_nanos_opt().unwrap()));
        std::fs::create_dir_all(&d).unwrap();
        Dir(d)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Anything in `text` shaped like a JWT (three base64url parts, the first a JSON header).
fn has_token(text: &str) -> bool {
    text.split(|c: char| c.is_whitespace() || c == '"').any(|w| w.starts_with("eyJ") && w.matches('.').count() == 2)
}

/// The answer of `server` to `query`, asked as the dashboard role.
async fn ask(server: &ServerProcess, query: &str) -> Value {
    let res = reqwest::Client::new().post(format!("http://{}/graphql", server.addr)).bearer_auth(token("dashboard", &[])).json(&json!({"query": query})).send();
    res.await.unwrap().json().await.unwrap()
}

async fn council_count(server: &ServerProcess) -> i64 {
    let body = ask(server, "{ councils { code } }").await;
    body["data"]["councils"].as_array().unwrap_or_else(|| panic!("{body}")).len() as i64
}

#[tokio::test]
async fn a_configured_deployment_prints_no_token_and_loads_the_demo_only_when_asked() {
    // Only a secret set, on the embedded SQLite file: configured, so no demo and no tokens.
    let dir = Dir::new("configured");
    let server = ServerProcess::start_with(&[("SVH_JWT_SECRET", SECRET)], &dir.0).await;
    assert_eq!(council_count(&server).await, 0);
    let out = server.output();
    assert!(!has_token(&out), "a configured deployment printed a token:\n{out}");
    assert!(out.contains("listening on"), "{out}");
    drop(server);

    // SVH_DEMO loads the demo region into the empty database, and still prints no token.
    let dir = Dir::new("demo");
    let server = ServerProcess::start_with(&[("SVH_JWT_SECRET", SECRET), ("SVH_DEMO", "true")], &dir.0).await;
    assert_eq!(council_count(&server).await, 6);
    let out = server.output();
    assert!(!has_token(&out), "SVH_DEMO printed a token:\n{out}");
    // The demo is a v2 region: Knowsley reports in its own framework, mapped onto the regional one.
    let body = ask(&server, "{ frameworks { code measures { mapping { factor } } } }").await;
    let ksv = body["data"]["frameworks"].as_array().unwrap().iter().find(|f| f["code"] == "KSV").unwrap_or_else(|| panic!("{body}"));
    assert!(ksv["measures"].as_array().unwrap().iter().any(|m| !m["mapping"].is_null()), "{body}");
}

#[tokio::test]
async fn json_logs_put_only_json_on_stdout_and_text_logs_no_colour_off_a_terminal() {
    let dir = Dir::new("logs");
    let db = format!("sqlite://{}/svh.db?mode=rwc", dir.0.display());
    for format in ["json", "text"] {
        let server = ServerProcess::start_with(&[("SVH_JWT_SECRET", SECRET), ("SVH_DATABASE_URL", db.as_str()), ("SVH_LOG_FORMAT", format)], &dir.0).await;
        council_count(&server).await;
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        let stdout = server.stdout();
        assert!(stdout.lines().count() >= 2, "{stdout}");
        assert!(!stdout.contains('\u{1b}'), "{format}: ANSI escape codes in a log that is not a terminal:\n{stdout}");
        if format == "json" {
            for line in stdout.lines() {
                assert!(serde_json::from_str::<Value>(line).is_ok_and(|v| v.is_object()), "not a JSON object: {line:?}");
            }
            assert!(stdout.contains("listening on"), "{stdout}");
        }
    }
}

#[tokio::test]
async fn token_takes_human_lifetimes_and_refuses_ones_that_overflow() {
    let run = |ttl: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_social-value-hub"))
            .args(["token", "--role", "auditor", "--ttl", ttl])
            .env_clear()
            .env("SVH_JWT_SECRET", SECRET)
            .output()
            .unwrap()
    };
    let out = run("1h30m");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let token = String::from_utf8(out.stdout).unwrap();
    let claims: Value = jsonwebtoken::dangerous::insecure_decode_claims(token.trim()).unwrap();
    let ttl = claims["exp"].as_i64().unwrap() - chrono::Utc::now().timestamp();
    assert!((5390..=5400).contains(&ttl), "{ttl}");
    for bad in ["999999999999999d", "400d", "soon", "0s"] {
        let out = run(bad);
        assert!(!out.status.success(), "{bad} was accepted");
        assert!(String::from_utf8_lossy(&out.stderr).contains(bad), "{bad}: {}", String::from_utf8_lossy(&out.stderr));
    }
}
