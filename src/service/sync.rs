//! `syncCouncilData`: a member council's batch of suppliers, contracts,
//! commitments and evidence, validated whole and then upserted by external
//! id in one transaction. Every way council data enters (the API, the dataset
//! importer, the demo loader) comes through [`sync`].

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use entity::{commitment, contract, council, evidence, idempotency_key, supplier};
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ActiveValue, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter,
    Set,
};
use serde::{Deserialize, Serialize};

use super::framework::FrameworkSnapshot;
use super::lookup;
use super::snapshot::{self, Names, Wanted};
use super::tombstone;
use super::write::{self, Action, Change, FeedEntry, WriteTx};
use crate::auth::Principal;
use crate::domain::{EvidenceStatus, FinancialYear, Money, Percent, Quantity, Quarter, RecordEntity, Sha256};
use crate::error::{AppError, AppResult, bad_input, conflict, internal};

/// At most this many records in one batch, so that one request cannot hold
/// the write lock for long.
pub const MAX_BATCH_RECORDS: usize = 10_000;

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
    fn payload_sha256(&self) -> String {
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

/// Serialises requests that share an idempotency key (PostgreSQL), so the
/// second waits for the first and then replays its result.
fn idempotency_lock(council_id: i32, key: &str) -> i64 {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("{council_id}/{key}"));
    i64::from_be_bytes(digest[..8].try_into().expect("8 bytes"))
}

/// Applies one batch of at most `max_records` records (never more than `MAX_BATCH_RECORDS`).
#[tracing::instrument(skip_all, fields(council = %batch.council_code, records = batch.len()))]
pub async fn sync(db: &DatabaseConnection, actor: &Principal, batch: SyncBatch, max_records: usize) -> AppResult<SyncOutcome> {
    crate::domain::code::check("councilCode", &batch.council_code).map_err(bad_input)?;
    actor.ensure_can_sync(&batch.council_code)?;
    let max = max_records.min(MAX_BATCH_RECORDS);
    if batch.len() > max {
        return Err(bad_input(format!("a batch holds at most {max} records; this one has {}", batch.len())));
    }
    // Two councils' batches may create the same new supplier at once; the
    // loser's transaction rolls back whole, so it is safe to run it again.
    let mut attempt = 0;
    loop {
        match sync_once(db, actor, &batch).await {
            Err(AppError::Contention) if attempt < 3 => attempt += 1,
            other => return other,
        }
    }
}

async fn sync_once(db: &DatabaseConnection, actor: &Principal, batch: &SyncBatch) -> AppResult<SyncOutcome> {
    let mut tx = WriteTx::begin(db, actor).await?;
    let council = council::Entity::find()
        .filter(council::Column::Code.eq(&batch.council_code))
        .one(&tx.txn)
        .await?
        .ok_or_else(|| bad_input(format!("unknown council {}", batch.council_code)))?;

    let payload = batch.payload_sha256();
    if let Some(key) = &batch.idempotency_key {
        if key.is_empty() || key.len() > 200 || key.chars().any(char::is_control) {
            return Err(bad_input("idempotencyKey must be 1 to 200 characters, none of them control characters"));
        }
        tx.lock(idempotency_lock(council.id, key)).await?;
        let stored = idempotency_key::Entity::find()
            .filter(idempotency_key::Column::CouncilId.eq(council.id))
            .filter(idempotency_key::Column::Key.eq(key))
            .one(&tx.txn)
            .await?;
        if let Some(stored) = stored {
            if stored.payload_sha256 != payload {
                return Err(conflict(format!("idempotencyKey {key:?} was already used with a different payload")));
            }
            let mut outcome: SyncOutcome = serde_json::from_str(&stored.result).map_err(|e| internal(e.to_string()))?;
            outcome.replayed = true;
            return Ok(outcome);
        }
    }

    let framework = FrameworkSnapshot::load(&tx.txn).await?;
    let existing = Existing::load(&tx.txn, council.id, batch).await?;
    let plan = match validate(batch, &framework, &existing) {
        Ok(plan) => plan,
        // Dropping the transaction rolls it back: nothing was written, and
        // no key is stored, so the client may fix the batch and send it again.
        Err(errors) => return Ok(SyncOutcome { applied: false, errors, ..Default::default() }),
    };
    let mut outcome = apply(&mut tx, council.id, plan, existing).await?;
    tx.flush().await?;
    outcome.cursor = Some(tx.feed_head(council.id).await?);
    if let Some(key) = batch.idempotency_key.clone() {
        let row = idempotency_key::ActiveModel {
            council_id: Set(council.id),
            key: Set(key),
            payload_sha256: Set(payload),
            result: Set(serde_json::to_string(&outcome).map_err(|e| internal(e.to_string()))?),
            created_at: Set(tx.at()),
            ..Default::default()
        };
        idempotency_key::Entity::insert(row).exec_without_returning(&tx.txn).await?;
    }
    tx.commit().await?;
    Ok(outcome)
}

