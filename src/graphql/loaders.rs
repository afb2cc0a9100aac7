//! DataLoaders for records reached one at a time (a node's parent, a single
//! contract's commitments). Lists prefetch their nested records instead (see
//! `prefetch`), because a DataLoader's batch window can close before a large
//! page has finished asking. Made per request with the caller's ReadScope, so
//! every batch load is scoped in SQL like the lists are.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use entity::{commitment, contract, evidence, supplier};
use sea_orm::DatabaseConnection;

use crate::auth::ReadScope;
use crate::service::read::delivery::{self, Delivery};
use crate::service::read::records::batch;

pub struct Loaders {
    pub db: DatabaseConnection,
    pub scope: ReadScope,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ContractId(pub i32);
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CommitmentId(pub i32);
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CommitmentsOf(pub i32);
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EvidenceOf(pub i32);
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DeliveryOf(pub i32);
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SupplierId(pub i32);
type LoadResult<K, V> = Result<HashMap<K, V>, async_graphql::Error>;

fn ids<K: Copy>(keys: &[K], f: impl Fn(K) -> i32) -> Vec<i32> {
    keys.iter().map(|k| f(*k)).collect()
}

macro_rules! by_id_loader {
    ($key:ident, $model:ty, |$this:ident, $ids:ident| $load:expr) => {
        impl Loader<$key> for Loaders {
            type Value = $model;
            type Error = async_graphql::Error;
            async fn load(&self, keys: &[$key]) -> LoadResult<$key, $model> {
                let ($this, $ids) = (self, ids(keys, |k| k.0));
                let rows: Vec<$model> = $load.await?;
                Ok(rows.into_iter().map(|m| ($key(m.id), m)).collect())
            }
        }
    };
}

by_id_loader!(ContractId, contract::Model, |l, ids| batch::contracts(&l.db, &l.scope, &ids));
by_id_loader!(CommitmentId, commitment::Model, |l, ids| batch::commitments(&l.db, &l.scope, &ids));
by_id_loader!(SupplierId, supplier::Model, |l, ids| batch::suppliers(&l.db, &ids));

/// Rows grouped by key, with an empty list for every key that has none
/// (a contract without commitments is not a missing contract).
fn group<K: std::hash::Hash + Eq + Copy, M>(keys: &[K], rows: Vec<M>, key_of: impl Fn(&M) -> K) -> HashMap<K, Vec<M>> {
    let mut out = super::prefetch::group_by(rows, key_of);
    for k in keys {
        out.entry(*k).or_default();
    }
    out
}

impl Loader<CommitmentsOf> for Loaders {
    type Value = Vec<commitment::Model>;
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[CommitmentsOf]) -> LoadResult<CommitmentsOf, Self::Value> {
        let mut rows = batch::commitments_of_contracts(&self.db, &self.scope, &ids(keys, |k| k.0)).await?;
        rows.sort_by_key(|m| m.id);
        Ok(group(keys, rows, |m| CommitmentsOf(m.contract_id)))
    }
}

impl Loader<EvidenceOf> for Loaders {
    type Value = Vec<evidence::Model>;
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[EvidenceOf]) -> LoadResult<EvidenceOf, Self::Value> {
        let mut rows = batch::evidence_of_commitments(&self.db, &self.scope, &ids(keys, |k| k.0)).await?;
        rows.sort_by_key(|m| m.id);
        Ok(group(keys, rows, |m| EvidenceOf(m.commitment_id)))
    }
}

impl Loader<DeliveryOf> for Loaders {
    type Value = Delivery;
    type Error = async_graphql::Error;
    /// A commitment without live evidence has no delivery row: it delivered nothing.
    async fn load(&self, keys: &[DeliveryOf]) -> LoadResult<DeliveryOf, Delivery> {
        let found = delivery::delivery_of(&self.db, &self.scope, &ids(keys, |k| k.0)).await?;
        Ok(keys.iter().map(|k| (*k, found.get(&k.0).copied().unwrap_or_default())).collect())
    }
}
