use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "commitment")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub council_id: i32,
    pub external_id: String,
    pub contract_id: i32,
    pub measure_id: i32,
    pub financial_year: i32,
    /// Hundredths of a unit.
    pub target_centi: i64,
    pub version: i32,
    pub updated_at: DateTimeUtc,
    pub deleted: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::contract::Entity", from = "Column::ContractId", to = "super::contract::Column::Id")]
    Contract,
    #[sea_orm(belongs_to = "super::measure::Entity", from = "Column::MeasureId", to = "super::measure::Column::Id")]
    Measure,
}

impl ActiveModelBehavior for ActiveModel {}
