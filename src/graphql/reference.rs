//! Reference data for one request: councils, themes, measures and proxies
//! are small tables, so the first field that needs one loads it whole (one
//! statement), and every other field reads it from memory. Unlike a batched
//! DataLoader this cannot split into several statements when a large page
//! takes a while to resolve.

use std::collections::HashMap;

use entity::{council, measure, proxy, theme};
use sea_orm::{DatabaseConnection, EntityTrait};
use tokio::sync::OnceCell;

use super::error::GqlResult;
use crate::domain::Money;
use crate::error::{AppError, internal};

pub struct Reference {
    db: DatabaseConnection,
    councils: OnceCell<HashMap<i32, council::Model>>,
    themes: OnceCell<HashMap<i32, theme::Model>>,
    measures: OnceCell<HashMap<i32, measure::Model>>,
    proxies: OnceCell<Vec<proxy::Model>>,
}

fn missing(what: &str, key: impl std::fmt::Debug) -> async_graphql::Error {
    internal(format!("dangling reference to {what} {key:?}")).into()
}

/// Awaits `load` only when `wanted`.
async fn when<T>(wanted: bool, load: impl Future<Output = GqlResult<T>>) -> GqlResult<()> {
    if wanted {
        load.await?;
    }
    Ok(())
}

impl Reference {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db, councils: OnceCell::new(), themes: OnceCell::new(), measures: OnceCell::new(), proxies: OnceCell::new() }
    }

    async fn table<'a, E: EntityTrait>(
        &'a self,
        cell: &'a OnceCell<HashMap<i32, E::Model>>,
        id: impl Fn(&E::Model) -> i32,
    ) -> GqlResult<&'a HashMap<i32, E::Model>> {
        cell.get_or_try_init(|| async {
            let rows = E::find().all(&self.db).await.map_err(AppError::from)?;
            Ok::<_, async_graphql::Error>(rows.into_iter().map(|m| (id(&m), m)).collect())
        })
        .await
    }

    /// Loads the tables a page's fields will read, all at once and beside the
    /// page's own statements, rather than one after another as the first
    /// field of each kind asks (a measure's theme, say, only once its measure
    /// is there).
    pub async fn preload(&self, node: &async_graphql::Lookahead<'_>) -> GqlResult<()> {
        let measure = node.field("measure");
        tokio::try_join!(
            when(node.field("council").exists(), self.table::<council::Entity>(&self.councils, |m| m.id)),
            when(measure.exists(), self.table::<measure::Entity>(&self.measures, |m| m.id)),
            when(measure.field("theme").exists(), self.table::<theme::Entity>(&self.themes, |m| m.id)),
            when(node.field("committedValue").exists(), self.all_proxies()),
        )?;
        Ok(())
    }

    pub async fn council(&self, id: i32) -> GqlResult<council::Model> {
        self.table::<council::Entity>(&self.councils, |m| m.id).await?.get(&id).cloned().ok_or_else(|| missing("council", id))
    }

    pub async fn theme(&self, id: i32) -> GqlResult<theme::Model> {
        self.table::<theme::Entity>(&self.themes, |m| m.id).await?.get(&id).cloned().ok_or_else(|| missing("theme", id))
    }

    pub async fn measure(&self, id: i32) -> GqlResult<measure::Model> {
        self.table::<measure::Entity>(&self.measures, |m| m.id).await?.get(&id).cloned().ok_or_else(|| missing("measure", id))
    }

    async fn all_proxies(&self) -> GqlResult<&Vec<proxy::Model>> {
        self.proxies
            .get_or_try_init(|| async {
                let mut rows = proxy::Entity::find().all(&self.db).await.map_err(AppError::from)?;
                rows.sort_by_key(|p| (p.measure_id, p.financial_year));
                Ok::<_, async_graphql::Error>(rows)
            })
            .await
    }

    /// The proxy of a measure in a financial year. Sync refuses records whose
    /// year has no proxy, so a miss is a broken invariant.
    pub async fn proxy(&self, measure_id: i32, financial_year: i32) -> GqlResult<Money> {
        let proxies = self.all_proxies().await?;
        proxies
            .binary_search_by_key(&(measure_id, financial_year), |p| (p.measure_id, p.financial_year))
            .map(|i| Money::from_scaled(proxies[i].value_pence))
            .map_err(|_| missing("proxy", (measure_id, financial_year)))
    }

    /// A measure's proxies in year order.
    pub async fn proxies_of(&self, measure_id: i32) -> GqlResult<Vec<proxy::Model>> {
        Ok(self.all_proxies().await?.iter().filter(|p| p.measure_id == measure_id).cloned().collect())
    }

    /// A theme's measures in code order.
    pub async fn measures_of(&self, theme_id: i32) -> GqlResult<Vec<measure::Model>> {
        let mut list: Vec<measure::Model> =
            self.table::<measure::Entity>(&self.measures, |m| m.id).await?.values().filter(|m| m.theme_id == theme_id).cloned().collect();
        list.sort_by(|a, b| a.code.cmp(&b.code));
        Ok(list)
    }
}
