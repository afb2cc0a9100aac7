//! Delivery tracking kept by the write path (service::rollup::cells):
//! each commitment's standing against its target (`commitment_standing`),
//! and in the summary cells the sum of its commitments' shortfalls and, for
//! 1 to 4 ended quarters of the year, how many are behind.
//!
//! The cells are emptied, so that the service rebuilds them from the
//! records when it next starts (cells::ensure_built), with the new figures.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261203_000013_delivery_standing"
    }
}

fn parts(figure: &str) -> Vec<String> {
    let low = [format!("{figure}_p1"), format!("{figure}_p0")];
    if ["committed_value", "delivered_value", "verified_value", "shortfall_value"].contains(&figure) {
        std::iter::once(format!("{figure}_p2")).chain(low).collect()
    } else {
        low.to_vec()
    }
}

const BEHIND: [&str; 4] = ["behind_1", "behind_2", "behind_3", "behind_4"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        for t in ["rollup_delivered_quarterly", "rollup_summary", "commitment_delivery"] {
            db.execute_unprepared(&format!("DELETE FROM {t}")).await?;
        }
        let added: Vec<String> = parts("shortfall_value").into_iter().chain(BEHIND.map(String::from)).collect();
        // One column a statement: SQLite alters a table one change at a time.
        for c in &added {
            m.alter_table(Table::alter().table(Alias::new("rollup_summary")).add_column(big_integer(Alias::new(c)).default(0)).to_owned()).await?;
        }
        // Migration 11's covering indexes, holding the new figures too, so
        // that a rollup still reads the index alone.
        let mut figures: Vec<String> = ["commitments", "unvalued_commitments", "evidence"].map(String::from).to_vec();
        for f in ["committed_value", "committed_quantity", "delivered_value", "verified_value", "delivered_quantity", "contract_value"] {
            figures.extend(parts(f));
        }
        figures.extend(added);
        let figures = figures.join(", ");
        for index in ["rollup_summary_covering", "rollup_summary_region"] {
            db.execute_unprepared(&format!("DROP INDEX {index}")).await?;
        }
        db.execute_unprepared(&format!(
            "CREATE INDEX rollup_summary_covering ON rollup_summary (council_id, financial_year, theme_id, measure_id, supplier_id, {figures})"
        ))
        .await?;
        db.execute_unprepared(&format!(
            "CREATE INDEX rollup_summary_region ON rollup_summary (financial_year, measure_id, theme_id, council_id, {figures}, supplier_id) WHERE supplier_id = 0"
        ))
        .await?;

        let mut standing = Table::create();
        standing.table(Alias::new("commitment_standing")).col(integer(Alias::new("commitment_id")).primary_key());
        for k in ["supplier_id", "council_id", "theme_id", "measure_id", "financial_year", "progress", "behind_from"] {
            standing.col(integer(Alias::new(k)));
        }
        for p in parts("shortfall_value") {
            standing.col(big_integer(Alias::new(p)));
        }
        m.create_table(standing).await?;
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration("m20261203_000013_delivery_standing cannot be reverted; restore a backup taken before it".into()))
    }
}
