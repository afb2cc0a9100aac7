//! Frameworks as data, the crosswalk's mappings, records synced in a
//! council's own framework, and partial validation (contract version 2).

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, Database};
use std::collections::HashMap;

use serde_json::{Value, json};

use crate::helpers::*;

const REGIONAL_ONLY: &str = "{ frameworks { code name edition regional } }";

/// LTOMS, a framework of one theme (JOBS, a code the regional framework has
/// too) and two measures: JOBS-01 (a regional code too) and LT99, record-only.
async fn seed_ltoms(app: &TestApp, admin: &str) {
    let q = "mutation { upsertFramework(input: {code: \"LTOMS\", name: \"Lancashire TOMs\", edition: \"2023\"}) { code } }";
    app.ok(admin, q, json!({})).await;
    app.ok(admin, "mutation { upsertTheme(input: {code: \"JOBS\", name: \"People\", frameworkCode: \"LTOMS\"}) { code } }", json!({})).await;
    for (code, unit, valued) in [("JOBS-01", "apprenticeship starts", true), ("LT99", "case studies", false)] {
        app.ok(
            admin,
            "mutation($i: MeasureInput!) { upsertMeasure(input: $i) { code } }",
            json!({"i": {"code": code, "themeCode": "JOBS", "name": code, "unit": unit, "frameworkCode": "LTOMS", "valued": valued}}),
        )
        .await;
    }
}

