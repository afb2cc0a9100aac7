//! Indexes that let the dashboard's reads stay in index order:
//! - the summary cells' grouping index carries the supplier and every figure
//!   a rollup sums, so a rollup reads index entries in key order (one
//!   council's thousand suppliers) without a table lookup each;
//! - a council's live contracts and commitments by id, so that a page of
//!   them and its total count read the index alone, not every row of a
//!   large council to check its tombstone.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const SUMMARY_KEY: [&str; 5] = ["council_id", "financial_year", "theme_id", "measure_id", "supplier_id"];
const SUMMARY_FIGURES: [&str; 8] =
    ["commitments", "committed_value", "target_centi", "evidence", "delivered_value", "verified_value", "delivered_centi", "value_pence"];
const LIVE_BY_COUNCIL: [&str; 3] = ["council_id", "deleted", "id"];
const RECORDS: [&str; 2] = ["contract", "commitment"];

fn index(name: &str, table: &str, cols: &[&str]) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(Alias::new(table));
    for col in cols {
        index.col(Alias::new(*col));
    }
    index
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name("rollup_summary_grouping").table("rollup_summary").to_owned()).await?;
        m.create_index(index("rollup_summary_covering", "rollup_summary", &[&SUMMARY_KEY[..], &SUMMARY_FIGURES[..]].concat())).await?;
        for table in RECORDS {
            m.create_index(index(&format!("{table}_live_by_council"), table, &LIVE_BY_COUNCIL)).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in RECORDS {
            m.drop_index(Index::drop().name(format!("{table}_live_by_council")).table(Alias::new(table)).to_owned()).await?;
        }
        m.drop_index(Index::drop().name("rollup_summary_covering").table("rollup_summary").to_owned()).await?;
        m.create_index(index("rollup_summary_grouping", "rollup_summary", &SUMMARY_KEY[..4])).await
    }
}
