//! DataLoaders for records reached one at a time (a node's parent, a single
//! contract's commitments). Lists prefetch their nested records instead (see
//! `prefetch`), because a DataLoader's batch window can close before a large
//! page has finished asking. Made per request with the caller's ReadScope, so
//! every batch read is scoped in SQL like the lists are.
//!
//! These work on rows, not on GraphQL objects: the objects sit above them.

use std::collections::HashMap;

use async_graphql::Context;
use async_graphql::dataloader::{DataLoader, Loader};
use entity::{commitment, contract, evidence, supplier};

use crate::graphql::error::GqlResult;
use crate::service::DatabaseConnection;
use crate::service::read::delivery::{self, Delivery};
use crate::service::read::records::batch;
use crate::service::scope::ReadScope;

/// The request's one [`Loader`] of records, for every key type below.
pub struct RecordLoader {
    db: DatabaseConnection,
    scope: ReadScope,
}

impl RecordLoader {
    pub fn new(db: DatabaseConnection, scope: ReadScope) -> Self {
        Self { db, scope }
    }
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
pub struct EvidenceId(pub i32);
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SupplierId(pub i32);
/// A supplier by its ref (federation's `Supplier` key).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SupplierRef(pub String);
type LoadResult<K, V> = Result<HashMap<K, V>, async_graphql::Error>;

/// The value for `key`, through the request's DataLoader: batched with the
/// other keys of its kind that fields ask for meanwhile. The key comes from
/// a row already read (a foreign key, a parent's id), so a key without a
/// value is a dangling reference.
pub async fn load_batched<K>(ctx: &Context<'_>, key: K) -> GqlResult<<RecordLoader as Loader<K>>::Value>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + std::fmt::Debug + 'static,
    RecordLoader: Loader<K, Error = async_graphql::Error>,
{
    let k = key.clone();
    load_if_any(ctx, key).await?.ok_or_else(|| crate::error::internal(format!("dangling reference {k:?}")).into())
}

/// Rows grouped by the key `key` gives each.
pub fn group_by<K: std::hash::Hash + Eq, M>(rows: Vec<M>, key: impl Fn(&M) -> K) -> HashMap<K, Vec<M>> {
    let mut out: HashMap<K, Vec<M>> = HashMap::new();
    for row in rows {
        out.entry(key(&row)).or_default().push(row);
    }
    out
}

fn ids<K: Copy>(keys: &[K], f: impl Fn(K) -> i32) -> Vec<i32> {
    keys.iter().map(|k| f(*k)).collect()
}

macro_rules! by_id_loader {
    ($key:ident, $model:ty, |$this:ident, $ids:ident| $read:expr) => {
        impl Loader<$key> for RecordLoader {
            type Value = $model;
            type Error = async_graphql::Error;
            async fn load(&self, keys: &[$key]) -> LoadResult<$key, $model> {
                let ($this, $ids) = (self, ids(keys, |k| k.0));
                let rows: Vec<$model> = $read.await?;
                Ok(rows.into_iter().map(|m| ($key(m.id), m)).collect())
            }
        }
    };
}

by_id_loader!(ContractId, contract::Model, |l, ids| batch::contracts(&l.db, &l.scope, &ids));
by_id_loader!(CommitmentId, commitment::Model, |l, ids| batch::commitments(&l.db, &l.scope, &ids));
by_id_loader!(EvidenceId, evidence::Model, |l, ids| batch::evidence(&l.db, &l.scope, &ids));
by_id_loader!(SupplierId, supplier::Model, |l, ids| batch::suppliers(&l.db, &ids));

impl Loader<SupplierRef> for RecordLoader {
    type Value = supplier::Model;
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[SupplierRef]) -> LoadResult<SupplierRef, Self::Value> {
        let refs: Vec<String> = keys.iter().map(|k| k.0.clone()).collect();
        Ok(batch::suppliers_by_ref(&self.db, &refs).await?.into_iter().map(|m| (SupplierRef(m.supplier_ref.clone()), m)).collect())
    }
}

/// The value for `key` if there is one the caller may read: batched like
/// [`load_batched`], for keys that come from outside (federation's entities).
pub async fn load_if_any<K>(ctx: &Context<'_>, key: K) -> GqlResult<Option<<RecordLoader as Loader<K>>::Value>>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + std::fmt::Debug + 'static,
    RecordLoader: Loader<K, Error = async_graphql::Error>,
{
    ctx.data_unchecked::<DataLoader<RecordLoader>>().load_one(key).await
}

/// Rows grouped by key, with an empty list for every key that has none
/// (a contract without commitments is not a missing contract).
fn group<K: std::hash::Hash + Eq + Copy, M>(keys: &[K], rows: Vec<M>, key_of: impl Fn(&M) -> K) -> HashMap<K, Vec<M>> {
    let mut out = group_by(rows, key_of);
    for k in keys {
        out.entry(*k).or_default();
    }
    out
}

impl Loader<CommitmentsOf> for RecordLoader {
    type Value = Vec<commitment::Model>;
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[CommitmentsOf]) -> LoadResult<CommitmentsOf, Self::Value> {
        let mut rows = batch::commitments_of_contracts(&self.db, &self.scope, &ids(keys, |k| k.0)).await?;
        rows.sort_by_key(|m| m.id);
        Ok(group(keys, rows, |m| CommitmentsOf(m.contract_id)))
    }
}

impl Loader<EvidenceOf> for RecordLoader {
    type Value = Vec<evidence::Model>;
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[EvidenceOf]) -> LoadResult<EvidenceOf, Self::Value> {
        let mut rows = batch::evidence_of_commitments(&self.db, &self.scope, &ids(keys, |k| k.0)).await?;
        rows.sort_by_key(|m| m.id);
        Ok(group(keys, rows, |m| EvidenceOf(m.commitment_id)))
    }
}

impl Loader<DeliveryOf> for RecordLoader {
    type Value = Delivery;
    type Error = async_graphql::Error;
    /// A commitment without evidence has no delivery row: it delivered nothing.
    async fn load(&self, keys: &[DeliveryOf]) -> LoadResult<DeliveryOf, Delivery> {
        let found = delivery::delivery_of(&self.db, &self.scope, &ids(keys, |k| k.0)).await?;
        Ok(keys.iter().map(|k| (*k, found.get(&k.0).copied().unwrap_or_default())).collect())
    }
}