/// What the database already holds for the keys a batch names.
struct Existing {
    suppliers: HashMap<String, supplier::Model>,
    contracts: HashMap<String, contract::Model>,
    commitments: HashMap<String, commitment::Model>,
    evidence: HashMap<String, evidence::Model>,
    /// Measure id of each existing commitment, for valuing evidence against it.
    commitment_measure: HashMap<String, i32>,
}

/// Records with these keys (of one council, for council records).
async fn find_by_keys<E, C>(db: &C, key: E::Column, keys: HashSet<&str>, scope: Option<(E::Column, i32)>) -> AppResult<Vec<E::Model>>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    let keys: Vec<String> = keys.into_iter().map(str::to_owned).collect();
    let also = match scope {
        Some((col, council_id)) => Condition::all().add(col.eq(council_id)),
        None => Condition::all(),
    };
    lookup::find_in::<E, _>(db, key, &keys, also, key).await
}

impl Existing {
    async fn load(db: &impl ConnectionTrait, council_id: i32, b: &SyncBatch) -> AppResult<Self> {
        let deleted = |entity: RecordEntity| b.deletions.iter().filter(move |d| d.entity == entity).map(|d| d.external_id.as_str());
        let supplier_keys = b.suppliers.iter().map(|s| s.supplier_ref.as_str()).chain(b.contracts.iter().map(|c| c.supplier_ref.as_str())).collect();
        let contract_keys = b
            .contracts
            .iter()
            .map(|c| c.external_id.as_str())
            .chain(b.commitments.iter().map(|c| c.contract_external_id.as_str()))
            .chain(deleted(RecordEntity::Contract))
            .collect();
        let commitment_keys = b
            .commitments
            .iter()
            .map(|c| c.external_id.as_str())
            .chain(b.evidence.iter().map(|e| e.commitment_external_id.as_str()))
            .chain(deleted(RecordEntity::Commitment))
            .collect();
        let evidence_keys = b.evidence.iter().map(|e| e.external_id.as_str()).chain(deleted(RecordEntity::Evidence)).collect();
        let suppliers = find_by_keys::<supplier::Entity, _>(db, supplier::Column::SupplierRef, supplier_keys, None).await?;
        let contracts =
            find_by_keys::<contract::Entity, _>(db, contract::Column::ExternalId, contract_keys, Some((contract::Column::CouncilId, council_id))).await?;
        let commitments =
            find_by_keys::<commitment::Entity, _>(db, commitment::Column::ExternalId, commitment_keys, Some((commitment::Column::CouncilId, council_id)))
                .await?;
        let evidence =
            find_by_keys::<evidence::Entity, _>(db, evidence::Column::ExternalId, evidence_keys, Some((evidence::Column::CouncilId, council_id))).await?;
        Ok(Self {
            suppliers: suppliers.into_iter().map(|m| (m.supplier_ref.clone(), m)).collect(),
            contracts: contracts.into_iter().map(|m| (m.external_id.clone(), m)).collect(),
            commitment_measure: commitments.iter().filter(|m| !m.deleted).map(|m| (m.external_id.clone(), m.measure_id)).collect(),
            commitments: commitments.into_iter().map(|m| (m.external_id.clone(), m)).collect(),
            evidence: evidence.into_iter().map(|m| (m.external_id.clone(), m)).collect(),
        })
    }

    fn live_contract(&self, external_id: &str) -> bool {
        self.contracts.get(external_id).is_some_and(|m| !m.deleted)
    }
}

/// Validated content of each record, references still by key (they may point
/// at records created by this same batch).
struct Plan {
    suppliers: Vec<SupplierIn>,
    contracts: Vec<(ContractIn, Money, Option<Percent>)>,
    commitments: Vec<(CommitmentIn, i32, Quantity)>,
    evidence: Vec<(EvidenceIn, Quarter, Quantity, Option<Sha256>)>,
    /// Live records to tombstone, by entity and row id.
    deletions: Vec<(RecordEntity, i32)>,
}

/// Collects every invalid record of the batch, not just the first.
struct Problems(Vec<SyncError>);

