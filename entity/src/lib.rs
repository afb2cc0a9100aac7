//! sea-orm entities: the tables of the regional model as Rust types, no logic.
//!
//! Money is stored as integer pence and quantities as integer hundredths
//! (`*_centi`): SQLite has no exact decimal type, so scaled integers are the
//! one representation that is exact on both backends.

pub mod audit_event;
pub mod change_log;
pub mod commitment;
pub mod contract;
pub mod council;
pub mod evidence;
pub mod framework;
pub mod idempotency_key;
pub mod measure;
pub mod measure_mapping;
pub mod proxy;
pub mod stored;
pub mod supplier;
pub mod theme;

pub use stored::{EvidenceStatus, FeedOperation, RecordEntity};
