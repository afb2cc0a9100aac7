//! Councils and the frameworks: each framework's themes and measures, the
//! regional proxies, and the crosswalk's mappings.

use async_graphql::{Context, InputObject, Object};
use entity::{council, framework, measure, measure_mapping, proxy, theme};

use super::context::{db, primary, principal, reference};
use super::error::GqlResult;
use super::scalars::Decimal;
use crate::domain::{Factor, Money};
use crate::service::framework::{
    self as svc, CouncilInput as CouncilIn, FrameworkInput as FrameworkIn, MappingInput as MappingIn, MeasureInput as MeasureIn, REGIONAL,
    ThemeInput as ThemeIn,
};

pub struct Framework(pub framework::Model);

#[Object]
impl Framework {
    async fn code(&self) -> &str {
        &self.0.code
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn edition(&self) -> Option<&str> {
        self.0.edition.as_deref()
    }
    /// True for the regional framework, onto which every other is mapped.
    async fn regional(&self) -> bool {
        self.0.code == REGIONAL
    }
    async fn themes(&self, ctx: &Context<'_>) -> GqlResult<Vec<Theme>> {
        Ok(reference(ctx).themes_of_framework(self.0.id).await?.into_iter().map(Theme).collect())
    }
    async fn measures(&self, ctx: &Context<'_>) -> GqlResult<Vec<Measure>> {
        Ok(reference(ctx).measures_of_framework(self.0.id).await?.into_iter().map(Measure).collect())
    }
}

async fn framework_of(ctx: &Context<'_>, id: i32) -> GqlResult<Framework> {
    Ok(Framework(reference(ctx).framework(id).await?))
}

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
    /// The framework the council reports in.
    async fn framework(&self, ctx: &Context<'_>) -> GqlResult<Framework> {
        framework_of(ctx, self.0.framework_id).await
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
    async fn framework(&self, ctx: &Context<'_>) -> GqlResult<Framework> {
        framework_of(ctx, self.0.framework_id).await
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
    async fn framework(&self, ctx: &Context<'_>) -> GqlResult<Framework> {
        framework_of(ctx, self.0.framework_id).await
    }
    /// False for a record-only measure: counted, never valued.
    async fn valued(&self) -> bool {
        self.0.valued
    }
    /// The regional measure this one counts as; null for regional and unmapped measures.
    async fn mapping(&self, ctx: &Context<'_>) -> GqlResult<Option<MeasureMapping>> {
        Ok(reference(ctx).mapping(self.0.id).await?.map(MeasureMapping))
    }
    /// The £ value of one unit, per financial year.
    async fn proxies(&self, ctx: &Context<'_>) -> GqlResult<Vec<Proxy>> {
        Ok(reference(ctx).proxies_of(self.0.id).await?.into_iter().map(Proxy).collect())
    }
}

pub struct MeasureMapping(pub measure_mapping::Model);

#[Object]
impl MeasureMapping {
    async fn measure(&self, ctx: &Context<'_>) -> GqlResult<Measure> {
        Ok(Measure(reference(ctx).measure(self.0.measure_id).await?))
    }
    async fn regional_measure(&self, ctx: &Context<'_>) -> GqlResult<Measure> {
        Ok(Measure(reference(ctx).measure(self.0.regional_measure_id).await?))
    }
    /// Regional units per reported unit.
    async fn factor(&self) -> Decimal {
        Decimal::of(Factor::from_scaled(self.0.factor_e4))
    }
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
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
    /// Every framework, the regional one first.
    async fn frameworks(&self, ctx: &Context<'_>) -> GqlResult<Vec<Framework>> {
        Ok(svc::frameworks(db(ctx)).await?.into_iter().map(Framework).collect())
    }
    /// A framework's themes (the regional framework's when none is named).
    async fn themes(&self, ctx: &Context<'_>, framework_code: Option<String>) -> GqlResult<Vec<Theme>> {
        Ok(svc::themes(db(ctx), framework_code.as_deref()).await?.into_iter().map(Theme).collect())
    }
    /// A framework's measures (the regional framework's when none is named), of one theme when named.
    async fn measures(&self, ctx: &Context<'_>, theme_code: Option<String>, framework_code: Option<String>) -> GqlResult<Vec<Measure>> {
        Ok(svc::measures(db(ctx), theme_code.as_deref(), framework_code.as_deref()).await?.into_iter().map(Measure).collect())
    }
}

#[derive(InputObject)]
pub struct FrameworkInput {
    code: String,
    name: String,
    edition: Option<String>,
}

#[derive(InputObject)]
pub struct CouncilInput {
    code: String,
    name: String,
    gss_code: String,
    /// The framework the council reports in; `REGIONAL` when omitted.
    framework_code: Option<String>,
}

#[derive(InputObject)]
pub struct ThemeInput {
    code: String,
    name: String,
    /// `REGIONAL` when omitted.
    framework_code: Option<String>,
}

#[derive(InputObject)]
pub struct MeasureInput {
    code: String,
    theme_code: String,
    name: String,
    unit: String,
    /// `REGIONAL` when omitted.
    framework_code: Option<String>,
    /// False for a record-only measure (counted, never valued).
    #[graphql(default = true)]
    valued: bool,
}

#[derive(InputObject)]
pub struct MeasureMappingInput {
    framework_code: String,
    measure_code: String,
    regional_measure_code: String,
    /// Regional units per reported unit: more than 0, at most 1000, at most 4 decimal places.
    #[graphql(default_with = "Some(Decimal(\"1\".to_owned()))")]
    factor: Option<Decimal>,
    note: Option<String>,
}

#[derive(Default)]
pub struct FrameworkMutation;

#[Object]
impl FrameworkMutation {
    async fn upsert_framework(&self, ctx: &Context<'_>, input: FrameworkInput) -> GqlResult<Framework> {
        let input = FrameworkIn { code: input.code, name: input.name, edition: input.edition };
        Ok(Framework(svc::upsert_framework(primary(ctx), principal(ctx), input).await?))
    }
    async fn upsert_council(&self, ctx: &Context<'_>, input: CouncilInput) -> GqlResult<Council> {
        let input = CouncilIn { code: input.code, name: input.name, gss_code: input.gss_code, framework_code: input.framework_code };
        Ok(Council(svc::upsert_council(primary(ctx), principal(ctx), input).await?))
    }
    async fn upsert_theme(&self, ctx: &Context<'_>, input: ThemeInput) -> GqlResult<Theme> {
        let input = ThemeIn { code: input.code, name: input.name, framework_code: input.framework_code };
        Ok(Theme(svc::upsert_theme(primary(ctx), principal(ctx), input).await?))
    }
    async fn upsert_measure(&self, ctx: &Context<'_>, input: MeasureInput) -> GqlResult<Measure> {
        let input = MeasureIn {
            code: input.code,
            theme_code: input.theme_code,
            name: input.name,
            unit: input.unit,
            framework_code: input.framework_code,
            valued: input.valued,
        };
        Ok(Measure(svc::upsert_measure(primary(ctx), principal(ctx), input).await?))
    }
    /// A regional measure's proxy for a year (other frameworks have none).
    async fn set_proxy(
        &self,
        ctx: &Context<'_>,
        measure_code: String,
        financial_year: i32,
        value_gbp: Decimal,
        framework_code: Option<String>,
    ) -> GqlResult<Proxy> {
        Ok(Proxy(svc::set_proxy(primary(ctx), principal(ctx), &measure_code, financial_year, value_gbp.as_str(), framework_code.as_deref()).await?))
    }
    /// Maps a measure of another framework onto a regional measure.
    async fn map_measure(&self, ctx: &Context<'_>, input: MeasureMappingInput) -> GqlResult<MeasureMapping> {
        let input = MappingIn {
            framework_code: input.framework_code,
            measure_code: input.measure_code,
            regional_measure_code: input.regional_measure_code,
            factor: input.factor.map(|f| f.0),
            note: input.note,
        };
        Ok(MeasureMapping(svc::map_measure(primary(ctx), principal(ctx), input).await?))
    }
    /// Removes a measure's mapping: true when it had one.
    async fn unmap_measure(&self, ctx: &Context<'_>, framework_code: String, measure_code: String) -> GqlResult<bool> {
        Ok(svc::unmap_measure(primary(ctx), principal(ctx), &framework_code, &measure_code).await?)
    }
}
