//! Sums at the limits: every record within its own limits (a billion units,
//! a proxy of £100,000.00, a contract of £1,000,000,000,000.00), and every
//! figure of every rollup, trend, commitment and contract exact, on both
//! backends, however far the sums go past 64 bits.
//!
//! The expected figures come from the records themselves, summed here in
//! i128 (`Oracle`).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::helpers::*;

const MAX_QUANTITY: &str = "1000000000";
const MAX_PROXY: &str = "100000.00";
const MAX_CONTRACT: &str = "1000000000000.00";

/// A decimal string as an integer of ten-thousandths, exactly, at any size.
fn wide(v: &Value) -> i128 {
    let s = v.as_str().unwrap_or_else(|| panic!("expected a decimal string, got {v}"));
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    assert!(!int.is_empty() && int.bytes().all(|b| b.is_ascii_digit()) && frac.len() <= 4 && frac.bytes().all(|b| b.is_ascii_digit()), "not a decimal: {s}");
    int.parse::<i128>().unwrap() * 10_000 + format!("{frac:0<4}").parse::<i128>().unwrap()
}

/// Hundredths (a quantity or pence) and ten-thousandths (a value) parsed from the inputs.
fn centi(s: &str) -> i128 {
    wide(&json!(s)) / 100
}

#[derive(Clone)]
struct Evidence {
    year: i32,
    quarter: i32,
    quantity: i128,
    status: &'static str,
}

#[derive(Clone)]
struct Commitment {
    council: &'static str,
    supplier: &'static str,
    contract: String,
    contract_value: i128,
    external_id: String,
    measure: &'static str,
    year: i32,
    target: i128,
    evidence: Vec<Evidence>,
}

fn theme_of(measure: &str) -> &'static str {
    if measure.starts_with("JOBS") { "JOBS" } else { "GROWTH" }
}

/// Exact figures of one group, in the API's units (pence, hundredths, ten-thousandths).
#[derive(Default, Debug, PartialEq)]
struct Figures {
    commitments: i64,
    evidence: i64,
    committed: i128,
    delivered: i128,
    verified: i128,
    committed_quantity: i128,
    delivered_quantity: i128,
    contract_value: i128,
}

struct Oracle {
    records: Vec<Commitment>,
    proxies: BTreeMap<(&'static str, i32), i128>,
}

/// One dimension's value of a commitment (`Some(year)` to ask for its evidence's year instead).
fn dim(c: &Commitment, d: &str, evidence_year: Option<i32>) -> String {
    match d {
        "COUNCIL" => c.council.to_owned(),
        "THEME" => theme_of(c.measure).to_owned(),
        "MEASURE" => c.measure.to_owned(),
        "SUPPLIER" => c.supplier.to_owned(),
        "CONTRACT" => format!("{}/{}", c.council, c.contract),
        "FINANCIAL_YEAR" => evidence_year.unwrap_or(c.year).to_string(),
        _ => unreachable!(),
    }
}

impl Oracle {
    fn proxy(&self, measure: &'static str, year: i32) -> i128 {
        self.proxies[&(measure, year)]
    }

    /// Figures per group of `dims` over the records `keep` selects.
    fn groups(&self, dims: &[&str], keep: impl Fn(&Commitment) -> bool) -> BTreeMap<Vec<String>, Figures> {
        let mut out: BTreeMap<Vec<String>, Figures> = BTreeMap::new();
        let mut contracts: BTreeMap<Vec<String>, BTreeMap<String, i128>> = BTreeMap::new();
        for c in self.records.iter().filter(|c| keep(c)) {
            let key: Vec<String> = dims.iter().map(|d| dim(c, d, None)).collect();
            let f = out.entry(key.clone()).or_default();
            f.commitments += 1;
            f.committed += c.target * self.proxy(c.measure, c.year);
            f.committed_quantity += c.target;
            contracts.entry(key).or_default().insert(format!("{}/{}", c.council, c.contract), c.contract_value);
            for e in &c.evidence {
                let key: Vec<String> = dims.iter().map(|d| dim(c, d, Some(e.year))).collect();
                let f = out.entry(key).or_default();
                f.evidence += 1;
                let value = e.quantity * self.proxy(c.measure, e.year);
                if e.status != "REJECTED" {
                    f.delivered += value;
                    f.delivered_quantity += e.quantity;
                }
                if e.status == "VERIFIED" {
                    f.verified += value;
                }
            }
        }
        for (key, values) in contracts {
            out.get_mut(&key).unwrap().contract_value = values.values().sum();
        }
        out
    }

