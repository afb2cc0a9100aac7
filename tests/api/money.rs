//! Money and quantities are exact on both backends, stored and summed.

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn decimals_are_stored_read_and_summed_exactly() {
    on_each_backend(|app| async move {
        seed_framework(&app).await;
        let sync = token("council_sync", &["LIV"]);
        let r = app.ok(&sync, SYNC, json!({"input": small_batch("LIV")})).await;
        assert_eq!(r["syncCouncilData"]["applied"], true, "{r}");

        let q = "{ contracts { edges { node { valueGbp socialValueWeightingPct commitments {
                   externalId targetQuantity committedValue deliveredQuantity deliveredValue verifiedValue
                   evidence { quantity value } } } } } }";
        let data = app.ok(&token("council_viewer", &["LIV"]), q, json!({})).await;
        let contract = &data["contracts"]["edges"][0]["node"];
        // Exact strings, the same on both backends.
        assert_eq!(contract["valueGbp"], "1234.50");
        assert_eq!(contract["socialValueWeightingPct"], "12.50");
        let jobs = &contract["commitments"][0];
        assert_eq!(jobs["targetQuantity"], "0.10");
        assert_eq!(jobs["evidence"][0]["quantity"], "0.10");
        assert_eq!(jobs["evidence"][1]["quantity"], "0.20");
        // 0.10 + 0.20 summed in SQL is exactly 0.30, not 0.30000000000000004.
        assert_eq!(jobs["deliveredQuantity"], "0.30");
        // 0.10 FTE × £31,250.00 = £3,125.00; 0.30 × 31,250 = 9,375; verified 0.10 only.
        assert_eq!(jobs["committedValue"], "3125.00");
        assert_eq!(jobs["deliveredValue"], "9375.00");
        assert_eq!(jobs["verifiedValue"], "3125.00");
        let growth = &contract["commitments"][1];
        assert_eq!(growth["targetQuantity"], "1234.50");
        assert_eq!(growth["committedValue"], "1234.50");
        assert_eq!(growth["deliveredQuantity"], "0.00");
    })
    .await;
}

#[tokio::test]
async fn a_decimal_given_as_a_json_number_is_refused() {
    on_each_backend(|app| async move {
        seed_framework(&app).await;
        let admin = token("regional_admin", &[]);
        let q = "mutation($v: Decimal!) { setProxy(measureCode: \"JOBS-01\", financialYear: 2024, valueGbp: $v) { valueGbp } }";
        assert_eq!(app.error_code(&admin, q, json!({"v": 0.1})).await, "BAD_USER_INPUT");
        // Inline in the document, a number literal is refused too.
        let inline = "mutation { setProxy(measureCode: \"JOBS-01\", financialYear: 2024, valueGbp: 12.5) { valueGbp } }";
        assert_eq!(app.error_code(&admin, inline, json!({})).await, "BAD_USER_INPUT");
        for bad in ["1e3", "12.345", "-1.00", "abc", ""] {
            assert_eq!(app.error_code(&admin, q, json!({"v": bad})).await, "BAD_USER_INPUT", "{bad}");
        }
        // Unchanged by the refused requests.
        let data = app.ok(&admin, "{ measures(themeCode: \"JOBS\") { proxies { financialYear valueGbp } } }", json!({})).await;
        assert_eq!(data["measures"][0]["proxies"][0]["valueGbp"], "31250.00");
    })
    .await;
}
