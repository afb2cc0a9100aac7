//! Rollups and the delivery trend: every figure of the oracle's
//! expected.json exactly, groups that add up, and the access rules.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde_json::{Value, json};
use social_value_hub::dataset::Dataset;
use social_value_hub::dataset::generate::{Scale, generate, write_dir};

use crate::helpers::*;

const ROLLUP: &str = "query($f: RollupFilter, $g: [RollupDimension!]!) { rollup(filter: $f, groupBy: $g) {
    totals { ...m } groups { key { council { code } theme { code } measure { code } supplier { ref } contract { externalId council { code } } financialYear } metrics { ...m } } } }
    fragment m on RollupMetrics { commitmentCount evidenceCount committedValue deliveredValue verifiedValue committedQuantity deliveredQuantity deliveryRate contractValue socialValueRatio }";

pub(crate) fn expected(scale: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(scale).join("expected.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The metrics named by the oracle (strings of 4 or 2 dp, counts), checked exactly.
fn check(what: &str, got: &Value, want: &Value) {
    for (field, key) in [("commitmentCount", "commitment_count"), ("evidenceCount", "evidence_count")] {
        if let Some(w) = want.get(key) {
            assert_eq!(got[field].as_i64(), w.as_i64(), "{what} {field}");
        }
    }
    for (field, key) in [
        ("committedValue", "committed_value"),
        ("deliveredValue", "delivered_value"),
        ("verifiedValue", "verified_value"),
        ("contractValue", "contract_value"),
        ("committedQuantity", "committed_quantity"),
        ("deliveredQuantity", "delivered_quantity"),
    ] {
        if let Some(w) = want.get(key) {
            assert_eq!(dec(&got[field]), dec(w), "{what} {field}");
        }
    }
}

fn zero() -> Value {
    json!({"commitmentCount": 0, "evidenceCount": 0, "committedValue": "0", "deliveredValue": "0", "verifiedValue": "0", "contractValue": "0",
           "committedQuantity": "0", "deliveredQuantity": "0"})
}

async fn rollup(app: &TestApp, filter: Value, group_by: Value) -> Value {
    app.ok(&token("dashboard", &[]), ROLLUP, json!({"f": filter, "g": group_by})).await["rollup"].clone()
}

fn groups_by(r: &Value, key: impl Fn(&Value) -> String) -> HashMap<String, &Value> {
    r["groups"].as_array().unwrap().iter().map(|g| (key(&g["key"]), &g["metrics"])).collect()
}

pub(crate) async fn check_against_oracle(app: &TestApp, exp: &Value) {
    let r = rollup(app, Value::Null, json!([])).await;
    check("regional", &r["totals"], &exp["regional"]);
    assert_eq!(r["groups"], json!([]));

    let r = rollup(app, Value::Null, json!(["COUNCIL"])).await;
    let got = groups_by(&r, |k| k["council"]["code"].as_str().unwrap().to_owned());
    for want in exp["by_council"].as_array().unwrap() {
        check(&format!("council {}", want["council_code"]), got[want["council_code"].as_str().unwrap()], want);
    }
    let r = rollup(app, Value::Null, json!(["THEME"])).await;
    let got = groups_by(&r, |k| k["theme"]["code"].as_str().unwrap().to_owned());
    for want in exp["by_theme"].as_array().unwrap() {
        check(&format!("theme {}", want["theme_code"]), got[want["theme_code"].as_str().unwrap()], want);
    }
    let r = rollup(app, Value::Null, json!(["FINANCIAL_YEAR"])).await;
    let got = groups_by(&r, |k| k["financialYear"].to_string());
    for want in exp["by_financial_year"].as_array().unwrap() {
        check(&format!("year {}", want["financial_year"]), got[&want["financial_year"].to_string()], want);
    }

    let fy = json!({"financialYears": [2024]});
    let r = rollup(app, fy.clone(), json!([])).await;
    check("fy2024", &r["totals"], &exp["fy2024"]["regional"]);
    let r = rollup(app, fy.clone(), json!(["COUNCIL", "THEME"])).await;
    let got = groups_by(&r, |k| format!("{}/{}", k["council"]["code"].as_str().unwrap(), k["theme"]["code"].as_str().unwrap()));
    let z = zero();
    for want in exp["fy2024"]["by_council_theme"].as_array().unwrap() {
        let key = format!("{}/{}", want["council_code"].as_str().unwrap(), want["theme_code"].as_str().unwrap());
        check(&format!("fy2024 {key}"), got.get(&key).copied().unwrap_or(&z), want);
    }
    let r = rollup(app, fy.clone(), json!(["MEASURE"])).await;
    let got = groups_by(&r, |k| k["measure"]["code"].as_str().unwrap().to_owned());
    for want in exp["fy2024"]["by_measure"].as_array().unwrap() {
        let m = got.get(want["measure_code"].as_str().unwrap()).copied().unwrap_or(&z);
        check(&format!("fy2024 measure {}", want["measure_code"]), m, want);
    }

    for sample in exp["contract_samples"].as_array().unwrap() {
        let council = sample["council_code"].as_str().unwrap();
        let r = app.ok(&token("auditor", &[]), ROLLUP, json!({"f": {"councilCodes": [council]}, "g": ["CONTRACT"]})).await;
        let got = groups_by(&r["rollup"], |k| k["contract"]["externalId"].as_str().unwrap().to_owned());
        let m = got[sample["external_id"].as_str().unwrap()];
        check(&format!("contract {council}/{}", sample["external_id"]), m, sample);
        assert_eq!(dec(&m["contractValue"]), dec(&sample["value_gbp"]));
    }
}

#[tokio::test]
async fn rollups_of_the_tiny_region_match_the_oracle_exactly() {
    on_each_backend(|app| async move {
        app.load_fixture("tiny").await;
        check_against_oracle(&app, &expected("tiny")).await;
    })
    .await;
}

#[tokio::test]
async fn rollups_of_the_small_region_match_the_oracle_exactly() {
    // The project's generator writes the same files as the oracle's generator:
    // the sha256 of every file is in expected.json.
    let exp = expected("small");
    let ds = generate(Scale::Small, 1);
    assert_writes_the_oracles_files(&ds, &exp, "small");
    on_each_backend(|app| {
        let exp = exp.clone();
        async move {
            app.load_generated(Scale::Small).await;
            check_against_oracle(&app, &exp).await;
        }
    })
    .await;
}

/// `ds`, written out, has exactly the sha256 that the oracle's expected.json lists for each file.
pub(crate) fn assert_writes_the_oracles_files(ds: &Dataset, exp: &Value, name: &str) {
    let dir = std::env::temp_dir().join(format!("svh-{name}-{}", std::process::id()));
    write_dir(ds, &dir).unwrap();
    for (file, meta) in exp["files"].as_object().unwrap() {
        use sha2::Digest;
        let digest = hex::encode(sha2::Sha256::digest(std::fs::read(dir.join(file)).unwrap()));
        assert_eq!(digest, meta["sha256"].as_str().unwrap(), "{file} differs from the oracle's");
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn the_delivery_trend_lists_quarters_with_evidence_in_time_order() {
    on_each_backend(|app| async move {
        app.load_fixture("tiny").await;
        let q = "query($f: RollupFilter) { deliveryTrend(filter: $f) { financialYear quarter deliveredValue verifiedValue evidenceCount } }";
        let d = app.ok(&token("dashboard", &[]), q, json!({})).await;
        let points = d["deliveryTrend"].as_array().unwrap();
        let keys: Vec<(i64, i64)> = points.iter().map(|p| (p["financialYear"].as_i64().unwrap(), p["quarter"].as_i64().unwrap())).collect();
        let mut sorted = keys.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(keys, sorted, "in time order, each quarter once");
        assert!(points.iter().all(|p| p["evidenceCount"].as_i64().unwrap() > 0));
        let exp = expected("tiny");
        let delivered: i128 = points.iter().map(|p| dec(&p["deliveredValue"])).sum();
        let verified: i128 = points.iter().map(|p| dec(&p["verifiedValue"])).sum();
        let count: i64 = points.iter().map(|p| p["evidenceCount"].as_i64().unwrap()).sum();
        assert_eq!((delivered, verified, count), (dec(&exp["regional"]["delivered_value"]), dec(&exp["regional"]["verified_value"]), 291));
        // Filtered to FY 2024: the four quarters add up to that year's delivery.
        let d = app.ok(&token("dashboard", &[]), q, json!({"f": {"financialYears": [2024]}})).await;
        let points = d["deliveryTrend"].as_array().unwrap();
        assert!(points.iter().all(|p| p["financialYear"] == 2024));
        let delivered: i128 = points.iter().map(|p| dec(&p["deliveredValue"])).sum();
        assert_eq!(delivered, dec(&exp["fy2024"]["regional"]["delivered_value"]));
    })
    .await;
}

#[tokio::test]
async fn rollup_rules_quantities_ratios_access_and_tombstones() {
    on_each_backend(|app| async move {
        app.load_fixture("tiny").await;
        // Quantities only where a group is one measure.
        let r = rollup(&app, Value::Null, json!(["COUNCIL"])).await;
        assert!(r["totals"]["committedQuantity"].is_null() && r["groups"][0]["metrics"]["deliveredQuantity"].is_null());
        let r = rollup(&app, json!({"measureCodes": ["JOBS-01"]}), json!(["COUNCIL"])).await;
        assert!(r["totals"]["committedQuantity"].is_string() && r["groups"][0]["metrics"]["committedQuantity"].is_string());
        let r = rollup(&app, Value::Null, json!(["MEASURE"])).await;
        assert!(r["totals"]["committedQuantity"].is_null() && r["groups"][0]["metrics"]["committedQuantity"].is_string());
        // Ratios.
        let t = &rollup(&app, Value::Null, json!([])).await["totals"];
        let rate = t["deliveryRate"].as_f64().unwrap();
        assert!((rate - dec(&t["deliveredValue"]) as f64 / dec(&t["committedValue"]) as f64).abs() < 1e-12);
        let ratio = t["socialValueRatio"].as_f64().unwrap();
        assert!((ratio - dec(&t["committedValue"]) as f64 / dec(&t["contractValue"]) as f64).abs() < 1e-12);
        let none = rollup(&app, json!({"financialYears": [2031]}), json!([])).await;
        assert!(none["totals"]["deliveryRate"].is_null() && none["totals"]["socialValueRatio"].is_null());
        assert_eq!(none["totals"]["commitmentCount"], 0);

        // Grouping by CONTRACT needs readable councils named.
        for (tok, f) in [
            (token("dashboard", &[]), json!({"councilCodes": ["LIV"]})),
            (token("council_viewer", &["HAL"]), json!({"councilCodes": ["LIV"]})),
            (token("auditor", &[]), json!({})),
            (token("auditor", &[]), json!({"councilCodes": []})),
        ] {
            assert_eq!(app.error_code(&tok, ROLLUP, json!({"f": f, "g": ["CONTRACT"]})).await, "FORBIDDEN");
        }
        app.ok(&token("council_viewer", &["LIV"]), ROLLUP, json!({"f": {"councilCodes": ["LIV"]}, "g": ["CONTRACT"]})).await;
        // Any role may roll up any council otherwise; unknown codes are bad input.
        app.ok(&token("council_viewer", &["HAL"]), ROLLUP, json!({"f": {"councilCodes": ["LIV"]}, "g": ["THEME"]})).await;
        assert_eq!(app.error_code(&token("dashboard", &[]), ROLLUP, json!({"f": {"councilCodes": ["XXX"]}, "g": []})).await, "BAD_USER_INPUT");

        // A tombstoned contract never counts.
        let before = rollup(&app, json!({"councilCodes": ["HAL"]}), json!([])).await["totals"].clone();
        let sample = &expected("tiny")["contract_samples"][0];
        assert_eq!(sample["council_code"], "HAL");
        let del = json!({"councilCode": "HAL", "deletions": [{"entity": "CONTRACT", "externalId": sample["external_id"]}]});
        app.ok(&token("council_sync", &["HAL"]), SYNC, json!({"input": del})).await;
        let after = rollup(&app, json!({"councilCodes": ["HAL"]}), json!([])).await["totals"].clone();
        assert_eq!(dec(&before["committedValue"]) - dec(&after["committedValue"]), dec(&sample["committed_value"]));
        assert_eq!(dec(&before["deliveredValue"]) - dec(&after["deliveredValue"]), dec(&sample["delivered_value"]));
        assert_eq!(dec(&before["contractValue"]) - dec(&after["contractValue"]), dec(&sample["value_gbp"]));
        assert_eq!(before["commitmentCount"].as_i64().unwrap() - after["commitmentCount"].as_i64().unwrap(), sample["commitment_count"].as_i64().unwrap());
    })
    .await;
}

#[tokio::test]
async fn a_councils_rollup_by_supplier_from_the_cells_agrees_with_its_contracts_from_the_records() {
    on_each_backend(|app| async move {
        app.load_fixture("tiny").await;
        let auditor = token("auditor", &[]);
        // One council by supplier: one summary row per group, read without GROUP BY.
        let by_supplier = rollup(&app, json!({"councilCodes": ["LIV"]}), json!(["SUPPLIER"])).await;
        // The same council by supplier and contract: from the records.
        let q = ROLLUP.replace("dashboard", "auditor");
        let by_contract = app.ok(&auditor, &q, json!({"f": {"councilCodes": ["LIV"]}, "g": ["SUPPLIER", "CONTRACT"]})).await["rollup"].clone();
        let mut summed: BTreeMap<String, [i128; 6]> = BTreeMap::new();
        for g in by_contract["groups"].as_array().unwrap() {
            let m = &g["metrics"];
            let s = summed.entry(g["key"]["supplier"]["ref"].as_str().unwrap().to_owned()).or_default();
            // A contract is in one group, so contract values add up over a supplier's contracts.
            for (i, f) in ["committedValue", "deliveredValue", "verifiedValue", "contractValue"].iter().enumerate() {
                s[i] += dec(&m[f]);
            }
            s[4] += m["commitmentCount"].as_i64().unwrap() as i128;
            s[5] += m["evidenceCount"].as_i64().unwrap() as i128;
        }
        let groups = by_supplier["groups"].as_array().unwrap();
        assert!(groups.len() > 1 && groups.len() == summed.len(), "{} suppliers against {}", groups.len(), summed.len());
        for g in groups {
            let m = &g["metrics"];
            let got = [dec(&m["committedValue"]), dec(&m["deliveredValue"]), dec(&m["verifiedValue"]), dec(&m["contractValue"]),
                m["commitmentCount"].as_i64().unwrap() as i128, m["evidenceCount"].as_i64().unwrap() as i128];
            assert_eq!(got, summed[g["key"]["supplier"]["ref"].as_str().unwrap()], "{}", g["key"]);
        }

        // Groups, keys and metrics resolve their fields in turn (graphql::inline):
        // aliases, fragments, type conditions, __typename and a field selected
        // twice answer as they do anywhere else.
        let q = "query { rollup(filter: {councilCodes: [\"LIV\"]}, groupBy: [SUPPLIER]) { groups { __typename
              k: key { ...s supplier { ... on Supplier { name } t: __typename } }
              metrics { ...m n: commitmentCount ... @include(if: false) { evidenceCount } ... on RollupMetrics { committedValue } } } } }
            fragment s on RollupKey { __typename supplier { ref } theme { code } }
            fragment m on RollupMetrics { commitmentCount committedValue __typename }";
        let shaped = app.ok(&auditor, q, json!({})).await;
        let shaped = shaped["rollup"]["groups"].as_array().unwrap();
        assert_eq!(shaped.len(), groups.len());
        let names: HashMap<String, String> = app.ok(&auditor, "{ suppliers(first: 500) { edges { node { ref name } } } }", json!({})).await["suppliers"]["edges"]
            .as_array().unwrap().iter().map(|e| (e["node"]["ref"].as_str().unwrap().to_owned(), e["node"]["name"].as_str().unwrap().to_owned())).collect();
        for (s, g) in shaped.iter().zip(groups) {
            let supplier_ref = g["key"]["supplier"]["ref"].as_str().unwrap();
            assert_eq!(s["__typename"], "RollupGroup");
            assert_eq!(s["k"], json!({"__typename": "RollupKey", "supplier": {"ref": supplier_ref, "name": names[supplier_ref], "t": "Supplier"}, "theme": null}));
            let m = &g["metrics"];
            assert_eq!(s["metrics"], json!({"commitmentCount": m["commitmentCount"], "committedValue": m["committedValue"], "__typename": "RollupMetrics", "n": m["commitmentCount"]}));
        }
    })
    .await;
}

/// Every cell table, row by row, in key order.
pub(crate) async fn cells(app: &TestApp) -> Vec<String> {
    use sea_orm::{ConnectionTrait, Statement};
    // Keys and counts, then each figure's parts (service::split_sum).
    let columns = |keys: &str, figures: &[&str]| {
        let parts = figures.iter().flat_map(|f| social_value_hub::service::split_sum::parts(f));
        keys.split(", ").map(str::to_owned).chain(parts).collect::<Vec<_>>().join(", ")
    };
    let delivered = ["delivered_quantity", "verified_quantity", "delivered_value", "verified_value"];
    let summary = [
        "contract_value",
        "committed_quantity",
        "committed_value",
        "shortfall_value",
        "delivered_quantity",
        "verified_quantity",
        "delivered_value",
        "verified_value",
    ];
    let tables = [
        ("rollup_delivered_quarterly", columns("supplier_id, council_id, theme_id, measure_id, financial_year, quarter, evidence", &delivered)),
        (
            "rollup_summary",
            columns(
                "supplier_id, council_id, theme_id, measure_id, financial_year, contracts, commitments, unvalued_commitments, evidence, behind_1, behind_2, behind_3, behind_4",
                &summary,
            ),
        ),
        ("commitment_delivery", columns("commitment_id", &["delivered_centi", "delivered_value", "verified_value"])),
        (
            "commitment_standing",
            columns("commitment_id, supplier_id, council_id, theme_id, measure_id, financial_year, progress, behind_from", &["shortfall_value"]),
        ),
    ];
    let mut out = Vec::new();
    for (table, columns) in &tables {
        let cols: Vec<&str> = columns.split(", ").collect();
        let select: Vec<String> = cols.iter().map(|c| format!("CAST({c} AS BIGINT) AS {c}")).collect();
        let sql = format!("SELECT {} FROM {table} ORDER BY {columns}", select.join(", "));
        for row in app.db.query_all_raw(Statement::from_string(app.db.get_database_backend(), sql)).await.unwrap() {
            let values: Vec<String> = cols.iter().map(|c| row.try_get::<i64>("", c).unwrap().to_string()).collect();
            out.push(format!("{table} {}", values.join(" ")));
        }
    }
    out
}

#[tokio::test]
async fn cells_kept_by_every_kind_of_write_equal_cells_built_from_the_records() {
    on_each_backend(|app| async move {
        app.load_fixture("tiny").await;
        let built = cells(&app).await;
        social_value_hub::service::rollup::cells::rebuild(&app.db).await.unwrap();
        assert_eq!(cells(&app).await, built, "cells kept while importing");

        let sync = token_for("hal-system", "council_sync", &["HAL"]);
        let officer = token_for("officer@halton.gov.uk", "council_editor", &["HAL"]);
        let admin = token("regional_admin", &[]);
        // A contract changes supplier and value; a commitment moves contract,
        // measure and year; evidence moves commitment and is rejected; one
        // piece is deleted; a new one arrives.
        let batch = json!({"councilCode": "HAL",
            "contracts": [{"externalId": "C00001", "title": "Bus shelter replacement, Widnes", "supplierRef": "SUP-00001",
                           "valueGbp": "2400000.00", "startDate": "2022-09-04", "endDate": "2025-08-31"}],
            "commitments": [{"externalId": "C00001/SV02", "contractExternalId": "C00002", "measureCode": "JOBS-03", "financialYear": 2023, "targetQuantity": "12"}],
            "evidence": [
                {"externalId": "EV00000002", "commitmentExternalId": "C00001/SV02", "periodStart": "2022-07-01", "periodEnd": "2022-09-30", "quantity": "43", "status": "REJECTED"},
                {"externalId": "EV-NEW", "commitmentExternalId": "C00002/SV01", "periodStart": "2024-04-01", "periodEnd": "2024-04-30", "quantity": "7.25"}],
            "deletions": [{"entity": "EVIDENCE", "externalId": "EV00000001"}]});
        assert_eq!(app.ok(&sync, SYNC, json!({"input": batch})).await["syncCouncilData"]["applied"], true);

        // An officer verifies submitted evidence, relinks another piece and changes a target.
        let d = app
            .ok(&officer, "{ evidence(filter: {statuses: [SUBMITTED], councilCodes: [\"HAL\"]}, first: 2) { edges { node { id version } } } commitments(filter: {councilCodes: [\"HAL\"]}, first: 3) { edges { node { id version } } } }", json!({}))
            .await;
        let (e1, e2) = (&d["evidence"]["edges"][0]["node"], &d["evidence"]["edges"][1]["node"]);
        let k = &d["commitments"]["edges"][2]["node"];
        app.ok(&officer, "mutation($id: ID!) { reviewEvidence(id: $id, decision: VERIFY) { status } }", json!({"id": e1["id"]})).await;
        app.ok(&officer, "mutation($id: ID!, $c: ID!, $v: Int!) { relinkEvidence(id: $id, commitmentId: $c, expectedVersion: $v) { version } }", json!({"id": e2["id"], "c": k["id"], "v": e2["version"]}))
            .await;
        let k0 = &d["commitments"]["edges"][0]["node"];
        app.ok(&officer, "mutation($id: ID!, $v: Int!) { setCommitmentTarget(id: $id, targetQuantity: \"99.5\", expectedVersion: $v) { version } }", json!({"id": k0["id"], "v": k0["version"]}))
            .await;

        // A measure moves to another theme.
        app.ok(&admin, "mutation { upsertMeasure(input: {code: \"JOBS-04\", themeCode: \"SOCIAL\", name: \"Work placements\", unit: \"weeks\"}) { code } }", json!({})).await;

        // A contract withdrawn with everything under it, and deleted evidence synced back.
        let d = app.ok(&officer, "{ contracts(filter: {councilCodes: [\"HAL\"]}, first: 3) { edges { node { id version } } } }", json!({})).await;
        let c = &d["contracts"]["edges"][2]["node"];
        app.ok(&officer, "mutation($id: ID!, $v: Int!) { withdrawRecord(id: $id, expectedVersion: $v) }", json!({"id": c["id"], "v": c["version"]})).await;
        let back = json!({"councilCode": "HAL", "evidence": [{"externalId": "EV00000001", "commitmentExternalId": "C00001/SV01",
            "periodStart": "2022-07-01", "periodEnd": "2022-07-31", "quantity": "48", "status": "VERIFIED"}]});
        assert_eq!(app.ok(&sync, SYNC, json!({"input": back})).await["syncCouncilData"]["applied"], true);

        // A new proxy, last, so that no other write recomputes its cells.
        app.ok(&admin, "mutation { setProxy(measureCode: \"JOBS-01\", financialYear: 2023, valueGbp: \"33000.00\") { financialYear } }", json!({})).await;

        let kept = cells(&app).await;
        assert_ne!(kept, built, "the writes changed the figures");
        social_value_hub::service::rollup::cells::rebuild(&app.db).await.unwrap();
        assert_eq!(kept, cells(&app).await, "cells kept by the writes differ from cells built from the records");
    })
    .await;
}
