use sea_orm::entity::prelude::*;

/// The £ value of one unit of a measure in one financial year.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "proxy")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub measure_id: i32,
    pub financial_year: i32,
    /// Pence.
    pub value_pence: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::measure::Entity", from = "Column::MeasureId", to = "super::measure::Column::Id")]
    Measure,
}

impl ActiveModelBehavior for ActiveModel {}
