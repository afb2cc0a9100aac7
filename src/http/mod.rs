//! The HTTP surface: `/graphql` (see `graphql.rs`), `/graphql/ws` (`ws.rs`), GraphiQL's assets,
//! `/healthz`, `/readyz`, `/metrics` and the exports (`export.rs`), and what wraps every route: body
//! limits, compression, opt-in CORS, a request timeout and the request id.

mod dashboard;
mod export;
mod graphiql;
mod graphql;
pub mod rate_limit;
pub mod trusted;
mod ws;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use sea_orm::DatabaseConnection;

use crate::graphql::reference::ReferenceStore;
use serde_json::json;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tracing::Instrument;

use crate::auth::{Principal, TokenError, TokenVerifier};
use crate::config::{Config, Limits};
use crate::graphql::AppSchema;
use crate::graphql::changes::LiveSubscriptions;
use crate::metrics::Metrics;
use crate::service::db::{self, StatementCounter};
use rate_limit::RateLimiter;
use trusted::TrustedDocuments;

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    /// SVH_DATABASE_READ_URL's pool, for the queries of roles that only read.
    pub replica: Option<Replica>,
    pub schema: AppSchema,
    pub verifier: Arc<TokenVerifier>,
    pub statements: Arc<StatementCounter>,
    pub metrics: Arc<Metrics>,
    pub limits: Limits,
    /// This replica's copy of the reference tables (graphql::reference).
    pub reference: ReferenceStore,
    /// SVH_PUBLIC_DASHBOARD: a request without a token acts as `dashboard`.
    pub public_dashboard: bool,
    /// The live subscriptions of `/graphql/ws`, counted per token subject.
    pub subscriptions: LiveSubscriptions,
    /// SVH_TRUSTED_DOCUMENTS (empty when unset: every role sends its own).
    pub documents: Arc<TrustedDocuments>,
    /// SVH_RATE_LIMIT, per token subject.
    pub rate_limit: Option<RateLimiter>,
}

#[derive(Clone)]
pub struct Replica {
    pub db: DatabaseConnection,
    pub statements: Arc<StatementCounter>,
}

impl AppState {
    /// The pool a request reads from: the replica only for a query of a
    /// caller that cannot write (`Role::only_reads`). Everyone else reads
    /// on the primary, so a writer always sees its own writes.
    pub fn reads_for(&self, principal: &Principal, query: bool) -> &DatabaseConnection {
        match &self.replica {
            Some(r) if query && principal.role.only_reads() => &r.db,
            _ => &self.db,
        }
    }
}

/// Largest request head (request line and headers) read: big enough that an
/// oversized `Authorization` header reaches the service and is answered
/// 401 in JSON like any bad token, instead of an empty 431 from the server.
const MAX_HEAD_BYTES: usize = 2 * 1024 * 1024;

pub fn router(state: AppState, config: &Config) -> anyhow::Result<Router> {
    let max_body_bytes = config.max_body_bytes;
    let timeout = config.http.request_timeout();
    let mut router = Router::new()
        .route("/graphql", get(graphql::get).post(graphql::post))
        .route("/graphql/ws", get(ws::upgrade))
        .merge(graphiql::routes())
        .merge(export::routes())
        .merge(dashboard::routes())
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        // axum's own extractors (the JSON body) stop at 2 MiB unless told;
        // the tower layer bounds every body as it streams.
        .layer(DefaultBodyLimit::max(max_body_bytes))
        .layer(RequestBodyLimitLayer::new(max_body_bytes))
        .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, timeout))
        .layer(axum::middleware::map_response(move |r: Response| async move { errors_as_json(r, max_body_bytes, timeout) }));
    if config.http.compression {
        router = router.layer(CompressionLayer::new());
    }
    if let Some(cors) = cors(&config.http.cors_origins)? {
        router = router.layer(cors);
    }
    Ok(router.layer(axum::middleware::from_fn(request_context)).with_state(state))
}

