//! Reading a dataset directory (the CSV files of [`super::format`]) into a
//! [`Dataset`], checking that every cell is well-formed for its column.
//!
//! Errors name the file, the line as in the file (the header is line 1) and
//! the column, so a council can fix its export. Only syntax is checked here:
//! meaning (negative values, unknown references, periods across quarters, ...)
//! is the sync's job, which reports it the same way for the API and imports.
//!
//! A directory is v2 when it has `frameworks.csv` (DATASET.md "Version 2");
//! then both new files are required, and the columns v2 added to the v1
//! files are read by name where present. A v1 directory reads exactly as
//! before v2: a v2 column in it is an unknown column. Of v2's meaning, only
//! what one cell shows is checked here (a factor is > 0, `valued` is a
//! boolean); the rest is left to the loader and the sync, as for v1: that a
//! framework exists (`REGIONAL` always does) and empty means `REGIONAL`,
//! that codes are unique per framework and a theme is of its measure's
//! framework, that a mapping maps a non-regional measure, at most once, to
//! a regional one, and that a `validated_quantity` is on a verified row and
//! within `0..=quantity`.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::format::{self, FRAMEWORKS, FileSpec, Kind};
use super::{Dataset, Version};

/// Why a dataset directory could not be read. Every message starts with the
/// file name, then the line and column where there is one.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{file}: file not found in {}", .dir.display())]
    MissingFile { file: &'static str, dir: PathBuf },

    #[error("{file}: cannot read: {source}")]
    Io {
        file: &'static str,
        #[source]
        source: io::Error,
    },

    #[error("{file} line {line}: malformed CSV: {message}")]
    Csv { file: &'static str, line: u64, message: String },

    #[error("{file}: the file is empty; line 1 must be the header: {}", .expected.join(","))]
    EmptyFile { file: &'static str, expected: &'static [&'static str] },

    #[error("{file} line 1: missing column {column} (expected columns: {})", .expected.join(", "))]
    MissingColumn { file: &'static str, column: &'static str, expected: &'static [&'static str] },

    #[error("{file} line 1: unknown column {column:?} (expected columns: {})", .expected.join(", "))]
    UnknownColumn { file: &'static str, column: String, expected: &'static [&'static str] },

    #[error("{file} line 1: column {column} appears more than once")]
    DuplicateColumn { file: &'static str, column: String },

    #[error("{file} line {line}: {found} fields, expected {expected} (one per header column)")]
    FieldCount { file: &'static str, line: u64, expected: usize, found: usize },

    #[error("{file} line {line}, column {column}: not valid UTF-8")]
    InvalidUtf8 { file: &'static str, line: u64, column: &'static str },

    #[error("{file} line {line}, column {column}: {}", describe(.value, .expected))]
    InvalidCell { file: &'static str, line: u64, column: &'static str, value: String, expected: &'static str },
}

fn describe(value: &str, expected: &str) -> String {
    if value.is_empty() { format!("is empty, expected {expected}") } else { format!("{value:?} is not {expected}") }
}

const DECIMAL: &str = "a decimal with at most 2 decimal places";
const FACTOR: &str = "a decimal greater than 0 (such as 52 or 0.5)";
const OPT_BOOL: &str = "true, false or empty";

/// `Err(expected)` describes what the cell should have been.
fn check(kind: Kind, s: &str) -> Result<(), &'static str> {
    use Kind::*;
    let optional = matches!(kind, OptText | OptDecimal | OptFactor | OptBool | OptSha256);
    if s.is_empty() {
        return match kind {
            _ if optional => Ok(()),
            Text => Err("a value (this column is required)"),
            Decimal => Err(DECIMAL),
            Year => Err("a financial year such as 2025"),
            Date => Err("a date (YYYY-MM-DD)"),
            Bool => Err("true or false"),
            Status => Err("one of submitted, verified, rejected"),
            _ => Ok(()),
        };
    }
    match kind {
        Text | OptText => Ok(()),
        Decimal | OptDecimal => check_decimal(s),
        OptFactor => check_factor(s),
        Year if s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit()) => Ok(()),
        Year => Err("a financial year such as 2025"),
        Date => check_date(s),
        Bool if s == "true" || s == "false" => Ok(()),
        Bool => Err("true or false"),
        OptBool if s == "true" || s == "false" => Ok(()),
        OptBool => Err(OPT_BOOL),
        Status if matches!(s, "submitted" | "verified" | "rejected") => Ok(()),
        Status => Err("one of submitted, verified, rejected"),
        OptSha256 if s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()) => Ok(()),
        OptSha256 => Err("a SHA-256 digest (64 hexadecimal characters)"),
    }
}

fn check_decimal(s: &str) -> Result<(), &'static str> {
    let unsigned = s.strip_prefix('-').unwrap_or(s);
    let (whole, frac) = match unsigned.split_once('.') {
        Some((whole, frac)) => (whole, Some(frac)),
        None => (unsigned, None),
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || frac.is_some_and(|f| !digits(f) || f.len() > 2) {
        return Err(DECIMAL);
    }
    // 26 integer digits + 2 decimals always fit a 96-bit decimal mantissa
    if whole.trim_start_matches('0').len() > 26 {
        return Err("a decimal of at most 26 digits before the point");
    }
    Ok(())
}

/// Any number of decimal places: a factor converts between units (0.5
/// FTE per head, 7.5 hours a day), so it is no amount of money or quantity.
fn check_factor(s: &str) -> Result<(), &'static str> {
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || (s.contains('.') && !digits(frac)) || s.bytes().all(|b| b == b'0' || b == b'.') {
        return Err(FACTOR);
    }
    // 28 digits always fit a 96-bit decimal mantissa, at any scale
    if whole.trim_start_matches('0').len() + frac.len() > 28 {
        return Err("a decimal greater than 0 of at most 28 digits");
    }
    Ok(())
}

fn check_date(s: &str) -> Result<(), &'static str> {
    let b = s.as_bytes();
    let shape = b.len() == 10 && b[4] == b'-' && b[7] == b'-' && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return Err("a date (YYYY-MM-DD)");
    }
    let num = |r: std::ops::Range<usize>| s[r].parse::<u32>().unwrap_or(0);
    match NaiveDate::from_ymd_opt(num(0..4) as i32, num(5..7), num(8..10)) {
        Some(_) => Ok(()),
        None => Err("a real calendar date (YYYY-MM-DD)"),
    }
}

/// The version of a dataset directory, once every file of it is there.
fn version_of(dir: &Path) -> Result<Version, ReadError> {
    let version = if dir.join(FRAMEWORKS.file).is_file() { Version::V2 } else { Version::V1 };
    // Report a missing file before spending time on the big ones.
    for &file in version.files() {
        if !dir.join(file).is_file() {
            return Err(ReadError::MissingFile { file, dir: dir.to_path_buf() });
        }
    }
    Ok(version)
}

/// The framework files of `dir` (frameworks, councils, themes, measures,
/// mappings, proxies), read whole, with no records.
fn read_framework(dir: &Path, version: Version) -> Result<Dataset, ReadError> {
    let v2 = version == Version::V2;
    Ok(Dataset {
        version,
        frameworks: if v2 { read_file(dir, &format::FRAMEWORKS, version)? } else { Vec::new() },
        councils: read_file(dir, &format::COUNCILS, version)?,
        themes: read_file(dir, &format::THEMES, version)?,
        measures: read_file(dir, &format::MEASURES, version)?,
        mappings: if v2 { read_file(dir, &format::MAPPINGS, version)? } else { Vec::new() },
        proxies: read_file(dir, &format::PROXIES, version)?,
        suppliers: Vec::new(),
        contracts: Vec::new(),
        commitments: Vec::new(),
        evidence: Vec::new(),
    })
}

/// Read and check a whole dataset directory. All the files of its version
/// are required; the first problem found is returned. Cross-references are
/// not checked here.
pub fn read_dir(dir: &Path) -> Result<Dataset, ReadError> {
    let version = version_of(dir)?;
    Ok(Dataset {
        suppliers: read_file(dir, &format::SUPPLIERS, version)?,
        contracts: read_file(dir, &format::CONTRACTS, version)?,
        commitments: read_file(dir, &format::COMMITMENTS, version)?,
        evidence: read_file(dir, &format::EVIDENCE, version)?,
        ..read_framework(dir, version)?
    })
}

/// Checks a whole dataset directory as [`read_dir`] does, keeping only the
/// framework files: the records' files are read and counted, for an import
/// to read them again as it writes them ([`stream`]), so that memory never
/// holds the records.
pub fn check_dir(dir: &Path) -> Result<(Dataset, usize), ReadError> {
    let version = version_of(dir)?;
    let framework = read_framework(dir, version)?;
    let mut records = 0;
    visit_file(dir, &format::SUPPLIERS, version, |_, _| records += 1)?;
    visit_file(dir, &format::CONTRACTS, version, |_, _| records += 1)?;
    visit_file(dir, &format::COMMITMENTS, version, |_, _| records += 1)?;
    visit_file(dir, &format::EVIDENCE, version, |_, _| records += 1)?;
    Ok((framework, records))
}

/// The rows of one file with their lines, read and checked on a thread of
/// their own a few at a time, as the receiver takes them.
pub fn stream<T: Send + 'static, const N: usize>(
    dir: &Path,
    spec: &'static FileSpec<T, N>,
    version: Version,
) -> tokio::sync::mpsc::Receiver<Result<(u64, T), ReadError>> {
    let (tx, rx) = tokio::sync::mpsc::channel(1_024);
    let dir = dir.to_path_buf();
    tokio::task::spawn_blocking(move || {
        // A receiver that went away wants no more rows.
        let mut open = true;
        let result = visit_file(&dir, spec, version, |line, row| open = open && tx.blocking_send(Ok((line, row))).is_ok());
        if let Err(e) = result {
            let _ = tx.blocking_send(Err(e));
        }
    });
    rx
}

