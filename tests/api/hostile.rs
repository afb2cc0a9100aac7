//! Proof under bad input and random callers: no principal ever receives a
//! record of a council it may not read, and malformed requests never cause a
//! 5xx, a panic, SQL in an error, or a partial write.

use std::collections::BTreeSet;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use crate::helpers::*;

const COUNCILS: [&str; 3] = ["HAL", "KNO", "LIV"];
const ROLES: [&str; 6] = ["regional_admin", "council_editor", "council_sync", "council_viewer", "auditor", "dashboard"];

/// Every council code that appears as `council { code }` (or `councilCode`) anywhere in `v`.
fn councils_in(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            if let Some(code) = m.get("council").and_then(|c| c.get("code")).and_then(Value::as_str) {
                out.insert(code.to_owned());
            }
            m.values().for_each(|x| councils_in(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| councils_in(x, out)),
        _ => {}
    }
}

fn pick<'a>(rng: &mut StdRng, items: &[&'a str]) -> &'a str {
    items[rng.random_range(0..items.len())]
}

fn subset(rng: &mut StdRng) -> Vec<&'static str> {
    let s: Vec<&str> = COUNCILS.iter().copied().filter(|_| rng.random_bool(0.5)).collect();
    if s.is_empty() { vec![pick(rng, &COUNCILS)] } else { s }
}

#[tokio::test]
async fn random_principals_never_receive_records_of_councils_they_may_not_read() {
    on_each_backend(|app| async move {
        app.load_fixture("tiny").await;
        let all = app.ok(&token("auditor", &[]), "{ contracts(first: 500) { edges { node { id commitments { id evidence { id } } } } } }", json!({})).await;
        let mut ids: Vec<String> = Vec::new();
        for e in all["contracts"]["edges"].as_array().unwrap() {
            ids.push(e["node"]["id"].as_str().unwrap().to_owned());
            for k in e["node"]["commitments"].as_array().unwrap() {
                ids.push(k["id"].as_str().unwrap().to_owned());
                ids.extend(k["evidence"].as_array().unwrap().iter().map(|x| x["id"].as_str().unwrap().to_owned()));
            }
        }
        let mut rng = StdRng::seed_from_u64(20261128);
        for round in 0..60 {
            let role = pick(&mut rng, &ROLES);
            let councils = if role.starts_with("council_") { subset(&mut rng) } else { vec![] };
            let readable: BTreeSet<String> = match role {
                "regional_admin" | "auditor" => COUNCILS.iter().map(|c| c.to_string()).collect(),
                "dashboard" => BTreeSet::new(),
                _ => councils.iter().map(|c| c.to_string()).collect(),
            };
            let tok = token(role, &councils);
            let filter = json!({"councilCodes": subset(&mut rng)});
            let id = ids[rng.random_range(0..ids.len())].clone();
            let (query, vars) = match rng.random_range(0..8) {
                0 => ("query($f: ContractFilter) { contracts(filter: $f) { edges { node { council { code } commitments { council { code } evidence { council { code } } } } } } }", json!({"f": filter})),
                1 => ("{ contracts { edges { node { council { code } } } } commitments { edges { node { council { code } contract { council { code } } } } } }", json!({})),
                2 => ("query($f: EvidenceFilter) { evidence(filter: $f) { edges { node { council { code } commitment { council { code } } } } } }", json!({"f": filter})),
                3 => ("query($id: ID!) { node(id: $id) { ... on Contract { council { code } } ... on Commitment { council { code } } ... on Evidence { council { code } } } }", json!({"id": id})),
                4 => ("query($c: String!) { changes(councilCode: $c) { changes { externalId } } }", json!({"c": pick(&mut rng, &COUNCILS)})),
                5 => ("{ auditEvents(first: 200) { edges { node { council { code } } } } }", json!({})),
                6 => ("query($f: RollupFilter) { rollup(filter: $f, groupBy: [CONTRACT]) { groups { key { contract { council { code } } } } } }", json!({"f": filter})),
                _ => ("query($f: CommitmentFilter) { commitments(filter: $f) { edges { node { council { code } evidence { council { code } } } } } }", json!({"f": filter})),
            };
            let (status, body) = app.gql(Some(&tok), query, vars.clone()).await;
            assert_eq!(status, 200, "{body}");
            let mut seen = BTreeSet::new();
            councils_in(&body["data"], &mut seen);
            assert!(seen.is_subset(&readable), "round {round}: {role} {councils:?} read {seen:?} through {query} {vars}");
            // The feed names no council in its items: it must refuse unreadable councils outright.
            if query.contains("changes(") && !readable.contains(vars["c"].as_str().unwrap()) {
                assert!(body["data"].is_null() || body["data"]["changes"].is_null(), "{role} read the feed of {}: {body}", vars["c"]);
            }
        }
    })
    .await;
}

/// What a response may never show a client.
fn leaks(body: &str) -> Option<&'static str> {
    let lower = body.to_lowercase();
    ["select ", "insert into", "update ", "syntax error at", "sqlx", "sqlite", "postgres", "panicked", "stack backtrace"].into_iter().find(|w| lower.contains(w))
}