impl Problems {
    fn add(&mut self, entity: &'static str, index: usize, external_id: &str, code: &'static str, message: impl Into<String>) {
        self.0.push(SyncError { entity, index, external_id: Some(external_id.to_owned()), code, message: message.into() });
    }
}

fn quantity(text: &str) -> Result<Quantity, String> {
    match Quantity::parse(text) {
        Ok(q) if q > Quantity::MAX => Err(format!("\"{text}\" is more than {}", Quantity::MAX)),
        Ok(q) => Ok(q),
        Err(e) => Err(e.to_string()),
    }
}

/// The first field whose text holds U+0000, which PostgreSQL cannot store
/// (and SQLite would store silently).
fn with_nul<'a>(fields: &[(&'a str, Option<&String>)]) -> Option<&'a str> {
    fields.iter().find(|(_, v)| v.is_some_and(|v| v.contains('\0'))).map(|(f, _)| *f)
}

fn nul_message(field: &str) -> String {
    format!("{field}: contains a NUL character (U+0000)")
}

fn bad_text(value: &str) -> bool {
    value.trim().is_empty() || value.len() > 200
}

/// Positions of every record whose key occurs more than once in its list.
fn duplicates<K: std::hash::Hash + Eq>(keys: impl Iterator<Item = K> + Clone) -> HashSet<usize> {
    let mut seen: HashMap<K, usize> = HashMap::new();
    for k in keys.clone() {
        *seen.entry(k).or_default() += 1;
    }
    keys.enumerate().filter(|(_, k)| seen[k] > 1).map(|(i, _)| i).collect()
}

