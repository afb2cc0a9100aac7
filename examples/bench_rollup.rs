//! Dashboard read benchmark against a running server holding a region:
//! p50 / p99 latency and throughput at concurrency 1 and 8 for the rollup
//! and dashboard queries of the rollup issue.
//!
//!     SVH_JWT_SECRET=... cargo run --profile dist --example bench_rollup -- http://127.0.0.1:4000 [REQUESTS] [COUNCIL]
//!
//! `BENCH_CASES=ce` runs only those queries, `BENCH_CONCURRENCY=1` only that
//! concurrency (bench/compare.sh uses both). Cases (e) to (g) are the same
//! dashboard page asked three ways (as `edges { node }`, as `nodes`, and as
//! fifty `node(id)`), and (h) is one contract by id with its commitments and
//! evidence; bench/sql holds the hand-written SQL for each, which
//! bench/all.sh times beside them.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use social_value_hub::auth::{Principal, Role, TokenSigner};
use social_value_hub::config::Secret;

struct Case {
    name: &'static str,
    query: String,
    variables: Value,
}

/// The dashboard page's selection of one contract.
const PAGE_CONTRACT: &str = "externalId title valueGbp supplier { ref name }
    commitments { externalId measure { code theme { code } } committedValue deliveredValue verifiedValue }";

