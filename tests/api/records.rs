//! Reading records: connections, filters, node(id), the per-council scope,
//! DataLoaders, and figures that agree with the dataset's oracle.

use serde_json::{Value, json};

use crate::helpers::*;

fn expected() -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny/expected.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[tokio::test]
async fn commitment_and_evidence_figures_agree_with_the_oracle() {
    on_each_backend(|app| async move {
        app.load_fixture("tiny").await;
        let q = "query($c: [String!], $x: [String!]) { contracts(filter: {councilCodes: $c, externalIds: $x}) { edges { node {
                   externalId valueGbp supplier { ref } commitments { externalId financialYear targetQuantity measure { code }
                   committedValue deliveredValue verifiedValue evidence { status value financialYear quarter periodStart } } } } } }";
        let auditor = token("auditor", &[]);
        for sample in expected()["contract_samples"].as_array().unwrap() {
            let data = app.ok(&auditor, q, json!({"c": [sample["council_code"]], "x": [sample["external_id"]]})).await;
            let contract = &data["contracts"]["edges"][0]["node"];
            assert_eq!(contract["supplier"]["ref"], sample["supplier_ref"]);
            assert_eq!(dec(&contract["valueGbp"]), dec(&sample["value_gbp"]));
            let commitments = contract["commitments"].as_array().unwrap();
            assert_eq!(commitments.len(), sample["commitments"].as_array().unwrap().len());
            for want in sample["commitments"].as_array().unwrap() {
                let got = commitments.iter().find(|c| c["externalId"] == want["external_id"]).expect("commitment");
                assert_eq!(got["measure"]["code"], want["measure_code"]);
                for (field, key) in [("committedValue", "committed_value"), ("deliveredValue", "delivered_value"), ("verifiedValue", "verified_value")] {
                    assert_eq!(dec(&got[field]), dec(&want[key]), "{} {field}", want["external_id"]);
                }
                let evidence = got["evidence"].as_array().unwrap();
                assert_eq!(evidence.len() as u64, want["evidence_count"].as_u64().unwrap());
                // deliveredValue is the sum of the non-rejected evidence values.
                let delivered: i128 = evidence.iter().filter(|e| e["status"] != "REJECTED").map(|e| dec(&e["value"])).sum();
                assert_eq!(delivered, dec(&want["delivered_value"]));
                for e in evidence {
                    let start = e["periodStart"].as_str().unwrap();
                    let (y, m) = (start[0..4].parse::<i64>().unwrap(), start[5..7].parse::<i64>().unwrap());
                    assert_eq!(e["financialYear"], if m >= 4 { y } else { y - 1 });
                    assert_eq!(e["quarter"], json!(((m + 8) % 12) / 3 + 1), "{start}");
                }
            }
        }
    })
    .await;
}

#[tokio::test]
async fn lists_paginate_with_cursors_and_count_the_whole_filter() {
    on_each_backend(|app| async move {
        app.load_fixture("tiny").await;
        let tok = token("council_viewer", &["LIV"]);
        let q = "query($after: String) { contracts(first: 4, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { externalId council { code } } } } }";
        let mut seen = Vec::new();
        let mut after = Value::Null;
        let total = loop {
            let data = app.ok(&tok, q, json!({"after": after})).await;
            let conn = &data["contracts"];
            for edge in conn["edges"].as_array().unwrap() {
                assert_eq!(edge["node"]["council"]["code"], "LIV");
                seen.push(edge["node"]["externalId"].as_str().unwrap().to_owned());
            }
            if conn["pageInfo"]["hasNextPage"] != true {
                break conn["totalCount"].as_i64().unwrap();
            }
            after = conn["pageInfo"]["endCursor"].clone();
        };
        let liv_contracts = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny/contracts.csv"))
            .unwrap()
            .lines()
            .filter(|l| l.starts_with("LIV,"))
            .count();
        assert_eq!(seen.len(), liv_contracts);
        assert_eq!(total as usize, liv_contracts);
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), seen.len(), "no record twice");

        for bad in [-1, 501] {
            let code = app.error_code(&tok, "query($f: Int) { contracts(first: $f) { totalCount } }", json!({"f": bad})).await;
            assert_eq!(code, "BAD_USER_INPUT");
        }
        let code = app.error_code(&tok, "{ contracts(after: \"nonsense\") { totalCount } }", json!({})).await;
        assert_eq!(code, "BAD_USER_INPUT");
    })
    .await;
}

