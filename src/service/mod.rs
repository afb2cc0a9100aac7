//! The only code that touches the database. Reads take the request's
//! [`scope::ReadScope`];
//! every write goes through [`write::WriteTx`].

pub mod audit;
pub mod council_record;
pub mod db;
pub mod edit;
pub mod export;
pub mod framework;
pub mod lookup;
pub mod notify;
pub mod read;
pub mod region;
pub mod rollup;
pub mod scope;
pub mod split_sum;
pub mod sync;
pub mod write;

/// The connection pool handle, named here so that the layers above pass it
/// to services without reaching for the database library themselves.
pub use sea_orm::DatabaseConnection;
