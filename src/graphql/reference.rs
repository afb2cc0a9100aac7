//! Reference data: councils, frameworks, themes, measures with their
//! mappings, and proxies are small tables that nearly every request reads.
//! Each replica keeps one copy of them in memory, read whole, and reads
//! them again only when a write has raised their version in the database
//! (service::write), so that a change on any replica is seen by every
//! other. A request keeps the copy it started with to its end.
//!
//! How a replica knows. On PostgreSQL every such write also notifies
//! (`NOTIFY svh_reference`, delivered at commit; service::notify), and a listener of each
//! replica ([`listen`]) counts what it hears from the others: while it
//! listens, a request whose copy is as new as the last notification and
//! the last write through this replica asks nothing of the database. A
//! replica counts its own writes as they commit, so that a writer's next
//! read sees its write, and leaves out their notifications. Another replica's change is seen
//! once its notification arrives, a few milliseconds after its commit.
//! When the listener is not connected, and on SQLite, a request asks for
//! the version (one statement) with the first field that needs a table.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use entity::{council, framework, measure, measure_mapping, proxy, theme};
use tokio::sync::OnceCell;

use super::error::GqlResult;
use crate::domain::{Factor, Money};
use crate::error::{AppResult, internal};
use crate::service::DatabaseConnection;
use crate::service::framework::REGIONAL_ID;
use crate::service::notify;
use crate::service::read::reference as svc;

/// The reference tables as one replica last read them.
#[derive(Clone, Default)]
pub struct ReferenceStore {
    kept: Arc<Mutex<Option<Kept>>>,
    heard: Arc<Heard>,
}

/// The tables, and what the listener had heard when they were known
/// current (None: it was not listening).
type Kept = (Arc<Tables>, Option<u64>);

/// What the listener has heard.
#[derive(Default)]
struct Heard {
    /// Whether it hears every notification now.
    listening: AtomicBool,
    /// Raised by each notification from another replica, and whenever the
    /// listener connects again (it may have missed some). This replica's
    /// own writes count in `svc::written_here`.
    count: AtomicU64,
}

/// PostgreSQL: what this replica hears of changes to the reference tables
/// (service::notify::listen, which also wakes the feed's followers), for
/// as long as the process runs. Returns once it listens, or first failed to.
pub async fn listen(db: &DatabaseConnection, store: &ReferenceStore) {
    let heard = store.heard.clone();
    notify::listen(db, move |event| match event {
        // Anything written before it listened was not heard.
        notify::Heard::Listening => {
            heard.count.fetch_add(1, Ordering::SeqCst);
            heard.listening.store(true, Ordering::SeqCst);
        }
        // This replica counts its own writes as they commit (svc::written_here).
        notify::Heard::Notified { channel, payload } if *channel == notify::REFERENCE && *payload != notify::replica() => {
            heard.count.fetch_add(1, Ordering::SeqCst);
        }
        notify::Heard::Notified { .. } => {}
        notify::Heard::Lost => heard.listening.store(false, Ordering::SeqCst),
    })
    .await;
}

/// The reference tables of one version, indexed.
struct Tables {
    version: i64,
    councils: HashMap<i32, council::Model>,
    frameworks: HashMap<i32, framework::Model>,
    themes: HashMap<i32, theme::Model>,
    measures: Measures,
    /// In (measure, financial year) order, for a binary search.
    proxies: Vec<proxy::Model>,
}

fn by_id<M>(rows: Vec<M>, id: fn(&M) -> i32) -> HashMap<i32, M> {
    rows.into_iter().map(|m| (id(&m), m)).collect()
}

impl Tables {
    async fn read(db: &DatabaseConnection, version: i64) -> AppResult<Tables> {
        let (councils, frameworks, themes, measures, mut proxies) =
            tokio::try_join!(svc::councils(db), svc::frameworks(db), svc::themes(db), svc::measures_with_mappings(db), svc::proxies(db))?;
        proxies.sort_by_key(|p| (p.measure_id, p.financial_year));
        Ok(Tables {
            version,
            councils: by_id(councils, |m: &council::Model| m.id),
            frameworks: by_id(frameworks, |m: &framework::Model| m.id),
            themes: by_id(themes, |m: &theme::Model| m.id),
            measures: Measures::new(measures),
            proxies,
        })
    }
}

