//! The dataset's files and columns, each defined once: the reader checks
//! and parses by these specs, and the writer writes by them, so renaming or
//! adding a column is one edit here.

use super::{CommitmentRow, ContractRow, CouncilRow, EvidenceRow, MeasureRow, ProxyRow, SupplierRow, ThemeRow};

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
    /// a financial year: 4 digits
    Year,
    /// YYYY-MM-DD, a real calendar date
    Date,
    /// `true` / `false`
    Bool,
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
    /// A row's cells, in column order.
    pub cells: for<'r> fn(&'r T) -> [&'r str; N],
    /// A row from its cells, in column order.
    pub row: fn([String; N]) -> T,
}

/// A [`FileSpec`] from `field: "column" Kind` entries, so that each column's
/// name, kind and row field are written side by side, once.
macro_rules! file_spec {
    ($row:ident, $file:literal, { $($field:ident: $column:literal $kind:ident),+ $(,)? }) => {
        FileSpec {
            file: $file,
            columns: [$($column),+],
            kinds: [$(Kind::$kind),+],
            cells: |r| [$(r.$field.as_str()),+],
            row: |[$($field),+]| $row { $($field),+ },
        }
    };
}

pub const COUNCILS: FileSpec<CouncilRow, 3> = file_spec!(CouncilRow, "councils.csv", {
    code: "code" Text,
    name: "name" Text,
    gss_code: "gss_code" Text,
});

pub const THEMES: FileSpec<ThemeRow, 2> = file_spec!(ThemeRow, "themes.csv", {
    code: "code" Text,
    name: "name" Text,
});

pub const MEASURES: FileSpec<MeasureRow, 4> = file_spec!(MeasureRow, "measures.csv", {
    code: "code" Text,
    theme_code: "theme_code" Text,
    name: "name" Text,
    unit: "unit" Text,
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

pub const CONTRACTS: FileSpec<ContractRow, 8> = file_spec!(ContractRow, "contracts.csv", {
    council_code: "council_code" Text,
    external_id: "external_id" Text,
    title: "title" Text,
    supplier_ref: "supplier_ref" Text,
    value_gbp: "value_gbp" Decimal,
    start_date: "start_date" Date,
    end_date: "end_date" Date,
    social_value_weighting_pct: "social_value_weighting_pct" OptDecimal,
});

pub const COMMITMENTS: FileSpec<CommitmentRow, 6> = file_spec!(CommitmentRow, "commitments.csv", {
    council_code: "council_code" Text,
    external_id: "external_id" Text,
    contract_external_id: "contract_external_id" Text,
    measure_code: "measure_code" Text,
    financial_year: "financial_year" Year,
    target_quantity: "target_quantity" Decimal,
});

pub const EVIDENCE: FileSpec<EvidenceRow, 9> = file_spec!(EvidenceRow, "evidence.csv", {
    council_code: "council_code" Text,
    external_id: "external_id" Text,
    commitment_external_id: "commitment_external_id" Text,
    period_start: "period_start" Date,
    period_end: "period_end" Date,
    quantity: "quantity" Decimal,
    status: "status" Status,
    evidence_url: "evidence_url" OptText,
    evidence_sha256: "evidence_sha256" OptSha256,
});

/// All eight file names, in the order they are read and loaded.
pub const FILES: [&str; 8] = [COUNCILS.file, THEMES.file, MEASURES.file, PROXIES.file, SUPPLIERS.file, CONTRACTS.file, COMMITMENTS.file, EVIDENCE.file];

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::fmt::Debug;

    use super::*;
    use crate::dataset::generate::{Scale, generate};

    /// A row's cells make the same row again, and no column is named twice.
    fn round_trip<T: PartialEq + Debug, const N: usize>(spec: &FileSpec<T, N>, rows: &[T]) {
        assert_eq!(spec.columns.iter().collect::<HashSet<_>>().len(), N, "{}", spec.file);
        for r in rows {
            assert_eq!(&(spec.row)((spec.cells)(r).map(str::to_owned)), r, "{}", spec.file);
        }
    }

    #[test]
    fn cells_and_rows_are_each_others_inverse() {
        let ds = generate(Scale::Tiny, 1);
        round_trip(&COUNCILS, &ds.councils);
        round_trip(&THEMES, &ds.themes);
        round_trip(&MEASURES, &ds.measures);
        round_trip(&PROXIES, &ds.proxies);
        round_trip(&SUPPLIERS, &ds.suppliers);
        round_trip(&CONTRACTS, &ds.contracts);
        round_trip(&COMMITMENTS, &ds.commitments);
        round_trip(&EVIDENCE, &ds.evidence);
        assert_eq!(FILES.iter().collect::<HashSet<_>>().len(), FILES.len());
    }
}
