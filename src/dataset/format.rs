//! The dataset's files and columns, each defined once: the reader checks
//! and parses by these specs, and the writer writes by them, so renaming or
//! adding a column is one edit here.
//!
//! Version 2 adds two files ([`FRAMEWORKS`], [`MAPPINGS`]) and columns after
//! the v1 columns of some v1 files: a spec lists them last, from
//! [`FileSpec::v2_from`] on.

use super::{CommitmentRow, ContractRow, CouncilRow, EvidenceRow, FrameworkRow, MappingRow, MeasureRow, ProxyRow, SupplierRow, ThemeRow, Version};

/// What a column's cells must look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// any non-empty text (codes, ids, names, refs)
    Text,
    /// any text, may be empty
    OptText,
    /// `-?digits(.d|.dd)?`; a negative value is a semantic error, left to the sync
    Decimal,
    OptDecimal,
    /// a decimal > 0 with any number of decimal places (at most 28 digits), or empty (= 1)
    OptFactor,
    /// a financial year: 4 digits
    Year,
    /// YYYY-MM-DD, a real calendar date
    Date,
    /// `true` / `false`
    Bool,
    /// `true` / `false`, or empty (= true)
    OptBool,
    /// `submitted` / `verified` / `rejected`
    Status,
    /// empty, or 64 hex digits
    OptSha256,
}

/// One file of the dataset: its name, its columns in the order written, and
/// how a row of type `T` maps to and from its cells (in that order).
pub struct FileSpec<T: 'static, const N: usize> {
    pub file: &'static str,
    pub columns: [&'static str; N],
    pub kinds: [Kind; N],
    /// The first of the columns that version 2 added to a v1 file (`N` if
    /// none; every column of a file new in v2 is required). A v1 dataset
    /// has none of them; in a v2 file each may be left out, and reads empty.
    pub v2_from: usize,
    /// A row's cells, in column order.
    pub cells: for<'r> fn(&'r T) -> [&'r str; N],
    /// A row from its cells, in column order.
    pub row: fn([String; N]) -> T,
}