#[tokio::test]
async fn filters_select_what_a_dashboard_and_an_officer_need() {
    on_each_backend(|app| async move {
        app.load_fixture("tiny").await;
        let auditor = token("auditor", &[]);
        let csv = |file: &str| -> Vec<Vec<String>> {
            let text = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny").join(file)).unwrap();
            let mut r = csv::Reader::from_reader(text.as_bytes());
            r.records().map(|rec| rec.unwrap().iter().map(str::to_owned).collect()).collect()
        };
        let count = |data: &Value, list: &str| data[list]["totalCount"].as_u64().unwrap() as usize;

        let commitments = csv("commitments.csv");
        let d = app.ok(&auditor, "{ commitments(filter: {financialYears: [2024], measureCodes: [\"JOBS-01\", \"ENV-01\"]}) { totalCount } }", json!({})).await;
        assert_eq!(count(&d, "commitments"), commitments.iter().filter(|c| c[4] == "2024" && (c[3] == "JOBS-01" || c[3] == "ENV-01")).count());
        let d = app.ok(&auditor, "{ commitments(filter: {themeCodes: [\"ENV\"], councilCodes: [\"HAL\"]}) { totalCount } }", json!({})).await;
        assert_eq!(count(&d, "commitments"), commitments.iter().filter(|c| c[3].starts_with("ENV-") && c[0] == "HAL").count());

        let evidence = csv("evidence.csv");
        let d = app.ok(&auditor, "{ evidence(filter: {statuses: [REJECTED]}) { totalCount } }", json!({})).await;
        assert_eq!(count(&d, "evidence"), evidence.iter().filter(|e| e[6] == "rejected").count());

        let contracts = csv("contracts.csv");
        let d = app.ok(&auditor, "{ contracts(filter: {supplierRefs: [\"SUP-00002\"]}) { totalCount } }", json!({})).await;
        assert_eq!(count(&d, "contracts"), contracts.iter().filter(|c| c[3] == "SUP-00002").count());

        let d = app.ok(&auditor, "{ suppliers(filter: {nameContains: \"WHITTAKER\"}) { totalCount edges { node { ref } } } }", json!({})).await;
        assert_eq!(count(&d, "suppliers"), csv("suppliers.csv").iter().filter(|s| s[1].to_lowercase().contains("whittaker")).count());
        assert!(count(&d, "suppliers") > 0);

        // A contract's commitments, then those commitments' evidence, by id.
        let d = app
            .ok(&auditor, "{ contracts(first: 1, filter: {councilCodes: [\"KNO\"]}) { edges { node { id commitments { id evidence { id } } } } } }", json!({}))
            .await;
        let contract = &d["contracts"]["edges"][0]["node"];
        let d2 = app.ok(&auditor, "query($ids: [ID!]) { commitments(filter: {contractIds: $ids}) { totalCount } }", json!({"ids": [contract["id"]]})).await;
        assert_eq!(count(&d2, "commitments"), contract["commitments"].as_array().unwrap().len());
        let ids: Vec<Value> = contract["commitments"].as_array().unwrap().iter().map(|c| c["id"].clone()).collect();
        let n: usize = contract["commitments"].as_array().unwrap().iter().map(|c| c["evidence"].as_array().unwrap().len()).sum();
        let d3 = app.ok(&auditor, "query($ids: [ID!]) { evidence(filter: {commitmentIds: $ids}) { totalCount } }", json!({"ids": ids})).await;
        assert_eq!(count(&d3, "evidence"), n);
    })
    .await;
}

