//! The regional dataset format (one directory of CSV files, see README
//! "The dataset format"): its columns, defined once in
//! [`format`](mod@format); reading it with precise errors; writing it;
//! loading it through the services; and generating it deterministically at
//! any scale.
//!
//! Two versions of the format (DATASET.md): version 1, and version 2, which
//! adds frameworks, the regional crosswalk (mappings) and a few optional
//! columns after the v1 ones. A v2 row's v2 fields are empty in a v1
//! dataset, and when a v2 file leaves a column out; empty means the default
//! DATASET.md gives (`REGIONAL`, `true`, the whole quantity).
//!
//! Rows keep the CSV text as it is: the dataset is loaded through the same
//! sync code path as the API, and that is where values are parsed and
//! validated into domain types. The reader only checks that every cell is
//! well-formed for its column, so that a bad file is reported by file, line
//! and column before anything is written.

pub mod format;
pub mod generate;
pub mod load;
pub mod read;
pub mod write;

#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CouncilRow {
    pub code: String,
    pub name: String,
    pub gss_code: String,
    /// v2: the framework the council reports in; empty means `REGIONAL`
    pub framework_code: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThemeRow {
    pub code: String,
    pub name: String,
    /// v2: empty means `REGIONAL`
    pub framework_code: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeasureRow {
    pub code: String,
    pub theme_code: String,
    pub name: String,
    pub unit: String,
    /// v2: empty means `REGIONAL`
    pub framework_code: String,
    /// v2: `false` for a record-only measure; empty means `true`
    pub valued: String,
}

/// v2: a framework councils may report in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrameworkRow {
    pub code: String,
    pub name: String,
    pub edition: String,
}

/// v2: how a measure of a non-regional framework counts in regional units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MappingRow {
    pub framework_code: String,
    pub measure_code: String,
    pub regional_measure_code: String,
    /// regional units per reported unit, a decimal > 0 kept as written; empty means 1
    pub factor: String,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProxyRow {
    pub measure_code: String,
    pub financial_year: String,
    pub value_gbp: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupplierRow {
    pub r#ref: String,
    pub name: String,
    pub companies_house_number: String,
    pub postcode: String,
    pub is_sme: String,
    pub is_vcse: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractRow {
    pub council_code: String,
    pub external_id: String,
    pub title: String,
    pub supplier_ref: String,
    pub value_gbp: String,
    pub start_date: String,
    pub end_date: String,
    pub social_value_weighting_pct: String,
    /// v2: empty means its council's framework
    pub framework_code: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitmentRow {
    pub council_code: String,
    pub external_id: String,
    pub contract_external_id: String,
    pub measure_code: String,
    pub financial_year: String,
    pub target_quantity: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceRow {
    pub council_code: String,
    pub external_id: String,
    pub commitment_external_id: String,
    pub period_start: String,
    pub period_end: String,
    pub quantity: String,
    pub status: String,
    pub evidence_url: String,
    pub evidence_sha256: String,
    /// v2: empty unless verified, and then it means the whole quantity
    pub validated_quantity: String,
}

/// The format version of a dataset.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Version {
    #[default]
    V1,
    /// A directory is v2 when it has `frameworks.csv`.
    V2,
}

/// A whole dataset directory in memory, rows in file order.
///
/// The version is explicit rather than "has frameworks" so that a v2
/// directory whose `frameworks.csv` has no rows (`REGIONAL` is implied)
/// still reads and writes as v2. A v1 dataset's `frameworks`, `mappings`
/// and v2 fields are empty, and the writer leaves them out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dataset {
    pub version: Version,
    pub frameworks: Vec<FrameworkRow>,
    pub councils: Vec<CouncilRow>,
    pub themes: Vec<ThemeRow>,
    pub measures: Vec<MeasureRow>,
    pub mappings: Vec<MappingRow>,
    pub proxies: Vec<ProxyRow>,
    pub suppliers: Vec<SupplierRow>,
    pub contracts: Vec<ContractRow>,
    pub commitments: Vec<CommitmentRow>,
    pub evidence: Vec<EvidenceRow>,
}

impl Dataset {
    pub fn is_v2(&self) -> bool {
        self.version == Version::V2
    }
}
