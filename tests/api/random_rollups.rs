//! The property test of rollups: random filters and groupings over a
//! region, each answer compared with a direct computation from the
//! dataset's files, and the groups adding up to the totals.
//!
//! The direct computation follows DATASET.md's derived figures of version 2
//! (a v1 region is the case of one framework, no mappings, every measure
//! valued and nothing partly validated), written here from the files alone:
//! it shares no code with the service's valuation.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use serde_json::{Value, json};
use social_value_hub::dataset::{CommitmentRow, Dataset};

use crate::helpers::*;

const ROLLUP: &str = "query($f: RollupFilter, $g: [RollupDimension!]!) { rollup(filter: $f, groupBy: $g) {
    totals { ...m } groups { key { council { code } theme { code } measure { code } supplier { ref } contract { externalId council { code } }
        financialYear framework { code } reportedMeasure { code framework { code } } } metrics { ...m } } } }
    fragment m on RollupMetrics { commitmentCount unvaluedCommitmentCount evidenceCount committedValue deliveredValue verifiedValue
        contractValue committedQuantity deliveredQuantity }";

const REGIONAL: &str = "REGIONAL";

/// A group's figures: values in 10^-8 £, quantities in millionths, contract value in pence.
#[derive(Debug, Default, PartialEq, Eq, Clone)]
struct Sums {
    commitments: i64,
    unvalued: i64,
    evidence: i64,
    committed: i128,
    delivered: i128,
    verified: i128,
    committed_quantity: Option<i128>,
    delivered_quantity: Option<i128>,
    contract_value: i128,
}

impl Sums {
    /// The additive figures (all but the contract value, which counts each contract once per group).
    fn additive(&self) -> (i64, i64, i64, i128, i128, i128) {
        (self.commitments, self.unvalued, self.evidence, self.committed, self.delivered, self.verified)
    }
}

/// A decimal string in units of 10^-dp, exactly (the API's figures, the dataset's columns).
fn scaled(s: &str, dp: usize) -> i128 {
    let (negative, digits) = s.strip_prefix('-').map_or((false, s), |d| (true, d));
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    assert!(fraction.len() <= dp && !whole.is_empty(), "{s} has more than {dp} decimal places");
    let v: i128 = format!("{whole}{fraction:0<dp$}").parse().unwrap_or_else(|e| panic!("{s}: {e}"));
    if negative { -v } else { v }
}

fn decimal(v: &Value, dp: usize) -> Option<i128> {
    v.as_str().map(|s| scaled(s, dp))
}

fn fy_of(date: &str) -> i32 {
    let (y, m): (i32, u32) = (date[0..4].parse().unwrap(), date[5..7].parse().unwrap());
    if m >= 4 { y } else { y - 1 }
}

fn or_regional(code: &str) -> &str {
    if code.is_empty() { REGIONAL } else { code }
}

/// What a reported measure (framework, code) counts as in the region.
struct Basis {
    /// The regional measure's code and theme, None when unmapped.
    regional: Option<(String, String)>,
    /// Ten-thousandths; 1 when unmapped, so that its quantities are the reported ones.
    factor_e4: i128,
    /// The measure and the regional measure are both valued.
    valued: bool,
}

struct Oracle {
    ds: Dataset,
}

/// One commitment as the region sees it.
struct Seen<'a> {
    row: &'a CommitmentRow,
    framework: String,
    supplier: &'a str,
    contract_pence: i128,
    basis: &'a Basis,
    year: i32,
}

impl Oracle {
    fn read(fixture: &str) -> Oracle {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(fixture);
        Oracle { ds: social_value_hub::dataset::read::read_dir(&dir).unwrap() }
    }

