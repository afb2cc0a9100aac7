//! The audit trail: one event per record changed, none for the unchanged,
//! scoped reads, and a chain that reveals an edited event.

use sea_orm::ConnectionTrait;
use serde_json::json;

use crate::helpers::*;

const EVENTS: &str = "query($f: AuditFilter) { auditEvents(first: 500, filter: $f) { totalCount edges { node {
    seq actor role council { code } action entity recordId before after prevHash hash } } } }";
const CHAIN: &str = "{ auditChain { valid checkedEvents firstBrokenSeq headHash } }";

#[tokio::test]
async fn every_write_appends_one_event_per_changed_record() {
    on_each_backend(|app| async move {
        seed_framework(&app).await;
        // 2 councils, 2 themes, 2 measures, 4 proxies.
        assert_eq!(audit_count(&app).await, 10);
        let sync = token_for("liv-system", "council_sync", &["LIV"]);
        app.ok(&sync, SYNC, json!({"input": small_batch("LIV")})).await;
        assert_eq!(audit_count(&app).await, 16);
        // Unchanged records and refused writes append nothing.
        app.ok(&sync, SYNC, json!({"input": small_batch("LIV")})).await;
        app.ok(&token("regional_admin", &[]), "mutation { upsertTheme(input: {code: \"JOBS\", name: \"Jobs\"}) { code } }", json!({})).await;
        app.error_code(&token("council_sync", &["HAL"]), SYNC, json!({"input": small_batch("LIV")})).await;
        assert_eq!(audit_count(&app).await, 16);

        let mut batch = small_batch("LIV");
        batch["contracts"][0]["title"] = json!("Renamed");
        app.ok(&sync, SYNC, json!({"input": batch})).await;
        let d = app.ok(&token("auditor", &[]), EVENTS, json!({"f": {"entity": "CONTRACT"}})).await;
        let events = d["auditEvents"]["edges"].as_array().unwrap();
        assert_eq!(events.len(), 2);
        let update = &events[1]["node"];
        assert_eq!(update["action"], "UPDATE");
        assert_eq!(update["actor"], "liv-system");
        assert_eq!(update["role"], "council_sync");
        assert_eq!(update["council"]["code"], "LIV");
        assert_eq!(update["before"]["title"], "Library refurbishment");
        assert_eq!(update["after"]["title"], "Renamed");
        // Each event names the hash of the one before it.
        let d = app.ok(&token("auditor", &[]), EVENTS, json!({})).await;
        let all = d["auditEvents"]["edges"].as_array().unwrap();
        assert_eq!(all[0]["node"]["prevHash"], "0".repeat(64));
        for pair in all.windows(2) {
            assert_eq!(pair[1]["node"]["prevHash"], pair[0]["node"]["hash"]);
            assert_eq!(pair[1]["node"]["seq"].as_i64().unwrap(), pair[0]["node"]["seq"].as_i64().unwrap() + 1);
        }

        let d = app.ok(&token("auditor", &[]), EVENTS, json!({"f": {"entity": "PROXY"}})).await;
        assert_eq!(d["auditEvents"]["edges"][0]["node"]["recordId"], "JOBS-01/2024");
        assert!(d["auditEvents"]["edges"][0]["node"]["council"].is_null());
        let d = app.ok(&token("auditor", &[]), EVENTS, json!({"f": {"externalId": "K1", "actor": "liv-system"}})).await;
        assert_eq!(d["auditEvents"]["totalCount"], 2);
    })
    .await;
}