#[tokio::test]
async fn frameworks_are_data_and_codes_are_unique_within_one() {
    on_each_backend(|app| async move {
        seed_framework(&app).await;
        let admin = token("regional_admin", &[]);
        let d = app.ok(&token("dashboard", &[]), REGIONAL_ONLY, json!({})).await;
        assert_eq!(d["frameworks"], json!([{"code": "REGIONAL", "name": "Regional framework", "edition": null, "regional": true}]));
        seed_ltoms(&app, &admin).await;

        // v1 arguments mean the regional framework; the same codes exist in LTOMS.
        let q = "{ themes { code } measures(themeCode: \"JOBS\") { code valued framework { code } theme { framework { code } } mapping { factor } }
                   local: measures(frameworkCode: \"LTOMS\") { code unit valued framework { code regional } }
                   localThemes: themes(frameworkCode: \"LTOMS\") { code framework { code } measures { code } }
                   frameworks { code edition regional themes { code } measures { code } } }";
        let d = app.ok(&token("auditor", &[]), q, json!({})).await;
        assert_eq!(d["themes"], json!([{"code": "GROWTH"}, {"code": "JOBS"}]));
        assert_eq!(
            d["measures"],
            json!([{"code": "JOBS-01", "valued": true, "framework": {"code": "REGIONAL"}, "theme": {"framework": {"code": "REGIONAL"}}, "mapping": null}])
        );
        assert_eq!(
            d["local"],
            json!([
                {"code": "JOBS-01", "unit": "apprenticeship starts", "valued": true, "framework": {"code": "LTOMS", "regional": false}},
                {"code": "LT99", "unit": "case studies", "valued": false, "framework": {"code": "LTOMS", "regional": false}}
            ])
        );
        assert_eq!(d["localThemes"], json!([{"code": "JOBS", "framework": {"code": "LTOMS"}, "measures": [{"code": "JOBS-01"}, {"code": "LT99"}]}]));
        assert_eq!(d["frameworks"][0]["code"], "REGIONAL");
        assert_eq!(d["frameworks"][1], json!({"code": "LTOMS", "edition": "2023", "regional": false, "themes": [{"code": "JOBS"}],
            "measures": [{"code": "JOBS-01"}, {"code": "LT99"}]}));

        // REGIONAL may be renamed; its code stays.
        let q = "mutation { upsertFramework(input: {code: \"REGIONAL\", name: \"Liverpool City Region framework\", edition: \"2025\"}) { code name edition regional } }";
        let d = app.ok(&admin, q, json!({})).await;
        assert_eq!(d["upsertFramework"], json!({"code": "REGIONAL", "name": "Liverpool City Region framework", "edition": "2025", "regional": true}));

        // A council reports in a framework: REGIONAL unless it says otherwise.
        let d = app.ok(&admin, "{ councils { code framework { code } } }", json!({})).await;
        assert_eq!(d["councils"][1], json!({"code": "LIV", "framework": {"code": "REGIONAL"}}));
        let q = "mutation { upsertCouncil(input: {code: \"LIV\", name: \"Liverpool\", gssCode: \"E08000012\", frameworkCode: \"LTOMS\"}) { framework { code } } }";
        assert_eq!(app.ok(&admin, q, json!({})).await["upsertCouncil"]["framework"]["code"], "LTOMS");

        for (q, code) in [
            ("{ themes(frameworkCode: \"NOPE\") { code } }", "NOT_FOUND"),
            ("{ measures(frameworkCode: \"NOPE\") { code } }", "NOT_FOUND"),
            ("mutation { upsertTheme(input: {code: \"X\", name: \"x\", frameworkCode: \"NOPE\"}) { code } }", "NOT_FOUND"),
            ("mutation { upsertCouncil(input: {code: \"HAL\", name: \"Halton\", gssCode: \"E06000006\", frameworkCode: \"NOPE\"}) { code } }", "NOT_FOUND"),
            // Other frameworks are vocabularies: valued through the crosswalk, never by a proxy of their own.
            ("mutation { setProxy(measureCode: \"JOBS-01\", financialYear: 2024, valueGbp: \"1.00\", frameworkCode: \"LTOMS\") { valueGbp } }", "BAD_USER_INPUT"),
            ("mutation { upsertFramework(input: {code: \"bad code!\", name: \"x\"}) { code } }", "BAD_USER_INPUT"),
            // A measure's theme is a theme of its own framework.
            ("mutation { upsertMeasure(input: {code: \"LT5\", themeCode: \"GROWTH\", name: \"x\", unit: \"u\", frameworkCode: \"LTOMS\"}) { code } }", "BAD_USER_INPUT"),
        ] {
            assert_eq!(app.error_code(&admin, q, json!({})).await, code, "{q}");
        }
        let d = app.ok(&admin, "{ local: measures(frameworkCode: \"LTOMS\") { code } proxy: measures(themeCode: \"JOBS\") { proxies { valueGbp } } }", json!({})).await;
        assert_eq!(d["local"].as_array().unwrap().len(), 2);
        assert_eq!(d["proxy"][0]["proxies"], json!([{"valueGbp": "31250.00"}, {"valueGbp": "32343.75"}]));
    })
    .await;
}

#[tokio::test]
async fn mappings_go_from_another_framework_to_a_regional_measure_and_are_audited() {
    on_each_backend(|app| async move {
        seed_framework(&app).await;
        let admin = token("regional_admin", &[]);
        seed_ltoms(&app, &admin).await;
        let map = "mutation($i: MeasureMappingInput!) { mapMeasure(input: $i) { factor note measure { code framework { code } } regionalMeasure { code framework { code } } } }";
        let input = json!({"frameworkCode": "LTOMS", "measureCode": "JOBS-01", "regionalMeasureCode": "JOBS-01", "factor": "52", "note": "1 start = 52 weeks"});
        let d = app.ok(&admin, map, json!({"i": input})).await;
        assert_eq!(
            d["mapMeasure"],
            json!({"factor": "52.00", "note": "1 start = 52 weeks", "measure": {"code": "JOBS-01", "framework": {"code": "LTOMS"}},
                   "regionalMeasure": {"code": "JOBS-01", "framework": {"code": "REGIONAL"}}})
        );
        // The factor defaults to 1; mapping again replaces the mapping.
        let d = app.ok(&admin, map, json!({"i": {"frameworkCode": "LTOMS", "measureCode": "LT99", "regionalMeasureCode": "GROWTH-01"}})).await;
        assert_eq!(d["mapMeasure"]["factor"], "1.00");
        let d = app.ok(&admin, map, json!({"i": {"frameworkCode": "LTOMS", "measureCode": "LT99", "regionalMeasureCode": "JOBS-01", "factor": "0.0001"}})).await;
        assert_eq!(d["mapMeasure"]["factor"], "0.0001");
        let q = "{ measures(frameworkCode: \"LTOMS\") { code mapping { factor regionalMeasure { code } } } }";
        let d = app.ok(&token("dashboard", &[]), q, json!({})).await;
        assert_eq!(
            d["measures"],
            json!([{"code": "JOBS-01", "mapping": {"factor": "52.00", "regionalMeasure": {"code": "JOBS-01"}}},
                   {"code": "LT99", "mapping": {"factor": "0.0001", "regionalMeasure": {"code": "JOBS-01"}}}])
        );

        let bad = |framework: &str, measure: &str, regional: &str, factor: &str| {
            json!({"i": {"frameworkCode": framework, "measureCode": measure, "regionalMeasureCode": regional, "factor": factor}})
        };
        for (vars, code) in [
            (bad("REGIONAL", "GROWTH-01", "JOBS-01", "1"), "BAD_USER_INPUT"),
            (bad("LTOMS", "JOBS-01", "JOBS-01", "0"), "BAD_USER_INPUT"),
            (bad("LTOMS", "JOBS-01", "JOBS-01", "-1"), "BAD_USER_INPUT"),
            (bad("LTOMS", "JOBS-01", "JOBS-01", "1000.01"), "BAD_USER_INPUT"),
            (bad("LTOMS", "JOBS-01", "JOBS-01", "0.00001"), "BAD_USER_INPUT"),
            (bad("LTOMS", "JOBS-01", "NOPE", "1"), "NOT_FOUND"),
            (bad("LTOMS", "NOPE", "JOBS-01", "1"), "NOT_FOUND"),
            (bad("NOPE", "JOBS-01", "JOBS-01", "1"), "NOT_FOUND"),
        ] {
            assert_eq!(app.error_code(&admin, map, vars.clone()).await, code, "{vars}");
        }
        // Nothing a refused mapping sent was kept.
        assert_eq!(app.ok(&admin, q, json!({})).await["measures"][0]["mapping"]["factor"], "52.00");

        let unmap = "mutation { unmapMeasure(frameworkCode: \"LTOMS\", measureCode: \"LT99\") }";
        assert_eq!(app.ok(&admin, unmap, json!({})).await["unmapMeasure"], true);
        assert_eq!(app.ok(&admin, unmap, json!({})).await["unmapMeasure"], false);
        assert_eq!(app.ok(&admin, q, json!({})).await["measures"][1]["mapping"], Value::Null);

        let events = "query($e: String) { auditEvents(first: 50, filter: {entity: $e}) { edges { node { action recordId before after council { code } } } } }";
        let d = app.ok(&token("auditor", &[]), events, json!({"e": "MAPPING"})).await;
        let got: Vec<(Value, Value)> =
            d["auditEvents"]["edges"].as_array().unwrap().iter().map(|e| (e["node"]["action"].clone(), e["node"]["recordId"].clone())).collect();
        let expected = [("CREATE", "LTOMS/JOBS-01"), ("CREATE", "LTOMS/LT99"), ("UPDATE", "LTOMS/LT99"), ("DELETE", "LTOMS/LT99")];
        assert_eq!(got, expected.map(|(a, r)| (json!(a), json!(r))));
        let first = &d["auditEvents"]["edges"][0]["node"];
        assert_eq!(
            first["after"],
            json!({"frameworkCode": "LTOMS", "measureCode": "JOBS-01", "regionalMeasureCode": "JOBS-01", "factor": "52.00", "note": "1 start = 52 weeks"})
        );
        assert!(first["council"].is_null());
        let d = app.ok(&token("auditor", &[]), events, json!({"e": "FRAMEWORK"})).await;
        assert_eq!(d["auditEvents"]["edges"][0]["node"]["recordId"], "LTOMS");
        let d = app.ok(&token("auditor", &[]), events, json!({"e": "MEASURE"})).await;
        let ids: Vec<&str> = d["auditEvents"]["edges"].as_array().unwrap().iter().map(|e| e["node"]["recordId"].as_str().unwrap()).collect();
        assert_eq!(ids, ["JOBS-01", "GROWTH-01", "LTOMS/JOBS-01", "LTOMS/LT99"]);
        assert_eq!(app.ok(&token("auditor", &[]), "{ auditChain { valid } }", json!({})).await["auditChain"]["valid"], true);
    })
    .await;
}

const SYNC: &str = "mutation($i: SyncInput!) { syncCouncilData(input: $i) { applied errors { entity index code message } } }";

/// LIV reports in LTOMS, whose JOBS-01 counts as 52 regional JOBS-01.
async fn ltoms_region(app: &TestApp) -> String {
    seed_framework(app).await;
    let admin = token("regional_admin", &[]);
    seed_ltoms(app, &admin).await;
    let q = "mutation { upsertCouncil(input: {code: \"LIV\", name: \"Liverpool\", gssCode: \"E08000012\", frameworkCode: \"LTOMS\"}) { code } }";
    app.ok(&admin, q, json!({})).await;
    let map =
        "mutation { mapMeasure(input: {frameworkCode: \"LTOMS\", measureCode: \"JOBS-01\", regionalMeasureCode: \"JOBS-01\", factor: \"52\"}) { factor } }";
    app.ok(&admin, map, json!({})).await;
    token("council_editor", &["LIV"])
}

fn ltoms_batch() -> Value {
    json!({
        "councilCode": "LIV",
        "suppliers": [{ "ref": "SUP-1", "name": "Mersey Builders Ltd", "isSme": true, "isVcse": false }],
        "contracts": [
            { "externalId": "K1", "title": "Roads", "supplierRef": "SUP-1", "valueGbp": "1000.00", "startDate": "2024-04-01", "endDate": "2026-03-31" },
            { "externalId": "K2", "title": "Parks", "supplierRef": "SUP-1", "valueGbp": "500.00", "startDate": "2024-04-01", "endDate": "2026-03-31",
              "frameworkCode": "REGIONAL" }
        ],
        "commitments": [
            { "externalId": "C1", "contractExternalId": "K1", "measureCode": "JOBS-01", "financialYear": 2024, "targetQuantity": "0.25" },
            { "externalId": "C2", "contractExternalId": "K1", "measureCode": "LT99", "financialYear": 2025, "targetQuantity": "3" },
            { "externalId": "C3", "contractExternalId": "K2", "measureCode": "JOBS-01", "financialYear": 2024, "targetQuantity": "2" }
        ],
        "evidence": [
            { "externalId": "E1", "commitmentExternalId": "C1", "periodStart": "2024-04-01", "periodEnd": "2024-06-30", "quantity": "0.25",
              "status": "VERIFIED", "validatedQuantity": "0.05" },
            { "externalId": "E2", "commitmentExternalId": "C1", "periodStart": "2024-07-01", "periodEnd": "2024-07-31", "quantity": "0.10", "status": "VERIFIED" },
            { "externalId": "E3", "commitmentExternalId": "C3", "periodStart": "2024-07-01", "periodEnd": "2024-07-31", "quantity": "1" }
        ]
    })
}

const RECORDS: &str = "{ contracts(first: 10) { edges { node { externalId framework { code } commitments { externalId
    measure { code framework { code } } regionalMeasure { code framework { code } } regionalQuantity committedValue
    evidence { externalId quantity status validatedQuantity value verifiedValue } } } } } }";

