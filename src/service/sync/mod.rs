//! `syncCouncilData`: a member council's batch of suppliers, contracts,
//! commitments and evidence, validated whole and then upserted by external
//! id in one transaction. Every way council data enters (the API, the dataset
//! importer, the demo loader) comes through [`sync`].
//!
//! The steps, each in its own module: the batch as it arrives ([`input`]),
//! a replay of an earlier request with the same key (`idempotency`), what
//! the database already holds for the batch's keys (`existing`), the
//! checks of every record (`validate`, pure), and the writes (`apply`, through
//! `upsert`).

mod apply;
mod existing;
mod idempotency;
pub mod input;
mod upsert;
mod validate;

use entity::council;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use self::existing::Existing;
pub use self::input::{CommitmentIn, ContractIn, Counts, DeletionIn, EvidenceIn, SupplierIn, SyncBatch, SyncError, SyncOutcome};
use super::framework::FrameworkSnapshot;
use super::write::WriteTx;
use crate::auth::Principal;
use crate::error::{AppError, AppResult, bad_input};

/// At most this many records in one batch, so that one request cannot hold
/// the write lock for long.
pub const MAX_BATCH_RECORDS: usize = 10_000;

/// Applies one batch of at most `max_records` records (never more than `MAX_BATCH_RECORDS`).
#[tracing::instrument(skip_all, fields(council = %batch.council_code, records = batch.len()))]
pub async fn sync(db: &DatabaseConnection, principal: &Principal, batch: SyncBatch, max_records: usize) -> AppResult<SyncOutcome> {
    crate::domain::code::check("councilCode", &batch.council_code).map_err(bad_input)?;
    principal.ensure_can_sync(&batch.council_code)?;
    let max = max_records.min(MAX_BATCH_RECORDS);
    if batch.len() > max {
        return Err(bad_input(format!("a batch holds at most {max} records; this one has {}", batch.len())));
    }
    // Two councils' batches may create the same new supplier at once; the
    // loser's transaction rolls back whole, so it is safe to run it again.
    let mut attempt = 0;
    loop {
        match sync_once(db, principal, &batch).await {
            Err(AppError::Contention) if attempt < 3 => attempt += 1,
            other => return other,
        }
    }
}

async fn sync_once(db: &DatabaseConnection, principal: &Principal, batch: &SyncBatch) -> AppResult<SyncOutcome> {
    let mut tx = WriteTx::begin(db, principal).await?;
    let council = council::Entity::find()
        .filter(council::Column::Code.eq(&batch.council_code))
        .one(&tx.txn)
        .await?
        .ok_or_else(|| bad_input(format!("unknown council {}", batch.council_code)))?;
    if let Some(outcome) = idempotency::replay(&tx, council.id, batch).await? {
        return Ok(outcome);
    }

    let framework = FrameworkSnapshot::read(&tx.txn).await?;
    let existing = Existing::read(&tx.txn, council.id, batch).await?;
    let valid = match validate::validate(batch, &framework, council.framework_id, &existing) {
        Ok(valid) => valid,
        // Dropping the transaction rolls it back: nothing was written, and
        // no key is stored, so the client may fix the batch and send it again.
        Err(errors) => return Ok(SyncOutcome { applied: false, errors, ..Default::default() }),
    };
    let mut outcome = apply::apply(&mut tx, council.id, valid, existing).await?;
    tx.flush().await?;
    outcome.cursor = Some(tx.feed_head(council.id).await?);
    idempotency::remember(&tx, council.id, batch, &outcome).await?;
    tx.commit().await?;
    Ok(outcome)
}
