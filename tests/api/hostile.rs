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
    ["select ", "insert into", "update ", "syntax error at", "sqlx", "sqlite", "postgres", "panicked", "stack backtrace"]
        .into_iter()
        .find(|w| lower.contains(w))
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
        for q in [
            "{",
            "}",
            "{ contracts { edges { node { id } }",
            "query { nope }",
            "{ contracts(first: \"ten\") { totalCount } }",
            "{ contracts(first: -1) { totalCount } }",
            "{ contracts(first: 501) { totalCount } }",
            &"{ a".repeat(300),
            "mutation { syncCouncilData }",
            "subscription { x }",
            "{ node(id: \"not-an-id\") { id } }",
            "{ node(id: \"Q29udHJhY3Q6OTk5OTk5OTk5OTk5\") { id } }",
            "\u{0000}",
            "query($x: Int!) { councils { code } }",
        ] {
            requests.push(json!({"query": q}));
        }
        // Scalars: decimals, dates, years and ids that must be refused.
        let base = small_batch("LIV");
        let mutations: Vec<(&str, Value)> = vec![
            ("/contracts/0/valueGbp", json!("1e400")),
            ("/contracts/0/valueGbp", json!("NaN")),
            ("/contracts/0/valueGbp", json!(12.5)),
            ("/contracts/0/valueGbp", json!("99999999999999999999999999")),
            ("/contracts/0/valueGbp", json!("1.234")),
            ("/contracts/0/valueGbp", json!("-5")),
            ("/contracts/0/startDate", json!("2024-02-30")),
            ("/contracts/0/endDate", json!("2023-01-01")),
            ("/contracts/0/startDate", json!("yesterday")),
            ("/commitments/0/financialYear", json!(1_000_000_000_000i64)),
            ("/commitments/0/financialYear", json!(1850)),
            ("/commitments/0/targetQuantity", json!("--1")),
            ("/commitments/1/measureCode", json!("NOPE-01")),
            ("/evidence/0/periodEnd", json!("2024-09-30")),
            ("/evidence/0/status", json!("APPROVED")),
            ("/evidence/1/commitmentExternalId", json!("missing")),
            ("/evidence/0/evidenceSha256", json!("abc")),
            ("/contracts/0/supplierRef", json!(null)),
            ("/councilCode", json!("ZZZ")),
            ("/contracts/0/title", json!("")),
            ("/evidence/0/quantity", json!("0.001")),
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
                0 => {
                    records[i].as_object_mut().unwrap().remove(&key);
                }
                1 => records[i][&key] = json!([1, 2]),
                _ => records[i][&key] = json!("\u{202e}\u{0000}x".repeat(rng.random_range(1..50))),
            }
            b["evidence"]
                .as_array_mut()
                .unwrap()
                .push(json!({"externalId": "BAD", "commitmentExternalId": "K1/1", "periodStart": "2024-04-01", "periodEnd": "2025-04-30", "quantity": "1"}));
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

/// The code and message of the first error, and the status.
async fn refusal(app: &TestApp, tok: &str, query: &str, variables: Value) -> (u16, String, String) {
    let (status, body) = app.gql(Some(tok), query, variables).await;
    let e = &body["errors"][0];
    (
        status,
        e["extensions"]["code"].as_str().unwrap_or_else(|| panic!("expected an error: {body}")).to_owned(),
        e["message"].as_str().unwrap_or_default().to_owned(),
    )
}

#[tokio::test]
async fn nul_characters_are_refused_everywhere_and_named_per_record_in_a_sync() {
    on_each_backend(|app| async move {
        seed_framework(&app).await;
        let (viewer, admin, sync) = (token("council_viewer", &["LIV"]), token("regional_admin", &[]), token("council_sync", &["LIV"]));
        let cases: Vec<(&str, &str, Value)> = vec![
            (&viewer, "query($c: [String!]) { contracts(filter: {councilCodes: $c}) { totalCount } }", json!({"c": ["LIV\u{0}"]})),
            (&viewer, "{ contracts(filter: {supplierRefs: [\"S\\u0000\"]}) { totalCount } }", json!({})),
            (&viewer, "query($n: String) { suppliers(filter: {nameContains: $n}) { totalCount } }", json!({"n": "a\u{0}"})),
            (&admin, "mutation($i: CouncilInput!) { upsertCouncil(input: $i) { code } }", json!({"i": {"code": "ZZ\u{0}", "name": "Z", "gssCode": "E1"}})),
            (&admin, "mutation($i: ThemeInput!) { upsertTheme(input: $i) { code } }", json!({"i": {"code": "T1", "name": "N\u{0}"}})),
            (&sync, SYNC, json!({"input": {"councilCode": "LIV\u{0}"}})),
        ];
        for (tok, q, v) in cases {
            let (status, code, message) = refusal(&app, tok, q, v.clone()).await;
            assert_eq!((status, code.as_str()), (200, "BAD_USER_INPUT"), "{q} {v}: {message}");
        }
        let mut batch = small_batch("LIV");
        batch["contracts"][0]["title"] = json!("Library\u{0}");
        batch["evidence"][1]["evidenceUrl"] = json!("https://x/\u{0}");
        let d = app.ok(&sync, SYNC, json!({"input": batch})).await;
        let errors = &d["syncCouncilData"]["errors"];
        assert_eq!(d["syncCouncilData"]["applied"], false);
        assert_eq!(errors.as_array().unwrap().len(), 2, "{errors}");
        assert_eq!((&errors[0]["entity"], &errors[0]["index"]), (&json!("CONTRACT"), &json!(0)));
        assert!(errors[0]["message"].as_str().unwrap().starts_with("title: contains a NUL"), "{errors}");
        assert_eq!((&errors[1]["entity"], &errors[1]["index"]), (&json!("EVIDENCE"), &json!(1)));
        assert!(errors[1]["message"].as_str().unwrap().starts_with("evidenceUrl: contains a NUL"), "{errors}");
    })
    .await;
}

