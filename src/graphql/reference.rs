//! Reference data for one request: councils, themes, measures and proxies
//! are small tables, so the first field that needs one has the service read
//! it whole (one statement), and every other field reads it from memory.
//! Unlike a batched DataLoader this cannot split into several statements
//! when a large page takes a while to resolve.

use std::collections::HashMap;

use entity::{council, framework, measure, measure_mapping, proxy, theme};
use tokio::sync::OnceCell;

use super::error::GqlResult;
use crate::domain::{Factor, Money};
use crate::error::{AppResult, internal};
use crate::service::DatabaseConnection;
use crate::service::framework::REGIONAL_ID;
use crate::service::read::reference as svc;

/// The reference tables a request has read so far, kept for the rest of it.
pub struct ReferenceCache {
    db: DatabaseConnection,
    councils: OnceCell<HashMap<i32, council::Model>>,
    frameworks: OnceCell<HashMap<i32, framework::Model>>,
    themes: OnceCell<HashMap<i32, theme::Model>>,
    measures: OnceCell<Measures>,
    /// In (measure, financial year) order, for a binary search.
    proxies: OnceCell<Vec<proxy::Model>>,
}

/// The measures and the crosswalk's mappings, read together: valuing a
/// record needs both.
struct Measures {
    by_id: HashMap<i32, measure::Model>,
    /// By the mapped (reported) measure's id.
    mappings: HashMap<i32, measure_mapping::Model>,
    /// What each mapped or regional measure counts as, worked out once per
    /// request: a page values every commitment and evidence record on it.
    bases: HashMap<i32, Basis>,
}

/// What a reported measure counts as in the region.
#[derive(Clone, Copy)]
struct Basis {
    regional_id: i32,
    factor: Factor,
    /// The measure and its regional measure are both valued.
    valued: bool,
}

impl Measures {
    fn new(rows: Vec<(measure::Model, Option<measure_mapping::Model>)>) -> Self {
        let (mut by_id, mut mappings) = (HashMap::new(), HashMap::new());
        for (m, x) in rows {
            if let Some(x) = x {
                mappings.insert(x.measure_id, x);
            }
            by_id.insert(m.id, m);
        }
        let bases = by_id
            .values()
            .filter_map(|m: &measure::Model| {
                let (regional_id, factor) = if m.framework_id == REGIONAL_ID {
                    (m.id, Factor::ONE)
                } else {
                    let x = mappings.get(&m.id)?;
                    (x.regional_measure_id, Factor::from_scaled(x.factor_e4))
                };
                let valued = m.valued && by_id.get(&regional_id).is_some_and(|r| r.valued);
                Some((m.id, Basis { regional_id, factor, valued }))
            })
            .collect();
        Measures { by_id, mappings, bases }
    }
}

fn missing(what: &str, key: impl std::fmt::Debug) -> async_graphql::Error {
    internal(format!("dangling reference to {what} {key:?}")).into()
}

/// Awaits `read` only when `wanted`.
async fn when<T>(wanted: bool, read: impl Future<Output = GqlResult<T>>) -> GqlResult<()> {
    if wanted {
        read.await?;
    }
    Ok(())
}

/// The table in `cell`, read by `read` the first time it is asked for.
async fn by_id<M, F: Future<Output = AppResult<Vec<M>>>>(
    cell: &OnceCell<HashMap<i32, M>>,
    read: impl FnOnce() -> F,
    id: fn(&M) -> i32,
) -> GqlResult<&HashMap<i32, M>> {
    cell.get_or_try_init(|| async { Ok::<_, async_graphql::Error>(read().await?.into_iter().map(|m| (id(&m), m)).collect()) }).await
}