/// CORS for the configured origins only; none configured means none allowed.
fn cors(origins: &[String]) -> anyhow::Result<Option<CorsLayer>> {
    let origins: Vec<HeaderValue> = origins
        .iter()
        .map(|o| o.trim())
        .filter(|o| !o.is_empty())
        .map(HeaderValue::from_str)
        .collect::<Result<_, _>>()
        .map_err(|_| anyhow::anyhow!("SVH_CORS_ORIGINS holds a value that is not an origin"))?;
    if origins.is_empty() {
        return Ok(None);
    }
    Ok(Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::ACCEPT, HeaderName::from_static(REQUEST_ID)])
            .expose_headers([HeaderName::from_static(REQUEST_ID)])
            .max_age(Duration::from_secs(3600)),
    ))
}

/// Serves `router` on `listener` until `shutdown` completes, then lets the
/// requests in flight finish. Like `axum::serve`, with a request head of up
/// to `MAX_HEAD_BYTES` (2 MiB).
pub async fn serve(listener: tokio::net::TcpListener, router: Router, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
    use hyper_util::rt::{TokioExecutor, TokioIo};
    use hyper_util::server::conn::auto::Builder;
    use hyper_util::server::graceful::GracefulShutdown;
    use hyper_util::service::TowerToHyperService;

    let mut builder = Builder::new(TokioExecutor::new());
    builder.http1().max_buf_size(MAX_HEAD_BYTES);
    builder.http2().max_header_list_size(MAX_HEAD_BYTES as u32);
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    Err(e) => {
                        // Out of file descriptors and the like: pause instead of spinning.
                        tracing::warn!(error = %e, "accepting a connection failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let connection = builder.serve_connection_with_upgrades(TokioIo::new(stream), TowerToHyperService::new(router.clone()));
                let connection = graceful.watch(connection.into_owned());
                tokio::spawn(async move {
                    if let Err(e) = connection.await {
                        tracing::debug!(error = %e, "connection ended with an error");
                    }
                });
            }
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// Errors raised by the layers (a body too large, a request past its time)
/// come with an empty or plain-text body; clients get the same JSON error
/// shape as everywhere else.
fn errors_as_json(response: Response, max_body_bytes: usize, timeout: Duration) -> Response {
    let json = response.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    match response.status() {
        StatusCode::PAYLOAD_TOO_LARGE if !json => error_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            "BAD_USER_INPUT",
            &format!("the request body is larger than {max_body_bytes} bytes (SVH_MAX_BODY_BYTES)"),
        ),
        // The timeout's own response has no body at all (/readyz's 503 has text).
        StatusCode::SERVICE_UNAVAILABLE if response.headers().get(header::CONTENT_TYPE).is_none() => error_response(
            StatusCode::SERVICE_UNAVAILABLE,
            "INTERNAL",
            &format!("the request took longer than {} s (SVH_REQUEST_TIMEOUT_SECS) and was abandoned; nothing of it was written", timeout.as_secs()),
        ),
        _ => response,
    }
}

/// A GraphQL-shaped error response outside of schema execution.
fn error_response(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(json!({ "errors": [{ "message": message, "extensions": { "code": code } }] }))).into_response()
}

/// Who makes a request, and the councils whose records it may read,
/// worked out here once per request (GraphQL and exports alike).
pub struct Caller {
    pub principal: Principal,
    pub scope: crate::auth::ReadScope,
    /// When its token expires (seconds since 1970); None without a token.
    pub expires: Option<i64>,
}

/// The caller a request's `Authorization` gives (no token: the public
/// dashboard's caller when SVH_PUBLIC_DASHBOARD is on).
async fn caller(state: &AppState, authorization: Option<&str>) -> Result<Caller, TokenError> {
    let (principal, expires) = match authorization {
        None if state.public_dashboard => (Principal { subject: "public".into(), role: crate::auth::Role::Dashboard, councils: Vec::new() }, None),
        _ => state.verifier.principal_until(authorization).await.map(|(p, exp)| (p, Some(exp)))?,
    };
    Ok(Caller { scope: principal.read_scope(), principal, expires })
}

