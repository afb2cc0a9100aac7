//! The regional model: councils, the framework (themes, measures, proxies),
//! suppliers, contracts, commitments and evidence.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261128_000001_regional_model"
    }
}

fn fk(from: (&'static str, &'static str), to: (&'static str, &'static str)) -> ForeignKeyCreateStatement {
    ForeignKey::create().name(format!("fk_{}_{}", from.0, from.1)).from(from.0, from.1).to(to.0, to.1).on_delete(ForeignKeyAction::Restrict).to_owned()
}

fn index(table: &'static str, name: &str, cols: &[&'static str], unique: bool) -> IndexCreateStatement {
    let mut idx = Index::create();
    idx.name(format!("{table}_{name}")).table(table);
    for c in cols {
        idx.col(*c);
    }
    if unique {
        idx.unique();
    }
    idx.to_owned()
}

/// The columns every council-owned record carries: owner, the council's own
/// id, the version clients use for optimistic concurrency, and the tombstone.
fn record_columns(t: &mut TableCreateStatement, table: &'static str) {
    t.col(integer("council_id"))
        .col(string("external_id"))
        .col(integer("version"))
        .col(timestamp_with_time_zone("updated_at"))
        .col(boolean("deleted").default(false))
        .foreign_key(&mut fk((table, "council_id"), ("council", "id")));
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    // SQLite runs migrations outside a transaction unless asked: ask, so that
    // a failed migration leaves nothing half-made on either backend.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(Table::create().table("council").col(pk_auto("id")).col(string_uniq("code")).col(string("name")).col(string("gss_code")).to_owned())
            .await?;
        m.create_table(Table::create().table("theme").col(pk_auto("id")).col(string_uniq("code")).col(string("name")).to_owned()).await?;
        m.create_table(
            Table::create()
                .table("measure")
                .col(pk_auto("id"))
                .col(string_uniq("code"))
                .col(integer("theme_id"))
                .col(string("name"))
                .col(string("unit"))
                .foreign_key(&mut fk(("measure", "theme_id"), ("theme", "id")))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("proxy")
                .col(pk_auto("id"))
                .col(integer("measure_id"))
                .col(integer("financial_year"))
                .col(big_integer("value_pence"))
                .foreign_key(&mut fk(("proxy", "measure_id"), ("measure", "id")))
                .to_owned(),
        )
        .await?;
        m.create_index(index("proxy", "measure_year", &["measure_id", "financial_year"], true)).await?;
        m.create_table(
            Table::create()
                .table("supplier")
                .col(pk_auto("id"))
                .col(string_uniq("supplier_ref"))
                .col(string("name"))
                .col(string_null("companies_house_number"))
                .col(string_null("postcode"))
                .col(boolean("is_sme"))
                .col(boolean("is_vcse"))
                .col(integer("version"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await?;

        let mut contract = Table::create();
        contract
            .table("contract")
            .col(pk_auto("id"))
            .col(string("title"))
            .col(integer("supplier_id"))
            .col(big_integer("value_pence"))
            .col(date("start_date"))
            .col(date("end_date"))
            .col(big_integer_null("social_value_weighting_centi"))
            .foreign_key(&mut fk(("contract", "supplier_id"), ("supplier", "id")));
        record_columns(&mut contract, "contract");
        m.create_table(contract).await?;
        m.create_index(index("contract", "council_external", &["council_id", "external_id"], true)).await?;
        m.create_index(index("contract", "supplier", &["supplier_id"], false)).await?;

        let mut commitment = Table::create();
        commitment
            .table("commitment")
            .col(pk_auto("id"))
            .col(integer("contract_id"))
            .col(integer("measure_id"))
            .col(integer("financial_year"))
            .col(big_integer("target_centi"))
            .foreign_key(&mut fk(("commitment", "contract_id"), ("contract", "id")))
            .foreign_key(&mut fk(("commitment", "measure_id"), ("measure", "id")));
        record_columns(&mut commitment, "commitment");
        m.create_table(commitment).await?;
        m.create_index(index("commitment", "council_external", &["council_id", "external_id"], true)).await?;
        m.create_index(index("commitment", "contract", &["contract_id"], false)).await?;
        m.create_index(index("commitment", "measure_year", &["measure_id", "financial_year"], false)).await?;

        let mut evidence = Table::create();
        evidence
            .table("evidence")
            .col(pk_auto("id"))
            .col(integer("commitment_id"))
            .col(date("period_start"))
            .col(date("period_end"))
            .col(integer("financial_year"))
            .col(integer("quarter"))
            .col(big_integer("quantity_centi"))
            .col(string("status"))
            .col(string_null("evidence_url"))
            .col(string_null("evidence_sha256"))
            .col(string("submitted_by"))
            .col(string_null("reviewed_by"))
            .col(timestamp_with_time_zone_null("reviewed_at"))
            .col(text_null("review_comment"))
            .foreign_key(&mut fk(("evidence", "commitment_id"), ("commitment", "id")));
        record_columns(&mut evidence, "evidence");
        m.create_table(evidence).await?;
        m.create_index(index("evidence", "council_external", &["council_id", "external_id"], true)).await?;
        m.create_index(index("evidence", "commitment", &["commitment_id"], false)).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["evidence", "commitment", "contract", "supplier", "proxy", "measure", "theme", "council"] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