    fn totals(&self, keep: impl Fn(&Commitment) -> bool) -> Figures {
        self.groups(&[], keep).remove(&Vec::new()).unwrap_or_default()
    }

    /// Delivered and verified value and evidence per (year, quarter).
    fn trend(&self, keep: impl Fn(&Commitment) -> bool) -> BTreeMap<(i32, i32), (i128, i128, i64)> {
        let mut out: BTreeMap<(i32, i32), (i128, i128, i64)> = BTreeMap::new();
        for c in self.records.iter().filter(|c| keep(c)) {
            for e in &c.evidence {
                let p = out.entry((e.year, e.quarter)).or_default();
                let value = e.quantity * self.proxy(c.measure, e.year);
                p.2 += 1;
                if e.status != "REJECTED" {
                    p.0 += value;
                }
                if e.status == "VERIFIED" {
                    p.1 += value;
                }
            }
        }
        out
    }

    /// Sync batches, one per council, of every record.
    fn batches(&self) -> Vec<Value> {
        let mut councils: BTreeMap<&str, Batch> = BTreeMap::new();
        for c in &self.records {
            let (suppliers, contracts, commitments, evidence) = councils.entry(c.council).or_default();
            suppliers
                .insert(c.supplier, json!({"ref": c.supplier, "name": format!("{} Ltd", c.supplier), "isSme": c.supplier.ends_with('1'), "isVcse": false}));
            contracts.insert(
                c.contract.clone(),
                json!({"externalId": c.contract, "title": format!("Contract {}", c.contract), "supplierRef": c.supplier,
                       "valueGbp": pounds(c.contract_value, 2), "startDate": "2024-04-01", "endDate": "2026-03-31"}),
            );
            commitments.push(json!({"externalId": c.external_id, "contractExternalId": c.contract, "measureCode": c.measure,
                                    "financialYear": c.year, "targetQuantity": pounds(c.target, 2)}));
            for (i, e) in c.evidence.iter().enumerate() {
                let (start, end) = quarter_period(e.year, e.quarter);
                evidence.push(json!({"externalId": format!("{}/E{i}", c.external_id), "commitmentExternalId": c.external_id,
                                     "periodStart": start, "periodEnd": end, "quantity": pounds(e.quantity, 2), "status": e.status}));
            }
        }
        councils
            .into_iter()
            .map(|(council, (s, k, c, e))| {
                json!({"councilCode": council, "suppliers": s.into_values().collect::<Vec<_>>(), "contracts": k.into_values().collect::<Vec<_>>(),
                       "commitments": c, "evidence": e})
            })
            .collect()
    }
}

/// One council's records for a sync batch: suppliers and contracts by key, commitments, evidence.
type Batch<'a> = (BTreeMap<&'a str, Value>, BTreeMap<String, Value>, Vec<Value>, Vec<Value>);

/// An integer of hundredths as the decimal text a council's system sends.
fn pounds(v: i128, dp: u32) -> String {
    let scale = 10i128.pow(dp);
    format!("{}.{:0width$}", v / scale, v % scale, width = dp as usize)
}

fn quarter_period(year: i32, quarter: i32) -> (String, String) {
    match quarter {
        1 => (format!("{year}-04-01"), format!("{year}-06-30")),
        2 => (format!("{year}-07-01"), format!("{year}-09-30")),
        3 => (format!("{year}-10-01"), format!("{year}-12-31")),
        _ => (format!("{}-01-01", year + 1), format!("{}-03-31", year + 1)),
    }
}

/// `n` commitments at the quantity limit on JOBS-01 for 2024, each in a
/// contract of its own at the contract limit with one supplier, and each
/// with verified evidence at the quantity limit (and as much again
/// submitted, when `submitted`).
fn at_the_limit(council: &'static str, n: usize, submitted: bool) -> Vec<Commitment> {
    (0..n)
        .map(|i| Commitment {
            council,
            supplier: "SUP-1",
            contract: format!("K{i}"),
            contract_value: centi(MAX_CONTRACT),
            external_id: format!("K{i}/1"),
            measure: "JOBS-01",
            year: 2024,
            target: centi(MAX_QUANTITY),
            evidence: [(1, "VERIFIED"), (2, "SUBMITTED")]
                .into_iter()
                .take(if submitted { 2 } else { 1 })
                .map(|(quarter, status)| Evidence { year: 2024, quarter, quantity: centi(MAX_QUANTITY), status })
                .collect(),
        })
        .collect()
}

