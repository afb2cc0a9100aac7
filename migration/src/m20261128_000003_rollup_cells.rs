//! Rollup cells: committed, delivered and contract-value figures summed by
//! the write path, so that dashboard rollups read a few thousand rows
//! instead of a million evidence records (see service::rollup_cells).
//!
//! Each table holds two levels: one row per (council, supplier, …) and,
//! under `supplier_id = 0`, the same figures summed over suppliers. The
//! primary keys lead with `supplier_id` so that the council-level rows are
//! one range; the (council, supplier) index serves the write path, which
//! recomputes the rows of the (council, supplier) pairs a write touched.
//! The tables start empty: the service fills them from the records the first
//! time it starts against a database that has commitments but no cells.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261128_000003_rollup_cells"
    }
}

/// What the delivered cells sum: evidence of every status, quantities and
/// values of delivered (not rejected) and of verified evidence.
const DELIVERED: &[&str] = &["evidence", "delivered_centi", "verified_centi", "delivered_value", "verified_value"];

fn cells(table: &'static str, keys: &[&'static str], figures: &[&'static str]) -> TableCreateStatement {
    let mut t = Table::create();
    t.table(table);
    let mut pk = Index::create();
    for k in keys {
        t.col(integer(*k));
        pk.col(*k);
    }
    for f in figures {
        t.col(big_integer(*f));
    }
    t.primary_key(&mut pk).to_owned()
}

fn by_pair(table: &'static str) -> IndexCreateStatement {
    Index::create().name(format!("{table}_council_supplier")).table(table).col("council_id").col("supplier_id").to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // Values (ten-thousandths of a pound) are a cell's quantity × the
        // proxy of its measure and year, so a proxy change rewrites them in
        // place.
        m.create_table(cells(
            "rollup_committed",
            &["supplier_id", "council_id", "measure_id", "financial_year"],
            &["commitments", "target_centi", "committed_value"],
        ))
        .await?;
        // Delivery per quarter for the trend, and summed over quarters (a
        // third of the rows) for rollups.
        m.create_table(cells("rollup_delivered_quarterly", &["supplier_id", "council_id", "measure_id", "financial_year", "quarter"], DELIVERED)).await?;
        m.create_table(cells("rollup_delivered", &["supplier_id", "council_id", "measure_id", "financial_year"], DELIVERED)).await?;
        // Distinct contracts per cell, where 0 in theme_id, measure_id or
        // financial_year means "all": counting each contract once is not
        // additive across themes, measures or years, so each of those
        // groupings is kept (see service::rollup_cells).
        m.create_table(cells("rollup_contract", &["supplier_id", "council_id", "theme_id", "measure_id", "financial_year"], &["contracts", "value_pence"]))
            .await?;
        for t in ["rollup_committed", "rollup_delivered_quarterly", "rollup_delivered", "rollup_contract"] {
            m.create_index(by_pair(t)).await?;
        }
        // Contract cells are read by grouping: (council, all years, all themes, …).
        m.create_index(
            Index::create()
                .name("rollup_contract_grouping")
                .table("rollup_contract")
                .col("council_id")
                .col("financial_year")
                .col("theme_id")
                .col("measure_id")
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("contract_council_supplier").table("contract").col("council_id").col("supplier_id").to_owned()).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name("contract_council_supplier").table("contract").to_owned()).await?;
        for t in ["rollup_contract", "rollup_delivered", "rollup_delivered_quarterly", "rollup_committed"] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
