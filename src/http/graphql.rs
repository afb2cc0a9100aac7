//! `/graphql` as GraphQL over HTTP: `POST` with a JSON body (one operation
//! or a batch), `GET` for queries (never mutations), GraphiQL for a browser,
//! and the response media type the client asks for. With
//! `application/graphql-response+json` a request that never reached
//! execution (it did not parse or validate) is HTTP 400; with plain
//! `application/json` every GraphQL response is 200, as v1 clients expect.

use std::time::Instant;

use async_graphql::parser::types::{DocumentOperations, OperationType, Selection};
use async_graphql::{BatchResponse, ServerError, Variables};
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Extension, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tracing::Instrument as _;

use super::{AppState, RequestId, error_response, graphiql};
use crate::auth::Principal;
use crate::graphql::{guard, request_data};

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

/// The response media type, from the request's `Accept`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum MediaType {
    Json,
    GraphqlResponse,
}

impl MediaType {
    /// `application/graphql-response+json` when the client lists it at
    /// least as high as `application/json`; otherwise JSON.
    fn negotiate(headers: &HeaderMap) -> Self {
        let (graphql, json) = (quality(accept(headers), GRAPHQL_RESPONSE), quality(accept(headers), "application/json"));
        match graphql {
            Some(q) if q > 0.0 && q >= json.unwrap_or(0.0) => Self::GraphqlResponse,
            _ => Self::Json,
        }
    }

    fn header(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            Self::Json => "application/json",
            Self::GraphqlResponse => GRAPHQL_RESPONSE,
        })
    }
}

/// The `q` an `Accept` header gives `media` by name (1 when unstated), if it names it.
fn quality(accept: &str, media: &str) -> Option<f32> {
    accept.split(',').find_map(|item| {
        let mut parts = item.split(';').map(str::trim);
        (parts.next()?.eq_ignore_ascii_case(media)).then(|| parts.find_map(|p| p.strip_prefix("q=").and_then(|q| q.parse().ok())).unwrap_or(1.0))
    })
}

fn accept(headers: &HeaderMap) -> &str {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("")
}

/// A browser asking for a page (it lists `text/html`), not a JSON client.
fn wants_html(headers: &HeaderMap) -> bool {
    quality(accept(headers), "text/html").is_some_and(|q| q > 0.0)
}

/// A client that names a JSON response type.
fn names_json(headers: &HeaderMap) -> bool {
    [GRAPHQL_RESPONSE, "application/json"].iter().any(|m| quality(accept(headers), m).is_some_and(|q| q > 0.0))
}

/// A POST body: one request, or a batch of them. (async-graphql's own
/// `BatchRequest` tries a single request first, and serde reads an empty
/// array as a request with every field missing.)
#[derive(Deserialize)]
#[serde(untagged)]
pub enum Body {
    Batch(Vec<async_graphql::Request>),
    Single(Box<async_graphql::Request>),
}

pub async fn post(
    State(state): State<AppState>,
    Extension(request_id): Extension<RequestId>,
    headers: HeaderMap,
    body: Result<axum::Json<Body>, JsonRejection>,
) -> Response {
    let media = MediaType::negotiate(&headers);
    let caller = match super::authenticate(&state, &request_id, &headers).await {
        Ok(p) => p,
        Err(refused) => return *refused,
    };
    let batch = match body {
        Ok(axum::Json(r)) => r,
        Err(rejection) => {
            let message = format!("expected a GraphQL request (a JSON object) or a batch of them (an array): {}", rejection.body_text());
            let status = match rejection.status() {
                StatusCode::UNPROCESSABLE_ENTITY => StatusCode::BAD_REQUEST,
                other => other,
            };
            return error_response(status, "BAD_USER_INPUT", &message);
        }
    };
    match batch {
        Body::Single(request) => {
            let outcome = execute(&state, &request_id, &caller, *request, Method::POST).await;
            respond(media, outcome)
        }
        Body::Batch(requests) => {
            let max = state.limits.max_batch_operations;
            if requests.is_empty() {
                return error_response(StatusCode::BAD_REQUEST, "BAD_USER_INPUT", "the batch is empty: send one request object, or an array of 1 or more");
            }
            if requests.len() > max {
                let message = format!("a batch holds at most {max} operations (SVH_MAX_BATCH_OPERATIONS); this one has {}", requests.len());
                return error_response(StatusCode::BAD_REQUEST, "BAD_USER_INPUT", &message);
            }
            // One after another, each with its own loaders: a batch costs what its operations cost.
            let mut responses = Vec::with_capacity(requests.len());
            for request in requests {
                responses.push(execute(&state, &request_id, &caller, request, Method::POST).await.response);
            }
            let mut r = axum::Json(BatchResponse::Batch(responses)).into_response();
            r.headers_mut().insert(header::CONTENT_TYPE, media.header());
            r
        }
    }
}

