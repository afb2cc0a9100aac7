//! The generator as a whole: deterministic, and every invariant the importer
//! checks holds in what it writes, v1 and v2.

use std::collections::{HashMap, HashSet};

use chrono::{Datelike as _, NaiveDate};

use super::tables::{FIRST_FY, LAST_FY, MEASURES, MeasureDef};
use super::*;
use crate::dataset::{CommitmentRow, ContractRow, EvidenceRow, Version};
use crate::domain::{FinancialYear, Quarter};

#[test]
fn tiny_is_deterministic() {
    let a = generate(Scale::Tiny, 1);
    let b = generate(Scale::Tiny, 1);
    assert_eq!(a, b);
    assert_ne!(a, generate(Scale::Tiny, 2));
    let codes: Vec<&str> = a.councils.iter().map(|c| c.code.as_str()).collect();
    assert_eq!(codes, ["HAL", "KNO", "LIV"]);
    assert_eq!((a.themes.len(), a.measures.len(), a.proxies.len()), (5, 20, 80));
    assert_eq!(a.contracts.len(), 30);
    assert_eq!(a.suppliers.len(), 4);
}

#[test]
fn proxies_match_python() {
    let ds = generate(Scale::Tiny, 1);
    let get = |m: &str, fy: &str| ds.proxies.iter().find(|p| p.measure_code == m && p.financial_year == fy).unwrap().value_gbp.as_str();
    assert_eq!(get("JOBS-01", "2022"), "31250.00");
    assert_eq!(get("GROWTH-01", "2025"), "1.00");
    // every £-unit measure has proxy 1.00 in every year
    for m in MEASURES.iter().filter(|m| m.is_money()) {
        for fy in FIRST_FY..=LAST_FY {
            assert_eq!(get(m.code, &fy.to_string()), "1.00");
        }
    }
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn year_of(date: NaiveDate) -> i32 {
    FinancialYear::containing(date).0
}

fn is_decimal(s: &str, exactly_two: bool) -> bool {
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
        && if exactly_two { frac.len() == 2 } else { frac.len() <= 2 && (s.contains('.') != frac.is_empty()) }
}

fn hundredths(s: &str) -> i64 {
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    whole.parse::<i64>().unwrap() * 100 + format!("{frac:0<2}").parse::<i64>().unwrap()
}

#[test]
fn small_invariants() {
    let ds = generate(Scale::Small, 1);
    assert_eq!(ds.councils.len(), 6);
    assert_eq!(ds.contracts.len(), 1000);
    assert_eq!(ds.suppliers.len(), 125);
    let refs = check_suppliers(&ds);
    let contracts = check_contracts(&ds, &refs);
    let commitments = check_commitments(&ds, &contracts);
    check_evidence(&ds, &commitments);
}

/// Rows by (council code, external id).
type ByExternalId<'d, T> = HashMap<(&'d str, &'d str), &'d T>;

fn measure(code: &str) -> &'static MeasureDef {
    MEASURES.iter().find(|m| m.code == code).unwrap()
}

fn has_proxy(ds: &Dataset, measure_code: &str, year: &str) -> bool {
    ds.proxies.iter().any(|p| p.measure_code == measure_code && p.financial_year == year)
}

/// Unique refs and Companies House numbers; the supplier refs.
fn check_suppliers(ds: &Dataset) -> HashSet<&str> {
    let mut refs = HashSet::new();
    let mut chs = HashSet::new();
    for s in &ds.suppliers {
        assert!(refs.insert(s.r#ref.as_str()));
        assert!(s.companies_house_number.is_empty() || chs.insert(s.companies_house_number.as_str()));
        assert!(s.companies_house_number.is_empty() || s.companies_house_number.len() == 8);
        assert!(["true", "false"].contains(&s.is_sme.as_str()));
        assert!(["true", "false"].contains(&s.is_vcse.as_str()));
    }
    assert!(ds.suppliers.iter().any(|s| s.name.contains(',')));
    refs
}

/// Unique per council, valid terms, money with 2 dp.
fn check_contracts<'d>(ds: &'d Dataset, refs: &HashSet<&str>) -> ByExternalId<'d, ContractRow> {
    let mut contracts = HashMap::new();
    for c in &ds.contracts {
        assert!(contracts.insert((c.council_code.as_str(), c.external_id.as_str()), c).is_none());
        assert!(refs.contains(c.supplier_ref.as_str()));
        assert!(d(&c.end_date) >= d(&c.start_date));
        assert!(is_decimal(&c.value_gbp, true), "{}", c.value_gbp);
        assert!(is_decimal(&c.social_value_weighting_pct, false));
    }
    // ids collide across councils, never within one
    let ext_ids: HashSet<&str> = ds.contracts.iter().map(|c| c.external_id.as_str()).collect();
    assert!(ext_ids.len() < ds.contracts.len());
    contracts
}

