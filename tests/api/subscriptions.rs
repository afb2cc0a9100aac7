//! `subscription { changes }` at /graphql/ws, driven by the graphql-ws npm
//! client (tests/clients/subscribe.mjs): a mirror that reconnects from its
//! last cursor to the other of two server processes while four writers
//! sync through both holds exactly the polled feed, in order, and equals the
//! council's records; the token goes in `connection_init` and its expiry
//! closes the socket; visibility is the feed's; live subscriptions are
//! bounded per token.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;

use crate::helpers::*;

fn batch(council: &str, writer: usize, n: usize, quantity: &str) -> Value {
    let k = format!("{council}-W{writer}-{n}");
    json!({
        "councilCode": council,
        "suppliers": [{ "ref": "SUP-LIVE", "name": "Live Supplier Ltd", "isSme": true, "isVcse": false }],
        "contracts": [{ "externalId": k, "title": "Works", "supplierRef": "SUP-LIVE", "valueGbp": "1000.00", "startDate": "2024-04-01", "endDate": "2026-03-31" }],
        "commitments": [{ "externalId": format!("{k}/1"), "contractExternalId": k, "measureCode": "JOBS-01", "financialYear": 2024, "targetQuantity": "1.5" }],
        "evidence": [{ "externalId": format!("{k}/E"), "commitmentExternalId": format!("{k}/1"), "periodStart": "2024-04-01", "periodEnd": "2024-06-30", "quantity": quantity }]
    })
}

/// A writer's work: batches, one of them synced again with a new quantity
/// (an update), and one contract deleted with what hangs from it.
async fn write(replica: TestApp, council: &'static str, writer: usize) {
    let tok = token("council_sync", &[council]);
    let sync = "mutation($input: SyncInput!) { syncCouncilData(input: $input) { applied } }";
    for n in 0..5 {
        let d = replica.ok(&tok, sync, json!({"input": batch(council, writer, n, "0.5")})).await;
        assert_eq!(d["syncCouncilData"]["applied"], true, "{d}");
    }
    let d = replica.ok(&tok, sync, json!({"input": batch(council, writer, 1, "0.75")})).await;
    assert_eq!(d["syncCouncilData"]["applied"], true, "{d}");
    let gone = json!({"councilCode": council, "deletions": [{"entity": "CONTRACT", "externalId": format!("{council}-W{writer}-2")}]});
    let d = replica.ok(&tok, sync, json!({"input": gone})).await;
    assert_eq!(d["syncCouncilData"]["applied"], true, "{d}");
}

/// What a mirror holds after applying `changes` in order: (entity, externalId) -> (version, data).
fn mirror(changes: &[Value]) -> BTreeMap<(String, String), (i64, Value)> {
    let mut held = BTreeMap::new();
    for c in changes {
        let key = (c["entity"].as_str().unwrap().to_owned(), c["externalId"].as_str().unwrap().to_owned());
        match c["operation"].as_str().unwrap() {
            "DELETE" => {
                held.remove(&key);
            }
            _ => {
                held.insert(key, (c["version"].as_i64().unwrap(), c["data"].clone()));
            }
        }
    }
    held
}

/// The council's live records as the API lists them: (entity, externalId) -> version.
async fn records(app: &TestApp, council: &str) -> BTreeMap<(String, String), i64> {
    let q = "query($c: [String!]) {
        contracts(first: 500, filter: {councilCodes: $c}) { edges { node { externalId version } } }
        commitments(first: 500, filter: {councilCodes: $c}) { edges { node { externalId version } } }
        evidence(first: 500, filter: {councilCodes: $c}) { edges { node { externalId version } } } }";
    let d = app.ok(&token("auditor", &[]), q, json!({"c": [council]})).await;
    let mut held = BTreeMap::new();
    for (field, entity) in [("contracts", "CONTRACT"), ("commitments", "COMMITMENT"), ("evidence", "EVIDENCE")] {
        for e in d[field]["edges"].as_array().unwrap() {
            held.insert((entity.to_owned(), e["node"]["externalId"].as_str().unwrap().to_owned()), e["node"]["version"].as_i64().unwrap());
        }
    }
    held
}

