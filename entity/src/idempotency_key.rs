use sea_orm::entity::prelude::*;

/// The first result of a sync batch sent with an idempotency key.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "idempotency_key")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub council_id: i32,
    pub key: String,
    pub payload_sha256: String,
    /// The SyncResult as JSON text.
    pub result: String,
    pub created_at: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
