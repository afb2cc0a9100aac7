//! Sums that cannot overflow: every summed figure of the rollup cells is
//! kept as two BIGINT parts, `{figure}_hi` and `{figure}_lo`, the figure
//! being hi × 10^9 + lo (see service::split_sum). One record's figure fits
//! in a BIGINT, but a cell's sum of them may not, and SQLite has no wider
//! integer.
//!
//! The cells are derived data, so the three tables are replaced, empty,
//! with their indexes; the service rebuilds them from the records when it
//! next starts (service::rollup_cells::ensure_built, which builds the cells
//! of a database that has commitments but no cells). Counts stay one
//! column each.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261128_000006_split_sums"
    }
}

/// The two columns of a split figure.
fn parts(figure: &str) -> [String; 2] {
    [format!("{figure}_hi"), format!("{figure}_lo")]
}

const DELIVERED: [&str; 4] = ["delivered_centi", "verified_centi", "delivered_value", "verified_value"];

/// A cell table: integer keys (its primary key), counts and split figures.
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

fn by_pair(table: &str) -> IndexCreateStatement {
    index(&format!("{table}_council_supplier"), table, &["council_id".into(), "supplier_id".into()])
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
            &["supplier_id", "council_id", "measure_id", "financial_year", "quarter"],
            &["evidence"],
            &DELIVERED,
        ))
        .await?;
        m.create_index(by_pair("rollup_delivered_quarterly")).await?;

        m.create_table(cells(
            "rollup_summary",
            &["supplier_id", "council_id", "theme_id", "measure_id", "financial_year"],
            &["contracts", "commitments", "evidence"],
            &["value_pence", "target_centi", "committed_value", "delivered_centi", "verified_centi", "delivered_value", "verified_value"],
        ))
        .await?;
        m.create_index(by_pair("rollup_summary")).await?;
        // As migration 5's: the grouping key, the supplier and every figure a
        // rollup reads, so that a rollup reads the index alone, in key order.
        let mut covering: Vec<String> =
            ["council_id", "financial_year", "theme_id", "measure_id", "supplier_id", "commitments", "evidence"].map(String::from).to_vec();
        for f in ["committed_value", "target_centi", "delivered_value", "verified_value", "delivered_centi", "value_pence"] {
            covering.extend(parts(f));
        }
        m.create_index(index("rollup_summary_covering", "rollup_summary", &covering)).await?;

        let mut delivery = Table::create();
        delivery
            .table(Alias::new("commitment_delivery"))
            .col(integer(Alias::new("commitment_id")).primary_key())
            .col(integer(Alias::new("council_id")))
            .col(integer(Alias::new("supplier_id")));
        for f in ["delivered_centi", "delivered_value", "verified_value"].iter().flat_map(|f| parts(f)) {
            delivery.col(big_integer(Alias::new(f)));
        }
        m.create_table(delivery).await?;
        m.create_index(by_pair("commitment_delivery")).await?;
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        // The replaced tables are derived data: rebuilding them needs the
        // previous release's code, so going back means restoring a backup.
        Err(DbErr::Migration("m20261128_000006_split_sums cannot be reverted; restore a backup taken before it".into()))
    }
}
