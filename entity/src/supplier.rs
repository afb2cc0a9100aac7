use sea_orm::entity::prelude::*;

/// Suppliers are regional: one supplier can hold contracts with several councils.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "supplier")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub supplier_ref: String,
    pub name: String,
    pub companies_house_number: Option<String>,
    pub postcode: Option<String>,
    pub is_sme: bool,
    pub is_vcse: bool,
    pub version: i32,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