fn validate(b: &SyncBatch, fw: &FrameworkSnapshot, existing: &Existing) -> Result<Plan, Vec<SyncError>> {
    // A record refused as a type has its error already and is not checked
    // again (its placeholders would only add noise); others may refer to it.
    let mut p = Problems(b.refused.clone());
    let refused: HashSet<(&str, usize)> = b.refused.iter().map(|e| (e.entity, e.index)).collect();
    let mut plan = Plan { suppliers: Vec::new(), contracts: Vec::new(), commitments: Vec::new(), evidence: Vec::new(), deletions: Vec::new() };
    let deleting = |entity: RecordEntity| -> HashSet<&str> { b.deletions.iter().filter(|d| d.entity == entity).map(|d| d.external_id.as_str()).collect() };
    let (deleted_contracts, deleted_commitments) = (deleting(RecordEntity::Contract), deleting(RecordEntity::Commitment));
    let deleted_contract_ids: HashSet<i32> = deleted_contracts.iter().filter_map(|k| existing.contracts.get(*k)).map(|m| m.id).collect();

    let dup = duplicates(b.suppliers.iter().map(|s| s.supplier_ref.as_str()));
    for (i, s) in b.suppliers.iter().enumerate() {
        let e = "SUPPLIER";
        if let Some(field) = with_nul(&[
            ("ref", Some(&s.supplier_ref)),
            ("name", Some(&s.name)),
            ("companiesHouseNumber", s.companies_house_number.as_ref()),
            ("postcode", s.postcode.as_ref()),
        ]) {
            p.add(e, i, &s.supplier_ref, "INVALID_VALUE", nul_message(field));
        } else if dup.contains(&i) {
            p.add(e, i, &s.supplier_ref, "DUPLICATE", format!("supplier {} appears more than once in the batch", s.supplier_ref));
        } else if bad_text(&s.supplier_ref) || bad_text(&s.name) {
            p.add(e, i, &s.supplier_ref, "INVALID_VALUE", "ref and name must be 1 to 200 characters");
        } else {
            plan.suppliers.push(s.clone());
        }
    }
    let batch_suppliers: HashSet<&str> = b.suppliers.iter().map(|s| s.supplier_ref.as_str()).collect();

    let dup = duplicates(b.contracts.iter().map(|c| c.external_id.as_str()));
    for (i, c) in b.contracts.iter().enumerate() {
        let (e, id) = ("CONTRACT", c.external_id.as_str());
        if refused.contains(&(e, i)) {
            continue;
        }
        let before = p.0.len();
        if let Some(field) = with_nul(&[("externalId", Some(&c.external_id)), ("title", Some(&c.title)), ("supplierRef", Some(&c.supplier_ref))]) {
            p.add(e, i, id, "INVALID_VALUE", nul_message(field));
        }
        if dup.contains(&i) {
            p.add(e, i, id, "DUPLICATE", format!("contract {id} appears more than once in the batch"));
        }
        if bad_text(id) || bad_text(&c.title) {
            p.add(e, i, id, "INVALID_VALUE", "externalId and title must be 1 to 200 characters");
        }
        if !batch_suppliers.contains(c.supplier_ref.as_str()) && !existing.suppliers.contains_key(&c.supplier_ref) {
            p.add(e, i, id, "UNKNOWN_REFERENCE", format!("unknown supplier {}", c.supplier_ref));
        }
        let value = Money::parse(&c.value_gbp).map_err(|err| p.add(e, i, id, "INVALID_VALUE", format!("valueGbp: {err}"))).ok();
        let weighting = match &c.social_value_weighting_pct {
            None => Some(None),
            Some(text) => match Percent::parse(text) {
                Ok(v) if v.scaled() <= 10_000 => Some(Some(v)),
                Ok(_) => {
                    p.add(e, i, id, "INVALID_VALUE", "socialValueWeightingPct must be at most 100");
                    None
                }
                Err(err) => {
                    p.add(e, i, id, "INVALID_VALUE", format!("socialValueWeightingPct: {err}"));
                    None
                }
            },
        };
        if c.end_date < c.start_date {
            p.add(e, i, id, "INVALID_PERIOD", format!("endDate {} is before startDate {}", c.end_date, c.start_date));
        }
        if let (Some(v), Some(w), true) = (value, weighting, p.0.len() == before) {
            plan.contracts.push((c.clone(), v, w));
        }
    }
    let batch_contracts: HashSet<&str> = b.contracts.iter().map(|c| c.external_id.as_str()).collect();

    let dup = duplicates(b.commitments.iter().map(|c| c.external_id.as_str()));
    let mut batch_commitment_measure: HashMap<&str, Option<i32>> = HashMap::new();
    for (i, c) in b.commitments.iter().enumerate() {
        let (e, id) = ("COMMITMENT", c.external_id.as_str());
        let measure = fw.measures.get(&c.measure_code);
        batch_commitment_measure.insert(id, measure.map(|m| m.id));
        if refused.contains(&(e, i)) {
            continue;
        }
        let before = p.0.len();
        if let Some(field) =
            with_nul(&[("externalId", Some(&c.external_id)), ("contractExternalId", Some(&c.contract_external_id)), ("measureCode", Some(&c.measure_code))])
        {
            p.add(e, i, id, "INVALID_VALUE", nul_message(field));
        }
        if dup.contains(&i) {
            p.add(e, i, id, "DUPLICATE", format!("commitment {id} appears more than once in the batch"));
        }
        if bad_text(id) {
            p.add(e, i, id, "INVALID_VALUE", "externalId must be 1 to 200 characters");
        }
        let contract_known = batch_contracts.contains(c.contract_external_id.as_str()) || existing.live_contract(&c.contract_external_id);
        if !contract_known || deleted_contracts.contains(c.contract_external_id.as_str()) {
            p.add(e, i, id, "UNKNOWN_REFERENCE", format!("unknown contract {}", c.contract_external_id));
        }
        match measure {
            None => p.add(e, i, id, "UNKNOWN_REFERENCE", format!("unknown measure {}", c.measure_code)),
            Some(m) if fw.proxy(m.id, c.financial_year).is_none() => {
                p.add(e, i, id, "NO_PROXY", format!("measure {} has no proxy for financial year {}", c.measure_code, c.financial_year))
            }
            Some(_) => {}
        }
        if FinancialYear::parse(c.financial_year).is_none() {
            p.add(e, i, id, "INVALID_VALUE", format!("financialYear {} is out of range", c.financial_year));
        }
        let target = quantity(&c.target_quantity).map_err(|err| p.add(e, i, id, "INVALID_VALUE", format!("targetQuantity: {err}"))).ok();
        if let (Some(m), Some(t), true) = (measure, target, p.0.len() == before) {
            plan.commitments.push((c.clone(), m.id, t));
        }
    }

    let dup = duplicates(b.evidence.iter().map(|e| e.external_id.as_str()));
    for (i, ev) in b.evidence.iter().enumerate() {
        let (e, id) = ("EVIDENCE", ev.external_id.as_str());
        if refused.contains(&(e, i)) {
            continue;
        }
        let before = p.0.len();
        if let Some(field) = with_nul(&[
            ("externalId", Some(&ev.external_id)),
            ("commitmentExternalId", Some(&ev.commitment_external_id)),
            ("evidenceUrl", ev.evidence_url.as_ref()),
            ("evidenceSha256", ev.evidence_sha256.as_ref()),
        ]) {
            p.add(e, i, id, "INVALID_VALUE", nul_message(field));
        }
        if dup.contains(&i) {
            p.add(e, i, id, "DUPLICATE", format!("evidence {id} appears more than once in the batch"));
        }
        if bad_text(id) {
            p.add(e, i, id, "INVALID_VALUE", "externalId must be 1 to 200 characters");
        }
        let key = ev.commitment_external_id.as_str();
        let parent_deleted = deleted_commitments.contains(key)
            || existing.commitments.get(key).is_some_and(|c| !batch_commitment_measure.contains_key(key) && deleted_contract_ids.contains(&c.contract_id));
        if parent_deleted {
            p.add(e, i, id, "UNKNOWN_REFERENCE", format!("commitment {key} is deleted by this batch"));
        }
        let measure_id = match batch_commitment_measure.get(key) {
            Some(m) => *m,
            None => match existing.commitment_measure.get(key) {
                Some(m) => Some(*m),
                None => {
                    p.add(e, i, id, "UNKNOWN_REFERENCE", format!("unknown commitment {key}"));
                    None
                }
            },
        };
        let quarter = Quarter::of_period(ev.period_start, ev.period_end);
        match quarter {
            None => p.add(
                e,
                i,
                id,
                "INVALID_PERIOD",
                format!("period {}..{} must not end before it starts and must lie inside one financial quarter", ev.period_start, ev.period_end),
            ),
            Some(q) => {
                if let Some(m) = measure_id
                    && fw.proxy(m, q.year.0).is_none()
                {
                    p.add(e, i, id, "NO_PROXY", format!("the commitment's measure has no proxy for financial year {}", q.year.0));
                }
            }
        }
        let quantity = quantity(&ev.quantity).map_err(|err| p.add(e, i, id, "INVALID_VALUE", format!("quantity: {err}"))).ok();
        let sha = match &ev.evidence_sha256 {
            None => Some(None),
            Some(text) => match Sha256::parse(text) {
                Some(s) => Some(Some(s)),
                None => {
                    p.add(e, i, id, "INVALID_SHA256", "evidenceSha256 must be 64 hexadecimal characters");
                    None
                }
            },
        };
        if ev.evidence_url.as_deref().is_some_and(|u| u.len() > 2000) {
            p.add(e, i, id, "INVALID_VALUE", "evidenceUrl must be at most 2000 characters");
        }
        if let (Some(q), Some(qty), Some(sha), true) = (quarter, quantity, sha, p.0.len() == before) {
            plan.evidence.push((ev.clone(), q, qty, sha));
        }
    }

    let dup = duplicates(b.deletions.iter().map(|d| (d.entity.as_str(), d.external_id.as_str())));
    for (i, d) in b.deletions.iter().enumerate() {
        let (e, id) = (d.entity.as_str(), d.external_id.as_str());
        if with_nul(&[("externalId", Some(&d.external_id))]).is_some() {
            p.add(e, i, id, "INVALID_VALUE", nul_message("externalId"));
            continue;
        }
        if dup.contains(&i) {
            p.add(e, i, id, "DUPLICATE", format!("{e} {id} is deleted more than once in the batch"));
            continue;
        }
        let upserted = match d.entity {
            RecordEntity::Contract => batch_contracts.contains(id),
            RecordEntity::Commitment => batch_commitment_measure.contains_key(id),
            RecordEntity::Evidence => b.evidence.iter().any(|ev| ev.external_id == id),
        };
        if upserted {
            p.add(e, i, id, "INVALID_VALUE", format!("{e} {id} is both upserted and deleted in one batch"));
            continue;
        }
        let found = match d.entity {
            RecordEntity::Contract => existing.contracts.get(id).map(|m| (m.id, m.deleted)),
            RecordEntity::Commitment => existing.commitments.get(id).map(|m| (m.id, m.deleted)),
            RecordEntity::Evidence => existing.evidence.get(id).map(|m| (m.id, m.deleted)),
        };
        match found {
            None => p.add(e, i, id, "UNKNOWN_REFERENCE", format!("there is no {e} {id} to delete")),
            // Deleting what is already deleted is a retry: nothing to do.
            Some((_, true)) => {}
            Some((row, false)) => plan.deletions.push((d.entity, row)),
        }
    }

    if p.0.is_empty() { Ok(plan) } else { Err(p.0) }
}

