//! Relay connections over a service's page of rows, and the page a
//! connection's `first` and `after` ask for.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, SimpleObject};

use super::context::limits;
use super::error::GqlResult;
use super::ids;
use crate::service::read::page::{Page, PageRequest};

#[derive(SimpleObject)]
pub struct TotalCount {
    /// Records matching the filter, across all pages.
    total_count: i64,
}

pub type Conn<T> = Connection<String, T, TotalCount>;

pub fn connection<M, T: async_graphql::OutputType>(page: Page<M>, id: impl Fn(&M) -> i64, wrap: impl Fn(M) -> T, after: bool) -> Conn<T> {
    let mut c = Connection::with_additional_fields(after, page.has_next, TotalCount { total_count: page.total as i64 });
    c.edges.extend(page.items.into_iter().map(|m| Edge::new(ids::cursor(id(&m)), wrap(m))));
    c
}

pub fn page_request(ctx: &Context<'_>, first: Option<i32>, after: Option<&str>) -> GqlResult<PageRequest> {
    let after = after.map(ids::parse_cursor).transpose()?;
    Ok(PageRequest::new(first.map(i64::from), after, limits(ctx).max_page_size)?)
}