#[tokio::test]
async fn records_synced_in_a_councils_own_framework_are_valued_through_the_crosswalk() {
    on_each_backend(|app| async move {
        let editor = ltoms_region(&app).await;
        let d = app.ok(&editor, SYNC, json!({"i": ltoms_batch()})).await;
        assert_eq!(d["syncCouncilData"], json!({"applied": true, "errors": []}));
        let d = app.ok(&editor, RECORDS, json!({})).await;
        let k = |i: usize| d["contracts"]["edges"][i]["node"].clone();
        assert_eq!((k(0)["externalId"].clone(), k(0)["framework"]["code"].clone()), (json!("K1"), json!("LTOMS")));
        assert_eq!(k(1)["framework"]["code"], "REGIONAL");
        // 0.25 starts × 52 = 13 regional weeks × £31,250.00 (JOBS-01's regional proxy for 2024).
        assert_eq!(
            k(0)["commitments"][0],
            json!({"externalId": "C1", "measure": {"code": "JOBS-01", "framework": {"code": "LTOMS"}},
            "regionalMeasure": {"code": "JOBS-01", "framework": {"code": "REGIONAL"}}, "regionalQuantity": "13.00", "committedValue": "406250.00",
            "evidence": [
                {"externalId": "E1", "quantity": "0.25", "status": "VERIFIED", "validatedQuantity": "0.05", "value": "406250.00", "verifiedValue": "81250.00"},
                {"externalId": "E2", "quantity": "0.10", "status": "VERIFIED", "validatedQuantity": "0.10", "value": "162500.00", "verifiedValue": "162500.00"}
            ]})
        );
        // Unmapped and record-only: accepted, counted with £0, no regional measure.
        assert_eq!(
            k(0)["commitments"][1],
            json!({"externalId": "C2", "measure": {"code": "LT99", "framework": {"code": "LTOMS"}}, "regionalMeasure": null, "regionalQuantity": null,
                "committedValue": "0.00", "evidence": []})
        );
        // A contract that names REGIONAL: its JOBS-01 is the regional one.
        assert_eq!(k(1)["commitments"][0]["regionalQuantity"], "2.00");
        assert_eq!(k(1)["commitments"][0]["committedValue"], "62500.00");
        assert_eq!(k(1)["commitments"][0]["evidence"][0]["validatedQuantity"], Value::Null);
        assert_eq!(k(1)["commitments"][0]["evidence"][0]["verifiedValue"], "0.00");

        // Invalid v2 records are reported against their record, and nothing is written.
        let mut b = ltoms_batch();
        b["contracts"][1]["frameworkCode"] = json!("NOPE");
        b["evidence"][0]["validatedQuantity"] = json!("0.26");
        b["evidence"][2]["validatedQuantity"] = json!("1");
        // The same code in a framework the contract is not in is unknown.
        b["commitments"][1]["contractExternalId"] = json!("K2");
        let d = app.ok(&editor, SYNC, json!({"i": b})).await;
        let errors: Vec<(Value, Value, Value)> =
            d["syncCouncilData"]["errors"].as_array().unwrap().iter().map(|e| (e["entity"].clone(), e["index"].clone(), e["code"].clone())).collect();
        assert_eq!(d["syncCouncilData"]["applied"], false);
        assert!(errors.contains(&(json!("CONTRACT"), json!(1), json!("UNKNOWN_REFERENCE"))), "{d}");
        assert!(errors.contains(&(json!("COMMITMENT"), json!(1), json!("UNKNOWN_REFERENCE"))), "{d}");
        assert!(errors.contains(&(json!("EVIDENCE"), json!(0), json!("INVALID_VALUE"))), "{d}");
        assert!(errors.contains(&(json!("EVIDENCE"), json!(2), json!("INVALID_VALUE"))), "{d}");
        let after = app.ok(&editor, RECORDS, json!({})).await;
        assert_eq!(after["contracts"]["edges"][1]["node"]["framework"]["code"], "REGIONAL");
        assert_eq!(after["contracts"]["edges"][0]["node"]["commitments"][0]["evidence"][0]["validatedQuantity"], "0.05");

        // The feed carries the v2 fields; a v1 record's JSON keeps every v1 field.
        let (changes, _) = drain_feed(&app, &editor, "LIV", Value::Null).await;
        let e1 = changes.iter().find(|c| c["externalId"] == "E1").unwrap();
        assert_eq!(e1["data"]["validatedQuantity"], "0.05");
        let k1 = changes.iter().find(|c| c["externalId"] == "K1").unwrap();
        assert_eq!(k1["data"]["frameworkCode"], "LTOMS");
    })
    .await;
}

