//! The read side: every query of council records takes the request's
//! [`ReadScope`](super::scope::ReadScope) and applies it in SQL.
//!
//! - [`records`]: lists with filters, records by id, and the batch reads
//!   behind the GraphQL DataLoaders and look-ahead prefetch.
//! - [`page`]: keyset pagination.
//! - [`delivery`]: each commitment's delivered and verified figures.
//! - [`changes`]: the changes feed.
//! - [`reference`](mod@reference): the regional reference tables, whole.

pub mod changes;
pub mod delivery;
pub mod page;
pub mod records;
pub mod reference;
