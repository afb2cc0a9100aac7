//! The dashboard page at `/`: a regional picture for people, served whole
//! from the binary (no build step, no CDN), so that it works on an
//! air-gapped council network and under `Content-Security-Policy:
//! default-src 'self'`. It reads the public GraphQL API and the CSV exports
//! with the token a person pastes. The chart library is uPlot 1.6.32 as
//! published on npm (MIT; its licence is beside it).

use axum::Router;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::AppState;

const PAGE: &str = include_str!("../../assets/dashboard/index.html");

/// Name, media type and content of each asset under `/dashboard/`.
const ASSETS: &[(&str, &str, &[u8])] = &[
    ("dashboard.js", "text/javascript; charset=utf-8", include_bytes!("../../assets/dashboard/dashboard.js")),
    ("dashboard.css", "text/css; charset=utf-8", include_bytes!("../../assets/dashboard/dashboard.css")),
    ("uPlot.iife.min.js", "text/javascript; charset=utf-8", include_bytes!("../../assets/dashboard/uPlot.iife.min.js")),
    ("uPlot.min.css", "text/css; charset=utf-8", include_bytes!("../../assets/dashboard/uPlot.min.css")),
    ("LICENSE.uplot", "text/plain; charset=utf-8", include_bytes!("../../assets/dashboard/LICENSE.uplot")),
];

/// Everything from this service alone.
const CSP: &str = "default-src 'self'";

pub fn routes() -> Router<AppState> {
    Router::new().route("/", get(page)).route("/dashboard/{asset}", get(asset))
}

async fn page() -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::CONTENT_SECURITY_POLICY, CSP)], PAGE).into_response()
}

async fn asset(Path(name): Path<String>) -> Response {
    match ASSETS.iter().find(|(n, _, _)| *n == name) {
        Some((_, media_type, body)) => ([(header::CONTENT_TYPE, *media_type), (header::CACHE_CONTROL, "public, max-age=3600")], *body).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
