//! The region's figures by supplier (the dashboard's top suppliers) read
//! from an index: the supplier rows of the all-themes groupings, by year
//! (0 for all years), with every figure such a rollup selects. Without it a
//! rollup by supplier across councils reads the whole summary table (114 ms
//! on the large region); the covering index of migration 13 leads with the
//! council, for rollups of one council.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261203_000014_supplier_index"
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

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let mut figures: Vec<String> =
            ["commitments", "unvalued_commitments", "evidence", "behind_1", "behind_2", "behind_3", "behind_4"].map(String::from).to_vec();
        for f in ["committed_value", "committed_quantity", "delivered_value", "verified_value", "delivered_quantity", "contract_value", "shortfall_value"] {
            figures.extend(parts(f));
        }
        m.get_connection()
            .execute_unprepared(&format!(
                "CREATE INDEX rollup_summary_suppliers ON rollup_summary (financial_year, supplier_id, council_id, {}) WHERE theme_id = 0 AND measure_id = 0 AND supplier_id <> 0",
                figures.join(", ")
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection().execute_unprepared("DROP INDEX rollup_summary_suppliers").await?;
        Ok(())
    }
}