impl ReferenceCache {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db, councils: OnceCell::new(), frameworks: OnceCell::new(), themes: OnceCell::new(), measures: OnceCell::new(), proxies: OnceCell::new() }
    }

    async fn council_table(&self) -> GqlResult<&HashMap<i32, council::Model>> {
        by_id(&self.councils, || svc::councils(&self.db), |m| m.id).await
    }

    async fn framework_table(&self) -> GqlResult<&HashMap<i32, framework::Model>> {
        by_id(&self.frameworks, || svc::frameworks(&self.db), |m| m.id).await
    }

    async fn theme_table(&self) -> GqlResult<&HashMap<i32, theme::Model>> {
        by_id(&self.themes, || svc::themes(&self.db), |m| m.id).await
    }

    async fn measures(&self) -> GqlResult<&Measures> {
        self.measures.get_or_try_init(|| async { Ok::<_, async_graphql::Error>(Measures::new(svc::measures_with_mappings(&self.db).await?)) }).await
    }

    async fn measure_table(&self) -> GqlResult<&HashMap<i32, measure::Model>> {
        Ok(&self.measures().await?.by_id)
    }

    async fn proxy_table(&self) -> GqlResult<&Vec<proxy::Model>> {
        self.proxies
            .get_or_try_init(|| async {
                let mut rows = svc::proxies(&self.db).await?;
                rows.sort_by_key(|p| (p.measure_id, p.financial_year));
                Ok::<_, async_graphql::Error>(rows)
            })
            .await
    }

    /// Reads the tables a page's fields will use, all at once and beside the
    /// page's own statements, rather than one after another as the first
    /// field of each kind asks (a measure's theme, say, only once its measure
    /// is there).
    pub async fn fill_for(&self, node: &async_graphql::Lookahead<'_>) -> GqlResult<()> {
        let measure = node.field("measure");
        // Valuing a commitment, or saying what it counts as, reads the crosswalk.
        let valued = ["committedValue", "regionalMeasure", "regionalQuantity"].iter().any(|f| node.field(f).exists());
        tokio::try_join!(
            when(node.field("council").exists(), self.council_table()),
            when(measure.exists() || valued, self.measure_table()),
            when(measure.field("theme").exists(), self.theme_table()),
            when(valued, self.proxy_table()),
        )?;
        Ok(())
    }

    pub async fn council(&self, id: i32) -> GqlResult<council::Model> {
        self.council_table().await?.get(&id).cloned().ok_or_else(|| missing("council", id))
    }

    pub async fn framework(&self, id: i32) -> GqlResult<framework::Model> {
        self.framework_table().await?.get(&id).cloned().ok_or_else(|| missing("framework", id))
    }

    /// A measure's mapping onto a regional measure, if it has one.
    pub async fn mapping(&self, measure_id: i32) -> GqlResult<Option<measure_mapping::Model>> {
        Ok(self.measures().await?.mappings.get(&measure_id).cloned())
    }

    /// A framework's themes, or its measures, in code order.
    pub async fn themes_of_framework(&self, framework_id: i32) -> GqlResult<Vec<theme::Model>> {
        let mut list: Vec<theme::Model> = self.theme_table().await?.values().filter(|t| t.framework_id == framework_id).cloned().collect();
        list.sort_by(|a, b| a.code.cmp(&b.code));
        Ok(list)
    }

    pub async fn measures_of_framework(&self, framework_id: i32) -> GqlResult<Vec<measure::Model>> {
        let mut list: Vec<measure::Model> = self.measure_table().await?.values().filter(|m| m.framework_id == framework_id).cloned().collect();
        list.sort_by(|a, b| a.code.cmp(&b.code));
        Ok(list)
    }

    pub async fn theme(&self, id: i32) -> GqlResult<theme::Model> {
        self.theme_table().await?.get(&id).cloned().ok_or_else(|| missing("theme", id))
    }

    pub async fn measure(&self, id: i32) -> GqlResult<measure::Model> {
        self.measure_table().await?.get(&id).cloned().ok_or_else(|| missing("measure", id))
    }

    /// The proxy of a regional measure in a financial year, if it has one.
    async fn proxy(&self, measure_id: i32, financial_year: i32) -> GqlResult<Option<Money>> {
        let proxies = self.proxy_table().await?;
        Ok(proxies
            .binary_search_by_key(&(measure_id, financial_year), |p| (p.measure_id, p.financial_year))
            .ok()
            .map(|i| Money::from_scaled(proxies[i].value_pence)))
    }

    /// What a measure counts as in the region: itself × 1 when regional,
    /// its mapping otherwise, None when unmapped.
    pub async fn regional_basis(&self, measure_id: i32) -> GqlResult<Option<(measure::Model, Factor)>> {
        match self.measures().await?.bases.get(&measure_id) {
            Some(b) => Ok(Some((self.measure(b.regional_id).await?, b.factor))),
            None => Ok(None),
        }
    }

    /// How a record on `measure_id` in `financial_year` is valued: the
    /// factor and the regional proxy, or None when it counts £0 (unmapped,
    /// record-only, or no regional proxy for the year).
    pub async fn valuation(&self, measure_id: i32, financial_year: i32) -> GqlResult<Option<(Factor, Money)>> {
        match self.measures().await?.bases.get(&measure_id) {
            Some(b) if b.valued => Ok(self.proxy(b.regional_id, financial_year).await?.map(|p| (b.factor, p))),
            _ => Ok(None),
        }
    }

    /// A measure's proxies in year order.
    pub async fn proxies_of(&self, measure_id: i32) -> GqlResult<Vec<proxy::Model>> {
        Ok(self.proxy_table().await?.iter().filter(|p| p.measure_id == measure_id).cloned().collect())
    }

    /// A theme's measures in code order.
    pub async fn measures_of(&self, theme_id: i32) -> GqlResult<Vec<measure::Model>> {
        let mut list: Vec<measure::Model> = self.measure_table().await?.values().filter(|m| m.theme_id == theme_id).cloned().collect();
        list.sort_by(|a, b| a.code.cmp(&b.code));
        Ok(list)
    }
}
