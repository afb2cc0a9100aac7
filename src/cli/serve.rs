//! `serve`: migrate, seed the demo region on a fresh embedded database, listen.

use std::time::Duration;

use anyhow::Context;
use rand::Rng;
use sea_orm::{EntityTrait, PaginatorTrait};
use tracing_subscriber::EnvFilter;

use crate::auth::{Principal, Role, TokenSigner};
use crate::config::{Config, LogFormat, Secret};
use crate::dataset::generate::{self, Scale};
use crate::service::load;

pub async fn serve(mut config: Config) -> anyhow::Result<()> {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    match config.log_format {
        LogFormat::Text => tracing_subscriber::fmt().with_env_filter(filter).init(),
        LogFormat::Json => tracing_subscriber::fmt().json().with_current_span(true).with_env_filter(filter).init(),
    }
    let demo = config.is_embedded_default();
    let provider = config.tokens.jwt_public_key_file.is_some() || config.tokens.jwt_jwks_file.is_some();
    if config.jwt_secret.is_none() && !provider {
        anyhow::ensure!(demo, "set SVH_JWT_SECRET, SVH_JWT_PUBLIC_KEY_FILE or SVH_JWT_JWKS_FILE when SVH_DATABASE_URL is set");
        // The demo makes up a secret for this process and prints ready tokens below.
        let bytes: [u8; 32] = rand::rng().random();
        config.jwt_secret = Some(Secret::new(hex::encode(bytes)));
    }
    let app = crate::build_app(&config).await?;
    if demo && entity::council::Entity::find().count(&app.db).await? == 0 {
        tracing::info!("empty embedded database: loading the demo region (Liverpool City Region)");
        let ds = generate::generate(Scale::Small, 1);
        let summary = load::load_dataset(&app.db, &ds, 5_000, |done, total| tracing::info!("demo region: {done}/{total} records")).await?;
        tracing::info!(
            contracts = summary.contracts.created,
            commitments = summary.commitments.created,
            evidence = summary.evidence.created,
            "demo region loaded"
        );
    }
    let listener = tokio::net::TcpListener::bind(config.listen).await.with_context(|| format!("binding {}", config.listen))?;
    let addr = listener.local_addr()?;
    println!("social-value-hub listening on http://{addr}");
    println!("GraphiQL: http://{addr}/graphql  (add the header {{\"Authorization\": \"Bearer <token>\"}})");
    if let (true, Some(secret)) = (demo, &config.jwt_secret) {
        print_demo_tokens(secret);
    }
    axum::serve(listener, app.router).with_graceful_shutdown(shutdown_signal()).await?;
    Ok(())
}

fn print_demo_tokens(secret: &Secret) {
    let signer = TokenSigner::hs256(secret);
    println!("Demo tokens (valid 12 hours, for this process only):");
    for role in Role::ALL {
        let councils = if role.is_council_role() { vec!["LIV".to_owned()] } else { vec![] };
        let who = if councils.is_empty() { String::new() } else { format!(" (councils {})", councils.join(",")) };
        let token = signer.sign(&Principal { subject: format!("demo-{}", role.as_str()), role, councils }, Duration::from_secs(12 * 3600));
        println!("  {}{who}:\n    {token}", role.as_str());
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down: finishing in-flight requests");
}