#[tokio::test]
async fn a_mirror_fed_by_the_subscription_across_reconnects_and_replicas_holds_every_change_once_in_order() {
    let Some(dir) = clients_ready() else { return };
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        seed_framework(&app).await;
        // Two more server processes on the same database: the mirror moves between them (no sticky sessions).
        let (r1, r2) = (
            ServerProcess::start(&[("SVH_DATABASE_URL", app.database_url.as_str())]).await,
            ServerProcess::start(&[("SVH_DATABASE_URL", app.database_url.as_str())]).await,
        );
        let urls = format!("{},{}", ws_url(r1.addr), ws_url(r2.addr));
        let viewer = token("council_viewer", &["LIV"]);
        let mut client = tokio::process::Command::new("node")
            .arg(dir.join("subscribe.mjs"))
            .args(["mirror", &urls, &viewer, "LIV", "7"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("run node");

        // Four writers, two per council, spread over the three servers, while the mirror follows LIV.
        let servers = [app.served_at(app.addr), app.served_at(r1.addr), app.served_at(r2.addr)];
        let writers: Vec<_> = ["LIV", "HAL", "LIV", "HAL"]
            .into_iter()
            .enumerate()
            .map(|(w, council)| tokio::spawn(write(servers[w % 3].served_at(servers[w % 3].addr), council, w)))
            .collect();
        for w in writers {
            w.await.unwrap();
        }

        let (polled, end) = drain_feed(&app, &token("auditor", &[]), "LIV", Value::Null).await;
        let mut stdin = client.stdin.take().unwrap();
        stdin.write_all(format!("END {}\n", end.as_str().unwrap()).as_bytes()).await.unwrap();
        drop(stdin);
        let out = client.wait_with_output().await.unwrap();
        let result = client_result(&out.stdout, &out.stderr);
        assert!(result.get("timedOut").is_none(), "{result:#}");

        // Exactly the polled feed: every change once, in commit order, with the same cursors and content.
        let live = result["changes"].as_array().unwrap();
        let fields = |c: &Value| json!([c["cursor"], c["entity"], c["externalId"], c["operation"], c["version"], c["data"]]);
        assert_eq!(live.iter().map(fields).collect::<Vec<_>>(), polled.iter().map(fields).collect::<Vec<_>>());
        assert_eq!(polled.len(), 2 * (5 * 3 + 1 + 3), "LIV: two writers' creates, one update and three tombstones each");
        let connections = result["connections"].as_array().unwrap();
        assert!(connections.len() >= 3, "the mirror reconnected: {connections:?}");
        for url in [ws_url(r1.addr), ws_url(r2.addr)] {
            assert!(connections.iter().any(|c| c["url"] == url.as_str() && c["received"].as_i64() > Some(0)), "changes came through {url}: {connections:?}");
        }

        // The mirror equals LIV's records, and holds nothing of HAL's.
        let held = mirror(live);
        let versions: BTreeMap<_, _> = held.iter().map(|(k, (v, _))| (k.clone(), *v)).collect();
        assert_eq!(versions, records(&app, "LIV").await);
        assert!(held.keys().all(|(_, id)| id.starts_with("LIV-")), "{held:?}");
    }
}

#[tokio::test]
async fn a_subscription_needs_a_token_sees_only_its_councils_and_is_bounded_per_token() {
    let Some(dir) = clients_ready() else { return };
    for backend in backends() {
        let app = TestApp::spawn_with(backend, |c| c.limits.max_subscriptions_per_token = 3).await;
        seed_framework(&app).await;
        let url = ws_url(app.addr);

        // No token, or a bad one: the socket closes with 4403 Forbidden before anything is sent.
        for tok in [String::new(), "not-a-token".into(), token("council_viewer", &["LIV"]) + "x"] {
            let r = run_client(&dir, "subscribe.mjs", &["refused", &url, &tok, "LIV"]).await;
            assert_eq!(r["closeCode"], 4403, "{r:#}");
            assert_eq!(r["acknowledged"], false, "{r:#}");
            assert_eq!(r["received"], 0, "{r:#}");
        }

        // A token that expires while its subscription runs closes the socket with 4403, after the changes it could read.
        let short = sign(json!({ "sub": "short@liverpool.gov.uk", "role": "council_viewer", "councils": ["LIV"], "exp": chrono::Utc::now().timestamp() + 2 }));
        app.ok(
            &token("council_sync", &["LIV"]),
            "mutation($i: SyncInput!) { syncCouncilData(input: $i) { applied } }",
            json!({"i": batch("LIV", 9, 0, "0.5")}),
        )
        .await;
        let r = run_client(&dir, "subscribe.mjs", &["refused", &url, &short, "LIV"]).await;
        assert_eq!((r["acknowledged"].as_bool(), r["closeCode"].as_i64()), (Some(true), Some(4403)), "{r:#}");
        assert!(r["reason"].as_str().unwrap_or_default().contains("expired"), "{r:#}");
        assert_eq!(r["received"], 3, "{r:#}");

        // Every role, on its own council's feed and another's: exactly the polled feed's answer.
        for role in ["regional_admin", "council_editor", "council_sync", "council_viewer", "auditor", "dashboard"] {
            let tok = token(role, &["LIV"]);
            for council in ["LIV", "HAL"] {
                let polled = app.gql(Some(&tok), CHANGES, json!({"c": council, "first": 1})).await.1;
                let live = run_client(&dir, "subscribe.mjs", &["limit", &url, &tok, council, "1"]).await;
                match polled["errors"][0]["extensions"]["code"].as_str() {
                    None => assert_eq!((live["active"].as_i64(), live["errors"].as_array().map(Vec::len)), (Some(1), Some(0)), "{role} {council}: {live:#}"),
                    Some(code) => assert_eq!(live["errors"][0]["codes"], json!([code]), "{role} {council}: {live:#}"),
                }
            }
        }

        // The feed's visibility: another council's, or the dashboard's, is FORBIDDEN; an unknown council BAD_USER_INPUT.
        for (tok, council, code) in [
            (token("council_viewer", &["LIV"]), "HAL", "FORBIDDEN"),
            (token("dashboard", &[]), "LIV", "FORBIDDEN"),
            (token("auditor", &[]), "NOPE", "BAD_USER_INPUT"),
        ] {
            let r = run_client(&dir, "subscribe.mjs", &["refused", &url, &tok, council]).await;
            assert_eq!(r["acknowledged"], true, "{r:#}");
            assert_eq!(r["errors"][0]["code"], code, "{council}: {r:#}");
            assert_eq!(r["received"], 0, "{r:#}");
        }

        // At most three live at once per token subject: two of five are refused, and another subject is unaffected.
        let viewer = token_for("mirror@liverpool.gov.uk", "council_viewer", &["LIV"]);
        let r = run_client(&dir, "subscribe.mjs", &["limit", &url, &viewer, "LIV", "5"]).await;
        assert_eq!(r["active"], 3, "{r:#}");
        let errors = r["errors"].as_array().unwrap();
        assert_eq!(errors.len(), 2, "{r:#}");
        assert!(errors.iter().all(|e| e["codes"] == json!(["RATE_LIMITED"])), "{r:#}");
        let r = run_client(&dir, "subscribe.mjs", &["limit", &url, &token("auditor", &[]), "LIV", "3"]).await;
        assert_eq!((r["active"].as_i64(), r["errors"].as_array().map(Vec::len)), (Some(3), Some(0)), "{r:#}");
        // Subscriptions are counted by /metrics as operations are, by their first response.
        let metrics = reqwest::get(app.url("/metrics")).await.unwrap().text().await.unwrap();
        assert!(metrics.contains("svh_graphql_requests_total{operation=\"changes\",outcome=\"RATE_LIMITED\"} 2\n"), "{metrics}");
        // Closed connections give their places back (once the server has seen the socket close).
        let mut again = Value::Null;
        for _ in 0..10 {
            again = run_client(&dir, "subscribe.mjs", &["limit", &url, &viewer, "LIV", "3"]).await;
            if again["active"] == 3 {
                break;
            }
        }
        assert_eq!(again["active"], 3, "{again:#}");

        // Subscriptions are not served over HTTP, nor is a plain GET an upgrade.
        let (status, body) = app.gql(Some(&viewer), "subscription { changes(councilCode: \"LIV\") { cursor } }", json!({})).await;
        assert_eq!(status, 200);
        assert!(body["errors"][0]["message"].as_str().unwrap().contains("/graphql/ws"), "{body}");
        let plain = reqwest::get(app.url("/graphql/ws")).await.unwrap();
        assert_eq!(plain.status(), 400);
        let body: Value = plain.json().await.unwrap();
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{body}");
    }
}
