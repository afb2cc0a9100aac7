//! Deterministic synthetic dataset generator.
//!
//! A port of the shared benchmark generator (Python). It replays the Python
//! step by step: the same random stream (Mersenne Twister seeded like
//! `random.Random("{seed}:{stream}")`, see `mt19937`), the same draws in the
//! same order, the same integer arithmetic on hundredths and the same float
//! expressions (exp/ln/cos/pow come from the platform libm, as in CPython). So
//! for a given scale and seed it writes the same CSV files as the Python
//! (checked byte for byte, all four scales, with Python 3.11 on glibc), and
//! the Python's `expected.json` oracle applies to them. Nothing depends on
//! that, though: the invariants the importer checks hold by construction
//! whatever the random stream gives. A v2 region is the Python's
//! `--frameworks` output, likewise.
//!
//! The steps, each in a module of its own: the `region` (councils and
//! frameworks), the `suppliers`, then the council `records` with their
//! `evidence`, drawn from each framework's `plan`. The fixed data is in
//! `tables`, and v2's in `frameworks`.

mod evidence;
mod frameworks;
mod mt19937;
mod normal;
mod plan;
mod records;
mod region;
mod scale;
mod suppliers;
mod tables;
#[cfg(test)]
mod tests;

use chrono::NaiveDate;

pub use scale::{ParseScaleError, Scale};
// What is generated is usually written next: the writer, at hand.
pub use super::write::write_dir;

use super::{Dataset, Version};

/// Generate a whole v1 dataset in memory. Deterministic: the same scale and
/// seed always give the same rows.
pub fn generate(scale: Scale, seed: u64) -> Dataset {
    generate_version(scale, seed, Version::V1)
}

/// Generate a whole dataset of `version` in memory: v2 is the Python's
/// `--frameworks` region (frameworks, the regional crosswalk, record-only
/// measures, per-contract frameworks and partially validated evidence).
/// Its councils, suppliers, proxies and contracts (but for
/// `framework_code`) are the v1 region's of the same scale and seed.
pub fn generate_version(scale: Scale, seed: u64, version: Version) -> Dataset {
    let params = scale.params();
    let councils = region::councils(params.councils);
    let proxies = region::Proxies::new();
    let mut ds = region::framework(councils, &proxies, version);
    let plans = plan::plans(version, &region::frameworks_used(councils, version));
    let (suppliers, pool) = suppliers::generate(seed, params.contracts, councils);
    let region = records::Region { version, councils, plans: &plans, suppliers: &suppliers, pool: &pool, proxies: &proxies };
    let records = records::generate(seed, &params, &region);
    ds.suppliers = suppliers;
    ds.contracts = records.contracts;
    ds.commitments = records.commitments;
    ds.evidence = records.evidence;
    ds
}

// ---------------------------------------------------------------- helpers ----

/// A date as the dataset writes it: `YYYY-MM-DD`.
fn iso(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// A calendar date the generator knows to be valid.
fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid calendar date")
}
