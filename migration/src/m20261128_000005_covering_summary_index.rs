//! The summary cells' grouping index carries the supplier and every figure a
//! rollup sums, so that a rollup reads index entries in key order: one
//! council's suppliers (about a thousand on a large region) without a table
//! lookup each, already in supplier order.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const KEY: [&str; 5] = ["council_id", "financial_year", "theme_id", "measure_id", "supplier_id"];
const FIGURES: [&str; 8] = ["commitments", "committed_value", "target_centi", "evidence", "delivered_value", "verified_value", "delivered_centi", "value_pence"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name("rollup_summary_grouping").table("rollup_summary").to_owned()).await?;
        let mut index = Index::create();
        index.name("rollup_summary_covering").table("rollup_summary");
        for col in KEY.iter().chain(&FIGURES) {
            index.col(*col);
        }
        m.create_index(index).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name("rollup_summary_covering").table("rollup_summary").to_owned()).await?;
        let mut index = Index::create();
        index.name("rollup_summary_grouping").table("rollup_summary");
        for col in &KEY[..4] {
            index.col(*col);
        }
        m.create_index(index).await
    }
}
