//! `rollup` and `deliveryTrend`: regional figures, readable by every role.

use std::collections::HashMap;

use async_graphql::{Context, Enum, InputObject, Object, SimpleObject};

use super::context::{db, read_scope, reference};
use super::error::GqlResult;
use super::framework::{Council, Framework, Measure, Theme};
use super::input::Values;
use super::records::objects::{Contract, Supplier};
use super::scalars::{Date, Decimal};
use super::serial_fields::SerialFields;
use crate::domain::AsOf;
use crate::error::{AppResult, bad_input, internal};
use crate::service::read::records::batch;
use crate::service::rollup::order::{self, Order};
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
    /// The date `behindCount` counts commitments behind on (default: today, UTC).
    as_of: Option<Date>,
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
            as_of: f.as_of.map(|d| AsOf::of(d.0)),
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
    /// Σ of each commitment's shortfall: its committed value less its
    /// delivered value (all its evidence, whatever the year), never below 0.
    async fn shortfall_value(&self) -> Decimal {
        Decimal::of(self.m.shortfall_value)
    }
    /// Commitments BEHIND or NOT_STARTED on the filter's `asOf`.
    async fn behind_count(&self) -> i64 {
        self.m.behind_count
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

/// The suppliers and contracts that groups' keys name, read in one
/// statement each when `wanted` (selected, or needed for the order).
struct KeyRecords {
    suppliers: HashMap<i32, entity::supplier::Model>,
    contracts: HashMap<i32, entity::contract::Model>,
}

impl KeyRecords {
    async fn read(ctx: &Context<'_>, groups: &[(GroupKey, Figures)], suppliers: bool, contracts: bool) -> GqlResult<Self> {
        // Each once: a supplier is in many groups when grouped by supplier and measure.
        let ids = |f: fn(&GroupKey) -> Option<i32>| {
            groups.iter().filter_map(|(k, _)| f(k)).collect::<std::collections::BTreeSet<i32>>().into_iter().collect::<Vec<i32>>()
        };
        let db = db(ctx);
        let scope = read_scope(ctx);
        Ok(Self {
            suppliers: rows_by_id(suppliers, ids(|k| k.supplier_id), async |ids| batch::suppliers(db, &ids).await, |m| m.id).await?,
            contracts: rows_by_id(contracts, ids(|k| k.contract_id), async |ids| batch::contracts(db, scope, &ids).await, |m| m.id).await?,
        })
    }

    /// Each group's sort key: the code of each dimension of `dims`, in order (see `order::sort`).
    async fn codes(&self, ctx: &Context<'_>, groups: &[(GroupKey, Figures)], dims: &[svc::Dimension]) -> GqlResult<HashMap<GroupKey, Vec<Option<String>>>> {
        let reference = reference(ctx);
        let mut out = HashMap::new();
        for (key, _) in groups {
            let mut codes = Vec::with_capacity(dims.len());
            for d in dims {
                codes.push(match d {
                    svc::Dimension::Council => match key.council_id {
                        Some(id) => Some(reference.council(id).await?.code),
                        None => None,
                    },
                    svc::Dimension::Theme => match key.theme_id {
                        Some(id) => Some(reference.theme(id).await?.code),
                        None => None,
                    },
                    svc::Dimension::Measure => match key.measure_id {
                        Some(id) => Some(reference.measure(id).await?.code),
                        None => None,
                    },
                    svc::Dimension::ReportedMeasure => match key.reported_measure_id {
                        Some(id) => {
                            let m = reference.measure(id).await?;
                            Some(format!("{}\0{}", m.code, reference.framework(m.framework_id).await?.code))
                        }
                        None => None,
                    },
                    svc::Dimension::Framework => match key.framework_id {
                        Some(id) => Some(reference.framework(id).await?.code),
                        None => None,
                    },
                    svc::Dimension::Supplier => key.supplier_id.and_then(|id| self.suppliers.get(&id)).map(|s| s.supplier_ref.clone()),
                    svc::Dimension::Contract => match key.contract_id.and_then(|id| self.contracts.get(&id)) {
                        Some(c) => Some(format!("{}\0{}", c.external_id, reference.council(c.council_id).await?.code)),
                        None => None,
                    },
                    svc::Dimension::FinancialYear => key.financial_year.map(|y| format!("{y:06}")),
                });
            }
            out.insert(*key, codes);
        }
        Ok(out)
    }
}

/// Groups with the suppliers and contracts their keys select.
fn groups(rollup: &mut svc::Rollup, dims: &[svc::Dimension], records: &KeyRecords) -> Vec<SerialFields<RollupGroup>> {
    let KeyRecords { suppliers, contracts } = records;
    let groups = std::mem::take(&mut rollup.groups);
    groups
        .into_iter()
        .map(|(key, m)| {
            SerialFields(RollupGroup {
                key: SerialFields(RollupKey {
                    supplier: key.supplier_id.and_then(|id| suppliers.get(&id)).cloned().map(|s| SerialFields(Supplier(s))),
                    contract: key.contract_id.and_then(|id| contracts.get(&id)).cloned().map(Contract::new),
                    key,
                }),
                // The group of unmapped records is no one measure.
                metrics: SerialFields(RollupMetrics { m, quantities: rollup.quantities_for(&key, dims) }),
            })
        })
        .collect()
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
    /// In key order, or as `orderBy` says; only the first `first` when given.
    groups: Vec<SerialFields<RollupGroup>>,
    /// How many groups there are, whatever `first` keeps.
    group_count: i64,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "crate::service::rollup::order::Metric")]
