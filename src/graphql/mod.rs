//! The GraphQL schema: one module per area, thin resolvers that turn
//! arguments into service calls and models into objects. Resolvers never
//! build SQL or query the database: every read is a service call.
//!
//! Imports point one way. At the bottom are the leaves (`error`, `ids`,
//! `scalars`, `input`, `guard`, `serial_fields`), then the request's
//! reference cache (`reference`) and how resolvers read the request
//! (`context`, `connection`), then the areas, each with its objects before the
//! queries that return them, and at the top `schema`, which assembles the
//! areas and gives each request its data.

pub mod audit;
pub mod changes;
pub mod connection;
pub mod context;
pub mod edit;
pub mod error;
pub mod federation;
pub mod framework;
pub mod guard;
pub mod ids;
pub mod input;
pub mod records;
pub mod reference;
pub mod rollup;
pub mod scalars;
pub mod schema;
pub mod serial_fields;
pub mod sync;
pub mod viewer;

pub use schema::{AppSchema, Mutation, Query, Subscription, build_schema, caller_data, request_data, root_fields};