/// A second supplier's contract with figures on other measures, years and statuses, also at the limits.
fn beside(council: &'static str) -> Vec<Commitment> {
    let one = |external_id: &str, measure, year, evidence| Commitment {
        council,
        supplier: "SUP-2",
        contract: "K-OTHER".into(),
        contract_value: centi(MAX_CONTRACT),
        external_id: external_id.into(),
        measure,
        year,
        target: centi(MAX_QUANTITY),
        evidence,
    };
    vec![
        one(
            "K-OTHER/1",
            "GROWTH-01",
            2024,
            vec![
                Evidence { year: 2024, quarter: 1, quantity: centi(MAX_QUANTITY), status: "VERIFIED" },
                Evidence { year: 2024, quarter: 3, quantity: centi(MAX_QUANTITY), status: "REJECTED" },
            ],
        ),
        one(
            "K-OTHER/2",
            "JOBS-01",
            2025,
            vec![
                Evidence { year: 2025, quarter: 4, quantity: centi(MAX_QUANTITY), status: "VERIFIED" },
                // Evidence of another year than its commitment's.
                Evidence { year: 2024, quarter: 4, quantity: centi("0.01"), status: "SUBMITTED" },
            ],
        ),
    ]
}

const SET_PROXY: &str = "mutation($m: String!, $y: Int!, $v: Decimal!) { setProxy(measureCode: $m, financialYear: $y, valueGbp: $v) { financialYear } }";

/// The framework of `seed_framework` with every proxy the records use at the limit.
async fn seed(app: &TestApp) -> BTreeMap<(&'static str, i32), i128> {
    seed_framework(app).await;
    let admin = token("regional_admin", &[]);
    let mut proxies = BTreeMap::new();
    for (measure, year) in [("JOBS-01", 2024), ("JOBS-01", 2025), ("GROWTH-01", 2024)] {
        app.ok(&admin, SET_PROXY, json!({"m": measure, "y": year, "v": MAX_PROXY})).await;
        proxies.insert((measure, year), centi(MAX_PROXY));
    }
    proxies
}

async fn sync_all(app: &TestApp, oracle: &Oracle) {
    for batch in oracle.batches() {
        let council = batch["councilCode"].as_str().unwrap().to_owned();
        let r = app.ok(&token("council_sync", &[&council]), SYNC, json!({"input": batch})).await;
        assert_eq!(r["syncCouncilData"]["applied"], true, "{r}");
    }
}

const ROLLUP: &str = "query($f: RollupFilter, $g: [RollupDimension!]!) { rollup(filter: $f, groupBy: $g) {
    totals { ...m } groups { key { council { code } theme { code } measure { code } supplier { ref } contract { externalId council { code } } financialYear } metrics { ...m } } } }
    fragment m on RollupMetrics { commitmentCount evidenceCount committedValue deliveredValue verifiedValue committedQuantity deliveredQuantity contractValue deliveryRate socialValueRatio }";

const TREND: &str = "query($f: RollupFilter) { deliveryTrend(filter: $f) { financialYear quarter deliveredValue verifiedValue evidenceCount } }";

fn check(what: &str, got: &Value, want: &Figures, quantities: bool) {
    assert_eq!(got["commitmentCount"].as_i64(), Some(want.commitments), "{what} commitmentCount: {got}");
    assert_eq!(got["evidenceCount"].as_i64(), Some(want.evidence), "{what} evidenceCount: {got}");
    // Values are hundredths × pence (ten-thousandths); money and quantities hundredths.
    assert_eq!(wide(&got["committedValue"]), want.committed, "{what} committedValue");
    assert_eq!(wide(&got["deliveredValue"]), want.delivered, "{what} deliveredValue");
    assert_eq!(wide(&got["verifiedValue"]), want.verified, "{what} verifiedValue");
    assert_eq!(wide(&got["contractValue"]), want.contract_value * 100, "{what} contractValue");
    if quantities {
        assert_eq!(wide(&got["committedQuantity"]), want.committed_quantity * 100, "{what} committedQuantity");
        assert_eq!(wide(&got["deliveredQuantity"]), want.delivered_quantity * 100, "{what} deliveredQuantity");
    }
}

