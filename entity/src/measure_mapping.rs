use sea_orm::entity::prelude::*;

/// The crosswalk: a measure of another framework counts as `factor` units
/// of a regional measure per reported unit.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "measure_mapping")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub measure_id: i32,
    pub regional_measure_id: i32,
    /// Ten-thousandths.
    pub factor_e4: i64,
    pub note: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::measure::Entity", from = "Column::MeasureId", to = "super::measure::Column::Id")]
    Measure,
}

impl ActiveModelBehavior for ActiveModel {}

impl Related<super::measure::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Measure.def()
    }
}