/// A stored record that sync can upsert: its key, how to compare content
/// (ignoring id, version and timestamps) and how to write it.
trait Upsertable: Sized + Clone + Send + Sync {
    type Active: ActiveModelTrait + Send;
    fn key(&self) -> &str;
    fn id(&self) -> i32;
    fn set_id(&mut self, id: i32);
    fn version(&self) -> i32;
    fn same_content(&self, other: &Self) -> bool;
    fn is_deleted(&self) -> bool;
    /// A new record: version 1, id left to the database.
    fn for_insert(self, now: DateTime<Utc>) -> Self::Active;
    /// A changed (or revived) record: the next version, every column rewritten.
    fn for_update(self, existing: &Self, now: DateTime<Utc>) -> Self::Active;
}

macro_rules! upsertable {
    ($module:ident, key: $key:ident, deleted: |$d:ident| $deleted:expr, same: |$a:ident, $b:ident| $same:expr) => {
        impl Upsertable for $module::Model {
            type Active = $module::ActiveModel;
            fn key(&self) -> &str {
                &self.$key
            }
            fn id(&self) -> i32 {
                self.id
            }
            fn set_id(&mut self, id: i32) {
                self.id = id;
            }
            fn version(&self) -> i32 {
                self.version
            }
            fn same_content(&self, other: &Self) -> bool {
                let ($a, $b) = (self, other);
                $same
            }
            fn is_deleted(&self) -> bool {
                let $d = self;
                $deleted
            }
            fn for_insert(mut self, now: DateTime<Utc>) -> Self::Active {
                self.version = 1;
                self.updated_at = now;
                let mut am = self.into_active_model().reset_all();
                am.id = ActiveValue::NotSet;
                am
            }
            fn for_update(mut self, existing: &Self, now: DateTime<Utc>) -> Self::Active {
                self.version = existing.version + 1;
                self.updated_at = now;
                let mut am = self.into_active_model().reset_all();
                am.id = ActiveValue::Unchanged(existing.id);
                am
            }
        }
    };
}

