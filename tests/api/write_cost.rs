//! A write costs what it changes, not what is already there: a batch lands
//! in a council of 100,000 records as it lands in an empty one.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::*;

const SUPPLIERS: usize = 10;
/// A contract, four commitments and 45 evidence records.
const RECORDS_PER_CONTRACT: usize = 50;

/// `contracts` new contracts of `council`, every one of the same ten
/// suppliers, so that a batch into a full council lands on the suppliers
/// (and the cells) that already hold its records.
fn batch(council: &str, prefix: &str, contracts: usize) -> Value {
    let quarters = [("04-01", "06-30", 0), ("07-01", "09-30", 0), ("10-01", "12-31", 0), ("01-01", "03-31", 1)];
    let (mut ks, mut cs, mut es) = (Vec::new(), Vec::new(), Vec::new());
    for k in 0..contracts {
        let contract = format!("{prefix}-{k}");
        ks.push(json!({"externalId": contract, "title": "Highways maintenance", "supplierRef": format!("SUP-{}", k % SUPPLIERS),
            "valueGbp": format!("{}.00", 100_000 + k), "startDate": "2024-04-01", "endDate": "2026-03-31"}));
        for (c, (measure, year)) in [("JOBS-01", 2024), ("JOBS-01", 2025), ("GROWTH-01", 2024), ("GROWTH-01", 2025)].into_iter().enumerate() {
            let commitment = format!("{contract}/{c}");
            cs.push(
                json!({"externalId": commitment, "contractExternalId": contract, "measureCode": measure, "financialYear": year, "targetQuantity": "40.00"}),
            );
            for e in 0..(if c == 3 { 12 } else { 11 }) {
                let (start, end, next) = quarters[e % 4];
                let y = year + next;
                es.push(json!({"externalId": format!("{commitment}/{e}"), "commitmentExternalId": commitment,
                    "periodStart": format!("{y}-{start}"), "periodEnd": format!("{y}-{end}"), "quantity": "1.25",
                    "status": if e % 3 == 0 { "VERIFIED" } else { "SUBMITTED" }}));
            }
        }
    }
    json!({"councilCode": council, "contracts": ks, "commitments": cs, "evidence": es})
}

async fn sync(app: &TestApp, token: &str, batch: Value) -> (u64, Duration) {
    let started = Instant::now();
    let (statements, out) = app.count_statements(app.ok(token, SYNC, json!({"input": batch}))).await;
    assert_eq!(out["syncCouncilData"]["applied"], true, "{out}");
    (statements, started.elapsed())
}

#[tokio::test]
async fn a_batch_costs_the_same_into_an_empty_council_as_into_one_of_100000_records() {
    on_each_backend(|app| async move {
        seed_framework(&app).await;
        let full = token_for("liv-system", "council_sync", &["LIV"]);
        let empty = token_for("hal-system", "council_sync", &["HAL"]);
        let suppliers: Vec<Value> =
            (0..SUPPLIERS).map(|s| json!({"ref": format!("SUP-{s}"), "name": format!("Supplier {s}"), "isSme": s % 2 == 0, "isVcse": false})).collect();
        sync(&app, &full, json!({"councilCode": "LIV", "suppliers": suppliers})).await;
        for b in 0..10 {
            sync(&app, &full, batch("LIV", &format!("B{b}"), 200)).await;
        }
        let held = app.ok(&token("regional_admin", &[]), "{ contracts(filter: {councilCodes: [\"LIV\"]}, first: 1) { totalCount } }", json!({})).await;
        assert_eq!(held["contracts"]["totalCount"], 2_000, "LIV holds {} records", 2_000 * RECORDS_PER_CONTRACT);

        // 1,000 new records into each, three times, in turn, so that
        // whatever else the machine does weighs on both alike; the fastest
        // of each is its cost.
        let (mut into_empty, mut into_full) = (Vec::new(), Vec::new());
        for round in 0..3 {
            into_empty.push(sync(&app, &empty, batch("HAL", &format!("N{round}"), 20)).await);
            into_full.push(sync(&app, &full, batch("LIV", &format!("N{round}"), 20)).await);
        }
        let statements = |runs: &[(u64, Duration)]| runs.iter().map(|r| r.0).collect::<Vec<_>>();
        assert_eq!(statements(&into_empty), statements(&into_full), "the same statements either way");
        let fastest = |runs: &[(u64, Duration)]| runs.iter().map(|r| r.1).min().unwrap();
        let (e, f) = (fastest(&into_empty), fastest(&into_full));
        eprintln!(
            "1,000 records: {e:?} into an empty council, {f:?} into one of 100,000 ({:.2}×), {} statements",
            f.as_secs_f64() / e.as_secs_f64(),
            into_full[0].0
        );
        assert!(f.as_secs_f64() <= 1.5 * e.as_secs_f64(), "1,000 records took {f:?} into 100,000 and {e:?} into none");
    })
    .await;
}

