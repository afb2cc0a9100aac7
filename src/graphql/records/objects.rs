//! The records' GraphQL objects: suppliers, contracts, commitments and
//! evidence, and the `Node` interface. A list fills in what it prefetched
//! beneath each record; a field whose rows were not prefetched reads them
//! through the DataLoaders.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, Interface, Object};
use entity::{commitment, contract, evidence, supplier};

use super::loaders::{CommitmentId, CommitmentsOf, ContractId, DeliveryOf, EvidenceOf, SupplierId, load_batched};
use crate::domain::{self, Money, Percent, Quantity, RegionalQuantity, SocialValue};
use crate::graphql::context::reference;
use crate::graphql::error::GqlResult;
use crate::graphql::framework::{Council, Framework, Measure};
use crate::graphql::ids::{self, Kind};
use crate::graphql::scalars::{Date, DateTime, Decimal};
use crate::graphql::serial_fields::SerialFields;
use crate::service::read::delivery::Delivery;

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "domain::EvidenceStatus")]
pub enum EvidenceStatus {
    Submitted,
    Verified,
    Rejected,
}

/// Where a commitment stands against its target on a date (contract v2, Delivery tracking).
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "domain::DeliveryStatus")]
pub enum DeliveryStatus {
    /// None of its year's quarters has ended yet.
    NotDue,
    OnTrack,
    /// Delivered less than a quarter of the target for each quarter ended.
    Behind,
    /// Due, and nothing delivered.
    NotStarted,
    /// Delivered at least the target.
    Delivered,
}

pub struct Supplier(pub supplier::Model);

#[Object]
impl Supplier {
    async fn r#ref(&self) -> &str {
        &self.0.supplier_ref
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn companies_house_number(&self) -> Option<&str> {
        self.0.companies_house_number.as_deref()
    }
    async fn postcode(&self) -> Option<&str> {
        self.0.postcode.as_deref()
    }
    async fn is_sme(&self) -> bool {
        self.0.is_sme
    }
    async fn is_vcse(&self) -> bool {
        self.0.is_vcse
    }
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn updated_at(&self) -> DateTime {
        DateTime(self.0.updated_at)
    }
}

/// A contract, with what a list prefetched beneath it.
#[derive(Clone)]
pub struct Contract {
    pub m: Arc<contract::Model>,
    pub supplier: Option<supplier::Model>,
    pub commitments: Option<Vec<Commitment>>,
}

impl Contract {
    pub fn new(m: contract::Model) -> Self {
        Self { m: Arc::new(m), supplier: None, commitments: None }
    }
}

#[Object]
impl Contract {
    async fn id(&self) -> ID {
        ids::node_id(Kind::Contract, self.m.id)
    }
    async fn council(&self, ctx: &Context<'_>) -> GqlResult<Council> {
        Ok(Council(reference(ctx).council(self.m.council_id).await?))
    }
    async fn external_id(&self) -> &str {
        &self.m.external_id
    }
    async fn title(&self) -> &str {
        &self.m.title
    }
    async fn supplier(&self, ctx: &Context<'_>) -> GqlResult<Supplier> {
        Ok(Supplier(match &self.supplier {
            Some(s) => s.clone(),
            None => load_batched(ctx, SupplierId(self.m.supplier_id)).await?,
        }))
    }
    async fn value_gbp(&self) -> Decimal {
        Decimal::of(Money::from_scaled(self.m.value_pence))
    }
    async fn start_date(&self) -> Date {
        Date(self.m.start_date)
    }
    async fn end_date(&self) -> Date {
        Date(self.m.end_date)
    }
    async fn social_value_weighting_pct(&self) -> Option<Decimal> {
        self.m.social_value_weighting_centi.map(|v| Decimal::of(Percent::from_scaled(v)))
    }
    /// The framework its commitments' measures belong to.
    async fn framework(&self, ctx: &Context<'_>) -> GqlResult<Framework> {
        Ok(Framework(reference(ctx).framework(self.m.framework_id).await?))
    }
    async fn version(&self) -> i32 {
        self.m.version
    }
    async fn updated_at(&self) -> DateTime {
        DateTime(self.m.updated_at)
    }
    // Each commitment resolves its fields in turn (see `serial_fields`): a page of
    // contracts holds hundreds of commitments.
    async fn commitments(&self, ctx: &Context<'_>) -> GqlResult<Vec<SerialFields<Commitment>>> {
        if let Some(c) = &self.commitments {
            return Ok(c.iter().cloned().map(SerialFields).collect());
        }
        let rows = load_batched(ctx, CommitmentsOf(self.m.id)).await?;
        Ok(rows.into_iter().map(|m| SerialFields(Commitment { contract: Some(self.m.clone()), ..Commitment::new(m) })).collect())
    }
}

