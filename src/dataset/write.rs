//! Writing a [`Dataset`] as a directory of the CSV files of
//! [`super::format`]: the 8 of v1, or the 10 of v2.

use std::path::Path;

use anyhow::Context as _;

use super::format::{self, FileSpec};
use super::{Dataset, Version};

/// Write the CSV files of `ds`'s version into `dir` (created if missing),
/// columns in the format's order (a v1 dataset's without the v2 columns),
/// `\n` line ends, fields quoted only where needed.
pub fn write_dir(ds: &Dataset, dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let version = ds.version;
    if version == Version::V2 {
        write_file(dir, &format::FRAMEWORKS, &ds.frameworks, version)?;
        write_file(dir, &format::MAPPINGS, &ds.mappings, version)?;
    }
    write_file(dir, &format::COUNCILS, &ds.councils, version)?;
    write_file(dir, &format::THEMES, &ds.themes, version)?;
    write_file(dir, &format::MEASURES, &ds.measures, version)?;
    write_file(dir, &format::PROXIES, &ds.proxies, version)?;
    write_file(dir, &format::SUPPLIERS, &ds.suppliers, version)?;
    write_file(dir, &format::CONTRACTS, &ds.contracts, version)?;
    write_file(dir, &format::COMMITMENTS, &ds.commitments, version)?;
    write_file(dir, &format::EVIDENCE, &ds.evidence, version)?;
    Ok(())
}

fn write_file<T, const N: usize>(dir: &Path, spec: &'static FileSpec<T, N>, rows: &[T], version: Version) -> anyhow::Result<()> {
    let path = dir.join(spec.file);
    let columns = spec.columns(version);
    let write = || -> anyhow::Result<()> {
        let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_path(&path)?;
        w.write_record(columns)?;
        for row in rows {
            w.write_record(&(spec.cells)(row)[..columns.len()])?;
        }
        w.flush()?;
        Ok(())
    };
    write().with_context(|| format!("writing {}", path.display()))
}

/// A CSV file of the dataset written a row at a time, as `write_dir` writes
/// its files: for exports too large to hold.
pub struct CsvFile {
    path: std::path::PathBuf,
    w: csv::Writer<std::fs::File>,
}

impl CsvFile {
    pub fn create(dir: &Path, file: &str, columns: &[&str]) -> anyhow::Result<Self> {
        let path = dir.join(file);
        let mut w =
            csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_path(&path).with_context(|| format!("creating {}", path.display()))?;
        w.write_record(columns).with_context(|| format!("writing {}", path.display()))?;
        Ok(Self { path, w })
    }

    pub fn write(&mut self, cells: &[String]) -> anyhow::Result<()> {
        self.w.write_record(cells).with_context(|| format!("writing {}", self.path.display()))
    }

    pub fn finish(mut self) -> anyhow::Result<()> {
        self.w.flush().with_context(|| format!("writing {}", self.path.display()))
    }
}
