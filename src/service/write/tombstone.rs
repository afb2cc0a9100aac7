//! Deleting council records: a tombstone (the row stays, marked deleted,
//! with the next version) so that the changes feed and the audit trail can
//! say what went. A contract takes its commitments and their evidence with
//! it; a commitment takes its evidence.

use entity::{commitment, contract, evidence};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, QueryFilter};

use super::snapshot::{self, Names, Wanted};
use super::{Action, CellKey, Change, ChangedEntity, FeedEntry, WriteTx};
use crate::domain::{NodeId, RecordEntity};
use crate::error::AppResult;
use crate::service::council_record::CouncilRecord;
use crate::service::lookup;
use crate::service::rollup::cells::Touched;

const IDS_PER_STATEMENT: usize = 5_000;

/// The live records of `E` whose `column` is one of `ids`.
async fn live<E: CouncilRecord>(db: &impl ConnectionTrait, column: E::Column, ids: &[i32]) -> AppResult<Vec<E::Model>> {
    lookup::find_in::<E, _>(db, column, ids, Condition::all().add(E::DELETED.eq(false)), E::ID).await
}

async fn mark<E: CouncilRecord>(tx: &WriteTx<'_>, ids: &[i32]) -> AppResult<()> {
    for chunk in ids.chunks(IDS_PER_STATEMENT) {
        E::update_many()
            .col_expr(E::DELETED, Expr::value(true))
            .col_expr(E::VERSION, Expr::col(E::VERSION).add(1))
            .col_expr(E::UPDATED_AT, Expr::value(tx.now))
            .filter(E::ID.is_in(chunk.iter().copied()))
            .exec(&tx.txn)
            .await?;
    }
    Ok(())
}

/// Tombstones the live records of one entity with these ids, and what they
/// cascade to. Returns how many records were tombstoned, cascades included.
pub async fn tombstone(tx: &mut WriteTx<'_>, entity: RecordEntity, ids: &[i32]) -> AppResult<usize> {
    let db = &tx.txn;
    let (contracts, commitment_ids): (Vec<contract::Model>, Vec<i32>) = match entity {
        RecordEntity::Contract => {
            let contracts = live::<contract::Entity>(db, contract::Column::Id, ids).await?;
            let ids: Vec<i32> = contracts.iter().map(|c| c.id).collect();
            let commitments = live::<commitment::Entity>(db, commitment::Column::ContractId, &ids).await?;
            (contracts, commitments.iter().map(|c| c.id).collect())
        }
        RecordEntity::Commitment => (Vec::new(), ids.to_vec()),
        RecordEntity::Evidence => (Vec::new(), Vec::new()),
    };
    let commitments = live::<commitment::Entity>(db, commitment::Column::Id, &commitment_ids).await?;
    let evidence = match entity {
        RecordEntity::Evidence => live::<evidence::Entity>(db, evidence::Column::Id, ids).await?,
        _ => {
            let ids: Vec<i32> = commitments.iter().map(|c| c.id).collect();
            live::<evidence::Entity>(db, evidence::Column::CommitmentId, &ids).await?
        }
    };

    let mut wanted = Wanted::default();
    contracts.iter().for_each(|m| wanted.contract(m));
    commitments.iter().for_each(|m| wanted.commitment(m));
    evidence.iter().for_each(|m| wanted.evidence(m));
    let names = Names::read(db, &wanted).await?;

    let keys: Vec<Touched> =
        contracts.iter().map(CellKey::cell_key).chain(commitments.iter().map(CellKey::cell_key)).chain(evidence.iter().map(CellKey::cell_key)).collect();
    tx.will_change(keys).await?;
    let c_ids: Vec<i32> = contracts.iter().map(|m| m.id).collect();
    let k_ids: Vec<i32> = commitments.iter().map(|m| m.id).collect();
    let e_ids: Vec<i32> = evidence.iter().map(|m| m.id).collect();
    mark::<contract::Entity>(tx, &c_ids).await?;
    mark::<commitment::Entity>(tx, &k_ids).await?;
    mark::<evidence::Entity>(tx, &e_ids).await?;

    for m in &contracts {
        tx.record(deletion(RecordEntity::Contract, m.council_id, m.id, &m.external_id, m.version, m.cell_key(), snapshot::contract(m, &names)));
    }
    for m in &commitments {
        tx.record(deletion(RecordEntity::Commitment, m.council_id, m.id, &m.external_id, m.version, m.cell_key(), snapshot::commitment(m, &names)));
    }
    for m in &evidence {
        tx.record(deletion(RecordEntity::Evidence, m.council_id, m.id, &m.external_id, m.version, m.cell_key(), snapshot::evidence(m, &names)));
    }
    Ok(contracts.len() + commitments.len() + evidence.len())
}

fn deletion(entity: RecordEntity, council_id: i32, id: i32, external_id: &str, version: i32, touched: Touched, before: serde_json::Value) -> Change {
    Change {
        council_id: Some(council_id),
        entity: ChangedEntity::Record(entity),
        record_id: entity.node_id(id),
        action: Action::Delete,
        before: Some(before),
        after: None,
        // A DELETE carries the version after deletion: one more than before.
        feed: Some(FeedEntry { entity, council_id, external_id: external_id.to_owned(), record_id: id, version: version + 1 }),
        touched: vec![touched],
    }
}