fn read_file<T, const N: usize>(dir: &Path, spec: &'static FileSpec<T, N>, version: Version) -> Result<Vec<T>, ReadError> {
    let mut rows = Vec::new();
    visit_file(dir, spec, version, |_, row| rows.push(row))?;
    Ok(rows)
}

/// Reads one file row by row, checking each cell, and hands each row with
/// its line to `each`.
fn visit_file<T, const N: usize>(dir: &Path, spec: &'static FileSpec<T, N>, version: Version, mut each: impl FnMut(u64, T)) -> Result<(), ReadError> {
    let file = spec.file;
    let handle = File::open(dir.join(file)).map_err(|source| match source.kind() {
        io::ErrorKind::NotFound => ReadError::MissingFile { file, dir: dir.to_path_buf() },
        _ => ReadError::Io { file, source },
    })?;
    // Headers and field counts are checked here, to report them with line numbers.
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(handle);
    let mut record = csv::ByteRecord::new();
    let csv_error = |e: csv::Error, line: u64| match e.into_kind() {
        csv::ErrorKind::Io(source) => ReadError::Io { file, source },
        other => ReadError::Csv { file, line, message: format!("{other:?}") },
    };

    if !reader.read_byte_record(&mut record).map_err(|e| csv_error(e, 1))? {
        return Err(ReadError::EmptyFile { file, expected: spec.columns(version) });
    }
    let header_len = record.len();
    let position = column_positions(spec, version, &record)?;

    let mut last_line = 1;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(e, last_line + 1)),
        }
        let line = record.position().map_or(last_line + 1, |p| p.line());
        last_line = line;
        if record.len() != header_len {
            return Err(ReadError::FieldCount { file, line, expected: header_len, found: record.len() });
        }
        let mut cells: [String; N] = std::array::from_fn(|_| String::new());
        for (col, cell) in cells.iter_mut().enumerate() {
            // a column this file leaves out reads empty
            let Some(at) = position[col] else { continue };
            let column = spec.columns[col];
            let bytes = &record[at];
            let text = std::str::from_utf8(bytes).map_err(|_| ReadError::InvalidUtf8 { file, line, column })?;
            check(spec.kinds[col], text).map_err(|expected| ReadError::InvalidCell { file, line, column, value: text.to_owned(), expected })?;
            *cell = text.to_owned();
        }
        each(line, (spec.row)(cells));
    }
    Ok(())
}