/// Unique, distinct (measure, year) per contract, year in term and with a proxy.
fn check_commitments<'d>(ds: &'d Dataset, contracts: &ByExternalId<'d, ContractRow>) -> ByExternalId<'d, CommitmentRow> {
    let mut commitments = HashMap::new();
    let mut pairs = HashSet::new();
    for k in &ds.commitments {
        assert!(commitments.insert((k.council_code.as_str(), k.external_id.as_str()), k).is_none());
        let c = contracts[&(k.council_code.as_str(), k.contract_external_id.as_str())];
        assert!(pairs.insert((&k.council_code, &k.contract_external_id, &k.measure_code, &k.financial_year)));
        assert!(has_proxy(ds, &k.measure_code, &k.financial_year));
        let fy: i32 = k.financial_year.parse().unwrap();
        assert!((FIRST_FY..=LAST_FY).contains(&fy));
        assert!(fy >= year_of(d(&c.start_date)) && fy <= year_of(d(&c.end_date)));
        let m = measure(&k.measure_code);
        assert!(is_decimal(&k.target_quantity, m.is_money()), "{}", k.target_quantity);
        assert!(hundredths(&k.target_quantity) > 0);
        assert_eq!(hundredths(&k.target_quantity) % m.step, 0);
    }
    let per_contract = ds.commitments.len() as f64 / ds.contracts.len() as f64;
    assert!((6.0..10.0).contains(&per_contract), "{per_contract}");
    commitments
}

/// Unique, one quarter, year with a proxy, at most one row per target unit,
/// statuses in their proportions.
fn check_evidence(ds: &Dataset, commitments: &ByExternalId<'_, CommitmentRow>) {
    let mut evidence = HashSet::new();
    let mut rows_per_commitment: HashMap<(&str, &str), i64> = HashMap::new();
    let mut status_count: HashMap<&str, usize> = HashMap::new();
    let mut later_year = 0;
    for e in &ds.evidence {
        assert!(evidence.insert((e.council_code.as_str(), e.external_id.as_str())));
        let k = commitments[&(e.council_code.as_str(), e.commitment_external_id.as_str())];
        later_year += usize::from(check_evidence_row(ds, e, k));
        *rows_per_commitment.entry((&e.council_code, &e.commitment_external_id)).or_default() += 1;
        *status_count.entry(e.status.as_str()).or_default() += 1;
    }
    for ((council, kext), n) in rows_per_commitment {
        let k = commitments[&(council, kext)];
        let units = hundredths(&k.target_quantity) / measure(&k.measure_code).step;
        assert!(n <= units.min(12));
    }
    let share = |s: &str| status_count.get(s).copied().unwrap_or(0) as f64 / ds.evidence.len() as f64;
    assert!((0.75..0.85).contains(&share("verified")));
    assert!((0.11..0.19).contains(&share("submitted")));
    assert!((0.02..0.08).contains(&share("rejected")));
    assert_eq!(share("verified") + share("submitted") + share("rejected"), 1.0);
    assert!(later_year > 0);
    let per_commitment = ds.evidence.len() as f64 / ds.commitments.len() as f64;
    assert!((3.0..4.5).contains(&per_commitment), "{per_commitment}");
}