/// PostgreSQL: what a write reads of the records and cells it goes to by
/// index, never by reading a table from end to end, even when the planner
/// believes the tables small (a fresh database, or one during a bulk load).
#[tokio::test]
async fn a_writes_statements_read_records_and_cells_by_index() {
    use sea_orm::{ConnectionTrait, Statement};
    use social_value_hub::auth::{Principal, Role};
    use social_value_hub::domain::RecordEntity;
    use social_value_hub::service::rollup::cells::Touched;
    use social_value_hub::service::write::{Action, Change, ChangedEntity, WriteTx};

    for backend in backends().into_iter().filter(|b| matches!(b, Backend::Postgres(_))) {
        let app = TestApp::spawn(backend).await;
        app.load_fixture("tiny").await;
        let db = app.db.get_database_backend();
        let row = app.db.query_one_raw(Statement::from_string(db, "SELECT id, council_id FROM contract ORDER BY id LIMIT 1")).await.unwrap().unwrap();
        let (id, council_id): (i32, i32) = (row.try_get_by_index(0).unwrap(), row.try_get_by_index(1).unwrap());
        let principal = Principal { subject: "test".into(), role: Role::RegionalAdmin, councils: Vec::new() };

        // A contract's figures taken and summed again: every record under it,
        // and its cells. The counts are the transaction's, read before and
        // after: a connection may still hold counts of earlier transactions
        // that it has not reported yet.
        let mut tx = WriteTx::begin(&app.db, &principal).await.unwrap();
        let scans = async |tx: &WriteTx<'_>| -> std::collections::BTreeMap<String, (i64, i64)> {
            let rows = tx
                .txn
                .query_all_raw(Statement::from_string(
                    db,
                    "SELECT relname, seq_scan, COALESCE(idx_scan, 0) FROM pg_stat_xact_user_tables
                     WHERE relname IN ('contract', 'commitment', 'evidence', 'rollup_summary', 'rollup_delivered_quarterly', 'commitment_delivery')",
                ))
                .await
                .unwrap();
            rows.iter().map(|r| (r.try_get_by_index(0).unwrap(), (r.try_get_by_index(1).unwrap(), r.try_get_by_index(2).unwrap()))).collect()
        };
        let before = scans(&tx).await;
        let key = Touched::Contract { council_id, id };
        tx.will_change([key]).await.unwrap();
        tx.record(Change {
            council_id: Some(council_id),
            entity: ChangedEntity::Record(RecordEntity::Contract),
            record_id: format!("contract {id}"),
            action: Action::Update,
            before: None,
            after: None,
            feed: None,
            touched: vec![key],
        });
        tx.flush().await.unwrap();
        let after = scans(&tx).await;
        let read: Vec<(String, i64, i64)> = after
            .iter()
            .map(|(t, (seq, idx))| {
                let (s0, i0) = before.get(t).copied().unwrap_or((0, 0));
                (t.clone(), seq - s0, idx - i0)
            })
            .collect();
        assert!(read.iter().any(|(t, _, i)| t == "evidence" && *i > 0), "the write read the contract's evidence: {read:?}");
        assert!(read.iter().all(|(_, seq, _)| *seq == 0), "tables read from end to end: {read:?}");
    }
}