#[tokio::test]
async fn officers_validate_part_of_what_a_supplier_reported() {
    on_each_backend(|app| async move {
        let editor = ltoms_region(&app).await;
        let mut b = ltoms_batch();
        b["evidence"][1]["status"] = json!("SUBMITTED");
        app.ok(&editor, SYNC, json!({"i": b})).await;
        let q = "{ evidence(first: 10, filter: {councilCodes: [\"LIV\"]}) { edges { node { id externalId version } } } }";
        let d = app.ok(&editor, q, json!({})).await;
        let node = d["evidence"]["edges"].as_array().unwrap().iter().find(|e| e["node"]["externalId"] == "E2").unwrap()["node"].clone();
        let review = "mutation($id: ID!, $d: ReviewDecision!, $v: Decimal) { reviewEvidence(id: $id, decision: $d, validatedQuantity: $v) {
            status validatedQuantity verifiedValue value version } }";
        let reviewer = token_for("officer-2", "council_editor", &["LIV"]);
        for (decision, validated) in [("VERIFY", json!("0.11")), ("VERIFY", json!("-0.01")), ("VERIFY", json!("x")), ("REJECT", json!("0.05"))] {
            let code = app.error_code(&reviewer, review, json!({"id": node["id"], "d": decision, "v": validated})).await;
            assert_eq!(code, "BAD_USER_INPUT", "{decision} {validated}");
        }
        let d = app.ok(&reviewer, review, json!({"id": node["id"], "d": "VERIFY", "v": "0.04"})).await;
        // 0.04 × 52 × £31,250.00 verified, of 0.10 × 52 × £31,250.00 delivered.
        assert_eq!(
            d["reviewEvidence"],
            json!({"status": "VERIFIED", "validatedQuantity": "0.04", "verifiedValue": "65000.00", "value": "162500.00", "version": 2})
        );
        let d = app.ok(&reviewer, review, json!({"id": node["id"], "d": "VERIFY", "v": null})).await;
        assert_eq!(d["reviewEvidence"]["validatedQuantity"], "0.10", "omitted means the whole quantity");
        let d = app.ok(&reviewer, review, json!({"id": node["id"], "d": "REJECT", "v": null})).await;
        assert_eq!((d["reviewEvidence"]["validatedQuantity"].clone(), d["reviewEvidence"]["verifiedValue"].clone()), (Value::Null, json!("0.00")));
    })
    .await;
}