upsertable!(supplier, key: supplier_ref, deleted: |_m| false, same: |a, b| a.name == b.name
    && a.companies_house_number == b.companies_house_number
    && a.postcode == b.postcode
    && a.is_sme == b.is_sme
    && a.is_vcse == b.is_vcse);
upsertable!(contract, key: external_id, deleted: |m| m.deleted, same: |a, b| a.title == b.title
    && a.supplier_id == b.supplier_id
    && a.value_pence == b.value_pence
    && a.start_date == b.start_date
    && a.end_date == b.end_date
    && a.social_value_weighting_centi == b.social_value_weighting_centi);
upsertable!(commitment, key: external_id, deleted: |m| m.deleted, same: |a, b| a.contract_id == b.contract_id
    && a.measure_id == b.measure_id
    && a.financial_year == b.financial_year
    && a.target_centi == b.target_centi);
upsertable!(evidence, key: external_id, deleted: |m| m.deleted, same: |a, b| a.commitment_id == b.commitment_id
    && a.period_start == b.period_start
    && a.period_end == b.period_end
    && a.quantity_centi == b.quantity_centi
    && a.status == b.status
    && a.evidence_url == b.evidence_url
    && a.evidence_sha256 == b.evidence_sha256);

/// A record this batch created or changed: as it was (None when new) and as it is now.
struct Written<M> {
    before: Option<M>,
    after: M,
}

/// Writes desired records against what exists: insert the new, update the
/// changed or revived (version + 1), leave the unchanged alone. Returns what
/// was written, with the ids the database gave new rows.
async fn upsert<M>(
    tx: &WriteTx<'_>,
    desired: Vec<(M, Option<&M>)>,
    ids_of: impl AsyncFnOnce(Vec<String>) -> AppResult<HashMap<String, i32>>,
) -> AppResult<(Counts, Vec<Written<M>>)>
where
    M: Upsertable,
    M::Active: ActiveModelBehavior,
    <<M::Active as ActiveModelTrait>::Entity as EntityTrait>::Model: IntoActiveModel<M::Active>,
{
    let mut counts = Counts::default();
    let mut inserts = Vec::new();
    let mut written = Vec::new();
    for (row, existing) in desired {
        match existing {
            Some(e) if !e.is_deleted() && e.same_content(&row) => counts.unchanged += 1,
            Some(e) => {
                let mut after = row.clone();
                after.set_id(e.id());
                row.for_update(e, tx.now).update(&tx.txn).await?;
                counts.updated += 1;
                written.push(Written { before: Some(e.clone()), after });
            }
            None => {
                inserts.push(row.clone().for_insert(tx.now));
                counts.created += 1;
                written.push(Written { before: None, after: row });
            }
        }
    }
    write::insert_chunked(&tx.txn, inserts).await?;
    let new_keys: Vec<String> = written.iter().filter(|w| w.before.is_none()).map(|w| w.after.key().to_owned()).collect();
    if !new_keys.is_empty() {
        let ids = ids_of(new_keys).await?;
        for w in written.iter_mut().filter(|w| w.before.is_none()) {
            w.after.set_id(ids[w.after.key()]);
        }
    }
    Ok((counts, written))
}

