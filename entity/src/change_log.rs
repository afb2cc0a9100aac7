use sea_orm::entity::prelude::*;

/// One change to a council record, for the changes feed.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "change_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub seq: i64,
    pub council_id: i32,
    pub entity: super::RecordEntity,
    pub external_id: String,
    pub record_id: i32,
    pub version: i32,
    pub operation: super::FeedOperation,
    /// The record after the change as JSON text, for rows written before
    /// `audit_seq`; null for DELETE and for every later row, whose record
    /// is its audit event's `after`.
    pub data: Option<String>,
    /// RFC 3339.
    pub at: String,
    /// The audit event of the same change.
    pub audit_seq: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
