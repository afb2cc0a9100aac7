//! Idempotency keys, deletions and the changes feed.

use std::collections::HashSet;

use serde_json::{Value, json};

use crate::helpers::*;

const SYNC_FULL: &str = "mutation($input: SyncInput!) { syncCouncilData(input: $input) {
    applied created updated unchanged deleted cursor errors { entity index externalId code message } } }";

#[tokio::test]
async fn an_idempotency_key_replays_the_first_result_and_refuses_another_payload() {
    on_each_backend(|app| async move {
        seed_framework(&app).await;
        let sync = token("council_sync", &["LIV"]);
        let mut batch = small_batch("LIV");
        batch["idempotencyKey"] = json!("batch-2024-11-28-001");
        let first = app.ok(&sync, SYNC_FULL, json!({"input": batch.clone()})).await;
        assert_eq!(first["syncCouncilData"]["created"], 6);
        let events = audit_count(&app).await;

        // A retry after a timeout: the same answer, and nothing written twice.
        let retry = app.ok(&sync, SYNC_FULL, json!({"input": batch.clone()})).await;
        assert_eq!(retry, first);
        assert_eq!(audit_count(&app).await, events);

        // The same key with a different payload is a CONFLICT error, and writes nothing.
        batch["contracts"][0]["title"] = json!("Something else");
        assert_eq!(app.error_code(&sync, SYNC_FULL, json!({"input": batch})).await, "CONFLICT");
        assert_eq!(audit_count(&app).await, events);
        let d = app.ok(&sync, "{ contracts { edges { node { title version } } } }", json!({})).await;
        assert_eq!(d["contracts"]["edges"][0]["node"], json!({"title": "Library refurbishment", "version": 1}));

        // Concurrent retries of one new key: one applies, the others replay it.
        let mut batch = small_batch("LIV");
        batch["idempotencyKey"] = json!("batch-2");
        batch["contracts"][0]["valueGbp"] = json!("2000.00");
        let results = futures_join(&app, &sync, &batch, 4).await;
        for r in &results {
            assert_eq!(r, &results[0], "every retry answers the same");
        }
        assert_eq!(results[0]["syncCouncilData"]["updated"], 1);
        let d = app.ok(&sync, "{ contracts { edges { node { valueGbp version } } } }", json!({})).await;
        assert_eq!(d["contracts"]["edges"][0]["node"], json!({"valueGbp": "2000.00", "version": 2}));
    })
    .await;
}

async fn futures_join(app: &TestApp, token: &str, batch: &Value, n: usize) -> Vec<Value> {
    futures::future::join_all((0..n).map(|_| app.ok(token, SYNC_FULL, json!({"input": batch})))).await
}

#[tokio::test]
async fn deleting_a_contract_tombstones_its_commitments_and_evidence_and_a_resync_revives_it() {
    on_each_backend(|app| async move {
        seed_framework(&app).await;
        let sync = token("council_sync", &["LIV"]);
        let first = app.ok(&sync, SYNC_FULL, json!({"input": small_batch("LIV")})).await;
        let cursor = first["syncCouncilData"]["cursor"].clone();
        let d = app.ok(&sync, "{ contracts { edges { node { id } } } }", json!({})).await;
        let contract_id = d["contracts"]["edges"][0]["node"]["id"].clone();

        let del = json!({"councilCode": "LIV", "deletions": [{"entity": "CONTRACT", "externalId": "K1"}]});
        let r = app.ok(&sync, SYNC_FULL, json!({"input": del.clone()})).await;
        assert_eq!(r["syncCouncilData"]["deleted"], 5, "the contract, 2 commitments, 2 evidence: {r}");
        // Gone from every list and lookup.
        let d = app.ok(&sync, "{ contracts { totalCount } commitments { totalCount } evidence { totalCount } }", json!({})).await;
        assert_eq!(d, json!({"contracts":{"totalCount":0},"commitments":{"totalCount":0},"evidence":{"totalCount":0}}));
        let n = app.ok(&sync, "query($id: ID!) { node(id: $id) { id } }", json!({"id": contract_id})).await;
        assert!(n["node"].is_null());
        // Deleting again is a harmless retry; deleting the unknown is an error.
        let r = app.ok(&sync, SYNC_FULL, json!({"input": del})).await;
        assert_eq!((r["syncCouncilData"]["applied"].clone(), r["syncCouncilData"]["deleted"].clone()), (json!(true), json!(0)));
        let r = app.ok(&sync, SYNC_FULL, json!({"input": {"councilCode": "LIV", "deletions": [{"entity": "EVIDENCE", "externalId": "nope"}]}})).await;
        assert_eq!(r["syncCouncilData"]["errors"][0]["code"], "UNKNOWN_REFERENCE");

        // The feed lists each tombstone with the version after deletion.
        let (changes, _) = drain_feed(&app, &sync, "LIV", cursor).await;
        let deletes: Vec<(String, String, i64)> = changes
            .iter()
            .map(|c| (c["entity"].as_str().unwrap().to_owned(), c["externalId"].as_str().unwrap().to_owned(), c["version"].as_i64().unwrap()))
            .collect();
        assert_eq!(deletes.len(), 5);
        assert!(changes.iter().all(|c| c["operation"] == "DELETE" && c["data"].is_null()));
        assert!(deletes.contains(&("CONTRACT".into(), "K1".into(), 2)));
        assert!(deletes.contains(&("EVIDENCE".into(), "E2".into(), 2)));

        // Syncing the same external ids again brings them back as new versions, not duplicates.
        let r = app.ok(&sync, SYNC_FULL, json!({"input": small_batch("LIV")})).await;
        assert_eq!(r["syncCouncilData"]["updated"], 5, "{r}");
        let d = app.ok(&sync, "{ contracts { totalCount edges { node { id version } } } evidence { totalCount } }", json!({})).await;
        assert_eq!(d["contracts"]["totalCount"], 1);
        assert_eq!(d["contracts"]["edges"][0]["node"], json!({"id": contract_id, "version": 3}));
        assert_eq!(d["evidence"]["totalCount"], 2);
    })
    .await;
}