#[tokio::test]
async fn filter_lists_are_capped_and_deduplicated() {
    on_each_backend(|app| async move {
        seed_framework(&app).await;
        app.ok(&token("council_sync", &["LIV"]), SYNC, json!({"input": small_batch("LIV")})).await;
        let tok = token("auditor", &[]);
        let many: Vec<String> = (0..100_000).map(|i| format!("K{i}")).collect();
        for q in [
            "query($v: [String!]) { contracts(filter: {externalIds: $v}) { totalCount } }",
            "query($v: [String!]) { rollup(filter: {supplierRefs: $v}) { totals { committedValue } } }",
            "query($v: [String!]) { auditEvents(filter: {councilCodes: $v}) { totalCount } }",
        ] {
            let (_, code, message) = refusal(&app, &tok, q, json!({"v": many})).await;
            assert_eq!(code, "BAD_USER_INPUT", "{q}");
            assert!(message.contains("at most 1000 values"), "{q}: {message}");
        }
        // A thousand copies of one value are one value.
        let d = app.ok(&tok, "query($v: [String!]) { contracts(filter: {externalIds: $v}) { totalCount } }", json!({"v": vec!["K1"; 1000]})).await;
        assert_eq!(d["contracts"]["totalCount"], 1);
    })
    .await;
}

#[tokio::test]
async fn codes_have_one_syntax_and_are_never_trimmed() {
    on_each_backend(|app| async move {
        seed_framework(&app).await;
        let admin = token("regional_admin", &[]);
        let upsert = "mutation($i: CouncilInput!) { upsertCouncil(input: $i) { code name } }";
        for code in [" LIV", "LIV ", "LI\tV", "LIV\n", "", "LIV/2", &"A".repeat(65)] {
            let (_, c, message) = refusal(&app, &admin, upsert, json!({"i": {"code": code, "name": "Overwritten", "gssCode": "E08000012"}})).await;
            assert_eq!(c, "BAD_USER_INPUT", "{code:?}");
            assert!(message.contains("a code is 1 to 64"), "{code:?}: {message}");
        }
        let d = app.ok(&admin, "{ councils { code name } }", json!({})).await;
        assert!(d["councils"].as_array().unwrap().iter().any(|c| c["code"] == "LIV" && c["name"] == "Liverpool City Council"), "{d}");
        let (_, c, _) =
            refusal(&app, &admin, "mutation($i: ThemeInput!) { upsertTheme(input: $i) { code } }", json!({"i": {"code": "JOBS\u{7}", "name": "x"}})).await;
        assert_eq!(c, "BAD_USER_INPUT");
    })
    .await;
}

#[tokio::test]
async fn empty_batches_missing_queries_and_huge_documents_get_plain_early_refusals() {
    on_each_backend(|app| async move {
        let client = reqwest::Client::new();
        let tok = token("auditor", &[]);
        for (body, expected) in
            [(json!([]), "the batch is empty"), (json!({"variables": {}}), "no GraphQL document"), (json!({"query": "   "}), "no GraphQL document")]
        {
            let res = client.post(app.url("/graphql")).bearer_auth(&tok).json(&body).send().await.unwrap();
            let status = res.status().as_u16();
            let json: Value = res.json().await.unwrap();
            let message = json["errors"][0]["message"].as_str().unwrap_or_default();
            assert!(message.contains(expected), "{body}: {status} {json}");
            assert!(!message.contains("-->") && !message.contains("= expected"), "a parser diagram: {message}");
            assert_eq!(json["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
        }
        // 100,000 directives: refused by counting tokens, before any parsing.
        let query = format!("{{ viewer {} {{ role }} }}", "@skip(if: false) ".repeat(100_000));
        let (_, code, message) = refusal(&app, &tok, &query, json!({})).await;
        assert_eq!(code, "BAD_USER_INPUT");
        assert!(message.contains("SVH_MAX_QUERY_TOKENS"), "{message}");
    })
    .await;
}
