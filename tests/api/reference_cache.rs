//! The reference tables are kept in memory by each replica and read again
//! only when a write has moved their version: a request that finds them
//! current reads none of them, and a change made through one replica is
//! what every other replica answers at its next request.

use serde_json::json;

use crate::helpers::*;

const PAGE: &str =
    "{ commitments(first: 20, filter: {councilCodes: [\"LIV\"]}) { edges { node { externalId measure { code theme { code } } committedValue } } } }";
const PROXY: &str = "{ themes { measures { code proxies { financialYear valueGbp } } } }";

fn jobs01_2024(themes: &serde_json::Value) -> serde_json::Value {
    let measures = themes["themes"].as_array().unwrap().iter().flat_map(|t| t["measures"].as_array().unwrap().iter());
    let jobs = measures.into_iter().find(|m| m["code"] == "JOBS-01").unwrap();
    jobs["proxies"].as_array().unwrap().iter().find(|p| p["financialYear"] == 2024).unwrap()["valueGbp"].clone()
}

#[tokio::test]
async fn reference_tables_are_read_again_only_after_a_write_moves_them() {
    on_each_backend(|app| async move {
        app.load_fixture("tiny").await;
        let auditor = token("auditor", &[]);
        let (first, page) = app.count_statements(app.ok(&auditor, PAGE, json!({}))).await;
        let (again, same) = app.count_statements(app.ok(&auditor, PAGE, json!({}))).await;
        assert_eq!(page, same);
        eprintln!("statements: first page {first}, the same page again {again}");
        assert!(again < first, "the page read the reference tables again: {first} then {again} statements");
        // A proxy write moves the version: the next request reads them again, and answers the new proxy.
        let before = jobs01_2024(&app.ok(&auditor, PROXY, json!({})).await);
        let admin = token("regional_admin", &[]);
        app.ok(&admin, "mutation { setProxy(measureCode: \"JOBS-01\", financialYear: 2024, valueGbp: \"1.00\") { valueGbp } }", json!({})).await;
        assert_ne!(before, json!("1.00"));
        assert_eq!(jobs01_2024(&app.ok(&auditor, PROXY, json!({})).await), json!("1.00"), "a stale proxy after the write");
        let (after, _) = app.count_statements(app.ok(&auditor, PAGE, json!({}))).await;
        assert_eq!(after, again, "the page once the tables are read again");
    })
    .await;
}

#[tokio::test]
async fn a_reference_change_through_one_replica_is_what_another_answers_next() {
    on_each_backend(|app| async move {
        app.load_fixture("tiny").await;
        let replica = ServerProcess::start(&[("SVH_DATABASE_URL", app.database_url.as_str())]).await;
        let other = app.served_at(replica.addr);
        let dash = token("dashboard", &[]);
        let before = jobs01_2024(&other.ok(&dash, PROXY, json!({})).await);
        // Twice, so that the other replica surely holds its copy.
        assert_eq!(jobs01_2024(&other.ok(&dash, PROXY, json!({})).await), before);
        let admin = token("regional_admin", &[]);
        app.ok(&admin, "mutation { setProxy(measureCode: \"JOBS-01\", financialYear: 2024, valueGbp: \"1.23\") { valueGbp } }", json!({})).await;
        assert_ne!(before, json!("1.23"));
        // On PostgreSQL the other replica hears of the change a few
        // milliseconds after its commit; allow it a second.
        let mut answered = jobs01_2024(&other.ok(&dash, PROXY, json!({})).await);
        for _ in 0..20 {
            if answered == json!("1.23") {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            answered = jobs01_2024(&other.ok(&dash, PROXY, json!({})).await);
        }
        assert_eq!(answered, json!("1.23"), "the other replica answered a stale proxy");
        drop(replica);
    })
    .await;
}