#[tokio::test]
async fn malformed_requests_never_cause_a_5xx_a_leak_or_a_partial_write() {
    on_each_backend(|app| async move {
        seed_framework(&app).await;
        let sync = token("council_sync", &["LIV"]);
        let counts = "{ contracts { totalCount } commitments { totalCount } evidence { totalCount } auditEvents { totalCount } }";
        let before = app.ok(&token("auditor", &[]), counts, json!({})).await;

        let mut requests: Vec<Value> = Vec::new();
        // Documents: broken syntax, unknown fields, deep nesting, wrong arguments.
        for q in ["{", "}", "{ contracts { edges { node { id } }", "query { nope }", "{ contracts(first: \"ten\") { totalCount } }", "{ contracts(first: -1) { totalCount } }",
                  "{ contracts(first: 501) { totalCount } }", &"{ a".repeat(300), "mutation { syncCouncilData }", "subscription { x }", "{ node(id: \"not-an-id\") { id } }",
                  "{ node(id: \"Q29udHJhY3Q6OTk5OTk5OTk5OTk5\") { id } }", "\u{0000}", "query($x: Int!) { councils { code } }"] {
            requests.push(json!({"query": q}));
        }
        // Scalars: decimals, dates, years and ids that must be refused.
        let base = small_batch("LIV");
        let mutations: Vec<(&str, Value)> = vec![
            ("/contracts/0/valueGbp", json!("1e400")), ("/contracts/0/valueGbp", json!("NaN")), ("/contracts/0/valueGbp", json!(12.5)),
            ("/contracts/0/valueGbp", json!("99999999999999999999999999")), ("/contracts/0/valueGbp", json!("1.234")), ("/contracts/0/valueGbp", json!("-5")),
            ("/contracts/0/startDate", json!("2024-02-30")), ("/contracts/0/endDate", json!("2023-01-01")), ("/contracts/0/startDate", json!("yesterday")),
            ("/commitments/0/financialYear", json!(1_000_000_000_000i64)), ("/commitments/0/financialYear", json!(1850)), ("/commitments/0/targetQuantity", json!("--1")),
            ("/commitments/1/measureCode", json!("NOPE-01")), ("/evidence/0/periodEnd", json!("2024-09-30")), ("/evidence/0/status", json!("APPROVED")),
            ("/evidence/1/commitmentExternalId", json!("missing")), ("/evidence/0/evidenceSha256", json!("abc")), ("/contracts/0/supplierRef", json!(null)),
            ("/councilCode", json!("ZZZ")), ("/contracts/0/title", json!("")), ("/evidence/0/quantity", json!("0.001")),
        ];
        for (path, value) in mutations {
            let mut b = base.clone();
            let (parent, key) = path.rsplit_once('/').unwrap();
            b.pointer_mut(parent).unwrap()[key] = value;
            requests.push(json!({"query": SYNC, "variables": {"input": b}}));
        }
        // Random damage to a valid batch: drop or retype one field of one record, and add an invalid record so that nothing may be written.
        let mut rng = StdRng::seed_from_u64(7);
        for _ in 0..40 {
            let mut b = base.clone();
            let list = pick(&mut rng, &["contracts", "commitments", "evidence"]);
            let records = b[list].as_array_mut().unwrap();
            let i = rng.random_range(0..records.len());
            let keys: Vec<String> = records[i].as_object().unwrap().keys().cloned().collect();
            let key = keys[rng.random_range(0..keys.len())].clone();
            match rng.random_range(0..3) {
                0 => { records[i].as_object_mut().unwrap().remove(&key); }
                1 => records[i][&key] = json!([1, 2]),
                _ => records[i][&key] = json!("\u{202e}\u{0000}x".repeat(rng.random_range(1..50))),
            }
            b["evidence"].as_array_mut().unwrap().push(json!({"externalId": "BAD", "commitmentExternalId": "K1/1", "periodStart": "2024-04-01", "periodEnd": "2025-04-30", "quantity": "1"}));
            requests.push(json!({"query": SYNC, "variables": {"input": b}}));
        }
        let oversized: Vec<Value> = (0..10_001).map(|i| json!({"ref": format!("S{i}"), "name": "x", "isSme": false, "isVcse": false})).collect();
        requests.push(json!({"query": SYNC, "variables": {"input": {"councilCode": "LIV", "suppliers": oversized}}}));
        requests.push(json!({"query": SYNC, "variables": "not an object"}));
        requests.push(json!({"query": 42}));

        let client = reqwest::Client::new();
        for r in &requests {
            let res = client.post(app.url("/graphql")).bearer_auth(&sync).json(r).send().await.unwrap();
            let status = res.status().as_u16();
            let text = res.text().await.unwrap();
            let shown = || format!("{} -> {status} {}", r.to_string().chars().take(200).collect::<String>(), text.chars().take(300).collect::<String>());
            assert!(status < 500, "{}", shown());
            assert!(serde_json::from_str::<Value>(&text).is_ok(), "not JSON: {}", shown());
            assert_eq!(leaks(&text), None, "{}", shown());
            let body: Value = serde_json::from_str(&text).unwrap();
            if let Some(applied) = body.pointer("/data/syncCouncilData/applied") {
                assert_eq!(applied, false, "an invalid batch was applied: {}", shown());
            }
        }
        // Not one of them wrote anything.
        assert_eq!(app.ok(&token("auditor", &[]), counts, json!({})).await, before);
    })
    .await;
}
