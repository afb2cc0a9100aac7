//! `export DIR [--council CODE]...`: the database as a dataset directory
//! (DATASET.md, version 2) that `import` loads back into the same records
//! and figures. Record files are written a page at a time.

use std::path::Path;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

use crate::config::DEFAULT_DATABASE_URL;
use crate::dataset::format;
use crate::dataset::write::{CsvFile, write_dir};
use crate::service::db;
use crate::service::export::{RecordExport, RecordFilter, reference_rows};
use crate::service::read::records::{CommitmentFilter, ContractFilter, EvidenceFilter};
use crate::service::scope::ReadScope;

pub async fn export(dir: &Path, database_url: Option<&str>, councils: Vec<String>) -> anyhow::Result<()> {
    let url = database_url.unwrap_or(DEFAULT_DATABASE_URL);
    db::migrate(url).await.context("applying migrations")?;
    let (db, _) = db::connect(url, 2, None).await.context("connecting to the database")?;

    // The reference files, and the record files empty, written again below a page at a time.
    let r = reference_rows(&db).await?;
    write_dir(&r, dir)?;

    let known: Vec<&str> = r.councils.iter().map(|c| c.code.as_str()).collect();
    if let Some(unknown) = councils.iter().find(|c| !known.contains(&c.as_str())) {
        anyhow::bail!("unknown council {unknown:?}; the database has {}", known.join(", "));
    }
    let codes = (!councils.is_empty()).then_some(councils);
    let files = [
        (format::CONTRACTS.file, RecordFilter::Contracts(ContractFilter { council_codes: codes.clone(), ..Default::default() })),
        (format::COMMITMENTS.file, RecordFilter::Commitments(CommitmentFilter { council_codes: codes.clone(), ..Default::default() })),
        (format::EVIDENCE.file, RecordFilter::Evidence(EvidenceFilter { council_codes: codes, ..Default::default() })),
    ];
    let bar = ProgressBar::new_spinner();
    bar.set_style(ProgressStyle::with_template("{spinner} [{elapsed_precise}] {msg} ({per_sec})").expect("a valid template"));
    let mut total = 0u64;
    for (file, filter) in files {
        let mut export = RecordExport::new(&db, &ReadScope::All, &filter).await?;
        // The dataset's columns, without the export's id and version.
        let header = export.header();
        let columns = &header[..header.len() - 2];
        let mut out = CsvFile::create(dir, file, columns)?;
        while let Some(rows) = export.next_page(&db).await? {
            for row in &rows {
                out.write(&row[..columns.len()])?;
            }
            total += rows.len() as u64;
            bar.set_message(format!("{file}: {total} records"));
            bar.set_position(total);
        }
        out.finish()?;
    }
    bar.finish_and_clear();
    println!("exported {total} records and the reference data to {}", dir.display());
    Ok(())
}