/// Ids by key, for new rows and for the next stage's references.
async fn ids_by_key<E: EntityTrait>(
    db: &impl ConnectionTrait,
    key: E::Column,
    keys: HashSet<&str>,
    council: Option<(E::Column, i32)>,
    key_and_id: impl Fn(&E::Model) -> (String, i32),
) -> AppResult<HashMap<String, i32>> {
    Ok(find_by_keys::<E, _>(db, key, keys, council).await?.iter().map(key_and_id).collect())
}

/// Audit event (and, for council records, feed row) for each written record.
fn record_written<M: Upsertable>(
    tx: &mut WriteTx<'_>,
    council_id: Option<i32>,
    entity: &'static str,
    feed: Option<RecordEntity>,
    written: &[Written<M>],
    snapshot: impl Fn(&M) -> serde_json::Value,
) {
    for w in written {
        let version = w.before.as_ref().map_or(1, |b| b.version() + 1);
        tx.record(Change {
            council_id,
            entity,
            record_id: match feed {
                Some(kind) => kind.node_id(w.after.id()),
                None => w.after.key().to_owned(),
            },
            action: if w.before.as_ref().is_some_and(|b| !b.is_deleted()) { Action::Update } else { Action::Create },
            before: w.before.as_ref().filter(|b| !b.is_deleted()).map(&snapshot),
            after: Some(snapshot(&w.after)),
            feed: feed.zip(council_id).map(|(_, council_id)| FeedEntry { council_id, external_id: w.after.key().to_owned(), record_id: w.after.id(), version }),
        });
    }
}

