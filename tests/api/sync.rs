//! syncCouncilData: atomic batches, every error reported, upsert by external
//! id with versions.

use serde_json::{Value, json};

use crate::helpers::*;

const VERSIONS: &str = "{ contracts { edges { node { externalId version title } } }
    commitments { totalCount edges { node { externalId version } } }
    evidence { totalCount edges { node { externalId version status submittedBy } } } }";

fn result(v: &Value) -> &Value {
    &v["syncCouncilData"]
}

#[tokio::test]
async fn upserts_by_external_id_and_bumps_versions_only_on_change() {
    on_each_backend(|app| async move {
        seed_framework(&app).await;
        let sync = token_for("liv-system", "council_sync", &["LIV"]);
        let viewer = token("council_viewer", &["LIV"]);

        let first = app.ok(&sync, SYNC, json!({"input": small_batch("LIV")})).await;
        assert_eq!(result(&first)["created"], 6, "{first}");
        assert_eq!(result(&first)["updated"], 0);

        // The same batch again: all unchanged, versions stay 1.
        let again = app.ok(&sync, SYNC, json!({"input": small_batch("LIV")})).await;
        assert_eq!((result(&again)["created"].clone(), result(&again)["unchanged"].clone()), (json!(0), json!(6)), "{again}");
        let data = app.ok(&viewer, VERSIONS, json!({})).await;
        assert_eq!(data["contracts"]["edges"][0]["node"]["version"], 1);
        assert_eq!(data["evidence"]["edges"][0]["node"]["submittedBy"], "liv-system");

        // Change the contract title and one evidence status.
        let mut batch = small_batch("LIV");
        batch["contracts"][0]["title"] = json!("Library refurbishment (phase 2)");
        batch["evidence"][1]["status"] = json!("REJECTED");
        let changed = app.ok(&sync, SYNC, json!({"input": batch})).await;
        assert_eq!(result(&changed)["updated"], 2, "{changed}");
        assert_eq!(result(&changed)["unchanged"], 4);
        let data = app.ok(&viewer, VERSIONS, json!({})).await;
        let contract = &data["contracts"]["edges"][0]["node"];
        assert_eq!((contract["version"].clone(), contract["title"].clone()), (json!(2), json!("Library refurbishment (phase 2)")));
        assert_eq!(data["evidence"]["edges"][0]["node"]["version"], 1);
        assert_eq!(data["evidence"]["edges"][1]["node"]["version"], 2);
        assert_eq!(data["evidence"]["edges"][1]["node"]["status"], "REJECTED");
        // Nothing duplicated.
        assert_eq!(data["commitments"]["totalCount"], 2);
        assert_eq!(data["evidence"]["totalCount"], 2);
    })
    .await;
}

