//! One cell table for every rollup figure: `rollup_summary` replaces the
//! committed, delivered and contract cells of migration 3.
//!
//! Each row holds all figures (distinct contracts, commitments, delivery) of
//! one (supplier, council) pair in one grouping: theme, measure and year are
//! each either a value or 0 for "all". The rows with a measure and a year are
//! the finest cells; the coarser groupings exist because counting each
//! contract once does not add up across themes, measures or years, and
//! because a dashboard's usual question (one council by supplier, the region
//! by theme for a year) is then answered by reading one row per group
//! instead of summing thousands. Rows with `supplier_id = 0` are the same
//! figures summed over suppliers. The quarterly delivered cells stay as they
//! are, for the trend.
//!
//! `commitment_delivery` holds each live commitment's delivered quantity and
//! delivered and verified values, kept by the same write path, so that a
//! dashboard page of contracts reads them by key instead of summing evidence.
//!
//! The tables start empty: the service fills them from the records the first
//! time it starts (service::rollup_cells::ensure_built).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261128_000004_rollup_summary"
    }
}

const KEYS: &[&str] = &["supplier_id", "council_id", "theme_id", "measure_id", "financial_year"];

/// Contract, committed and delivered figures; values are quantity × proxy in
/// ten-thousandths of a pound, contract values in pence.
const FIGURES: &[&str] = &[
    "contracts",
    "value_pence",
    "commitments",
    "target_centi",
    "committed_value",
    "evidence",
    "delivered_centi",
    "verified_centi",
    "delivered_value",
    "verified_value",
];

const REPLACED: [&str; 3] = ["rollup_committed", "rollup_delivered", "rollup_contract"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in REPLACED {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        let mut t = Table::create();
        t.table("rollup_summary");
        let mut pk = Index::create();
        for k in KEYS {
            t.col(integer(*k));
            pk.col(*k);
        }
        for f in FIGURES {
            t.col(big_integer(*f));
        }
        m.create_table(t.primary_key(&mut pk).to_owned()).await?;
        // The write path recomputes the rows of the (council, supplier) pairs a write touched.
        m.create_index(Index::create().name("rollup_summary_council_supplier").table("rollup_summary").col("council_id").col("supplier_id").to_owned()).await?;
        // Reads pick one grouping of one council: (council, all years, all themes, …).
        m.create_index(
            Index::create()
                .name("rollup_summary_grouping")
                .table("rollup_summary")
                .col("council_id")
                .col("financial_year")
                .col("theme_id")
                .col("measure_id")
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("commitment_delivery")
                .col(integer("commitment_id").primary_key())
                .col(integer("council_id"))
                .col(integer("supplier_id"))
                .col(big_integer("delivered_centi"))
                .col(big_integer("delivered_value"))
                .col(big_integer("verified_value"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("commitment_delivery_council_supplier").table("commitment_delivery").col("council_id").col("supplier_id").to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        // The replaced tables are derived data: rebuilding them needs the
        // previous release's code, so going back means restoring a backup.
        Err(DbErr::Migration("m20261128_000004_rollup_summary cannot be reverted; restore a backup taken before it".into()))
    }
}