/// The key of a group in the API's answer, as the oracle names it.
fn key_of(key: &Value, dims: &[&str]) -> Vec<String> {
    dims.iter()
        .map(|d| match *d {
            "COUNCIL" => key["council"]["code"].as_str().unwrap().to_owned(),
            "THEME" => key["theme"]["code"].as_str().unwrap().to_owned(),
            "MEASURE" => key["measure"]["code"].as_str().unwrap().to_owned(),
            "SUPPLIER" => key["supplier"]["ref"].as_str().unwrap().to_owned(),
            "CONTRACT" => format!("{}/{}", key["contract"]["council"]["code"].as_str().unwrap(), key["contract"]["externalId"].as_str().unwrap()),
            "FINANCIAL_YEAR" => key["financialYear"].to_string(),
            _ => unreachable!(),
        })
        .collect()
}

/// Every rollup, trend, commitment and contract figure against the oracle.
async fn check_everything(app: &TestApp, oracle: &Oracle) {
    let councils: Vec<&str> = oracle.records.iter().map(|c| c.council).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
    let dashboard = token("dashboard", &[]);

    // Regional totals, for every role.
    let want = oracle.totals(|_| true);
    for (role, scope) in [
        ("dashboard", vec![]),
        ("auditor", vec![]),
        ("regional_admin", vec![]),
        ("council_viewer", vec!["LIV"]),
        ("council_editor", vec!["LIV"]),
        ("council_sync", vec!["LIV"]),
    ] {
        let t = token(role, &scope);
        let r = app.ok(&t, ROLLUP, json!({"f": null, "g": []})).await;
        check(&format!("{role} regional totals"), &r["rollup"]["totals"], &want, false);
        let trend = app.ok(&t, TREND, json!({"f": null})).await;
        assert!(!trend["deliveryTrend"].as_array().unwrap().is_empty(), "{role} trend");
    }

    // Every dimension alone and some together, over the region and over each council.
    let all: &[&[&str]] = &[
        &["COUNCIL"],
        &["THEME"],
        &["MEASURE"],
        &["SUPPLIER"],
        &["FINANCIAL_YEAR"],
        &["COUNCIL", "SUPPLIER"],
        &["THEME", "FINANCIAL_YEAR"],
        &["COUNCIL", "MEASURE", "FINANCIAL_YEAR"],
        &["SUPPLIER", "MEASURE"],
    ];
    let mut filters: Vec<(Value, Option<&str>)> = vec![(Value::Null, None)];
    filters.extend(councils.iter().map(|c| (json!({"councilCodes": [c]}), Some(*c))));
    filters.push((json!({"financialYears": [2024]}), None));
    filters.push((json!({"measureCodes": ["JOBS-01"]}), None));
    filters.push((json!({"smeOnly": true}), None));
    for (filter, council) in &filters {
        let keep = |c: &Commitment| council.is_none_or(|k| c.council == k);
        let mut dims_list: Vec<Vec<&str>> = all.iter().map(|d| d.to_vec()).collect();
        if council.is_some() {
            dims_list.push(vec!["CONTRACT"]);
            dims_list.push(vec!["CONTRACT", "FINANCIAL_YEAR"]);
        }
        for dims in dims_list {
            let what = format!("{filter} by {dims:?}");
            let r = app.ok(&token("auditor", &[]), ROLLUP, json!({"f": filter, "g": dims})).await;
            let want = filtered(oracle, filter, &dims, &keep);
            let got: BTreeMap<Vec<String>, &Value> =
                r["rollup"]["groups"].as_array().unwrap().iter().map(|g| (key_of(&g["key"], &dims), &g["metrics"])).collect();
            assert_eq!(got.keys().collect::<Vec<_>>(), want.keys().collect::<Vec<_>>(), "{what} groups");
            let quantities = dims.contains(&"MEASURE") || filter.get("measureCodes").is_some();
            for (k, w) in &want {
                check(&format!("{what} {k:?}"), got[k], w, quantities);
            }
            // The totals count each contract once, whatever the groups.
            let totals = filtered(oracle, filter, &[], &keep).remove(&Vec::new()).unwrap_or_default();
            check(&format!("{what} totals"), &r["rollup"]["totals"], &totals, filter.get("measureCodes").is_some());
        }

        let trend = app.ok(&dashboard, TREND, json!({"f": filter})).await;
        let want = trend_filtered(oracle, filter, &keep);
        let got: Vec<(i32, i32, i128, i128, i64)> = trend["deliveryTrend"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["financialYear"].as_i64().unwrap() as i32,
                    p["quarter"].as_i64().unwrap() as i32,
                    wide(&p["deliveredValue"]),
                    wide(&p["verifiedValue"]),
                    p["evidenceCount"].as_i64().unwrap(),
                )
            })
            .collect();
        let want: Vec<(i32, i32, i128, i128, i64)> = want.into_iter().map(|((y, q), (d, v, n))| (y, q, d, v, n)).collect();
        assert_eq!(got, want, "{filter} trend");
    }

    // Each commitment's and contract's own figures.
    for council in councils {
        let q = "query($c: [String!]) { contracts(filter: {councilCodes: $c}, first: 500) { edges { node { externalId valueGbp commitments {
                   externalId targetQuantity committedValue deliveredQuantity deliveredValue verifiedValue } } } } }";
        let d = app.ok(&token("council_viewer", &[council]), q, json!({"c": [council]})).await;
        let mut seen = 0;
        for edge in d["contracts"]["edges"].as_array().unwrap() {
            let k = &edge["node"];
            for c in k["commitments"].as_array().unwrap() {
                let want = oracle.records.iter().find(|r| r.council == council && r.external_id == c["externalId"]).unwrap();
                let proxy_at = |y| oracle.proxy(want.measure, y);
                let live = || want.evidence.iter().filter(|e| e.status != "REJECTED");
                assert_eq!(wide(&k["valueGbp"]), want.contract_value * 100, "{council} {}", want.contract);
                assert_eq!(wide(&c["targetQuantity"]), want.target * 100);
                assert_eq!(wide(&c["committedValue"]), want.target * proxy_at(want.year), "{council} {} committedValue", want.external_id);
                assert_eq!(wide(&c["deliveredQuantity"]), live().map(|e| e.quantity).sum::<i128>() * 100);
                assert_eq!(wide(&c["deliveredValue"]), live().map(|e| e.quantity * proxy_at(e.year)).sum::<i128>(), "{} deliveredValue", want.external_id);
                let verified: i128 = want.evidence.iter().filter(|e| e.status == "VERIFIED").map(|e| e.quantity * proxy_at(e.year)).sum();
                assert_eq!(wide(&c["verifiedValue"]), verified, "{} verifiedValue", want.external_id);
                seen += 1;
            }
        }
        assert_eq!(seen, oracle.records.iter().filter(|r| r.council == council).count(), "{council} commitments");
    }
}

