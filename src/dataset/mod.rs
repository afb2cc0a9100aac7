//! The regional dataset format (one directory of CSV files, see README
//! "The dataset format"): its columns, defined once in
//! [`format`](mod@format); reading it with precise errors; writing it;
//! loading it through the services; and generating it deterministically at
//! any scale.
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

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CouncilRow {
    pub code: String,
    pub name: String,
    pub gss_code: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThemeRow {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeasureRow {
    pub code: String,
    pub theme_code: String,
    pub name: String,
    pub unit: String,
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
}

/// A whole dataset directory in memory, rows in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dataset {
    pub councils: Vec<CouncilRow>,
    pub themes: Vec<ThemeRow>,
    pub measures: Vec<MeasureRow>,
    pub proxies: Vec<ProxyRow>,
    pub suppliers: Vec<SupplierRow>,
    pub contracts: Vec<ContractRow>,
    pub commitments: Vec<CommitmentRow>,
    pub evidence: Vec<EvidenceRow>,
}