#[tokio::test]
async fn a_batch_may_not_refer_to_what_it_deletes() {
    on_each_backend(|app| async move {
        seed_framework(&app).await;
        let sync = token("council_sync", &["LIV"]);
        app.ok(&sync, SYNC_FULL, json!({"input": small_batch("LIV")})).await;
        let batch = json!({"councilCode": "LIV",
            "evidence": [{ "externalId": "E9", "commitmentExternalId": "K1/1", "periodStart": "2024-04-01", "periodEnd": "2024-04-30", "quantity": "1" }],
            "deletions": [{"entity": "CONTRACT", "externalId": "K1"}, {"entity": "CONTRACT", "externalId": "K1"}]});
        let r = app.ok(&sync, SYNC_FULL, json!({"input": batch})).await;
        let codes: HashSet<String> = r["syncCouncilData"]["errors"].as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap().to_owned()).collect();
        assert_eq!(r["syncCouncilData"]["applied"], false);
        assert!(codes.contains("UNKNOWN_REFERENCE") && codes.contains("DUPLICATE"), "{r}");
    })
    .await;
}

#[tokio::test]
async fn the_feed_lists_every_change_in_order_with_data_and_is_scoped_to_its_council() {
    on_each_backend(|app| async move {
        seed_framework(&app).await;
        let sync = token("council_sync", &["LIV"]);
        app.ok(&sync, SYNC_FULL, json!({"input": small_batch("LIV")})).await;
        app.ok(&token("council_sync", &["HAL"]), SYNC_FULL, json!({"input": small_batch("HAL")})).await;
        let (changes, end) = drain_feed(&app, &sync, "LIV", Value::Null).await;
        // Suppliers are regional: not in a council's feed.
        assert_eq!(changes.len(), 5);
        let contract = changes.iter().find(|c| c["entity"] == "CONTRACT").unwrap();
        assert_eq!(contract["operation"], "UPSERT");
        assert_eq!(contract["data"]["supplierRef"], "SUP-1");
        assert_eq!(contract["data"]["valueGbp"], "1234.50");
        let evidence = changes.iter().find(|c| c["externalId"] == "E1").unwrap();
        assert_eq!(evidence["data"]["commitmentExternalId"], "K1/1");
        // An empty page keeps the cursor, so a client can poll from it.
        let d = app.ok(&sync, CHANGES, json!({"c": "LIV", "after": end})).await;
        assert_eq!(d["changes"]["changes"], json!([]));
        assert_eq!(d["changes"]["endCursor"], end);
        // Who may read it.
        for (tok, ok) in [
            (token("council_viewer", &["LIV"]), true),
            (token("auditor", &[]), true),
            (token("regional_admin", &[]), true),
            (token("council_editor", &["HAL"]), false),
            (token("dashboard", &[]), false),
        ] {
            let (_, body) = app.gql(Some(&tok), CHANGES, json!({"c": "LIV"})).await;
            assert_eq!(body.get("errors").is_none(), ok, "{body}");
            if !ok {
                assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");
            }
        }
    })
    .await;
}

