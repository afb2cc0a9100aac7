//! The checks of a whole batch, before anything is written: every invalid
//! record is reported (not just the first), each against its list and
//! position. Pure: it reads the batch, the framework and what already
//! exists, and decides; it neither awaits nor writes.

use std::collections::{HashMap, HashSet};

use super::existing::Existing;
use super::input::{CommitmentIn, ContractIn, EvidenceIn, SupplierIn, SyncBatch, SyncError};
use crate::domain::{EvidenceStatus, FinancialYear, Money, Percent, Quantity, Quarter, RecordEntity, Sha256};
use crate::service::framework::FrameworkSnapshot;

/// Validated content of each record, references still by key (they may point
/// at records created by this same batch).
#[derive(Debug, Default)]
pub(super) struct ValidBatch {
    pub suppliers: Vec<SupplierIn>,
    /// With the contract's framework id.
    pub contracts: Vec<(ContractIn, Money, Option<Percent>, i32)>,
    /// With the measure's id.
    pub commitments: Vec<(CommitmentIn, i32, Quantity)>,
    pub evidence: Vec<ValidEvidence>,
    /// Live records to tombstone, by entity and row id.
    pub deletions: Vec<(RecordEntity, i32)>,
}

/// An evidence record's parsed values.
#[derive(Debug)]
pub(super) struct ValidEvidence {
    pub input: EvidenceIn,
    pub quarter: Quarter,
    pub quantity: Quantity,
    /// Set exactly when verified.
    pub validated: Option<Quantity>,
    pub sha256: Option<Sha256>,
}

/// Every record of `batch` (a batch of a council that reports in framework
/// `council_framework`) checked, or every problem found.
pub(super) fn validate(batch: &SyncBatch, framework: &FrameworkSnapshot, council_framework: i32, existing: &Existing) -> Result<ValidBatch, Vec<SyncError>> {
    let mut check = Checks::new(batch, framework, council_framework, existing);
    check.suppliers();
    check.contracts();
    check.commitments();
    check.evidence();
    check.deletions();
    if check.problems.is_empty() { Ok(check.valid) } else { Err(check.problems) }
}

/// The state of one validation: what is valid so far, what is wrong, and
/// what the batch itself names (records may refer to others in the batch).
struct Checks<'a> {
    batch: &'a SyncBatch,
    framework: &'a FrameworkSnapshot,
    council_framework: i32,
    existing: &'a Existing,
    valid: ValidBatch,
    problems: Vec<SyncError>,
    /// Records refused as a type before validation have their error already
    /// and are not checked again (their placeholders would only add noise);
    /// others may still refer to them.
    refused: HashSet<(&'static str, usize)>,
    /// Measure of each commitment in the batch (None when unknown), by external id.
    batch_commitment_measure: HashMap<&'a str, Option<i32>>,
    /// Framework of each valid contract in the batch, by external id.
    batch_contract_framework: HashMap<&'a str, i32>,
    /// External ids the batch deletes, by entity, and the row ids of the
    /// existing contracts among them.
    deleted_contracts: HashSet<&'a str>,
    deleted_commitments: HashSet<&'a str>,
    deleted_contract_ids: HashSet<i32>,
}

impl<'a> Checks<'a> {
    fn new(batch: &'a SyncBatch, framework: &'a FrameworkSnapshot, council_framework: i32, existing: &'a Existing) -> Self {
        let deleting =
            |entity: RecordEntity| -> HashSet<&'a str> { batch.deletions.iter().filter(|d| d.entity == entity).map(|d| d.external_id.as_str()).collect() };
        let deleted_contracts = deleting(RecordEntity::Contract);
        let deleted_contract_ids = deleted_contracts.iter().filter_map(|k| existing.contracts.get(*k)).map(|m| m.id).collect();
        Self {
            batch,
            framework,
            council_framework,
            existing,
            valid: ValidBatch::default(),
            problems: batch.refused.clone(),
            refused: batch.refused.iter().map(|e| (e.entity, e.index)).collect(),
            batch_commitment_measure: HashMap::new(),
            batch_contract_framework: HashMap::new(),
            deleted_commitments: deleting(RecordEntity::Commitment),
            deleted_contracts,
            deleted_contract_ids,
        }
    }

    fn add(&mut self, entity: &'static str, index: usize, external_id: &str, code: &'static str, message: impl Into<String>) {
        self.problems.push(SyncError { entity, index, external_id: Some(external_id.to_owned()), code, message: message.into() });
    }

