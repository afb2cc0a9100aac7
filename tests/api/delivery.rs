//! Delivery tracking (contract v2): each commitment's status on a date and
//! its shortfall, the commitments filter by status, and `shortfallValue`
//! and `behindCount` in rollups, against the oracle's figures for the small
//! v2 region at its three dates; and that region's top suppliers.

use serde_json::{Value, json};

use crate::helpers::*;

const STATUSES: [&str; 5] = ["NOT_DUE", "ON_TRACK", "BEHIND", "NOT_STARTED", "DELIVERED"];

const FIGURES: &str = "query($f: RollupFilter, $g: [RollupDimension!]!) { rollup(filter: $f, groupBy: $g) {
    totals { shortfallValue behindCount } groups { key { council { code } financialYear framework { code } theme { code } } metrics { shortfallValue behindCount } } } }";

/// Σ of a metric over a rollup's groups.
fn sum_of(r: &Value, metric: &str) -> i128 {
    r["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| if metric == "behindCount" { g["metrics"][metric].as_i64().unwrap() as i128 } else { dec(&g["metrics"][metric]) })
        .sum()
}

#[tokio::test]
async fn statuses_shortfalls_commitments_behind_and_top_suppliers_of_the_small_v2_region_equal_the_oracles() {
    use social_value_hub::dataset::Version;
    use social_value_hub::dataset::generate::{Scale, generate_version};
    let exp = crate::rollup::expected("small-frameworks");
    let ds = generate_version(Scale::Small, 1, Version::V2);
    on_each_backend(|app| {
        let (exp, ds) = (exp.clone(), ds.clone());
        async move {
            social_value_hub::dataset::load::load_dataset(&app.db, &ds, 5_000, |_, _| {}).await.expect("load the small v2 region");
            let (dash, auditor) = (token("dashboard", &[]), token("auditor", &[]));
            for (as_of, want) in exp["delivery_asof"].as_object().unwrap() {
                let regional = &want["regional"];
                let rollup = |filter: Value, groups: &[&str]| {
                    let v = json!({"f": filter, "g": groups});
                    let dash = dash.clone();
                    let app = &app;
                    async move { app.ok(&dash, FIGURES, v).await["rollup"].clone() }
                };
                let f = json!({"asOf": as_of});
                let totals = rollup(f.clone(), &[]).await;
                assert_eq!(totals["totals"]["behindCount"], regional["behind_count"], "{as_of} regional behind");
                assert_eq!(dec(&totals["totals"]["shortfallValue"]), dec(&regional["shortfall_value"]), "{as_of} regional shortfall");
                let behind = regional["behind_count"].as_i64().unwrap() as i128;
                // Each way the rollup reads: a grouping of all years (and its
                // by-year count of commitments behind), cells by year, the finest
                // cells (a filter of several years), and the records (by framework).
                for (filter, groups) in [
                    (f.clone(), vec!["COUNCIL"]),
                    (f.clone(), vec!["COUNCIL", "FINANCIAL_YEAR"]),
                    (json!({"asOf": as_of, "financialYears": [2022, 2023, 2024, 2025, 2026]}), vec!["THEME"]),
                    (f.clone(), vec!["FRAMEWORK"]),
                ] {
                    let r = rollup(filter, &groups).await;
                    assert_eq!(sum_of(&r, "behindCount"), behind, "{as_of} {groups:?} behind");
                    assert_eq!(sum_of(&r, "shortfallValue"), dec(&regional["shortfall_value"]), "{as_of} {groups:?} shortfall");
                }
                let by_council = rollup(f.clone(), &["COUNCIL"]).await;
                for c in want["by_council"].as_array().unwrap() {
                    let code = c["council_code"].as_str().unwrap();
                    let g = by_council["groups"].as_array().unwrap().iter().find(|g| g["key"]["council"]["code"] == code).unwrap();
                    assert_eq!(g["metrics"]["behindCount"], c["behind_count"], "{as_of} {code} behind");
                    assert_eq!(dec(&g["metrics"]["shortfallValue"]), dec(&c["shortfall_value"]), "{as_of} {code} shortfall");
                    let counts = app
                        .ok(
                            &auditor,
                            "query($f: CommitmentFilter) { commitments(filter: $f, first: 0) { totalCount } }",
                            json!({"f": {"councilCodes": [code], "asOf": as_of, "deliveryStatuses": STATUSES}}),
                        )
                        .await;
                    let all: i64 = c["status_counts"].as_object().unwrap().values().map(|v| v.as_i64().unwrap()).sum();
                    assert_eq!(counts["commitments"]["totalCount"], all, "{as_of} {code}: every commitment has a status");
                    for status in STATUSES {
                        let got = app
                            .ok(
                                &auditor,
                                "query($f: CommitmentFilter) { commitments(filter: $f, first: 0) { totalCount } }",
                                json!({"f": {"councilCodes": [code], "asOf": as_of, "deliveryStatuses": [status]}}),
                            )
                            .await;
                        assert_eq!(got["commitments"]["totalCount"], c["status_counts"][status], "{as_of} {code} {status}");
                    }
                }
            }

            // The ten suppliers with the highest delivered value in the region, in one request.
            let top = &exp["top_suppliers"];
            let r = app
                .ok(
                    &dash,
                    "{ rollup(groupBy: [SUPPLIER], orderBy: [{metric: DELIVERED_VALUE, direction: DESC}], first: 10) {
                        groupCount groups { key { supplier { ref } } metrics { deliveredValue } } } }",
                    json!({}),
                )
                .await;
            assert_eq!(r["rollup"]["groupCount"], top["group_count"]);
            let got: Vec<(Value, i128)> =
                r["rollup"]["groups"].as_array().unwrap().iter().map(|g| (g["key"]["supplier"]["ref"].clone(), dec(&g["metrics"]["deliveredValue"]))).collect();
            let want: Vec<(Value, i128)> = top["groups"].as_array().unwrap().iter().map(|g| (g["supplier_ref"].clone(), dec(&g["delivered_value"]))).collect();
            assert_eq!(got, want);

            // Each sampled commitment's own status at each date, and its shortfall.
            for sample in exp["contract_samples"].as_array().unwrap() {
                let code = sample["council_code"].as_str().unwrap();
                let reader = token("council_viewer", &[code]);
                let ids: Vec<&str> = sample["commitments"].as_array().unwrap().iter().map(|k| k["external_id"].as_str().unwrap()).collect();
                let r = app
                    .ok(
                        &reader,
                        "query($c: [String!]) { contracts(filter: {externalIds: $c}) { nodes { commitments { externalId shortfallValue
                            a: deliveryStatus(asOf: \"2025-06-30\") b: deliveryStatus(asOf: \"2025-10-01\") c: deliveryStatus(asOf: \"2026-04-01\") } } } }",
                        json!({"c": [sample["external_id"]]}),
                    )
                    .await;
                let got = &r["contracts"]["nodes"][0]["commitments"];
                assert_eq!(got.as_array().unwrap().len(), ids.len());
                for k in sample["commitments"].as_array().unwrap() {
                    let g = got.as_array().unwrap().iter().find(|g| g["externalId"] == k["external_id"]).unwrap();
                    assert_eq!(dec(&g["shortfallValue"]), dec(&k["shortfall_value"]), "{}", k["external_id"]);
                    for (alias, date) in [("a", "2025-06-30"), ("b", "2025-10-01"), ("c", "2026-04-01")] {
                        assert_eq!(g[alias], k["delivery_status"][date], "{} on {date}", k["external_id"]);
                    }
                }
            }
        }
    })
    .await;
}

