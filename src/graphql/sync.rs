//! `syncCouncilData`: the GraphQL face of the one write path for council data.

use async_graphql::{Context, Enum, InputObject, Object, SimpleObject};

use super::context::{limits, primary, principal};
use super::error::GqlResult;
use super::ids;
use super::input::Lenient;
use super::records::objects::EvidenceStatus;
use super::scalars::{Date, Decimal};
use crate::service::sync::{self as svc, CommitmentIn, ContractIn, DeletionIn, EvidenceIn, SupplierIn, SyncBatch};

// The Decimal and Date fields of a sync record are `Lenient`: a value that
// fails as one of these types (a bad date, a number for a Decimal) is
// reported against its record like any other invalid value. A value that is
// not a GraphQL built-in type (an Int, a String, an enum) is refused by
// validation before any resolver runs, with the path to its record and field
// (`input.commitments.1.financialYear`).
#[derive(InputObject)]
pub struct SyncInput {
    council_code: String,
    /// Retrying with the same key and payload replays the first result and
    /// writes nothing; the same key with another payload is CONFLICT.
    idempotency_key: Option<String>,
    /// Regional suppliers, upserted by ref.
    suppliers: Option<Vec<SupplierInput>>,
    /// Upserted by (council, externalId).
    contracts: Option<Vec<ContractInput>>,
    /// Refer to contracts by contractExternalId (in this batch or already synced).
    commitments: Option<Vec<CommitmentInput>>,
    /// Refer to commitments by commitmentExternalId.
    evidence: Option<Vec<EvidenceInput>>,
    /// Tombstones; a contract takes its commitments and their evidence with it.
    deletions: Option<Vec<DeletionInput>>,
}

#[derive(InputObject)]
pub struct DeletionInput {
    entity: RecordEntity,
    external_id: String,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "crate::domain::RecordEntity")]
pub enum RecordEntity {
    Contract,
    Commitment,
    Evidence,
}

#[derive(InputObject)]
pub struct SupplierInput {
    r#ref: String,
    name: String,
    companies_house_number: Option<String>,
    postcode: Option<String>,
    is_sme: bool,
    is_vcse: bool,
}

#[derive(InputObject)]
pub struct ContractInput {
    external_id: String,
    title: String,
    supplier_ref: String,
    value_gbp: Lenient<Decimal>,
    start_date: Lenient<Date>,
    end_date: Lenient<Date>,
    social_value_weighting_pct: Lenient<Option<Decimal>>,
    /// The framework of the contract's measures; its council's when omitted.
    framework_code: Option<String>,
}

#[derive(InputObject)]
pub struct CommitmentInput {
    external_id: String,
    contract_external_id: String,
    measure_code: String,
    financial_year: i32,
    target_quantity: Lenient<Decimal>,
}

#[derive(InputObject)]
pub struct EvidenceInput {
    external_id: String,
    commitment_external_id: String,
    period_start: Lenient<Date>,
    period_end: Lenient<Date>,
    quantity: Lenient<Decimal>,
    /// SUBMITTED when absent or null.
    #[graphql(default_with = "Some(EvidenceStatus::Submitted)")]
    status: Option<EvidenceStatus>,
    evidence_url: Option<String>,
    evidence_sha256: Option<String>,
    /// What an officer validated, with status VERIFIED only; the whole quantity when omitted.
    validated_quantity: Lenient<Option<Decimal>>,
}

#[derive(SimpleObject)]
pub struct SyncResult {
    /// False when any record was invalid: then nothing was written.
    applied: bool,
    created: i32,
    updated: i32,
    unchanged: i32,
    /// Records tombstoned, cascades included.
    deleted: i32,
    /// Every invalid record of the batch.
    errors: Vec<SyncError>,
    /// The council's changes-feed position after this batch: resume `changes(after:)` from it.
    cursor: Option<String>,
}

#[derive(SimpleObject)]
pub struct SyncError {
    /// SUPPLIER, CONTRACT, COMMITMENT or EVIDENCE.
    entity: String,
    /// Position of the record in its list of the input.
    index: i32,
    external_id: Option<String>,
    /// DUPLICATE, INVALID_VALUE, INVALID_PERIOD, INVALID_SHA256, NO_PROXY or UNKNOWN_REFERENCE.
    code: String,
    message: String,
}

/// One record's fields as they are taken out of their [`Lenient`] wrappers:
/// each refused value is noted with its field, and the record then stands
/// in the batch with a placeholder, so that others may still refer to it.
struct Record {
    entity: &'static str,
    index: usize,
    refused: Vec<String>,
}

impl Record {
    fn new(entity: &'static str, index: usize) -> Self {
        Self { entity, index, refused: Vec::new() }
    }

