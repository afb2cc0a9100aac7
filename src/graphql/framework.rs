//! Councils and the framework: themes, measures and their proxies.

use async_graphql::{Context, InputObject, Object};
use entity::{council, measure, proxy, theme};

use super::context::{db, principal, reference};
use super::error::GqlResult;
use super::scalars::Decimal;
use crate::domain::Money;
use crate::service::framework::{self as svc, CouncilInput as CouncilIn, MeasureInput as MeasureIn, ThemeInput as ThemeIn};

pub struct Council(pub council::Model);

#[Object]
impl Council {
    async fn code(&self) -> &str {
        &self.0.code
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn gss_code(&self) -> &str {
        &self.0.gss_code
    }
}

pub struct Theme(pub theme::Model);

#[Object]
impl Theme {
    async fn code(&self) -> &str {
        &self.0.code
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn measures(&self, ctx: &Context<'_>) -> GqlResult<Vec<Measure>> {
        Ok(reference(ctx).measures_of(self.0.id).await?.into_iter().map(Measure).collect())
    }
}

pub struct Measure(pub measure::Model);

#[Object]
impl Measure {
    async fn code(&self) -> &str {
        &self.0.code
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn unit(&self) -> &str {
        &self.0.unit
    }
    async fn theme(&self, ctx: &Context<'_>) -> GqlResult<Theme> {
        Ok(Theme(reference(ctx).theme(self.0.theme_id).await?))
    }
    /// The £ value of one unit, per financial year.
    async fn proxies(&self, ctx: &Context<'_>) -> GqlResult<Vec<Proxy>> {
        Ok(reference(ctx).proxies_of(self.0.id).await?.into_iter().map(Proxy).collect())
    }
}

pub struct Proxy(pub proxy::Model);

#[Object]
impl Proxy {
    async fn measure(&self, ctx: &Context<'_>) -> GqlResult<Measure> {
        Ok(Measure(reference(ctx).measure(self.0.measure_id).await?))
    }
    async fn financial_year(&self) -> i32 {
        self.0.financial_year
    }
    async fn value_gbp(&self) -> Decimal {
        Decimal::of(Money::from_scaled(self.0.value_pence))
    }
}

#[derive(Default)]
pub struct FrameworkQuery;

#[Object]
impl FrameworkQuery {
    async fn councils(&self, ctx: &Context<'_>) -> GqlResult<Vec<Council>> {
        Ok(svc::councils(db(ctx)).await?.into_iter().map(Council).collect())
    }
    async fn themes(&self, ctx: &Context<'_>) -> GqlResult<Vec<Theme>> {
        Ok(svc::themes(db(ctx)).await?.into_iter().map(Theme).collect())
    }
    async fn measures(&self, ctx: &Context<'_>, theme_code: Option<String>) -> GqlResult<Vec<Measure>> {
        Ok(svc::measures(db(ctx), theme_code.as_deref()).await?.into_iter().map(Measure).collect())
    }
}

#[derive(InputObject)]
pub struct CouncilInput {
    code: String,
    name: String,
    gss_code: String,
}

#[derive(InputObject)]
pub struct ThemeInput {
    code: String,
    name: String,
}

#[derive(InputObject)]
pub struct MeasureInput {
    code: String,
    theme_code: String,
    name: String,
    unit: String,
}

#[derive(Default)]
pub struct FrameworkMutation;

#[Object]
impl FrameworkMutation {
    async fn upsert_council(&self, ctx: &Context<'_>, input: CouncilInput) -> GqlResult<Council> {
        let input = CouncilIn { code: input.code, name: input.name, gss_code: input.gss_code };
        Ok(Council(svc::upsert_council(db(ctx), principal(ctx), input).await?))
    }
    async fn upsert_theme(&self, ctx: &Context<'_>, input: ThemeInput) -> GqlResult<Theme> {
        Ok(Theme(svc::upsert_theme(db(ctx), principal(ctx), ThemeIn { code: input.code, name: input.name }).await?))
    }
    async fn upsert_measure(&self, ctx: &Context<'_>, input: MeasureInput) -> GqlResult<Measure> {
        let input = MeasureIn { code: input.code, theme_code: input.theme_code, name: input.name, unit: input.unit };
        Ok(Measure(svc::upsert_measure(db(ctx), principal(ctx), input).await?))
    }
    async fn set_proxy(&self, ctx: &Context<'_>, measure_code: String, financial_year: i32, value_gbp: Decimal) -> GqlResult<Proxy> {
        Ok(Proxy(svc::set_proxy(db(ctx), principal(ctx), &measure_code, financial_year, value_gbp.as_str()).await?))
    }
}
