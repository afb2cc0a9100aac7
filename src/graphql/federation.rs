//! The schema as an Apollo Federation v2 subgraph: `_service { sdl }` and
//! `_entities` for `Council` (key `code`), `Supplier` (key `ref`) and
//! `Contract`, `Commitment`, `Evidence` (key `id`, the node id).
//!
//! Each representation is resolved with exactly the visibility of `node`:
//! a record of a council the caller may not read is FORBIDDEN, one that
//! does not exist (or was deleted) is null. Records come through the
//! request's DataLoader, so the representations of one `_entities` call
//! cost one scoped statement per type, not one per representation.
//! Councils and suppliers are regional, as in `councils` and `suppliers`.

use async_graphql::{Context, ID, Object};
use entity::{commitment, contract, evidence};

use super::context::{db, read_scope, reference};
use super::error::GqlResult;
use super::framework::Council;
use super::ids::{self, Kind};
use super::records::loaders::{CommitmentId, ContractId, EvidenceId, SupplierRef, load_if_any};
use super::records::objects::{Commitment, Contract, Evidence, Supplier};
use crate::service::council_record::CouncilRecord;
use crate::service::read::records as svc;

#[derive(Default)]
pub struct FederationQuery;

#[Object]
impl FederationQuery {
    #[graphql(entity)]
    async fn council_by_code(&self, ctx: &Context<'_>, code: String) -> GqlResult<Option<Council>> {
        Ok(reference(ctx).council_by_code(&code).await?.map(Council))
    }

    #[graphql(entity)]
    async fn supplier_by_ref(&self, ctx: &Context<'_>, r#ref: String) -> GqlResult<Option<Supplier>> {
        Ok(load_if_any(ctx, SupplierRef(r#ref)).await?.map(Supplier))
    }

    #[graphql(entity)]
    async fn contract_by_id(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Option<Contract>> {
        let Some(n) = id_of(&id, Kind::Contract)? else { return Ok(None) };
        Ok(visible::<contract::Entity>(ctx, n, load_if_any(ctx, ContractId(n)).await?).await?.map(Contract::new))
    }

    #[graphql(entity)]
    async fn commitment_by_id(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Option<Commitment>> {
        let Some(n) = id_of(&id, Kind::Commitment)? else { return Ok(None) };
        Ok(visible::<commitment::Entity>(ctx, n, load_if_any(ctx, CommitmentId(n)).await?).await?.map(Commitment::new))
    }

    #[graphql(entity)]
    async fn evidence_by_id(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Option<Evidence>> {
        let Some(n) = id_of(&id, Kind::Evidence)? else { return Ok(None) };
        Ok(visible::<evidence::Entity>(ctx, n, load_if_any(ctx, EvidenceId(n)).await?).await?.map(|m| Evidence { m, commitment: None }))
    }
}

/// The number of a node id of `kind`; None for another kind's id (no such entity).
fn id_of(id: &ID, kind: Kind) -> GqlResult<Option<i32>> {
    let (k, n) = ids::parse_node_id(id)?;
    Ok((k == kind).then_some(n))
}

/// What `node` answers for a record the caller's scoped batch did not
/// find: FORBIDDEN when it is another council's, null when there is none.
async fn visible<E: CouncilRecord>(ctx: &Context<'_>, id: i32, found: Option<E::Model>) -> GqlResult<Option<E::Model>> {
    match found {
        Some(m) => Ok(Some(m)),
        None => Ok(svc::by_id::<E>(db(ctx), read_scope(ctx), id).await?),
    }
}
