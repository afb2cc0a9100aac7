//! The schema as an Apollo Federation v2 subgraph: `_service { sdl }` with
//! the contract's keys, `_entities` with exactly `node`'s visibility for
//! every role and record, at a cost that does not grow with the number of
//! representations; and the subgraph composed with a second one under
//! `@apollo/gateway` (tests/clients/gateway.mjs), a federated query run
//! through the gateway over HTTP.

use serde_json::{Value, json};

use crate::helpers::*;

const ROLES: [&str; 6] = ["regional_admin", "council_editor", "council_sync", "council_viewer", "auditor", "dashboard"];

const FIELDS: &str = "... on Contract { id externalId title } ... on Commitment { id externalId targetQuantity } ... on Evidence { id externalId quantity }";

/// The first `n` ids of a kind of record, of one council.
async fn ids(app: &TestApp, list: &str, council: &str, n: usize) -> Vec<String> {
    let q = format!("query($c: [String!]) {{ {list}(first: {n}, filter: {{councilCodes: $c}}) {{ edges {{ node {{ id }} }} }} }}");
    let d = app.ok(&token("auditor", &[]), &q, json!({"c": [council]})).await;
    d[list]["edges"].as_array().unwrap().iter().map(|e| e["node"]["id"].as_str().unwrap().to_owned()).collect()
}

/// What a response says: its data (or null) and its error codes.
fn outcome(body: &Value, field: &str) -> (Value, Vec<Value>) {
    let data = if body["data"].is_null() { Value::Null } else { body["data"][field].clone() };
    let codes = body["errors"].as_array().map(|e| e.iter().map(|e| e["extensions"]["code"].clone()).collect()).unwrap_or_default();
    (data, codes)
}

#[tokio::test]
async fn the_subgraph_sdl_names_the_contracts_keys_and_follows_introspection() {
    on_each_backend(|app| async move {
        let d = app.ok(&token("dashboard", &[]), "{ _service { sdl } }", json!({})).await;
        let sdl = d["_service"]["sdl"].as_str().unwrap();
        assert!(sdl.contains("extend schema @link(") && sdl.contains("url: \"https://specs.apollo.dev/federation/v2."), "a Federation v2 subgraph: {sdl}");
        for (ty, key) in [("Council", "code"), ("Supplier", "ref"), ("Contract", "id"), ("Commitment", "id"), ("Evidence", "id")] {
            let line = sdl.lines().find(|l| l.starts_with(&format!("type {ty} "))).unwrap_or_else(|| panic!("no type {ty}"));
            assert!(line.contains(&format!("@key(fields: \"{key}\")")), "{line}");
        }
        // What `export-schema --federation` prints, for composing without a running service.
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_social-value-hub")).args(["export-schema", "--federation"]).output().unwrap();
        assert_eq!(String::from_utf8(out.stdout).unwrap(), sdl);
    })
    .await;
    // The SDL is the schema: with introspection switched off it is refused too.
    let app = TestApp::spawn_with(Backend::Sqlite, |c| c.limits.introspection = false).await;
    assert_eq!(app.error_code(&token("dashboard", &[]), "{ _service { sdl } }", json!({})).await, "BAD_USER_INPUT");
}

#[tokio::test]
async fn entities_answer_every_role_exactly_as_node_does_and_cost_the_same_for_any_number() {
    on_each_backend(|app| async move {
        app.load_fixture("tiny").await;
        let mut records = Vec::new();
        for council in ["LIV", "HAL"] {
            for list in ["contracts", "commitments", "evidence"] {
                records.extend(ids(&app, list, council, 2).await);
            }
        }
        // An id that names no record.
        let ghost = social_value_hub::graphql::ids::node_id(social_value_hub::graphql::ids::Kind::Contract, 999_999).to_string();
        records.push(ghost.clone());
        let node = format!("query($id: ID!) {{ node(id: $id) {{ {FIELDS} }} }}");
        let entities = format!("query($r: [_Any!]!) {{ _entities(representations: $r) {{ {FIELDS} }} }}");
        let typename = |id: &str| {
            let (kind, _) = social_value_hub::graphql::ids::parse_node_id(id).unwrap();
            social_value_hub::domain::NodeId::type_name(kind).to_owned()
        };
        for role in ROLES {
            let tok = token(role, &["LIV"]);
            for id in &records {
                let (_, by_node) = app.gql(Some(&tok), &node, json!({"id": id})).await;
                let (_, by_entities) = app.gql(Some(&tok), &entities, json!({"r": [{"__typename": typename(id), "id": id}]})).await;
                let (node_data, node_codes) = outcome(&by_node, "node");
                let (entity_data, entity_codes) = outcome(&by_entities, "_entities");
                assert_eq!(entity_codes, node_codes, "{role} {id}: {by_entities}");
                match node_data {
                    Value::Null => assert!(entity_data.is_null() || entity_data == json!([null]), "{role} {id}: {by_entities}"),
                    data => assert_eq!(entity_data, json!([data]), "{role} {id}"),
                }
                if !node_codes.is_empty() {
                    assert_eq!(entity_codes, vec![json!("FORBIDDEN")], "{role} {id}");
                    assert!(by_entities["data"].is_null() || by_entities["data"]["_entities"].is_null(), "nothing of it is sent: {by_entities}");
                }
            }
        }

        // A council viewer's own records, many at once: one statement per type, whatever their number.
        let viewer = token("council_viewer", &["LIV"]);
        let reps = |n: usize| -> Value {
            let mut out = Vec::new();
            for list in [&records[0..2], &records[2..4], &records[4..6]] {
                for id in list.iter().cycle().take(n) {
                    out.push(json!({"__typename": typename(id), "id": id}));
                }
            }
            json!({ "r": out })
        };
        let (few, d) = app.count_statements(app.gql(Some(&viewer), &entities, reps(1))).await;
        assert!(d.1["errors"].is_null(), "{}", d.1);
        let (many, d) = app.count_statements(app.gql(Some(&viewer), &entities, reps(40))).await;
        assert!(d.1["errors"].is_null(), "{}", d.1);
        assert_eq!(d.1["data"]["_entities"].as_array().unwrap().len(), 120);
        assert_eq!(few, many, "statements for 3 and for 120 representations");
        assert_eq!(many, 3, "one statement per type");

        // Councils by code and suppliers by ref are regional, as their lists are.
        let q = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Council { code name } ... on Supplier { ref } } }";
        let r = json!([{"__typename": "Council", "code": "HAL"}, {"__typename": "Council", "code": "NOPE"}, {"__typename": "Supplier", "ref": "NOPE"}]);
        let d = app.ok(&token("dashboard", &[]), q, json!({"r": r})).await;
        assert_eq!(d["_entities"][0]["code"], "HAL");
        assert_eq!(d["_entities"][1], Value::Null);
        assert_eq!(d["_entities"][2], Value::Null);
    })
    .await;
}

