//! Deterministic synthetic dataset generator.
//!
//! A port of `bench/gen_dataset.py` (the shared benchmark generator). It
//! replays the Python step by step: the same random stream (Mersenne Twister
//! seeded like `random.Random("{seed}:{stream}")`, see `py_random`), the same
//! draws in the same order, the same integer arithmetic on hundredths and the
//! same float expressions (exp/ln/cos/pow come from the platform libm, as in
//! CPython). So for a given scale and seed it writes the same CSV files as the
//! Python (checked byte for byte, all four scales, with Python 3.11 on glibc),
//! and the Python's `expected.json` oracle applies to them. Nothing depends on
//! that, though: the invariants the importer checks hold by construction
//! whatever the random stream gives.

use std::collections::HashSet;
use std::fmt;
use std::path::Path;
use std::str::FromStr;

use anyhow::Context as _;
use chrono::{Datelike as _, Days, NaiveDate};
use sha2::{Digest as _, Sha256};

use super::{CommitmentRow, ContractRow, CouncilRow, Dataset, EvidenceRow, MeasureRow, ProxyRow, SupplierRow, ThemeRow};
use py_random::Rng;

// ------------------------------------------------------------------ scale ----

/// Dataset size, as in the Python's `--scale`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scale {
    /// 3 councils (Halton, Knowsley, Liverpool), 30 contracts.
    Tiny,
    /// 6 councils (Liverpool City Region), 1,000 contracts.
    Small,
    /// 15 councils (Lancashire), 5,000 contracts.
    Medium,
    /// 15 councils (Lancashire), 20,000 contracts, ~1M evidence rows.
    Large,
}

impl Scale {
    pub const ALL: [Scale; 4] = [Scale::Tiny, Scale::Small, Scale::Medium, Scale::Large];

    pub fn as_str(self) -> &'static str {
        match self {
            Scale::Tiny => "tiny",
            Scale::Small => "small",
            Scale::Medium => "medium",
            Scale::Large => "large",
        }
    }

    fn params(self) -> ScaleParams {
        // Same table as the Python's SCALES: the evidence means are tuned there so the
        // totals land near tiny ~300, small ~30k, medium ~200k, large ~1M rows.
        let (councils, contracts, commit_mean, evid_mean) = match self {
            Scale::Tiny => (3, 30, 3.3, 3.1),
            Scale::Small => (6, 1000, 8.0, 4.5),
            Scale::Medium => (15, 5000, 8.0, 6.1),
            Scale::Large => (15, 20000, 8.0, 7.7),
        };
        ScaleParams { councils, contracts, commit_mean, evid_mean }
    }
}

impl fmt::Display for Scale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown scale {0:?} (expected tiny, small, medium or large)")]
pub struct ParseScaleError(pub String);

impl FromStr for Scale {
    type Err = ParseScaleError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Scale::ALL.into_iter().find(|scale| scale.as_str() == s).ok_or_else(|| ParseScaleError(s.to_owned()))
    }
}

struct ScaleParams {
    councils: usize,
    contracts: usize,
    /// mean commitments per contract (1..15)
    commit_mean: f64,
    /// mean evidence rows drawn per commitment (0..12, before the one-row-per-unit cap)
    evid_mean: f64,
}

// ------------------------------------------------------------ fixed data ----

const FIRST_FY: i32 = 2022;
const LAST_FY: i32 = 2025;

struct CouncilDef {
    code: &'static str,
    name: &'static str,
    gss: &'static str,
    /// relative size: share of the region's contracts
    size: f64,
    /// postcode districts of suppliers based in the council
    districts: &'static [&'static str],
    /// places used in contract titles
    areas: &'static [&'static str],
}

const fn council(
    code: &'static str,
    name: &'static str,
    gss: &'static str,
    size: f64,
    districts: &'static [&'static str],
    areas: &'static [&'static str],
) -> CouncilDef {
    CouncilDef { code, name, gss, size, districts, areas }
}

#[rustfmt::skip]
const LCR_COUNCILS: [CouncilDef; 6] = [
    council("HAL", "Halton Borough Council", "E06000006", 1.0, &["WA7", "WA8"], &["Runcorn", "Widnes"]),
    council("KNO", "Knowsley Metropolitan Borough Council", "E08000011", 1.2, &["L34", "L35", "L36", "L28"], &["Huyton", "Kirkby", "Prescot"]),
    council("LIV", "Liverpool City Council", "E08000012", 3.0, &["L1", "L2", "L3", "L4", "L6", "L8", "L13", "L15", "L17", "L24"], &["Anfield", "Speke", "Toxteth", "city centre"]),
    council("SEF", "Sefton Metropolitan Borough Council", "E08000014", 2.0, &["L20", "L21", "L22", "L23", "L30", "PR8", "PR9"], &["Bootle", "Southport", "Crosby", "Maghull"]),
    council("STH", "St Helens Borough Council", "E08000013", 1.3, &["WA9", "WA10", "WA11"], &["Newton-le-Willows", "Haydock", "town centre"]),
    council("WIR", "Wirral Council", "E08000015", 2.4, &["CH41", "CH43", "CH44", "CH46", "CH49", "CH62", "CH63"], &["Birkenhead", "Wallasey", "West Kirby"]),
];

#[rustfmt::skip]
const LANCS_COUNCILS: [CouncilDef; 15] = [
    council("LANCS", "Lancashire County Council", "E10000017", 4.0, &["PR1", "PR2"], &["Central Lancashire", "East Lancashire", "North Lancashire"]),
    council("BWD", "Blackburn with Darwen Borough Council", "E06000008", 1.6, &["BB1", "BB2", "BB3"], &["Blackburn", "Darwen"]),
    council("BPL", "Blackpool Council", "E06000009", 1.6, &["FY1", "FY2", "FY3", "FY4"], &["South Shore", "Bispham"]),
    council("BUR", "Burnley Borough Council", "E07000117", 0.8, &["BB10", "BB11", "BB12"], &["Padiham", "town centre"]),
    council("CHO", "Chorley Council", "E07000118", 0.8, &["PR6", "PR7"], &["Buckshaw", "Euxton"]),
    council("FYL", "Fylde Council", "E07000119", 0.6, &["FY8", "PR4"], &["Lytham St Annes", "Kirkham"]),
    council("HYN", "Hyndburn Borough Council", "E07000120", 0.6, &["BB5"], &["Accrington", "Oswaldtwistle"]),
    council("LAN", "Lancaster City Council", "E07000121", 1.0, &["LA1", "LA2", "LA3", "LA4"], &["Morecambe", "Carnforth"]),
    council("PEN", "Pendle Borough Council", "E07000122", 0.7, &["BB8", "BB9"], &["Nelson", "Colne", "Barnoldswick"]),
    council("PRE", "Preston City Council", "E07000123", 1.2, &["PR1", "PR2"], &["city centre", "Fulwood"]),
    council("RIB", "Ribble Valley Borough Council", "E07000124", 0.5, &["BB7"], &["Clitheroe", "Longridge"]),
    council("ROS", "Rossendale Borough Council", "E07000125", 0.5, &["BB4"], &["Rawtenstall", "Bacup", "Haslingden"]),
    council("SRI", "South Ribble Borough Council", "E07000126", 0.8, &["PR5", "PR25", "PR26"], &["Leyland", "Penwortham"]),
    council("WLA", "West Lancashire Borough Council", "E07000127", 0.8, &["L39", "L40", "WN8"], &["Ormskirk", "Skelmersdale"]),
    council("WYR", "Wyre Council", "E07000128", 0.8, &["FY5", "FY6", "FY7", "PR3"], &["Fleetwood", "Thornton-Cleveleys", "Garstang"]),
];