    fn bases(&self) -> HashMap<(String, String), Basis> {
        let ds = &self.ds;
        let valued: HashMap<(&str, &str), bool> =
            ds.measures.iter().map(|m| ((or_regional(&m.framework_code), m.code.as_str()), m.valued != "false")).collect();
        let theme: HashMap<(&str, &str), &str> =
            ds.measures.iter().map(|m| ((or_regional(&m.framework_code), m.code.as_str()), m.theme_code.as_str())).collect();
        let mapping: HashMap<(&str, &str), (&str, i128)> = ds
            .mappings
            .iter()
            .map(|x| {
                (
                    (x.framework_code.as_str(), x.measure_code.as_str()),
                    (x.regional_measure_code.as_str(), if x.factor.is_empty() { 10_000 } else { scaled(&x.factor, 4) }),
                )
            })
            .collect();
        ds.measures
            .iter()
            .map(|m| {
                let key = (or_regional(&m.framework_code), m.code.as_str());
                let (regional, factor_e4) =
                    if key.0 == REGIONAL { (Some(m.code.as_str()), 10_000) } else { mapping.get(&key).map(|(r, f)| (Some(*r), *f)).unwrap_or((None, 10_000)) };
                let basis = Basis {
                    regional: regional.map(|r| (r.to_owned(), theme[&(REGIONAL, r)].to_owned())),
                    factor_e4,
                    valued: valued[&key] && regional.is_some_and(|r| valued[&(REGIONAL, r)]),
                };
                ((key.0.to_owned(), key.1.to_owned()), basis)
            })
            .collect()
    }