#[tokio::test]
async fn a_reader_following_the_feed_during_concurrent_syncs_sees_every_change_exactly_once() {
    on_each_backend(|app| async move {
        seed_framework(&app).await;
        let writers = 4;
        let batches_per_writer = 6;
        let app = std::sync::Arc::new(app);
        let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut handles = Vec::new();
        for w in 0..writers {
            let app = app.clone();
            handles.push(tokio::spawn(async move {
                let tok = token_for(&format!("writer-{w}"), "council_sync", &["LIV"]);
                for b in 0..batches_per_writer {
                    let k = format!("W{w}B{b}");
                    let batch = json!({"councilCode": "LIV",
                        "suppliers": [{ "ref": "SUP-1", "name": "Mersey Builders Ltd", "isSme": true, "isVcse": false }],
                        "contracts": [{ "externalId": k, "title": "t", "supplierRef": "SUP-1", "valueGbp": "10.00", "startDate": "2024-04-01", "endDate": "2025-03-31" }],
                        "commitments": (0..3).map(|i| json!({ "externalId": format!("{k}/{i}"), "contractExternalId": k, "measureCode": "JOBS-01", "financialYear": 2024, "targetQuantity": "1" })).collect::<Vec<_>>()});
                    let r = app.ok(&tok, SYNC, json!({"input": batch})).await;
                    assert_eq!(r["syncCouncilData"]["applied"], true, "{r}");
                }
            }));
        }
        let reader = {
            let (app, done) = (app.clone(), done.clone());
            tokio::spawn(async move {
                let tok = token("auditor", &[]);
                let (mut seen, mut after) = (Vec::new(), Value::Null);
                loop {
                    let finished = done.load(std::sync::atomic::Ordering::SeqCst);
                    let d = app.ok(&tok, CHANGES, json!({"c": "LIV", "after": after, "first": 7})).await;
                    seen.extend(d["changes"]["changes"].as_array().unwrap().iter().map(|c| (c["externalId"].as_str().unwrap().to_owned(), c["version"].as_i64().unwrap())));
                    after = d["changes"]["endCursor"].clone();
                    // Only stop after a full read that began once every writer had finished.
                    if finished && d["changes"]["hasMore"] == false {
                        return seen;
                    }
                }
            })
        };
        for h in handles {
            h.await.unwrap();
        }
        done.store(true, std::sync::atomic::Ordering::SeqCst);
        let seen = reader.await.unwrap();
        let unique: HashSet<_> = seen.iter().cloned().collect();
        assert_eq!(unique.len(), seen.len(), "a change was delivered twice");
        let expected: HashSet<(String, i64)> = (0..writers)
            .flat_map(|w| (0..batches_per_writer).flat_map(move |b| {
                let k = format!("W{w}B{b}");
                [(k.clone(), 1)].into_iter().chain((0..3).map(move |i| (format!("{k}/{i}"), 1)))
            }))
            .collect();
        assert_eq!(unique, expected, "the reader missed changes");
    })
    .await;
}

#[tokio::test]
async fn a_feed_row_keeps_no_copy_of_its_record_and_rows_that_kept_one_read_the_same() {
    use sea_orm::{ConnectionTrait, Statement};
    on_each_backend(|app| async move {
        seed_framework(&app).await;
        let sync = token("council_sync", &["LIV"]);
        app.ok(&sync, SYNC, json!({"input": small_batch("LIV")})).await;
        app.ok(&sync, SYNC, json!({"input": {"councilCode": "LIV", "deletions": [{"entity": "EVIDENCE", "externalId": "E2"}]}})).await;
        let (read, _) = drain_feed(&app, &sync, "LIV", Value::Null).await;
        assert_eq!(read.len(), 6, "five records and a deletion");
        assert!(read.iter().filter(|c| c["operation"] == "UPSERT").all(|c| c["data"].is_object()), "{read:?}");
        let backend = app.db.get_database_backend();
        let count = |sql: &'static str| {
            let db = app.db.clone();
            async move { db.query_one_raw(Statement::from_string(backend, sql)).await.unwrap().unwrap().try_get_by_index::<i64>(0).unwrap() }
        };
        assert_eq!(count("SELECT COUNT(*) FROM change_log WHERE data IS NOT NULL").await, 0, "the record is the audit event's");
        assert_eq!(count("SELECT COUNT(*) FROM change_log WHERE audit_seq IS NULL").await, 0);

        // Rows written before the feed named its audit events kept the record themselves.
        app.db
            .execute_unprepared("UPDATE change_log SET data = (SELECT after FROM audit_event WHERE audit_event.seq = change_log.audit_seq), audit_seq = NULL")
            .await
            .unwrap();
        assert_eq!(drain_feed(&app, &sync, "LIV", Value::Null).await.0, read);
    })
    .await;
}
