use sea_orm::entity::prelude::*;

/// One audited change, chained to the previous event by hash.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_event")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub seq: i64,
    /// RFC 3339, exactly as hashed.
    pub at: String,
    pub actor: String,
    pub role: String,
    pub council_id: Option<i32>,
    pub action: String,
    pub entity: String,
    pub record_id: String,
    /// JSON text, exactly as hashed.
    pub before: Option<String>,
    pub after: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
