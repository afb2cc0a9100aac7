//! `auditEvents` and `auditChain`.

use async_graphql::{Context, InputObject, Json, Object, SimpleObject};
use entity::audit_event;

use super::connection::{Conn, connection, page_request};
use super::context::{db, principal, read_scope, reference};
use super::error::GqlResult;
use super::framework::Council;
use super::input::Values;
use super::scalars::{DateTime, stored_json};
use crate::service::audit as svc;

pub struct AuditEvent(audit_event::Model);

#[Object]
impl AuditEvent {
    async fn seq(&self) -> i64 {
        self.0.seq
    }
    async fn at(&self) -> GqlResult<DateTime> {
        DateTime::from_stored(&self.0.at)
    }
    async fn actor(&self) -> &str {
        &self.0.actor
    }
    async fn role(&self) -> &str {
        &self.0.role
    }
    /// Null for reference data.
    async fn council(&self, ctx: &Context<'_>) -> GqlResult<Option<Council>> {
        match self.0.council_id {
            Some(id) => Ok(Some(Council(reference(ctx).council(id).await?))),
            None => Ok(None),
        }
    }
    /// CREATE, UPDATE, DELETE or REVIEW.
    async fn action(&self) -> &str {
        &self.0.action
    }
    /// COUNCIL, THEME, MEASURE, PROXY, SUPPLIER, CONTRACT, COMMITMENT or EVIDENCE.
    async fn entity(&self) -> &str {
        &self.0.entity
    }
    /// The node id of a council record; the code, ref or `measureCode/financialYear` of reference data.
    async fn record_id(&self) -> &str {
        &self.0.record_id
    }
    async fn before(&self) -> GqlResult<Option<Json<serde_json::Value>>> {
        stored_json(&self.0.before)
    }
    async fn after(&self) -> GqlResult<Option<Json<serde_json::Value>>> {
        stored_json(&self.0.after)
    }
    async fn prev_hash(&self) -> &str {
        &self.0.prev_hash
    }
    async fn hash(&self) -> &str {
        &self.0.hash
    }
}

#[derive(InputObject, Default)]
pub struct AuditFilter {
    council_codes: Option<Values<String>>,
    entity: Option<String>,
    external_id: Option<String>,
    actor: Option<String>,
    /// Inclusive.
    from: Option<DateTime>,
    /// Exclusive.
    to: Option<DateTime>,
}

#[derive(SimpleObject)]
pub struct AuditChainReport {
    valid: bool,
    checked_events: i64,
    /// The first event whose hash does not follow from the one before.
    first_broken_seq: Option<i64>,
    /// The last good hash.
    head_hash: String,
}

#[derive(Default)]
pub struct AuditQuery;

fn at(d: DateTime) -> String {
    d.0.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

#[Object]
impl AuditQuery {
    /// The audit trail: auditor and regional_admin see all of it, council roles their councils' events.
    async fn audit_events(&self, ctx: &Context<'_>, first: Option<i32>, after: Option<String>, filter: Option<AuditFilter>) -> GqlResult<Conn<AuditEvent>> {
        let f = filter.unwrap_or_default();
        let f = svc::AuditFilter {
            council_codes: f.council_codes.map(Into::into),
            entity: f.entity,
            external_id: f.external_id,
            actor: f.actor,
            from: f.from.map(at),
            to: f.to.map(at),
        };
        let page = svc::events(db(ctx), principal(ctx), read_scope(ctx), &f, page_request(ctx, first, after.as_deref())?).await?;
        Ok(connection(page, |e| e.seq, AuditEvent, after.is_some()))
    }

    /// Re-verifies the whole hash chain (auditor, regional_admin).
    async fn audit_chain(&self, ctx: &Context<'_>) -> GqlResult<AuditChainReport> {
        let r = svc::verify(db(ctx), principal(ctx)).await?;
        Ok(AuditChainReport { valid: r.valid, checked_events: r.checked_events, first_broken_seq: r.first_broken_seq, head_hash: r.head_hash })
    }
}