impl<T, const N: usize> FileSpec<T, N> {
    /// The columns a file of `version` has, in the order written.
    pub fn columns(&'static self, version: Version) -> &'static [&'static str] {
        match version {
            Version::V1 => &self.columns[..self.v2_from],
            Version::V2 => &self.columns,
        }
    }

    /// The columns a file must have, whatever its version.
    pub fn required(&'static self) -> &'static [&'static str] {
        &self.columns[..self.v2_from]
    }
}

/// A [`FileSpec`] from `field: "column" Kind` entries, so that each column's
/// name, kind and row field are written side by side, once; the columns
/// version 2 added to a v1 file follow in a `v2 { ... }` block.
macro_rules! file_spec {
    ($row:ident, $file:literal, { $($field:ident: $column:literal $kind:ident),+ $(,)? }
        $(v2 { $($v2_field:ident: $v2_column:literal $v2_kind:ident),+ $(,)? })?) => {
        FileSpec {
            file: $file,
            columns: [$($column,)+ $($($v2_column),+)?],
            kinds: [$(Kind::$kind,)+ $($(Kind::$v2_kind),+)?],
            v2_from: [$($column),+].len(),
            cells: |r| [$(r.$field.as_str(),)+ $($(r.$v2_field.as_str()),+)?],
            row: |[$($field,)+ $($($v2_field),+)?]| $row { $($field,)+ $($($v2_field),+)? },
        }
    };
}

/// v2 only.
pub const FRAMEWORKS: FileSpec<FrameworkRow, 3> = file_spec!(FrameworkRow, "frameworks.csv", {
    code: "code" Text,
    name: "name" Text,
    edition: "edition" OptText,
});

pub const COUNCILS: FileSpec<CouncilRow, 4> = file_spec!(CouncilRow, "councils.csv", {
    code: "code" Text,
    name: "name" Text,
    gss_code: "gss_code" Text,
} v2 {
    framework_code: "framework_code" OptText,
});

pub const THEMES: FileSpec<ThemeRow, 3> = file_spec!(ThemeRow, "themes.csv", {
    code: "code" Text,
    name: "name" Text,
} v2 {
    framework_code: "framework_code" OptText,
});

pub const MEASURES: FileSpec<MeasureRow, 6> = file_spec!(MeasureRow, "measures.csv", {
    code: "code" Text,
    theme_code: "theme_code" Text,
    name: "name" Text,
    unit: "unit" Text,
} v2 {
    framework_code: "framework_code" OptText,
    valued: "valued" OptBool,
});

/// v2 only.
pub const MAPPINGS: FileSpec<MappingRow, 5> = file_spec!(MappingRow, "mappings.csv", {
    framework_code: "framework_code" Text,
    measure_code: "measure_code" Text,
    regional_measure_code: "regional_measure_code" Text,
    factor: "factor" OptFactor,
    note: "note" OptText,
});

pub const PROXIES: FileSpec<ProxyRow, 3> = file_spec!(ProxyRow, "proxies.csv", {
    measure_code: "measure_code" Text,
    financial_year: "financial_year" Year,
    value_gbp: "value_gbp" Decimal,
});

pub const SUPPLIERS: FileSpec<SupplierRow, 6> = file_spec!(SupplierRow, "suppliers.csv", {
    r#ref: "ref" Text,
    name: "name" Text,
    companies_house_number: "companies_house_number" OptText,
    postcode: "postcode" OptText,
    is_sme: "is_sme" Bool,
    is_vcse: "is_vcse" Bool,
});

pub const CONTRACTS: FileSpec<ContractRow, 9> = file_spec!(ContractRow, "contracts.csv", {
    council_code: "council_code" Text,
    external_id: "external_id" Text,
    title: "title" Text,
    supplier_ref: "supplier_ref" Text,
    value_gbp: "value_gbp" Decimal,
    start_date: "start_date" Date,
    end_date: "end_date" Date,
    social_value_weighting_pct: "social_value_weighting_pct" OptDecimal,
} v2 {
    framework_code: "framework_code" OptText,
});

pub const COMMITMENTS: FileSpec<CommitmentRow, 6> = file_spec!(CommitmentRow, "commitments.csv", {
    council_code: "council_code" Text,
    external_id: "external_id" Text,
    contract_external_id: "contract_external_id" Text,
    measure_code: "measure_code" Text,
    financial_year: "financial_year" Year,
    target_quantity: "target_quantity" Decimal,
});

pub const EVIDENCE: FileSpec<EvidenceRow, 10> = file_spec!(EvidenceRow, "evidence.csv", {
    council_code: "council_code" Text,
    external_id: "external_id" Text,
    commitment_external_id: "commitment_external_id" Text,
    period_start: "period_start" Date,
    period_end: "period_end" Date,
    quantity: "quantity" Decimal,
    status: "status" Status,
    evidence_url: "evidence_url" OptText,
    evidence_sha256: "evidence_sha256" OptSha256,
} v2 {
    validated_quantity: "validated_quantity" OptDecimal,
});

/// The eight file names of a v1 directory, in the order they are read and loaded.
pub const FILES: [&str; 8] = [COUNCILS.file, THEMES.file, MEASURES.file, PROXIES.file, SUPPLIERS.file, CONTRACTS.file, COMMITMENTS.file, EVIDENCE.file];

/// The ten of a v2 directory, likewise.
#[rustfmt::skip]
pub const FILES_V2: [&str; 10] = [
    FRAMEWORKS.file, COUNCILS.file, THEMES.file, MEASURES.file, MAPPINGS.file, PROXIES.file, SUPPLIERS.file, CONTRACTS.file, COMMITMENTS.file, EVIDENCE.file,
];

impl Version {
    /// The files a directory of this version has.
    pub fn files(self) -> &'static [&'static str] {
        match self {
            Version::V1 => &FILES,
            Version::V2 => &FILES_V2,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::fmt::Debug;

    use super::*;
    use crate::dataset::generate::{Scale, generate};
    use crate::dataset::read::read_dir;
    use crate::dataset::tests::fixture;

    /// A row's cells make the same row again, no column is named twice, and
    /// every column v2 added to a v1 file is optional (a v1 file lacks it).
    fn round_trip<T: PartialEq + Debug, const N: usize>(spec: &FileSpec<T, N>, rows: &[T]) {
        use Kind::*;
        assert_eq!(spec.columns.iter().collect::<HashSet<_>>().len(), N, "{}", spec.file);
        assert!(spec.v2_from >= 1 && spec.v2_from <= N, "{}", spec.file);
        assert!(spec.kinds[spec.v2_from..].iter().all(|k| matches!(k, OptText | OptDecimal | OptFactor | OptBool | OptSha256)), "{}", spec.file);
        for r in rows {
            assert_eq!(&(spec.row)((spec.cells)(r).map(str::to_owned)), r, "{}", spec.file);
        }
    }

    #[test]
    fn cells_and_rows_are_each_others_inverse() {
        for ds in [generate(Scale::Tiny, 1), read_dir(&fixture("tiny-frameworks")).unwrap()] {
            round_trip(&FRAMEWORKS, &ds.frameworks);
            round_trip(&COUNCILS, &ds.councils);
            round_trip(&THEMES, &ds.themes);
            round_trip(&MEASURES, &ds.measures);
            round_trip(&MAPPINGS, &ds.mappings);
            round_trip(&PROXIES, &ds.proxies);
            round_trip(&SUPPLIERS, &ds.suppliers);
            round_trip(&CONTRACTS, &ds.contracts);
            round_trip(&COMMITMENTS, &ds.commitments);
            round_trip(&EVIDENCE, &ds.evidence);
        }
        assert_eq!(FILES.iter().collect::<HashSet<_>>().len(), FILES.len());
        assert_eq!(FILES_V2.iter().collect::<HashSet<_>>().len(), FILES_V2.len());
        assert!(FILES.iter().all(|f| FILES_V2.contains(f)));
    }

    #[test]
    fn v2_columns_follow_the_v1_columns() {
        assert_eq!(COUNCILS.columns(Version::V1), ["code", "name", "gss_code"]);
        assert_eq!(COUNCILS.columns(Version::V2), ["code", "name", "gss_code", "framework_code"]);
        assert_eq!(MEASURES.columns(Version::V2)[4..], ["framework_code", "valued"]);
        assert_eq!(CONTRACTS.columns(Version::V2).last(), Some(&"framework_code"));
        assert_eq!(EVIDENCE.columns(Version::V2).last(), Some(&"validated_quantity"));
        assert_eq!(COMMITMENTS.columns(Version::V2), COMMITMENTS.columns(Version::V1));
        assert_eq!(MAPPINGS.required(), MAPPINGS.columns(Version::V2));
    }
}