/// The parameters of `GET /graphql?query=…`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetParams {
    query: Option<String>,
    operation_name: Option<String>,
    /// JSON-encoded.
    variables: Option<String>,
    /// JSON-encoded.
    extensions: Option<String>,
}

pub async fn get(
    State(state): State<AppState>,
    Extension(request_id): Extension<RequestId>,
    headers: HeaderMap,
    params: Result<Query<GetParams>, QueryRejection>,
) -> Response {
    let params = params.map(|Query(p)| p).map_err(|e| e.body_text());
    let no_query = params.as_ref().is_ok_and(|p| p.query.is_none() && p.extensions.is_none());
    // A browser gets the page; so does a bare GET that names no JSON type
    // and sends no query (v1 served GraphiQL to every GET).
    if state.limits.graphiql && (wants_html(&headers) || (no_query && !names_json(&headers))) {
        return graphiql::page();
    }
    let media = MediaType::negotiate(&headers);
    let caller = match super::authenticate(&state, &request_id, &headers).await {
        Ok(p) => p,
        Err(refused) => return *refused,
    };
    let request = match params.and_then(get_request) {
        Ok(r) => r,
        Err(message) => return error_response(StatusCode::BAD_REQUEST, "BAD_USER_INPUT", &message),
    };
    respond(media, execute(&state, &request_id, &caller, request, Method::GET).await)
}

fn get_request(p: GetParams) -> Result<async_graphql::Request, String> {
    if p.query.is_none() && !p.extensions.as_deref().is_some_and(|x| x.contains("persistedQuery")) {
        return Err("GET /graphql needs a `query` parameter (or `Accept: text/html` for GraphiQL)".into());
    }
    // A persisted query may come by hash alone (extensions.persistedQuery).
    let mut request = async_graphql::Request::new(p.query.unwrap_or_default());
    if let Some(name) = p.operation_name {
        request = request.operation_name(name);
    }
    if let Some(text) = p.variables {
        let json: serde_json::Value = serde_json::from_str(&text).map_err(|e| format!("`variables` is not JSON: {e}"))?;
        request = request.variables(Variables::from_json(json));
    }
    if let Some(text) = p.extensions {
        let json: std::collections::HashMap<String, serde_json::Value> =
            serde_json::from_str(&text).map_err(|e| format!("`extensions` is not a JSON object: {e}"))?;
        for (k, v) in json {
            let v = async_graphql::Value::from_json(v).map_err(|e| format!("`extensions`: {e}"))?;
            request.extensions.insert(k, v);
        }
    }
    Ok(request)
}

/// A GraphQL response and the HTTP status it must have, if not the usual one.
struct Outcome {
    response: async_graphql::Response,
    status: Option<StatusCode>,
}

impl From<async_graphql::Response> for Outcome {
    fn from(response: async_graphql::Response) -> Self {
        Self { response, status: None }
    }
}

fn refused(message: impl Into<String>) -> Outcome {
    refusal(message).into()
}

/// A request refused before execution with a service error's code.
pub(super) fn app_error(e: crate::error::AppError) -> async_graphql::Response {
    async_graphql::Response::from_errors(vec![async_graphql::Error::from(e).into_server_error(Default::default())])
}

/// A request refused before execution, as BAD_USER_INPUT.
pub(super) fn refusal(message: impl Into<String>) -> async_graphql::Response {
    with_codes(async_graphql::Response::from_errors(vec![ServerError::new(message, None)]))
}

fn respond(media: MediaType, outcome: Outcome) -> Response {
    let Outcome { response, status } = outcome;
    // Parsing and validation errors come before execution: no data, no path.
    let request_error = response.data == async_graphql::Value::Null && !response.errors.is_empty() && response.errors.iter().all(|e| e.path.is_empty());
    let status = status.unwrap_or(if media == MediaType::GraphqlResponse && request_error { StatusCode::BAD_REQUEST } else { StatusCode::OK });
    let mut r = (status, axum::Json(response)).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, media.header());
    if status == StatusCode::METHOD_NOT_ALLOWED {
        r.headers_mut().insert(header::ALLOW, HeaderValue::from_static("POST"));
    }
    r
}

/// Bounds the document in tokens, parses it once and checks it with
/// [`guard`]; returns its first root field and its operation type, and
/// leaves the parsed document in `request` for async-graphql to execute
/// instead of parsing the text again.
pub(super) fn check(request: &mut async_graphql::Request, limits: &crate::config::Limits) -> Result<(Option<String>, Option<OperationType>), String> {
    if request.query.trim().is_empty() {
        return Err("the request has no GraphQL document: send it as \"query\"".to_owned());
    }
    guard::check_tokens(&request.query, limits.max_query_tokens)?;
    let doc = async_graphql::parser::parse_query(&request.query).map_err(|e| e.to_string())?;
    guard::check_document(&doc, &request.variables, limits)?;
    let op = match (&doc.operations, &request.operation_name) {
        (DocumentOperations::Single(op), _) => Some(op),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name.as_str()),
        (DocumentOperations::Multiple(ops), None) => ops.values().next(),
    };
    let root = op.and_then(|op| {
        op.node.selection_set.node.items.iter().find_map(|s| match &s.node {
            Selection::Field(f) => Some(f.node.name.node.to_string()),
            _ => None,
        })
    });
    let ty = op.map(|op| op.node.ty);
    request.set_parsed_query(doc);
    Ok((root, ty))
}