    fn take<T: Default>(&mut self, field: &str, value: Lenient<T>) -> T {
        value.0.unwrap_or_else(|reason| {
            self.refused.push(format!("{field}: {reason}"));
            T::default()
        })
    }

    /// The record's error, if any of its values was refused.
    fn done(self, external_id: &str, errors: &mut Vec<svc::SyncError>) {
        if !self.refused.is_empty() {
            let (entity, index, message) = (self.entity, self.index, self.refused.join("; "));
            errors.push(svc::SyncError { entity, index, external_id: Some(external_id.to_owned()), code: "INVALID_VALUE", message });
        }
    }
}

impl From<SyncInput> for SyncBatch {
    fn from(i: SyncInput) -> Self {
        let mut refused = Vec::new();
        let suppliers = i
            .suppliers
            .unwrap_or_default()
            .into_iter()
            .map(|s| SupplierIn {
                supplier_ref: s.r#ref,
                name: s.name,
                companies_house_number: s.companies_house_number,
                postcode: s.postcode,
                is_sme: s.is_sme,
                is_vcse: s.is_vcse,
            })
            .collect();
        let contracts = enumerate(i.contracts)
            .map(|(n, c)| {
                let mut r = Record::new("CONTRACT", n);
                let contract = ContractIn {
                    external_id: c.external_id,
                    title: c.title,
                    supplier_ref: c.supplier_ref,
                    value_gbp: r.take("valueGbp", c.value_gbp).0,
                    start_date: r.take("startDate", c.start_date).0,
                    end_date: r.take("endDate", c.end_date).0,
                    social_value_weighting_pct: r.take("socialValueWeightingPct", c.social_value_weighting_pct).map(|d| d.0),
                    framework_code: c.framework_code,
                };
                r.done(&contract.external_id, &mut refused);
                contract
            })
            .collect();
        let commitments = enumerate(i.commitments)
            .map(|(n, c)| {
                let mut r = Record::new("COMMITMENT", n);
                let commitment = CommitmentIn {
                    external_id: c.external_id,
                    contract_external_id: c.contract_external_id,
                    measure_code: c.measure_code,
                    financial_year: c.financial_year,
                    target_quantity: r.take("targetQuantity", c.target_quantity).0,
                };
                r.done(&commitment.external_id, &mut refused);
                commitment
            })
            .collect();
        let evidence = enumerate(i.evidence)
            .map(|(n, e)| {
                let mut r = Record::new("EVIDENCE", n);
                let evidence = EvidenceIn {
                    external_id: e.external_id,
                    commitment_external_id: e.commitment_external_id,
                    period_start: r.take("periodStart", e.period_start).0,
                    period_end: r.take("periodEnd", e.period_end).0,
                    quantity: r.take("quantity", e.quantity).0,
                    status: e.status.unwrap_or(EvidenceStatus::Submitted).into(),
                    evidence_url: e.evidence_url,
                    evidence_sha256: e.evidence_sha256,
                    validated_quantity: r.take("validatedQuantity", e.validated_quantity).map(|d| d.0),
                };
                r.done(&evidence.external_id, &mut refused);
                evidence
            })
            .collect();
        let deletions = i.deletions.unwrap_or_default().into_iter().map(|d| DeletionIn { entity: d.entity.into(), external_id: d.external_id }).collect();
        SyncBatch { council_code: i.council_code, idempotency_key: i.idempotency_key, suppliers, contracts, commitments, evidence, deletions, refused }
    }
}

fn enumerate<T>(list: Option<Vec<T>>) -> impl Iterator<Item = (usize, T)> {
    list.unwrap_or_default().into_iter().enumerate()
}

#[derive(Default)]
pub struct SyncMutation;

#[Object]
impl SyncMutation {
    /// Upserts a batch of one council's records atomically: all or nothing.
    async fn sync_council_data(&self, ctx: &Context<'_>, input: SyncInput) -> GqlResult<SyncResult> {
        let outcome = svc::sync(primary(ctx), principal(ctx), input.into(), limits(ctx).max_sync_records).await?;
        let total = outcome.total();
        if let (true, Ok(m)) = (outcome.applied, ctx.data::<std::sync::Arc<crate::metrics::Metrics>>()) {
            m.synced(total.created as u64, total.updated as u64, total.unchanged as u64, outcome.deleted as u64);
        }
        Ok(SyncResult {
            applied: outcome.applied,
            created: total.created as i32,
            updated: total.updated as i32,
            unchanged: total.unchanged as i32,
            deleted: outcome.deleted as i32,
            cursor: outcome.cursor.map(ids::cursor),
            errors: outcome
                .errors
                .into_iter()
                .map(|e| SyncError { entity: e.entity.into(), index: e.index as i32, external_id: e.external_id, code: e.code.into(), message: e.message })
                .collect(),
        })
    }
}
