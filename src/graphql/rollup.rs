//! `rollup` and `deliveryTrend`: regional figures, readable by every role.

use std::collections::HashMap;

use async_graphql::{Context, Enum, InputObject, Object, SimpleObject};

use super::context::{db, read_scope, reference};
use super::error::GqlResult;
use super::framework::{Council, Framework, Measure, Theme};
use super::input::Values;
use super::records::objects::{Contract, Supplier};
use super::scalars::Decimal;
use super::serial_fields::SerialFields;
use crate::error::{AppResult, internal};
use crate::service::read::records::batch;
use crate::service::rollup::{self as svc, Figures, GroupKey};

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "crate::service::rollup::Dimension")]
pub enum RollupDimension {
    Council,
    Theme,
    Measure,
    Supplier,
    Contract,
    FinancialYear,
    /// The contract's framework.
    Framework,
    /// The measure as the council reported it (quantities in its units unless MEASURE is grouped by too).
    ReportedMeasure,
}

#[derive(InputObject, Default)]
pub struct RollupFilter {
    council_codes: Option<Values<String>>,
    theme_codes: Option<Values<String>>,
    measure_codes: Option<Values<String>>,
    supplier_refs: Option<Values<String>>,
    /// Commitments by their own year, evidence by the year of its period.
    financial_years: Option<Values<i32>>,
    sme_only: Option<bool>,
    vcse_only: Option<bool>,
    /// Contracts' frameworks.
    framework_codes: Option<Values<String>>,
}

impl From<RollupFilter> for svc::RollupFilter {
    fn from(f: RollupFilter) -> Self {
        svc::RollupFilter {
            council_codes: f.council_codes.map(Into::into),
            theme_codes: f.theme_codes.map(Into::into),
            measure_codes: f.measure_codes.map(Into::into),
            supplier_refs: f.supplier_refs.map(Into::into),
            financial_years: f.financial_years.map(Into::into),
            sme_only: f.sme_only.unwrap_or(false),
            vcse_only: f.vcse_only.unwrap_or(false),
            framework_codes: f.framework_codes.map(Into::into),
        }
    }
}

pub struct RollupMetrics {
    m: Figures,
    quantities: bool,
}

fn ratio(num: i128, den: i128) -> Option<f64> {
    (den != 0).then(|| num as f64 / den as f64)
}

#[Object]
impl RollupMetrics {
    async fn commitment_count(&self) -> i64 {
        self.m.commitment_count
    }
    /// Commitments that count with £0: on an unmapped or record-only
    /// measure, or without a regional proxy for their year.
    async fn unvalued_commitment_count(&self) -> i64 {
        self.m.unvalued_commitment_count
    }
    /// Evidence of every status.
    async fn evidence_count(&self) -> i64 {
        self.m.evidence_count
    }
    async fn committed_value(&self) -> Decimal {
        Decimal::of(self.m.committed_value)
    }
    async fn delivered_value(&self) -> Decimal {
        Decimal::of(self.m.delivered_value)
    }
    async fn verified_value(&self) -> Decimal {
        Decimal::of(self.m.verified_value)
    }
    /// Only when the group is one measure; in regional units.
    async fn committed_quantity(&self) -> Option<Decimal> {
        self.quantities.then(|| Decimal::of(self.m.committed_quantity))
    }
    /// Only when the group is one measure; in regional units.
    async fn delivered_quantity(&self) -> Option<Decimal> {
        self.quantities.then(|| Decimal::of(self.m.delivered_quantity))
    }
    /// deliveredValue / committedValue; null when nothing is committed.
    async fn delivery_rate(&self) -> Option<f64> {
        ratio(self.m.delivered_value.scaled(), self.m.committed_value.scaled())
    }
    /// Σ value of the distinct contracts with a commitment in the group.
    async fn contract_value(&self) -> Decimal {
        Decimal::of(self.m.contract_value)
    }
    /// committedValue / contractValue; null when there is no contract value.
    async fn social_value_ratio(&self) -> Option<f64> {
        self.m.committed_value.ratio_to(self.m.contract_value)
    }
}

/// A group's key. Suppliers and contracts are read for all groups at once
/// when selected (a rollup by supplier can have thousands of groups).
pub struct RollupKey {
    key: GroupKey,
    supplier: Option<SerialFields<Supplier>>,
    contract: Option<Contract>,
}

#[Object]
impl RollupKey {
    async fn council(&self, ctx: &Context<'_>) -> GqlResult<Option<Council>> {
        Ok(match self.key.council_id {
            Some(id) => Some(Council(reference(ctx).council(id).await?)),
            None => None,
        })
    }
    async fn theme(&self, ctx: &Context<'_>) -> GqlResult<Option<Theme>> {
        Ok(match self.key.theme_id {
            Some(id) => Some(Theme(reference(ctx).theme(id).await?)),
            None => None,
        })
    }
    async fn measure(&self, ctx: &Context<'_>) -> GqlResult<Option<Measure>> {
        Ok(match self.key.measure_id {
            Some(id) => Some(Measure(reference(ctx).measure(id).await?)),
            None => None,
        })
    }
    async fn supplier(&self) -> Option<&SerialFields<Supplier>> {
        self.supplier.as_ref()
    }
    /// Scoped like every record: grouping by CONTRACT is only allowed for readable councils.
    async fn contract(&self) -> Option<&Contract> {
        self.contract.as_ref()
    }
    async fn financial_year(&self) -> Option<i32> {
        self.key.financial_year
    }
    async fn framework(&self, ctx: &Context<'_>) -> GqlResult<Option<Framework>> {
        Ok(match self.key.framework_id {
            Some(id) => Some(Framework(reference(ctx).framework(id).await?)),
            None => None,
        })
    }
    /// The measure as the council reported it, when grouped by REPORTED_MEASURE.
    async fn reported_measure(&self, ctx: &Context<'_>) -> GqlResult<Option<Measure>> {
        Ok(match self.key.reported_measure_id {
            Some(id) => Some(Measure(reference(ctx).measure(id).await?)),
            None => None,
        })
    }
}