/// Postcode districts of suppliers based outside the member councils.
const OUTSIDE_DISTRICTS: &[&str] = &["M1", "M2", "M3", "M15", "M50", "WN1", "BL1", "OL1", "WA1", "WA4", "CW1", "LS1", "B1", "EC1A", "SE1"];

const THEMES: [(&str, &str); 5] = [
    ("JOBS", "Jobs: promote local skills and employment"),
    ("GROWTH", "Growth: supporting the growth of responsible regional business"),
    ("SOCIAL", "Social: healthier, safer and more resilient communities"),
    ("ENV", "Environment: decarbonising and safeguarding our world"),
    ("INNOV", "Innovation: promoting social innovation"),
];

/// Relative weight of a theme when drawing a commitment's measure.
fn theme_weight(theme: &str) -> f64 {
    match theme {
        "JOBS" => 3.0,
        "GROWTH" => 2.5,
        "SOCIAL" => 2.0,
        "ENV" => 1.5,
        _ => 1.0, // INNOV
    }
}

struct MeasureDef {
    code: &'static str,
    name: &'static str,
    unit: &'static str,
    /// FY 2022 proxy (illustrative); `None` for a £ unit, whose proxy is 1.00 every year
    proxy_2022: Option<&'static str>,
    /// quantity step in hundredths of a unit (1 = 0.01, 10 = 0.1, 50 = 0.5, 100 = 1)
    step: i64,
}

const fn measure(code: &'static str, name: &'static str, unit: &'static str, proxy_2022: Option<&'static str>, step: i64) -> MeasureDef {
    MeasureDef { code, name, unit, proxy_2022, step }
}

#[rustfmt::skip]
const MEASURES: [MeasureDef; 20] = [
    measure("JOBS-01", "Local people employed on the contract", "FTE local employees", Some("31250.00"), 10),
    measure("JOBS-02", "Long-term unemployed people employed on the contract", "FTE employees", Some("19800.00"), 10),
    measure("JOBS-03", "Apprenticeships on the contract", "weeks of apprenticeship", Some("248.50"), 100),
    measure("JOBS-04", "Work placements for local residents", "weeks of placement", Some("181.20"), 100),
    measure("GROWTH-01", "Spend with local SMEs in the supply chain", "£ spent with local SMEs", None, 1),
    measure("GROWTH-02", "Spend with VCSEs in the supply chain", "£ spent with VCSEs", None, 1),
    measure("GROWTH-03", "Expert business advice to local SMEs", "hours of expert support", Some("96.40"), 50),
    measure("GROWTH-04", "Meet-the-buyer events for local businesses", "events held", Some("1450.00"), 100),
    measure("SOCIAL-01", "Staff volunteering on local community projects", "hours of volunteering", Some("17.80"), 50),
    measure("SOCIAL-02", "Donations to local community projects", "£ donated", None, 1),
    measure("SOCIAL-03", "Mentoring for care leavers and young people", "hours of mentoring", Some("31.25"), 50),
    measure("SOCIAL-04", "Health and wellbeing programmes for the workforce", "£ invested in wellbeing", None, 1),
    measure("ENV-01", "Carbon emissions saved on the contract", "tonnes CO2e saved", Some("248.00"), 1),
    measure("ENV-02", "Car miles saved through green travel plans", "miles saved", Some("0.17"), 100),
    measure("ENV-03", "Waste diverted from landfill", "tonnes diverted", Some("104.60"), 1),
    measure("ENV-04", "Trees planted in the local area", "trees planted", Some("12.40"), 100),
    measure("INNOV-01", "Innovation partnerships with local universities", "hours of collaboration", Some("62.00"), 50),
    measure("INNOV-02", "Digital skills training for residents", "hours of training", Some("24.75"), 50),
    measure("INNOV-03", "Investment in local research and development", "£ invested in R&D", None, 1),
    measure("INNOV-04", "Local start-ups supported", "start-ups supported", Some("3520.00"), 100),
];

impl MeasureDef {
    fn theme(&self) -> &'static str {
        self.code.split('-').next().unwrap_or(self.code)
    }

    fn is_money(&self) -> bool {
        self.proxy_2022.is_none()
    }

    /// Quantity text: £ units always with 2 dp, others with up to 2 dp.
    fn fmt_quantity(&self, hundredths: i64) -> String {
        if self.is_money() { fmt_money(hundredths) } else { fmt_qty(hundredths) }
    }
}

/// Year-on-year uplift of each non-£ proxy in basis points, 2022->23, 23->24, 24->25.
const PROXY_UPLIFT_BP: [i64; 3] = [410, 280, 195];

#[rustfmt::skip]
const PLACES: &[&str] = &["Mersey", "Pennine", "Ribble", "Wyre", "Dee", "Lune", "Fylde", "Bowland", "Northern", "Red Rose",
    "Liver", "Albert", "Seaview", "Hillside", "Riverside", "Westgate", "Northgate", "Kingsway", "Castle",
    "Brunswick", "Canning", "Princes", "Marine", "Oakwood", "Ashfield", "Beacon", "Harbour", "Moorland",
    "Valley", "Summit", "Parkside", "Meadow", "Cross Keys", "Borough", "Victoria", "Wellington", "Atlantic"];
#[rustfmt::skip]
const TRADES: &[&str] = &["Building Services", "Civil Engineering", "Construction", "Facilities Management", "Care Services",
    "Cleaning Services", "Catering", "Electrical Contractors", "Highways", "Landscapes", "Transport",
    "Digital", "IT Solutions", "Consulting", "Security", "Roofing", "Plumbing and Heating", "Recycling",
    "Environmental Services", "Homecare", "Training", "Legal Services", "Print and Design", "Fleet Services",
    "Energy Solutions", "Groundworks", "Surveying", "Joinery", "Engineering", "Property Services"];
