//! How resolvers read what the schema and the request carry: the pool, the
//! limits, the caller, the caller's read scope and the reference cache
//! (added per request by [`request_data`](super::schema::request_data)).

use async_graphql::Context;

use super::reference::ReferenceCache;
use crate::auth::{Principal, ReadScope};
use crate::config::Limits;
use crate::service::DatabaseConnection;

/// The pool a request's reads go to, set by
/// [`request_data`](super::schema::request_data).
pub struct Reads(pub DatabaseConnection);

/// Where this request reads records, rollups and the audit log: a read
/// replica for a query of a role that only reads, else the primary.
pub fn db<'a>(ctx: &Context<'a>) -> &'a DatabaseConnection {
    &ctx.data_unchecked::<Reads>().0
}

/// The primary: every write, and the changes feed, which a council's
/// mirror follows right behind the writes.
pub fn primary<'a>(ctx: &Context<'a>) -> &'a DatabaseConnection {
    ctx.data_unchecked::<DatabaseConnection>()
}

pub fn limits<'a>(ctx: &Context<'a>) -> &'a Limits {
    ctx.data_unchecked::<Limits>()
}

/// The authenticated caller.
pub fn principal<'a>(ctx: &Context<'a>) -> &'a Principal {
    ctx.data_unchecked::<Principal>()
}

/// The request's read scope: what every service read is given.
pub fn read_scope<'a>(ctx: &Context<'a>) -> &'a ReadScope {
    ctx.data_unchecked::<ReadScope>()
}

pub fn reference<'a>(ctx: &Context<'a>) -> &'a ReferenceCache {
    ctx.data_unchecked::<ReferenceCache>()
}
