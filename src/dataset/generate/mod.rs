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
//! whatever the random stream gives.
//!
//! The steps, each in a module of its own: the `region` (councils and
//! framework), the `suppliers`, then the council `records` with their
//! `evidence`.

mod evidence;
mod mt19937;
mod normal;
mod records;
mod region;
mod scale;
mod suppliers;
mod tables;
#[cfg(test)]
mod tests;

use std::path::Path;

use anyhow::Context as _;
use chrono::NaiveDate;

pub use scale::{ParseScaleError, Scale};

use super::Dataset;

/// Generate a whole dataset in memory. Deterministic: the same scale and seed
/// always give the same rows.
pub fn generate(scale: Scale, seed: u64) -> Dataset {
    let params = scale.params();
    let councils = region::councils(params.councils);
    let proxies = region::Proxies::new();
    let mut ds = region::framework(councils, &proxies);
    let (suppliers, pool) = suppliers::generate(seed, params.contracts, councils);
    let records = records::generate(seed, &params, councils, &suppliers, &pool, &proxies);
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
