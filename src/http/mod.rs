//! The HTTP surface: `POST /graphql` (JSON only, bearer token required),
//! `GET /graphql` (GraphiQL), `/healthz`, `/readyz` and `/metrics`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_graphql::http::GraphiQLSource;
use async_graphql::{BatchRequest, BatchResponse};
use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use sea_orm::DatabaseConnection;
use serde_json::json;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;

use crate::auth::TokenVerifier;
use crate::config::Limits;
use crate::graphql::{AppSchema, request_data};
use crate::service::db::{self, StatementCounter};

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub schema: AppSchema,
    pub verifier: Arc<TokenVerifier>,
    pub statements: Arc<StatementCounter>,
    pub requests: Arc<AtomicU64>,
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
        .layer(TraceLayer::new_for_http())
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

async fn graphql(State(state): State<AppState>, headers: HeaderMap, body: Result<Json<async_graphql::BatchRequest>, JsonRejection>) -> Response {
    state.requests.fetch_add(1, Ordering::Relaxed);
    let authorization = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    let principal = match state.verifier.principal(authorization) {
        Ok(p) => p,
        Err(e) => return error_response(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", &e.to_string()),
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
        BatchRequest::Single(request) => BatchResponse::Single(with_codes(state.schema.execute(request_data(request, &state.db, principal)).await)),
        BatchRequest::Batch(requests) => {
            let max = state.limits.max_batch_operations;
            if requests.len() > max {
                let message = format!("a batch holds at most {max} operations (SVH_MAX_BATCH_OPERATIONS); this one has {}", requests.len());
                return error_response(StatusCode::BAD_REQUEST, "BAD_USER_INPUT", &message);
            }
            // One after another, each with its own loaders: a batch costs what its operations cost.
            let mut responses = Vec::with_capacity(requests.len());
            for request in requests {
                responses.push(with_codes(state.schema.execute(request_data(request, &state.db, principal.clone())).await));
            }
            BatchResponse::Batch(responses)
        }
    };
    Json(response).into_response()
}

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
    let body = format!(
        "# HELP svh_graphql_requests_total GraphQL requests received.\n\
         # TYPE svh_graphql_requests_total counter\n\
         svh_graphql_requests_total {}\n\
         # HELP svh_db_statements_total SQL statements executed.\n\
         # TYPE svh_db_statements_total counter\n\
         svh_db_statements_total {}\n",
        state.requests.load(Ordering::Relaxed),
        state.statements.get()
    );
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}
