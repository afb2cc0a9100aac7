//! Reading council records: lists with filters, lookups by id, and the batch
//! reads behind the GraphQL DataLoaders and the lists' look-ahead prefetch.
//! Every query of council records here takes the caller's [`ReadScope`] and
//! applies it in SQL; suppliers are regional and read by every role.

use entity::{commitment, contract, evidence, framework, measure, measure_mapping, supplier, theme};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, LikeExpr, Query, SelectStatement};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Select};

use super::page::{self, Page, PageRequest};
use crate::domain::{AsOf, DeliveryStatus, EvidenceStatus};
use crate::error::{AppResult, forbidden, internal};
use crate::service::council_record::CouncilRecord;
use crate::service::framework::REGIONAL;
use crate::service::scope::{ReadScope, council_id_of};

#[derive(Debug, Default, Clone)]
pub struct SupplierFilter {
    pub refs: Option<Vec<String>>,
    pub name_contains: Option<String>,
    pub is_sme: Option<bool>,
    pub is_vcse: Option<bool>,
}

#[derive(Debug, Default, Clone)]
pub struct ContractFilter {
    pub council_codes: Option<Vec<String>>,
    pub supplier_refs: Option<Vec<String>>,
    pub external_ids: Option<Vec<String>>,
}

#[derive(Debug, Default, Clone)]
pub struct CommitmentFilter {
    pub council_codes: Option<Vec<String>>,
    pub contract_ids: Option<Vec<i32>>,
    pub measure_codes: Option<Vec<String>>,
    pub theme_codes: Option<Vec<String>>,
    pub financial_years: Option<Vec<i32>>,
    pub delivery_statuses: Option<Vec<DeliveryStatus>>,
    /// The date of `delivery_statuses`.
    pub as_of: AsOf,
}

#[derive(Debug, Default, Clone)]
pub struct EvidenceFilter {
    pub council_codes: Option<Vec<String>>,
    pub commitment_ids: Option<Vec<i32>>,
    pub statuses: Option<Vec<EvidenceStatus>>,
    pub financial_years: Option<Vec<i32>>,
}

/// `column IN (SELECT id FROM table WHERE code_column IN (codes))`.
fn id_by_code_in<T: EntityTrait>(column: impl ColumnTrait, id: T::Column, code: T::Column, codes: &[String]) -> Condition {
    Condition::all().add(column.in_subquery(Query::select().column(id).from(T::default()).and_where(code.is_in(codes.iter().cloned())).to_owned()))
}

/// A filter's council codes: each must be readable by the caller.
fn council_filter(scope: &ReadScope, column: impl ColumnTrait, codes: &Option<Vec<String>>) -> AppResult<Condition> {
    let Some(codes) = codes else { return Ok(Condition::all()) };
    for code in codes {
        scope.ensure_can_read_council(code)?;
    }
    Ok(Condition::all().add(council_id_of(column.as_column_ref(), codes)))
}

fn opt_in<V: Into<sea_orm::Value> + Clone>(column: impl ColumnTrait, values: &Option<Vec<V>>) -> Condition {
    match values {
        Some(v) => Condition::all().add(column.is_in(v.iter().cloned())),
        None => Condition::all(),
    }
}

#[tracing::instrument(skip_all, fields(first = page.first))]
pub async fn suppliers(db: &impl ConnectionTrait, filter: &SupplierFilter, page: PageRequest) -> AppResult<Page<supplier::Model>> {
    let mut cond = opt_in(supplier::Column::SupplierRef, &filter.refs);
    if let Some(text) = &filter.name_contains {
        let escaped = text.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        cond = cond.add(Expr::expr(Func::lower(Expr::col(supplier::Column::Name))).like(LikeExpr::new(format!("%{escaped}%")).escape('\\')));
    }
    if let Some(v) = filter.is_sme {
        cond = cond.add(supplier::Column::IsSme.eq(v));
    }
    if let Some(v) = filter.is_vcse {
        cond = cond.add(supplier::Column::IsVcse.eq(v));
    }
    page::fetch(db, supplier::Entity::find().filter(cond), supplier::Column::Id, page).await
}

#[tracing::instrument(skip_all, fields(first = page.first))]
pub async fn contracts(db: &impl ConnectionTrait, scope: &ReadScope, filter: &ContractFilter, page: PageRequest) -> AppResult<Page<contract::Model>> {
    page::fetch(db, contracts_select(scope, filter)?, contract::Column::Id, page).await
}