#[tokio::test]
async fn node_fetches_records_the_caller_may_read_and_forbids_the_rest() {
    on_each_backend(|app| async move {
        app.load_fixture("tiny").await;
        let d = app.ok(&token("auditor", &[]), "{ evidence(first: 1, filter: {councilCodes: [\"LIV\"]}) { edges { node { id commitment { id contract { id } } } } } }", json!({})).await;
        let ev = &d["evidence"]["edges"][0]["node"];
        let ids = [ev["id"].clone(), ev["commitment"]["id"].clone(), ev["commitment"]["contract"]["id"].clone()];
        let q = "query($id: ID!) { node(id: $id) { __typename id ... on Contract { externalId } ... on Commitment { externalId } ... on Evidence { externalId } } }";
        for (id, typename) in ids.iter().zip(["Evidence", "Commitment", "Contract"]) {
            let data = app.ok(&token("council_viewer", &["LIV"]), q, json!({"id": id})).await;
            assert_eq!(data["node"]["__typename"], typename);
            assert_eq!(&data["node"]["id"], id);
            assert_eq!(app.error_code(&token("council_viewer", &["HAL"]), q, json!({"id": id})).await, "FORBIDDEN");
            assert_eq!(app.error_code(&token("dashboard", &[]), q, json!({"id": id})).await, "FORBIDDEN");
        }
        // An id that names nothing is null; one that is not an id is bad input.
        let missing = social_value_hub_id("Contract:999999");
        let data = app.ok(&token("auditor", &[]), q, json!({"id": missing})).await;
        assert!(data["node"].is_null());
        assert_eq!(app.error_code(&token("auditor", &[]), q, json!({"id": "garbage!"})).await, "BAD_USER_INPUT");
    })
    .await;
}

fn social_value_hub_id(raw: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
}

#[tokio::test]
async fn other_councils_records_are_invisible_and_naming_them_is_forbidden() {
    on_each_backend(|app| async move {
        app.load_fixture("tiny").await;
        let hal = token("council_editor", &["HAL"]);
        let q = "{ contracts(first: 500) { totalCount edges { node { council { code } commitments { council { code } evidence { council { code } } } } } }
                   commitments(first: 500) { edges { node { council { code } } } } evidence(first: 500) { edges { node { council { code } } } } }";
        let data = app.ok(&hal, q, json!({})).await;
        assert!(data["contracts"]["totalCount"].as_i64().unwrap() > 0);
        let text = data.to_string();
        assert!(!text.contains("\"LIV\"") && !text.contains("\"KNO\""), "leaked another council's record");
        for q in [
            "{ contracts(filter: {councilCodes: [\"LIV\"]}) { totalCount } }",
            "{ contracts(filter: {councilCodes: [\"HAL\", \"KNO\"]}) { totalCount } }",
            "{ commitments(filter: {councilCodes: [\"LIV\"]}) { totalCount } }",
            "{ evidence(filter: {councilCodes: [\"LIV\"]}) { totalCount } }",
        ] {
            assert_eq!(app.error_code(&hal, q, json!({})).await, "FORBIDDEN", "{q}");
        }
        // Naming another council's contract or commitment by id in a filter.
        let d = app
            .ok(&token("auditor", &[]), "{ commitments(first: 1, filter: {councilCodes: [\"LIV\"]}) { edges { node { id contract { id } } } } }", json!({}))
            .await;
        let c = &d["commitments"]["edges"][0]["node"];
        let q = "query($ids: [ID!]) { commitments(filter: {contractIds: $ids}) { totalCount } }";
        assert_eq!(app.error_code(&hal, q, json!({"ids": [c["contract"]["id"]]})).await, "FORBIDDEN");
        let q = "query($ids: [ID!]) { evidence(filter: {commitmentIds: $ids}) { totalCount } }";
        assert_eq!(app.error_code(&hal, q, json!({"ids": [c["id"]]})).await, "FORBIDDEN");
        // The dashboard role reads no council's records at all.
        let d = app.ok(&token("dashboard", &[]), "{ contracts { totalCount } commitments { totalCount } evidence { totalCount } }", json!({})).await;
        assert_eq!(d, json!({"contracts":{"totalCount":0},"commitments":{"totalCount":0},"evidence":{"totalCount":0}}));
    })
    .await;
}