#[tokio::test]
async fn a_v1_database_moves_into_the_regional_framework_unchanged() {
    for backend in backends() {
        let app = TestApp::spawn_prepared(backend, |url| async move {
            // The schema as v1 left it, with v1 records in it.
            let db = Database::connect(url.as_str()).await.unwrap();
            Migrator::up(&db, Some(6)).await.unwrap();
            for sql in [
                "INSERT INTO council (code, name, gss_code) VALUES ('LIV', 'Liverpool', 'E08000012')",
                "INSERT INTO theme (code, name) VALUES ('JOBS', 'Jobs')",
                "INSERT INTO measure (code, theme_id, name, unit) VALUES ('JOBS-01', 1, 'Local jobs', 'FTE')",
                "INSERT INTO proxy (measure_id, financial_year, value_pence) VALUES (1, 2024, 3125000)",
                "INSERT INTO supplier (supplier_ref, name, is_sme, is_vcse, version, updated_at) VALUES ('S1', 'Acme', TRUE, FALSE, 1, '2024-05-01T00:00:00Z')",
                "INSERT INTO contract (council_id, external_id, title, supplier_id, value_pence, start_date, end_date, version, updated_at, deleted)
                    VALUES (1, 'K1', 'Roads', 1, 100000, '2024-04-01', '2025-03-31', 1, '2024-05-01T00:00:00Z', FALSE)",
                "INSERT INTO commitment (council_id, external_id, contract_id, measure_id, financial_year, target_centi, version, updated_at, deleted)
                    VALUES (1, 'C1', 1, 1, 2024, 200, 1, '2024-05-01T00:00:00Z', FALSE)",
                "INSERT INTO evidence (council_id, external_id, commitment_id, period_start, period_end, financial_year, quarter, quantity_centi, status,
                    submitted_by, version, updated_at, deleted)
                    VALUES (1, 'E1', 1, '2024-04-01', '2024-06-30', 2024, 1, 150, 'VERIFIED', 'someone', 1, '2024-05-01T00:00:00Z', FALSE)",
            ] {
                db.execute_unprepared(sql).await.unwrap();
            }
            db.close().await.unwrap();
        })
        .await;
        let q = "{ frameworks { code } councils { code framework { code } } themes { code framework { code } }
                   measures { code valued framework { code } proxies { valueGbp } }
                   contracts(first: 5) { edges { node { framework { code } commitments { committedValue regionalQuantity
                       evidence { validatedQuantity verifiedValue } } } } }
                   rollup { totals { committedValue verifiedValue } } }";
        let d = app.ok(&token("regional_admin", &[]), q, json!({})).await;
        assert_eq!(d["frameworks"], json!([{"code": "REGIONAL"}]));
        assert_eq!(d["councils"], json!([{"code": "LIV", "framework": {"code": "REGIONAL"}}]));
        assert_eq!(d["themes"], json!([{"code": "JOBS", "framework": {"code": "REGIONAL"}}]));
        assert_eq!(d["measures"], json!([{"code": "JOBS-01", "valued": true, "framework": {"code": "REGIONAL"}, "proxies": [{"valueGbp": "31250.00"}]}]));
        let k = &d["contracts"]["edges"][0]["node"];
        assert_eq!(k["framework"]["code"], "REGIONAL");
        assert_eq!(
            k["commitments"],
            json!([{"committedValue": "62500.00", "regionalQuantity": "2.00", "evidence": [{"validatedQuantity": "1.50", "verifiedValue": "46875.00"}]}])
        );
        assert_eq!(d["rollup"]["totals"], json!({"committedValue": "62500.00", "verifiedValue": "46875.00"}));
        // Codes are now unique per framework only, and the keys of the old rows still hold.
        let admin = token("regional_admin", &[]);
        app.ok(&admin, "mutation { upsertFramework(input: {code: \"NT\", name: \"National TOMs\"}) { code } }", json!({})).await;
        app.ok(&admin, "mutation { upsertTheme(input: {code: \"JOBS\", name: \"Jobs (NT)\", frameworkCode: \"NT\"}) { code } }", json!({})).await;
        let dup = "mutation { upsertTheme(input: {code: \"JOBS\", name: \"Jobs again\"}) { code } }";
        app.ok(&admin, dup, json!({})).await;
        assert_eq!(app.ok(&admin, "{ themes { name } }", json!({})).await["themes"], json!([{"name": "Jobs again"}]));
        let orphan = "INSERT INTO measure (framework_id, code, theme_id, name, unit, valued) VALUES (1, 'X', 999, 'x', 'u', TRUE)";
        assert!(app.db.execute_unprepared(orphan).await.is_err(), "measure.theme_id still references theme");
    }
}

const SAMPLE: &str = "query($c: [String!], $k: [String!]) { contracts(first: 1, filter: {councilCodes: $c, externalIds: $k}) { edges { node {
    framework { code } commitments { externalId measure { code } regionalMeasure { code } regionalQuantity committedValue
    evidence { externalId validatedQuantity value verifiedValue } } } } } }";

