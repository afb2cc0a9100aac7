//! The tamper-evident audit trail: each event's hash covers the previous
//! event's hash and the event's own content, so editing, removing or
//! reordering a stored event breaks the chain from that point on.

use entity::{audit_event, council};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::read::page::{self, Page, PageRequest};
use super::scope::ReadScope;
use crate::auth::Principal;
use crate::error::AppResult;

/// The `prevHash` of the first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// SHA-256 over the previous hash and the event's canonical content: a JSON
/// array, so that no two different events serialise the same way.
pub fn hash(e: &audit_event::Model) -> String {
    let content = json!([e.seq, e.at, e.actor, e.role, e.council_id, e.action, e.entity, e.record_id, e.before, e.after]).to_string();
    let mut h = Sha256::new();
    h.update(e.prev_hash.as_bytes());
    h.update(content.as_bytes());
    hex::encode(h.finalize())
}

pub struct Head {
    pub seq: i64,
    pub hash: String,
}

pub async fn head(db: &impl ConnectionTrait) -> AppResult<Head> {
    let last = audit_event::Entity::find()
        .select_only()
        .column(audit_event::Column::Seq)
        .column(audit_event::Column::Hash)
        .order_by_desc(audit_event::Column::Seq)
        .limit(1)
        .into_tuple::<(i64, String)>()
        .one(db)
        .await?;
    Ok(match last {
        Some((seq, hash)) => Head { seq, hash },
        None => Head { seq: 0, hash: GENESIS.to_owned() },
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    pub valid: bool,
    pub checked_events: i64,
    pub first_broken_seq: Option<i64>,
    pub head_hash: String,
}

/// Events per read while verifying: bounded memory whatever the chain's length.
const VERIFY_PAGE: u64 = 10_000;

/// Re-verifies the whole chain from the first event.
#[tracing::instrument(skip_all)]
pub async fn verify(db: &impl ConnectionTrait, principal: &Principal) -> AppResult<ChainReport> {
    principal.ensure_can_verify_audit_chain()?;
    let (mut prev, mut after, mut checked) = (GENESIS.to_owned(), 0i64, 0i64);
    loop {
        let events =
            audit_event::Entity::find().filter(audit_event::Column::Seq.gt(after)).order_by_asc(audit_event::Column::Seq).limit(VERIFY_PAGE).all(db).await?;
        let Some(last) = events.last() else { break };
        after = last.seq;
        for e in &events {
            checked += 1;
            if e.prev_hash != prev || hash(e) != e.hash {
                return Ok(ChainReport { valid: false, checked_events: checked, first_broken_seq: Some(e.seq), head_hash: prev });
            }
            prev = e.hash.clone();
        }
    }
    Ok(ChainReport { valid: true, checked_events: checked, first_broken_seq: None, head_hash: prev })
}

#[derive(Debug, Default, Clone)]
pub struct AuditFilter {
    pub council_codes: Option<Vec<String>>,
    pub entity: Option<String>,
    pub external_id: Option<String>,
    pub actor: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// Audit events the caller may read: everything for auditor and
/// regional_admin; a council role sees its councils' events only.
#[tracing::instrument(skip_all)]
pub async fn events(
    db: &impl ConnectionTrait,
    principal: &Principal,
    scope: &ReadScope,
    filter: &AuditFilter,
    page: PageRequest,
) -> AppResult<Page<audit_event::Model>> {
    principal.ensure_can_read_audit_log()?;
    let mut cond = Condition::all();
    if let ReadScope::Councils(_) = scope {
        cond = cond.add(audit_event::Column::CouncilId.is_not_null()).add(scope.condition(audit_event::Column::CouncilId));
    }
    if let Some(codes) = &filter.council_codes {
        for code in codes {
            scope.ensure_can_read_council(code)?;
        }
        let ids = council::Entity::find().select_only().column(council::Column::Id).filter(council::Column::Code.is_in(codes.iter().cloned()));
        cond = cond.add(audit_event::Column::CouncilId.in_subquery(sea_orm::QueryTrait::into_query(ids)));
    }
    if let Some(entity) = &filter.entity {
        cond = cond.add(audit_event::Column::Entity.eq(entity.to_uppercase()));
    }
    if let Some(external_id) = &filter.external_id {
        // Council records are audited by node id; their external id is in the snapshots.
        cond = cond.add(
            Condition::any()
                .add(audit_event::Column::RecordId.eq(external_id.clone()))
                .add(audit_event::Column::After.like(format!("%\"externalId\":{}%", serde_json::to_string(external_id).unwrap_or_default())))
                .add(audit_event::Column::Before.like(format!("%\"externalId\":{}%", serde_json::to_string(external_id).unwrap_or_default()))),
        );
    }
    if let Some(actor) = &filter.actor {
        cond = cond.add(audit_event::Column::Actor.eq(actor.clone()));
    }
    // `at` is RFC 3339 UTC with a fixed width, so text order is time order.
    if let Some(from) = &filter.from {
        cond = cond.add(audit_event::Column::At.gte(from.clone()));
    }
    if let Some(to) = &filter.to {
        cond = cond.add(audit_event::Column::At.lt(to.clone()));
    }
    page::fetch(db, audit_event::Entity::find().filter(cond), audit_event::Column::Seq, page).await
}

/// One line of `GET /export/audit.jsonl`: an event exactly as hashed.
/// `before` and `after` are the JSON text of the snapshots, as stored and
/// hashed, so that a verifier needs no JSON formatting of its own to agree.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExportedEvent {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub role: String,
    pub council_id: Option<i32>,
    pub action: String,
    pub entity: String,
    pub record_id: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

impl From<audit_event::Model> for ExportedEvent {
    fn from(e: audit_event::Model) -> Self {
        Self {
            seq: e.seq,
            at: e.at,
            actor: e.actor,
            role: e.role,
            council_id: e.council_id,
            action: e.action,
            entity: e.entity,
            record_id: e.record_id,
            before: e.before,
            after: e.after,
            prev_hash: e.prev_hash,
            hash: e.hash,
        }
    }
}

impl ExportedEvent {
    fn model(&self) -> audit_event::Model {
        audit_event::Model {
            seq: self.seq,
            at: self.at.clone(),
            actor: self.actor.clone(),
            role: self.role.clone(),
            council_id: self.council_id,
            action: self.action.clone(),
            entity: self.entity.clone(),
            record_id: self.record_id.clone(),
            before: self.before.clone(),
            after: self.after.clone(),
            prev_hash: self.prev_hash.clone(),
            hash: self.hash.clone(),
        }
    }
}

/// The events after `after`, a page at a time, for the export (whose
/// caller `ensure_can_verify_audit_chain` has let in).
pub async fn export_page(db: &impl ConnectionTrait, after: i64) -> AppResult<Vec<ExportedEvent>> {
    let events =
        audit_event::Entity::find().filter(audit_event::Column::Seq.gt(after)).order_by_asc(audit_event::Column::Seq).limit(VERIFY_PAGE).all(db).await?;
    Ok(events.into_iter().map(ExportedEvent::from).collect())
}

/// What `verify-audit` found in an exported trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileReport {
    Valid {
        events: u64,
        head_hash: String,
    },
    /// The first line (1-based) that does not hold, its event's seq if it has one, and why.
    Broken {
        line: u64,
        seq: Option<i64>,
        reason: String,
    },
}

/// Verifies an exported trail line by line, offline: each event's
/// `prevHash` is the hash of the one before (the genesis hash for the
/// first), each `hash` is SHA-256 over `prevHash` and the event's canonical
/// content (`hash`), and seq counts up from 1 without a gap.
pub fn verify_export(lines: impl Iterator<Item = std::io::Result<String>>) -> std::io::Result<FileReport> {
    let (mut prev, mut expected_seq, mut count) = (GENESIS.to_owned(), 1i64, 0u64);
    for (n, line) in lines.enumerate() {
        let line_no = n as u64 + 1;
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let event: ExportedEvent = match serde_json::from_str(&line) {
            Ok(e) => e,
            Err(e) => return Ok(FileReport::Broken { line: line_no, seq: None, reason: format!("not an audit event: {e}") }),
        };
        let broken = |reason: String| Ok(FileReport::Broken { line: line_no, seq: Some(event.seq), reason });
        if event.seq != expected_seq {
            return broken(format!("seq {} where {expected_seq} was due: an event is missing or out of order", event.seq));
        }
        if event.prev_hash != prev {
            return broken("prevHash is not the previous event's hash".into());
        }
        if hash(&event.model()) != event.hash {
            return broken("hash does not match the event's content: the event was changed".into());
        }
        prev = event.hash;
        expected_seq += 1;
        count += 1;
    }
    Ok(FileReport::Valid { events: count, head_hash: prev })
}
