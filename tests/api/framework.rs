//! Councils and the framework: readable by every role, written by regional_admin.

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn reference_data_is_upserted_by_code() {
    on_each_backend(|app| async move {
        seed_framework(&app).await;
        let admin = token("regional_admin", &[]);
        let q = "mutation { upsertCouncil(input: {code: \"LIV\", name: \"Liverpool City Council (renamed)\", gssCode: \"E08000012\"}) { code name gssCode } }";
        app.ok(&admin, q, json!({})).await;
        let q = "mutation { setProxy(measureCode: \"JOBS-01\", financialYear: 2024, valueGbp: \"31500.5\") { financialYear valueGbp measure { code } } }";
        let d = app.ok(&admin, q, json!({})).await;
        assert_eq!(d["setProxy"], json!({"financialYear": 2024, "valueGbp": "31500.50", "measure": {"code": "JOBS-01"}}));

        let d = app.ok(&token("dashboard", &[]), "{ councils { code name } themes { code measures { code } } measures(themeCode: \"JOBS\") { code unit theme { code } proxies { financialYear valueGbp } } }", json!({})).await;
        assert_eq!(d["councils"].as_array().unwrap().len(), 2, "upsert did not duplicate: {d}");
        assert_eq!(d["councils"][1], json!({"code": "LIV", "name": "Liverpool City Council (renamed)"}));
        assert_eq!(d["themes"].as_array().unwrap().len(), 2);
        // Nested reference data is read once per table, not once per parent.
        let q = "{ themes { code measures { code theme { code } proxies { financialYear valueGbp measure { code } } } } }";
        let (statements, _) = app.count_statements(app.ok(&token("dashboard", &[]), q, json!({}))).await;
        // The themes list, and on SQLite the version of the reference tables, which the request
        // before read whole (PostgreSQL tells each replica when they change).
        let version = usize::from(app.db.get_database_backend() == sea_orm::DbBackend::Sqlite) as u64;
        assert_eq!(statements, 1 + version, "the themes list, then the reference tables' version");
        assert_eq!(d["measures"], json!([{"code": "JOBS-01", "unit": "FTE", "theme": {"code": "JOBS"},
            "proxies": [{"financialYear": 2024, "valueGbp": "31500.50"}, {"financialYear": 2025, "valueGbp": "32343.75"}]}]));
    })
    .await;
}

#[tokio::test]
async fn bad_reference_data_is_refused() {
    on_each_backend(|app| async move {
        seed_framework(&app).await;
        let admin = token("regional_admin", &[]);
        for q in [
            "mutation { upsertMeasure(input: {code: \"X-1\", themeCode: \"NOPE\", name: \"x\", unit: \"u\"}) { code } }",
            "mutation { upsertCouncil(input: {code: \"\", name: \"x\", gssCode: \"E1\"}) { code } }",
            "mutation { setProxy(measureCode: \"NOPE\", financialYear: 2024, valueGbp: \"1.00\") { valueGbp } }",
            "mutation { setProxy(measureCode: \"JOBS-01\", financialYear: 99999, valueGbp: \"1.00\") { valueGbp } }",
        ] {
            assert_eq!(app.error_code(&admin, q, json!({})).await, "BAD_USER_INPUT", "{q}");
        }
        let d = app.ok(&admin, "{ measures { code } councils { code } }", json!({})).await;
        assert_eq!(d["measures"].as_array().unwrap().len(), 2);
        assert_eq!(d["councils"].as_array().unwrap().len(), 2);
    })
    .await;
}