/// Each record's framework, regional measure and quantity, and values,
/// against the oracle's contract samples of the tiny v2 region: mapped,
/// unmapped and record-only measures, contracts that override their
/// council's framework, and partly validated evidence.
#[tokio::test]
async fn records_of_the_tiny_v2_region_are_valued_as_the_oracle_values_them() {
    on_each_backend(|app| async move {
        app.load_fixture("tiny-frameworks").await;
        let exp = crate::rollup::expected("tiny-frameworks");
        let auditor = token("auditor", &[]);
        let mut seen = (0, 0, 0);
        for sample in exp["contract_samples"].as_array().unwrap() {
            let vars = json!({"c": [sample["council_code"]], "k": [sample["external_id"]]});
            let d = app.ok(&auditor, SAMPLE, vars).await;
            let k = &d["contracts"]["edges"][0]["node"];
            let at = format!("{}/{}", sample["council_code"], sample["external_id"]);
            assert_eq!(k["framework"]["code"], sample["framework_code"], "{at}");
            for (c, want) in k["commitments"].as_array().unwrap().iter().zip(sample["commitments"].as_array().unwrap()) {
                let at = format!("{at} {}", want["external_id"]);
                assert_eq!(c["externalId"], want["external_id"], "{at}");
                assert_eq!(c["measure"]["code"], want["measure_code"], "{at}");
                assert_eq!(c["regionalMeasure"]["code"].as_str(), want["regional_measure_code"].as_str(), "{at}");
                match want["regional_quantity"].as_str() {
                    Some(_) => assert_eq!(dec(&c["regionalQuantity"]), dec(&want["regional_quantity"]), "{at}"),
                    None => assert!(c["regionalQuantity"].is_null(), "{at}"),
                }
                assert_eq!(dec(&c["committedValue"]), dec(&want["committed_value"]), "{at}");
                seen.0 += usize::from(!want["valued"].as_bool().unwrap());
                seen.1 += usize::from(want["factor"].as_str().is_some_and(|f| f != "1"));
                for (e, want) in c["evidence"].as_array().unwrap().iter().zip(want["evidence"].as_array().unwrap()) {
                    assert_eq!(e["externalId"], want["external_id"], "{at}");
                    assert_eq!(dec(&e["value"]), dec(&want["value"]), "{at} {}", want["external_id"]);
                    assert_eq!(dec(&e["verifiedValue"]), dec(&want["verified_value"]), "{at} {}", want["external_id"]);
                    match want["validated_quantity"].as_str() {
                        Some(_) => assert_eq!(dec(&e["validatedQuantity"]), dec(&want["validated_quantity"]), "{at}"),
                        None => assert!(e["validatedQuantity"].is_null(), "{at}"),
                    }
                    seen.2 += usize::from(want["validated_quantity"].as_str().is_some_and(|v| dec(&json!(v)) < dec(&want["quantity"])));
                }
            }
        }
        // The samples exercise what the crosswalk is for.
        assert!(seen.0 > 0 && seen.1 > 0 && seen.2 > 0, "unvalued, factored and partly validated records in the samples: {seen:?}");
    })
    .await;
}

const V2_ROLLUP: &str = "query($f: RollupFilter, $g: [RollupDimension!]!) { rollup(filter: $f, groupBy: $g) {
    totals { ...m } groups { key { council { code } theme { code } measure { code } financialYear framework { code }
        reportedMeasure { code framework { code } } } metrics { ...m } } } }
    fragment m on RollupMetrics { commitmentCount unvaluedCommitmentCount evidenceCount committedValue deliveredValue verifiedValue contractValue
        committedQuantity deliveredQuantity shortfallValue }";

/// The oracle's figures that a group holds, named as the API names them, summed over `wants`.
fn oracle_sum(wants: &[&Value]) -> Value {
    let mut out = serde_json::Map::new();
    for (field, key) in [("commitmentCount", "commitment_count"), ("unvaluedCommitmentCount", "unvalued_commitment_count"), ("evidenceCount", "evidence_count")]
    {
        if wants.iter().all(|w| w.get(key).is_some()) {
            out.insert(field.into(), json!(wants.iter().map(|w| w[key].as_i64().unwrap()).sum::<i64>()));
        }
    }
    for (field, key) in [
        ("committedValue", "committed_value"),
        ("deliveredValue", "delivered_value"),
        ("verifiedValue", "verified_value"),
        ("contractValue", "contract_value"),
        ("committedQuantity", "committed_quantity"),
        ("deliveredQuantity", "delivered_quantity"),
        ("shortfallValue", "shortfall_value"),
    ] {
        if wants.iter().all(|w| w.get(key).is_some()) {
            out.insert(field.into(), json!(wants.iter().map(|w| dec(&w[key])).sum::<i128>()));
        }
    }
    Value::Object(out)
}

fn check_v2(what: &str, got: &Value, want: &Value) {
    for (field, w) in want.as_object().unwrap() {
        let g = match &got[field] {
            Value::String(_) => json!(dec(&got[field])),
            other => other.clone(),
        };
        assert_eq!(&g, w, "{what} {field}");
    }
}