/// The caller of a request, or the 401 that refuses it (with the reason,
/// never the token, in the log).
async fn authenticate(state: &AppState, request_id: &RequestId, headers: &HeaderMap) -> Result<Caller, Box<Response>> {
    let authorization = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    let caller = caller(state, authorization).await.map_err(|e| {
        tracing::info!(request_id = %request_id.0, outcome = "UNAUTHENTICATED", reason = %e, "graphql request refused");
        state.metrics.observe("none".into(), "UNAUTHENTICATED", Duration::ZERO);
        let mut r = error_response(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", &e.to_string());
        // RFC 6750 §3: say how to authenticate, and whether the token given was the problem.
        let challenge = match e {
            TokenError::Missing => r#"Bearer realm="social-value-hub""#,
            TokenError::Invalid(_) => r#"Bearer realm="social-value-hub", error="invalid_token""#,
        };
        r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(challenge));
        Box::new(r)
    })?;
    admit(state, &caller.principal).map_err(|wait| {
        tracing::info!(request_id = %request_id.0, subject = %caller.principal.subject, outcome = "RATE_LIMITED", "request refused");
        state.metrics.observe("none".into(), "RATE_LIMITED", Duration::ZERO);
        let mut r = error_response(StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED", &over_rate(wait));
        r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(wait));
        Box::new(r)
    })?;
    Ok(caller)
}

fn over_rate(wait: u64) -> String {
    format!("more than SVH_RATE_LIMIT's requests for this token; retry in {wait} s")
}

/// Counts a request of `principal` against SVH_RATE_LIMIT; Err(seconds to wait) past it.
fn admit(state: &AppState, principal: &Principal) -> Result<(), u64> {
    match &state.rate_limit {
        Some(limit) => limit.admit(&principal.subject).map_err(RateLimiter::retry_after),
        None => Ok(()),
    }
}

/// The id of one HTTP request: the caller's `x-request-id` when it is
/// short printable ASCII, else a fresh one; echoed on the response and
/// carried by every log line of the request.
#[derive(Clone)]
pub struct RequestId(pub String);

async fn request_context(mut request: axum::extract::Request, next: Next) -> Response {
    let given =
        request.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).filter(|v| !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic()));
    let id = given.map_or_else(|| format!("{:032x}", rand::random::<u128>()), str::to_owned);
    request.extensions_mut().insert(RequestId(id.clone()));
    let (method, path) = (request.method().clone(), request.uri().path().to_owned());
    let span = tracing::info_span!("http", otel.name = %format!("{method} {path}"), otel.kind = "server", request_id = %id, method = %method, path = %path, trace_id = tracing::field::Empty);
    // The caller's trace (W3C traceparent) continues here; every log line of the request names it.
    let trace_id = crate::telemetry::continue_trace(&span, crate::telemetry::parent_of(request.headers()));
    span.record("trace_id", trace_id.as_str());
    let mut response = next.run(request).instrument(span.clone()).await;
    if crate::telemetry::exporting() {
        use tracing_opentelemetry::OpenTelemetrySpanExt as _;
        span.set_attribute("http.request.method", method.to_string());
        span.set_attribute("url.path", path);
        span.set_attribute("http.response.status_code", i64::from(response.status().as_u16()));
    }
    if let Ok(v) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, v);
    }
    response
}

const REQUEST_ID: &str = "x-request-id";

async fn readyz(State(state): State<AppState>) -> Response {
    let replica = match &state.replica {
        Some(r) => db::ping(&r.db).await,
        None => Ok(()),
    };
    match db::ping(&state.db).await.and(replica) {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
        }
    }
}

async fn metrics(State(state): State<AppState>) -> Response {
    let replica = state.replica.as_ref().map(|r| r.statements.get());
    let body = state.metrics.render(&state.db, state.statements.get(), replica);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}