/// One evidence row of commitment `k`; whether it lies in the year after the commitment's.
fn check_evidence_row(ds: &Dataset, e: &EvidenceRow, k: &CommitmentRow) -> bool {
    let (ps, pe) = (d(&e.period_start), d(&e.period_end));
    assert!(Quarter::of_period(ps, pe).is_some(), "{} {}", e.period_start, e.period_end);
    // a full quarter or one calendar month
    let month = ps.day() == 1 && pe.month() == ps.month() && pe.succ_opt().unwrap().day() == 1;
    let quarter = ps.day() == 1 && pe.succ_opt().unwrap().day() == 1 && (pe - ps).num_days() > 85;
    assert!(month || quarter, "{} {}", e.period_start, e.period_end);
    let fy = year_of(ps);
    assert!(has_proxy(ds, &k.measure_code, &fy.to_string()));
    let kfy: i32 = k.financial_year.parse().unwrap();
    assert!(fy == kfy || fy == kfy + 1);
    let m = measure(&k.measure_code);
    assert!(is_decimal(&e.quantity, m.is_money()), "{}", e.quantity);
    assert_eq!(hundredths(&e.quantity) % m.step, 0);
    assert!(e.evidence_url.starts_with("https://evidence.example/"));
    assert!(e.evidence_sha256.len() == 64 && e.evidence_sha256.bytes().all(|b| b.is_ascii_hexdigit()));
    fy > kfy
}

/// v2: every commitment's measure is one of its contract's framework, every
/// validated quantity is on a verified row and within its quantity, and
/// every kind of contract framework_code occurs.
#[test]
fn small_v2_invariants() {
    let ds = generate_version(Scale::Small, 1, Version::V2);
    let framework_of_council: HashMap<&str, &str> = ds.councils.iter().map(|c| (c.code.as_str(), c.framework_code.as_str())).collect();
    let measures: HashSet<(&str, &str)> = ds.measures.iter().map(|m| (m.framework_code.as_str(), m.code.as_str())).collect();
    let frameworks: HashSet<&str> = ds.frameworks.iter().map(|f| f.code.as_str()).collect();
    assert!(ds.mappings.iter().all(|m| measures.contains(&(m.framework_code.as_str(), m.measure_code.as_str()))));
    assert!(ds.mappings.iter().all(|m| measures.contains(&("REGIONAL", m.regional_measure_code.as_str()))));
    let mut contract_framework = HashMap::new();
    for c in &ds.contracts {
        let own = framework_of_council[c.council_code.as_str()];
        let framework = if c.framework_code.is_empty() { own } else { c.framework_code.as_str() };
        assert!(frameworks.contains(framework));
        contract_framework.insert((c.council_code.as_str(), c.external_id.as_str()), framework);
    }
    let overridden = |c: &ContractRow| c.framework_code == "REGIONAL" && framework_of_council[c.council_code.as_str()] != "REGIONAL";
    assert!(ds.contracts.iter().any(overridden));
    assert!(ds.contracts.iter().any(|c| c.framework_code.is_empty()));
    assert!(ds.contracts.iter().any(|c| !c.framework_code.is_empty() && !overridden(c)));
    let mut commitment_framework = HashMap::new();
    for k in &ds.commitments {
        let framework = contract_framework[&(k.council_code.as_str(), k.contract_external_id.as_str())];
        assert!(measures.contains(&(framework, k.measure_code.as_str())), "{framework} {}", k.measure_code);
        commitment_framework.insert((k.council_code.as_str(), k.external_id.as_str()), framework);
    }
    assert!(commitment_framework.values().any(|&f| f != "REGIONAL"));
    let (mut partial, mut whole) = (0, 0);
    for e in &ds.evidence {
        assert!(commitment_framework.contains_key(&(e.council_code.as_str(), e.commitment_external_id.as_str())));
        if e.validated_quantity.is_empty() {
            continue;
        }
        assert_eq!(e.status, "verified");
        let (validated, quantity) = (hundredths(&e.validated_quantity), hundredths(&e.quantity));
        assert!((0..=quantity).contains(&validated));
        if validated < quantity { partial += 1 } else { whole += 1 }
    }
    assert!(partial > whole && whole > 0, "{partial} {whole}");
}