/// However a client spells it: `edges { node }`, the connection's `nodes`,
/// or one record by `node(id)`, what is selected beneath the records is
/// read as a page's is, so the same selection costs the same statements.
#[tokio::test]
async fn nodes_and_node_by_id_cost_the_statements_of_a_page() {
    on_each_backend(|app| async move {
        app.load_generated(social_value_hub::dataset::generate::Scale::Small).await;
        let tok = token("auditor", &[]);
        let fields = "id externalId council { code } supplier { ref name }
                   commitments { externalId measure { code theme { code } } committedValue deliveredValue verifiedValue deliveredQuantity
                   evidence { externalId value status commitment { contract { externalId } } } }";
        let edges = format!("{{ contracts(first: 20) {{ edges {{ node {{ {fields} }} }} }} }}");
        let nodes = format!("{{ contracts(first: 20) {{ nodes {{ {fields} }} }} }}");
        // Once first, so that this replica holds the reference tables for every query.
        app.ok(&tok, &edges, json!({})).await;
        let (by_edges, e) = app.count_statements(app.ok(&tok, &edges, json!({}))).await;
        let (by_nodes, n) = app.count_statements(app.ok(&tok, &nodes, json!({}))).await;
        let listed: Vec<&Value> = e["contracts"]["edges"].as_array().unwrap().iter().map(|e| &e["node"]).collect();
        assert_eq!(n["contracts"]["nodes"].as_array().unwrap().iter().collect::<Vec<_>>(), listed);
        let one = format!("query($id: ID!) {{ node(id: $id) {{ ... on Contract {{ {fields} }} }} }}");
        let (by_id, c) = app.count_statements(app.ok(&tok, &one, json!({"id": listed[0]["id"]}))).await;
        assert_eq!(&c["node"], listed[0]);
        eprintln!("statements: edges {by_edges}, nodes {by_nodes}, node(id) {by_id}");
        assert_eq!(by_nodes, by_edges, "nodes cost more statements than edges");
        // No page count, and the record by its id instead of a page.
        assert!(by_id < by_edges, "node(id) cost {by_id} statements, a page {by_edges}");
    })
    .await;
}

/// One contract by id with its supplier, its commitments with their
/// delivery, and their evidence: a statement per level, the supplier read
/// with the contract and the delivery with the commitments. SQLite asks
/// for the reference tables' version besides (PostgreSQL tells each replica).
#[tokio::test]
async fn a_contract_by_id_with_its_commitments_and_evidence_costs_three_statements() {
    on_each_backend(|app| async move {
        app.load_generated(social_value_hub::dataset::generate::Scale::Small).await;
        let tok = token("auditor", &[]);
        let fields = "externalId title supplier { ref name }
                   commitments { externalId measure { code theme { code } } committedValue deliveredValue verifiedValue deliveredQuantity
                   evidence { externalId status quantity } }";
        let listed = app.ok(&tok, "{ contracts(first: 1) { edges { node { id } } } }", json!({})).await;
        let id = &listed["contracts"]["edges"][0]["node"]["id"];
        let one = format!("query($id: ID!) {{ node(id: $id) {{ ... on Contract {{ {fields} }} }} }}");
        // Once first, so that this replica holds the reference tables.
        let first = app.ok(&tok, &one, json!({"id": id})).await;
        let (statements, again) = app.count_statements(app.ok(&tok, &one, json!({"id": id}))).await;
        assert_eq!(again, first);
        assert!(first["node"]["commitments"].as_array().unwrap().iter().any(|c| !c["evidence"].as_array().unwrap().is_empty()), "{first}");
        let version = u64::from(app.db.get_database_backend() == sea_orm::DbBackend::Sqlite);
        assert_eq!(statements, 3 + version, "a contract by id");
    })
    .await;
}

#[tokio::test]
async fn a_page_costs_the_same_statements_whatever_its_size() {
    on_each_backend(|app| async move {
        // The small region (1,000 contracts), made by the project's generator.
        app.load_generated(social_value_hub::dataset::generate::Scale::Small).await;
        let tok = token("auditor", &[]);
        let q = "query($n: Int) { contracts(first: $n) { totalCount edges { node { externalId council { code } supplier { ref name }
                   commitments { externalId measure { code theme { code } } committedValue deliveredValue verifiedValue deliveredQuantity
                   evidence { externalId value status commitment { contract { externalId } } } } } } } }";
        // Once first, so that this replica holds the reference tables for both pages.
        app.ok(&tok, q, json!({"n": 1})).await;
        let (small, d5) = app.count_statements(app.ok(&tok, q, json!({"n": 5}))).await;
        let (large, d50) = app.count_statements(app.ok(&tok, q, json!({"n": 50}))).await;
        assert_eq!(d5["contracts"]["edges"].as_array().unwrap().len(), 5);
        assert_eq!(d50["contracts"]["edges"].as_array().unwrap().len(), 50);
        eprintln!("statements: page of 5 = {small}, page of 50 = {large}");
        assert_eq!(small, large, "statements grew with page size");
        assert!(large <= 15, "{large} statements for one page");
    })
    .await;
}