#[tokio::test]
async fn an_invalid_batch_lists_every_invalid_record_and_writes_nothing() {
    on_each_backend(|app| async move {
        seed_framework(&app).await;
        let sync = token("council_sync", &["LIV"]);
        let mut batch = small_batch("LIV");
        batch["contracts"].as_array_mut().unwrap().extend([
            json!({ "externalId": "K2", "title": "Bad dates", "supplierRef": "SUP-1", "valueGbp": "10.00", "startDate": "2025-01-01", "endDate": "2024-01-01" }),
            json!({ "externalId": "K3", "title": "Unknown supplier", "supplierRef": "SUP-404", "valueGbp": "abc", "startDate": "2024-01-01", "endDate": "2025-01-01" }),
            json!({ "externalId": "K1", "title": "Duplicate", "supplierRef": "SUP-1", "valueGbp": "-5.00", "startDate": "2024-01-01", "endDate": "2025-01-01" }),
        ]);
        batch["commitments"].as_array_mut().unwrap().extend([
            json!({ "externalId": "K1/3", "contractExternalId": "K1", "measureCode": "NOPE-01", "financialYear": 2024, "targetQuantity": "1" }),
            json!({ "externalId": "K1/4", "contractExternalId": "K1", "measureCode": "JOBS-01", "financialYear": 2019, "targetQuantity": "1" }),
            json!({ "externalId": "K1/5", "contractExternalId": "K404", "measureCode": "JOBS-01", "financialYear": 2024, "targetQuantity": "-2" }),
        ]);
        batch["evidence"].as_array_mut().unwrap().extend([
            json!({ "externalId": "E3", "commitmentExternalId": "K1/1", "periodStart": "2024-06-01", "periodEnd": "2024-07-31", "quantity": "1" }),
            json!({ "externalId": "E4", "commitmentExternalId": "K1/1", "periodStart": "2024-04-01", "periodEnd": "2024-04-30", "quantity": "1", "evidenceSha256": "abc" }),
            json!({ "externalId": "E5", "commitmentExternalId": "GONE", "periodStart": "2024-04-01", "periodEnd": "2024-04-30", "quantity": "1.001" }),
        ]);
        let r = app.ok(&sync, SYNC, json!({"input": batch})).await;
        let r = result(&r);
        assert_eq!(r["applied"], false);
        assert_eq!((r["created"].clone(), r["updated"].clone(), r["unchanged"].clone()), (json!(0), json!(0), json!(0)));
        let mut found: Vec<(String, i64, String)> = r["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["entity"].as_str().unwrap().to_owned(), e["index"].as_i64().unwrap(), e["code"].as_str().unwrap().to_owned()))
            .collect();
        found.sort();
        let mut expected: Vec<(String, i64, String)> = [
            ("CONTRACT", 0, "DUPLICATE"),
            ("CONTRACT", 1, "INVALID_PERIOD"),
            ("CONTRACT", 2, "INVALID_VALUE"),
            ("CONTRACT", 2, "UNKNOWN_REFERENCE"),
            ("CONTRACT", 3, "DUPLICATE"),
            ("CONTRACT", 3, "INVALID_VALUE"),
            ("COMMITMENT", 2, "UNKNOWN_REFERENCE"),
            ("COMMITMENT", 3, "NO_PROXY"),
            ("COMMITMENT", 4, "INVALID_VALUE"),
            ("COMMITMENT", 4, "UNKNOWN_REFERENCE"),
            ("EVIDENCE", 2, "INVALID_PERIOD"),
            ("EVIDENCE", 3, "INVALID_SHA256"),
            ("EVIDENCE", 4, "INVALID_VALUE"),
            ("EVIDENCE", 4, "UNKNOWN_REFERENCE"),
        ]
        .into_iter()
        .map(|(a, b, c)| (a.to_owned(), b, c.to_owned()))
        .collect();
        expected.sort();
        assert_eq!(found, expected, "{r}");
        // Every error names its record and says what is wrong.
        for e in r["errors"].as_array().unwrap() {
            assert!(e["externalId"].is_string() && !e["message"].as_str().unwrap().is_empty(), "{e}");
        }
        // Nothing at all was written, not even the valid supplier.
        let data = app.ok(&token("auditor", &[]), "{ suppliers { totalCount } contracts { totalCount } commitments { totalCount } evidence { totalCount } }", json!({})).await;
        assert_eq!(data, json!({"suppliers":{"totalCount":0},"contracts":{"totalCount":0},"commitments":{"totalCount":0},"evidence":{"totalCount":0}}));
    })
    .await;
}

#[tokio::test]
async fn later_batches_refer_to_records_synced_earlier() {
    on_each_backend(|app| async move {
        seed_framework(&app).await;
        let sync = token("council_sync", &["LIV"]);
        let mut first = small_batch("LIV");
        first["evidence"] = json!([]);
        app.ok(&sync, SYNC, json!({"input": first})).await;
        let second = json!({ "councilCode": "LIV", "evidence": small_batch("LIV")["evidence"] });
        let r = app.ok(&sync, SYNC, json!({"input": second})).await;
        assert_eq!(result(&r)["created"], 2, "{r}");
        // External ids are per council: HAL may not refer to LIV's commitment.
        let hal = json!({ "councilCode": "HAL", "evidence": [{ "externalId": "E9", "commitmentExternalId": "K1/1",
                          "periodStart": "2024-04-01", "periodEnd": "2024-04-30", "quantity": "1" }] });
        let r = app.ok(&token("council_sync", &["HAL"]), SYNC, json!({"input": hal})).await;
        assert_eq!(result(&r)["applied"], false);
        assert_eq!(result(&r)["errors"][0]["code"], "UNKNOWN_REFERENCE");
    })
    .await;
}

#[tokio::test]
async fn writes_outside_the_callers_councils_are_forbidden_and_write_nothing() {
    on_each_backend(|app| async move {
        seed_framework(&app).await;
        for tok in
            [token("council_sync", &["HAL"]), token("council_viewer", &["LIV"]), token("regional_admin", &[]), token("auditor", &[]), token("dashboard", &[])]
        {
            assert_eq!(app.error_code(&tok, SYNC, json!({"input": small_batch("LIV")})).await, "FORBIDDEN");
        }
        let data = app.ok(&token("auditor", &[]), "{ suppliers { totalCount } contracts { totalCount } }", json!({})).await;
        assert_eq!(data, json!({"suppliers":{"totalCount":0},"contracts":{"totalCount":0}}));
    })
    .await;
}

#[tokio::test]
async fn a_batch_over_ten_thousand_records_is_refused() {
    on_each_backend(|app| async move {
        seed_framework(&app).await;
        let suppliers: Vec<Value> = (0..10_001).map(|i| json!({"ref": format!("S{i}"), "name": "n", "isSme": false, "isVcse": false})).collect();
        let code = app.error_code(&token("council_sync", &["LIV"]), SYNC, json!({"input": {"councilCode": "LIV", "suppliers": suppliers}})).await;
        assert_eq!(code, "BAD_USER_INPUT");
        let data = app.ok(&token("auditor", &[]), "{ suppliers { totalCount } }", json!({})).await;
        assert_eq!(data["suppliers"]["totalCount"], 0);
    })
    .await;
}

#[tokio::test]
async fn a_writer_that_begins_again_at_once_does_not_keep_another_waiting() {
    use social_value_hub::auth::{Principal, Role};
    use social_value_hub::service::write::WriteTx;

    on_each_backend(|app| async move {
        seed_framework(&app).await;
        let sync = token_for("liv-system", "council_sync", &["LIV"]);
        // Another writer of the same database, as a second council's sync is:
        // it holds the write lock 50 ms at a time and begins again as soon as
        // it commits, for four seconds.
        let db = app.db.clone();
        let busy = tokio::spawn(async move {
            let principal = Principal { subject: "other".into(), role: Role::RegionalAdmin, councils: Vec::new() };
            let until = std::time::Instant::now() + std::time::Duration::from_secs(4);
            while std::time::Instant::now() < until {
                let tx = WriteTx::begin(&db, &principal).await.unwrap();
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                tx.commit().await.unwrap();
            }
        });
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        let started = std::time::Instant::now();
        let first = app.ok(&sync, SYNC, json!({"input": small_batch("LIV")})).await;
        let waited = started.elapsed();
        assert_eq!(result(&first)["created"], 6, "{first}");
        // Its turn comes after the other's current transaction, not after the
        // other stops: SQLite's own retries would almost never find the lock free.
        assert!(!busy.is_finished(), "the other writer stopped first");
        assert!(waited < std::time::Duration::from_secs(2), "the sync waited {waited:?} for the other writer");
        busy.await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn sqlite_statistics_taken_while_the_tables_were_empty_do_not_outlive_the_records_synced_after() {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};

    let app = TestApp::spawn(Backend::Sqlite).await;
    // As an `import` of the reference data alone leaves it: analyzed while
    // the record tables and the cells were empty.
    seed_framework(&app).await;
    social_value_hub::service::db::analyze(&app.db).await.unwrap();
    let stats = "SELECT tbl, idx, stat FROM sqlite_stat1";
    // None at all: the reference tables' few rows beside no figures for the
    // record tables plan a sync through every commitment of a measure.
    assert_eq!(app.db.query_all_raw(Statement::from_string(DbBackend::Sqlite, stats)).await.unwrap().len(), 0, "statistics of a database without records");
    app.load_fixture("tiny").await;
    social_value_hub::service::db::analyze(&app.db).await.unwrap();
    let stats = app.db.query_all_raw(Statement::from_string(DbBackend::Sqlite, stats)).await.unwrap();
    assert!(!stats.is_empty(), "a database with records keeps its statistics");
    for row in stats {
        let (table, index, stat): (String, Option<String>, String) =
            (row.try_get_by_index(0).unwrap(), row.try_get_by_index(1).unwrap(), row.try_get_by_index(2).unwrap());
        if stat.split(' ').next() == Some("0") {
            let count = format!("SELECT COUNT(*) FROM {table}");
            let rows: i64 = app.db.query_one_raw(Statement::from_string(DbBackend::Sqlite, count)).await.unwrap().unwrap().try_get_by_index(0).unwrap();
            assert_eq!(rows, 0, "sqlite_stat1 still says {table} ({index:?}) is empty");
        }
    }
}