    fn compute(&self, filter: &Value, dims: &[&str]) -> (Sums, BTreeMap<Vec<String>, Sums>) {
        let ds = &self.ds;
        let bases = self.bases();
        let proxy: HashMap<(&str, i32), i128> =
            ds.proxies.iter().map(|p| ((p.measure_code.as_str(), p.financial_year.parse().unwrap()), scaled(&p.value_gbp, 2))).collect();
        let supplier: HashMap<&str, (bool, bool)> = ds.suppliers.iter().map(|s| (s.r#ref.as_str(), (s.is_sme == "true", s.is_vcse == "true"))).collect();
        let council_framework: HashMap<&str, &str> = ds.councils.iter().map(|c| (c.code.as_str(), or_regional(&c.framework_code))).collect();
        let contract: HashMap<(&str, &str), (&str, String, i128)> = ds
            .contracts
            .iter()
            .map(|c| {
                let framework = if c.framework_code.is_empty() { council_framework[c.council_code.as_str()] } else { c.framework_code.as_str() };
                ((c.council_code.as_str(), c.external_id.as_str()), (c.supplier_ref.as_str(), framework.to_owned(), scaled(&c.value_gbp, 2)))
            })
            .collect();
        let seen: HashMap<(&str, &str), Seen> = ds
            .commitments
            .iter()
            .map(|c| {
                let (supplier, framework, contract_pence) = &contract[&(c.council_code.as_str(), c.contract_external_id.as_str())];
                let basis = &bases[&(framework.clone(), c.measure_code.clone())];
                let year = c.financial_year.parse().unwrap();
                (
                    (c.council_code.as_str(), c.external_id.as_str()),
                    Seen { row: c, framework: framework.clone(), supplier, contract_pence: *contract_pence, basis, year },
                )
            })
            .collect();

        let listed =
            |key: &str, v: Option<&str>| filter.get(key).and_then(Value::as_array).is_none_or(|a| v.is_some_and(|v| a.iter().any(|x| x.as_str() == Some(v))));
        let years_ok = |y: i32| filter.get("financialYears").and_then(Value::as_array).is_none_or(|a| a.iter().any(|x| x.as_i64() == Some(y as i64)));
        let flag = |key: &str| filter.get(key).and_then(Value::as_bool).unwrap_or(false);
        let keep = |s: &Seen| {
            let (sme, vcse) = supplier[s.supplier];
            let regional = s.basis.regional.as_ref();
            listed("councilCodes", Some(&s.row.council_code))
                && listed("measureCodes", regional.map(|r| r.0.as_str()))
                && listed("themeCodes", regional.map(|r| r.1.as_str()))
                && listed("supplierRefs", Some(s.supplier))
                && listed("frameworkCodes", Some(&s.framework))
                && (!flag("smeOnly") || sme)
                && (!flag("vcseOnly") || vcse)
        };
        let one_measure = filter.get("measureCodes").and_then(Value::as_array).is_some_and(|a| a.len() == 1);
        let by = |d: &str| dims.contains(&d);
        // Which units a group's quantities are in (CONTRACT.md, fine points of the crosswalk).
        let regional_units = by("MEASURE") || one_measure;
        let group_quantities = regional_units || by("REPORTED_MEASURE");
        let null = || "null".to_owned();
        let key = |s: &Seen, year: i32| -> Vec<String> {
            let regional = s.basis.regional.as_ref();
            dims.iter()
                .map(|d| match *d {
                    "COUNCIL" => s.row.council_code.clone(),
                    "THEME" => regional.map_or_else(null, |r| r.1.clone()),
                    "MEASURE" => regional.map_or_else(null, |r| r.0.clone()),
                    "SUPPLIER" => s.supplier.to_owned(),
                    "CONTRACT" => s.row.contract_external_id.clone(),
                    "FRAMEWORK" => s.framework.clone(),
                    "REPORTED_MEASURE" => format!("{}/{}", s.framework, s.row.measure_code),
                    _ => year.to_string(),
                })
                .collect()
        };
        // The factor a quantity is counted with: regional units, or the reported ones.
        let factor = |s: &Seen| if regional_units { s.basis.factor_e4 } else { 10_000 };
        let proxy_of = |s: &Seen, year: i32| s.basis.regional.as_ref().and_then(|r| proxy.get(&(r.0.as_str(), year)).copied());
        let valued = |s: &Seen| s.basis.valued && proxy_of(s, s.year).is_some();

        let (mut total, mut groups) = (Sums::default(), BTreeMap::<Vec<String>, Sums>::new());
        let mut contracts: BTreeMap<Vec<String>, BTreeSet<(&str, &str)>> = BTreeMap::new();
        let mut all_contracts = BTreeSet::new();
        let mut pence: HashMap<(&str, &str), i128> = HashMap::new();
        for s in seen.values().filter(|s| keep(s) && years_ok(s.year)) {
            let target = scaled(&s.row.target_quantity, 2);
            let value = if valued(s) { target * s.basis.factor_e4 * proxy_of(s, s.year).unwrap() } else { 0 };
            let k = key(s, s.year);
            let contract_key = (s.row.council_code.as_str(), s.row.contract_external_id.as_str());
            pence.insert(contract_key, s.contract_pence);
            contracts.entry(k.clone()).or_default().insert(contract_key);
            all_contracts.insert(contract_key);
            for sums in [&mut total, groups.entry(k).or_default()] {
                sums.commitments += 1;
                sums.unvalued += i64::from(!valued(s));
                sums.committed += value;
                *sums.committed_quantity.get_or_insert(0) += target * factor(s);
            }
        }
        for e in &ds.evidence {
            let s = &seen[&(e.council_code.as_str(), e.commitment_external_id.as_str())];
            let year = fy_of(&e.period_start);
            if !(keep(s) && years_ok(year)) {
                continue;
            }
            let quantity = scaled(&e.quantity, 2);
            let validated = if e.validated_quantity.is_empty() { quantity } else { scaled(&e.validated_quantity, 2) };
            // Evidence is valued when its commitment is and its own year has a regional proxy.
            let unit_value = if valued(s) { proxy_of(s, year).map_or(0, |p| s.basis.factor_e4 * p) } else { 0 };
            for sums in [&mut total, groups.entry(key(s, year)).or_default()] {
                sums.evidence += 1;
                if e.status != "rejected" {
                    sums.delivered += quantity * unit_value;
                    *sums.delivered_quantity.get_or_insert(0) += quantity * factor(s);
                }
                if e.status == "verified" {
                    sums.verified += validated * unit_value;
                }
            }
        }
        total.contract_value = all_contracts.iter().map(|c| pence[c]).sum();
        for (k, sums) in groups.iter_mut() {
            sums.contract_value = contracts.get(k).map_or(0, |cs| cs.iter().map(|c| pence[c]).sum());
            // The records of unmapped measures have no one measure unless grouped by the reported one.
            let unmapped = dims.iter().zip(k).any(|(d, v)| (*d == "MEASURE" || *d == "THEME") && v == "null");
            let shown = group_quantities && !(unmapped && by("MEASURE") && !by("REPORTED_MEASURE"));
            quantities_shown(sums, shown);
        }
        quantities_shown(&mut total, one_measure);
        (total, groups)
    }
}

/// Quantities where the group is one measure; null otherwise (a sum over no rows is zero).
fn quantities_shown(sums: &mut Sums, shown: bool) {
    for q in [&mut sums.committed_quantity, &mut sums.delivered_quantity] {
        *q = if shown { Some(q.unwrap_or(0)) } else { None };
    }
}

fn sums_of(m: &Value) -> Sums {
    let count = |f: &str| m[f].as_i64().unwrap_or_else(|| panic!("{f} in {m}"));
    let value = |f: &str| decimal(&m[f], 8).unwrap_or_else(|| panic!("{f} in {m}"));
    Sums {
        commitments: count("commitmentCount"),
        unvalued: count("unvaluedCommitmentCount"),
        evidence: count("evidenceCount"),
        committed: value("committedValue"),
        delivered: value("deliveredValue"),
        verified: value("verifiedValue"),
        committed_quantity: decimal(&m["committedQuantity"], 6),
        delivered_quantity: decimal(&m["deliveredQuantity"], 6),
        contract_value: decimal(&m["contractValue"], 2).unwrap(),
    }
}

fn key_of(k: &Value, dims: &[&str]) -> Vec<String> {
    let code = |v: &Value| v.as_str().map_or_else(|| "null".to_owned(), str::to_owned);
    dims.iter()
        .map(|d| match *d {
            "COUNCIL" => code(&k["council"]["code"]),
            "THEME" => code(&k["theme"]["code"]),
            "MEASURE" => code(&k["measure"]["code"]),
            "SUPPLIER" => code(&k["supplier"]["ref"]),
            "CONTRACT" => code(&k["contract"]["externalId"]),
            "FRAMEWORK" => code(&k["framework"]["code"]),
            "REPORTED_MEASURE" => format!("{}/{}", code(&k["reportedMeasure"]["framework"]["code"]), code(&k["reportedMeasure"]["code"])),
            _ => k["financialYear"].to_string(),
        })
        .collect()
}

/// A small deterministic generator, so a failure names a seed that reproduces it.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn chance(&mut self, in_n: u64) -> bool {
        self.next().is_multiple_of(in_n)
    }
    fn some_of<T: Clone>(&mut self, items: &[T]) -> Vec<T> {
        let picked: Vec<T> = items.iter().filter(|_| self.chance(2)).cloned().collect();
        if picked.is_empty() { vec![items[(self.next() % items.len() as u64) as usize].clone()] } else { picked }
    }
}

