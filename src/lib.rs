//! social-value-hub: one regional model of the social value that suppliers
//! commit to and deliver for a combined authority's member councils, served
//! over GraphQL and authorised per council.

pub mod auth;
pub mod cli;
pub mod config;
pub mod dataset;
pub mod domain;
pub mod error;
pub mod graphql;
pub mod http;
pub mod metrics;
pub mod service;
pub mod telemetry;

use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use sea_orm::DatabaseConnection;

use crate::auth::TokenVerifier;
use crate::config::Config;
use crate::service::db::{self, StatementCounter};

/// A ready service: the router and the database it serves.
pub struct Application {
    pub router: Router,
    pub db: DatabaseConnection,
    pub statements: Arc<StatementCounter>,
}

/// Connects, migrates and assembles the service. Tests call this too, so
/// that they run exactly the app that `serve` runs.
pub async fn build_app(config: &Config) -> anyhow::Result<Application> {
    let verifier = TokenVerifier::from_config(config.jwt_secret.as_ref(), &config.tokens).context("configuring token verification")?;
    let documents = match &config.http.trusted_documents {
        Some(path) => http::trusted::TrustedDocuments::load(path)?,
        None => Default::default(),
    };
    db::migrate(config.database_url()).await.context("applying migrations")?;
    let (db, statements) =
        db::connect(config.database_url(), config.db_pool_size, Some(config.http.statement_timeout())).await.context("connecting to the database")?;
    let replica = match &config.database_read_url {
        Some(url) => Some(connect_replica(config, url).await?),
        None => None,
    };
    let schema = graphql::build_schema(Some(db.clone()), &config.limits);
    let metrics = Arc::new(metrics::Metrics::new(graphql::root_fields(&schema)));
    let reference = graphql::reference::ReferenceStore::default();
    // The listener holds one of the pool's connections for good: never the only one.
    if config.db_pool_size >= 2 {
        graphql::reference::listen(&db, &reference).await;
    }
    let state = http::AppState {
        db: db.clone(),
        replica,
        schema,
        verifier: Arc::new(verifier),
        statements: statements.clone(),
        metrics,
        limits: config.limits.clone(),
        reference,
        public_dashboard: config.http.public_dashboard,
        subscriptions: graphql::changes::LiveSubscriptions::new(config.limits.max_subscriptions_per_token),
        documents: Arc::new(documents),
        rate_limit: config.http.rate_limit.map(http::rate_limit::RateLimiter::new),
    };
    Ok(Application { router: http::router(state, config)?, db, statements })
}

/// The read replica's pool. Migrations run on the primary only: the replica
/// receives them, as it receives everything, by streaming replication.
async fn connect_replica(config: &Config, url: &str) -> anyhow::Result<http::Replica> {
    let postgres = |u: &str| u.starts_with("postgres://") || u.starts_with("postgresql://");
    anyhow::ensure!(
        postgres(url) && postgres(config.database_url()),
        "SVH_DATABASE_READ_URL is a PostgreSQL streaming replica of a PostgreSQL SVH_DATABASE_URL"
    );
    let (db, statements) = db::connect(url, config.db_pool_size, Some(config.http.statement_timeout())).await.context("connecting to the read replica")?;
    Ok(http::Replica { db, statements })
}