    fn suppliers(&mut self) {
        let dup = duplicates(self.batch.suppliers.iter().map(|s| s.supplier_ref.as_str()));
        for (i, s) in self.batch.suppliers.iter().enumerate() {
            let e = "SUPPLIER";
            if let Some(field) = with_nul(&[
                ("ref", Some(&s.supplier_ref)),
                ("name", Some(&s.name)),
                ("companiesHouseNumber", s.companies_house_number.as_ref()),
                ("postcode", s.postcode.as_ref()),
            ]) {
                self.add(e, i, &s.supplier_ref, "INVALID_VALUE", nul_message(field));
            } else if dup.contains(&i) {
                self.add(e, i, &s.supplier_ref, "DUPLICATE", format!("supplier {} appears more than once in the batch", s.supplier_ref));
            } else if bad_text(&s.supplier_ref) || bad_text(&s.name) {
                self.add(e, i, &s.supplier_ref, "INVALID_VALUE", "ref and name must be 1 to 200 characters");
            } else {
                self.valid.suppliers.push(s.clone());
            }
        }
    }

    fn contracts(&mut self) {
        let batch_suppliers: HashSet<&str> = self.batch.suppliers.iter().map(|s| s.supplier_ref.as_str()).collect();
        let dup = duplicates(self.batch.contracts.iter().map(|c| c.external_id.as_str()));
        for (i, c) in self.batch.contracts.iter().enumerate() {
            let (e, id) = ("CONTRACT", c.external_id.as_str());
            if self.refused.contains(&(e, i)) {
                continue;
            }
            let before = self.problems.len();
            if let Some(field) = with_nul(&[("externalId", Some(&c.external_id)), ("title", Some(&c.title)), ("supplierRef", Some(&c.supplier_ref))]) {
                self.add(e, i, id, "INVALID_VALUE", nul_message(field));
            }
            if dup.contains(&i) {
                self.add(e, i, id, "DUPLICATE", format!("contract {id} appears more than once in the batch"));
            }
            if bad_text(id) || bad_text(&c.title) {
                self.add(e, i, id, "INVALID_VALUE", "externalId and title must be 1 to 200 characters");
            }
            if !batch_suppliers.contains(c.supplier_ref.as_str()) && !self.existing.suppliers.contains_key(&c.supplier_ref) {
                self.add(e, i, id, "UNKNOWN_REFERENCE", format!("unknown supplier {}", c.supplier_ref));
            }
            let value = Money::parse(&c.value_gbp).map_err(|err| self.add(e, i, id, "INVALID_VALUE", format!("valueGbp: {err}"))).ok();
            let weighting = match c.social_value_weighting_pct.as_deref().map(weighting) {
                None => Some(None),
                Some(Ok(w)) => Some(Some(w)),
                Some(Err(message)) => {
                    self.add(e, i, id, "INVALID_VALUE", message);
                    None
                }
            };
            if c.end_date < c.start_date {
                self.add(e, i, id, "INVALID_PERIOD", format!("endDate {} is before startDate {}", c.end_date, c.start_date));
            }
            let framework = match c.framework_code.as_deref() {
                None => Some(self.council_framework),
                Some(code) => match self.framework.framework(code) {
                    Some(f) => Some(f.id),
                    None => {
                        self.add(e, i, id, "UNKNOWN_REFERENCE", format!("unknown framework {code}"));
                        None
                    }
                },
            };
            if let (Some(v), Some(w), Some(f), true) = (value, weighting, framework, self.problems.len() == before) {
                self.batch_contract_framework.insert(id, f);
                self.valid.contracts.push((c.clone(), v, w, f));
            }
        }
    }