pub enum RollupMetric {
    CommittedValue,
    DeliveredValue,
    VerifiedValue,
    ContractValue,
    ShortfallValue,
    CommitmentCount,
    EvidenceCount,
    /// A null rate sorts last in either direction.
    DeliveryRate,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum SortDirection {
    Asc,
    Desc,
}

#[derive(InputObject)]
pub struct RollupOrder {
    metric: RollupMetric,
    #[graphql(default_with = "SortDirection::Desc")]
    direction: SortDirection,
}

#[derive(SimpleObject)]
pub struct TrendPoint {
    financial_year: i32,
    quarter: i32,
    delivered_value: Decimal,
    verified_value: Decimal,
    evidence_count: i64,
}

/// The figures that the selection reads, in the totals or the groups, and
/// that the order compares: a rollup computes only these.
fn wanted(ahead: &async_graphql::Lookahead<'_>, orders: &[Order]) -> svc::Wanted {
    use svc::Figure::*;
    const FIELDS: [(&str, &[svc::Figure]); 11] = [
        ("unvaluedCommitmentCount", &[UnvaluedCount]),
        ("committedValue", &[CommittedValue]),
        ("deliveredValue", &[DeliveredValue]),
        ("verifiedValue", &[VerifiedValue]),
        ("committedQuantity", &[CommittedQuantity]),
        ("deliveredQuantity", &[DeliveredQuantity]),
        ("deliveryRate", &[DeliveredValue, CommittedValue]),
        ("contractValue", &[ContractValue]),
        ("socialValueRatio", &[CommittedValue, ContractValue]),
        ("shortfallValue", &[ShortfallValue]),
        ("behindCount", &[BehindCount]),
    ];
    let mut wanted = svc::Wanted::NONE;
    for metrics in [ahead.field("totals"), ahead.field("groups").field("metrics")] {
        for (field, figures) in FIELDS {
            if metrics.field(field).exists() {
                wanted = wanted.with(figures);
            }
        }
    }
    orders.iter().fold(wanted, |w, o| w.with(o.metric.figures()))
}

#[derive(Default)]
pub struct RollupQuery;

#[Object]
impl RollupQuery {
    /// Committed, delivered and verified £ grouped by any of the dimensions;
    /// no groupBy gives regional totals. Groups come in key order (each
    /// dimension in the order given, by code, null keys last) unless
    /// `orderBy` says otherwise; `first` (1 to 500) keeps the first groups.
    async fn rollup(
        &self,
        ctx: &Context<'_>,
        filter: Option<RollupFilter>,
        #[graphql(default)] group_by: Vec<RollupDimension>,
        order_by: Option<Vec<RollupOrder>>,
        first: Option<i32>,
    ) -> GqlResult<Rollup> {
        let first = match first {
            Some(n) if !(1..=500).contains(&n) => return Err(bad_input("first must be between 1 and 500").into()),
            n => n.map(|n| n as usize),
        };
        let mut dims: Vec<svc::Dimension> = Vec::new();
        for d in group_by.into_iter().map(svc::Dimension::from) {
            if !dims.contains(&d) {
                dims.push(d);
            }
        }
        let orders: Vec<Order> =
            order_by.unwrap_or_default().into_iter().map(|o| Order { metric: o.metric.into(), descending: o.direction == SortDirection::Desc }).collect();
        let ahead = ctx.look_ahead();
        let mut r = svc::rollup(db(ctx), read_scope(ctx), &filter.unwrap_or_default().into(), &dims, wanted(&ahead, &orders)).await?;
        let group_count = r.groups.len() as i64;
        if let Some(n) = first {
            order::keep_candidates(&mut r.groups, &orders, n);
        }
        let key = ahead.field("groups").field("key");
        let records = KeyRecords::read(
            ctx,
            &r.groups,
            key.field("supplier").exists() || dims.contains(&svc::Dimension::Supplier),
            key.field("contract").exists() || dims.contains(&svc::Dimension::Contract),
        )
        .await?;
        let codes = records.codes(ctx, &r.groups, &dims).await?;
        order::sort(&mut r.groups, &orders, |k| codes[k].clone());
        if let Some(n) = first {
            r.groups.truncate(n);
        }
        let groups = groups(&mut r, &dims, &records);
        Ok(Rollup { totals: RollupMetrics { m: r.totals, quantities: r.total_quantities }, groups, group_count })
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
