//! The three tables of council records (contracts, commitments, evidence)
//! share the columns that scoped reads, sync and tombstones key on. Naming
//! them once lets each of those be written once for all three.

use entity::{commitment, contract, evidence};
use sea_orm::EntityTrait;
/// A table of one council's records, keyed by the council's own external id.
pub trait CouncilRecord: EntityTrait {
    const ID: Self::Column;
    const COUNCIL_ID: Self::Column;
    const EXTERNAL_ID: Self::Column;
    const DELETED: Self::Column;
    const VERSION: Self::Column;
    const UPDATED_AT: Self::Column;
}

macro_rules! council_record {
    ($module:ident) => {
        impl CouncilRecord for $module::Entity {
            const ID: Self::Column = $module::Column::Id;
            const COUNCIL_ID: Self::Column = $module::Column::CouncilId;
            const EXTERNAL_ID: Self::Column = $module::Column::ExternalId;
            const DELETED: Self::Column = $module::Column::Deleted;
            const VERSION: Self::Column = $module::Column::Version;
            const UPDATED_AT: Self::Column = $module::Column::UpdatedAt;
        }
    };
}

council_record!(contract);
council_record!(commitment);
council_record!(evidence);
