//! Single-record edits and evidence review for council officers.

use async_graphql::{Context, Enum, ID, Object};

use super::context::{primary, principal};
use super::error::GqlResult;
use super::ids::{self, Kind};
use super::records::objects::{Commitment, Evidence};
use super::scalars::Decimal;
use crate::service::edit::{self as svc, Decision};

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "crate::service::edit::Decision")]
pub enum ReviewDecision {
    Verify,
    Reject,
}

#[derive(Default)]
pub struct EditMutation;

fn id_of(kind: Kind, id: &ID) -> GqlResult<i32> {
    Ok(ids::parse_ids_of(kind, std::slice::from_ref(id))?[0])
}

#[Object]
impl EditMutation {
    /// VERIFY or REJECT evidence (council_editor; never evidence you
    /// submitted). With VERIFY, `validatedQuantity` says how much of the
    /// reported quantity is validated (all of it when omitted).
    async fn review_evidence(
        &self,
        ctx: &Context<'_>,
        id: ID,
        decision: ReviewDecision,
        comment: Option<String>,
        expected_version: Option<i32>,
        validated_quantity: Option<Decimal>,
    ) -> GqlResult<Evidence> {
        let (id, decision, validated) = (id_of(Kind::Evidence, &id)?, Decision::from(decision), validated_quantity.as_ref().map(Decimal::as_str));
        let m = svc::review_evidence(primary(ctx), principal(ctx), id, decision, comment, validated, expected_version).await?;
        Ok(Evidence { m, commitment: None })
    }

    /// Correct a commitment's target quantity.
    async fn set_commitment_target(&self, ctx: &Context<'_>, id: ID, target_quantity: Decimal, expected_version: i32) -> GqlResult<Commitment> {
        let m = svc::set_commitment_target(primary(ctx), principal(ctx), id_of(Kind::Commitment, &id)?, target_quantity.as_str(), expected_version).await?;
        Ok(Commitment::new(m))
    }

    /// Link evidence to another commitment of the same council.
    async fn relink_evidence(&self, ctx: &Context<'_>, id: ID, commitment_id: ID, expected_version: i32) -> GqlResult<Evidence> {
        let m =
            svc::relink_evidence(primary(ctx), principal(ctx), id_of(Kind::Evidence, &id)?, id_of(Kind::Commitment, &commitment_id)?, expected_version).await?;
        Ok(Evidence { m, commitment: None })
    }

    /// Withdraw (tombstone) a contract, commitment or evidence record; a
    /// contract takes its commitments and their evidence with it. Returns
    /// how many records were withdrawn.
    async fn withdraw_record(&self, ctx: &Context<'_>, id: ID, expected_version: i32) -> GqlResult<i32> {
        let (kind, n) = ids::parse_node_id(&id)?;
        Ok(svc::withdraw(primary(ctx), principal(ctx), kind, n, expected_version).await? as i32)
    }
}
