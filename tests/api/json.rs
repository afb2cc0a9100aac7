//! Plain JSON in and out: the feed and the audit trail carry numbers as JSON
//! numbers and decimals as strings, and a JSON number sent for a Decimal is
//! refused with a message that says to send a string, against its record
//! when it is in a sync batch.

use serde_json::json;

use crate::helpers::*;

/// The response body as text.
async fn raw_body(app: &TestApp, token: &str, query: &str, variables: serde_json::Value) -> String {
    let res = reqwest::Client::new().post(app.url("/graphql")).bearer_auth(token).json(&json!({"query": query, "variables": variables})).send().await.unwrap();
    res.text().await.unwrap()
}

#[tokio::test]
async fn a_commitments_feed_entry_and_audit_event_are_plain_json() {
    on_each_backend(|app| async move {
        seed_framework(&app).await;
        let sync = token("council_sync", &["LIV"]);
        app.ok(&sync, SYNC, json!({"input": small_batch("LIV")})).await;

        // As sent, before any client library reads it: a JSON parser with
        // serde_json's arbitrary_precision would turn its private number
        // object back into a number and hide the leak.
        let raw = raw_body(&app, &sync, CHANGES, json!({"c": "LIV", "first": 50})).await;
        assert!(raw.contains(r#""financialYear":2024"#) && !raw.contains("serde_json"), "{raw}");
        let (changes, _) = drain_feed(&app, &sync, "LIV", json!(null)).await;
        let entry = changes.iter().find(|c| c["externalId"] == "K1/1").expect("the commitment's feed entry");
        assert_eq!(
            entry["data"],
            json!({"externalId": "K1/1", "contractExternalId": "K1", "measureCode": "JOBS-01", "financialYear": 2024, "targetQuantity": "0.10"})
        );

        let q = "{ auditEvents(first: 100, filter: {entity: \"COMMITMENT\", externalId: \"K1/1\"}) { edges { node { before after } } } }";
        let raw = raw_body(&app, &token("auditor", &[]), q, json!({})).await;
        assert!(raw.contains(r#""financialYear":2024"#) && !raw.contains("serde_json"), "{raw}");
        let d = app.ok(&token("auditor", &[]), q, json!({})).await;
        let event = &d["auditEvents"]["edges"][0]["node"];
        assert_eq!(event["before"], json!(null));
        assert_eq!(event["after"], entry["data"]);
        // A proxy's year is a number in its audit event too.
        let q = "{ auditEvents(first: 1, filter: {entity: \"PROXY\"}) { edges { node { after } } } }";
        let d = app.ok(&token("auditor", &[]), q, json!({})).await;
        assert_eq!(d["auditEvents"]["edges"][0]["node"]["after"], json!({"measureCode": "JOBS-01", "financialYear": 2024, "valueGbp": "31250.00"}));
    })
    .await;
}

#[tokio::test]
async fn a_json_number_for_a_decimal_is_refused_with_send_a_string() {
    on_each_backend(|app| async move {
        seed_framework(&app).await;
        let admin = token("regional_admin", &[]);
        let q = "mutation($v: Decimal!) { setProxy(measureCode: \"JOBS-01\", financialYear: 2024, valueGbp: $v) { valueGbp } }";
        let (_, body) = app.gql(Some(&admin), q, json!({"v": 185000.00})).await;
        let message = body["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains("send a Decimal as a JSON string"), "{body}");
        assert!(!message.contains("serde_json"), "{body}");

        // In a sync batch, against its record and field; the other records' problems are listed too.
        let mut batch = small_batch("LIV");
        batch["contracts"][0]["valueGbp"] = json!(185000.00);
        batch["commitments"][1]["targetQuantity"] = json!(12);
        batch["evidence"][0]["periodStart"] = json!("2024-13-01");
        batch["evidence"][1]["quantity"] = json!("-1");
        let d = app.ok(&token("council_sync", &["LIV"]), SYNC, json!({"input": batch})).await;
        let r = &d["syncCouncilData"];
        assert_eq!(r["applied"], false, "{r}");
        let errors = r["errors"].as_array().unwrap();
        let find = |entity: &str, index: i64| {
            errors.iter().find(|e| e["entity"] == entity && e["index"] == index).unwrap_or_else(|| panic!("no error for {entity} {index}: {r}"))
        };
        let contract = find("CONTRACT", 0);
        assert_eq!(contract["externalId"], "K1");
        assert!(contract["message"].as_str().unwrap().starts_with("valueGbp: send a Decimal as a JSON string"), "{contract}");
        assert!(find("COMMITMENT", 1)["message"].as_str().unwrap().starts_with("targetQuantity: send a Decimal"), "{r}");
        assert!(find("EVIDENCE", 0)["message"].as_str().unwrap().contains("periodStart: \"2024-13-01\" is not a date"), "{r}");
        assert!(find("EVIDENCE", 1)["message"].as_str().unwrap().contains("quantity"), "{r}");
        assert_eq!(errors.len(), 4, "{r}");
        assert_eq!(app.ok(&token("auditor", &[]), "{ contracts { totalCount } }", json!({})).await["contracts"]["totalCount"], 0);

        // A value that is not of a built-in type is refused before any
        // resolver runs, with the path to its record and field.
        let mut batch = small_batch("LIV");
        batch["commitments"][1]["financialYear"] = json!("2024");
        let (_, body) = app.gql(Some(&token("council_sync", &["LIV"])), SYNC, json!({"input": batch})).await;
        assert!(body["errors"][0]["message"].as_str().unwrap().contains("input.commitments.1.financialYear"), "{body}");
    })
    .await;
}