    fn commitments(&mut self) {
        let batch_contracts: HashSet<&str> = self.batch.contracts.iter().map(|c| c.external_id.as_str()).collect();
        let dup = duplicates(self.batch.commitments.iter().map(|c| c.external_id.as_str()));
        for (i, c) in self.batch.commitments.iter().enumerate() {
            let (e, id) = ("COMMITMENT", c.external_id.as_str());
            // A measure code means a measure of the contract's framework.
            let contract_framework = match self.batch_contract_framework.get(c.contract_external_id.as_str()) {
                Some(f) => *f,
                None => self.existing.contracts.get(&c.contract_external_id).map_or(self.council_framework, |k| k.framework_id),
            };
            let measure = self.framework.measure(contract_framework, &c.measure_code);
            self.batch_commitment_measure.insert(id, measure.map(|m| m.id));
            if self.refused.contains(&(e, i)) {
                continue;
            }
            let before = self.problems.len();
            if let Some(field) =
                with_nul(&[("externalId", Some(&c.external_id)), ("contractExternalId", Some(&c.contract_external_id)), ("measureCode", Some(&c.measure_code))])
            {
                self.add(e, i, id, "INVALID_VALUE", nul_message(field));
            }
            if dup.contains(&i) {
                self.add(e, i, id, "DUPLICATE", format!("commitment {id} appears more than once in the batch"));
            }
            if bad_text(id) {
                self.add(e, i, id, "INVALID_VALUE", "externalId must be 1 to 200 characters");
            }
            let contract_known = batch_contracts.contains(c.contract_external_id.as_str()) || self.existing.live_contract(&c.contract_external_id);
            if !contract_known || self.deleted_contracts.contains(c.contract_external_id.as_str()) {
                self.add(e, i, id, "UNKNOWN_REFERENCE", format!("unknown contract {}", c.contract_external_id));
            }
            match measure {
                None => self.add(e, i, id, "UNKNOWN_REFERENCE", format!("unknown measure {}", c.measure_code)),
                Some(m) if self.framework.lacks_proxy(m.id, c.financial_year) => {
                    self.add(e, i, id, "NO_PROXY", format!("measure {} has no regional proxy for financial year {}", c.measure_code, c.financial_year))
                }
                Some(_) => {}
            }
            if FinancialYear::parse(c.financial_year).is_none() {
                self.add(e, i, id, "INVALID_VALUE", format!("financialYear {} is out of range", c.financial_year));
            }
            let target = quantity(&c.target_quantity).map_err(|err| self.add(e, i, id, "INVALID_VALUE", format!("targetQuantity: {err}"))).ok();
            if let (Some(m), Some(t), true) = (measure, target, self.problems.len() == before) {
                self.valid.commitments.push((c.clone(), m.id, t));
            }
        }
    }

    /// Whether evidence on commitment `key` would hang from a record this
    /// batch deletes (the commitment, or the contract of an existing one).
    fn parent_deleted(&self, key: &str) -> bool {
        self.deleted_commitments.contains(key)
            || self
                .existing
                .commitments
                .get(key)
                .is_some_and(|c| !self.batch_commitment_measure.contains_key(key) && self.deleted_contract_ids.contains(&c.contract_id))
    }

    fn evidence(&mut self) {
        let dup = duplicates(self.batch.evidence.iter().map(|e| e.external_id.as_str()));
        for (i, ev) in self.batch.evidence.iter().enumerate() {
            let (e, id) = ("EVIDENCE", ev.external_id.as_str());
            if self.refused.contains(&(e, i)) {
                continue;
            }
            let before = self.problems.len();
            if let Some(field) = with_nul(&[
                ("externalId", Some(&ev.external_id)),
                ("commitmentExternalId", Some(&ev.commitment_external_id)),
                ("evidenceUrl", ev.evidence_url.as_ref()),
                ("evidenceSha256", ev.evidence_sha256.as_ref()),
            ]) {
                self.add(e, i, id, "INVALID_VALUE", nul_message(field));
            }
            if dup.contains(&i) {
                self.add(e, i, id, "DUPLICATE", format!("evidence {id} appears more than once in the batch"));
            }
            if bad_text(id) {
                self.add(e, i, id, "INVALID_VALUE", "externalId must be 1 to 200 characters");
            }
            let key = ev.commitment_external_id.as_str();
            if self.parent_deleted(key) {
                self.add(e, i, id, "UNKNOWN_REFERENCE", format!("commitment {key} is deleted by this batch"));
            }
            let measure_id = match self.batch_commitment_measure.get(key) {
                Some(m) => *m,
                None => match self.existing.commitment_measure.get(key) {
                    Some(m) => Some(*m),
                    None => {
                        self.add(e, i, id, "UNKNOWN_REFERENCE", format!("unknown commitment {key}"));
                        None
                    }
                },
            };
            let quarter = Quarter::of_period(ev.period_start, ev.period_end);
            match quarter {
                None => self.add(
                    e,
                    i,
                    id,
                    "INVALID_PERIOD",
                    format!("period {}..{} must not end before it starts and must lie inside one financial quarter", ev.period_start, ev.period_end),
                ),
                Some(q) => {
                    if let Some(m) = measure_id
                        && self.framework.lacks_proxy(m, q.year.0)
                    {
                        self.add(e, i, id, "NO_PROXY", format!("the commitment's measure has no regional proxy for financial year {}", q.year.0));
                    }
                }
            }
            let quantity = quantity(&ev.quantity).map_err(|err| self.add(e, i, id, "INVALID_VALUE", format!("quantity: {err}"))).ok();
            let validated = match (ev.status, ev.validated_quantity.as_deref(), quantity) {
                (EvidenceStatus::Verified, None, q) => q.map(Some),
                (EvidenceStatus::Verified, Some(text), Some(q)) => match self::quantity(text) {
                    Ok(v) if v <= q => Some(Some(v)),
                    Ok(_) => {
                        self.add(e, i, id, "INVALID_VALUE", format!("validatedQuantity {text} is more than quantity {}", ev.quantity));
                        None
                    }
                    Err(err) => {
                        self.add(e, i, id, "INVALID_VALUE", format!("validatedQuantity: {err}"));
                        None
                    }
                },
                (EvidenceStatus::Verified, Some(_), None) => None,
                (_, None, _) => Some(None),
                (_, Some(_), _) => {
                    self.add(e, i, id, "INVALID_VALUE", "validatedQuantity is allowed only with status VERIFIED");
                    None
                }
            };
            let sha = match &ev.evidence_sha256 {
                None => Some(None),
                Some(text) => match Sha256::parse(text) {
                    Some(s) => Some(Some(s)),
                    None => {
                        self.add(e, i, id, "INVALID_SHA256", "evidenceSha256 must be 64 hexadecimal characters");
                        None
                    }
                },
            };
            if ev.evidence_url.as_deref().is_some_and(|u| u.len() > 2000) {
                self.add(e, i, id, "INVALID_VALUE", "evidenceUrl must be at most 2000 characters");
            }
            if let (Some(q), Some(qty), Some(validated), Some(sha), true) = (quarter, quantity, validated, sha, self.problems.len() == before) {
                self.valid.evidence.push(ValidEvidence { input: ev.clone(), quarter: q, quantity: qty, validated, sha256: sha });
            }
        }
    }

