//! Suppliers and council records (contracts, commitments, evidence), in
//! layers whose imports point one way: the DataLoaders read rows, the
//! objects resolve fields (reading through the DataLoaders what was not
//! prefetched), the prefetch builds objects with what a list's selection
//! needs beneath them, and the queries page, prefetch and wrap.

pub mod loaders;
pub mod objects;
pub mod prefetch;
pub mod query;