/// The contracts `contracts` lists, unordered and unpaged.
pub fn contracts_select(scope: &ReadScope, filter: &ContractFilter) -> AppResult<Select<contract::Entity>> {
    let cond = Condition::all()
        .add(contract::Column::Deleted.eq(false))
        .add(scope.condition(contract::Column::CouncilId))
        .add(council_filter(scope, contract::Column::CouncilId, &filter.council_codes)?)
        .add(opt_in(contract::Column::ExternalId, &filter.external_ids));
    let cond = match &filter.supplier_refs {
        Some(refs) => cond.add(id_by_code_in::<supplier::Entity>(contract::Column::SupplierId, supplier::Column::Id, supplier::Column::SupplierRef, refs)),
        None => cond,
    };
    Ok(contract::Entity::find().filter(cond))
}

#[tracing::instrument(skip_all, fields(first = page.first))]
pub async fn commitments(db: &impl ConnectionTrait, scope: &ReadScope, filter: &CommitmentFilter, page: PageRequest) -> AppResult<Page<commitment::Model>> {
    let select = commitments_select(db, scope, filter).await?;
    match &filter.delivery_statuses {
        // Counted from the standings alone: the count visits every commitment of the filter.
        Some(statuses) => {
            let total = count_with_status(db, scope, filter, statuses);
            page::fetch_counted(db, select, commitment::Column::Id, page, total).await
        }
        None => page::fetch(db, select, commitment::Column::Id, page).await,
    }
}

/// The commitments `commitments` lists, unordered and unpaged.
pub async fn commitments_select(db: &impl ConnectionTrait, scope: &ReadScope, filter: &CommitmentFilter) -> AppResult<Select<commitment::Entity>> {
    if let Some(ids) = &filter.contract_ids {
        ensure_all_readable::<contract::Entity>(db, scope, contract::Column::Id, contract::Column::CouncilId, ids).await?;
    }
    let mut cond = Condition::all()
        .add(commitment::Column::Deleted.eq(false))
        .add(scope.condition(commitment::Column::CouncilId))
        .add(council_filter(scope, commitment::Column::CouncilId, &filter.council_codes)?)
        .add(opt_in(commitment::Column::ContractId, &filter.contract_ids))
        .add(opt_in(commitment::Column::FinancialYear, &filter.financial_years));
    if let Some(codes) = &filter.measure_codes {
        cond = cond.add(counts_as(regional_measures(codes)));
    }
    if let Some(codes) = &filter.theme_codes {
        let measures = Query::select()
            .column(measure::Column::Id)
            .from(measure::Entity)
            .and_where(measure::Column::ThemeId.in_subquery(regional_themes(codes)))
            .to_owned();
        cond = cond.add(counts_as(measures));
    }
    if let Some(statuses) = &filter.delivery_statuses {
        cond = cond.add(Expr::cust(super::delivery::with_status(statuses, filter.as_of)));
    }
    Ok(commitment::Entity::find().filter(cond))
}

/// How many commitments `commitments_select` gives for `filter`
/// with `statuses`, counted in `commitment_standing` alone: it holds one
/// row per live commitment, with the council, year and regional theme and
/// measure the filter names (the basis `counts_as` follows), so
/// the count reads one covering index instead of visiting each commitment.
pub async fn count_with_status(db: &impl ConnectionTrait, scope: &ReadScope, filter: &CommitmentFilter, statuses: &[DeliveryStatus]) -> AppResult<u64> {
    let s = |column: &str| (Alias::new("s"), Alias::new(column));
    let mut cond = Condition::all().add(scope.condition_on(s("council_id"))).add(Expr::cust(super::delivery::status_sql(statuses, filter.as_of)));
    if let Some(codes) = &filter.council_codes {
        // Readable: commitments_select has checked them.
        cond = cond.add(council_id_of(s("council_id"), codes));
    }
    if let Some(years) = &filter.financial_years {
        cond = cond.add(Expr::col(s("financial_year")).is_in(years.iter().copied()));
    }
    if let Some(codes) = &filter.theme_codes {
        cond = cond.add(Expr::col(s("theme_id")).in_subquery(regional_themes(codes)));
    }
    if let Some(codes) = &filter.measure_codes {
        cond = cond.add(Expr::col(s("measure_id")).in_subquery(regional_measures(codes)));
    }
    if let Some(ids) = &filter.contract_ids {
        let of_contracts = Query::select()
            .column(commitment::Column::Id)
            .from(commitment::Entity)
            .and_where(commitment::Column::ContractId.is_in(ids.iter().copied()))
            .to_owned();
        cond = cond.add(Expr::col(s("commitment_id")).in_subquery(of_contracts));
    }
    let count = Query::select().expr(Expr::cust("COUNT(*)")).from_as(Alias::new("commitment_standing"), Alias::new("s")).cond_where(cond).to_owned();
    let row = db.query_one(&count).await?.ok_or_else(|| internal("COUNT(*) gave no row"))?;
    Ok(u64::try_from(row.try_get_by_index::<i64>(0)?).unwrap_or(0))
}

