//! `syncCouncilData`: the GraphQL face of the one write path for council data.

use async_graphql::{Context, Enum, InputObject, Object, SimpleObject};

use super::error::GqlResult;
use super::ids;
use super::records::EvidenceStatus;
use super::scalars::{Date, Decimal};
use super::{db, limits, principal};
use crate::service::sync::{self as svc, CommitmentIn, ContractIn, DeletionIn, EvidenceIn, SupplierIn, SyncBatch};

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
    value_gbp: Decimal,
    start_date: Date,
    end_date: Date,
    social_value_weighting_pct: Option<Decimal>,
}

#[derive(InputObject)]
pub struct CommitmentInput {
    external_id: String,
    contract_external_id: String,
    measure_code: String,
    financial_year: i32,
    target_quantity: Decimal,
}

#[derive(InputObject)]
pub struct EvidenceInput {
    external_id: String,
    commitment_external_id: String,
    period_start: Date,
    period_end: Date,
    quantity: Decimal,
    #[graphql(default_with = "EvidenceStatus::Submitted")]
    status: EvidenceStatus,
    evidence_url: Option<String>,
    evidence_sha256: Option<String>,
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

impl From<SyncInput> for SyncBatch {
    fn from(i: SyncInput) -> Self {
        SyncBatch {
            council_code: i.council_code,
            idempotency_key: i.idempotency_key,
            deletions: i
                .deletions
                .unwrap_or_default()
                .into_iter()
                .map(|d| DeletionIn { entity: d.entity.into(), external_id: d.external_id })
                .collect(),
            suppliers: i
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
                .collect(),
            contracts: i
                .contracts
                .unwrap_or_default()
                .into_iter()
                .map(|c| ContractIn {
                    external_id: c.external_id,
                    title: c.title,
                    supplier_ref: c.supplier_ref,
                    value_gbp: c.value_gbp.0,
                    start_date: c.start_date.0,
                    end_date: c.end_date.0,
                    social_value_weighting_pct: c.social_value_weighting_pct.map(|d| d.0),
                })
                .collect(),
            commitments: i
                .commitments
                .unwrap_or_default()
                .into_iter()
                .map(|c| CommitmentIn {
                    external_id: c.external_id,
                    contract_external_id: c.contract_external_id,
                    measure_code: c.measure_code,
                    financial_year: c.financial_year,
                    target_quantity: c.target_quantity.0,
                })
                .collect(),
            evidence: i
                .evidence
                .unwrap_or_default()
                .into_iter()
                .map(|e| EvidenceIn {
                    external_id: e.external_id,
                    commitment_external_id: e.commitment_external_id,
                    period_start: e.period_start.0,
                    period_end: e.period_end.0,
                    quantity: e.quantity.0,
                    status: e.status.into(),
                    evidence_url: e.evidence_url,
                    evidence_sha256: e.evidence_sha256,
                })
                .collect(),
        }
    }
}

#[derive(Default)]
pub struct SyncMutation;

#[Object]
impl SyncMutation {
    /// Upserts a batch of one council's records atomically: all or nothing.
    async fn sync_council_data(&self, ctx: &Context<'_>, input: SyncInput) -> GqlResult<SyncResult> {
        let outcome = svc::sync(db(ctx), principal(ctx), input.into(), limits(ctx).max_sync_records).await?;
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
