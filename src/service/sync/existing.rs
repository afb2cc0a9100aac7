//! What the database already holds for the keys a batch names: the records
//! it would update or delete, and the ones its records refer to.

use std::collections::{HashMap, HashSet};

use entity::{commitment, contract, evidence, supplier};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait};

use super::input::SyncBatch;
use crate::domain::RecordEntity;
use crate::error::AppResult;
use crate::service::council_record::CouncilRecord;
use crate::service::lookup;

/// What the database already holds for the keys a batch names.
#[derive(Default)]
pub(super) struct Existing {
    pub suppliers: HashMap<String, supplier::Model>,
    pub contracts: HashMap<String, contract::Model>,
    pub commitments: HashMap<String, commitment::Model>,
    pub evidence: HashMap<String, evidence::Model>,
    /// Measure id of each existing commitment, for valuing evidence against it.
    pub commitment_measure: HashMap<String, i32>,
}

/// Records with these keys (of one council, for council records).
pub(super) async fn find_by_keys<E, C>(db: &C, key: E::Column, keys: HashSet<&str>, scope: Option<(E::Column, i32)>) -> AppResult<Vec<E::Model>>
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

/// One council's records of `E` with these external ids, deleted ones included.
pub(super) async fn of_council<E: CouncilRecord>(db: &impl ConnectionTrait, council_id: i32, keys: HashSet<&str>) -> AppResult<Vec<E::Model>> {
    find_by_keys::<E, _>(db, E::EXTERNAL_ID, keys, Some((E::COUNCIL_ID, council_id))).await
}

impl Existing {
    pub async fn read(db: &impl ConnectionTrait, council_id: i32, b: &SyncBatch) -> AppResult<Self> {
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
        let contracts = of_council::<contract::Entity>(db, council_id, contract_keys).await?;
        let commitments = of_council::<commitment::Entity>(db, council_id, commitment_keys).await?;
        let evidence = of_council::<evidence::Entity>(db, council_id, evidence_keys).await?;
        Ok(Self {
            suppliers: suppliers.into_iter().map(|m| (m.supplier_ref.clone(), m)).collect(),
            contracts: contracts.into_iter().map(|m| (m.external_id.clone(), m)).collect(),
            commitment_measure: commitments.iter().filter(|m| !m.deleted).map(|m| (m.external_id.clone(), m.measure_id)).collect(),
            commitments: commitments.into_iter().map(|m| (m.external_id.clone(), m)).collect(),
            evidence: evidence.into_iter().map(|m| (m.external_id.clone(), m)).collect(),
        })
    }

    pub fn live_contract(&self, external_id: &str) -> bool {
        self.contracts.get(external_id).is_some_and(|m| !m.deleted)
    }
}
