//! Rollup cells kept by adding what a write changes (service::rollup::cells):
//! the cells of migration 9, replaced, empty, so that the service rebuilds
//! them from the records when it next starts (cells::ensure_built).
//!
//! A write now adds the difference it makes to each cell it moves instead of
//! summing a (council, supplier) pair's cells again, so nothing deletes or
//! reads cells by pair any more: the pair indexes go, and
//! `commitment_delivery` is keyed by its commitment alone, without the
//! council and supplier it kept for them.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000011_delta_cells"
    }
}

fn parts(figure: &str) -> Vec<String> {
    let low = [format!("{figure}_p1"), format!("{figure}_p0")];
    if ["committed_value", "delivered_value", "verified_value"].contains(&figure) {
        std::iter::once(format!("{figure}_p2")).chain(low).collect()
    } else {
        low.to_vec()
    }
}

const DELIVERED: [&str; 4] = ["delivered_quantity", "verified_quantity", "delivered_value", "verified_value"];

fn cells(table: &str, keys: &[&str], counts: &[&str], figures: &[&str]) -> TableCreateStatement {
    let mut t = Table::create();
    t.table(Alias::new(table));
    let mut pk = Index::create();
    for k in keys {
        t.col(integer(Alias::new(*k)));
        pk.col(Alias::new(*k));
    }
    for c in counts {
        t.col(big_integer(Alias::new(*c)));
    }
    for f in figures.iter().flat_map(|f| parts(f)) {
        t.col(big_integer(Alias::new(f)));
    }
    t.primary_key(&mut pk).to_owned()
}

fn index(name: &str, table: &str, cols: &[String]) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(Alias::new(table));
    for col in cols {
        index.col(Alias::new(col));
    }
    index
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["rollup_delivered_quarterly", "rollup_summary", "commitment_delivery"] {
            m.drop_table(Table::drop().table(Alias::new(t)).to_owned()).await?;
        }
        m.create_table(cells(
            "rollup_delivered_quarterly",
            &["supplier_id", "council_id", "theme_id", "measure_id", "financial_year", "quarter"],
            &["evidence"],
            &DELIVERED,
        ))
        .await?;

        m.create_table(cells(
            "rollup_summary",
            &["supplier_id", "council_id", "theme_id", "measure_id", "financial_year"],
            &["contracts", "commitments", "unvalued_commitments", "evidence"],
            &["contract_value", "committed_quantity", "committed_value", "delivered_quantity", "verified_quantity", "delivered_value", "verified_value"],
        ))
        .await?;
        // As migration 9's: the grouping key, the supplier and every figure a
        // rollup reads, so that a rollup reads the index alone, in key order.
        let mut covering: Vec<String> =
            ["council_id", "financial_year", "theme_id", "measure_id", "supplier_id", "commitments", "unvalued_commitments", "evidence"]
                .map(String::from)
                .to_vec();
        for f in ["committed_value", "committed_quantity", "delivered_value", "verified_value", "delivered_quantity", "contract_value"] {
            covering.extend(parts(f));
        }
        m.create_index(index("rollup_summary_covering", "rollup_summary", &covering)).await?;
        // The region's rows (supplier 0, summed over suppliers) read by every
        // rollup that is not by supplier, and by the trend, in the order a
        // query pins them (year, then the grouping, then theme), each holding
        // what such a read selects, so that it reads the index alone: the
        // rows of the primary key are spread among every supplier's.
        // Partial, so that they cost nothing for the supplier rows.
        let summary_figures = covering[5..].join(", ");
        let db = m.get_connection();
        db.execute_unprepared(&format!(
            "CREATE INDEX rollup_summary_region ON rollup_summary (financial_year, measure_id, theme_id, council_id, {summary_figures}, supplier_id) WHERE supplier_id = 0"
        ))
        .await?;
        let trend: Vec<String> = ["delivered_value", "verified_value"].iter().flat_map(|f| parts(f)).collect();
        db.execute_unprepared(&format!(
            "CREATE INDEX rollup_delivered_quarterly_region ON rollup_delivered_quarterly (theme_id, financial_year, quarter, council_id, measure_id, evidence, {}, supplier_id) WHERE supplier_id = 0",
            trend.join(", ")
        ))
        .await?;

        let mut delivery = Table::create();
        delivery.table(Alias::new("commitment_delivery")).col(integer(Alias::new("commitment_id")).primary_key());
        for f in ["delivered_centi", "delivered_value", "verified_value"].iter().flat_map(|f| parts(f)) {
            delivery.col(big_integer(Alias::new(f)));
        }
        m.create_table(delivery).await?;
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration("m20261202_000011_delta_cells cannot be reverted; restore a backup taken before it".into()))
    }
}
