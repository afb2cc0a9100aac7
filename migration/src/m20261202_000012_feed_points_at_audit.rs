//! A feed row names the audit event of its change (`audit_seq`) instead of
//! keeping its own copy of the record: the event already holds the record
//! as it is after the change, the same JSON, and every feed row has one.
//! Rows written before keep their `data`; the feed reads either.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000012_feed_points_at_audit"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table(Alias::new("change_log")).add_column(big_integer_null(Alias::new("audit_seq"))).to_owned()).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table(Alias::new("change_log")).drop_column(Alias::new("audit_seq")).to_owned()).await
    }
}
