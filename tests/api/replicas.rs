//! Two server processes against one PostgreSQL database: writes through both
//! at once keep the changes feed in commit order, every change exactly once,
//! and the audit chain one unbroken line.

use serde_json::{Value, json};

use crate::helpers::*;

fn batch(council: &str, writer: usize, n: usize) -> Value {
    let k = format!("W{writer}-{n}");
    json!({
        "councilCode": council,
        "suppliers": [{ "ref": "SUP-SHARED", "name": "Shared Supplier Ltd", "isSme": true, "isVcse": false }],
        "contracts": [{ "externalId": k, "title": "Works", "supplierRef": "SUP-SHARED", "valueGbp": "1000.00", "startDate": "2024-04-01", "endDate": "2026-03-31" }],
        "commitments": [{ "externalId": format!("{k}/1"), "contractExternalId": k, "measureCode": "JOBS-01", "financialYear": 2024, "targetQuantity": "1.5" }],
        "evidence": [{ "externalId": format!("{k}/E"), "commitmentExternalId": format!("{k}/1"), "periodStart": "2024-04-01", "periodEnd": "2024-06-30", "quantity": "0.5" }]
    })
}

#[tokio::test]
async fn two_server_processes_share_one_postgres_safely() {
    let Some(postgres) = backends().into_iter().find(|b| matches!(b, Backend::Postgres(_))) else {
        eprintln!("SVH_TEST_POSTGRES_URL is not set: the replica test needs PostgreSQL");
        return;
    };
    let app = TestApp::spawn(postgres).await;
    seed_framework(&app).await;
    let (r1, r2) = (
        ServerProcess::start(&[("SVH_DATABASE_URL", app.database_url.as_str())]).await,
        ServerProcess::start(&[("SVH_DATABASE_URL", app.database_url.as_str())]).await,
    );
    let replicas = [app.served_at(r1.addr), app.served_at(r2.addr)];

    // Four writers, two per replica, two per council, each sending 6 batches.
    const BATCHES: usize = 6;
    let mut writers = Vec::new();
    for (writer, council) in ["LIV", "HAL", "HAL", "LIV"].into_iter().enumerate() {
        let replica = replicas[writer % 2].served_at(replicas[writer % 2].addr);
        writers.push(tokio::spawn(async move {
            let tok = token("council_sync", &[council]);
            for n in 0..BATCHES {
                let d = replica.ok(&tok, SYNC, json!({"input": batch(council, writer, n)})).await;
                assert_eq!(d["syncCouncilData"]["applied"], true, "{d}");
            }
        }));
    }
    for w in writers {
        w.await.unwrap();
    }

    // Each council's feed, read through either replica, holds every record once, in order.
    for (council, replica) in [("LIV", &replicas[0]), ("HAL", &replicas[1])] {
        let (changes, _) = drain_feed(replica, &token("auditor", &[]), council, Value::Null).await;
        assert_eq!(changes.len(), 2 * BATCHES * 3, "{council}: contract, commitment and evidence per batch, two writers");
        let cursors: Vec<i64> = changes.iter().map(|c| social_value_hub::graphql::ids::parse_cursor(c["cursor"].as_str().unwrap()).unwrap()).collect();
        assert!(cursors.windows(2).all(|w| w[0] < w[1]), "{council}: the feed is in order");
        let mut ids: Vec<&str> = changes.iter().map(|c| c["externalId"].as_str().unwrap()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), changes.len(), "{council}: each change once");
    }

    // The audit chain, verified through the other replica, is one unbroken line.
    let d = replicas[1].ok(&token("auditor", &[]), "{ auditChain { valid checkedEvents firstBrokenSeq } }", json!({})).await;
    assert_eq!(d["auditChain"]["valid"], true, "{d}");
    assert_eq!(d["auditChain"]["checkedEvents"].as_i64().unwrap(), audit_count(&app).await);
    // And both replicas report the same regional figures.
    let q = "{ rollup { totals { commitmentCount evidenceCount committedValue deliveredValue } } }";
    let (a, b) = (replicas[0].ok(&token("dashboard", &[]), q, json!({})).await, replicas[1].ok(&token("dashboard", &[]), q, json!({})).await);
    assert_eq!(a, b);
    assert_eq!(a["rollup"]["totals"]["commitmentCount"], 4 * BATCHES);
}
