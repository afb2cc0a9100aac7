//! Exports (contract v2): the CSV endpoints with the GraphQL fields'
//! visibility, the audit trail as JSON lines checked offline (by
//! `verify-audit` and by a short script in another language), and
//! `export DIR`, which `import` loads back into the same records and figures.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

use crate::helpers::*;

async fn get(app: &TestApp, path: &str, token: Option<&str>) -> (u16, String) {
    let mut req = reqwest::Client::new().get(app.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

fn csv_rows(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header = r.headers().unwrap().iter().map(str::to_owned).collect();
    (header, r.records().map(|r| r.unwrap().iter().map(str::to_owned).collect()).collect())
}

fn code_of(body: &str) -> String {
    serde_json::from_str::<Value>(body).unwrap()["errors"][0]["extensions"]["code"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn record_exports_hold_exactly_what_the_graphql_fields_show_the_caller() {
    on_each_backend(|app| async move {
        app.load_fixture("tiny").await;
        let hal = token("council_viewer", &["HAL"]);
        // The same records as `contracts`, in id order, with their ids and versions.
        let (status, body) = get(&app, "/export/contracts.csv", Some(&hal)).await;
        assert_eq!(status, 200, "{body}");
        let (header, rows) = csv_rows(&body);
        assert_eq!(
            header,
            [
                "council_code",
                "external_id",
                "title",
                "supplier_ref",
                "value_gbp",
                "start_date",
                "end_date",
                "social_value_weighting_pct",
                "framework_code",
                "id",
                "version"
            ]
        );
        let api = app.ok(&hal, "{ contracts(first: 500) { nodes { id version externalId valueGbp supplier { ref } council { code } } } }", json!({})).await;
        let nodes = api["contracts"]["nodes"].as_array().unwrap();
        assert_eq!(rows.len(), nodes.len());
        assert!(!rows.is_empty());
        for (row, n) in rows.iter().zip(nodes) {
            assert_eq!(
                [&row[0], &row[1], &row[3], &row[4], &row[9], &row[10]],
                [
                    n["council"]["code"].as_str().unwrap(),
                    n["externalId"].as_str().unwrap(),
                    n["supplier"]["ref"].as_str().unwrap(),
                    n["valueGbp"].as_str().unwrap(),
                    n["id"].as_str().unwrap(),
                    &n["version"].to_string()
                ]
            );
        }

        // Filters as query parameters, repeated or comma-separated.
        let (_, body) = get(&app, "/export/evidence.csv?statuses=VERIFIED,REJECTED&financialYears=2023&financialYears=2024", Some(&hal)).await;
        let want = app.ok(&hal, "{ evidence(filter: {statuses: [VERIFIED, REJECTED], financialYears: [2023, 2024]}) { totalCount } }", json!({})).await;
        assert_eq!(csv_rows(&body).1.len() as i64, want["evidence"]["totalCount"].as_i64().unwrap());
        let (_, body) = get(&app, "/export/commitments.csv?deliveryStatuses=BEHIND,NOT_STARTED&asOf=2030-01-01", Some(&hal)).await;
        let want = app.ok(&hal, "{ commitments(filter: {deliveryStatuses: [BEHIND, NOT_STARTED], asOf: \"2030-01-01\"}) { totalCount } }", json!({})).await;
        assert_eq!(csv_rows(&body).1.len() as i64, want["commitments"]["totalCount"].as_i64().unwrap());
        assert!(want["commitments"]["totalCount"].as_i64().unwrap() > 0);

        // Another council's records: nowhere, and naming that council is 403.
        let (status, body) = get(&app, "/export/contracts.csv?councilCodes=WIR", Some(&hal)).await;
        assert_eq!((status, code_of(&body)), (403, "FORBIDDEN".to_owned()));
        let (_, body) = get(&app, "/export/commitments.csv", Some(&hal)).await;
        assert!(csv_rows(&body).1.iter().all(|r| r[0] == "HAL"));
        // A dashboard reads no council's records: a header, no rows.
        let (status, body) = get(&app, "/export/evidence.csv", Some(&token("dashboard", &[]))).await;
        assert_eq!((status, csv_rows(&body).1.len()), (200, 0));
        // No token: 401, as /graphql answers it.
        let (status, body) = get(&app, "/export/contracts.csv", None).await;
        assert_eq!((status, code_of(&body)), (401, "UNAUTHENTICATED".to_owned()));
        // A parameter the export does not take, or a value it cannot read: 400.
        for path in ["/export/contracts.csv?council=HAL", "/export/evidence.csv?financialYears=twenty", "/export/rollup.csv?groupBy=PLANET"] {
            let (status, body) = get(&app, path, Some(&hal)).await;
            assert_eq!((status, code_of(&body)), (400, "BAD_USER_INPUT".to_owned()), "{path}");
        }
    })
    .await;
}

#[tokio::test]
async fn the_rollup_export_has_a_column_per_dimension_and_the_apis_figures_in_its_order() {
    on_each_backend(|app| async move {
        app.load_fixture("tiny-frameworks").await;
        let dash = token("dashboard", &[]);
        let (status, body) = get(&app, "/export/rollup.csv?groupBy=THEME,COUNCIL&financialYears=2024&asOf=2025-10-01", Some(&dash)).await;
        assert_eq!(status, 200, "{body}");
        let (header, rows) = csv_rows(&body);
        assert_eq!(header[..2], ["theme_code", "council_code"]);
        assert_eq!(
            header[2..],
            [
                "commitment_count",
                "evidence_count",
                "committed_value",
                "delivered_value",
                "verified_value",
                "committed_quantity",
                "delivered_quantity",
                "delivery_rate",
                "contract_value",
                "social_value_ratio",
                "unvalued_commitment_count",
                "shortfall_value",
                "behind_count"
            ]
        );
        let api = app
            .ok(
                &dash,
                "{ rollup(groupBy: [THEME, COUNCIL], filter: {financialYears: [2024], asOf: \"2025-10-01\"}) { groups { key { theme { code } council { code } }
                    metrics { commitmentCount evidenceCount committedValue deliveredValue verifiedValue committedQuantity deliveredQuantity deliveryRate
                              contractValue socialValueRatio unvaluedCommitmentCount shortfallValue behindCount } } } }",
                json!({}),
            )
            .await;
        let groups = api["rollup"]["groups"].as_array().unwrap();
        assert_eq!(rows.len(), groups.len());
        let cell = |v: &Value| match v {
            Value::Null => String::new(),
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        // Ratios as numbers: the test's JSON parser may round the API's last digit.
        let same = |a: &str, b: &str| a == b || a.parse::<f64>().ok().zip(b.parse::<f64>().ok()).is_some_and(|(a, b)| (a - b).abs() <= 1e-12 * a.abs());
        for (row, g) in rows.iter().zip(groups) {
            let m = &g["metrics"];
            let mut want = vec![cell(&g["key"]["theme"]["code"]), cell(&g["key"]["council"]["code"])];
            for f in [
                "commitmentCount",
                "evidenceCount",
                "committedValue",
                "deliveredValue",
                "verifiedValue",
                "committedQuantity",
                "deliveredQuantity",
                "deliveryRate",
                "contractValue",
                "socialValueRatio",
                "unvaluedCommitmentCount",
                "shortfallValue",
                "behindCount",
            ] {
                want.push(cell(&m[f]));
            }
            assert!(row.len() == want.len() && row.iter().zip(&want).all(|(a, b)| same(a, b)), "{row:?} against {want:?}");
        }
        // Grouping by contract names records: only with councils the caller may read.
        let (status, body) = get(&app, "/export/rollup.csv?groupBy=CONTRACT&councilCodes=HAL", Some(&dash)).await;
        assert_eq!((status, code_of(&body)), (403, "FORBIDDEN".to_owned()));
        let (status, body) = get(&app, "/export/rollup.csv?groupBy=CONTRACT&councilCodes=HAL", Some(&token("council_viewer", &["HAL"]))).await;
        assert_eq!(status, 200);
        assert_eq!(csv_rows(&body).0[..2], ["contract_council_code", "contract_external_id"]);
    })
    .await;
}

fn run(args: &[&str], env: &[(&str, &str)]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_social-value-hub")).args(args).envs(env.iter().copied()).output().unwrap();
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

fn temp(name: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!("svh-export-{}-{name}-{}", std::process::id(), rand_suffix()));
    let _ = std::fs::remove_dir_all(&p);
    p
}

fn rand_suffix() -> u64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos() as u64
}

#[tokio::test]
async fn the_audit_trail_exported_verifies_offline_and_a_changed_event_is_named() {
    on_each_backend(|app| async move {
        app.load_fixture("tiny").await;
        let (status, body) = get(&app, "/export/audit.jsonl", Some(&token("dashboard", &[]))).await;
        assert_eq!((status, code_of(&body)), (403, "FORBIDDEN".to_owned()));
        let (status, body) = get(&app, "/export/audit.jsonl", Some(&token("auditor", &[]))).await;
        assert_eq!(status, 200);
        let lines: Vec<&str> = body.lines().collect();
        assert_eq!(lines.len() as i64, audit_count(&app).await);
        let chain = app.ok(&token("auditor", &[]), "{ auditChain { headHash } }", json!({})).await;
        let last: Value = serde_json::from_str(lines.last().unwrap()).unwrap();
        assert_eq!(last["hash"], chain["auditChain"]["headHash"]);

        let dir = temp("audit");
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("audit.jsonl");
        std::fs::write(&file, &body).unwrap();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/verify_audit.py");
        let (ok, out) = run(&["verify-audit", file.to_str().unwrap()], &[]);
        assert!(ok && out.contains(&format!("valid: {} events", lines.len())), "{out}");
        let py = Command::new("python3").arg(&script).arg(&file).output().unwrap();
        assert!(py.status.success(), "{}", String::from_utf8_lossy(&py.stderr));

        // One changed field in one event: both name that event.
        let mut changed: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
        let at = 9;
        let mut event: Value = serde_json::from_str(&changed[at]).unwrap();
        event["actor"] = json!("someone-else");
        changed[at] = event.to_string();
        std::fs::write(&file, changed.join("\n") + "\n").unwrap();
        let seq = event["seq"].as_i64().unwrap();
        let (ok, out) = run(&["verify-audit", file.to_str().unwrap()], &[]);
        assert!(!ok && out.contains(&format!("event seq {seq}")), "{out}");
        let py = Command::new("python3").arg(&script).arg(&file).output().unwrap();
        assert!(!py.status.success());
        assert!(String::from_utf8_lossy(&py.stdout).contains(&format!("seq {seq}")), "{}", String::from_utf8_lossy(&py.stdout));
        // A missing event is named too.
        std::fs::write(&file, lines.iter().enumerate().filter(|(i, _)| *i != 20).map(|(_, l)| *l).collect::<Vec<_>>().join("\n")).unwrap();
        let (ok, out) = run(&["verify-audit", file.to_str().unwrap()], &[]);
        assert!(!ok && out.contains("missing"), "{out}");
        std::fs::remove_dir_all(&dir).ok();
    })
    .await;
}

#[tokio::test]
async fn an_exported_region_imported_into_an_empty_database_has_the_same_records_and_figures() {
    use social_value_hub::dataset::Version;
    use social_value_hub::dataset::generate::{Scale, generate_version};
    let ds = generate_version(Scale::Small, 1, Version::V2);
    for backend in backends() {
        let from = TestApp::spawn(backend.clone()).await;
        social_value_hub::dataset::load::load_dataset(&from.db, &ds, 5_000, |_, _| {}).await.unwrap();
        let (a, b) = (temp("a"), temp("b"));
        let (ok, out) = run(&["export", a.to_str().unwrap()], &[("SVH_DATABASE_URL", &from.database_url)]);
        assert!(ok, "{out}");
        let into = TestApp::spawn(backend.clone()).await;
        let (ok, out) = run(&["import", a.to_str().unwrap()], &[("SVH_DATABASE_URL", &into.database_url)]);
        assert!(ok, "{out}");
        // Exported again, the second database writes the same rows (in the
        // order it holds them: an import loads councils in its own order).
        let (ok, out) = run(&["export", b.to_str().unwrap()], &[("SVH_DATABASE_URL", &into.database_url)]);
        assert!(ok, "{out}");
        let rows = |dir: &Path, file: &str| {
            let text = std::fs::read_to_string(dir.join(file)).unwrap();
            let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
            lines[1..].sort();
            lines
        };
        for file in social_value_hub::dataset::format::FILES_V2 {
            assert_eq!(rows(&a, file), rows(&b, file), "{file}");
        }
        let lines = std::fs::read_to_string(a.join("evidence.csv")).unwrap().lines().count() - 1;
        assert_eq!(lines, ds.evidence.len());
        // And the same figures, every way they are asked.
        let dash = token("dashboard", &[]);
        let q = "{ rollup(groupBy: [COUNCIL, THEME, FINANCIAL_YEAR], filter: {asOf: \"2025-10-01\"}) { totals { ...m } groups { key { council { code } theme { code } financialYear } metrics { ...m } } }
                 fw: rollup(groupBy: [FRAMEWORK, REPORTED_MEASURE]) { groups { metrics { ...m } } } deliveryTrend { deliveredValue verifiedValue evidenceCount } }
                 fragment m on RollupMetrics { commitmentCount evidenceCount committedValue deliveredValue verifiedValue contractValue shortfallValue behindCount unvaluedCommitmentCount }";
        assert_eq!(from.ok(&dash, q, json!({})).await, into.ok(&dash, q, json!({})).await);
        // One council alone.
        let c = temp("c");
        let (ok, out) = run(&["export", c.to_str().unwrap(), "--council", "LIV"], &[("SVH_DATABASE_URL", &from.database_url)]);
        assert!(ok, "{out}");
        let (_, rows) = csv_rows(&std::fs::read_to_string(c.join("contracts.csv")).unwrap());
        assert!(!rows.is_empty() && rows.iter().all(|r| r[0] == "LIV"));
        let (ok, out) = run(&["export", c.to_str().unwrap(), "--council", "NOPE"], &[("SVH_DATABASE_URL", &from.database_url)]);
        assert!(!ok && out.contains("unknown council"), "{out}");
        for d in [a, b, c] {
            std::fs::remove_dir_all(d).ok();
        }
    }
}