async fn apply(tx: &mut WriteTx<'_>, council_id: i32, plan: Plan, existing: Existing) -> AppResult<SyncOutcome> {
    let now = tx.now;
    let mut out = SyncOutcome { applied: true, ..Default::default() };

    let rows = plan
        .suppliers
        .iter()
        .map(|s| {
            let row = supplier::Model {
                id: 0,
                supplier_ref: s.supplier_ref.clone(),
                name: s.name.trim().to_owned(),
                companies_house_number: s.companies_house_number.clone().filter(|v| !v.is_empty()),
                postcode: s.postcode.clone().filter(|v| !v.is_empty()),
                is_sme: s.is_sme,
                is_vcse: s.is_vcse,
                version: 0,
                updated_at: now,
            };
            (row, existing.suppliers.get(&s.supplier_ref))
        })
        .collect();
    let db = &tx.txn;
    let supplier_ids = async |keys: Vec<String>| {
        ids_by_key::<supplier::Entity>(db, supplier::Column::SupplierRef, keys.iter().map(String::as_str).collect(), None, |m| (m.supplier_ref.clone(), m.id))
            .await
    };
    let (counts, suppliers) = upsert(tx, rows, supplier_ids).await?;
    out.suppliers = counts;
    let supplier_ids = ids_by_key::<supplier::Entity>(
        &tx.txn,
        supplier::Column::SupplierRef,
        plan.contracts.iter().map(|(c, ..)| c.supplier_ref.as_str()).collect(),
        None,
        |m| (m.supplier_ref.clone(), m.id),
    )
    .await?;

    let by_external_id = |entity: RecordEntity| {
        let db = &tx.txn;
        async move |keys: Vec<String>| -> AppResult<HashMap<String, i32>> {
            let keys = keys.iter().map(String::as_str).collect();
            match entity {
                RecordEntity::Contract => {
                    ids_by_key::<contract::Entity>(db, contract::Column::ExternalId, keys, Some((contract::Column::CouncilId, council_id)), |m| {
                        (m.external_id.clone(), m.id)
                    })
                    .await
                }
                RecordEntity::Commitment => {
                    ids_by_key::<commitment::Entity>(db, commitment::Column::ExternalId, keys, Some((commitment::Column::CouncilId, council_id)), |m| {
                        (m.external_id.clone(), m.id)
                    })
                    .await
                }
                RecordEntity::Evidence => {
                    ids_by_key::<evidence::Entity>(db, evidence::Column::ExternalId, keys, Some((evidence::Column::CouncilId, council_id)), |m| {
                        (m.external_id.clone(), m.id)
                    })
                    .await
                }
            }
        }
    };

    let rows = plan
        .contracts
        .iter()
        .map(|(c, value, weighting)| {
            let row = contract::Model {
                id: 0,
                council_id,
                external_id: c.external_id.clone(),
                title: c.title.trim().to_owned(),
                supplier_id: supplier_ids[&c.supplier_ref],
                value_pence: value.scaled(),
                start_date: c.start_date,
                end_date: c.end_date,
                social_value_weighting_centi: weighting.map(Percent::scaled),
                version: 0,
                updated_at: now,
                deleted: false,
            };
            (row, existing.contracts.get(&c.external_id))
        })
        .collect();
    let (counts, contracts) = upsert(tx, rows, by_external_id(RecordEntity::Contract)).await?;
    out.contracts = counts;
    let contract_ids = by_external_id(RecordEntity::Contract)(plan.commitments.iter().map(|(c, ..)| c.contract_external_id.clone()).collect()).await?;

    let rows = plan
        .commitments
        .iter()
        .map(|(c, measure_id, target)| {
            let row = commitment::Model {
                id: 0,
                council_id,
                external_id: c.external_id.clone(),
                contract_id: contract_ids[&c.contract_external_id],
                measure_id: *measure_id,
                financial_year: c.financial_year,
                target_centi: target.scaled(),
                version: 0,
                updated_at: now,
                deleted: false,
            };
            (row, existing.commitments.get(&c.external_id))
        })
        .collect();
    let (counts, commitments) = upsert(tx, rows, by_external_id(RecordEntity::Commitment)).await?;
    out.commitments = counts;
    let commitment_ids = by_external_id(RecordEntity::Commitment)(plan.evidence.iter().map(|(e, ..)| e.commitment_external_id.clone()).collect()).await?;

    let rows = plan
        .evidence
        .iter()
        .map(|(e, quarter, quantity, sha)| {
            let prior = existing.evidence.get(&e.external_id);
            let row = evidence::Model {
                id: 0,
                council_id,
                external_id: e.external_id.clone(),
                commitment_id: commitment_ids[&e.commitment_external_id],
                period_start: e.period_start,
                period_end: e.period_end,
                financial_year: quarter.year.0,
                quarter: quarter.number,
                quantity_centi: quantity.scaled(),
                status: e.status.as_str().to_owned(),
                evidence_url: e.evidence_url.clone().filter(|v| !v.is_empty()),
                evidence_sha256: sha.as_ref().map(|s| s.as_str().to_owned()),
                // Who submitted evidence, and any review of it, is kept across re-syncs.
                submitted_by: prior.map_or_else(|| tx.actor.subject.clone(), |p| p.submitted_by.clone()),
                reviewed_by: prior.and_then(|p| p.reviewed_by.clone()),
                reviewed_at: prior.and_then(|p| p.reviewed_at),
                review_comment: prior.and_then(|p| p.review_comment.clone()),
                version: 0,
                updated_at: now,
                deleted: false,
            };
            (row, prior)
        })
        .collect();
    let (counts, evidence) = upsert(tx, rows, by_external_id(RecordEntity::Evidence)).await?;
    out.evidence = counts;

    // Snapshots name references by key: look up every key they mention at once.
    let mut wanted = Wanted::default();
    contracts.iter().flat_map(|w| w.before.iter().chain([&w.after])).for_each(|m| wanted.contract(m));
    commitments.iter().flat_map(|w| w.before.iter().chain([&w.after])).for_each(|m| wanted.commitment(m));
    evidence.iter().flat_map(|w| w.before.iter().chain([&w.after])).for_each(|m| wanted.evidence(m));
    let names = Names::load(&tx.txn, &wanted).await?;
    record_written(tx, None, "SUPPLIER", None, &suppliers, snapshot::supplier);
    record_written(tx, Some(council_id), "CONTRACT", Some(RecordEntity::Contract), &contracts, |m| snapshot::contract(m, &names));
    record_written(tx, Some(council_id), "COMMITMENT", Some(RecordEntity::Commitment), &commitments, |m| snapshot::commitment(m, &names));
    record_written(tx, Some(council_id), "EVIDENCE", Some(RecordEntity::Evidence), &evidence, |m| snapshot::evidence(m, &names));

    for entity in RecordEntity::ALL {
        let ids: Vec<i32> = plan.deletions.iter().filter(|(e, _)| *e == entity).map(|(_, id)| *id).collect();
        if !ids.is_empty() {
            out.deleted += tombstone::tombstone(tx, entity, &ids).await?;
        }
    }
    Ok(out)
}
