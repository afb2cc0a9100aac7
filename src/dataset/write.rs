//! Writing a [`Dataset`] as a directory of the 8 CSV files of
//! [`super::format`].

use std::path::Path;

use anyhow::Context as _;

use super::Dataset;
use super::format::{self, FileSpec};

/// Write the 8 CSV files of `ds` into `dir` (created if missing), columns in
/// the format's order, `\n` line ends, fields quoted only where needed.
pub fn write_dir(ds: &Dataset, dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    write_file(dir, &format::COUNCILS, &ds.councils)?;
    write_file(dir, &format::THEMES, &ds.themes)?;
    write_file(dir, &format::MEASURES, &ds.measures)?;
    write_file(dir, &format::PROXIES, &ds.proxies)?;
    write_file(dir, &format::SUPPLIERS, &ds.suppliers)?;
    write_file(dir, &format::CONTRACTS, &ds.contracts)?;
    write_file(dir, &format::COMMITMENTS, &ds.commitments)?;
    write_file(dir, &format::EVIDENCE, &ds.evidence)?;
    Ok(())
}

fn write_file<T, const N: usize>(dir: &Path, spec: &FileSpec<T, N>, rows: &[T]) -> anyhow::Result<()> {
    let path = dir.join(spec.file);
    let write = || -> anyhow::Result<()> {
        let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_path(&path)?;
        w.write_record(spec.columns)?;
        for row in rows {
            w.write_record((spec.cells)(row))?;
        }
        w.flush()?;
        Ok(())
    };
    write().with_context(|| format!("writing {}", path.display()))
}