/// The reference tables of one request.
pub struct ReferenceCache {
    db: DatabaseConnection,
    store: ReferenceStore,
    tables: OnceCell<Arc<Tables>>,
}

/// The measures and the crosswalk's mappings, read together: valuing a
/// record needs both.
struct Measures {
    by_id: HashMap<i32, measure::Model>,
    /// By the mapped (reported) measure's id.
    mappings: HashMap<i32, measure_mapping::Model>,
    /// What each mapped or regional measure counts as, worked out once per
    /// version of the tables: a page values every commitment and evidence
    /// record on it.
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

impl ReferenceCache {
    pub fn new(db: DatabaseConnection, store: ReferenceStore) -> Self {
        Self { db, store, tables: OnceCell::new() }
    }

    /// This replica's copy of the tables, read again if they may have changed.
    async fn tables(&self) -> GqlResult<&Tables> {
        let tables = self
            .tables
            .get_or_try_init(|| async {
                let store = &self.store;
                let kept = store.kept.lock().unwrap_or_else(|e| e.into_inner()).clone();
                // Taken before anything is read: what is read is at least as new, and is read again at worst.
                let heard = match (store.heard.listening.load(Ordering::SeqCst), svc::database_of(&self.db)) {
                    (true, Some(database)) => Some(store.heard.count.load(Ordering::SeqCst) + svc::written_here(&database)),
                    _ => None,
                };
                if let Some((t, _)) = kept.as_ref().filter(|(_, h)| heard.is_some() && *h == heard) {
                    return Ok::<_, async_graphql::Error>(t.clone());
                }
                let version = svc::version(&self.db).await?;
                let t = match kept {
                    Some((t, _)) if t.version == version => t,
                    _ => Arc::new(Tables::read(&self.db, version).await?),
                };
                *store.kept.lock().unwrap_or_else(|e| e.into_inner()) = Some((t.clone(), heard));
                Ok(t)
            })
            .await?;
        Ok(tables)
    }

    async fn council_table(&self) -> GqlResult<&HashMap<i32, council::Model>> {
        Ok(&self.tables().await?.councils)
    }

    async fn framework_table(&self) -> GqlResult<&HashMap<i32, framework::Model>> {
        Ok(&self.tables().await?.frameworks)
    }

    async fn theme_table(&self) -> GqlResult<&HashMap<i32, theme::Model>> {
        Ok(&self.tables().await?.themes)
    }

    async fn measures(&self) -> GqlResult<&Measures> {
        Ok(&self.tables().await?.measures)
    }

    async fn measure_table(&self) -> GqlResult<&HashMap<i32, measure::Model>> {
        Ok(&self.measures().await?.by_id)
    }

    async fn proxy_table(&self) -> GqlResult<&Vec<proxy::Model>> {
        Ok(&self.tables().await?.proxies)
    }

    /// Reads the tables a page's fields will use beside the page's own
    /// statements, rather than when the first field of a kind asks.
    pub async fn fill_for(&self, node: &async_graphql::Lookahead<'_>) -> GqlResult<()> {
        let valued = ["committedValue", "regionalMeasure", "regionalQuantity"].iter().any(|f| node.field(f).exists());
        if valued || node.field("council").exists() || node.field("measure").exists() {
            self.tables().await?;
        }
        Ok(())
    }

    pub async fn council(&self, id: i32) -> GqlResult<council::Model> {
        self.council_table().await?.get(&id).cloned().ok_or_else(|| missing("council", id))
    }

    /// The council of a code, if there is one (federation's `Council` key).
    pub async fn council_by_code(&self, code: &str) -> GqlResult<Option<council::Model>> {
        Ok(self.council_table().await?.values().find(|c| c.code == code).cloned())
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