/// Where each of the spec's columns is in the header: the columns of
/// `version` in any order (spreadsheets reorder them), no others, all the
/// required ones; `None` for one this file leaves out.
fn column_positions<T, const N: usize>(spec: &'static FileSpec<T, N>, version: Version, record: &csv::ByteRecord) -> Result<[Option<usize>; N], ReadError> {
    let file = spec.file;
    let expected = spec.columns(version);
    let header: Vec<String> = record
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let name = if i == 0 { name.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(name) } else { name };
            String::from_utf8_lossy(name).into_owned()
        })
        .collect();
    let missing = || spec.required().iter().find(|c| !header.iter().any(|h| h == *c));
    let mut position = [None; N];
    for (at, name) in header.iter().enumerate() {
        let Some(col) = expected.iter().position(|c| c == name) else {
            if let Some(&column) = missing() {
                // most likely a misspelt or renamed column: say which one is missing
                return Err(ReadError::MissingColumn { file, column, expected });
            }
            return Err(ReadError::UnknownColumn { file, column: name.clone(), expected });
        };
        if position[col].is_some() {
            return Err(ReadError::DuplicateColumn { file, column: name.clone() });
        }
        position[col] = Some(at);
    }
    if let Some(&column) = missing() {
        return Err(ReadError::MissingColumn { file, column, expected });
    }
    Ok(position)
}