#[tracing::instrument(skip_all, fields(first = page.first))]
pub async fn evidence(db: &impl ConnectionTrait, scope: &ReadScope, filter: &EvidenceFilter, page: PageRequest) -> AppResult<Page<evidence::Model>> {
    page::fetch(db, evidence_select(db, scope, filter).await?, evidence::Column::Id, page).await
}

/// The evidence `evidence` lists, unordered and unpaged.
pub async fn evidence_select(db: &impl ConnectionTrait, scope: &ReadScope, filter: &EvidenceFilter) -> AppResult<Select<evidence::Entity>> {
    if let Some(ids) = &filter.commitment_ids {
        ensure_all_readable::<commitment::Entity>(db, scope, commitment::Column::Id, commitment::Column::CouncilId, ids).await?;
    }
    let statuses = filter.statuses.as_ref().map(|s| s.iter().map(|s| s.as_str().to_owned()).collect::<Vec<_>>());
    let cond = Condition::all()
        .add(evidence::Column::Deleted.eq(false))
        .add(scope.condition(evidence::Column::CouncilId))
        .add(council_filter(scope, evidence::Column::CouncilId, &filter.council_codes)?)
        .add(opt_in(evidence::Column::CommitmentId, &filter.commitment_ids))
        .add(opt_in(evidence::Column::Status, &statuses))
        .add(opt_in(evidence::Column::FinancialYear, &filter.financial_years));
    Ok(evidence::Entity::find().filter(cond))
}

/// The ids of the regional framework's measures `codes`.
fn regional_measures(codes: &[String]) -> SelectStatement {
    Query::select()
        .column(measure::Column::Id)
        .from(measure::Entity)
        .and_where(measure::Column::Code.is_in(codes.iter().cloned()))
        .and_where(measure::Column::FrameworkId.in_subquery(regional_framework()))
        .to_owned()
}

/// The ids of the regional framework's themes `codes`.
fn regional_themes(codes: &[String]) -> SelectStatement {
    Query::select()
        .column(theme::Column::Id)
        .from(theme::Entity)
        .and_where(theme::Column::Code.is_in(codes.iter().cloned()))
        .and_where(theme::Column::FrameworkId.in_subquery(regional_framework()))
        .to_owned()
}

/// `SELECT id FROM framework WHERE code = 'REGIONAL'`.
fn regional_framework() -> SelectStatement {
    Query::select().column(framework::Column::Id).from(framework::Entity).and_where(framework::Column::Code.eq(REGIONAL)).to_owned()
}

/// Commitments that count as one of the `regional` measures: on one of
/// them, or on a measure of another framework mapped onto one of them.
fn counts_as(regional: SelectStatement) -> Condition {
    let mapped = Query::select()
        .column(measure_mapping::Column::MeasureId)
        .from(measure_mapping::Entity)
        .and_where(measure_mapping::Column::RegionalMeasureId.in_subquery(regional.clone()))
        .to_owned();
    Condition::any().add(commitment::Column::MeasureId.in_subquery(regional)).add(commitment::Column::MeasureId.in_subquery(mapped))
}

/// Naming another council's record in a filter is FORBIDDEN, like naming the council.
async fn ensure_all_readable<E>(db: &impl ConnectionTrait, scope: &ReadScope, id: E::Column, council_id: E::Column, ids: &[i32]) -> AppResult<()>
where
    E: EntityTrait,
    E::Model: Sync,
{
    let outside = E::find().filter(id.is_in(ids.iter().copied())).filter(scope.condition(council_id).not()).count(db).await?;
    if outside > 0 {
        return Err(forbidden("the filter names records of a council you may not read"));
    }
    Ok(())
}

