//! Reading a dataset directory (the 8 CSV files of [`super::format`]) into a
//! [`Dataset`], checking that every cell is well-formed for its column.
//!
//! Errors name the file, the line as in the file (the header is line 1) and
//! the column, so a council can fix its export. Only syntax is checked here:
//! meaning (negative values, unknown references, periods across quarters, ...)
//! is the sync's job, which reports it the same way for the API and imports.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::Dataset;
use super::format::{self, FILES, FileSpec, Kind};

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

/// `Err(expected)` describes what the cell should have been.
fn check(kind: Kind, s: &str) -> Result<(), &'static str> {
    use Kind::*;
    let optional = matches!(kind, OptText | OptDecimal | OptSha256);
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
        Year if s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit()) => Ok(()),
        Year => Err("a financial year such as 2025"),
        Date => check_date(s),
        Bool if s == "true" || s == "false" => Ok(()),
        Bool => Err("true or false"),
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

/// Read and check a whole dataset directory. All eight files are required;
/// the first problem found is returned. Cross-references are not checked here.
pub fn read_dir(dir: &Path) -> Result<Dataset, ReadError> {
    // Report a missing file before spending time on the big ones.
    for file in FILES {
        if !dir.join(file).is_file() {
            return Err(ReadError::MissingFile { file, dir: dir.to_path_buf() });
        }
    }
    Ok(Dataset {
        councils: read_file(dir, &format::COUNCILS)?,
        themes: read_file(dir, &format::THEMES)?,
        measures: read_file(dir, &format::MEASURES)?,
        proxies: read_file(dir, &format::PROXIES)?,
        suppliers: read_file(dir, &format::SUPPLIERS)?,
        contracts: read_file(dir, &format::CONTRACTS)?,
        commitments: read_file(dir, &format::COMMITMENTS)?,
        evidence: read_file(dir, &format::EVIDENCE)?,
    })
}

/// Stream one file row by row, checking each cell, into rows.
fn read_file<T, const N: usize>(dir: &Path, spec: &'static FileSpec<T, N>) -> Result<Vec<T>, ReadError> {
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
        return Err(ReadError::EmptyFile { file, expected: &spec.columns });
    }
    let header_len = record.len();
    let position = column_positions(spec, &record)?;

    let mut rows = Vec::new();
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
            let column = spec.columns[col];
            let bytes = &record[position[col]];
            let text = std::str::from_utf8(bytes).map_err(|_| ReadError::InvalidUtf8 { file, line, column })?;
            check(spec.kinds[col], text).map_err(|expected| ReadError::InvalidCell { file, line, column, value: text.to_owned(), expected })?;
            *cell = text.to_owned();
        }
        rows.push((spec.row)(cells));
    }
    Ok(rows)
}

/// Where each of the spec's columns is in the header: the expected columns
/// in any order (spreadsheets reorder them), no others.
fn column_positions<T, const N: usize>(spec: &'static FileSpec<T, N>, record: &csv::ByteRecord) -> Result<[usize; N], ReadError> {
    let file = spec.file;
    let header: Vec<String> = record
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let name = if i == 0 { name.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(name) } else { name };
            String::from_utf8_lossy(name).into_owned()
        })
        .collect();
    let mut position = [usize::MAX; N];
    for (at, name) in header.iter().enumerate() {
        let Some(col) = spec.columns.iter().position(|c| c == name) else {
            if let Some(&column) = spec.columns.iter().find(|c| !header.iter().any(|h| h == *c)) {
                // most likely a misspelt or renamed column: say which one is missing
                return Err(ReadError::MissingColumn { file, column, expected: &spec.columns });
            }
            return Err(ReadError::UnknownColumn { file, column: name.clone(), expected: &spec.columns });
        };
        if position[col] != usize::MAX {
            return Err(ReadError::DuplicateColumn { file, column: name.clone() });
        }
        position[col] = at;
    }
    if let Some(col) = position.iter().position(|&p| p == usize::MAX) {
        return Err(ReadError::MissingColumn { file, column: spec.columns[col], expected: &spec.columns });
    }
    Ok(position)
}

#[cfg(test)]
mod tests {
    use super::super::ThemeRow;
    use super::super::format::Kind::*;
    use super::super::generate::{Scale, generate};
    use super::super::write::write_dir;
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A fresh directory under the system temp dir, removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> TempDir {
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
        assert_eq!(back.themes, vec![ThemeRow { code: "JOBS".into(), name: "Jobs, local".into() }]);
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
    }
}
