//! The records' queries: Relay connections of suppliers, contracts,
//! commitments and evidence, and `node(id)`.

use std::collections::HashMap;

use async_graphql::{Context, ID, InputObject, Object};
use entity::{commitment, contract, evidence};

use super::objects::{Commitment, Contract, DeliveryStatus, Evidence, EvidenceStatus, Node, Supplier};
use super::prefetch;
use crate::domain::AsOf;
use crate::graphql::connection::{Conn, connection, page_request};
use crate::graphql::context::{db, read_scope};
use crate::graphql::error::GqlResult;
use crate::graphql::ids::{self, Kind};
use crate::graphql::input::Values;
use crate::graphql::scalars::Date;
use crate::service::read::page::Page;
use crate::service::read::records as svc;

#[derive(InputObject, Default)]
pub struct SupplierFilter {
    refs: Option<Values<String>>,
    /// Case-insensitive substring of the name.
    name_contains: Option<String>,
    is_sme: Option<bool>,
    is_vcse: Option<bool>,
}

#[derive(InputObject, Default)]
pub struct ContractFilter {
    council_codes: Option<Values<String>>,
    supplier_refs: Option<Values<String>>,
    external_ids: Option<Values<String>>,
}

#[derive(InputObject, Default)]
pub struct CommitmentFilter {
    council_codes: Option<Values<String>>,
    contract_ids: Option<Values<ID>>,
    measure_codes: Option<Values<String>>,
    theme_codes: Option<Values<String>>,
    financial_years: Option<Values<i32>>,
    /// Where each stands against its target on `asOf`.
    delivery_statuses: Option<Values<DeliveryStatus>>,
    /// The date of `deliveryStatuses` (default: today, UTC).
    as_of: Option<Date>,
}

#[derive(InputObject, Default)]
pub struct EvidenceFilter {
    council_codes: Option<Values<String>>,
    commitment_ids: Option<Values<ID>>,
    statuses: Option<Values<EvidenceStatus>>,
    financial_years: Option<Values<i32>>,
}

#[derive(Default)]
pub struct RecordsQuery;

#[Object]
impl RecordsQuery {
    /// Regional suppliers: readable by every role.
    async fn suppliers(&self, ctx: &Context<'_>, first: Option<i32>, after: Option<String>, filter: Option<SupplierFilter>) -> GqlResult<Conn<Supplier>> {
        let f = filter.unwrap_or_default();
        let f = svc::SupplierFilter { refs: f.refs.map(Into::into), name_contains: f.name_contains, is_sme: f.is_sme, is_vcse: f.is_vcse };
        let page = svc::suppliers(db(ctx), &f, page_request(ctx, first, after.as_deref())?).await?;
        Ok(connection(page, |m| m.id.into(), Supplier, after.is_some()))
    }

    /// Contracts of the councils the caller may read.
    async fn contracts(&self, ctx: &Context<'_>, first: Option<i32>, after: Option<String>, filter: Option<ContractFilter>) -> GqlResult<Conn<Contract>> {
        let f = filter.unwrap_or_default();
        let f = svc::ContractFilter {
            council_codes: f.council_codes.map(Into::into),
            supplier_refs: f.supplier_refs.map(Into::into),
            external_ids: f.external_ids.map(Into::into),
        };
        let page = svc::contracts(db(ctx), read_scope(ctx), &f, page_request(ctx, first, after.as_deref())?).await?;
        let page = prefetch::contracts(ctx, page, None, page_node(ctx)).await?;
        Ok(connection(page, |c| c.m.id.into(), |c| c, after.is_some()))
    }

