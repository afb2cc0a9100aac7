//! The only code that touches the database. Reads take the request's
//! [`scope::ReadScope`];
//! every write goes through [`write::WriteTx`].

pub mod audit;
pub mod changes;
pub mod db;
pub mod edit;
pub mod framework;
pub mod load;
pub mod lookup;
pub mod page;
pub mod records;
pub mod rollup;
pub mod rollup_cells;
pub mod scope;
pub mod snapshot;
pub mod split_sum;
pub mod sync;
pub mod tombstone;
pub mod valuation;
pub mod write;
