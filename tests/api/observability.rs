//! Request ids, structured logs without secrets, and Prometheus metrics.

use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn request_ids_are_kept_or_made_and_metrics_count_by_operation_and_outcome() {
    on_each_backend(|app| async move {
        seed_framework(&app).await;
        let client = reqwest::Client::new();
        let post = |id: Option<&str>| {
            let mut req =
                client.post(app.url("/graphql")).bearer_auth(token("dashboard", &[])).json(&json!({"query": "{ rollup { totals { committedValue } } }"}));
            if let Some(id) = id {
                req = req.header("x-request-id", id);
            }
            req.send()
        };
        let given = post(Some("dash-42")).await.unwrap();
        assert_eq!(given.headers()["x-request-id"], "dash-42");
        let (a, b) = (post(None).await.unwrap(), post(None).await.unwrap());
        let (a, b) = (a.headers()["x-request-id"].to_str().unwrap().to_owned(), b.headers()["x-request-id"].to_str().unwrap().to_owned());
        assert!(a.len() >= 16 && a != b, "{a} {b}");

        app.ok(&token("council_sync", &["LIV"]), SYNC, json!({"input": small_batch("LIV")})).await;
        app.error_code(&token("council_viewer", &["LIV"]), "{ auditChain { valid } }", json!({})).await;
        app.gql(None, "{ councils { code } }", json!({})).await;

        let text = client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
        for line in [
            "svh_graphql_requests_total{operation=\"rollup\",outcome=\"ok\"} 3",
            "svh_graphql_requests_total{operation=\"auditChain\",outcome=\"FORBIDDEN\"} 1",
            "svh_graphql_requests_total{operation=\"none\",outcome=\"UNAUTHENTICATED\"} 1",
            "svh_graphql_request_duration_seconds_count{operation=\"rollup\",outcome=\"ok\"} 3",
            "svh_graphql_request_duration_seconds_bucket{operation=\"rollup\",outcome=\"ok\",le=\"+Inf\"} 3",
            "svh_sync_records_total{result=\"created\"} 6",
            "svh_db_pool_max_connections 8",
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line:?} in\n{text}");
        }
        assert!(text.contains("svh_db_pool_connections{state=\"idle\"}"), "{text}");
        assert!(text.contains("# TYPE svh_graphql_request_duration_seconds histogram"));
    })
    .await;
}

#[tokio::test]
async fn json_logs_carry_the_request_and_caller_but_never_a_token() {
    let db = std::env::temp_dir().join(format!("svh-logs-{}.db", std::process::id()));
    let url = format!("sqlite://{}?mode=rwc", db.display());
    let server = ServerProcess::start(&[("SVH_DATABASE_URL", url.as_str()), ("SVH_LOG_FORMAT", "json")]).await;
    let client = reqwest::Client::new();
    let tok = token_for("officer@halton.gov.uk", "council_viewer", &["HAL"]);
    let res = client
        .post(format!("http://{}/graphql", server.addr))
        .bearer_auth(&tok)
        .header("x-request-id", "trace-me-1")
        .json(&json!({"query": "query Mine { viewer { subject } }", "operationName": "Mine"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let bad = format!("{tok}x");
    client.post(format!("http://{}/graphql", server.addr)).bearer_auth(&bad).json(&json!({"query": "{ viewer { subject } }"})).send().await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;

    let log = std::fs::read_to_string(&server.log).unwrap();
    let lines: Vec<Value> = log.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    assert!(!lines.is_empty(), "no JSON log lines in\n{log}");
    let request = lines.iter().find(|l| l["fields"]["message"] == "graphql request").unwrap_or_else(|| panic!("no request line in\n{log}"));
    let fields = &request["fields"];
    assert_eq!(fields["request_id"], "trace-me-1", "{request}");
    assert_eq!(fields["subject"], "officer@halton.gov.uk");
    assert_eq!(fields["role"], "council_viewer");
    assert_eq!(fields["operation"], "viewer");
    assert_eq!(fields["operation_name"], "Mine");
    assert!(fields["latency_ms"].as_f64().is_some(), "{request}");
    assert!(lines.iter().any(|l| l["fields"]["outcome"] == "UNAUTHENTICATED"), "{log}");
    for secret in [tok.as_str(), bad.as_str(), SECRET] {
        assert!(!log.contains(secret), "a token or the secret reached the log");
    }
    drop(server);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
}
