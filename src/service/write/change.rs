//! What a write records of each record it changes: the audit event's
//! content, the feed row of a council record, and the rollup keys it moves.

use entity::{commitment, contract, evidence};
use serde_json::Value;

use crate::domain::RecordEntity;
use crate::service::rollup::cells::Touched;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Create,
    Update,
    Delete,
    Review,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "CREATE",
            Action::Update => "UPDATE",
            Action::Delete => "DELETE",
            Action::Review => "REVIEW",
        }
    }
}

/// The kind of record a change is to, as the audit trail names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangedEntity {
    Framework,
    Mapping,
    Council,
    Theme,
    Measure,
    Proxy,
    Supplier,
    /// A council record: a contract, commitment or evidence.
    Record(RecordEntity),
}

impl ChangedEntity {
    /// Whether it is one of the reference tables every request reads. Named
    /// by what it is not, so that a kind added later counts as reference
    /// data (read again at worst) until said otherwise.
    pub fn is_reference(self) -> bool {
        !matches!(self, ChangedEntity::Supplier | ChangedEntity::Record(_))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Framework => "FRAMEWORK",
            Self::Mapping => "MAPPING",
            Self::Council => "COUNCIL",
            Self::Theme => "THEME",
            Self::Measure => "MEASURE",
            Self::Proxy => "PROXY",
            Self::Supplier => "SUPPLIER",
            Self::Record(r) => r.as_str(),
        }
    }
}

/// A council record's row in the changes feed.
#[derive(Debug, Clone)]
pub struct FeedEntry {
    pub entity: RecordEntity,
    pub council_id: i32,
    pub external_id: String,
    pub record_id: i32,
    pub version: i32,
}

/// One record changed by a write.
#[derive(Debug, Clone)]
pub struct Change {
    /// None for regional reference data.
    pub council_id: Option<i32>,
    pub entity: ChangedEntity,
    /// Node id for council records; code, ref or `measure/year` for reference data.
    pub record_id: String,
    pub action: Action,
    pub before: Option<Value>,
    pub after: Option<Value>,
    /// Set for contracts, commitments and evidence.
    pub feed: Option<FeedEntry>,
    /// The rollup keys of the records whose figures this change moved, as
    /// they were and as they are (see `WriteTx::will_change`).
    pub touched: Vec<Touched>,
}

/// The rollup key of a council record: the key its own figures are under.
pub trait CellKey {
    fn cell_key(&self) -> Touched;
}

impl CellKey for contract::Model {
    fn cell_key(&self) -> Touched {
        Touched::Contract { council_id: self.council_id, id: self.id }
    }
}

impl CellKey for commitment::Model {
    fn cell_key(&self) -> Touched {
        Touched::Commitment { council_id: self.council_id, id: self.id, contract_id: self.contract_id }
    }
}

impl CellKey for evidence::Model {
    fn cell_key(&self) -> Touched {
        Touched::Evidence { council_id: self.council_id, id: self.id, commitment_id: self.commitment_id }
    }
}
