//! Lists read what their selection needs beneath each record up front, one
//! statement per kind for the whole page, chosen by looking ahead at the
//! query. The statement count of a page is then fixed by the query's shape,
//! never by the page size or by how long resolving takes.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::{Context, Lookahead};
use entity::{commitment, contract, evidence, supplier};

use super::loaders::group_by;
use super::objects::{Commitment, Contract, Evidence};
use crate::graphql::context::{db, read_scope, reference};
use crate::graphql::error::GqlResult;
use crate::service::read::delivery;
use crate::service::read::page::Page;
use crate::service::read::records::batch;

fn page_of<M, T>(page: Page<M>, items: Vec<T>) -> Page<T> {
    Page { items, has_next: page.has_next, total: page.total }
}

/// Contracts with their supplier and commitments, when selected; `known`
/// suppliers are those read with the contracts.
pub async fn contracts(
    ctx: &Context<'_>,
    page: Page<contract::Model>,
    known: Option<HashMap<i32, supplier::Model>>,
    node: Lookahead<'_>,
) -> GqlResult<Page<Contract>> {
    let (db, scope) = (db(ctx), read_scope(ctx));
    let ids: Vec<i32> = page.items.iter().map(|m| m.id).collect();
    // The supplier and the commitments of the page at once, on two connections.
    let suppliers = async {
        if known.is_some() || !node.field("supplier").exists() {
            return Ok(known);
        }
        let supplier_ids: Vec<i32> = page.items.iter().map(|m| m.supplier_id).collect();
        let rows = batch::suppliers(db, &supplier_ids).await?;
        Ok::<_, async_graphql::Error>(Some(rows.into_iter().map(|s| (s.id, s)).collect::<HashMap<i32, supplier::Model>>()))
    };
    let commitments_node = node.field("commitments");
    let commitments = async {
        if !commitments_node.exists() {
            return Ok(None);
        }
        // With their delivery, when selected, in the same statement.
        let rows = if wants_delivery(&commitments_node) {
            let (rows, delivery) = delivery::commitments_of_contracts(db, scope, &ids).await?.into_iter().map(|(c, d)| (c.clone(), (c.id, d))).unzip();
            with_children(ctx, rows, Some(delivery), &commitments_node).await?
        } else {
            with_children(ctx, batch::commitments_of_contracts(db, scope, &ids).await?, None, &commitments_node).await?
        };
        Ok(Some(group_by(rows, |c| c.m.contract_id)))
    };
    let reference = fill_reference(ctx, ids.is_empty(), &commitments_node);
    let (suppliers, mut commitments, ()) = tokio::try_join!(suppliers, commitments, reference)?;
    let items = page
        .items
        .iter()
        .cloned()
        .map(|m| {
            let m = Arc::new(m);
            let supplier = suppliers.as_ref().and_then(|s| s.get(&m.supplier_id).cloned());
            let commitments = commitments.as_mut().map(|c| {
                let mut list = c.remove(&m.id).unwrap_or_default();
                list.sort_by_key(|c| c.m.id);
                for c in &mut list {
                    c.contract = Some(m.clone());
                }
                list
            });
            Contract { m, supplier, commitments }
        })
        .collect();
    Ok(page_of(page, items))
}

/// Commitments with their contract, when selected, and their evidence and delivery.
pub async fn commitments(ctx: &Context<'_>, page: Page<commitment::Model>, node: Lookahead<'_>) -> GqlResult<Page<Commitment>> {
    let contracts: Option<HashMap<i32, Arc<contract::Model>>> = if node.field("contract").exists() {
        let ids: Vec<i32> = page.items.iter().map(|m| m.contract_id).collect();
        let rows = batch::contracts(db(ctx), read_scope(ctx), &ids).await?;
        Some(rows.into_iter().map(|c| (c.id, Arc::new(c))).collect())
    } else {
        None
    };
    let (mut items, ()) = tokio::try_join!(with_children(ctx, page.items.clone(), None, &node), fill_reference(ctx, page.items.is_empty(), &node))?;
    for c in &mut items {
        c.contract = contracts.as_ref().and_then(|m| m.get(&c.m.contract_id).cloned());
    }
    Ok(page_of(page, items))
}

/// Evidence with its commitment, when selected or needed for `value`.
pub async fn evidence(ctx: &Context<'_>, page: Page<evidence::Model>, node: Lookahead<'_>) -> GqlResult<Page<Evidence>> {
    let parents: Option<HashMap<i32, Commitment>> = if node.field("commitment").exists() || node.field("value").exists() {
        let ids: Vec<i32> = page.items.iter().map(|m| m.commitment_id).collect();
        let rows = batch::commitments(db(ctx), read_scope(ctx), &ids).await?;
        Some(rows.into_iter().map(|c| (c.id, Commitment::new(c))).collect())
    } else {
        None
    };
    let items = page.items.iter().cloned().map(|m| Evidence { commitment: parents.as_ref().and_then(|p| p.get(&m.commitment_id).cloned()), m }).collect();
    Ok(page_of(page, items))
}

/// The reference tables `node` reads, beside the page's statements; none for an empty page.
async fn fill_reference(ctx: &Context<'_>, empty: bool, node: &Lookahead<'_>) -> GqlResult<()> {
    if empty { Ok(()) } else { reference(ctx).fill_for(node).await }
}

fn wants_delivery(node: &Lookahead<'_>) -> bool {
    ["deliveredQuantity", "deliveredValue", "verifiedValue"].iter().any(|f| node.field(f).exists())
}

/// Commitments with the evidence and delivery figures their selection asks
/// for; `known` delivery is that read with the commitments.
async fn with_children(
    ctx: &Context<'_>,
    rows: Vec<commitment::Model>,
    known: Option<HashMap<i32, delivery::Delivery>>,
    node: &Lookahead<'_>,
) -> GqlResult<Vec<Commitment>> {
    let (db, scope) = (db(ctx), read_scope(ctx));
    let ids: Vec<i32> = rows.iter().map(|m| m.id).collect();
    let evidence = async {
        if !node.field("evidence").exists() {
            return Ok(None);
        }
        let mut all = batch::evidence_of_commitments(db, scope, &ids).await?;
        all.sort_by_key(|e| e.id);
        Ok::<_, crate::error::AppError>(Some(group_by(all, |e| e.commitment_id)))
    };
    let delivery = async {
        Ok(match known {
            Some(known) => Some(known),
            None if wants_delivery(node) => Some(delivery::delivery_of(db, scope, &ids).await?),
            None => None,
        })
    };
    let (mut evidence, delivery) = tokio::try_join!(evidence, delivery)?;
    Ok(rows
        .into_iter()
        .map(|m| {
            let id = m.id;
            Commitment {
                evidence: evidence.as_mut().map(|e| Arc::new(e.remove(&id).unwrap_or_default())),
                delivery: delivery.as_ref().map(|d| d.get(&id).copied().unwrap_or_default()),
                ..Commitment::new(m)
            }
        })
        .collect())
}
