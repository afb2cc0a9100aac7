//! Frameworks as data (contract version 2): every theme and measure belongs
//! to a framework, codes are unique within their framework, measures of
//! other frameworks map onto the regional framework with a factor, a
//! measure may be record-only (`valued` false), councils and contracts name
//! the framework they report in, and evidence keeps the quantity an officer
//! validated.
//!
//! The regional framework, `REGIONAL`, is the first row of `framework`
//! (id 1 on both backends: the first id of an empty table), and everything
//! that existed before belongs to it, so nothing a v1 client sends or reads
//! changes meaning. New columns default to it.
//!
//! `theme.code` and `measure.code` were UNIQUE columns. PostgreSQL drops the
//! constraint; SQLite cannot, so there the two tables are rebuilt with the
//! same ids. Their children (measures, proxies, commitments) keep pointing at
//! those ids; SQLite checks their foreign keys at commit (deferred for this
//! transaction), after the rows are back.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000007_frameworks"
    }
}

/// The id of `REGIONAL`, and so the default of every new framework column.
const REGIONAL_ID: i32 = 1;

fn fk(from: (&'static str, &'static str), to: (&'static str, &'static str)) -> ForeignKeyCreateStatement {
    ForeignKey::create().name(format!("fk_{}_{}", from.0, from.1)).from(from.0, from.1).to(to.0, to.1).on_delete(ForeignKeyAction::Restrict).to_owned()
}

fn unique_code(table: &'static str) -> IndexCreateStatement {
    Index::create().name(format!("{table}_framework_code")).table(table).col("framework_id").col("code").unique().to_owned()
}

/// `theme` and `measure` as they are from now on.
fn theme_table() -> TableCreateStatement {
    Table::create()
        .table("theme")
        .col(pk_auto("id"))
        .col(integer("framework_id").default(REGIONAL_ID))
        .col(string("code"))
        .col(string("name"))
        .foreign_key(&mut fk(("theme", "framework_id"), ("framework", "id")))
        .to_owned()
}

fn measure_table() -> TableCreateStatement {
    Table::create()
        .table("measure")
        .col(pk_auto("id"))
        .col(integer("framework_id").default(REGIONAL_ID))
        .col(string("code"))
        .col(integer("theme_id"))
        .col(string("name"))
        .col(string("unit"))
        .col(boolean("valued").default(true))
        .foreign_key(&mut fk(("measure", "framework_id"), ("framework", "id")))
        .foreign_key(&mut fk(("measure", "theme_id"), ("theme", "id")))
        .to_owned()
}

async fn exec(m: &SchemaManager<'_>, sql: &str) -> Result<(), DbErr> {
    m.get_connection().execute_unprepared(sql).await?;
    Ok(())
}

/// SQLite: replaces `table` by `create`, keeping every row and id; `copy`
/// lists the old columns, which the new table has too.
async fn rebuild_sqlite(m: &SchemaManager<'_>, table: &str, create: TableCreateStatement, copy: &str) -> Result<(), DbErr> {
    exec(m, &format!("CREATE TABLE {table}_before_frameworks AS SELECT * FROM {table}")).await?;
    exec(m, &format!("DROP TABLE {table}")).await?;
    m.create_table(create).await?;
    exec(m, &format!("INSERT INTO {table} ({copy}) SELECT {copy} FROM {table}_before_frameworks")).await?;
    exec(m, &format!("DROP TABLE {table}_before_frameworks")).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create().table("framework").col(pk_auto("id")).col(string_uniq("code")).col(string("name")).col(string_null("edition")).to_owned(),
        )
        .await?;
        exec(m, "INSERT INTO framework (code, name, edition) VALUES ('REGIONAL', 'Regional framework', NULL)").await?;

        match m.get_database_backend() {
            DbBackend::Sqlite => {
                exec(m, "PRAGMA defer_foreign_keys = ON").await?;
                rebuild_sqlite(m, "theme", theme_table(), "id, code, name").await?;
                rebuild_sqlite(m, "measure", measure_table(), "id, code, theme_id, name, unit").await?;
            }
            _ => {
                for table in ["theme", "measure"] {
                    exec(m, &format!("ALTER TABLE {table} DROP CONSTRAINT {table}_code_key")).await?;
                    exec(m, &format!("ALTER TABLE {table} ADD COLUMN framework_id integer NOT NULL DEFAULT {REGIONAL_ID} REFERENCES framework (id)")).await?;
                }
                exec(m, "ALTER TABLE measure ADD COLUMN valued boolean NOT NULL DEFAULT TRUE").await?;
            }
        }
        m.create_index(unique_code("theme")).await?;
        m.create_index(unique_code("measure")).await?;

        // The crosswalk: one row per mapped measure of another framework.
        m.create_table(
            Table::create()
                .table("measure_mapping")
                .col(integer("measure_id").primary_key())
                .col(integer("regional_measure_id"))
                .col(big_integer("factor_e4"))
                .col(text_null("note"))
                .foreign_key(&mut fk(("measure_mapping", "measure_id"), ("measure", "id")))
                .foreign_key(&mut fk(("measure_mapping", "regional_measure_id"), ("measure", "id")))
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("measure_mapping_regional").table("measure_mapping").col("regional_measure_id").to_owned()).await?;

        // SQLite adds a column with a foreign key only when its default is
        // NULL, so these two are checked by the service, on both backends.
        for table in ["council", "contract"] {
            m.alter_table(Table::alter().table(table).add_column(integer("framework_id").default(REGIONAL_ID)).to_owned()).await?;
        }
        m.alter_table(Table::alter().table("evidence").add_column(big_integer_null("validated_centi")).to_owned()).await?;
        // Evidence verified before partial validation existed was validated in full.
        exec(m, "UPDATE evidence SET validated_centi = quantity_centi WHERE status = 'VERIFIED'").await?;
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        // Once another framework reuses a regional code, the v1 unique codes
        // cannot come back: going back means restoring a backup.
        Err(DbErr::Migration("m20261202_000007_frameworks cannot be reverted; restore a backup taken before it".into()))
    }
}
