use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contract")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub council_id: i32,
    pub external_id: String,
    pub title: String,
    pub supplier_id: i32,
    /// Pence.
    pub value_pence: i64,
    pub start_date: Date,
    pub end_date: Date,
    /// Hundredths of a percent.
    pub social_value_weighting_centi: Option<i64>,
    /// The framework its commitments' measures belong to: the council's
    /// unless the contract named its own when synced.
    pub framework_id: i32,
    pub version: i32,
    pub updated_at: DateTimeUtc,
    /// Tombstone: a deleted record stays for the changes feed and audit, out of every query.
    pub deleted: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::council::Entity", from = "Column::CouncilId", to = "super::council::Column::Id")]
    Council,
    #[sea_orm(belongs_to = "super::supplier::Entity", from = "Column::SupplierId", to = "super::supplier::Column::Id")]
    Supplier,
}

impl ActiveModelBehavior for ActiveModel {}

/// A contract's supplier, read with it (`find_also_related`).
impl Related<super::supplier::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Supplier.def()
    }
}
