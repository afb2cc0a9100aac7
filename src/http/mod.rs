//! The HTTP surface: `POST /graphql` (JSON only, bearer token required),
//! `GET /graphql` (GraphiQL), `/healthz`, `/readyz` and `/metrics`.

use std::sync::Arc;
use std::time::Instant;

use async_graphql::http::GraphiQLSource;
use async_graphql::{BatchRequest, BatchResponse};
use axum::extract::rejection::JsonRejection;
use axum::extract::{Extension, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use sea_orm::DatabaseConnection;
use serde_json::json;
use tower_http::limit::RequestBodyLimitLayer;
use tracing::Instrument;

use crate::auth::{Principal, TokenVerifier};
use crate::metrics::Metrics;
use crate::config::Limits;
use crate::graphql::{AppSchema, request_data};
use crate::service::db::{self, StatementCounter};

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub schema: AppSchema,
    pub verifier: Arc<TokenVerifier>,
    pub statements: Arc<StatementCounter>,
    pub metrics: Arc<Metrics>,
    pub limits: Limits,
}

pub fn router(state: AppState, max_body_bytes: usize) -> Router {
    let graphql_routes = if state.limits.graphiql { get(graphiql).post(graphql) } else { post(graphql) };
    Router::new()
        .route("/graphql", graphql_routes)
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        // axum's DefaultBodyLimit does not reach our JSON extractor's
        // streaming of the body; the tower layer bounds every route.
        .layer(RequestBodyLimitLayer::new(max_body_bytes))
        .layer(axum::middleware::map_response(move |r: Response| async move { too_large_as_json(r, max_body_bytes) }))
        .layer(axum::middleware::from_fn(request_context))
        .with_state(state)
}

/// The body limit answers 413 in plain text; clients get the same JSON error shape as everywhere else.
fn too_large_as_json(response: Response, max_body_bytes: usize) -> Response {
    let json = response.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE && !json {
        return error_response(StatusCode::PAYLOAD_TOO_LARGE, "BAD_USER_INPUT", &format!("the request body is larger than {max_body_bytes} bytes (SVH_MAX_BODY_BYTES)"));
    }
    response
}

/// A GraphQL-shaped error response outside of schema execution.
fn error_response(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(json!({ "errors": [{ "message": message, "extensions": { "code": code } }] }))).into_response()
}

async fn graphql(
    State(state): State<AppState>,
    Extension(request_id): Extension<RequestId>,
    headers: HeaderMap,
    body: Result<Json<async_graphql::BatchRequest>, JsonRejection>,
) -> Response {
    let started = Instant::now();
    let authorization = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    let principal = match state.verifier.principal(authorization) {
        Ok(p) => p,
        Err(e) => {
            // The reason, never the token.
            tracing::info!(request_id = %request_id.0, outcome = "UNAUTHENTICATED", reason = %e, "graphql request refused");
            state.metrics.observe("none".into(), "UNAUTHENTICATED", started.elapsed());
            return error_response(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", &e.to_string());
        }
    };
    let batch = match body {
        Ok(Json(r)) => r,
        Err(rejection) => {
            let message = format!("expected a GraphQL request (a JSON object) or a batch of them (an array): {}", rejection.body_text());
            let status = match rejection.status() {
                StatusCode::UNPROCESSABLE_ENTITY => StatusCode::BAD_REQUEST,
                other => other,
            };
            return error_response(status, "BAD_USER_INPUT", &message);
        }
    };
    let response = match batch {
        BatchRequest::Single(request) => BatchResponse::Single(execute(&state, &request_id, &principal, request).await),
        BatchRequest::Batch(requests) => {
            let max = state.limits.max_batch_operations;
            if requests.len() > max {
                let message = format!("a batch holds at most {max} operations (SVH_MAX_BATCH_OPERATIONS); this one has {}", requests.len());
                return error_response(StatusCode::BAD_REQUEST, "BAD_USER_INPUT", &message);
            }
            // One after another, each with its own loaders: a batch costs what its operations cost.
            let mut responses = Vec::with_capacity(requests.len());
            for request in requests {
                responses.push(execute(&state, &request_id, &principal, request).await);
            }
            BatchResponse::Batch(responses)
        }
    };
    Json(response).into_response()
}

/// Runs one operation for `principal`; logs it and counts it by root field and outcome.
async fn execute(state: &AppState, request_id: &RequestId, principal: &Principal, request: async_graphql::Request) -> async_graphql::Response {
    let started = Instant::now();
    let operation = state.metrics.operation_label(root_field(&request).as_deref());
    let operation_name = request.operation_name.clone().unwrap_or_default();
    let request = request_data(request, &state.db, principal.clone()).data(state.metrics.clone());
    let response = with_codes(state.schema.execute(request).await);
    let outcome = response.errors.first().and_then(|e| e.extensions.as_ref()).and_then(|x| x.get("code")).map_or_else(|| "ok".to_owned(), |c| c.to_string().trim_matches('"').to_owned());
    let latency = started.elapsed();
    tracing::info!(
        request_id = %request_id.0,
        operation = %operation,
        operation_name = %operation_name,
        subject = %principal.subject,
        role = principal.role.as_str(),
        outcome = %outcome,
        latency_ms = latency.as_secs_f64() * 1000.0,
        "graphql request"
    );
    state.metrics.observe(operation, &outcome, latency);
    response
}

/// The first root field the request selects (of the operation it names), for the metrics label.
fn root_field(request: &async_graphql::Request) -> Option<String> {
    use async_graphql::parser::types::{DocumentOperations, Selection};
    let doc = async_graphql::parser::parse_query(&request.query).ok()?;
    let op = match (&doc.operations, &request.operation_name) {
        (DocumentOperations::Single(op), _) => op,
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name.as_str())?,
        (DocumentOperations::Multiple(ops), None) => ops.values().next()?,
    };
    op.node.selection_set.node.items.iter().find_map(|s| match &s.node {
        Selection::Field(f) => Some(f.node.name.node.to_string()),
        _ => None,
    })
}

/// The id of one HTTP request: the caller's `x-request-id` when it is
/// short printable ASCII, else a fresh one; echoed on the response and
/// carried by every log line of the request.
#[derive(Clone)]
pub struct RequestId(pub String);

async fn request_context(mut request: axum::extract::Request, next: Next) -> Response {
    let given = request.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).filter(|v| !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic()));
    let id = given.map_or_else(|| format!("{:032x}", rand::random::<u128>()), str::to_owned);
    request.extensions_mut().insert(RequestId(id.clone()));
    let span = tracing::info_span!("http", request_id = %id, method = %request.method(), path = %request.uri().path());
    let mut response = next.run(request).instrument(span).await;
    if let Ok(v) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, v);
    }
    response
}

const REQUEST_ID: &str = "x-request-id";

/// Errors raised by async-graphql itself (syntax, validation, limits,
/// argument coercion) carry no code; they are all the client's doing.
fn with_codes(mut response: async_graphql::Response) -> async_graphql::Response {
    for error in &mut response.errors {
        let ext = error.extensions.get_or_insert_with(Default::default);
        if ext.get("code").is_none() {
            ext.set("code", "BAD_USER_INPUT");
        }
    }
    response
}

async fn graphiql() -> Html<String> {
    Html(GraphiQLSource::build().endpoint("/graphql").title("social-value-hub").finish())
}

async fn readyz(State(state): State<AppState>) -> Response {
    match db::ping(&state.db).await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
        }
    }
}

async fn metrics(State(state): State<AppState>) -> Response {
    let body = state.metrics.render(&state.db, state.statements.get());
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}