/// The `chosen` rollups (filter, groupBy), then `rounds` random ones, of
/// the fixture, each checked against the oracle.
async fn random_rollups_agree(fixture: &'static str, chosen: &'static [(&'static str, &'static [&'static str])], rounds: u64) {
    let oracle = &Oracle::read(fixture);
    on_each_backend(|app| async move {
        app.load_fixture(fixture).await;
        let ds = &oracle.ds;
        let councils: Vec<String> = ds.councils.iter().map(|c| c.code.clone()).collect();
        let regional = |f: &str| or_regional(f) == REGIONAL;
        let themes: Vec<String> = ds.themes.iter().filter(|t| regional(&t.framework_code)).map(|t| t.code.clone()).collect();
        let measures: Vec<String> = ds.measures.iter().filter(|m| regional(&m.framework_code)).map(|m| m.code.clone()).collect();
        let suppliers: Vec<String> = ds.suppliers.iter().map(|s| s.r#ref.clone()).collect();
        let mut frameworks: Vec<String> = ds.frameworks.iter().map(|f| f.code.clone()).collect();
        if frameworks.is_empty() {
            frameworks.push(REGIONAL.to_owned());
        }
        let years: Vec<i32> = ds.commitments.iter().map(|c| c.financial_year.parse().unwrap()).collect::<BTreeSet<_>>().into_iter().collect();
        let all_dims = ["COUNCIL", "THEME", "MEASURE", "SUPPLIER", "CONTRACT", "FINANCIAL_YEAR", "FRAMEWORK", "REPORTED_MEASURE"];
        let auditor = token("auditor", &[]);
        let mut cases: Vec<(String, Value, Vec<&str>)> =
            chosen.iter().map(|(f, g)| (format!("{fixture} chosen"), serde_json::from_str(f).unwrap(), g.to_vec())).collect();
        for seed in 1..=rounds {
            let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
            let mut filter = serde_json::Map::new();
            if rng.chance(2) {
                filter.insert("councilCodes".into(), json!(rng.some_of(&councils)));
            }
            if rng.chance(3) {
                filter.insert("themeCodes".into(), json!(rng.some_of(&themes)));
            }
            if rng.chance(4) {
                let picked = if rng.chance(2) { vec![measures[(rng.next() % measures.len() as u64) as usize].clone()] } else { rng.some_of(&measures) };
                filter.insert("measureCodes".into(), json!(picked));
            }
            if rng.chance(4) {
                filter.insert("supplierRefs".into(), json!(rng.some_of(&suppliers)));
            }
            if rng.chance(2) {
                filter.insert("financialYears".into(), json!(rng.some_of(&years)));
            }
            if rng.chance(4) {
                filter.insert("frameworkCodes".into(), json!(rng.some_of(&frameworks)));
            }
            if rng.chance(4) {
                filter.insert("smeOnly".into(), json!(true));
            }
            if rng.chance(5) {
                filter.insert("vcseOnly".into(), json!(true));
            }
            let mut dims: Vec<&str> = all_dims.iter().copied().filter(|_| rng.chance(3)).collect();
            // Contract groups need councils named.
            if dims.contains(&"CONTRACT") {
                filter.insert("councilCodes".into(), json!([councils.last().unwrap()]));
                dims.retain(|d| *d != "COUNCIL");
                dims.insert(0, "COUNCIL");
            }
            cases.push((format!("{fixture} seed {seed}"), Value::Object(filter), dims));
        }
        for (case, filter, dims) in cases {
            let what = format!("{case}: {filter} by {dims:?}");
            let r = app.ok(&auditor, ROLLUP, json!({"f": filter, "g": dims})).await["rollup"].clone();
            let (want_total, want_groups) = oracle.compute(&filter, &dims);
            assert_eq!(sums_of(&r["totals"]), want_total, "{what}: totals");
            if dims.is_empty() {
                continue;
            }
            let got: BTreeMap<Vec<String>, Sums> = r["groups"].as_array().unwrap().iter().map(|g| (key_of(&g["key"], &dims), sums_of(&g["metrics"]))).collect();
            assert_eq!(got, want_groups, "{what}: groups");
            // Additive figures: the groups add up to the totals.
            let sum = got.values().map(Sums::additive).fold((0, 0, 0, 0, 0, 0), |a, b| (a.0 + b.0, a.1 + b.1, a.2 + b.2, a.3 + b.3, a.4 + b.4, a.5 + b.5));
            assert_eq!(sum, want_total.additive(), "{what}: groups do not add up");
        }
    })
    .await;
}

#[tokio::test]
async fn random_filters_and_groupings_of_a_v1_region_add_up_and_agree_with_a_direct_computation() {
    random_rollups_agree("tiny", &[], 40).await;
}

/// A region with mapped, unmapped and record-only measures, factors other
/// than 1 and partly validated evidence.
#[tokio::test]
async fn random_filters_and_groupings_of_a_region_of_frameworks_add_up_and_agree_with_a_direct_computation() {
    let ds = &Oracle::read("tiny-frameworks").ds;
    assert!(ds.mappings.iter().any(|x| x.factor != "1"), "factors other than 1");
    assert!(ds.measures.iter().any(|m| m.valued == "false"), "record-only measures");
    assert!(ds.evidence.iter().any(|e| !e.validated_quantity.is_empty() && e.validated_quantity != e.quantity), "partly validated evidence");
    let mapped: BTreeSet<(&str, &str)> = ds.mappings.iter().map(|x| (x.framework_code.as_str(), x.measure_code.as_str())).collect();
    assert!(
        ds.measures.iter().any(|m| or_regional(&m.framework_code) != REGIONAL && !mapped.contains(&(m.framework_code.as_str(), m.code.as_str()))),
        "unmapped measures"
    );
    // Besides the random ones, the cases where units and unmapped groups are decided.
    let chosen: &[(&str, &[&str])] = &[
        (r#"{"measureCodes": ["JOBS-03"]}"#, &["REPORTED_MEASURE"]),
        (r#"{"measureCodes": ["SOCIAL-01"]}"#, &["FRAMEWORK", "COUNCIL"]),
        ("{}", &["MEASURE", "REPORTED_MEASURE"]),
        ("{}", &["MEASURE"]),
        ("{}", &["THEME", "FINANCIAL_YEAR"]),
        (r#"{"frameworkCodes": ["KSV"]}"#, &["REPORTED_MEASURE"]),
        (r#"{"frameworkCodes": ["KSV"], "themeCodes": ["JOBS"]}"#, &["MEASURE", "SUPPLIER"]),
    ];
    random_rollups_agree("tiny-frameworks", chosen, 60).await;
}