/// The oracle's groups for a filter: a year filter selects commitments and
/// evidence each by their own year, a measure filter by their measure,
/// smeOnly by their supplier.
fn filtered(oracle: &Oracle, filter: &Value, dims: &[&str], keep: &impl Fn(&Commitment) -> bool) -> BTreeMap<Vec<String>, Figures> {
    let years: Option<Vec<i32>> = filter.get("financialYears").map(|y| y.as_array().unwrap().iter().map(|y| y.as_i64().unwrap() as i32).collect());
    let measure = |c: &Commitment| filter.get("measureCodes").is_none_or(|m| m.as_array().unwrap().iter().any(|m| m == c.measure));
    let sme = |c: &Commitment| filter.get("smeOnly").is_none() || c.supplier.ends_with('1');
    let Some(years) = years else {
        return oracle.groups(dims, |c| keep(c) && measure(c) && sme(c));
    };
    // Commitments of the years, with the evidence of the years (of any commitment).
    let records: Vec<Commitment> = oracle
        .records
        .iter()
        .filter(|c| keep(c) && measure(c) && sme(c))
        .map(|c| Commitment { evidence: c.evidence.iter().filter(|e| years.contains(&e.year)).cloned().collect(), ..c.clone() })
        .collect();
    let sub = Oracle { records, proxies: oracle.proxies.clone() };
    let mut by_commitment = sub.groups(dims, |c| years.contains(&c.year));
    // Evidence of the years whose commitment is of another year.
    let stray = Oracle {
        records: sub.records.iter().filter(|c| !years.contains(&c.year) && !c.evidence.is_empty()).cloned().collect(),
        proxies: oracle.proxies.clone(),
    };
    for (k, f) in stray.groups(dims, |_| true).into_iter().filter(|(_, f)| f.evidence > 0) {
        let g = by_commitment.entry(k).or_default();
        g.evidence += f.evidence;
        g.delivered += f.delivered;
        g.verified += f.verified;
        g.delivered_quantity += f.delivered_quantity;
    }
    by_commitment
}

