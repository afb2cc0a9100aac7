//! The changes feed, the audit trail and sync idempotency keys.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261128_000002_feed_and_audit"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One row per change to a council record, in commit order (see service::write).
        m.create_table(
            Table::create()
                .table("change_log")
                .col(big_pk_auto("seq"))
                .col(integer("council_id"))
                .col(string("entity"))
                .col(string("external_id"))
                .col(integer("record_id"))
                .col(integer("version"))
                .col(string("operation"))
                .col(text_null("data"))
                .col(string("at"))
                .foreign_key(ForeignKey::create().name("fk_change_log_council_id").from("change_log", "council_id").to("council", "id"))
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("change_log_council_seq").table("change_log").col("council_id").col("seq").to_owned()).await?;

        // The hash-chained audit trail. JSON is kept as the exact text that was
        // hashed, so verification never depends on a backend's JSON normalisation.
        m.create_table(
            Table::create()
                .table("audit_event")
                .col(big_pk_auto("seq"))
                .col(string("at"))
                .col(string("actor"))
                .col(string("role"))
                .col(integer_null("council_id"))
                .col(string("action"))
                .col(string("entity"))
                .col(string("record_id"))
                .col(text_null("before"))
                .col(text_null("after"))
                .col(string("prev_hash"))
                .col(string("hash"))
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("audit_event_council_seq").table("audit_event").col("council_id").col("seq").to_owned()).await?;
        m.create_index(Index::create().name("audit_event_record").table("audit_event").col("entity").col("record_id").to_owned()).await?;

        m.create_table(
            Table::create()
                .table("idempotency_key")
                .col(pk_auto("id"))
                .col(integer("council_id"))
                .col(string("key"))
                .col(string("payload_sha256"))
                .col(text("result"))
                .col(string("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("idempotency_key_council_key").table("idempotency_key").col("council_id").col("key").unique().to_owned()).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["idempotency_key", "audit_event", "change_log"] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
