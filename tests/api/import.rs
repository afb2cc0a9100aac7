//! `social-value-hub import DIR`: the dataset through the sync path.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::json;

use crate::helpers::*;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny")
}

fn import(app: &TestApp, dir: &Path) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_social-value-hub"))
        .args(["import", dir.to_str().unwrap(), "--batch-size", "100"])
        .env("SVH_DATABASE_URL", &app.database_url)
        .output()
        .unwrap();
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

fn row<'a>(summary: &'a str, entity: &str) -> Vec<&'a str> {
    summary.lines().find(|l| l.starts_with(entity)).unwrap_or_else(|| panic!("no {entity} row in {summary}")).split_whitespace().collect()
}

#[tokio::test]
async fn import_loads_a_dataset_and_a_second_run_changes_nothing() {
    on_each_backend(|app| async move {
        let (ok, out) = import(&app, &fixture());
        assert!(ok, "{out}");
        assert_eq!(row(&out, "evidence"), ["evidence", "291", "0", "0"]);
        assert_eq!(row(&out, "contracts"), ["contracts", "30", "0", "0"]);
        let events = audit_count(&app).await;
        let d = app.ok(&token("auditor", &[]), "{ contracts { totalCount } commitments { totalCount } evidence { totalCount } }", json!({})).await;
        assert_eq!(d, json!({"contracts": {"totalCount": 30}, "commitments": {"totalCount": 113}, "evidence": {"totalCount": 291}}));

        let (ok, out) = import(&app, &fixture());
        assert!(ok, "{out}");
        assert_eq!(row(&out, "evidence"), ["evidence", "0", "0", "291"]);
        assert_eq!(row(&out, "suppliers"), ["suppliers", "0", "0", "4"]);
        assert_eq!(audit_count(&app).await, events, "a second import wrote audit events");
    })
    .await;
}

fn corrupt_copy(file: &str, line: usize, from: &str, to: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("svh-import-{}-{file}-{line}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for entry in std::fs::read_dir(fixture()).unwrap() {
        let p = entry.unwrap().path();
        std::fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
    }
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    assert!(lines[line - 1].contains(from), "{}", lines[line - 1]);
    lines[line - 1] = lines[line - 1].replacen(from, to, 1);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    dir
}

#[tokio::test]
async fn bad_csv_is_reported_by_file_line_and_column_and_nothing_is_written() {
    on_each_backend(|app| async move {
        let text = std::fs::read_to_string(fixture().join("contracts.csv")).unwrap();
        let value = text.lines().nth(4).unwrap().split(',').rev().nth(3).unwrap().to_owned();
        let dir = corrupt_copy("contracts.csv", 5, &value, "12.3x");
        let (ok, out) = import(&app, &dir);
        assert!(!ok);
        assert!(out.contains("contracts.csv line 5, column value_gbp"), "{out}");
        let d = app.ok(&token("auditor", &[]), "{ councils { code } suppliers { totalCount } }", json!({})).await;
        assert_eq!(d, json!({"councils": [], "suppliers": {"totalCount": 0}}));

        // A record the sync refuses names its line too; earlier batches stay, none is half-written.
        let dir = corrupt_copy("evidence.csv", 200, ",verified,", ",verified,");
        let evidence = std::fs::read_to_string(dir.join("evidence.csv")).unwrap();
        let mut lines: Vec<String> = evidence.lines().map(str::to_owned).collect();
        let mut cells: Vec<String> = lines[199].split(',').map(str::to_owned).collect();
        cells[2] = "NO-SUCH-COMMITMENT".into();
        lines[199] = cells.join(",");
        std::fs::write(dir.join("evidence.csv"), lines.join("\n") + "\n").unwrap();
        let (ok, out) = import(&app, &dir);
        assert!(!ok);
        assert!(out.contains("evidence.csv line 200: UNKNOWN_REFERENCE"), "{out}");
        let d = app.ok(&token("auditor", &[]), "{ auditChain { valid } }", json!({})).await;
        assert_eq!(d["auditChain"]["valid"], true);
        // Fixed, the import finishes the job.
        let (ok, out) = import(&app, &fixture());
        assert!(ok, "{out}");
        let d = app.ok(&token("auditor", &[]), "{ evidence { totalCount } }", json!({})).await;
        assert_eq!(d["evidence"]["totalCount"], 291);
    })
    .await;
}

/// A load refreshes the record tables' statistics as it goes (PostgreSQL):
/// without them the planner looks up a batch's existing records by reading
/// every record of the council (958 s to import the large region, 142 s with).
#[tokio::test]
async fn a_bulk_load_analyzes_the_record_tables_while_it_grows() {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    let Some(backend) = backends().into_iter().find(|b| matches!(b, Backend::Postgres(_))) else {
        eprintln!("skipped: PostgreSQL only (SVH_TEST_POSTGRES_URL)");
        return;
    };
    let app = TestApp::spawn(backend).await;
    app.load_generated(social_value_hub::dataset::generate::Scale::Small).await;
    let sql = "SELECT analyze_count FROM pg_stat_user_tables WHERE relname = 'evidence'";
    let mut analyzed = 0i64;
    // Statistics counters reach other sessions within a second or so.
    for _ in 0..30 {
        let row = app.db.query_one_raw(Statement::from_string(DbBackend::Postgres, sql)).await.unwrap().unwrap();
        analyzed = row.try_get_by_index(0).unwrap();
        if analyzed > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(analyzed > 0, "the load never analyzed evidence");
}