fn trend_filtered(oracle: &Oracle, filter: &Value, keep: &impl Fn(&Commitment) -> bool) -> BTreeMap<(i32, i32), (i128, i128, i64)> {
    let years: Option<Vec<i32>> = filter.get("financialYears").map(|y| y.as_array().unwrap().iter().map(|y| y.as_i64().unwrap() as i32).collect());
    let measure = |c: &Commitment| filter.get("measureCodes").is_none_or(|m| m.as_array().unwrap().iter().any(|m| m == c.measure));
    let sme = |c: &Commitment| filter.get("smeOnly").is_none() || c.supplier.ends_with('1');
    let mut t = oracle.trend(|c| keep(c) && measure(c) && sme(c));
    if let Some(years) = years {
        t.retain(|(y, _), _| years.contains(y));
    }
    t
}

#[tokio::test]
async fn ten_commitments_at_the_limits_in_one_council_sum_exactly() {
    on_each_backend(|app| async move {
        let proxies = seed(&app).await;
        let mut records = at_the_limit("LIV", 10, true);
        records.extend(beside("LIV"));
        records.extend(at_the_limit("HAL", 1, true));
        let mut oracle = Oracle { records, proxies };
        assert!(oracle.totals(|_| true).delivered > i64::MAX as i128, "sums past 64 bits");
        sync_all(&app, &oracle).await;
        check_everything(&app, &oracle).await;

        // A proxy changed under the largest cells revalues them exactly.
        let admin = token("regional_admin", &[]);
        app.ok(&admin, SET_PROXY, json!({"m": "JOBS-01", "y": 2024, "v": "99999.99"})).await;
        oracle.proxies.insert(("JOBS-01", 2024), centi("99999.99"));
        check_everything(&app, &oracle).await;
        app.ok(&admin, SET_PROXY, json!({"m": "JOBS-01", "y": 2024, "v": MAX_PROXY})).await;
        oracle.proxies.insert(("JOBS-01", 2024), centi(MAX_PROXY));
        check_everything(&app, &oracle).await;
    })
    .await;
}

#[tokio::test]
async fn nine_commitments_at_the_limits_in_each_of_two_councils_sum_exactly() {
    on_each_backend(|app| async move {
        let proxies = seed(&app).await;
        // Each council's sums fit in 64 bits; the region's do not.
        let mut records = at_the_limit("LIV", 9, false);
        records.extend(at_the_limit("HAL", 9, false));
        let mut oracle = Oracle { records, proxies };
        assert!(oracle.totals(|_| true).delivered > i64::MAX as i128, "sums past 64 bits");
        sync_all(&app, &oracle).await;
        check_everything(&app, &oracle).await;

        app.ok(&token("regional_admin", &[]), SET_PROXY, json!({"m": "JOBS-01", "y": 2024, "v": "1.23"})).await;
        oracle.proxies.insert(("JOBS-01", 2024), centi("1.23"));
        check_everything(&app, &oracle).await;
    })
    .await;
}

