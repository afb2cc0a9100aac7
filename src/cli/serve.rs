//! `serve`: migrate, seed the demo region on a fresh embedded database, listen.

use std::time::Duration;

use anyhow::Context;
use rand::Rng;

use crate::auth::{Principal, Role, TokenSigner};
use crate::config::{Config, LogFormat, Secret};
use crate::dataset::Version;
use crate::dataset::generate::{self, Scale};
use crate::dataset::load;
use crate::service::region;

pub async fn serve(mut config: Config) -> anyhow::Result<()> {
    let telemetry = crate::telemetry::init(config.log_format)?;
    // The demo with its printed tokens is for a run with nothing configured;
    // a configured deployment never prints a token (SVH_DEMO loads the
    // region alone).
    let unconfigured = config.is_unconfigured();
    if unconfigured {
        // The demo makes up a secret for this process and prints ready tokens below.
        let bytes: [u8; 32] = rand::rng().random();
        config.jwt_secret = Some(Secret::new(hex::encode(bytes)));
    }
    anyhow::ensure!(
        config.jwt_secret.is_some() || config.tokens.is_set(),
        "set SVH_JWT_SECRET, SVH_JWT_PUBLIC_KEY_FILE or SVH_JWT_JWKS_FILE when SVH_DATABASE_URL is set"
    );
    let app = crate::build_app(&config).await?;
    if (unconfigured || config.demo) && region::is_empty(&app.db).await? {
        tracing::info!("empty database: loading the demo region (Liverpool City Region, Knowsley in its own framework)");
        // The v2 region, so that a first run shows the crosswalk at work.
        let ds = generate::generate_version(Scale::Small, 1, Version::V2);
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
    tracing::info!(graphql = %format!("http://{addr}/graphql"), "social-value-hub listening on http://{addr}; GraphiQL at http://{addr}/graphql");
    if let (true, Some(secret)) = (unconfigured, &config.jwt_secret) {
        print_demo_tokens(secret, config.log_format, addr)?;
    }
    crate::http::serve(listener, app.router, shutdown_signal()).await?;
    telemetry.shutdown().await;
    Ok(())
}

/// The demo's tokens, for a person at the terminal: on stdout with text
/// logs, on stderr with JSON logs (stdout is then for JSON lines only).
fn print_demo_tokens(secret: &Secret, format: LogFormat, addr: std::net::SocketAddr) -> anyhow::Result<()> {
    use std::io::Write;
    let signer = TokenSigner::hs256(secret);
    let mut text = format!(
        "GraphiQL: http://{addr}/graphql  (add the header {{\"Authorization\": \"Bearer <token>\"}})\nDemo tokens (valid 12 hours, for this process only):\n"
    );
    let mut dashboard = String::new();
    for role in Role::ALL {
        let councils = if role.is_council_role() { vec!["LIV".to_owned()] } else { vec![] };
        let who = if councils.is_empty() { String::new() } else { format!(" (councils {})", councils.join(",")) };
        let token = signer.sign(&Principal { subject: format!("demo-{}", role.as_str()), role, councils }, Duration::from_secs(12 * 3600))?;
        text.push_str(&format!("  {}{who}:\n    {token}\n", role.as_str()));
        if role == Role::Dashboard {
            dashboard = token;
        }
    }
    // The token rides in the fragment, which the browser never sends to a server.
    text.push_str(&format!("Dashboard, signed in as the demo dashboard role: http://{addr}/#token={dashboard}\n"));
    match format {
        LogFormat::Text => std::io::stdout().write_all(text.as_bytes())?,
        LogFormat::Json => std::io::stderr().write_all(text.as_bytes())?,
    }
    Ok(())
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