fn cases(council: &str, page_ids: &[String]) -> Vec<Case> {
    let metrics = "commitmentCount evidenceCount committedValue deliveredValue verifiedValue committedQuantity deliveredQuantity deliveryRate contractValue socialValueRatio";
    vec![
        Case {
            name: "a. council x theme, FY 2024",
            query: format!(
                "{{ rollup(filter: {{financialYears: [2024]}}, groupBy: [COUNCIL, THEME]) {{ totals {{ {metrics} }} groups {{ key {{ council {{ code }} theme {{ code }} }} metrics {{ {metrics} }} }} }} }}"
            ),
            variables: json!({}),
        },
        Case { name: "b. regional totals, all years", query: format!("{{ rollup {{ totals {{ {metrics} }} }} }}"), variables: json!({}) },
        Case {
            name: "c. by supplier, one council",
            query: format!(
                "query($c: String!) {{ rollup(filter: {{councilCodes: [$c]}}, groupBy: [SUPPLIER]) {{ groups {{ key {{ supplier {{ ref name }} }} metrics {{ {metrics} }} }} }} }}"
            ),
            variables: json!({"c": council}),
        },
        Case {
            name: "d. by measure, one theme + trend",
            query: format!(
                "{{ rollup(filter: {{themeCodes: [\"ENV\"]}}, groupBy: [MEASURE]) {{ groups {{ key {{ measure {{ code unit }} }} metrics {{ {metrics} }} }} }}
                   deliveryTrend(filter: {{themeCodes: [\"ENV\"]}}) {{ financialYear quarter deliveredValue verifiedValue evidenceCount }} }}"
            ),
            variables: json!({}),
        },
        Case {
            name: "e. dashboard page: 50 contracts",
            query: format!(
                "query($c: String!) {{ contracts(first: 50, filter: {{councilCodes: [$c]}}) {{ totalCount edges {{ node {{ {PAGE_CONTRACT} }} }} }} }}"
            ),
            variables: json!({"c": council}),
        },
        Case {
            name: "f. the same page as nodes",
            query: format!("query($c: String!) {{ contracts(first: 50, filter: {{councilCodes: [$c]}}) {{ totalCount nodes {{ {PAGE_CONTRACT} }} }} }}"),
            variables: json!({"c": council}),
        },
        Case {
            name: "g. the same 50 by node(id)",
            query: format!(
                "query {{ {} }}",
                page_ids
                    .iter()
                    .enumerate()
                    .map(|(i, id)| format!("n{i}: node(id: \"{id}\") {{ ... on Contract {{ {PAGE_CONTRACT} }} }}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            variables: json!({}),
        },
        Case {
            name: "h. one contract by id",
            query: "query($id: ID!) { node(id: $id) { ... on Contract { externalId title valueGbp startDate endDate supplier { ref name }
                      commitments { externalId measure { code } financialYear targetQuantity committedValue deliveredValue verifiedValue
                      evidence { externalId periodStart periodEnd quantity status validatedQuantity } } } } }"
                .into(),
            variables: json!({"id": page_ids[0]}),
        },
        // The dashboard page's own requests (assets/dashboard/dashboard.js), all years, with (i) to (n)
        // as it sends them, and (o), (c) with only the first 20 groups by delivered value.
        Case { name: "i. page: totals", query: format!("{{ rollup {{ totals {{ {page} }} }} }}", page = PAGE_METRICS), variables: json!({}) },
        Case {
            name: "j. page: by council",
            query: format!("{{ rollup(groupBy: [COUNCIL]) {{ groups {{ key {{ council {{ code name }} }} metrics {{ {PAGE_METRICS} }} }} }} }}"),
            variables: json!({}),
        },
        Case {
            name: "k. page: by theme",
            query: format!("{{ rollup(groupBy: [THEME]) {{ groups {{ key {{ theme {{ code name }} }} metrics {{ {PAGE_METRICS} }} }} }} }}"),
            variables: json!({}),
        },
        Case {
            name: "l. page: top 10 suppliers",
            query: "{ rollup(groupBy: [SUPPLIER], orderBy: [{metric: DELIVERED_VALUE}], first: 10) { groups { key { supplier { ref name } } metrics { deliveredValue verifiedValue committedValue } } } }".into(),
            variables: json!({}),
        },
        Case {
            name: "m. page: quarterly trend",
            query: "{ deliveryTrend { financialYear quarter deliveredValue verifiedValue evidenceCount } }".into(),
            variables: json!({}),
        },
        Case {
            name: "n. page: 20 commitments behind",
            query: "query($c: String!) { commitments(first: 20, filter: {councilCodes: [$c], deliveryStatuses: [BEHIND, NOT_STARTED]}) { totalCount nodes { externalId council { code }
                      financialYear targetQuantity deliveredQuantity deliveryStatus shortfallValue contract { title supplier { name } } } } }"
                .into(),
            variables: json!({"c": council}),
        },
        Case {
            name: "o. c, first 20 by delivered value",
            query: format!(
                "query($c: String!) {{ rollup(filter: {{councilCodes: [$c]}}, groupBy: [SUPPLIER], orderBy: [{{metric: DELIVERED_VALUE}}], first: 20) {{ groupCount groups {{ key {{ supplier {{ ref name }} }} metrics {{ {metrics} }} }} }} }}"
            ),
            variables: json!({"c": council}),
        },
    ]
}

/// The figures of the dashboard page's totals and tables.
const PAGE_METRICS: &str = "committedValue deliveredValue verifiedValue deliveryRate shortfallValue behindCount";

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let url = args.get(1).cloned().unwrap_or_else(|| "http://127.0.0.1:4000".into());
    let requests: usize = args.get(2).map_or(200, |n| n.parse().unwrap());
    let council = args.get(3).cloned().unwrap_or_else(|| "LANCS".into());
    let secret = Secret::new(std::env::var("SVH_JWT_SECRET").expect("SVH_JWT_SECRET"));
    let token = TokenSigner::hs256(&secret)
        .sign(&Principal { subject: "bench".into(), role: Role::Auditor, councils: vec![] }, Duration::from_secs(3600))
        .expect("an hour fits");
    let client = reqwest::Client::builder().pool_max_idle_per_host(16).build().unwrap();
    // The ids of the page's contracts, for (g) and (h).
    let page: Value = client
        .post(format!("{url}/graphql"))
        .bearer_auth(&token)
        .json(&json!({"query": "query($c: String!) { contracts(first: 50, filter: {councilCodes: [$c]}) { nodes { id } } }", "variables": {"c": council}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let page_ids: Vec<String> =
        page["data"]["contracts"]["nodes"].as_array().expect("a page of contracts").iter().map(|n| n["id"].as_str().unwrap().to_owned()).collect();
    println!("| query | concurrency | p50 ms | p99 ms | mean ms | requests/s |");
    println!("| --- | --- | --- | --- | --- | --- |");
    let only = std::env::var("BENCH_CASES").ok();
    let concurrencies: Vec<usize> = match std::env::var("BENCH_CONCURRENCY") {
        Ok(list) => list.split(',').map(|c| c.trim().parse().expect("BENCH_CONCURRENCY: numbers")).collect(),
        Err(_) => vec![1, 8],
    };
    for case in cases(&council, &page_ids).into_iter().filter(|c| only.as_deref().is_none_or(|o| o.contains(&c.name[..1]))) {
        let body = Arc::new(json!({"query": case.query, "variables": case.variables}));
        for &concurrency in &concurrencies {
            // Warm up, and check the answer once.
            let check: Value = client.post(format!("{url}/graphql")).bearer_auth(&token).json(&*body).send().await.unwrap().json().await.unwrap();
            assert!(check.get("errors").is_none(), "{}: {check}", case.name);
            let started = Instant::now();
            let per_worker = requests / concurrency;
            let workers: Vec<_> = (0..concurrency)
                .map(|_| {
                    let (client, url, token, body) = (client.clone(), url.clone(), token.clone(), body.clone());
                    tokio::spawn(async move {
                        let mut times = Vec::with_capacity(per_worker);
                        for _ in 0..per_worker {
                            let t = Instant::now();
                            let resp = client.post(format!("{url}/graphql")).bearer_auth(&token).json(&*body).send().await.unwrap();
                            assert!(resp.status().is_success());
                            resp.bytes().await.unwrap();
                            times.push(t.elapsed());
                        }
                        times
                    })
                })
                .collect();
            let mut times = Vec::new();
            for w in workers {
                times.extend(w.await.unwrap());
            }
            let secs = started.elapsed().as_secs_f64();
            times.sort();
            let mean = times.iter().sum::<Duration>().as_secs_f64() * 1000.0 / times.len() as f64;
            println!(
                "| {} | {concurrency} | {:.2} | {:.1} | {mean:.2} | {:.0} |",
                case.name,
                percentile(&times, 0.5),
                percentile(&times, 0.99),
                times.len() as f64 / secs
            );
        }
    }
}
