//! Pure types and rules of the regional model: exact money and quantities,
//! financial years and quarters, and the checks that make a record valid.
//! No database, no GraphQL, nothing that awaits.

pub mod code;
pub mod decimal;
pub mod delivery;
pub mod period;
pub mod record;

pub use decimal::{Factor, Money, MoneyTotal, Percent, Quantity, QuantityTotal, RegionalQuantity, SocialValue};
pub use delivery::{AsOf, DeliveryStatus, Standing};
pub use period::{FinancialYear, Quarter};
pub use record::{EvidenceStatus, NodeId, RecordEntity, Sha256};