    fn deletions(&mut self) {
        let batch_contracts: HashSet<&str> = self.batch.contracts.iter().map(|c| c.external_id.as_str()).collect();
        let batch_evidence: HashSet<&str> = self.batch.evidence.iter().map(|e| e.external_id.as_str()).collect();
        let dup = duplicates(self.batch.deletions.iter().map(|d| (d.entity.as_str(), d.external_id.as_str())));
        for (i, d) in self.batch.deletions.iter().enumerate() {
            let (e, id) = (d.entity.as_str(), d.external_id.as_str());
            if with_nul(&[("externalId", Some(&d.external_id))]).is_some() {
                self.add(e, i, id, "INVALID_VALUE", nul_message("externalId"));
                continue;
            }
            if dup.contains(&i) {
                self.add(e, i, id, "DUPLICATE", format!("{e} {id} is deleted more than once in the batch"));
                continue;
            }
            let upserted = match d.entity {
                RecordEntity::Contract => batch_contracts.contains(id),
                RecordEntity::Commitment => self.batch_commitment_measure.contains_key(id),
                RecordEntity::Evidence => batch_evidence.contains(id),
            };
            if upserted {
                self.add(e, i, id, "INVALID_VALUE", format!("{e} {id} is both upserted and deleted in one batch"));
                continue;
            }
            let found = match d.entity {
                RecordEntity::Contract => self.existing.contracts.get(id).map(|m| (m.id, m.deleted)),
                RecordEntity::Commitment => self.existing.commitments.get(id).map(|m| (m.id, m.deleted)),
                RecordEntity::Evidence => self.existing.evidence.get(id).map(|m| (m.id, m.deleted)),
            };
            match found {
                None => self.add(e, i, id, "UNKNOWN_REFERENCE", format!("there is no {e} {id} to delete")),
                // Deleting what is already deleted is a retry: nothing to do.
                Some((_, true)) => {}
                Some((row, false)) => self.valid.deletions.push((d.entity, row)),
            }
        }
    }
}

fn quantity(text: &str) -> Result<Quantity, String> {
    match Quantity::parse(text) {
        Ok(q) if q > Quantity::MAX => Err(format!("\"{text}\" is more than {}", Quantity::MAX)),
        Ok(q) => Ok(q),
        Err(e) => Err(e.to_string()),
    }
}

fn weighting(text: &str) -> Result<Percent, String> {
    match Percent::parse(text) {
        Ok(v) if v.scaled() <= 10_000 => Ok(v),
        Ok(_) => Err("socialValueWeightingPct must be at most 100".to_owned()),
        Err(err) => Err(format!("socialValueWeightingPct: {err}")),
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

#[cfg(test)]
mod tests;