/// A commitment, with its contract and the evidence and delivery figures a
/// list prefetched for it.
#[derive(Clone)]
pub struct Commitment {
    pub m: Arc<commitment::Model>,
    pub contract: Option<Arc<contract::Model>>,
    pub evidence: Option<Arc<Vec<evidence::Model>>>,
    pub delivery: Option<Delivery>,
}

impl Commitment {
    pub fn new(m: commitment::Model) -> Self {
        Self { m: Arc::new(m), contract: None, evidence: None, delivery: None }
    }

    async fn delivery(&self, ctx: &Context<'_>) -> GqlResult<Delivery> {
        match self.delivery {
            Some(d) => Ok(d),
            None => load_batched(ctx, DeliveryOf(self.m.id)).await,
        }
    }
}

#[Object]
impl Commitment {
    async fn id(&self) -> ID {
        ids::node_id(Kind::Commitment, self.m.id)
    }
    async fn council(&self, ctx: &Context<'_>) -> GqlResult<Council> {
        Ok(Council(reference(ctx).council(self.m.council_id).await?))
    }
    async fn external_id(&self) -> &str {
        &self.m.external_id
    }
    async fn contract(&self, ctx: &Context<'_>) -> GqlResult<Contract> {
        Ok(match &self.contract {
            Some(c) => Contract { m: c.clone(), supplier: None, commitments: None },
            None => Contract::new(load_batched(ctx, ContractId(self.m.contract_id)).await?),
        })
    }
    /// The measure as the council reported it, in its contract's framework.
    async fn measure(&self, ctx: &Context<'_>) -> GqlResult<Measure> {
        Ok(Measure(reference(ctx).measure(self.m.measure_id).await?))
    }
    /// The regional measure it counts as; null when its measure is unmapped.
    async fn regional_measure(&self, ctx: &Context<'_>) -> GqlResult<Option<Measure>> {
        Ok(reference(ctx).regional_basis(self.m.measure_id).await?.map(|(m, _)| Measure(m)))
    }
    /// targetQuantity in regional units (× the mapping's factor); null when unmapped.
    async fn regional_quantity(&self, ctx: &Context<'_>) -> GqlResult<Option<Decimal>> {
        let basis = reference(ctx).regional_basis(self.m.measure_id).await?;
        Ok(basis.map(|(_, factor)| Decimal::of(RegionalQuantity::of(Quantity::from_scaled(self.m.target_centi), factor))))
    }
    async fn financial_year(&self) -> i32 {
        self.m.financial_year
    }
    async fn target_quantity(&self) -> Decimal {
        Decimal::of(Quantity::from_scaled(self.m.target_centi))
    }
    async fn version(&self) -> i32 {
        self.m.version
    }
    async fn updated_at(&self) -> DateTime {
        DateTime(self.m.updated_at)
    }
    /// regionalQuantity × the regional measure's proxy for the commitment's
    /// financial year; 0 when the commitment is not valued.
    async fn committed_value(&self, ctx: &Context<'_>) -> GqlResult<Decimal> {
        Ok(Decimal::of(value_of(ctx, self.m.measure_id, self.m.financial_year, self.m.target_centi).await?))
    }
    /// Σ quantity of evidence that is not rejected.
    async fn delivered_quantity(&self, ctx: &Context<'_>) -> GqlResult<Decimal> {
        Ok(Decimal::of(self.delivery(ctx).await?.delivered_quantity))
    }
    /// Σ quantity × proxy of the evidence's own financial year, rejected evidence excluded.
    async fn delivered_value(&self, ctx: &Context<'_>) -> GqlResult<Decimal> {
        Ok(Decimal::of(self.delivery(ctx).await?.delivered_value))
    }
    /// As deliveredValue, over verified evidence only.
    async fn verified_value(&self, ctx: &Context<'_>) -> GqlResult<Decimal> {
        Ok(Decimal::of(self.delivery(ctx).await?.verified_value))
    }
    /// Against its target on `asOf` (default: today, UTC): a quarter of the
    /// target is due for each quarter of its financial year that has ended.
    async fn delivery_status(&self, ctx: &Context<'_>, as_of: Option<Date>) -> GqlResult<DeliveryStatus> {
        let as_of = as_of.map_or_else(domain::AsOf::today, |d| domain::AsOf::of(d.0));
        let delivered = self.delivery(ctx).await?.delivered_quantity.scaled();
        let standing = domain::Standing::of(self.m.target_centi, delivered);
        Ok(standing.status(as_of.quarters_ended(self.m.financial_year)).into())
    }
    /// committedValue less deliveredValue, never below 0.
    async fn shortfall_value(&self, ctx: &Context<'_>) -> GqlResult<Decimal> {
        let committed = value_of(ctx, self.m.measure_id, self.m.financial_year, self.m.target_centi).await?;
        let delivered = self.delivery(ctx).await?.delivered_value;
        Ok(Decimal::of(SocialValue::from_scaled((committed.scaled() - delivered.scaled()).max(0))))
    }
    async fn evidence(&self, ctx: &Context<'_>) -> GqlResult<Vec<Evidence>> {
        let rows = match &self.evidence {
            Some(e) => e.as_ref().clone(),
            None => load_batched(ctx, EvidenceOf(self.m.id)).await?,
        };
        let parent = Commitment { evidence: None, ..self.clone() };
        Ok(rows.into_iter().map(|m| Evidence { m, commitment: Some(parent.clone()) }).collect())
    }
}

