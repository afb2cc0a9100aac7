//! Single-record edits and reviews by council officers.

use serde_json::{Value, json};

use crate::helpers::*;

async fn ids(app: &TestApp) -> (Value, Value, Value, Value) {
    let d =
        app.ok(&token("auditor", &[]), "{ contracts { edges { node { id version commitments { id version evidence { id version } } } } } }", json!({})).await;
    let c = &d["contracts"]["edges"][0]["node"];
    (c["id"].clone(), c["commitments"][0]["id"].clone(), c["commitments"][1]["id"].clone(), c["commitments"][0]["evidence"][0]["id"].clone())
}

const TARGET: &str = "mutation($id: ID!, $t: Decimal!, $v: Int!) { setCommitmentTarget(id: $id, targetQuantity: $t, expectedVersion: $v) { targetQuantity version committedValue } }";
const RELINK: &str = "mutation($id: ID!, $c: ID!, $v: Int!) { relinkEvidence(id: $id, commitmentId: $c, expectedVersion: $v) { version commitment { id } } }";
const WITHDRAW: &str = "mutation($id: ID!, $v: Int!) { withdrawRecord(id: $id, expectedVersion: $v) }";
const REVIEW: &str = "mutation($id: ID!, $d: ReviewDecision!, $c: String, $v: Int) { reviewEvidence(id: $id, decision: $d, comment: $c, expectedVersion: $v) {
    status reviewedBy reviewComment reviewedAt version submittedBy } }";

#[tokio::test]
async fn officers_correct_records_with_optimistic_concurrency() {
    on_each_backend(|app| async move {
        seed_framework(&app).await;
        app.ok(&token_for("liv-system", "council_sync", &["LIV"]), SYNC, json!({"input": small_batch("LIV")})).await;
        let (contract, jobs, growth, evidence) = ids(&app).await;
        let officer = token_for("officer@liverpool.gov.uk", "council_editor", &["LIV"]);

        let d = app.ok(&officer, TARGET, json!({"id": jobs, "t": "0.50", "v": 1})).await;
        assert_eq!(d["setCommitmentTarget"], json!({"targetQuantity": "0.50", "version": 2, "committedValue": "15625.00"}));
        // A stale version is CONFLICT and changes nothing.
        assert_eq!(app.error_code(&officer, TARGET, json!({"id": jobs, "t": "9", "v": 1})).await, "CONFLICT");
        assert_eq!(app.error_code(&officer, TARGET, json!({"id": jobs, "t": "-1", "v": 2})).await, "BAD_USER_INPUT");

        let d = app.ok(&officer, RELINK, json!({"id": evidence, "c": growth, "v": 1})).await;
        assert_eq!(d["relinkEvidence"], json!({"version": 2, "commitment": {"id": growth}}));
        assert_eq!(app.error_code(&officer, RELINK, json!({"id": evidence, "c": jobs, "v": 1})).await, "CONFLICT");

        // The feed carries the edits.
        let (changes, _) = drain_feed(&app, &officer, "LIV", Value::Null).await;
        let last = changes.last().unwrap();
        assert_eq!((last["externalId"].clone(), last["version"].clone()), (json!("E1"), json!(2)));
        assert_eq!(last["data"]["commitmentExternalId"], "K1/2");

        // Withdrawing the contract takes everything under it.
        assert_eq!(app.error_code(&officer, WITHDRAW, json!({"id": contract, "v": 7})).await, "CONFLICT");
        let d = app.ok(&officer, WITHDRAW, json!({"id": contract, "v": 1})).await;
        assert_eq!(d["withdrawRecord"], 5);
        let d = app.ok(&officer, "{ contracts { totalCount } evidence { totalCount } }", json!({})).await;
        assert_eq!(d, json!({"contracts": {"totalCount": 0}, "evidence": {"totalCount": 0}}));
        assert_eq!(app.error_code(&officer, WITHDRAW, json!({"id": contract, "v": 2})).await, "NOT_FOUND");
    })
    .await;
}

#[tokio::test]
async fn evidence_review_follows_the_four_eyes_rule() {
    on_each_backend(|app| async move {
        seed_framework(&app).await;
        // An officer submits evidence themselves, through sync.
        let alice = token_for("alice@liverpool.gov.uk", "council_editor", &["LIV"]);
        app.ok(&alice, SYNC, json!({"input": small_batch("LIV")})).await;
        let (.., evidence) = ids(&app).await;
        let d = app.ok(&alice, "{ evidence { edges { node { submittedBy } } } }", json!({})).await;
        assert_eq!(d["evidence"]["edges"][0]["node"]["submittedBy"], "alice@liverpool.gov.uk");

        assert_eq!(app.error_code(&alice, REVIEW, json!({"id": evidence, "d": "VERIFY"})).await, "FORBIDDEN");
        for tok in [
            token("council_viewer", &["LIV"]),
            token("council_sync", &["LIV"]),
            token("council_editor", &["HAL"]),
            token("regional_admin", &[]),
            token("auditor", &[]),
        ] {
            assert_eq!(app.error_code(&tok, REVIEW, json!({"id": evidence, "d": "VERIFY"})).await, "FORBIDDEN");
        }
        let bob = token_for("bob@liverpool.gov.uk", "council_editor", &["LIV"]);
        let d = app.ok(&bob, REVIEW, json!({"id": evidence, "d": "REJECT", "c": "Timesheets missing", "v": 1})).await;
        let r = &d["reviewEvidence"];
        assert_eq!(
            (r["status"].clone(), r["reviewedBy"].clone(), r["reviewComment"].clone(), r["version"].clone()),
            (json!("REJECTED"), json!("bob@liverpool.gov.uk"), json!("Timesheets missing"), json!(2))
        );
        assert!(r["reviewedAt"].is_string());
        assert_eq!(app.error_code(&bob, REVIEW, json!({"id": evidence, "d": "VERIFY", "v": 1})).await, "CONFLICT");
        // Rejected evidence is no longer delivered: E1 was 0.10 of 0.30.
        let d = app.ok(&bob, "{ commitments(filter: {measureCodes: [\"JOBS-01\"]}) { edges { node { deliveredQuantity verifiedValue } } } }", json!({})).await;
        assert_eq!(d["commitments"]["edges"][0]["node"], json!({"deliveredQuantity": "0.20", "verifiedValue": "0.00"}));
        let d = app
            .ok(
                &token("auditor", &[]),
                "{ auditEvents(filter: {actor: \"bob@liverpool.gov.uk\"}) { edges { node { action entity before after } } } }",
                json!({}),
            )
            .await;
        let e = &d["auditEvents"]["edges"][0]["node"];
        assert_eq!((e["action"].clone(), e["entity"].clone()), (json!("REVIEW"), json!("EVIDENCE")));
        assert_eq!((e["before"]["status"].clone(), e["after"]["status"].clone()), (json!("VERIFIED"), json!("REJECTED")));
    })
    .await;
}