#[cfg(test)]
mod tests {
    use super::super::ThemeRow;
    use super::super::format::Kind::*;
    use super::super::generate::{Scale, generate};
    use super::super::tests::{TempDir, fixture};
    use super::super::write::write_dir;
    use super::*;

    fn error_for(name: &str, ds: &Dataset, edit: impl FnOnce(&Path)) -> String {
        let dir = TempDir::new(name);
        write_dir(ds, &dir.0).unwrap();
        edit(&dir.0);
        read_dir(&dir.0).unwrap_err().to_string()
    }

    #[test]
    fn tiny_round_trip() {
        let ds = generate(Scale::Tiny, 1);
        // the data exercises quoting and UTF-8
        assert!(ds.contracts.iter().any(|c| c.title.contains(',')));
        assert!(ds.contracts.iter().any(|c| c.title.contains('–') || c.title.contains('é')));
        let dir = TempDir::new("roundtrip");
        write_dir(&ds, &dir.0).unwrap();
        let back = read_dir(&dir.0).unwrap();
        assert_eq!(back, ds);
        let header = std::fs::read_to_string(dir.0.join("evidence.csv")).unwrap();
        assert!(header.starts_with("council_code,external_id,commitment_external_id,period_start,period_end,quantity,status,evidence_url,evidence_sha256\n"));
    }

    #[test]
    fn reordered_columns_are_accepted() {
        let ds = generate(Scale::Tiny, 1);
        let dir = TempDir::new("reorder");
        write_dir(&ds, &dir.0).unwrap();
        std::fs::write(dir.0.join("themes.csv"), "name,code\n\"Jobs, local\",JOBS\n").unwrap();
        let back = read_dir(&dir.0).unwrap();
        assert_eq!(back.themes, vec![ThemeRow { code: "JOBS".into(), name: "Jobs, local".into(), framework_code: String::new() }]);
    }