/// An evidence record, with its commitment when the list already has it.
pub struct Evidence {
    pub m: evidence::Model,
    pub commitment: Option<Commitment>,
}

impl Evidence {
    async fn parent(&self, ctx: &Context<'_>) -> GqlResult<Commitment> {
        match &self.commitment {
            Some(c) => Ok(c.clone()),
            None => Ok(Commitment::new(load_batched(ctx, CommitmentId(self.m.commitment_id)).await?)),
        }
    }
}

#[Object]
impl Evidence {
    async fn id(&self) -> ID {
        ids::node_id(Kind::Evidence, self.m.id)
    }
    async fn council(&self, ctx: &Context<'_>) -> GqlResult<Council> {
        Ok(Council(reference(ctx).council(self.m.council_id).await?))
    }
    async fn external_id(&self) -> &str {
        &self.m.external_id
    }
    async fn commitment(&self, ctx: &Context<'_>) -> GqlResult<Commitment> {
        self.parent(ctx).await
    }
    async fn period_start(&self) -> Date {
        Date(self.m.period_start)
    }
    async fn period_end(&self) -> Date {
        Date(self.m.period_end)
    }
    async fn quantity(&self) -> Decimal {
        Decimal::of(Quantity::from_scaled(self.m.quantity_centi))
    }
    async fn status(&self) -> EvidenceStatus {
        self.m.status.into()
    }
    async fn evidence_url(&self) -> Option<&str> {
        self.m.evidence_url.as_deref()
    }
    async fn evidence_sha256(&self) -> Option<&str> {
        self.m.evidence_sha256.as_deref()
    }
    /// The financial year that contains periodStart.
    async fn financial_year(&self) -> i32 {
        self.m.financial_year
    }
    /// 1 (Apr-Jun) to 4 (Jan-Mar).
    async fn quarter(&self) -> i32 {
        self.m.quarter
    }
    /// quantity × factor × the regional proxy for this evidence's financial
    /// year, whatever its status; 0 when its commitment is not valued.
    async fn value(&self, ctx: &Context<'_>) -> GqlResult<Decimal> {
        let commitment = self.parent(ctx).await?;
        Ok(Decimal::of(value_of(ctx, commitment.m.measure_id, self.m.financial_year, self.m.quantity_centi).await?))
    }
    /// What an officer validated; null unless verified.
    async fn validated_quantity(&self) -> Option<Decimal> {
        self.m.validated_centi.map(|v| Decimal::of(Quantity::from_scaled(v)))
    }
    /// validatedQuantity × factor × the regional proxy; 0 unless verified.
    async fn verified_value(&self, ctx: &Context<'_>) -> GqlResult<Decimal> {
        let Some(validated) = self.m.validated_centi else { return Ok(Decimal::of(SocialValue::default())) };
        let commitment = self.parent(ctx).await?;
        Ok(Decimal::of(value_of(ctx, commitment.m.measure_id, self.m.financial_year, validated).await?))
    }
    async fn submitted_by(&self) -> &str {
        &self.m.submitted_by
    }
    async fn reviewed_by(&self) -> Option<&str> {
        self.m.reviewed_by.as_deref()
    }
    async fn reviewed_at(&self) -> Option<DateTime> {
        self.m.reviewed_at.map(DateTime)
    }
    async fn review_comment(&self) -> Option<&str> {
        self.m.review_comment.as_deref()
    }
    async fn version(&self) -> i32 {
        self.m.version
    }
    async fn updated_at(&self) -> DateTime {
        DateTime(self.m.updated_at)
    }
}

/// The value of `quantity_centi` reported on `measure_id` in `financial_year`:
/// £0 when such a record is not valued.
async fn value_of(ctx: &Context<'_>, measure_id: i32, financial_year: i32, quantity_centi: i64) -> GqlResult<SocialValue> {
    Ok(match reference(ctx).valuation(measure_id, financial_year).await? {
        Some((factor, proxy)) => SocialValue::of(Quantity::from_scaled(quantity_centi), factor, proxy),
        None => SocialValue::default(),
    })
}

#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID"))]
pub enum Node {
    Contract(Contract),
    Commitment(Commitment),
    Evidence(Evidence),
}