#[rustfmt::skip]
const SURNAMES: &[&str] = &["Hughes", "Jones", "Roberts", "Murphy", "Kelly", "Walsh", "Brennan", "Taylor", "Whittaker", "Ashworth",
    "Hargreaves", "Pilkington", "Holden", "Sutcliffe", "Kershaw", "Entwistle", "Duckworth", "Rawcliffe",
    "Parkinson", "Greenhalgh", "O'Neill", "McCarthy", "Doyle", "Byrne", "Patel", "Khan", "Hussain", "Okafor",
    "Nowak", "Kowalski", "Singh", "Ahmed", "Evans", "Davies", "Clarke", "Lomax", "Fairclough", "Molyneux"];
#[rustfmt::skip]
const VCSE_NOUNS: &[&str] = &["Community Trust", "Community Interest Company", "Foundation", "Community Action", "Youth Project",
    "Food Bank", "Wellbeing Network", "Credit Union", "Housing Association", "Enterprise Hub"];
#[rustfmt::skip]
const NATIONAL: &[&str] = &["Amberline", "Castlegate", "Northstar", "Keystone", "Meridian", "Sterling", "Paragon", "Crestway",
    "Brightwater", "Ironbridge", "Lionheart", "Evergreen"];
#[rustfmt::skip]
const CONTRACT_SUBJECTS: &[&str] = &[
    "Highways maintenance term contract", "Domiciliary care framework", "School catering services",
    "Leisure centre management", "Waste collection and recycling", "Street lighting LED upgrade",
    "ICT managed service", "Temporary accommodation provision", "Housing repairs and maintenance",
    "Supported living services", "Parks and grounds maintenance", "Library refurbishment works",
    "Electric vehicle charging infrastructure", "Construction of new primary school", "Agency staff provision",
    "Legal services framework", "Home to school transport", "Energy efficiency retrofit programme",
    "Substance misuse treatment service", "Youth services", "Town centre regeneration works",
    "Flood defence improvements", "Care home placements", "Winter gritting service", "Bus shelter replacement",
    "Cleaning of council buildings", "Public health nursing service", "Children's residential care",
    "Adult learning programme", "Market hall refurbishment", "Cycle lane construction", "Café concession",
];
const SOLE_TRADER_INITIALS: &[u8] = b"ABCDEGHJKLMNPRST";
/// Letters used in the inward code of a postcode.
const POSTCODE_LETTERS: &[u8] = b"ABDEFGHJLNPQRSTUWXYZ";
const WEIGHTINGS: &[&str] = &["10", "10", "10", "15", "15", "20", "20", "5", "25", "30", "12.5", "7.5"];

// ---------------------------------------------------- external id formats ----
// They differ by council (index in the council list) and deliberately collide
// across councils (`C00001` at several councils): unique per council only.

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

// ---------------------------------------------------------------- helpers ----

/// Money: exactly two decimal places.
fn fmt_money(hundredths: i64) -> String {
    format!("{}.{:02}", hundredths / 100, hundredths % 100)
}

/// Quantity: up to two decimal places, no trailing zeros (`12`, `12.5`, `12.25`).
fn fmt_qty(hundredths: i64) -> String {
    let (whole, frac) = (hundredths / 100, hundredths % 100);
    if frac == 0 {
        whole.to_string()
    } else if frac % 10 == 0 {
        format!("{whole}.{}", frac / 10)
    } else {
        format!("{whole}.{frac:02}")
    }
}

/// "248.50" -> 24850 (the fixed proxy table only; always two decimals).
fn parse_hundredths(s: &str) -> i64 {
    let (whole, frac) = s.split_once('.').expect("proxy literal with two decimals");
    whole.parse::<i64>().expect("proxy literal") * 100 + frac.parse::<i64>().expect("proxy literal")
}

fn iso(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid calendar date")
}

/// Financial year containing a date: FY N runs 1 April N to 31 March N+1.
fn fy_of(d: NaiveDate) -> i32 {
    if d.month() >= 4 { d.year() } else { d.year() - 1 }
}

fn cumulative(weights: impl IntoIterator<Item = f64>) -> Vec<f64> {
    let mut s = 0.0;
    weights
        .into_iter()
        .map(|w| {
            s += w;
            s
        })
        .collect()
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

/// Proxies in hundredths of £, indexed `[measure][fy - FIRST_FY]`: integer
/// arithmetic only, so every value is exact.
fn proxy_table() -> Vec<[i64; 4]> {
    MEASURES
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let Some(base) = m.proxy_2022 else {
                return [100; 4];
            };
            let mut v = parse_hundredths(base);
            let mut out = [0; 4];
            for (k, slot) in out.iter_mut().enumerate() {
                *slot = v;
                if let Some(uplift) = PROXY_UPLIFT_BP.get(k) {
                    // per-measure variation of the uplift: -60..+60 bp, deterministic from the index
                    let bp = uplift + ((i as i64 * 37 + k as i64 * 11) % 121) - 60;
                    v = ((v * (10000 + bp) + 5000) / 10000).max(1);
                }
            }
            out
        })
        .collect()
}

/// A period an evidence row may cover.
type Period = (String, String);

/// One financial quarter: the full quarter and its three calendar months.
struct Quarter {
    full: Period,
    months: [Period; 3],
}

