//! A council's standings in commitment id order, with what their status
//! is computed from: a page of one council's commitments filtered by
//! delivery status walks it beside `commitment_live_by_council` and stops
//! after the page, and the count of such a filter reads it alone. Without
//! it, either reads every standing of the region (160,598 on the large
//! region) for each request.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261203_000015_standing_by_council"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared(
                "CREATE INDEX commitment_standing_by_council ON commitment_standing
                 (council_id, commitment_id, progress, financial_year, behind_from, theme_id, measure_id)",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection().execute_unprepared("DROP INDEX commitment_standing_by_council").await?;
        Ok(())
    }
}
