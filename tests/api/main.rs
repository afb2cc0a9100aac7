//! Black-box tests over HTTP. Every test runs on SQLite, and on PostgreSQL
//! too when SVH_TEST_POSTGRES_URL is set, each on a fresh database.

mod access_matrix;
mod audit;
mod auth;
mod cli;
mod crosswalk;
mod dashboard;
mod delivery;
mod edits;
mod export;
mod faults;
mod feed;
mod framework;
mod graphiql;
mod helpers;
mod hostile;
mod http;
mod import;
mod json;
mod limits;
mod load;
mod money;
mod observability;
mod overflow;
mod random_rollups;
mod read_replica;
mod records;
mod reference_cache;
mod replicas;
mod rollup;
mod rollup_order;
mod schema;
mod subscriptions;
mod sync;
mod tokens;
mod write_cost;