/// The rows that `ids` name, by id, when `wanted`; a missing one is a dangling reference.
async fn rows_by_id<M>(
    wanted: bool,
    ids: Vec<i32>,
    read: impl AsyncFnOnce(Vec<i32>) -> AppResult<Vec<M>>,
    id: impl Fn(&M) -> i32,
) -> GqlResult<HashMap<i32, M>> {
    if !wanted || ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: HashMap<i32, M> = read(ids.clone()).await?.into_iter().map(|m| (id(&m), m)).collect();
    match ids.iter().find(|i| !rows.contains_key(i)) {
        Some(i) => Err(internal(format!("dangling reference {i}")).into()),
        None => Ok(rows),
    }
}

/// Groups with the suppliers and contracts their keys select, read in one statement each.
async fn groups(ctx: &Context<'_>, groups: Vec<(GroupKey, Figures)>, quantities: bool, unmapped_by_measure: bool) -> GqlResult<Vec<SerialFields<RollupGroup>>> {
    let key = ctx.look_ahead().field("groups").field("key");
    // Each once: a supplier is in many groups when grouped by supplier and measure.
    let ids = |f: fn(&GroupKey) -> Option<i32>| {
        groups.iter().filter_map(|(k, _)| f(k)).collect::<std::collections::BTreeSet<i32>>().into_iter().collect::<Vec<i32>>()
    };
    let db = db(ctx);
    let suppliers = rows_by_id(key.field("supplier").exists(), ids(|k| k.supplier_id), async |ids| batch::suppliers(db, &ids).await, |m| m.id).await?;
    let scope = read_scope(ctx);
    let contracts = rows_by_id(key.field("contract").exists(), ids(|k| k.contract_id), async |ids| batch::contracts(db, scope, &ids).await, |m| m.id).await?;
    Ok(groups
        .into_iter()
        .map(|(key, m)| {
            SerialFields(RollupGroup {
                key: SerialFields(RollupKey {
                    supplier: key.supplier_id.and_then(|id| suppliers.get(&id)).cloned().map(|s| SerialFields(Supplier(s))),
                    contract: key.contract_id.and_then(|id| contracts.get(&id)).cloned().map(Contract::new),
                    key,
                }),
                // The group of unmapped records is no one measure.
                metrics: SerialFields(RollupMetrics { m, quantities: quantities && !(unmapped_by_measure && key.measure_id.is_none()) }),
            })
        })
        .collect())
}

// Groups, their keys and metrics resolve each field in turn (see `serial_fields`):
// a rollup can have thousands of groups.
#[derive(SimpleObject)]
pub struct RollupGroup {
    key: SerialFields<RollupKey>,
    metrics: SerialFields<RollupMetrics>,
}

#[derive(SimpleObject)]
pub struct Rollup {
    /// One group over everything the filter selects.
    totals: RollupMetrics,
    groups: Vec<SerialFields<RollupGroup>>,
}

#[derive(SimpleObject)]
pub struct TrendPoint {
    financial_year: i32,
    quarter: i32,
    delivered_value: Decimal,
    verified_value: Decimal,
    evidence_count: i64,
}

#[derive(Default)]
pub struct RollupQuery;

#[Object]
impl RollupQuery {
    /// Committed, delivered and verified £ grouped by any of the dimensions; no groupBy gives regional totals.
    async fn rollup(&self, ctx: &Context<'_>, filter: Option<RollupFilter>, #[graphql(default)] group_by: Vec<RollupDimension>) -> GqlResult<Rollup> {
        let dims: Vec<svc::Dimension> = group_by.into_iter().map(Into::into).collect();
        let r = svc::rollup(db(ctx), read_scope(ctx), &filter.unwrap_or_default().into(), &dims).await?;
        // The unmapped records have no one measure, unless grouped by the reported one.
        let by_measure = dims.contains(&svc::Dimension::Measure) && !dims.contains(&svc::Dimension::ReportedMeasure);
        Ok(Rollup {
            totals: RollupMetrics { m: r.totals, quantities: r.total_quantities },
            groups: groups(ctx, r.groups, r.group_quantities, by_measure).await?,
        })
    }

    /// Delivery per financial year and quarter that has evidence, in time order.
    async fn delivery_trend(&self, ctx: &Context<'_>, filter: Option<RollupFilter>) -> GqlResult<Vec<TrendPoint>> {
        Ok(svc::delivery_trend(db(ctx), &filter.unwrap_or_default().into())
            .await?
            .into_iter()
            .map(|p| TrendPoint {
                financial_year: p.financial_year,
                quarter: p.quarter,
                delivered_value: Decimal::of(p.delivered_value),
                verified_value: Decimal::of(p.verified_value),
                evidence_count: p.evidence_count,
            })
            .collect())
    }
}
