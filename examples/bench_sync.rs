//! Sends a dataset directory's records to a running server through
//! `syncCouncilData` over HTTP, councils in parallel, and reports records
//! per second. The server must already hold the region's reference data
//! (frameworks, councils, themes, measures, mappings, proxies): bench/all.sh
//! and bench/import.sh import those files first.
//!
//!     SVH_JWT_SECRET=... cargo run --release --example bench_sync -- http://127.0.0.1:4000 DIR [CONCURRENCY]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use social_value_hub::auth::{Principal, Role, TokenSigner};
use social_value_hub::config::Secret;
use social_value_hub::dataset::load::council_batches;
use social_value_hub::dataset::read::read_dir;

const SYNC: &str = "mutation($input: SyncInput!) { syncCouncilData(input: $input) { applied created updated unchanged errors { entity index code message } } }";

async fn post(client: &reqwest::Client, url: &str, token: &str, query: &str, variables: Value) -> Value {
    let body: Value = client
        .post(format!("{url}/graphql"))
        .bearer_auth(token)
        .json(&json!({"query": query, "variables": variables}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(body.get("errors").is_none(), "{body}");
    body["data"].clone()
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (url, dir) = (args[1].clone(), std::path::PathBuf::from(&args[2]));
    let concurrency: usize = args.get(3).map_or(4, |c| c.parse().unwrap());
    let signer = TokenSigner::hs256(&Secret::new(std::env::var("SVH_JWT_SECRET").expect("SVH_JWT_SECRET")));
    let token = |role: Role, council: Option<&str>| {
        signer
            .sign(
                &Principal { subject: format!("bench-{}", role.as_str()), role, councils: council.into_iter().map(str::to_owned).collect() },
                Duration::from_secs(3600),
            )
            .expect("an hour fits")
    };
    let ds = read_dir(&dir).expect("dataset");
    let client = reqwest::Client::new();
    // Each council's batches stay in order (later ones refer to earlier ones); councils run side by side.
    // Suppliers are regional and shared: send them first, so that councils
    // running side by side never refer to one another's new suppliers.
    let started = Instant::now();
    let mut per_council: Vec<VecDeque<Value>> = Vec::new();
    let mut records = 0;
    for mut lb in council_batches(&ds, 5_000).unwrap() {
        records += lb.batch.len();
        let code = lb.batch.council_code.clone();
        if !lb.batch.suppliers.is_empty() {
            let suppliers = json!({"councilCode": code, "suppliers": std::mem::take(&mut lb.batch.suppliers)});
            let tok = token(Role::CouncilSync, Some(&code));
            post(&client, &url, &tok, SYNC, json!({ "input": suppliers })).await;
        }
        let input = serde_json::to_value(&lb.batch).unwrap();
        match per_council.last_mut() {
            Some(q) if q[0]["councilCode"] == json!(code) => q.push_back(input),
            _ => per_council.push(VecDeque::from([input])),
        }
    }
    let queue = Arc::new(Mutex::new(per_council));
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (queue, client, url, signer_secret) = (queue.clone(), client.clone(), url.clone(), std::env::var("SVH_JWT_SECRET").unwrap());
            tokio::spawn(async move {
                let signer = TokenSigner::hs256(&Secret::new(signer_secret));
                loop {
                    let Some(batches) = queue.lock().unwrap().pop() else { return };
                    let code = batches[0]["councilCode"].as_str().unwrap().to_owned();
                    let tok = signer
                        .sign(&Principal { subject: format!("{}-bench", code), role: Role::CouncilSync, councils: vec![code] }, Duration::from_secs(3600))
                        .expect("an hour fits");
                    for b in batches {
                        let d = post(&client, &url, &tok, SYNC, json!({ "input": b })).await;
                        assert_eq!(d["syncCouncilData"]["applied"], true, "{}", d.to_string().chars().take(500).collect::<String>());
                    }
                }
            })
        })
        .collect();
    for w in workers {
        w.await.unwrap();
    }
    let secs = started.elapsed().as_secs_f64();
    println!("synced {records} records over HTTP in {secs:.1}s: {:.0} records/s (concurrency {concurrency})", records as f64 / secs);
}