#[tokio::test]
async fn the_subgraph_composes_under_apollo_gateway_and_answers_a_federated_query() {
    let Some(dir) = clients_ready() else { return };
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        app.load_fixture("tiny").await;
        let councils = app.ok(&token("dashboard", &[]), "{ councils { code name } }", json!({})).await;
        let name_of = |code: &str| councils["councils"].as_array().unwrap().iter().find(|c| c["code"] == code).unwrap()["name"].clone();
        let contracts = "query { contracts(first: 50) { totalCount edges { node { externalId council { code claimantRate } supplier { ref } } } } }";
        let queries = json!([
            // Each subgraph's root field, with the other's fields on its councils.
            { "query": "{ labourMarket { code name gssCode claimantRate } councils { code claimantRate } }", "token": token("dashboard", &[]) },
            // The service's records, scoped per council, with the other subgraph's field on their council.
            { "query": contracts, "token": token("council_viewer", &["LIV"]) },
            { "query": contracts, "token": token("auditor", &[]) },
            // The gateway forwards the caller's token, or none.
            { "query": "{ viewer { role councils } }", "token": token("council_viewer", &["HAL"]) },
            { "query": "{ councils { code } }", "token": null },
        ]);
        let file = std::env::temp_dir().join(format!("svh-gateway-{}-{}.json", std::process::id(), app.addr.port()));
        std::fs::write(&file, queries.to_string()).unwrap();
        let r = run_client(&dir, "gateway.mjs", &[&app.url("/graphql"), &token("dashboard", &[]), file.to_str().unwrap()]).await;
        let _ = std::fs::remove_file(&file);
        assert!(r.get("error").is_none() && r.get("timedOut").is_none(), "{r:#}");
        let supergraph = r["supergraphSdl"].as_str().unwrap();
        assert!(supergraph.contains("join__graph(name: \"svh\"") && supergraph.contains("join__graph(name: \"labour\""), "{supergraph}");
        let responses = r["responses"].as_array().unwrap();

        let first = &responses[0];
        assert!(first["errors"].is_null(), "{first:#}");
        for c in first["data"]["labourMarket"].as_array().unwrap() {
            let code = c["code"].as_str().unwrap();
            assert_eq!(c["name"], name_of(code), "the service resolved {code} from the labour subgraph's reference");
        }
        let rate = |code: &str| first["data"]["councils"].as_array().unwrap().iter().find(|c| c["code"] == code).unwrap()["claimantRate"].clone();
        assert_eq!((rate("LIV"), rate("HAL")), (json!("5.1"), json!("3.9")), "the labour subgraph resolved the service's councils");

        let viewer = &responses[1]["data"]["contracts"];
        let edges = viewer["edges"].as_array().unwrap();
        assert!(!edges.is_empty(), "{:#}", responses[1]);
        assert!(edges.iter().all(|e| e["node"]["council"]["code"] == "LIV" && e["node"]["council"]["claimantRate"] == "5.1"), "{viewer:#}");
        let all = &responses[2]["data"]["contracts"];
        assert!(all["totalCount"].as_i64() > viewer["totalCount"].as_i64(), "the auditor reads more councils than LIV's viewer");

        assert_eq!(responses[3]["data"]["viewer"], json!({"role": "council_viewer", "councils": ["HAL"]}));
        assert_eq!(responses[4]["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{:#}", responses[4]);
    }
}
