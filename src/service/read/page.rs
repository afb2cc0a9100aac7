//! Keyset pagination over integer ids: stable under concurrent inserts, and
//! one statement for the page plus one for the total whatever the page size.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Select};

use crate::error::{AppResult, bad_input};

pub const DEFAULT_PAGE: i64 = 50;
/// The contract's bound on `first`; `SVH_MAX_PAGE_SIZE` may only lower it.
pub const MAX_PAGE: i64 = 500;

#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    pub first: u64,
    /// Return rows with an id above this.
    pub after: Option<i64>,
}

impl PageRequest {
    pub fn new(first: Option<i64>, after: Option<i64>, max: i64) -> AppResult<Self> {
        Ok(Self { first: checked_first(first, DEFAULT_PAGE, max)? as u64, after })
    }
}

/// `first`, or `default`, when it lies in 0..=max (never above MAX_PAGE).
pub fn checked_first(first: Option<i64>, default: i64, max: i64) -> AppResult<i64> {
    let max = max.min(MAX_PAGE);
    let first = first.unwrap_or(default.min(max));
    if !(0..=max).contains(&first) {
        return Err(bad_input(format!("`first` must be between 0 and {max}, got {first}")));
    }
    Ok(first)
}

pub struct Page<M> {
    pub items: Vec<M>,
    pub has_next: bool,
    pub total: u64,
}

pub async fn fetch<E, C>(db: &impl ConnectionTrait, select: Select<E>, id: C, page: PageRequest) -> AppResult<Page<E::Model>>
where
    E: EntityTrait,
    E::Model: Sync,
    C: ColumnTrait,
{
    let all = select.clone();
    let total = async move { Ok(all.count(db).await?) };
    fetch_counted(db, select, id, page, total).await
}

/// As `fetch`, with the total from `total`: a count of the same rows that
/// reads less than counting `select` would.
pub async fn fetch_counted<E, C>(
    db: &impl ConnectionTrait,
    select: Select<E>,
    id: C,
    page: PageRequest,
    total: impl Future<Output = AppResult<u64>>,
) -> AppResult<Page<E::Model>>
where
    E: EntityTrait,
    E::Model: Sync,
    C: ColumnTrait,
{
    let mut q = select.order_by_asc(id).limit(page.first + 1);
    if let Some(after) = page.after {
        q = q.filter(id.gt(after));
    }
    // Two statements at once: on a pool they run on two connections.
    let (total, mut items) = tokio::try_join!(total, async { Ok(q.all(db).await?) })?;
    let has_next = items.len() as u64 > page.first;
    items.truncate(page.first as usize);
    Ok(Page { items, has_next, total })
}

/// Up to `n` rows of `select` with an id above `after`, in id order, without
/// counting them all: a page of an export, which reads every page in turn.
pub async fn rows<E, C>(db: &impl ConnectionTrait, select: Select<E>, id: C, after: Option<i64>, n: u64) -> AppResult<Vec<E::Model>>
where
    E: EntityTrait,
    E::Model: Sync,
    C: ColumnTrait,
{
    let mut q = select.order_by_asc(id).limit(n);
    if let Some(after) = after {
        q = q.filter(id.gt(after));
    }
    Ok(q.all(db).await?)
}
