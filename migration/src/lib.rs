//! Schema migrations. One file per schema change; a landed migration is never edited.

pub use sea_orm_migration::prelude::*;

mod m20261128_000001_regional_model;
mod m20261128_000002_feed_and_audit;
mod m20261128_000003_rollup_cells;
mod m20261128_000004_rollup_summary;
mod m20261128_000005_read_indexes;
mod m20261128_000006_split_sums;
mod m20261202_000007_frameworks;
mod m20261202_000008_crosswalk_cells;
mod m20261202_000009_narrow_cells;
mod m20261202_000010_reference_version;
mod m20261202_000011_delta_cells;
mod m20261202_000012_feed_points_at_audit;
mod m20261203_000013_delivery_standing;
mod m20261203_000014_supplier_index;
mod m20261203_000015_standing_by_council;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261128_000001_regional_model::Migration),
            Box::new(m20261128_000002_feed_and_audit::Migration),
            Box::new(m20261128_000003_rollup_cells::Migration),
            Box::new(m20261128_000004_rollup_summary::Migration),
            Box::new(m20261128_000005_read_indexes::Migration),
            Box::new(m20261128_000006_split_sums::Migration),
            Box::new(m20261202_000007_frameworks::Migration),
            Box::new(m20261202_000008_crosswalk_cells::Migration),
            Box::new(m20261202_000009_narrow_cells::Migration),
            Box::new(m20261202_000010_reference_version::Migration),
            Box::new(m20261202_000011_delta_cells::Migration),
            Box::new(m20261202_000012_feed_points_at_audit::Migration),
            Box::new(m20261203_000013_delivery_standing::Migration),
            Box::new(m20261203_000014_supplier_index::Migration),
            Box::new(m20261203_000015_standing_by_council::Migration),
        ]
    }
}