/// One record by id, for `node(id)`: None when it does not exist (or is
/// deleted), FORBIDDEN when it belongs to a council the caller may not read.
pub async fn by_id<E: CouncilRecord>(db: &impl ConnectionTrait, scope: &ReadScope, id: i32) -> AppResult<Option<E::Model>> {
    let base = E::find().filter(E::ID.eq(id)).filter(E::DELETED.eq(false));
    if let Some(m) = base.clone().filter(scope.condition(E::COUNCIL_ID)).one(db).await? {
        return Ok(Some(m));
    }
    match base.one(db).await? {
        Some(_) => Err(forbidden("this record belongs to a council you may not read")),
        None => Ok(None),
    }
}

/// A contract by id with its supplier, in one statement, as [`by_id`] answers.
pub async fn contract_with_supplier(db: &impl ConnectionTrait, scope: &ReadScope, id: i32) -> AppResult<Option<(contract::Model, Option<supplier::Model>)>> {
    let found = contract::Entity::find_by_id(id)
        .filter(contract::Column::Deleted.eq(false))
        .filter(scope.condition(contract::Column::CouncilId))
        .find_also_related(supplier::Entity)
        .one(db)
        .await?;
    match found {
        Some(pair) => Ok(Some(pair)),
        // Not the caller's, or none: as by_id says it.
        None => Ok(by_id::<contract::Entity>(db, scope, id).await?.map(|m| (m, None))),
    }
}

/// The batch reads behind the DataLoaders and the lists' look-ahead
/// prefetch: scoped, and one statement per batch.
pub mod batch {
    use super::*;

    /// The caller's live records of `E` whose `column` is one of `ids`.
    async fn live_in_scope<E: CouncilRecord>(db: &impl ConnectionTrait, scope: &ReadScope, column: E::Column, ids: &[i32]) -> AppResult<Vec<E::Model>> {
        Ok(E::find().filter(E::DELETED.eq(false)).filter(scope.condition(E::COUNCIL_ID)).filter(column.is_in(ids.iter().copied())).all(db).await?)
    }

    pub async fn contracts(db: &impl ConnectionTrait, scope: &ReadScope, ids: &[i32]) -> AppResult<Vec<contract::Model>> {
        live_in_scope::<contract::Entity>(db, scope, contract::Column::Id, ids).await
    }

    pub async fn commitments(db: &impl ConnectionTrait, scope: &ReadScope, ids: &[i32]) -> AppResult<Vec<commitment::Model>> {
        live_in_scope::<commitment::Entity>(db, scope, commitment::Column::Id, ids).await
    }

    pub async fn commitments_of_contracts(db: &impl ConnectionTrait, scope: &ReadScope, contract_ids: &[i32]) -> AppResult<Vec<commitment::Model>> {
        live_in_scope::<commitment::Entity>(db, scope, commitment::Column::ContractId, contract_ids).await
    }

    pub async fn evidence(db: &impl ConnectionTrait, scope: &ReadScope, ids: &[i32]) -> AppResult<Vec<evidence::Model>> {
        live_in_scope::<evidence::Entity>(db, scope, evidence::Column::Id, ids).await
    }

    pub async fn evidence_of_commitments(db: &impl ConnectionTrait, scope: &ReadScope, commitment_ids: &[i32]) -> AppResult<Vec<evidence::Model>> {
        live_in_scope::<evidence::Entity>(db, scope, evidence::Column::CommitmentId, commitment_ids).await
    }

    /// Suppliers are regional: every role may read them, so this read is unscoped.
    pub async fn suppliers(db: &impl ConnectionTrait, ids: &[i32]) -> AppResult<Vec<supplier::Model>> {
        Ok(supplier::Entity::find().filter(supplier::Column::Id.is_in(ids.iter().copied())).all(db).await?)
    }

    /// Suppliers by ref (unscoped, as above).
    pub async fn suppliers_by_ref(db: &impl ConnectionTrait, refs: &[String]) -> AppResult<Vec<supplier::Model>> {
        Ok(supplier::Entity::find().filter(supplier::Column::SupplierRef.is_in(refs.iter().cloned())).all(db).await?)
    }

    /// Every supplier of the region, for an export of the dataset.
    pub async fn all_suppliers(db: &impl ConnectionTrait) -> AppResult<Vec<supplier::Model>> {
        Ok(supplier::Entity::find().all(db).await?)
    }
}
