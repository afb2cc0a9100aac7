//! The council records: contracts, their social value commitments and the
//! evidence of delivery against each, council by council. Contracts,
//! commitments and evidence each draw from a stream of their own; so do, in
//! a v2 region, the contracts' frameworks and the validated quantities.

use chrono::{Datelike as _, Days, NaiveDate};
use sha2::{Digest as _, Sha256};

use super::evidence::{DrawnEvidence, EvidenceDraws, Validations};
use super::frameworks::{EXPLICIT_OWN_P, EXPLICIT_REGIONAL_P, OVERRIDE_REGIONAL_P, REGIONAL};
use super::mt19937::Rng;
use super::normal;
use super::plan::{FrameworkPlan, PlanMeasure, Target};
use super::region::{Proxies, framework_of};
use super::scale::ScaleParams;
use super::suppliers::SupplierPool;
use super::tables::{CONTRACT_SUBJECTS, CouncilDef, FIRST_FY, LAST_FY, WEIGHTINGS};
use super::{date, iso};
use crate::dataset::{CommitmentRow, ContractRow, EvidenceRow, SupplierRow, Version};
use crate::domain::{FinancialYear, Money};

/// Every council's records, in file order.
pub(super) struct Records {
    pub contracts: Vec<ContractRow>,
    pub commitments: Vec<CommitmentRow>,
    pub evidence: Vec<EvidenceRow>,
}

/// What the records of a region are drawn from, besides the seed and scale.
pub(super) struct Region<'a> {
    pub version: Version,
    pub councils: &'a [CouncilDef],
    /// the frameworks' plans, `REGIONAL`'s first
    pub plans: &'a [FrameworkPlan],
    pub suppliers: &'a [SupplierRow],
    pub pool: &'a SupplierPool,
    pub proxies: &'a Proxies,
}

/// The records of the region's councils, their contracts shared out by
/// council size and awarded to its suppliers from its pool.
pub(super) fn generate(seed: u64, params: &ScaleParams, region: &Region) -> Records {
    let mut records = Generator::new(seed, params, region);
    let councils = region.councils;
    let per_council = allocate(params.contracts, &councils.iter().map(|c| c.size).collect::<Vec<_>>());
    for (index, def) in councils.iter().enumerate() {
        let framework = framework_of(def, region.version);
        let mut council = Council { index, def, framework, code_lower: def.code.to_lowercase(), commitment_serial: 0, evidence_serial: 0 };
        for n in 1..=per_council[index] {
            let contract = records.contract(&council, n);
            records.commitments(&mut council, &contract);
        }
    }
    records.out
}

/// The council whose records are being drawn.
struct Council<'c> {
    /// in the region's list: picks the council's external id formats
    index: usize,
    def: &'c CouncilDef,
    /// the framework it reports in
    framework: &'static str,
    code_lower: String,
    /// commitments so far: the last one's serial number
    commitment_serial: usize,
    /// evidence rows so far: the last one's serial number
    evidence_serial: usize,
}

/// What a contract's commitments are drawn from.
struct Contract {
    external_id: String,
    /// in hundredths of £
    value: i64,
    /// of its value among contracts: bigger contracts carry more commitments
    size_percentile: f64,
    start: NaiveDate,
    end: NaiveDate,
    /// the plan of its framework: its index in the region's plans
    plan: usize,
}

struct Generator<'a> {
    seed_text: String,
    suppliers: &'a [SupplierRow],
    pool: &'a SupplierPool,
    proxies: &'a Proxies,
    plans: &'a [FrameworkPlan],
    contract_rng: Rng,
    commitment_rng: Rng,
    evidence: EvidenceDraws,
    /// v2 only: the contracts' `framework_code`
    framework_rng: Option<Rng>,
    /// v2 only
    validations: Option<Validations>,
    /// commitments per contract k = 1 + floor(14 u^a + r): the exponent a
    exponent: f64,
    /// ln of a commitment's smallest and largest share of its contract's value
    log_share: (f64, f64),
    out: Records,
}

