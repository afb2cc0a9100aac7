//! GraphiQL, served whole from the binary: the page, React and GraphiQL
//! themselves, so that it works on a council network without internet and
//! under this page's own strict Content-Security-Policy (no inline script,
//! nothing from another host). The assets are GraphiQL 3.8.3 and React
//! 18.3.1 as published on npm (MIT; their licences are beside them).

use axum::Router;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::AppState;

const PAGE: &str = include_str!("../../assets/graphiql/index.html");

/// Name, media type and content of each asset under `/graphiql/`.
const ASSETS: &[(&str, &str, &[u8])] = &[
    ("graphiql.min.css", "text/css; charset=utf-8", include_bytes!("../../assets/graphiql/graphiql.min.css")),
    ("graphiql.min.js", "text/javascript; charset=utf-8", include_bytes!("../../assets/graphiql/graphiql.min.js")),
    ("react.production.min.js", "text/javascript; charset=utf-8", include_bytes!("../../assets/graphiql/react.production.min.js")),
    ("react-dom.production.min.js", "text/javascript; charset=utf-8", include_bytes!("../../assets/graphiql/react-dom.production.min.js")),
    ("start.js", "text/javascript; charset=utf-8", include_bytes!("../../assets/graphiql/start.js")),
    ("page.css", "text/css; charset=utf-8", include_bytes!("../../assets/graphiql/page.css")),
];

/// Scripts only from this service; GraphiQL sets styles at run time and
/// embeds its fonts as data URIs.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; font-src 'self' data:; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

pub fn routes() -> Router<AppState> {
    Router::new().route("/graphiql/{asset}", get(asset))
}

/// The GraphiQL page itself (for `GET /graphql` from a browser).
pub fn page() -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::CONTENT_SECURITY_POLICY, CSP)], PAGE).into_response()
}

async fn asset(Path(name): Path<String>) -> Response {
    match ASSETS.iter().find(|(n, _, _)| *n == name) {
        Some((_, media_type, body)) => ([(header::CONTENT_TYPE, *media_type), (header::CACHE_CONTROL, "public, max-age=3600")], *body).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
