//! The changes feed: every change to a council's records in commit order,
//! tombstones included, for mirrors that must miss nothing and repeat nothing.

use std::collections::HashMap;

use entity::{audit_event, change_log, council};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::page::checked_first;
use crate::error::{AppResult, bad_input};
use crate::service::scope::ReadScope;

pub const DEFAULT_CHANGES: i64 = 100;

pub struct ChangePage {
    pub changes: Vec<change_log::Model>,
    /// The position after the last change; `after` itself when there are none.
    pub end: i64,
    pub has_more: bool,
}

/// Changes of one council after position `after`: that council's roles,
/// auditor and regional_admin may read them.
#[tracing::instrument(skip_all, fields(council = council_code, after))]
pub async fn changes(db: &impl ConnectionTrait, scope: &ReadScope, council_code: &str, after: i64, first: Option<i64>, max: i64) -> AppResult<ChangePage> {
    scope.ensure_can_read_council(council_code)?;
    let first = checked_first(first, DEFAULT_CHANGES, max)?;
    let council = council::Entity::find()
        .filter(council::Column::Code.eq(council_code))
        .one(db)
        .await?
        .ok_or_else(|| bad_input(format!("unknown council {council_code}")))?;
    let mut rows = change_log::Entity::find()
        .filter(change_log::Column::CouncilId.eq(council.id))
        .filter(change_log::Column::Seq.gt(after))
        .order_by_asc(change_log::Column::Seq)
        .limit(first as u64 + 1)
        .all(db)
        .await?;
    let has_more = rows.len() as i64 > first;
    rows.truncate(first as usize);
    // The record of each change is its audit event's `after`.
    let events: Vec<i64> = rows.iter().filter_map(|r| r.audit_seq).collect();
    if !events.is_empty() {
        let after: HashMap<i64, Option<String>> = audit_event::Entity::find()
            .select_only()
            .column(audit_event::Column::Seq)
            .column(audit_event::Column::After)
            .filter(audit_event::Column::Seq.is_in(events))
            .into_tuple::<(i64, Option<String>)>()
            .all(db)
            .await?
            .into_iter()
            .collect();
        for r in &mut rows {
            if let Some(seq) = r.audit_seq {
                r.data = after.get(&seq).cloned().flatten();
            }
        }
    }
    let end = rows.last().map_or(after, |r| r.seq);
    Ok(ChangePage { changes: rows, end, has_more })
}