/// `[fy - FIRST_FY][quarter]` for every financial year with proxies; the only
/// periods evidence uses, so each lies inside one quarter by construction.
fn quarter_table() -> Vec<[Quarter; 4]> {
    (FIRST_FY..=LAST_FY)
        .map(|fy| {
            std::array::from_fn(|qi| {
                let months: [Period; 3] = std::array::from_fn(|k| {
                    let mm = 4 + qi as i32 * 3 + k as i32; // 4..15: April of fy .. March of fy+1
                    let (y, m) = (fy + (mm - 1) / 12, ((mm - 1) % 12 + 1) as u32);
                    let first = date(y, m, 1);
                    let last = first.checked_add_months(chrono::Months::new(1)).expect("date") - Days::new(1);
                    (iso(first), iso(last))
                });
                Quarter { full: (months[0].0.clone(), months[2].1.clone()), months }
            })
        })
        .collect()
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

// -------------------------------------------------------------- suppliers ----

/// Supplier rows, and each one's home council index (`None` = outside the region).
fn gen_suppliers(rng: &mut Rng, n: usize, councils: &[CouncilDef]) -> (Vec<SupplierRow>, Vec<Option<usize>>) {
    let mut rows = Vec::with_capacity(n);
    let mut homes = Vec::with_capacity(n);
    let mut ch_used: HashSet<String> = HashSet::new();

    // A unique Companies House number: SC (Scotland) / OC (LLP) prefixes or 8 digits.
    let ch_number = |rng: &mut Rng, used: &mut HashSet<String>, prefix_kind: f64| -> String {
        loop {
            let s = if prefix_kind < 0.06 {
                format!("SC{:06}", rng.below(1_000_000))
            } else if prefix_kind < 0.12 {
                format!("OC{:06}", rng.below(1_000_000))
            } else {
                format!("{:08}", rng.between(100_000, 16_999_999))
            };
            if used.insert(s.clone()) {
                return s;
            }
        }
    };

    for i in 0..n {
        let (home, district) = if rng.random() < 0.80 {
            let h = rng.below(councils.len());
            (Some(h), *rng.pick(councils[h].districts))
        } else {
            (None, *rng.pick(OUTSIDE_DISTRICTS))
        };
        let kind = rng.random();
        let place = *rng.pick(PLACES);
        let (name, ch, sme, vcse);
        if home.is_none() && kind < 0.5 {
            // national company
            name = format!("{} {} plc", rng.pick(NATIONAL), rng.pick(TRADES));
            ch = ch_number(rng, &mut ch_used, 0.5);
            (sme, vcse) = (false, false);
        } else if kind < 0.12 {
            // VCSE, named after its council's area or a place
            let noun = *rng.pick(VCSE_NOUNS);
            let area = match home {
                Some(h) => council_area(councils[h].name),
                None => place,
            };
            name = if rng.random() < 0.5 { format!("{area} {noun}") } else { format!("{place} {noun}") };
            // a CIC is always a company; charities and unincorporated groups mostly are not
            ch = if noun.contains("Interest Company") || rng.random() < 0.4 { ch_number(rng, &mut ch_used, 0.5) } else { String::new() };
            (sme, vcse) = (true, true);
        } else if kind < 0.22 {
            // sole trader: no Companies House number
            let initial = SOLE_TRADER_INITIALS[rng.below(SOLE_TRADER_INITIALS.len())] as char;
            name = format!("{initial}. {} {}", rng.pick(SURNAMES), rng.pick(TRADES));
            ch = String::new();
            (sme, vcse) = (true, false);
        } else if kind < 0.30 {
            // partnership / LLP: a comma in the name, to exercise CSV quoting
            let (a, b) = (*rng.pick(SURNAMES), *rng.pick(SURNAMES));
            name = format!("{a}, {b} & Partners LLP");
            ch = ch_number(rng, &mut ch_used, 0.08);
            (sme, vcse) = (true, false);
        } else {
            name = if rng.random() < 0.35 {
                format!("{} & Sons {} Ltd", rng.pick(SURNAMES), rng.pick(TRADES))
            } else {
                format!("{place} {} Ltd", rng.pick(TRADES))
            };
            let prefix_kind = rng.random();
            ch = ch_number(rng, &mut ch_used, prefix_kind);
            (sme, vcse) = (rng.random() < 0.78, false);
        }
        let postcode = format!("{district} {}{}{}", rng.between(1, 9), *rng.pick(POSTCODE_LETTERS) as char, *rng.pick(POSTCODE_LETTERS) as char);
        rows.push(SupplierRow {
            r#ref: format!("SUP-{:05}", i + 1),
            name,
            companies_house_number: ch,
            postcode,
            is_sme: sme.to_string(),
            is_vcse: vcse.to_string(),
        });
        homes.push(home);
    }
    (rows, homes)
}

/// "Knowsley Metropolitan Borough Council" -> "Knowsley" (as the Python's split chain).
fn council_area(name: &str) -> &str {
    [" Borough", " Metropolitan", " City", " Council"].iter().fold(name, |s, sep| s.split(sep).next().unwrap_or(s))
}

// -------------------------------------------------------------- generator ----

/// Generate a whole dataset in memory. Deterministic: the same scale and seed
/// always give the same rows.
pub fn generate(scale: Scale, seed: u64) -> Dataset {
    let p = scale.params();
    let councils: &[CouncilDef] = if p.councils <= LCR_COUNCILS.len() { &LCR_COUNCILS[..p.councils] } else { &LANCS_COUNCILS };
    let proxies = proxy_table();
    let qtab = quarter_table();
    let m_cum = cumulative(MEASURES.iter().map(|m| theme_weight(m.theme())));

    let mut ds = Dataset {
        councils: councils.iter().map(|c| CouncilRow { code: c.code.into(), name: c.name.into(), gss_code: c.gss.into() }).collect(),
        themes: THEMES.iter().map(|(code, name)| ThemeRow { code: (*code).into(), name: (*name).into() }).collect(),
        measures: MEASURES.iter().map(|m| MeasureRow { code: m.code.into(), theme_code: m.theme().into(), name: m.name.into(), unit: m.unit.into() }).collect(),
        proxies: MEASURES
            .iter()
            .zip(&proxies)
            .flat_map(|(m, values)| {
                (FIRST_FY..=LAST_FY).zip(values).map(|(fy, v)| ProxyRow {
                    measure_code: m.code.into(),
                    financial_year: fy.to_string(),
                    value_gbp: fmt_money(*v),
                })
            })
            .collect(),
        ..Dataset::default()
    };

    // ---- suppliers: a regional pool, ~1 per 8 contracts
    let n_contracts = p.contracts;
    let n_suppliers = 4.max((n_contracts as f64 / 8.0).round() as usize);
    let mut srng = Rng::new(seed, "suppliers");
    let (suppliers, sup_home) = gen_suppliers(&mut srng, n_suppliers, councils);
    ds.suppliers = suppliers;
    // popularity: Zipf-like, so a few suppliers hold many contracts
    let pop: Vec<f64> = (0..n_suppliers).map(|i| 1.0 / ((1 + i % 97) as f64).powf(0.8)).collect();
    // per home council: (supplier indexes, cumulative popularity)
    let home_cum: Vec<(Vec<usize>, Vec<f64>)> = (0..councils.len())
        .map(|h| {
            let idx: Vec<usize> = (0..n_suppliers).filter(|&i| sup_home[i] == Some(h)).collect();
            let cum = cumulative(idx.iter().map(|&i| pop[i]));
            (idx, cum)
        })
        .collect();
    let all_cum = cumulative(pop.iter().copied());

    // ---- contracts, commitments, evidence (council by council)
    let per_council = allocate(n_contracts, &councils.iter().map(|c| c.size).collect::<Vec<_>>());
    let mut crng = Rng::new(seed, "contracts");
    let mut krng = Rng::new(seed, "commitments");
    let mut erng = Rng::new(seed, "evidence");
    // commitments per contract k = 1 + floor(14 u^a + r): bigger contracts carry more
    let a = solve_exponent(p.commit_mean);
    let ev_zero = 0.10; // share of commitments with no evidence at all
    let ev_p = (p.evid_mean / (12.0 * (1.0 - ev_zero))).min(0.95);
    let seed_text = seed.to_string();
    let first_fy = date(FIRST_FY, 4, 1);
    let (log_lo, log_hi) = (0.001f64.ln(), 0.04f64.ln());

    // Reserve roughly what the scale produces, to avoid regrowing big Vecs.
    ds.contracts.reserve(n_contracts);
    ds.commitments.reserve((n_contracts as f64 * p.commit_mean * 1.05) as usize);
    ds.evidence.reserve((n_contracts as f64 * p.commit_mean * p.evid_mean * 0.85) as usize);

    for (ci, c) in councils.iter().enumerate() {
        let mut k_serial = 0;
        let mut e_serial = 0;
        let code_lower = c.code.to_lowercase();
        for n in 1..=per_council[ci] {
            // supplier: mostly local, sometimes anyone in the regional pool
            let local = crng.random() < 0.7;
            let sup = if local && !home_cum[ci].0.is_empty() {
                let (idx, cum) = &home_cum[ci];
                idx[crng.weighted(cum)]
            } else {
                crng.weighted(&all_cum)
            };
            // value: log-normal, median £250k, clamped to £5k..£50m (hundredths)
            let z = crng.gauss().clamp(-2.5, 3.2);
            let value = ((25_000_000.0 * (1.5 * z).exp()) as i64).clamp(500_000, 5_000_000_000);
            let pct_z = 0.5 * (1.0 + erf(z / 2f64.sqrt())); // size percentile
            let start = date(2020, 4, 1) + Days::new(crng.below(5 * 365 + 60) as u64);
            let months = 12 * crng.between(1, 6) + *crng.pick(&[0, 0, 0, 6]);
            let end_months = start.month0() as i64 + months;
            let end_y = start.year() + (end_months / 12) as i32;
            let end_m = (end_months % 12 + 1) as u32;
            let mut end = date(end_y, end_m, 1) - Days::new(1);
            if end < first_fy {
                // every contract overlaps the years that have proxies
                end = date(FIRST_FY + 1, 3, 31);
            }
            let weighting = *crng.pick(WEIGHTINGS);
            let subject = *crng.pick(CONTRACT_SUBJECTS);
            let r = crng.random();
            // en dash and é in titles exercise UTF-8; commas exercise quoting
            let title = if r < 0.25 {
                format!("{subject} – Lot {}", crng.between(1, 6))
            } else if r < 0.45 {
                format!("{subject}, {}", crng.pick(c.areas))
            } else if r < 0.55 {
                format!("{subject} (phase {})", crng.between(2, 4))
            } else {
                subject.to_owned()
            };
            let cext = contract_ext_id(ci, n, start.year(), c.code);
            ds.contracts.push(ContractRow {
                council_code: c.code.into(),
                external_id: cext.clone(),
                title,
                supplier_ref: ds.suppliers[sup].r#ref.clone(),
                value_gbp: fmt_money(value),
                start_date: iso(start),
                end_date: iso(end),
                social_value_weighting_pct: weighting.into(),
            });

            // commitments: distinct (measure, financial year) pairs inside the contract's
            // term, years clamped to those with proxies
            let fy_lo = FIRST_FY.max(fy_of(start));
            let fy_hi = LAST_FY.min(fy_of(end));
            let years: Vec<i32> = (fy_lo..=fy_hi).collect();
            let u = 0.6 * pct_z + 0.4 * krng.random();
            let k = 1 + (14.0 * u.powf(a) + krng.random() * 0.999) as usize;
            let k = k.min(15).min(years.len() * MEASURES.len()).max(1);
            let mut chosen: Vec<(usize, i32)> = Vec::with_capacity(k);
            while chosen.len() < k {
                let mi = krng.weighted(&m_cum);
                let fy = years[krng.below(years.len())];
                if !chosen.contains(&(mi, fy)) {
                    chosen.push((mi, fy));
                }
            }
            chosen.sort_by_key(|&(mi, fy)| (fy, mi));

            for (j, &(mi, fy)) in chosen.iter().enumerate() {
                let j = j + 1;
                k_serial += 1;
                let kext = commitment_ext_id(ci, &cext, j, k_serial);
                let m = &MEASURES[mi];
                let step = m.step;
                // target sized from the contract value: 0.1%..4% of it (log-uniform)
                let share = (log_lo + krng.random() * (log_hi - log_lo)).exp();
                let target_pence = value as f64 * share;
                let proxy = proxies[mi][(fy - FIRST_FY) as usize];
                let tq = (((target_pence / proxy as f64 * 100.0 / step as f64 + 0.5) as i64) * step).max(step);
                ds.commitments.push(CommitmentRow {
                    council_code: c.code.into(),
                    external_id: kext.clone(),
                    contract_external_id: cext.clone(),
                    measure_code: m.code.into(),
                    financial_year: fy.to_string(),
                    target_quantity: m.fmt_quantity(tq),
                });

                // evidence: 0..12 rows, binomial after a 10% chance of none at all
                let mut ne: i64 = 0;
                if erng.random() >= ev_zero {
                    for _ in 0..12 {
                        if erng.random() < ev_p {
                            ne += 1;
                        }
                    }
                }
                if ne == 0 {
                    continue;
                }
                let quarters = &qtab[(fy - FIRST_FY) as usize];
                // some evidence lands in Q1/Q2 of the following year (never past LAST_FY,
                // so every evidence year has a proxy)
                let late: &[Quarter] = if fy < LAST_FY { &qtab[(fy + 1 - FIRST_FY) as usize][..2] } else { &[] };
                let units = tq / step; // target in whole steps
                let ne = ne.min(units); // no more rows than target units
                let ratio = 0.5 + 0.75 * erng.random(); // this commitment's delivery ratio
                let cover = ne.min(4) as f64 / 4.0; // fewer than 4 rows: only part of the year reported
                let per_row = units as f64 * ratio * cover / ne as f64; // in steps
                let mut evs: Vec<(&Period, i64, &'static str)> = Vec::with_capacity(ne as usize);
                for _ in 0..ne {
                    let q = if !late.is_empty() && erng.random() < 0.08 { &late[erng.below(2)] } else { &quarters[erng.below(4)] };
                    // a full quarter, or one calendar month inside it
                    let period = if erng.random() < 0.25 { &q.months[erng.below(3)] } else { &q.full };
                    let qty = ((per_row * (0.7 + 0.6 * erng.random()) + erng.random()) as i64).max(1) * step;
                    let s = erng.random();
                    let status = if s < 0.80 {
                        "verified"
                    } else if s < 0.95 {
                        "submitted"
                    } else {
                        "rejected"
                    };
                    evs.push((period, qty, status));
                }
                // stable, as Python's sort: ties keep draw order
                evs.sort_by(|x, y| x.0.cmp(y.0));
                for (jj, (period, qty, status)) in evs.into_iter().enumerate() {
                    e_serial += 1;
                    let eext = evidence_ext_id(ci, e_serial, &kext, jj + 1);
                    let digest = hex::encode(
                        Sha256::new()
                            .chain_update(seed_text.as_bytes())
                            .chain_update(b"|")
                            .chain_update(c.code.as_bytes())
                            .chain_update(b"|")
                            .chain_update(eext.as_bytes())
                            .finalize(),
                    );
                    ds.evidence.push(EvidenceRow {
                        council_code: c.code.into(),
                        external_id: eext,
                        commitment_external_id: kext.clone(),
                        period_start: period.0.clone(),
                        period_end: period.1.clone(),
                        quantity: m.fmt_quantity(qty),
                        status: status.into(),
                        evidence_url: format!("https://evidence.example/{code_lower}/{}.pdf", &digest[..20]),
                        evidence_sha256: digest,
                    });
                }
            }
        }
    }
    ds
}

// ------------------------------------------------------------------ write ----

/// Write the 8 CSV files of `ds` into `dir` (created if missing), headers as in
/// DATASET.md, `\n` line ends, fields quoted only where needed.
pub fn write_dir(ds: &Dataset, dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;

    fn write<'a, T: 'a, const N: usize>(
        dir: &Path,
        file: &str,
        header: [&str; N],
        rows: &'a [T],
        fields: impl Fn(&'a T) -> [&'a str; N],
    ) -> anyhow::Result<()> {
        let path = dir.join(file);
        let inner = || -> anyhow::Result<()> {
            let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_path(&path)?;
            w.write_record(header)?;
            for row in rows {
                w.write_record(fields(row))?;
            }
            w.flush()?;
            Ok(())
        };
        inner().with_context(|| format!("writing {}", path.display()))
    }

    write(dir, "councils.csv", ["code", "name", "gss_code"], &ds.councils, |r| [&r.code, &r.name, &r.gss_code])?;
    write(dir, "themes.csv", ["code", "name"], &ds.themes, |r| [&r.code, &r.name])?;
    write(dir, "measures.csv", ["code", "theme_code", "name", "unit"], &ds.measures, |r| [&r.code, &r.theme_code, &r.name, &r.unit])?;
    write(dir, "proxies.csv", ["measure_code", "financial_year", "value_gbp"], &ds.proxies, |r| [&r.measure_code, &r.financial_year, &r.value_gbp])?;
    write(dir, "suppliers.csv", ["ref", "name", "companies_house_number", "postcode", "is_sme", "is_vcse"], &ds.suppliers, |r| {
        [&r.r#ref, &r.name, &r.companies_house_number, &r.postcode, &r.is_sme, &r.is_vcse]
    })?;
    write(
        dir,
        "contracts.csv",
        ["council_code", "external_id", "title", "supplier_ref", "value_gbp", "start_date", "end_date", "social_value_weighting_pct"],
        &ds.contracts,
        |r| [&r.council_code, &r.external_id, &r.title, &r.supplier_ref, &r.value_gbp, &r.start_date, &r.end_date, &r.social_value_weighting_pct],
    )?;
    write(
        dir,
        "commitments.csv",
        ["council_code", "external_id", "contract_external_id", "measure_code", "financial_year", "target_quantity"],
        &ds.commitments,
        |r| [&r.council_code, &r.external_id, &r.contract_external_id, &r.measure_code, &r.financial_year, &r.target_quantity],
    )?;
    write(
        dir,
        "evidence.csv",
        ["council_code", "external_id", "commitment_external_id", "period_start", "period_end", "quantity", "status", "evidence_url", "evidence_sha256"],
        &ds.evidence,
        |r| {
            [
                &r.council_code,
                &r.external_id,
                &r.commitment_external_id,
                &r.period_start,
                &r.period_end,
                &r.quantity,
                &r.status,
                &r.evidence_url,
                &r.evidence_sha256,
            ]
        },
    )?;
    Ok(())
}

// ------------------------------------------------------- Python's random ----

/// CPython's `random.Random`, restricted to what the generator uses: seeding
/// from a string and `random()`. A self-contained MT19937, so the stream never
/// changes with a dependency's version, and matches the Python generator's.
mod py_random {
    use sha2::{Digest as _, Sha512};

    const N: usize = 624;
    const M: usize = 397;

    pub struct Rng {
        mt: [u32; N],
        index: usize,
    }

    impl Rng {
        /// `random.Random(f"{seed}:{stream}")`: one independent stream per purpose.
        pub fn new(seed: u64, stream: &str) -> Rng {
            // Python (version-2 string seeding): a = int.from_bytes(s + sha512(s), "big"),
            // then init_by_array with a's 32-bit words, least significant first.
            let text = format!("{seed}:{stream}");
            let mut bytes = text.into_bytes();
            let digest = Sha512::digest(&bytes);
            bytes.extend_from_slice(&digest);
            let mut key: Vec<u32> = bytes.rchunks(4).map(|chunk| chunk.iter().fold(0u32, |acc, &b| (acc << 8) | b as u32)).collect();
            while key.len() > 1 && key.last() == Some(&0) {
                key.pop(); // CPython uses only as many words as the integer needs
            }
            let mut rng = Rng { mt: [0; N], index: N };
            rng.init_by_array(&key);
            rng
        }

        fn init_genrand(&mut self, s: u32) {
            self.mt[0] = s;
            for i in 1..N {
                let prev = self.mt[i - 1];
                self.mt[i] = 1_812_433_253u32.wrapping_mul(prev ^ (prev >> 30)).wrapping_add(i as u32);
            }
            self.index = N;
        }

        fn init_by_array(&mut self, key: &[u32]) {
            self.init_genrand(19_650_218);
            let (mut i, mut j) = (1usize, 0usize);
            for _ in 0..N.max(key.len()) {
                let prev = self.mt[i - 1];
                self.mt[i] = (self.mt[i] ^ (prev ^ (prev >> 30)).wrapping_mul(1_664_525)).wrapping_add(key[j]).wrapping_add(j as u32);
                i += 1;
                j += 1;
                if i >= N {
                    self.mt[0] = self.mt[N - 1];
                    i = 1;
                }
                if j >= key.len() {
                    j = 0;
                }
            }
            for _ in 0..N - 1 {
                let prev = self.mt[i - 1];
                self.mt[i] = (self.mt[i] ^ (prev ^ (prev >> 30)).wrapping_mul(1_566_083_941)).wrapping_sub(i as u32);
                i += 1;
                if i >= N {
                    self.mt[0] = self.mt[N - 1];
                    i = 1;
                }
            }
            self.mt[0] = 0x8000_0000;
        }

        fn next_u32(&mut self) -> u32 {
            const UPPER: u32 = 0x8000_0000;
            const LOWER: u32 = 0x7fff_ffff;
            let mag = |y: u32| if y & 1 == 1 { 0x9908_b0df } else { 0 };
            if self.index >= N {
                for kk in 0..N {
                    let y = (self.mt[kk] & UPPER) | (self.mt[(kk + 1) % N] & LOWER);
                    self.mt[kk] = self.mt[(kk + M) % N] ^ (y >> 1) ^ mag(y);
                }
                self.index = 0;
            }
            let mut y = self.mt[self.index];
            self.index += 1;
            y ^= y >> 11;
            y ^= (y << 7) & 0x9d2c_5680;
            y ^= (y << 15) & 0xefc6_0000;
            y ^ (y >> 18)
        }

        /// Uniform in [0, 1) with 53 random bits, as `random.random()`.
        pub fn random(&mut self) -> f64 {
            let a = (self.next_u32() >> 5) as f64;
            let b = (self.next_u32() >> 6) as f64;
            (a * 67_108_864.0 + b) * (1.0 / 9_007_199_254_740_992.0)
        }

        /// 0..n
        pub fn below(&mut self, n: usize) -> usize {
            ((self.random() * n as f64) as usize).min(n - 1)
        }

        pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
            &items[self.below(items.len())]
        }

        /// lo..=hi
        pub fn between(&mut self, lo: i64, hi: i64) -> i64 {
            lo + self.below((hi - lo + 1) as usize) as i64
        }

        /// An index drawn from cumulative weights.
        pub fn weighted(&mut self, cum: &[f64]) -> usize {
            let x = self.random() * cum[cum.len() - 1];
            cum.partition_point(|&c| c <= x).min(cum.len() - 1)
        }

        /// Standard normal (Box-Muller from random() only).
        pub fn gauss(&mut self) -> f64 {
            let mut u1 = self.random();
            if u1 == 0.0 {
                u1 = 1e-12;
            }
            (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * self.random()).cos()
        }
    }
}

// -------------------------------------------------------------------- erf ----

/// The error function, for the contract size percentile (std has none). This
/// is fdlibm's s_erf.c, restricted to finite input. CPython's `math.erf` is the
/// platform libm's, which differs from it by at most 1 ulp (checked against
/// glibc 2.36); that only feeds `floor(14 u^a + r)`, so it cannot realistically
/// change a draw.
///
/// Copyright (C) 1993 by Sun Microsystems, Inc. All rights reserved.
/// Developed at SunPro, a Sun Microsystems, Inc. business.
/// Permission to use, copy, modify, and distribute this
/// software is freely granted, provided that this notice
/// is preserved.
#[allow(clippy::excessive_precision, clippy::unreadable_literal)]
fn erf(x: f64) -> f64 {
    const ERX: f64 = 8.45062911510467529297e-01;
    const EFX8: f64 = 1.02703333676410069053e+00;
    const PP: [f64; 5] =
        [1.28379167095512558561e-01, -3.25042107247001499370e-01, -2.84817495755985104766e-02, -5.77027029648944159157e-03, -2.37630166566501626084e-05];
    const QQ: [f64; 5] =
        [3.97917223959155352819e-01, 6.50222499887672944485e-02, 5.08130628187576562776e-03, 1.32494738004321644526e-04, -3.96022827877536812320e-06];
    const PA: [f64; 7] = [
        -2.36211856075265944077e-03,
        4.14856118683748331666e-01,
        -3.72207876035701323847e-01,
        3.18346619901161753674e-01,
        -1.10894694282396677476e-01,
        3.54783043256182359371e-02,
        -2.16637559486879084300e-03,
    ];
    const QA: [f64; 6] = [
        1.06420880400844228286e-01,
        5.40397917702171048937e-01,
        7.18286544141962662868e-02,
        1.26171219808761642112e-01,
        1.36370839120290507362e-02,
        1.19844998467991074170e-02,
    ];
    const RA: [f64; 8] = [
        -9.86494403484714822705e-03,
        -6.93858572707181764372e-01,
        -1.05586262253232909814e+01,
        -6.23753324503260060396e+01,
        -1.62396669462573470355e+02,
        -1.84605092906711035994e+02,
        -8.12874355063065934246e+01,
        -9.81432934416914548592e+00,
    ];
    const SA: [f64; 8] = [
        1.96512716674392571292e+01,
        1.37657754143519042600e+02,
        4.34565877475229228821e+02,
        6.45387271733267880336e+02,
        4.29008140027567833386e+02,
        1.08635005541779435134e+02,
        6.57024977031928170135e+00,
        -6.04244152148580987438e-02,
    ];
    const RB: [f64; 7] = [
        -9.86494292470009928597e-03,
        -7.99283237680523006574e-01,
        -1.77579549177547519889e+01,
        -1.60636384855821916062e+02,
        -6.37566443368389627722e+02,
        -1.02509513161107724954e+03,
        -4.83519191608651397019e+02,
    ];
    const SB: [f64; 7] = [
        3.03380607434824582924e+01,
        3.25792512996573918826e+02,
        1.53672958608443695994e+03,
        3.19985821950859553908e+03,
        2.55305040643316442583e+03,
        4.74528541206955367215e+02,
        -2.24409524465858183362e+01,
    ];
    // Horner, written out as in the C source so rounding is identical
    let ix = ((x.to_bits() >> 32) as u32) & 0x7fff_ffff;
    if ix < 0x3feb_0000 {
        // |x| < 0.84375
        if ix < 0x3e30_0000 {
            return 0.125 * (8.0 * x + EFX8 * x);
        }
        let z = x * x;
        let r = PP[0] + z * (PP[1] + z * (PP[2] + z * (PP[3] + z * PP[4])));
        let s = 1.0 + z * (QQ[0] + z * (QQ[1] + z * (QQ[2] + z * (QQ[3] + z * QQ[4]))));
        return x + x * (r / s);
    }
    let y = if ix < 0x3ff4_0000 {
        // 0.84375 <= |x| < 1.25
        let s = x.abs() - 1.0;
        let p = PA[0] + s * (PA[1] + s * (PA[2] + s * (PA[3] + s * (PA[4] + s * (PA[5] + s * PA[6])))));
        let q = 1.0 + s * (QA[0] + s * (QA[1] + s * (QA[2] + s * (QA[3] + s * (QA[4] + s * QA[5])))));
        ERX + p / q
    } else if ix < 0x4018_0000 {
        // 1.25 <= |x| < 6: 1 - erfc(|x|)
        let ax = x.abs();
        let s = 1.0 / (ax * ax);
        let (r, big_s) = if ix < 0x4006_db6e {
            // |x| < 1/0.35
            (
                RA[0] + s * (RA[1] + s * (RA[2] + s * (RA[3] + s * (RA[4] + s * (RA[5] + s * (RA[6] + s * RA[7])))))),
                1.0 + s * (SA[0] + s * (SA[1] + s * (SA[2] + s * (SA[3] + s * (SA[4] + s * (SA[5] + s * (SA[6] + s * SA[7]))))))),
            )
        } else {
            (
                RB[0] + s * (RB[1] + s * (RB[2] + s * (RB[3] + s * (RB[4] + s * (RB[5] + s * RB[6]))))),
                1.0 + s * (SB[0] + s * (SB[1] + s * (SB[2] + s * (SB[3] + s * (SB[4] + s * (SB[5] + s * SB[6])))))),
            )
        };
        let z = f64::from_bits(ax.to_bits() & 0xffff_ffff_0000_0000); // low word cleared
        let r = (-z * z - 0.5625).exp() * ((z - ax) * (z + ax) + r / big_s).exp();
        1.0 - r / ax
    } else {
        1.0 - f64::from_bits(0x0010_0000_0000_0000)
    };
    if x.is_sign_negative() { -y } else { y }
}

// ------------------------------------------------------------------ tests ----

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{HashMap, HashSet};

    #[test]
    fn scale_names_round_trip() {
        for s in Scale::ALL {
            assert_eq!(s.to_string().parse::<Scale>(), Ok(s));
        }
        assert!("huge".parse::<Scale>().is_err());
    }

    #[test]
    fn python_random_stream() {
        // values printed by CPython: random.Random("1:suppliers").random() x3
        let mut r = Rng::new(1, "suppliers");
        assert_eq!(r.random(), 0.7606177785020598);
        assert_eq!(r.random(), 0.839729154422502);
        assert_eq!(r.random(), 0.25562614594807165);
        let mut r = Rng::new(u64::MAX, "evidence");
        assert_eq!(r.random(), 0.01886177259940225);
        assert_eq!(r.random(), 0.5439496986196615);
    }

    #[test]
    fn erf_values() {
        // CPython math.erf
        assert_eq!(erf(0.5), 0.5204998778130465);
        assert_eq!(erf(-1.0), -0.8427007929497149);
        assert_eq!(erf(2.0), 0.9953222650189527);
    }

    #[test]
    fn formats() {
        assert_eq!(fmt_money(123450), "1234.50");
        assert_eq!(fmt_money(7), "0.07");
        assert_eq!(fmt_qty(1200), "12");
        assert_eq!(fmt_qty(1250), "12.5");
        assert_eq!(fmt_qty(1225), "12.25");
        assert_eq!(fmt_qty(5), "0.05");
        assert_eq!(council_area("Knowsley Metropolitan Borough Council"), "Knowsley");
        assert_eq!(council_area("Lancashire County Council"), "Lancashire County");
        assert_eq!(allocate(30, &[1.0, 1.2, 3.0]), vec![6, 7, 17]);
    }

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

    /// (fy, quarter 0..3) of a date.
    fn fy_quarter(x: NaiveDate) -> (i32, u32) {
        (fy_of(x), ((x.month() + 8) % 12) / 3)
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

        let proxies: HashSet<(&str, &str)> = ds.proxies.iter().map(|p| (p.measure_code.as_str(), p.financial_year.as_str())).collect();
        let measures: HashMap<&str, &MeasureDef> = MEASURES.iter().map(|m| (m.code, m)).collect();

        // suppliers: unique refs and Companies House numbers
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

        // contracts: unique per council, valid terms, money with 2 dp
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

        // commitments: unique, distinct (measure, year) per contract, year in term and with a proxy
        let mut commitments = HashMap::new();
        let mut pairs = HashSet::new();
        for k in &ds.commitments {
            assert!(commitments.insert((k.council_code.as_str(), k.external_id.as_str()), k).is_none());
            let c = contracts[&(k.council_code.as_str(), k.contract_external_id.as_str())];
            assert!(pairs.insert((&k.council_code, &k.contract_external_id, &k.measure_code, &k.financial_year)));
            assert!(proxies.contains(&(k.measure_code.as_str(), k.financial_year.as_str())));
            let fy: i32 = k.financial_year.parse().unwrap();
            assert!((FIRST_FY..=LAST_FY).contains(&fy));
            assert!(fy >= fy_of(d(&c.start_date)) && fy <= fy_of(d(&c.end_date)));
            let m = measures[k.measure_code.as_str()];
            assert!(is_decimal(&k.target_quantity, m.is_money()), "{}", k.target_quantity);
            assert!(hundredths(&k.target_quantity) > 0);
            assert_eq!(hundredths(&k.target_quantity) % m.step, 0);
        }
        let per_contract = ds.commitments.len() as f64 / ds.contracts.len() as f64;
        assert!((6.0..10.0).contains(&per_contract), "{per_contract}");

        // evidence: unique, one quarter, year with a proxy, at most one row per target unit
        let mut evidence = HashSet::new();
        let mut rows_per_commitment: HashMap<(&str, &str), i64> = HashMap::new();
        let mut status_count: HashMap<&str, usize> = HashMap::new();
        let mut later_year = 0;
        for e in &ds.evidence {
            assert!(evidence.insert((e.council_code.as_str(), e.external_id.as_str())));
            let k = commitments[&(e.council_code.as_str(), e.commitment_external_id.as_str())];
            let (ps, pe) = (d(&e.period_start), d(&e.period_end));
            assert!(pe >= ps);
            assert_eq!(fy_quarter(ps), fy_quarter(pe), "{} {}", e.period_start, e.period_end);
            // a full quarter or one calendar month
            let month = ps.day() == 1 && pe.month() == ps.month() && pe.succ_opt().unwrap().day() == 1;
            let quarter = ps.day() == 1 && pe.succ_opt().unwrap().day() == 1 && (pe - ps).num_days() > 85;
            assert!(month || quarter, "{} {}", e.period_start, e.period_end);
            let fy = fy_of(ps);
            assert!(proxies.contains(&(k.measure_code.as_str(), fy.to_string().as_str())));
            let kfy: i32 = k.financial_year.parse().unwrap();
            assert!(fy == kfy || fy == kfy + 1);
            later_year += usize::from(fy > kfy);
            let m = measures[k.measure_code.as_str()];
            assert!(is_decimal(&e.quantity, m.is_money()), "{}", e.quantity);
            assert_eq!(hundredths(&e.quantity) % m.step, 0);
            *rows_per_commitment.entry((&e.council_code, &e.commitment_external_id)).or_default() += 1;
            *status_count.entry(e.status.as_str()).or_default() += 1;
            assert!(e.evidence_url.starts_with("https://evidence.example/"));
            assert!(e.evidence_sha256.len() == 64 && e.evidence_sha256.bytes().all(|b| b.is_ascii_hexdigit()));
        }
        for ((council, kext), n) in rows_per_commitment {
            let k = commitments[&(council, kext)];
            let units = hundredths(&k.target_quantity) / measures[k.measure_code.as_str()].step;
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
}