    /// Commitments of the councils the caller may read.
    async fn commitments(&self, ctx: &Context<'_>, first: Option<i32>, after: Option<String>, filter: Option<CommitmentFilter>) -> GqlResult<Conn<Commitment>> {
        let f = filter.unwrap_or_default();
        let f = svc::CommitmentFilter {
            council_codes: f.council_codes.map(Into::into),
            contract_ids: f.contract_ids.as_deref().map(|i| ids::parse_ids_of(Kind::Contract, i)).transpose()?,
            measure_codes: f.measure_codes.map(Into::into),
            theme_codes: f.theme_codes.map(Into::into),
            financial_years: f.financial_years.map(Into::into),
            delivery_statuses: f.delivery_statuses.map(|s| Vec::from(s).into_iter().map(Into::into).collect()),
            as_of: f.as_of.map_or_else(AsOf::today, |d| AsOf::of(d.0)),
        };
        let page = svc::commitments(db(ctx), read_scope(ctx), &f, page_request(ctx, first, after.as_deref())?).await?;
        let page = prefetch::commitments(ctx, page, page_node(ctx)).await?;
        Ok(connection(page, |c| c.m.id.into(), |c| c, after.is_some()))
    }

    /// Evidence of the councils the caller may read.
    async fn evidence(&self, ctx: &Context<'_>, first: Option<i32>, after: Option<String>, filter: Option<EvidenceFilter>) -> GqlResult<Conn<Evidence>> {
        let f = filter.unwrap_or_default();
        let f = svc::EvidenceFilter {
            council_codes: f.council_codes.map(Into::into),
            commitment_ids: f.commitment_ids.as_deref().map(|i| ids::parse_ids_of(Kind::Commitment, i)).transpose()?,
            statuses: f.statuses.map(|s| Vec::from(s).into_iter().map(Into::into).collect()),
            financial_years: f.financial_years.map(Into::into),
        };
        let page = svc::evidence(db(ctx), read_scope(ctx), &f, page_request(ctx, first, after.as_deref())?).await?;
        let page = prefetch::evidence(ctx, page, page_node(ctx)).await?;
        Ok(connection(page, |e| e.m.id.into(), |e| e, after.is_some()))
    }

    /// A contract, commitment or evidence record by its id; null if there is none.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Option<Node>> {
        let (db, scope) = (db(ctx), read_scope(ctx));
        // The record as a page of one, so that what is selected beneath it
        // is read as a page's is, one statement per kind, all at once.
        let node = ctx.look_ahead();
        Ok(match ids::parse_node_id(&id)? {
            // With its supplier, when selected, in the same statement.
            (Kind::Contract, n) if node.field("supplier").exists() => match svc::contract_with_supplier(db, scope, n).await? {
                Some((m, s)) => {
                    let known = s.map(|s| HashMap::from([(s.id, s)]));
                    prefetch::contracts(ctx, one(m), known, node).await?.items.pop().map(Node::Contract)
                }
                None => None,
            },
            (Kind::Contract, n) => match svc::by_id::<contract::Entity>(db, scope, n).await? {
                Some(m) => prefetch::contracts(ctx, one(m), None, node).await?.items.pop().map(Node::Contract),
                None => None,
            },
            (Kind::Commitment, n) => match svc::by_id::<commitment::Entity>(db, scope, n).await? {
                Some(m) => prefetch::commitments(ctx, one(m), node).await?.items.pop().map(Node::Commitment),
                None => None,
            },
            (Kind::Evidence, n) => match svc::by_id::<evidence::Entity>(db, scope, n).await? {
                Some(m) => prefetch::evidence(ctx, one(m), node).await?.items.pop().map(Node::Evidence),
                None => None,
            },
        })
    }
}

fn one<M>(m: M) -> Page<M> {
    Page { items: vec![m], has_next: false, total: 1 }
}

/// The selection beneath each record of a connection: `edges { node }`,
/// or the connection's `nodes`, as many clients send it. A query that
/// selects both is prefetched for `edges`; what only `nodes` selects is
/// then read by the loaders, still correctly.
fn page_node<'a>(ctx: &'a Context<'_>) -> async_graphql::Lookahead<'a> {
    let edges = ctx.look_ahead().field("edges").field("node");
    if edges.exists() { edges } else { ctx.look_ahead().field("nodes") }
}
