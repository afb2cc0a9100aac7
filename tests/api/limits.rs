//! Limits that protect the service from hostile or careless clients: each
//! is refused with a clear error, never a crash, and each is configurable.

use serde_json::{Value, json};

use crate::helpers::*;

/// A query nesting contracts and commitments `levels` times.
fn nested(levels: usize) -> String {
    let mut q = "id".to_owned();
    for _ in 0..levels {
        q = format!("commitments {{ contract {{ {q} }} }}");
    }
    format!("{{ contracts {{ edges {{ node {{ {q} }} }} }} }}")
}

/// A query selecting `n` aliased fields.
fn aliases(n: usize) -> String {
    format!("{{ {} }}", (0..n).map(|i| format!("a{i}: councils {{ code }}")).collect::<Vec<_>>().join(" "))
}

fn message(body: &Value) -> String {
    body["errors"][0]["message"].as_str().unwrap_or_default().to_lowercase()
}

#[tokio::test]
async fn deep_wide_and_batched_requests_are_refused_with_clear_errors() {
    on_each_backend(|app| async move {
        let tok = token("auditor", &[]);
        // Depth: the default allows a dashboard's nesting, not a recursive walk.
        let (status, body) = app.gql(Some(&tok), &nested(2), json!({})).await;
        assert_eq!((status, body.get("errors")), (200, None), "{body}");
        let (status, body) = app.gql(Some(&tok), &nested(8), json!({})).await;
        assert_eq!(status, 200);
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{body}");
        assert!(message(&body).contains("nested too deep"), "{body}");

        // Fields, aliases included: 200 aliases of two fields each is 400, 300 is 600.
        let (_, body) = app.gql(Some(&tok), &aliases(200), json!({})).await;
        assert!(body.get("errors").is_none(), "{body}");
        let (_, body) = app.gql(Some(&tok), &aliases(300), json!({})).await;
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{body}");
        assert!(message(&body).contains("too complex"), "{body}");

        // Batches: up to 10 operations, answered in order; more is refused whole.
        let client = reqwest::Client::new();
        let ops: Vec<Value> = (0..10).map(|i| json!({ "query": format!("{{ a{i}: councils {{ code }} }}") })).collect();
        let res = client.post(app.url("/graphql")).bearer_auth(&tok).json(&ops).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let answers: Vec<Value> = res.json().await.unwrap();
        assert_eq!(answers.len(), 10);
        assert!(answers[9]["data"]["a9"].is_array(), "{:?}", answers[9]);
        let ops: Vec<Value> = (0..11).map(|_| json!({ "query": "{ councils { code } }" })).collect();
        let res = client.post(app.url("/graphql")).bearer_auth(&tok).json(&ops).send().await.unwrap();
        assert_eq!(res.status(), 400);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
        assert!(message(&body).contains("at most 10 operations"), "{body}");
    })
    .await;
}

#[tokio::test]
async fn oversized_bodies_get_413_and_pages_and_sync_batches_their_limits() {
    for backend in backends() {
        let app = TestApp::spawn_with(backend, |c| {
            c.max_body_bytes = 64 * 1024;
            c.limits.max_sync_records = 3;
            c.limits.max_page_size = 100;
        })
        .await;
        seed_framework(&app).await;
        let tok = token("council_sync", &["LIV"]);
        // The contract's 500 is the default bound on `first`; configuration may lower it.
        assert_eq!(app.error_code(&tok, "{ contracts(first: 101) { totalCount } }", json!({})).await, "BAD_USER_INPUT");
        assert_eq!(
            app.error_code(&tok, "query($c: String!) { changes(councilCode: $c, first: 101) { endCursor } }", json!({"c": "LIV"})).await,
            "BAD_USER_INPUT"
        );
        assert!(app.ok(&tok, "{ contracts(first: 100) { totalCount } }", json!({})).await["contracts"]["totalCount"].is_number());
        let padding = "x".repeat(70 * 1024);
        let (status, body) = app.gql(Some(&tok), &format!("{{ councils {{ code }} }} # {padding}"), json!({})).await;
        assert_eq!(status, 413);
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{body}");
        assert!(message(&body).contains("larger than 65536 bytes"), "{body}");

        // small_batch holds 6 records: over a limit of 3, refused and nothing written.
        assert_eq!(app.error_code(&tok, SYNC, json!({"input": small_batch("LIV")})).await, "BAD_USER_INPUT");
        let d = app.ok(&token("auditor", &[]), "{ contracts { totalCount } }", json!({})).await;
        assert_eq!(d["contracts"]["totalCount"], 0);
    }
}

#[tokio::test]
async fn introspection_and_graphiql_can_be_switched_off() {
    for backend in backends() {
        let app = TestApp::spawn_with(backend, |c| {
            c.limits.introspection = false;
            c.limits.graphiql = false;
        })
        .await;
        let tok = token("auditor", &[]);
        // An explicit error, not a silent null.
        let (_, body) = app.gql(Some(&tok), "{ __schema { queryType { name } } }", json!({})).await;
        assert!(message(&body).contains("introspection is switched off"), "{body}");
        assert!(body["data"].is_null(), "{body}");
        let (_, body) = app.gql(Some(&tok), "{ __type(name: \"Query\") { name } }", json!({})).await;
        assert!(message(&body).contains("introspection is switched off"), "{body}");
        // No suggestion names a field of the schema.
        let (_, body) = app.gql(Some(&tok), "{ contract { id } }", json!({})).await;
        assert!(!message(&body).contains("did you mean"), "{body}");
        assert!(!message(&body).is_empty(), "{body}");
        // A browser gets no GraphiQL page.
        let page = reqwest::Client::new().get(app.url("/graphql")).header("accept", "text/html").send().await.unwrap();
        assert_ne!(page.headers()["content-type"], "text/html; charset=utf-8");
        // Ordinary queries still work.
        assert!(app.ok(&tok, "{ councils { code } }", json!({})).await["councils"].is_array());
    }
}

/// graphql-js's `getIntrospectionQuery` (every option on), what GraphiQL and schemathesis send.
const STANDARD_INTROSPECTION: &str = include_str!("../fixtures/introspection.graphql");

#[tokio::test]
async fn the_standard_introspection_query_works_under_the_default_limits_and_a_deep_one_does_not() {
    on_each_backend(|app| async move {
        let tok = token("dashboard", &[]);
        let (status, body) = app.gql(Some(&tok), STANDARD_INTROSPECTION, json!({})).await;
        assert_eq!(status, 200);
        assert!(body.get("errors").is_none(), "{body}");
        let types = body["data"]["__schema"]["types"].as_array().unwrap();
        assert!(types.iter().any(|t| t["name"] == "SyncInput"), "{body}");

        // Introspection's cycles nested 30 deep: refused before it runs.
        let hostile = format!("{{ __schema {{ types {{ {}name{} }} }} }}", "fields { type { ".repeat(14), " } }".repeat(14));
        let (_, body) = app.gql(Some(&tok), &hostile, json!({})).await;
        assert!(message(&body).contains("introspection query is nested too deep"), "{body}");
        // The depth limit of data queries is not loosened by introspection's.
        let (_, body) = app.gql(Some(&tok), &nested(8), json!({})).await;
        assert!(message(&body).contains("nested too deep"), "{body}");
    })
    .await;
}
