//! A version of the reference tables (frameworks, councils, themes,
//! measures, mappings, proxies), raised by every write that changes one of
//! them in its own transaction (service::write). Each replica keeps the
//! tables in memory and reads them again only when the version in the
//! database has moved, so a change on any replica is seen by every other
//! at its next request.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000010_reference_version"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Alias::new("reference_version"))
                .col(integer(Alias::new("id")).primary_key())
                .col(big_integer(Alias::new("version")))
                .to_owned(),
        )
        .await?;
        m.get_connection().execute_unprepared("INSERT INTO reference_version (id, version) VALUES (1, 1)").await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Alias::new("reference_version")).to_owned()).await
    }
}
