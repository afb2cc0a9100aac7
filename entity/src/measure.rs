use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "measure")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub framework_id: i32,
    /// Unique within its framework.
    pub code: String,
    pub theme_id: i32,
    pub name: String,
    pub unit: String,
    /// False for a record-only measure: counted, never valued.
    pub valued: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::theme::Entity", from = "Column::ThemeId", to = "super::theme::Column::Id")]
    Theme,
    /// Its mapping onto a regional measure, when it is of another framework and mapped.
    #[sea_orm(has_one = "super::measure_mapping::Entity")]
    Mapping,
}

impl Related<super::theme::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Theme.def()
    }
}

impl Related<super::measure_mapping::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Mapping.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