/// A group's key as `dims` name it, "-" where the key is null (the records of unmapped measures).
fn key_of(key: &Value, dims: &[&str]) -> String {
    dims.iter()
        .map(|d| match *d {
            "financialYear" => key[d].to_string(),
            "reportedMeasure" => format!("{}:{}", key[d]["framework"]["code"].as_str().unwrap(), key[d]["code"].as_str().unwrap()),
            _ => key[d]["code"].as_str().unwrap_or("-").to_owned(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Rollups of the tiny v2 region in regional terms, against the oracle:
/// regional, by council, by theme (the unmapped records in one group), by
/// year, and FY 2024 by council × theme and by measure with regional
/// quantities, with unvalued commitment counts throughout.
#[tokio::test]
async fn rollups_of_the_tiny_v2_region_add_up_in_regional_terms_as_the_oracle_does() {
    on_each_backend(|app| async move {
        app.load_fixture("tiny-frameworks").await;
        check_v2_oracle(&app, &crate::rollup::expected("tiny-frameworks")).await;
    })
    .await;
}

/// The same for the small v2 region, which the project's generator writes
/// byte for byte as the oracle's does (its files' sha256 are in expected.json).
#[tokio::test]
async fn rollups_of_the_small_v2_region_add_up_as_the_oracle_does() {
    use social_value_hub::dataset::Version;
    use social_value_hub::dataset::generate::{Scale, generate_version};
    let exp = crate::rollup::expected("small-frameworks");
    let ds = generate_version(Scale::Small, 1, Version::V2);
    crate::rollup::assert_writes_the_oracles_files(&ds, &exp, "small-v2");
    on_each_backend(|app| {
        let (exp, ds) = (exp.clone(), ds.clone());
        async move {
            social_value_hub::dataset::load::load_dataset(&app.db, &ds, 5_000, |_, _| {}).await.expect("load the small v2 region");
            check_v2_oracle(&app, &exp).await;
        }
    })
    .await;
}

async fn check_v2_oracle(app: &TestApp, exp: &Value) {
    {
        let dash = token("dashboard", &[]);
        let run = |filter: Value, dims: Vec<&'static str>| {
            let dash = dash.clone();
            async move {
                let g: Vec<String> = dims
                    .iter()
                    .map(|d| match *d {
                        "financialYear" => "FINANCIAL_YEAR".to_owned(),
                        "reportedMeasure" => "REPORTED_MEASURE".to_owned(),
                        _ => d.to_uppercase(),
                    })
                    .collect();
                app.ok(&dash, V2_ROLLUP, json!({"f": filter, "g": g})).await["rollup"].clone()
            }
        };
        let by = |r: &Value, dims: &[&str]| -> HashMap<String, Value> {
            r["groups"].as_array().unwrap().iter().map(|g| (key_of(&g["key"], dims), g["metrics"].clone())).collect()
        };
        // The oracle's groups keyed as ours: its rows with no theme or measure are one group ("-").
        let oracle = |rows: &Value, keys: &[&str]| -> HashMap<String, Value> {
            let mut grouped: HashMap<String, Vec<&Value>> = HashMap::new();
            for row in rows.as_array().unwrap() {
                let cell = |k: &str| if row[k].is_null() { "-".to_owned() } else { row[k].to_string().trim_matches('"').to_owned() };
                let key = keys.iter().map(|k| k.split(':').map(cell).collect::<Vec<_>>().join(":")).collect::<Vec<_>>();
                grouped.entry(key.join("/")).or_default().push(row);
            }
            grouped.into_iter().map(|(k, rows)| (k, oracle_sum(&rows))).collect()
        };

        let r = run(Value::Null, vec![]).await;
        check_v2("regional", &r["totals"], &oracle_sum(&[&exp["regional"]]));
        for (dims, section, keys) in [
            (vec!["council"], &exp["by_council"], vec!["council_code"]),
            (vec!["theme"], &exp["by_theme"], vec!["theme_code"]),
            (vec!["financialYear"], &exp["by_financial_year"], vec!["financial_year"]),
            (vec!["framework"], &exp["by_framework"], vec!["framework_code"]),
            // Quantities in the units reported.
            (vec!["reportedMeasure"], &exp["by_reported_measure"], vec!["framework_code:measure_code"]),
        ] {
            let r = run(Value::Null, dims.clone()).await;
            let (got, want) = (by(&r, &dims), oracle(section, &keys));
            assert_eq!(got.len(), want.iter().filter(|(_, w)| w["commitmentCount"] != 0 || w["evidenceCount"] != 0).count(), "{dims:?} groups");
            for (key, w) in &want {
                if w["commitmentCount"] == 0 && w["evidenceCount"] == 0 {
                    continue;
                }
                check_v2(&format!("{dims:?} {key}"), &got[key], w);
            }
        }
        // A framework filter reads the records: the same figures as that framework's group.
        let by_fw = by(&run(Value::Null, vec!["framework"]).await, &["framework"]);
        let r = run(json!({"frameworkCodes": ["KSV"]}), vec![]).await;
        assert_eq!(r["totals"]["committedValue"], by_fw["KSV"]["committedValue"]);
        assert_eq!(r["totals"]["contractValue"], by_fw["KSV"]["contractValue"]);
        let trend = app
            .ok(&dash, "{ all: deliveryTrend { deliveredValue } ksv: deliveryTrend(filter: {frameworkCodes: [\"KSV\"]}) { deliveredValue } }", json!({}))
            .await;
        let total = |t: &Value| t.as_array().unwrap().iter().map(|p| dec(&p["deliveredValue"])).sum::<i128>();
        assert_eq!(total(&trend["ksv"]), dec(&by_fw["KSV"]["deliveredValue"]));
        assert!(total(&trend["all"]) > total(&trend["ksv"]));
        let fy = json!({"financialYears": [2024]});
        check_v2("fy2024", &run(fy.clone(), vec![]).await["totals"], &oracle_sum(&[&exp["fy2024"]["regional"]]));
        let got = by(&run(fy.clone(), vec!["council", "theme"]).await, &["council", "theme"]);
        for (key, w) in oracle(&exp["fy2024"]["by_council_theme"], &["council_code", "theme_code"]) {
            if w["commitmentCount"] != 0 || w["evidenceCount"] != 0 {
                check_v2(&format!("fy2024 {key}"), &got[&key], &w);
            }
        }
        let r = run(fy.clone(), vec!["measure"]).await;
        let got = by(&r, &["measure"]);
        for (key, mut w) in oracle(&exp["fy2024"]["by_measure"], &["measure_code"]) {
            if key == "-" {
                // The oracle lists unmapped measures one by one, in their own units; together they have no quantity.
                let w = w.as_object_mut().unwrap();
                w.remove("committedQuantity");
                w.remove("deliveredQuantity");
            }
            if w["commitmentCount"] != 0 || w["evidenceCount"] != 0 {
                check_v2(&format!("fy2024 measure {key}"), &got[&key], &w);
            }
        }
        // The unmapped records' group has no one measure, so no quantities.
        if let Some(unmapped) = got.get("-") {
            assert!(unmapped["committedQuantity"].is_null(), "{unmapped}");
        }
    }
}

const KNO_COMMITMENTS: &str =
    "{ commitments(first: 500, filter: {councilCodes: [\"KNO\"]}) { edges { node { measure { code framework { code } } committedValue } } } }";

/// Σ committedValue of KNO's commitments on KSV's measure `code`, valued record by record.
async fn committed_on(app: &TestApp, code: &str) -> i128 {
    let d = app.ok(&token("auditor", &[]), KNO_COMMITMENTS, json!({})).await;
    d["commitments"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["node"]["measure"]["code"] == code && e["node"]["measure"]["framework"]["code"] == "KSV")
        .map(|e| dec(&e["node"]["committedValue"]))
        .sum()
}

async fn by_theme(app: &TestApp) -> HashMap<String, Value> {
    let r = app.ok(&token("dashboard", &[]), V2_ROLLUP, json!({"f": null, "g": ["THEME"]})).await;
    r["rollup"]["groups"].as_array().unwrap().iter().map(|g| (key_of(&g["key"], &["theme"]), g["metrics"].clone())).collect()
}

/// Changing a mapping's factor moves exactly the figures that depend on it,
/// in the same transaction: the theme its regional measure is in changes by
/// what its commitments' own values changed by, every other theme stays as
/// it was, and the kept cells equal cells rebuilt from the records.
/// Unmapping moves its records into the unmapped group, unvalued.
#[tokio::test]
async fn a_mapping_change_moves_every_figure_that_depends_on_it_and_nothing_else() {
    on_each_backend(|app| async move {
        app.load_fixture("tiny-frameworks").await;
        let admin = token("regional_admin", &[]);
        let before = by_theme(&app).await;
        let k02_before = committed_on(&app, "K02").await;
        assert!(k02_before > 0, "KSV K02 (apprentice-years × 52) has valued commitments in the fixture");

        let map = "mutation($f: Decimal) { mapMeasure(input: {frameworkCode: \"KSV\", measureCode: \"K02\", regionalMeasureCode: \"JOBS-03\", factor: $f}) { factor } }";
        app.ok(&admin, map, json!({"f": "26"})).await;
        let after = by_theme(&app).await;
        let k02_after = committed_on(&app, "K02").await;
        assert_eq!(k02_after * 2, k02_before, "half the factor, half the value");
        for (theme, m) in &before {
            let delta = if theme == "JOBS" { k02_after - k02_before } else { 0 };
            assert_eq!(dec(&after[theme]["committedValue"]) - dec(&m["committedValue"]), delta, "theme {theme}");
            if theme != "JOBS" {
                assert_eq!(&after[theme], m, "theme {theme} does not depend on K02's mapping");
            }
        }
        let kept = crate::rollup::cells(&app).await;
        social_value_hub::service::rollup::cells::rebuild(&app.db).await.unwrap();
        assert_eq!(kept, crate::rollup::cells(&app).await, "the mapping change kept the cells exact");

        // Unmapped, K02's commitments count £0, in the group with no theme.
        app.ok(&admin, "mutation { unmapMeasure(frameworkCode: \"KSV\", measureCode: \"K02\") }", json!({})).await;
        let unmapped = by_theme(&app).await;
        assert_eq!(committed_on(&app, "K02").await, 0);
        assert_eq!(dec(&before["JOBS"]["committedValue"]) - dec(&unmapped["JOBS"]["committedValue"]), k02_before);
        let moved = unmapped["-"]["unvaluedCommitmentCount"].as_i64().unwrap() - before["-"]["unvaluedCommitmentCount"].as_i64().unwrap();
        assert!(moved > 0, "K02's commitments are unvalued now");
        assert_eq!(
            unmapped["JOBS"]["commitmentCount"].as_i64().unwrap() + moved,
            before["JOBS"]["commitmentCount"].as_i64().unwrap(),
            "they left JOBS for the unmapped group"
        );
        let kept = crate::rollup::cells(&app).await;
        social_value_hub::service::rollup::cells::rebuild(&app.db).await.unwrap();
        assert_eq!(kept, crate::rollup::cells(&app).await);
    })
    .await;
}
