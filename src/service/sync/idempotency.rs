//! Idempotency keys: a batch sent again with the same key and the same
//! payload gets the first result back instead of being applied twice; the
//! same key with another payload is a conflict.

use entity::idempotency_key;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};

use super::input::{SyncBatch, SyncOutcome};
use crate::error::{AppResult, bad_input, conflict, internal};
use crate::service::write::WriteTx;

/// Serialises requests that share an idempotency key (PostgreSQL), so the
/// second waits for the first and then replays its result.
fn lock_key(council_id: i32, key: &str) -> i64 {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("{council_id}/{key}"));
    i64::from_be_bytes(digest[..8].try_into().expect("8 bytes"))
}

/// The stored outcome of an earlier request with this batch's key, if any.
/// Takes the key's lock first, so that a concurrent twin waits for this one.
pub(super) async fn replay(tx: &WriteTx<'_>, council_id: i32, batch: &SyncBatch) -> AppResult<Option<SyncOutcome>> {
    let Some(key) = &batch.idempotency_key else { return Ok(None) };
    if key.is_empty() || key.len() > 200 || key.chars().any(char::is_control) {
        return Err(bad_input("idempotencyKey must be 1 to 200 characters, none of them control characters"));
    }
    tx.lock(lock_key(council_id, key)).await?;
    let stored = idempotency_key::Entity::find()
        .filter(idempotency_key::Column::CouncilId.eq(council_id))
        .filter(idempotency_key::Column::Key.eq(key))
        .one(&tx.txn)
        .await?;
    let Some(stored) = stored else { return Ok(None) };
    if stored.payload_sha256 != batch.payload_sha256() {
        return Err(conflict(format!("idempotencyKey {key:?} was already used with a different payload")));
    }
    let mut outcome: SyncOutcome = serde_json::from_str(&stored.result).map_err(|e| internal(e.to_string()))?;
    outcome.replayed = true;
    Ok(Some(outcome))
}

/// Stores an applied batch's outcome under its key, in the same transaction.
pub(super) async fn remember(tx: &WriteTx<'_>, council_id: i32, batch: &SyncBatch, outcome: &SyncOutcome) -> AppResult<()> {
    let Some(key) = batch.idempotency_key.clone() else { return Ok(()) };
    let row = idempotency_key::ActiveModel {
        council_id: Set(council_id),
        key: Set(key),
        payload_sha256: Set(batch.payload_sha256()),
        result: Set(serde_json::to_string(outcome).map_err(|e| internal(e.to_string()))?),
        created_at: Set(tx.at()),
        ..Default::default()
    };
    idempotency_key::Entity::insert(row).exec_without_returning(&tx.txn).await?;
    Ok(())
}