#[tokio::test]
async fn delivering_the_rest_of_a_target_moves_the_commitment_out_of_behind_at_once() {
    on_each_backend(|app| async move {
        app.load_fixture("tiny").await;
        let sync = token_for("hal-system", "council_sync", &["HAL"]);
        let dash = token("dashboard", &[]);
        let q = "query($f: RollupFilter) { rollup(filter: $f) { totals { behindCount shortfallValue } } }";
        let as_of = json!({"f": {"asOf": "2030-01-01", "councilCodes": ["HAL"]}});
        let before = app.ok(&dash, q, as_of.clone()).await["rollup"]["totals"].clone();
        // The first behind commitment of HAL, and what it lacks.
        let list = app
            .ok(
                &sync,
                "{ commitments(first: 1, filter: {deliveryStatuses: [BEHIND, NOT_STARTED], asOf: \"2030-01-01\"}) { totalCount nodes { externalId targetQuantity deliveredQuantity shortfallValue financialYear } } }",
                json!({}),
            )
            .await;
        let k = list["commitments"]["nodes"][0].clone();
        let lacking = dec(&k["targetQuantity"]) - dec(&k["deliveredQuantity"]);
        let fy = k["financialYear"].as_i64().unwrap();
        // `dec` reads ten-thousandths; quantities have two places.
        let quantity = format!("{}.{:02}", lacking / 10_000, (lacking % 10_000) / 100);
        let batch = json!({"councilCode": "HAL", "evidence": [{"externalId": "EV-CATCH-UP", "commitmentExternalId": k["externalId"],
            "periodStart": format!("{fy}-04-01"), "periodEnd": format!("{fy}-04-30"), "quantity": quantity}]});
        let r = app.ok(&sync, "mutation($i: SyncInput!) { syncCouncilData(input: $i) { applied errors { message } } }", json!({"i": batch})).await;
        assert_eq!(r["syncCouncilData"]["applied"], true, "{r}");
        let after = app.ok(&dash, q, as_of).await["rollup"]["totals"].clone();
        assert_eq!(after["behindCount"].as_i64().unwrap(), before["behindCount"].as_i64().unwrap() - 1);
        assert!(dec(&after["shortfallValue"]) < dec(&before["shortfallValue"]) || dec(&k["shortfallValue"]) == 0);
        let status = app
            .ok(&sync, "query($f: CommitmentFilter) { commitments(filter: $f) { nodes { deliveryStatus shortfallValue } } }", json!({"f": {"deliveryStatuses": ["DELIVERED"], "asOf": "2030-01-01"}}))
            .await;
        assert!(status["commitments"]["nodes"].as_array().unwrap().iter().all(|n| n["deliveryStatus"] == "DELIVERED" && dec(&n["shortfallValue"]) >= 0));
        assert_eq!(
            list["commitments"]["totalCount"].as_i64().unwrap() - 1,
            app.ok(&sync, "{ commitments(first: 0, filter: {deliveryStatuses: [BEHIND, NOT_STARTED], asOf: \"2030-01-01\"}) { totalCount } }", json!({})).await["commitments"]["totalCount"]
                .as_i64()
                .unwrap()
        );
    })
    .await;
}

