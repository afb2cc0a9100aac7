//! What a sync batch holds as it arrives, and what it answers: the records
//! with their decimals still as text, the per-record errors, and the counts.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::{EvidenceStatus, RecordEntity};

/// Serialises as the GraphQL `SyncInput` (camelCase), which is also the
/// canonical form hashed for idempotency.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncBatch {
    pub council_code: String,
    /// Not part of the payload: the same key with the same payload replays the first result.
    #[serde(skip)]
    pub idempotency_key: Option<String>,
    pub suppliers: Vec<SupplierIn>,
    pub contracts: Vec<ContractIn>,
    pub commitments: Vec<CommitmentIn>,
    pub evidence: Vec<EvidenceIn>,
    pub deletions: Vec<DeletionIn>,
    /// Records whose values were refused before validation (a value that is
    /// not of its field's type); such a batch is never applied.
    #[serde(skip)]
    pub refused: Vec<SyncError>,
}

impl SyncBatch {
    pub fn len(&self) -> usize {
        self.suppliers.len() + self.contracts.len() + self.commitments.len() + self.evidence.len() + self.deletions.len()
    }

    /// SHA-256 of the canonical payload, to tell a retry from a different batch.
    pub(super) fn payload_sha256(&self) -> String {
        use sha2::{Digest, Sha256};
        hex::encode(Sha256::digest(serde_json::to_vec(self).expect("a batch serialises")))
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SupplierIn {
    #[serde(rename = "ref")]
    pub supplier_ref: String,
    pub name: String,
    pub companies_house_number: Option<String>,
    pub postcode: Option<String>,
    pub is_sme: bool,
    pub is_vcse: bool,
}

/// Decimals arrive as text and are parsed here, so that a bad number is
/// reported against its record like every other invalid value.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContractIn {
    pub external_id: String,
    pub title: String,
    pub supplier_ref: String,
    pub value_gbp: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub social_value_weighting_pct: Option<String>,
    /// The framework of the contract's measures; its council's when None.
    /// Left out of the payload when None, so that a v1 batch hashes as it
    /// always did (idempotency keys stored before v2 still match).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub framework_code: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CommitmentIn {
    pub external_id: String,
    pub contract_external_id: String,
    pub measure_code: String,
    pub financial_year: i32,
    pub target_quantity: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EvidenceIn {
    pub external_id: String,
    pub commitment_external_id: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub quantity: String,
    pub status: EvidenceStatus,
    pub evidence_url: Option<String>,
    pub evidence_sha256: Option<String>,
    /// What an officer validated of a verified record; the whole quantity when None.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validated_quantity: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeletionIn {
    pub entity: RecordEntity,
    pub external_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncError {
    pub entity: &'static str,
    pub index: usize,
    pub external_id: Option<String>,
    pub code: &'static str,
    pub message: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

impl std::ops::AddAssign for Counts {
    fn add_assign(&mut self, o: Counts) {
        self.created += o.created;
        self.updated += o.updated;
        self.unchanged += o.unchanged;
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SyncOutcome {
    pub applied: bool,
    /// Per entity, for the importer's summary.
    pub suppliers: Counts,
    pub contracts: Counts,
    pub commitments: Counts,
    pub evidence: Counts,
    /// Records tombstoned, cascades included.
    pub deleted: usize,
    /// The council's changes-feed position after this batch.
    pub cursor: Option<i64>,
    /// True when this is the stored result of an earlier request with the same idempotency key.
    #[serde(skip)]
    pub replayed: bool,
    #[serde(skip)]
    pub errors: Vec<SyncError>,
}

impl SyncOutcome {
    pub fn total(&self) -> Counts {
        let mut t = Counts::default();
        for c in [&self.suppliers, &self.contracts, &self.commitments, &self.evidence] {
            t += c.clone();
        }
        t
    }
}