/// Runs one operation for `principal`; logs it and counts it by root field
/// and outcome. The document is bounded in tokens before it is parsed,
/// parsed once, and checked by [`guard`] before async-graphql validates it.
async fn execute(state: &AppState, request_id: &RequestId, caller: &super::Caller, mut request: async_graphql::Request, method: Method) -> Outcome {
    let principal = &caller.principal;
    let started = Instant::now();
    let limits = &state.limits;
    let name = request.operation_name.clone().unwrap_or_default();
    if let Err(e) = state.documents.resolve(principal.role, &mut request) {
        return log(state, request_id, principal, &name, None, app_error(e), started).into();
    }
    let checked = check(&mut request, limits);
    let (root, ty) = match checked {
        Ok(found) => found,
        Err(message) => return log(state, request_id, principal, &name, None, refused(message).response, started).into(),
    };
    if method == Method::GET && ty != Some(OperationType::Query) {
        let response = refused("GET runs queries only: send mutations with POST").response;
        return Outcome { response: log(state, request_id, principal, &name, root, response, started), status: Some(StatusCode::METHOD_NOT_ALLOWED) };
    }
    if ty == Some(OperationType::Subscription) {
        let response = refused("subscriptions are served over WebSocket at /graphql/ws (graphql-transport-ws)").response;
        return log(state, request_id, principal, &name, root, response, started).into();
    }
    let span = operation_span(ty, &name, &request.query);
    let reads = state.reads_for(principal, ty == Some(OperationType::Query));
    let prepared = request_data(request, &state.db, reads, &state.reference, principal.clone(), caller.scope.clone()).data(state.metrics.clone());
    let response = with_codes(state.schema.execute(prepared).instrument(span).await);
    log(state, request_id, principal, &name, root, response, started).into()
}

/// The span of one GraphQL operation, named `{type} {name}` as OpenTelemetry's
/// GraphQL conventions name it; the exporter also gets the document.
fn operation_span(ty: Option<OperationType>, name: &str, document: &str) -> tracing::Span {
    let ty = match ty {
        Some(OperationType::Query) => "query",
        Some(OperationType::Mutation) => "mutation",
        Some(OperationType::Subscription) => "subscription",
        None => "",
    };
    let title = if name.is_empty() { ty.to_owned() } else { format!("{ty} {name}") };
    let span = tracing::info_span!("graphql", otel.name = %title, graphql.operation.type = ty, graphql.operation.name = name);
    if crate::telemetry::exporting() {
        use tracing_opentelemetry::OpenTelemetrySpanExt as _;
        span.set_attribute("graphql.document", document.to_owned());
    }
    span
}

fn log(
    state: &AppState,
    request_id: &RequestId,
    principal: &Principal,
    operation_name: &str,
    root: Option<String>,
    response: async_graphql::Response,
    started: Instant,
) -> async_graphql::Response {
    let operation = state.metrics.operation_label(root.as_deref());
    let outcome = outcome_of(&response);
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

/// `ok`, or the code of a response's first error: what the log and the metrics count.
pub(super) fn outcome_of(response: &async_graphql::Response) -> String {
    let code = response.errors.first().and_then(|e| e.extensions.as_ref()).and_then(|x| x.get("code"));
    code.map_or_else(|| "ok".to_owned(), |c| c.to_string().trim_matches('"').to_owned())
}

/// Errors raised by async-graphql itself (syntax, validation, limits,
/// argument coercion) carry no code; they are all the client's doing.
pub(super) fn with_codes(mut response: async_graphql::Response) -> async_graphql::Response {
    for error in &mut response.errors {
        let ext = error.extensions.get_or_insert_with(Default::default);
        if ext.get("code").is_none() {
            ext.set("code", "BAD_USER_INPUT");
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::quality;

    #[test]
    fn accept_qualities_are_read_by_media_type() {
        let accept = "application/graphql-response+json;q=0.9, application/json; q=0.5, */*;q=0.1";
        assert_eq!(quality(accept, "application/graphql-response+json"), Some(0.9));
        assert_eq!(quality(accept, "application/json"), Some(0.5));
        assert_eq!(quality(accept, "text/html"), None);
        assert_eq!(quality("text/html,application/xhtml+xml", "text/html"), Some(1.0));
    }
}