    #[test]
    fn bad_decimal_names_file_line_column() {
        let mut ds = generate(Scale::Tiny, 1);
        ds.contracts[15].value_gbp = "12.3x".into();
        assert_eq!(error_for("decimal", &ds, |_| ()), r#"contracts.csv line 17, column value_gbp: "12.3x" is not a decimal with at most 2 decimal places"#);
        let mut ds = generate(Scale::Tiny, 1);
        ds.commitments[0].target_quantity = "1.234".into();
        assert_eq!(
            error_for("decimal3", &ds, |_| ()),
            r#"commitments.csv line 2, column target_quantity: "1.234" is not a decimal with at most 2 decimal places"#
        );
    }

    #[test]
    fn bad_date_names_file_line_column() {
        let mut ds = generate(Scale::Tiny, 1);
        ds.evidence[4].period_end = "2024-02-30".into();
        assert_eq!(error_for("date", &ds, |_| ()), r#"evidence.csv line 6, column period_end: "2024-02-30" is not a real calendar date (YYYY-MM-DD)"#);
        let mut ds = generate(Scale::Tiny, 1);
        ds.contracts[0].start_date = "1/4/2024".into();
        assert_eq!(error_for("date2", &ds, |_| ()), r#"contracts.csv line 2, column start_date: "1/4/2024" is not a date (YYYY-MM-DD)"#);
    }

    #[test]
    fn missing_column_names_file_line_column() {
        let ds = generate(Scale::Tiny, 1);
        let msg = error_for("column", &ds, |dir| {
            std::fs::write(dir.join("commitments.csv"), "council_code,external_id,contract_external_id,measure_code,target_quantity\nHAL,K1,C00001,JOBS-01,1\n")
                .unwrap()
        });
        assert!(msg.starts_with("commitments.csv line 1: missing column financial_year (expected columns: council_code, external_id,"), "{msg}");
        // a misspelt column is reported as the missing one
        let msg = error_for("column2", &ds, |dir| std::fs::write(dir.join("themes.csv"), "code,nmae\nJOBS,Jobs\n").unwrap());
        assert_eq!(msg, "themes.csv line 1: missing column name (expected columns: code, name)");
    }

    #[test]
    fn other_errors() {
        let ds = generate(Scale::Tiny, 1);
        let msg = error_for("missing", &ds, |dir| std::fs::remove_file(dir.join("proxies.csv")).unwrap());
        assert!(msg.starts_with("proxies.csv: file not found in "), "{msg}");

        let msg = error_for("fields", &ds, |dir| std::fs::write(dir.join("councils.csv"), "code,name,gss_code\nHAL,Halton,E06000006\nKNO,Knowsley\n").unwrap());
        assert_eq!(msg, "councils.csv line 3: 2 fields, expected 3 (one per header column)");

        let msg = error_for("utf8", &ds, |dir| std::fs::write(dir.join("themes.csv"), b"code,name\nJOBS,Jobs\nENV,Env\xff\n").unwrap());
        assert_eq!(msg, "themes.csv line 3, column name: not valid UTF-8");

        let msg = error_for("extra", &ds, |dir| std::fs::write(dir.join("themes.csv"), "code,name,colour\nJOBS,Jobs,red\n").unwrap());
        assert_eq!(msg, r#"themes.csv line 1: unknown column "colour" (expected columns: code, name)"#);

        let msg = error_for("empty", &ds, |dir| std::fs::write(dir.join("themes.csv"), "").unwrap());
        assert_eq!(msg, "themes.csv: the file is empty; line 1 must be the header: code,name");

        let mut bad = ds.clone();
        bad.suppliers[1].is_sme = "yes".into();
        assert_eq!(error_for("bool", &bad, |_| ()), r#"suppliers.csv line 3, column is_sme: "yes" is not true or false"#);
        let mut bad = ds.clone();
        bad.evidence[0].status = "Verified".into();
        assert_eq!(error_for("status", &bad, |_| ()), r#"evidence.csv line 2, column status: "Verified" is not one of submitted, verified, rejected"#);
        let mut bad = ds.clone();
        bad.contracts[2].title = String::new();
        assert_eq!(error_for("required", &bad, |_| ()), "contracts.csv line 4, column title: is empty, expected a value (this column is required)");
        let mut bad = ds.clone();
        bad.proxies[0].financial_year = "2024/25".into();
        assert_eq!(error_for("year", &bad, |_| ()), r#"proxies.csv line 2, column financial_year: "2024/25" is not a financial year such as 2025"#);
    }

    #[test]
    fn bad_v2_cells_name_file_line_column() {
        let ds = read_dir(&fixture("tiny-frameworks")).unwrap();
        let bad_factor = |factor: &str| {
            let mut bad = ds.clone();
            bad.mappings[2].factor = factor.into();
            error_for("factor", &bad, |_| ())
        };
        for factor in ["0", "-1", "abc", "0.000", ".5"] {
            assert_eq!(bad_factor(factor), format!(r#"mappings.csv line 4, column factor: "{factor}" is not a decimal greater than 0 (such as 52 or 0.5)"#));
        }
        let mut bad = ds.clone();
        bad.measures[7].valued = "yes".into();
        assert_eq!(error_for("valued", &bad, |_| ()), r#"measures.csv line 9, column valued: "yes" is not true, false or empty"#);
        let mut bad = ds.clone();
        bad.evidence[3].validated_quantity = "1.234".into();
        assert_eq!(
            error_for("validated", &bad, |_| ()),
            r#"evidence.csv line 5, column validated_quantity: "1.234" is not a decimal with at most 2 decimal places"#
        );
        let msg = error_for("mappings", &ds, |dir| std::fs::remove_file(dir.join("mappings.csv")).unwrap());
        assert!(msg.starts_with("mappings.csv: file not found in "), "{msg}");
    }

    #[test]
    fn v2_columns_are_optional_in_v2_and_unknown_in_v1() {
        let ds = read_dir(&fixture("tiny-frameworks")).unwrap();
        let dir = TempDir::new("v2-optional");
        write_dir(&ds, &dir.0).unwrap();
        std::fs::write(dir.0.join("themes.csv"), "name,code\nJobs,JOBS\n").unwrap();
        std::fs::write(dir.0.join("measures.csv"), "code,theme_code,name,unit,valued\nJOBS-05,JOBS,Living wage,%,\n").unwrap();
        let back = read_dir(&dir.0).unwrap();
        assert_eq!(back.themes, vec![ThemeRow { code: "JOBS".into(), name: "Jobs".into(), framework_code: String::new() }]);
        assert_eq!((back.measures[0].framework_code.as_str(), back.measures[0].valued.as_str()), ("", ""));

        let v1 = generate(Scale::Tiny, 1);
        let msg = error_for("v1-extra", &v1, |dir| std::fs::write(dir.join("themes.csv"), "code,name,framework_code\nJOBS,Jobs,REGIONAL\n").unwrap());
        assert_eq!(msg, r#"themes.csv line 1: unknown column "framework_code" (expected columns: code, name)"#);
        // the new files' columns are all required
        let msg =
            error_for("v2-note", &ds, |dir| std::fs::write(dir.join("mappings.csv"), "framework_code,measure_code,regional_measure_code,factor\n").unwrap());
        assert!(msg.starts_with("mappings.csv line 1: missing column note"), "{msg}");
    }

    #[test]
    fn cell_syntax() {
        for ok in ["0", "12", "12.5", "12.25", "-3", "-0.01", "007.10"] {
            assert_eq!(check(Decimal, ok), Ok(()), "{ok}");
        }
        for bad in ["", ".5", "5.", "1.234", "1,000", "+1", " 1", "1e3", "--1", "1.2.3", "£5"] {
            assert!(check(Decimal, bad).is_err(), "{bad}");
        }
        assert!(check(OptDecimal, "").is_ok());
        assert!(check(Decimal, &"9".repeat(27)).is_err());
        assert!(check(Date, "2024-02-29").is_ok());
        assert!(check(Date, "2023-02-29").is_err());
        assert!(check(Date, "2024-2-01").is_err());
        assert!(check(OptSha256, "").is_ok());
        assert!(check(OptSha256, &"a".repeat(63)).is_err());
        assert!(check(OptSha256, &"aB".repeat(32)).is_ok());
        for ok in ["", "1", "52", "0.5", "7.5", "0.0001", "1.23456789", "00.5"] {
            assert_eq!(check(OptFactor, ok), Ok(()), "{ok}");
        }
        for bad in ["0", "0.0", "-1", "-0.5", "abc", "1.", ".5", "1e3", "+1", " 1", "1,5"] {
            assert!(check(OptFactor, bad).is_err(), "{bad}");
        }
        assert!(check(OptFactor, &format!("0.{}1", "0".repeat(28))).is_err());
        assert!(check(OptFactor, &format!("0.{}1", "0".repeat(27))).is_ok());
        for (value, ok) in [("", true), ("true", true), ("false", true), ("True", false), ("1", false)] {
            assert_eq!(check(OptBool, value).is_ok(), ok, "{value}");
        }
    }
}
