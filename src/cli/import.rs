//! `import DIR`: a dataset directory through the same code path as
//! `syncCouncilData`, with a progress bar and a summary.

use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

use crate::config::DEFAULT_DATABASE_URL;
use crate::dataset::load;
use crate::service::db;
use crate::service::sync::Counts;

pub async fn import(dir: &Path, database_url: Option<&str>, batch_size: usize) -> anyhow::Result<()> {
    let started = Instant::now();
    // Every file is read and checked before anything is written, then read again as it is written.
    let checked = load::CheckedDir::check(dir)?;
    let records = checked.records;
    let url = database_url.unwrap_or(DEFAULT_DATABASE_URL);
    db::migrate(url).await.context("applying migrations")?;
    let (db, _) = db::connect(url, 4, None).await.context("connecting to the database")?;

    let bar = ProgressBar::new(records as u64);
    bar.set_style(ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} records ({per_sec}, eta {eta})").expect("a valid template"));
    let summary = checked.import(&db, batch_size, |done, _| bar.set_position(done as u64)).await;
    bar.finish_and_clear();
    let summary = summary?;
    // A bulk load changes the tables' shape; let the planner know.
    db::analyze(&db).await.context("refreshing planner statistics")?;

    let secs = started.elapsed().as_secs_f64();
    println!("imported {} in {secs:.1}s ({} records, {:.0} records/s, {} batches)", dir.display(), records, records as f64 / secs, summary.batches);
    println!("{:<12} {:>10} {:>10} {:>10}", "entity", "created", "updated", "unchanged");
    let row = |name: &str, c: &Counts| println!("{name:<12} {:>10} {:>10} {:>10}", c.created, c.updated, c.unchanged);
    row("suppliers", &summary.suppliers);
    row("contracts", &summary.contracts);
    row("commitments", &summary.commitments);
    row("evidence", &summary.evidence);
    Ok(())
}