#[tokio::test]
async fn contract_values_at_their_limit_sum_exactly_across_many_contracts() {
    on_each_backend(|app| async move {
        seed_framework(&app).await;
        // Enough contracts at the limit that their values pass 64 bits of
        // pence: batches of 4,999 contracts, each with one commitment, and one
        // supplier per batch.
        let (batches, per_batch) = (19, 4_999);
        let contracts = (batches * per_batch) as i128;
        let total_pence = contracts * centi(MAX_CONTRACT);
        assert!(total_pence > i64::MAX as i128);
        let sync = token("council_sync", &["LIV"]);
        for b in 0..batches {
            let supplier = format!("SUP-{b}");
            let ids: Vec<String> = (0..per_batch).map(|i| format!("K{b}-{i}")).collect();
            let batch = json!({"councilCode": "LIV",
                "suppliers": [{"ref": supplier, "name": format!("Supplier {b}"), "isSme": false, "isVcse": false}],
                "contracts": ids.iter().map(|id| json!({"externalId": id, "title": "Contract", "supplierRef": supplier,
                    "valueGbp": MAX_CONTRACT, "startDate": "2024-04-01", "endDate": "2026-03-31"})).collect::<Vec<_>>(),
                "commitments": ids.iter().map(|id| json!({"externalId": format!("{id}/1"), "contractExternalId": id,
                    "measureCode": "GROWTH-01", "financialYear": 2024, "targetQuantity": "0.01"})).collect::<Vec<_>>()});
            let r = app.ok(&sync, SYNC, json!({"input": batch})).await;
            assert_eq!(r["syncCouncilData"]["applied"], true, "{r}");
        }
        let auditor = token("auditor", &[]);
        for dims in [json!([]), json!(["COUNCIL"]), json!(["THEME"]), json!(["MEASURE"]), json!(["FINANCIAL_YEAR"]), json!(["COUNCIL", "FINANCIAL_YEAR"])] {
            for filter in [Value::Null, json!({"councilCodes": ["LIV"]}), json!({"financialYears": [2024, 2025]}), json!({"themeCodes": ["GROWTH", "JOBS"]})] {
                let r = app.ok(&auditor, ROLLUP, json!({"f": filter, "g": dims})).await;
                let what = format!("{filter} by {dims}");
                assert_eq!(wide(&r["rollup"]["totals"]["contractValue"]), total_pence * 100, "{what} totals");
                assert_eq!(r["rollup"]["totals"]["commitmentCount"].as_i64(), Some(contracts as i64), "{what}");
                // £1.00 a unit: 0.01 units a commitment.
                assert_eq!(wide(&r["rollup"]["totals"]["committedValue"]), contracts * 100, "{what} committedValue");
                for g in r["rollup"]["groups"].as_array().unwrap() {
                    assert_eq!(wide(&g["metrics"]["contractValue"]), total_pence * 100, "{what} group");
                }
            }
        }
        // By supplier: one batch's contracts each.
        let r = app.ok(&auditor, ROLLUP, json!({"f": null, "g": ["SUPPLIER"]})).await;
        assert_eq!(r["rollup"]["groups"].as_array().unwrap().len(), batches);
        for g in r["rollup"]["groups"].as_array().unwrap() {
            assert_eq!(wide(&g["metrics"]["contractValue"]), per_batch as i128 * centi(MAX_CONTRACT) * 100);
        }
        assert_eq!(wide(&r["rollup"]["totals"]["contractValue"]), total_pence * 100);
    })
    .await;
}

#[tokio::test]
async fn a_database_from_before_the_latest_cells_gets_them_rebuilt_when_it_migrates() {
    use sea_orm::ConnectionTrait;
    on_each_backend(|app| async move {
        app.load_fixture("tiny").await;
        let q = "{ rollup(groupBy: [COUNCIL, THEME]) { totals { commitmentCount evidenceCount committedValue deliveredValue contractValue }
                   groups { metrics { commitmentCount committedValue verifiedValue contractValue } } } }";
        let auditor = token("auditor", &[]);
        let before = app.ok(&auditor, q, json!({})).await;
        // As a database that the previous release left: the migration not
        // applied yet, and cells that it replaces (wrong, to tell them apart).
        // Migration 11 replaces the cells; 13 to 15, after it, add to them
        // and are undone with it (the standing table and its index are 13's and 15's).
        app.db
            .execute_unprepared(
                "DELETE FROM seaql_migrations WHERE version IN ('m20261202_000011_delta_cells', 'm20261203_000013_delivery_standing', 'm20261203_000014_supplier_index', \
                 'm20261203_000015_standing_by_council')",
            )
            .await
            .unwrap();
        app.db.execute_unprepared("DROP TABLE commitment_standing").await.unwrap();
        app.db.execute_unprepared("UPDATE rollup_summary SET commitments = commitments + 1000").await.unwrap();
        assert_ne!(app.ok(&auditor, q, json!({})).await, before);
        social_value_hub::service::db::migrate(&app.database_url).await.unwrap();
        assert_eq!(app.ok(&auditor, q, json!({})).await, before);
    })
    .await;
}