#[tokio::test]
async fn audit_reads_follow_the_contracts_visibility() {
    on_each_backend(|app| async move {
        seed_framework(&app).await;
        app.ok(&token("council_sync", &["LIV"]), SYNC, json!({"input": small_batch("LIV")})).await;
        app.ok(&token("council_sync", &["HAL"]), SYNC, json!({"input": small_batch("HAL")})).await;
        let total = audit_count(&app).await;
        let d = app.ok(&token("regional_admin", &[]), "{ auditEvents { totalCount } }", json!({})).await;
        assert_eq!(d["auditEvents"]["totalCount"], total);
        // A council role sees its councils' events only: no framework, no suppliers, no HAL.
        let d = app.ok(&token("council_viewer", &["LIV"]), EVENTS, json!({})).await;
        assert_eq!(d["auditEvents"]["totalCount"], 5);
        assert!(d["auditEvents"]["edges"].as_array().unwrap().iter().all(|e| e["node"]["council"]["code"] == "LIV"));
        assert_eq!(app.error_code(&token("council_viewer", &["LIV"]), EVENTS, json!({"f": {"councilCodes": ["HAL"]}})).await, "FORBIDDEN");
        assert_eq!(app.error_code(&token("dashboard", &[]), EVENTS, json!({})).await, "FORBIDDEN");
        for role in ["council_editor", "council_sync", "council_viewer", "dashboard"] {
            assert_eq!(app.error_code(&token(role, &["LIV"]), CHAIN, json!({})).await, "FORBIDDEN", "{role}");
        }
    })
    .await;
}

#[tokio::test]
async fn editing_a_stored_event_breaks_the_chain_at_that_event() {
    on_each_backend(|app| async move {
        seed_framework(&app).await;
        app.ok(&token("council_sync", &["LIV"]), SYNC, json!({"input": small_batch("LIV")})).await;
        let total = audit_count(&app).await;
        let d = app.ok(&token("auditor", &[]), CHAIN, json!({})).await;
        assert_eq!(d["auditChain"]["valid"], true);
        assert_eq!(d["auditChain"]["checkedEvents"], total);
        assert!(d["auditChain"]["firstBrokenSeq"].is_null());

        let d = app.ok(&token("auditor", &[]), EVENTS, json!({"f": {"entity": "CONTRACT"}})).await;
        let seq = d["auditEvents"]["edges"][0]["node"]["seq"].as_i64().unwrap();
        // Someone with database access quietly changes what the event says.
        app.db.execute_unprepared(&format!("UPDATE audit_event SET after = REPLACE(after, '1234.50', '12.34') WHERE seq = {seq}")).await.unwrap();
        let d = app.ok(&token("regional_admin", &[]), CHAIN, json!({})).await;
        assert_eq!(d["auditChain"]["valid"], false);
        assert_eq!(d["auditChain"]["firstBrokenSeq"], seq);
    })
    .await;
}

#[tokio::test]
async fn the_chain_stays_one_line_under_concurrent_writers() {
    on_each_backend(|app| async move {
        seed_framework(&app).await;
        let writes = ["LIV", "HAL"].into_iter().flat_map(|c| {
            (0..4).map(move |i| {
                let mut b = small_batch(c);
                b["contracts"][0]["externalId"] = json!(format!("K{i}"));
                b["commitments"][0]["contractExternalId"] = json!(format!("K{i}"));
                b["commitments"][1]["contractExternalId"] = json!(format!("K{i}"));
                for (j, k) in ["commitments", "evidence"].iter().enumerate() {
                    for n in 0..2 {
                        b[k][n]["externalId"] = json!(format!("{k}-{i}-{j}-{n}"));
                    }
                }
                b["evidence"][0]["commitmentExternalId"] = b["commitments"][0]["externalId"].clone();
                b["evidence"][1]["commitmentExternalId"] = b["commitments"][0]["externalId"].clone();
                (c, b)
            })
        });
        let app_ref = &app;
        let results =
            futures::future::join_all(writes.map(|(c, b)| async move { app_ref.ok(&token("council_sync", &[c]), SYNC, json!({"input": b})).await })).await;
        assert!(results.iter().all(|r| r["syncCouncilData"]["applied"] == true), "{results:?}");
        let d = app.ok(&token("auditor", &[]), CHAIN, json!({})).await;
        assert_eq!(d["auditChain"]["valid"], true, "{d}");
        assert_eq!(d["auditChain"]["checkedEvents"], audit_count(&app).await);
    })
    .await;
}
