//! A bounded load test on loopback: six council systems sync the small
//! region (38,538 records) while twenty dashboards run rollups and lists.
//! It must end with zero errors, every figure equal to the oracle's, and an
//! unbroken audit chain. Throughput and p99 are printed (`--nocapture`).

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use social_value_hub::dataset::Dataset;
use social_value_hub::dataset::generate::{Scale, generate};
use social_value_hub::dataset::load::{council_batches, load_dataset};

use crate::helpers::*;
use crate::rollup::{check_against_oracle, expected};

const DASHBOARDS: usize = 20;
const DASHBOARD_REQUESTS: usize = 12;

fn p99(mut times: Vec<Duration>) -> f64 {
    times.sort();
    times[((times.len() as f64 - 1.0) * 0.99).round() as usize].as_secs_f64() * 1000.0
}

#[tokio::test]
async fn six_sync_clients_and_twenty_dashboards_end_with_the_oracles_figures() {
    on_each_backend(|app| async move {
        let ds = generate(Scale::Small, 1);
        // The framework first (as the regional admin would set it up), then the councils' records over HTTP.
        let framework = Dataset { suppliers: vec![], contracts: vec![], commitments: vec![], evidence: vec![], ..ds.clone() };
        load_dataset(&app.db, &framework, 5_000, |_, _| {}).await.unwrap();
        let mut queues: Vec<(String, VecDeque<Value>)> = Vec::new();
        for mut lb in council_batches(&ds, 2_000).unwrap() {
            let code = lb.batch.council_code.clone();
            // Suppliers are regional: sent first, so that councils never wait on each other's.
            if !lb.batch.suppliers.is_empty() {
                let suppliers = json!({"councilCode": code, "suppliers": std::mem::take(&mut lb.batch.suppliers)});
                app.ok(&token("council_sync", &[&code]), SYNC, json!({"input": suppliers})).await;
            }
            let input = serde_json::to_value(&lb.batch).unwrap();
            match queues.last_mut() {
                Some((c, q)) if *c == code => q.push_back(input),
                _ => queues.push((code, VecDeque::from([input]))),
            }
        }
        assert_eq!(queues.len(), 6);

        let started = Instant::now();
        let syncers: Vec<_> = queues
            .into_iter()
            .map(|(code, batches)| {
                let app = app.served_at(app.addr);
                tokio::spawn(async move {
                    let tok = token("council_sync", &[&code]);
                    let mut times = Vec::new();
                    for b in batches {
                        let t = Instant::now();
                        let d = app.ok(&tok, SYNC, json!({"input": b})).await;
                        assert_eq!(d["syncCouncilData"]["applied"], true, "{code}: {d}");
                        times.push(t.elapsed());
                    }
                    times
                })
            })
            .collect();
        let queries = [
            ("{ rollup { totals { committedValue deliveredValue verifiedValue } } }", "dashboard"),
            ("{ rollup(filter: {financialYears: [2024]}, groupBy: [COUNCIL, THEME]) { groups { metrics { committedValue deliveredValue } } } }", "dashboard"),
            ("{ deliveryTrend { financialYear quarter deliveredValue } }", "dashboard"),
            ("{ contracts(first: 50) { totalCount edges { node { externalId supplier { ref } commitments { committedValue deliveredValue } } } } }", "auditor"),
        ];
        let dashboards: Vec<_> = (0..DASHBOARDS)
            .map(|i| {
                let app = app.served_at(app.addr);
                tokio::spawn(async move {
                    let mut times = Vec::new();
                    for n in 0..DASHBOARD_REQUESTS {
                        let (q, role) = queries[(i + n) % queries.len()];
                        let t = Instant::now();
                        app.ok(&token(role, &[]), q, json!({})).await;
                        times.push(t.elapsed());
                    }
                    times
                })
            })
            .collect();
        let (mut sync_times, mut read_times) = (Vec::new(), Vec::new());
        for s in syncers {
            sync_times.extend(s.await.unwrap());
        }
        for d in dashboards {
            read_times.extend(d.await.unwrap());
        }
        let secs = started.elapsed().as_secs_f64();
        let records = ds.suppliers.len() + ds.contracts.len() + ds.commitments.len() + ds.evidence.len();
        eprintln!(
            "load ({}): {records} records in {} sync requests and {} dashboard requests, {secs:.1}s: {:.0} records/s, {:.1} requests/s; p99 sync {:.0} ms, dashboard {:.0} ms",
            app.database_url.split(':').next().unwrap(),
            sync_times.len(),
            read_times.len(),
            records as f64 / secs,
            (sync_times.len() + read_times.len()) as f64 / secs,
            p99(sync_times),
            p99(read_times),
        );

        // Every record accounted for, every figure the oracle's, and the chain whole.
        let d = app.ok(&token("auditor", &[]), "{ contracts { totalCount } commitments { totalCount } evidence { totalCount } auditChain { valid } }", json!({})).await;
        assert_eq!(
            d,
            json!({"contracts": {"totalCount": ds.contracts.len()}, "commitments": {"totalCount": ds.commitments.len()}, "evidence": {"totalCount": ds.evidence.len()}, "auditChain": {"valid": true}})
        );
        check_against_oracle(&app, &expected("small")).await;
    })
    .await;
}
