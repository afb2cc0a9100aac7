//! The only code that touches the database. Reads take the request's
//! [`scope::ReadScope`];
//! every write goes through [`write::WriteTx`].

pub mod audit;
pub mod changes;
pub mod db;
pub mod edit;
pub mod framework;
pub mod lookup;
pub mod page;
pub mod records;
pub mod region;
pub mod rollup;
pub mod rollup_cells;
pub mod scope;
pub mod snapshot;
pub mod split_sum;
pub mod sync;
pub mod tombstone;
pub mod valuation;
pub mod write;

/// The connection pool handle, named here so that the layers above pass it
/// to services without reaching for the database library themselves.
pub use sea_orm::DatabaseConnection;
