//! The dataset as a whole: both versions through the writer and the reader,
//! and the generator's files against the oracle's, by the sha256 in the
//! committed fixtures' `expected.json`.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use sha2::{Digest as _, Sha256};

use super::generate::{Scale, generate, generate_version};
use super::read::read_dir;
use super::write::write_dir;
use super::{Dataset, Version};

/// A fresh directory under the system temp dir, removed on drop.
pub(super) struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
        let dir = std::env::temp_dir().join(format!("svh-dataset-{name}-{}-{nanos}-{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed)));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A committed fixture directory: the oracle's files.
pub(super) fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    files.sort();
    files
}

#[test]
fn a_v2_dataset_round_trips_through_its_ten_files() {
    let ds = read_dir(&fixture("tiny-frameworks")).unwrap();
    let dir = TempDir::new("v2-roundtrip");
    write_dir(&ds, &dir.0).unwrap();
    assert_eq!(read_dir(&dir.0).unwrap(), ds);
    // written as the oracle writes them
    check_against_fixture("tiny-frameworks", &ds);
    let header = |file: &str| std::fs::read_to_string(dir.0.join(file)).unwrap().lines().next().unwrap().to_owned();
    assert_eq!(header("measures.csv"), "code,theme_code,name,unit,framework_code,valued");
    assert_eq!(header("evidence.csv").rsplit(',').next(), Some("validated_quantity"));
}

#[test]
fn a_v1_directory_still_reads_as_v1() {
    let ds = read_dir(&fixture("tiny")).unwrap();
    assert_eq!(ds.version, Version::V1);
    assert!(!ds.is_v2());
    assert!(ds.frameworks.is_empty() && ds.mappings.is_empty());
    assert!(ds.councils.iter().all(|c| c.framework_code.is_empty()));
    assert!(ds.evidence.iter().all(|e| e.validated_quantity.is_empty()));
    // and means what the generator's v1 region means, written back as the same 8 files
    assert_eq!(ds, generate(Scale::Tiny, 1));
    let dir = TempDir::new("v1-rewrite");
    write_dir(&ds, &dir.0).unwrap();
    assert_eq!(files_in(&dir.0).len(), 8);
    for file in files_in(&dir.0) {
        assert_eq!(std::fs::read(dir.0.join(&file)).unwrap(), std::fs::read(fixture("tiny").join(&file)).unwrap(), "{file}");
    }
}

#[test]
fn the_tiny_frameworks_fixture_reads_with_its_frameworks_and_mappings() {
    let ds = read_dir(&fixture("tiny-frameworks")).unwrap();
    assert!(ds.is_v2());
    let frameworks: Vec<&str> = ds.frameworks.iter().map(|f| f.code.as_str()).collect();
    assert_eq!(frameworks, ["REGIONAL", "KSV"]);
    assert_eq!(ds.frameworks[1].edition, "");
    let knowsley = ds.councils.iter().find(|c| c.code == "KNO").unwrap();
    assert_eq!(knowsley.framework_code, "KSV");
    let headcount = ds.mappings.iter().find(|m| m.framework_code == "KSV" && m.measure_code == "JOBS-01").unwrap();
    assert_eq!((headcount.regional_measure_code.as_str(), headcount.factor.as_str()), ("JOBS-01", "0.5"));
    assert!(headcount.note.contains(','));
    assert!(ds.measures.iter().any(|m| m.framework_code == "REGIONAL" && m.valued == "false"));
    assert!(ds.contracts.iter().any(|c| c.framework_code.is_empty()));
    assert!(ds.evidence.iter().any(|e| !e.validated_quantity.is_empty()));
    assert_eq!(ds, generate_version(Scale::Tiny, 1, Version::V2));
}

/// `ds` writes the files the fixture `name`'s `expected.json` lists, each
/// with the sha256 it lists for the oracle's, and no more.
fn check_against_fixture(name: &str, ds: &Dataset) {
    let text = std::fs::read_to_string(fixture(name).join("expected.json")).unwrap();
    let expected: serde_json::Value = serde_json::from_str(&text).unwrap();
    let files = expected["files"].as_object().unwrap();
    let dir = TempDir::new(name);
    write_dir(ds, &dir.0).unwrap();
    let mut listed: Vec<String> = files.keys().cloned().collect();
    listed.sort();
    assert_eq!(files_in(&dir.0), listed);
    for (file, meta) in files {
        let digest = hex::encode(Sha256::digest(std::fs::read(dir.0.join(file)).unwrap()));
        assert_eq!(digest, meta["sha256"].as_str().unwrap(), "{name}: {file} differs from the oracle's");
    }
}

#[test]
fn the_v2_generator_writes_the_oracles_files() {
    check_against_fixture("tiny-frameworks", &generate_version(Scale::Tiny, 1, Version::V2));
    check_against_fixture("small-frameworks", &generate_version(Scale::Small, 1, Version::V2));
}

#[test]
fn the_v1_generator_writes_the_oracles_files() {
    check_against_fixture("tiny", &generate(Scale::Tiny, 1));
}