impl<'a> Generator<'a> {
    fn new(seed: u64, params: &ScaleParams, region: &Region<'a>) -> Generator<'a> {
        // Reserve roughly what the scale produces, to avoid regrowing big Vecs.
        let contracts = params.contracts;
        let out = Records {
            contracts: Vec::with_capacity(contracts),
            commitments: Vec::with_capacity((contracts as f64 * params.commit_mean * 1.05) as usize),
            evidence: Vec::with_capacity((contracts as f64 * params.commit_mean * params.evid_mean * 0.85) as usize),
        };
        let v2 = region.version == Version::V2;
        Generator {
            seed_text: seed.to_string(),
            suppliers: region.suppliers,
            pool: region.pool,
            proxies: region.proxies,
            plans: region.plans,
            contract_rng: Rng::new(seed, "contracts"),
            commitment_rng: Rng::new(seed, "commitments"),
            evidence: EvidenceDraws::new(seed, params.evid_mean),
            framework_rng: v2.then(|| Rng::new(seed, "frameworks")),
            validations: v2.then(|| Validations::new(seed)),
            exponent: solve_exponent(params.commit_mean),
            log_share: (0.001f64.ln(), 0.04f64.ln()),
            out,
        }
    }

    /// Council `council`'s contract number `n`.
    fn contract(&mut self, council: &Council, n: usize) -> Contract {
        let rng = &mut self.contract_rng;
        let supplier = self.pool.draw(rng, council.index);
        // value: log-normal, median £250k, clamped to £5k..£50m (hundredths)
        let z = normal::gauss(rng).clamp(-2.5, 3.2);
        let value = ((25_000_000.0 * (1.5 * z).exp()) as i64).clamp(500_000, 5_000_000_000);
        let (start, end) = term(rng);
        let weighting = *rng.pick(WEIGHTINGS);
        let title = title(rng, council.def.areas);
        let external_id = contract_ext_id(council.index, n, start.year(), council.def.code);
        // the contract's framework: its council's, unless framework_code names another
        let framework_code = self.framework_rng.as_mut().map_or("", |rng| contract_framework(rng, council.framework, n));
        let framework = if framework_code.is_empty() { council.framework } else { framework_code };
        let plan = self.plans.iter().position(|p| p.code == framework).expect("a plan for every framework used");
        self.out.contracts.push(ContractRow {
            council_code: council.def.code.into(),
            external_id: external_id.clone(),
            title,
            supplier_ref: self.suppliers[supplier].r#ref.clone(),
            value_gbp: Money::from_scaled(value).to_string(),
            start_date: iso(start),
            end_date: iso(end),
            social_value_weighting_pct: weighting.into(),
            framework_code: framework_code.into(),
        });
        Contract { external_id, value, size_percentile: normal::percentile(z), start, end, plan }
    }

    /// A contract's commitments, each followed by its evidence.
    fn commitments(&mut self, council: &mut Council, contract: &Contract) {
        let plan = &self.plans[contract.plan];
        for (j, (mi, fy)) in self.measure_years(contract, plan).into_iter().enumerate() {
            council.commitment_serial += 1;
            let external_id = commitment_ext_id(council.index, &contract.external_id, j + 1, council.commitment_serial);
            let m = &plan.measures[mi];
            let target = self.target(contract.value, m, fy);
            self.out.commitments.push(CommitmentRow {
                council_code: council.def.code.into(),
                external_id: external_id.clone(),
                contract_external_id: contract.external_id.clone(),
                measure_code: m.code.into(),
                financial_year: fy.to_string(),
                target_quantity: m.fmt_quantity(target),
            });
            self.evidence(council, &external_id, m, fy, target);
        }
    }

    /// A contract's commitments as distinct (measure index in `plan`,
    /// financial year) pairs inside its term, years clamped to those with
    /// proxies, in year then measure order.
    fn measure_years(&mut self, contract: &Contract, plan: &FrameworkPlan) -> Vec<(usize, i32)> {
        let rng = &mut self.commitment_rng;
        let fy_lo = FIRST_FY.max(FinancialYear::containing(contract.start).0);
        let fy_hi = LAST_FY.min(FinancialYear::containing(contract.end).0);
        let years: Vec<i32> = (fy_lo..=fy_hi).collect();
        let u = 0.6 * contract.size_percentile + 0.4 * rng.random();
        let k = 1 + (14.0 * u.powf(self.exponent) + rng.random() * 0.999) as usize;
        let k = k.min(15).min(years.len() * plan.measures.len()).max(1);
        let mut chosen: Vec<(usize, i32)> = Vec::with_capacity(k);
        while chosen.len() < k {
            let mi = rng.weighted(&plan.weights);
            let fy = years[rng.below(years.len())];
            if !chosen.contains(&(mi, fy)) {
                chosen.push((mi, fy));
            }
        }
        chosen.sort_by_key(|&(mi, fy)| (fy, mi));
        chosen
    }

    /// A commitment's target in hundredths of its measure's unit, sized from
    /// the contract value: 0.1%..4% of it (log-uniform), at least one step;
    /// or a percentage, whatever the contract's value.
    fn target(&mut self, contract_value: i64, m: &PlanMeasure, fy: i32) -> i64 {
        let step = m.step;
        let draw = self.commitment_rng.random();
        let proxy = match m.target {
            // 60..100 in steps of 0.5 (step 50)
            Target::Pct => return (120 + ((draw * 81.0) as i64).min(80)) * step,
            Target::Proxy { measure, factor } => self.proxies.get(measure, fy) as f64 * factor,
            // only to size the target
            Target::Notional(hundredths) => hundredths as f64,
        };
        let (log_lo, log_hi) = self.log_share;
        let share = (log_lo + draw * (log_hi - log_lo)).exp();
        let target_pence = contract_value as f64 * share;
        (((target_pence / proxy * 100.0 / step as f64 + 0.5) as i64) * step).max(step)
    }

    /// The evidence rows of a commitment.
    fn evidence(&mut self, council: &mut Council, commitment: &str, m: &PlanMeasure, fy: i32, target: i64) {
        for (jj, drawn) in self.evidence.draw(fy, target, m.step).into_iter().enumerate() {
            council.evidence_serial += 1;
            let external_id = evidence_ext_id(council.index, council.evidence_serial, commitment, jj + 1);
            let mut row = evidence_row(&self.seed_text, council, external_id, commitment, m, &drawn);
            if let Some(validations) = &mut self.validations {
                row.validated_quantity = validations.draw(drawn.status, drawn.quantity, m.step).map(|q| m.fmt_quantity(q)).unwrap_or_default();
            }
            self.out.evidence.push(row);
        }
    }
}

/// An evidence row; its URL and digest are derived from the seed, the council and the row's id.
fn evidence_row(seed_text: &str, council: &Council, external_id: String, commitment: &str, m: &PlanMeasure, drawn: &DrawnEvidence) -> EvidenceRow {
    let code = council.def.code;
    let digest = hex::encode(
        Sha256::new()
            .chain_update(seed_text.as_bytes())
            .chain_update(b"|")
            .chain_update(code.as_bytes())
            .chain_update(b"|")
            .chain_update(external_id.as_bytes())
            .finalize(),
    );
    EvidenceRow {
        council_code: code.into(),
        external_id,
        commitment_external_id: commitment.to_owned(),
        period_start: drawn.period.0.clone(),
        period_end: drawn.period.1.clone(),
        quantity: m.fmt_quantity(drawn.quantity),
        status: drawn.status.into(),
        evidence_url: format!("https://evidence.example/{}/{}.pdf", council.code_lower, &digest[..20]),
        evidence_sha256: digest,
        validated_quantity: String::new(),
    }
}

/// v2: a contract's `framework_code`, for the council's contract number `n`
/// when the council reports in `own`: mostly empty (its council's).
fn contract_framework(rng: &mut Rng, own: &'static str, n: usize) -> &'static str {
    let r = rng.random();
    if own == REGIONAL {
        if r < EXPLICIT_REGIONAL_P { REGIONAL } else { "" }
    } else if r < OVERRIDE_REGIONAL_P || n == 2 {
        REGIONAL
    } else if r < OVERRIDE_REGIONAL_P + EXPLICIT_OWN_P {
        own
    } else {
        ""
    }
}

/// A contract's term: it starts between April 2020 and mid 2025 and runs
/// whole years, or years and a half.
fn term(rng: &mut Rng) -> (NaiveDate, NaiveDate) {
    let start = date(2020, 4, 1) + Days::new(rng.below(5 * 365 + 60) as u64);
    let months = 12 * rng.between(1, 6) + *rng.pick(&[0, 0, 0, 6]);
    let end_months = start.month0() as i64 + months;
    let end_y = start.year() + (end_months / 12) as i32;
    let end_m = (end_months % 12 + 1) as u32;
    let mut end = date(end_y, end_m, 1) - Days::new(1);
    if end < date(FIRST_FY, 4, 1) {
        // every contract overlaps the years that have proxies
        end = date(FIRST_FY + 1, 3, 31);
    }
    (start, end)
}

/// A contract's title. En dash and é in titles exercise UTF-8; commas exercise quoting.
fn title(rng: &mut Rng, areas: &[&str]) -> String {
    let subject = *rng.pick(CONTRACT_SUBJECTS);
    let r = rng.random();
    if r < 0.25 {
        format!("{subject} – Lot {}", rng.between(1, 6))
    } else if r < 0.45 {
        format!("{subject}, {}", rng.pick(areas))
    } else if r < 0.55 {
        format!("{subject} (phase {})", rng.between(2, 4))
    } else {
        subject.to_owned()
    }
}

// External id formats differ by council (index in the council list) and
// deliberately collide across councils (`C00001` at several councils):
// unique per council only.

fn contract_ext_id(ci: usize, n: usize, year: i32, code: &str) -> String {
    match ci % 6 {
        1 => format!("CON-{year}-{n:04}"),
        3 => format!("{code}/PROC/{n:05}"),
        4 => format!("CT{n:06}"),
        _ => format!("C{n:05}"),
    }
}

fn commitment_ext_id(ci: usize, contract: &str, j: usize, n: usize) -> String {
    match ci % 5 {
        0 => format!("{contract}/SV{j:02}"),
        1 | 2 => format!("SVC{n:07}"),
        3 => format!("{contract}-{j}"),
        _ => format!("SV-{n:06}"),
    }
}

fn evidence_ext_id(ci: usize, n: usize, commitment: &str, j: usize) -> String {
    match ci % 6 {
        0 | 3 => format!("EV{n:08}"),
        2 => format!("{commitment}/E{j:02}"),
        4 => format!("E-{n:07}"),
        _ => format!("{n}"), // 1, 5
    }
}

/// Largest-remainder allocation of `total` over `weights`, each share >= 1.
fn allocate(total: usize, weights: &[f64]) -> Vec<usize> {
    let s: f64 = weights.iter().fold(0.0, |a, w| a + w);
    let raw: Vec<f64> = weights.iter().map(|w| total as f64 * w / s).collect();
    let mut base: Vec<i64> = raw.iter().map(|r| (r.trunc() as i64).max(1)).collect();
    let mut rem = total as i64 - base.iter().sum::<i64>();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    // by descending fractional part, then index (a stable sort keeps index order on ties)
    order.sort_by(|&a, &b| (raw[b] - raw[b].trunc()).total_cmp(&(raw[a] - raw[a].trunc())));
    let mut i = 0;
    while rem > 0 {
        base[order[i % order.len()]] += 1;
        rem -= 1;
        i += 1;
    }
    while rem < 0 {
        // the largest share, first on ties
        let j = (0..base.len()).rev().max_by_key(|&k| base[k]).expect("at least one council");
        base[j] -= 1;
        rem += 1;
    }
    base.into_iter().map(|b| b as usize).collect()
}

/// Exponent `a` such that E[1 + floor(14 u^a + r)] = mean_k, where
/// u = 0.6 * (size percentile) + 0.4 * noise (midpoint quadrature, bisection).
fn solve_exponent(mean_k: f64) -> f64 {
    let grid: Vec<f64> = (0..60).map(|i| (i as f64 + 0.5) / 60.0).collect();
    let us: Vec<f64> = grid.iter().flat_map(|&v| grid.iter().map(move |&w| 0.6 * v + 0.4 * w)).collect();
    let target = (mean_k - 1.0) / 14.0;
    let (mut lo, mut hi) = (0.01f64, 50.0f64);
    for _ in 0..50 {
        let mid = (lo + hi) / 2.0;
        // plain left-to-right sum, as Python 3.11's sum()
        let e = us.iter().fold(0.0, |acc, u| acc + u.powf(mid)) / us.len() as f64;
        if e > target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (lo + hi) / 2.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocation_shares_out_the_whole_total() {
        assert_eq!(allocate(30, &[1.0, 1.2, 3.0]), vec![6, 7, 17]);
        let shares = allocate(1000, &[1.0, 1.2, 3.0, 2.0, 1.3, 2.4]);
        assert_eq!(shares.iter().sum::<usize>(), 1000);
        assert!(shares.iter().all(|&n| n >= 1));
    }
}