/// The count of a filter by status comes from the standings alone, and its
/// page from a walk beside the council's commitments: both must give
/// exactly the commitments that the same filter without statuses lists
/// with those statuses, for every other filter and every shape of scope.
#[tokio::test]
async fn a_filter_by_status_counts_and_lists_exactly_the_commitments_of_those_statuses() {
    on_each_backend(|app| async move {
        app.load_fixture("tiny-frameworks").await;
        let q = "query($f: CommitmentFilter, $d: Date) { commitments(first: 500, filter: $f) { totalCount nodes { id deliveryStatus(asOf: $d) } } }";
        let readers = [
            (token("auditor", &[]), None),
            (token("council_viewer", &["HAL"]), Some("HAL")),
            (token("council_viewer", &["KNO"]), Some("KNO")),
            (token("council_viewer", &["HAL", "KNO"]), Some("KNO")),
        ];
        let mut seen = 0;
        for (reader, council) in &readers {
            let contracts = app.ok(reader, "{ contracts(first: 2) { nodes { id } } }", json!({})).await;
            let contract_ids: Vec<Value> = contracts["contracts"]["nodes"].as_array().unwrap().iter().map(|n| n["id"].clone()).collect();
            let mut filters = vec![
                json!({}),
                json!({"financialYears": [2023]}),
                json!({"themeCodes": ["JOBS"]}),
                // KNO reports JOBS-01 in its own framework, mapped onto the regional JOBS-01.
                json!({"measureCodes": ["JOBS-01"]}),
                json!({"themeCodes": ["JOBS", "GROWTH"], "financialYears": [2022, 2024]}),
                json!({"contractIds": contract_ids}),
            ];
            if let Some(code) = council {
                filters.push(json!({"councilCodes": [code]}));
                filters.push(json!({"councilCodes": [code], "themeCodes": ["JOBS"]}));
            }
            for as_of in ["2024-07-01", "2030-01-01"] {
                for filter in &filters {
                    let all = app.ok(reader, q, json!({"f": filter, "d": as_of})).await;
                    let all = all["commitments"]["nodes"].as_array().unwrap().clone();
                    for statuses in [vec!["BEHIND", "NOT_STARTED"], vec!["DELIVERED"], vec!["ON_TRACK", "NOT_DUE"]] {
                        let mut f = filter.clone();
                        f["deliveryStatuses"] = json!(statuses);
                        f["asOf"] = json!(as_of);
                        let got = app.ok(reader, q, json!({"f": f, "d": as_of})).await;
                        let want: Vec<&Value> = all.iter().filter(|n| statuses.contains(&n["deliveryStatus"].as_str().unwrap())).map(|n| &n["id"]).collect();
                        let listed: Vec<&Value> = got["commitments"]["nodes"].as_array().unwrap().iter().map(|n| &n["id"]).collect();
                        assert_eq!(listed, want, "{council:?} {f}");
                        assert_eq!(got["commitments"]["totalCount"], want.len(), "{council:?} {f}");
                        seen += want.len();
                    }
                }
            }
        }
        assert!(seen > 500, "the filters select commitments ({seen})");
    })
    .await;
}
