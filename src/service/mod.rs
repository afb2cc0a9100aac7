//! The only code that touches the database. Reads take the caller's Scope;
//! every write goes through [`write::WriteTx`].

pub mod db;
pub mod framework;
pub mod load;
pub mod page;
pub mod records;
pub mod sync;
pub mod valuation;
pub mod write;
