//! GraphiQL in a real browser (Debian's Chromium, driven by playwright-core
//! from tests/browser) with every host but the service unreachable: the
//! page renders, its Authorization header is pre-filled, and with a token
//! pasted in it loads the schema.
//!
//! Needs `chromium` and `npm ci --prefix tests/browser`, which `.ci/run`
//! installs; elsewhere the test says it was skipped, unless
//! SVH_REQUIRE_BROWSER is set (as in CI), when their absence fails it.

use std::path::PathBuf;

use serde_json::Value;

use crate::helpers::*;

pub(crate) fn browser_ready() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let ready = dir.join("node_modules/playwright-core").is_dir() && std::path::Path::new(&chromium).exists();
    match (ready, std::env::var_os("SVH_REQUIRE_BROWSER").is_some()) {
        (true, _) => Some(dir),
        (false, true) => panic!("SVH_REQUIRE_BROWSER is set but {chromium} or tests/browser/node_modules is missing (npm ci --prefix tests/browser)"),
        (false, false) => None,
    }
}

#[tokio::test]
async fn graphiql_loads_the_schema_offline_in_a_real_browser() {
    let Some(dir) = browser_ready() else {
        eprintln!("skipped: no Chromium or no tests/browser/node_modules (see tests/api/graphiql.rs)");
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await;
    let out =
        tokio::process::Command::new("node").arg(dir.join("graphiql.mjs")).arg(app.url("")).arg(token("dashboard", &[])).output().await.expect("run node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let result: Value = serde_json::from_str(stdout.lines().last().unwrap_or_default())
        .unwrap_or_else(|_| panic!("no result from the browser: {stdout}\n{}", String::from_utf8_lossy(&out.stderr)));
    assert!(result.get("failure").is_none(), "{result:#}");
    assert_eq!(result["rendered"], true, "{result:#}");
    assert_eq!(result["offHost"], serde_json::json!([]), "the page asked another host for something");
    assert!(result["headerTemplate"].as_str().unwrap_or_default().contains("\"Authorization\": \"Bearer "), "{result:#}");
    // The re-fetch with the token was answered, and the explorer shows the schema's root types.
    assert!(result["posts"].as_array().is_some_and(|p| p.contains(&Value::from(200))), "{result:#}");
    let docs = result["docs"].as_str().unwrap_or_default();
    assert!(docs.contains("Query") && docs.contains("Mutation"), "{result:#}");
    let csp_errors: Vec<&Value> =
        result["errors"].as_array().unwrap().iter().filter(|e| e.as_str().unwrap_or_default().contains("Content Security Policy")).collect();
    assert!(csp_errors.is_empty(), "{csp_errors:?}");
}
