//! `/graphql/ws`: subscriptions over WebSocket in the graphql-transport-ws
//! protocol (async-graphql's implementation of it, over axum's socket).
//!
//! The token comes in the `connection_init` payload as
//! `{"Authorization": "Bearer …"}` (a browser cannot set headers on a
//! WebSocket) and is checked as `/graphql` checks its header. What this
//! module adds to async-graphql's protocol:
//! - a refused token closes with 4403 Forbidden, as the protocol asks,
//!   and so does the token's expiry, within a second of it; a socket that
//!   never sends `connection_init` closes after [`INIT_TIMEOUT`] with 4408;
//! - every document passes the same guard as over HTTP, and only
//!   subscriptions run here (queries and mutations go to `/graphql`);
//! - a subscription refused before its first change (no such council, not
//!   the caller's, too many live) is answered with an `error` message, not
//!   a `next` holding errors.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::Duration;

use async_graphql::http::{WebSocket as Protocol, WebSocketProtocols, WsMessage};
use async_graphql::parser::types::OperationType;
use async_graphql::{Data, Executor};
use axum::extract::State;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use futures::stream::BoxStream;
use futures::{SinkExt, StreamExt};

use super::trusted::TrustedDocuments;
use super::{AppState, error_response, graphql};
use crate::auth::Principal;
use crate::config::Limits;
use crate::graphql::{AppSchema, caller_data};
use crate::metrics::Metrics;

const PROTOCOL: &str = "graphql-transport-ws";

/// How long a socket may stay open without a successful `connection_init`.
pub const INIT_TIMEOUT: Duration = Duration::from_secs(10);

/// Starts a refusal's close reason, so that it can be told from async-graphql's own 1002s.
const REFUSED: &str = "\u{1}refused: ";

pub async fn upgrade(State(state): State<AppState>, headers: HeaderMap, upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>) -> Response {
    let upgrade = match upgrade {
        Ok(u) => u,
        Err(e) => {
            let message = format!("/graphql/ws takes WebSocket connections (graphql-transport-ws): {}", e.body_text());
            return error_response(e.status(), "BAD_USER_INPUT", &message);
        }
    };
    let offered =
        headers.get_all(header::SEC_WEBSOCKET_PROTOCOL).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).any(|p| p.trim() == PROTOCOL);
    if !offered {
        let message = format!("/graphql/ws speaks {PROTOCOL} only: offer it in Sec-WebSocket-Protocol");
        return error_response(StatusCode::BAD_REQUEST, "BAD_USER_INPUT", &message);
    }
    upgrade.protocols([PROTOCOL]).on_upgrade(move |socket| serve(state, socket))
}

async fn serve(state: AppState, socket: WebSocket) {
    let (mut sink, source) = socket.split();
    let input = source.take_while(|m| futures::future::ready(m.is_ok())).filter_map(|m| {
        futures::future::ready(match m {
            Ok(m @ (Message::Text(_) | Message::Binary(_))) => Some(m.into_data()),
            _ => None,
        })
    });
    let acknowledged = Arc::new(AtomicBool::new(false));
    // When the connection's token expires (seconds since 1970; 0: never).
    let expires = Arc::new(AtomicI64::new(0));
    let init = {
        let (state, acknowledged, expires) = (state.clone(), acknowledged.clone(), expires.clone());
        move |payload: serde_json::Value| async move {
            let (data, until) = connection_data(&state, &payload).await.map_err(|e| async_graphql::Error::new(format!("{REFUSED}{e}")))?;
            expires.store(until.unwrap_or(0), Ordering::SeqCst);
            acknowledged.store(true, Ordering::SeqCst);
            Ok(data)
        }
    };
    let expired = || {
        let until = expires.load(Ordering::SeqCst);
        until != 0 && chrono::Utc::now().timestamp() >= until
    };
    let executor =
        Subscriptions { schema: state.schema.clone(), limits: state.limits.clone(), documents: state.documents.clone(), metrics: state.metrics.clone() };
    let mut messages = Protocol::new(executor, input, WebSocketProtocols::GraphQLWS).on_connection_init(init);
    let deadline = tokio::time::sleep(INIT_TIMEOUT);
    tokio::pin!(deadline);
    let mut refused_ids = HashSet::new();
    loop {
        let message = tokio::select! {
            m = messages.next() => Some(m),
            () = &mut deadline, if !acknowledged.load(Ordering::SeqCst) => Some(Some(WsMessage::Close(4408, "Connection initialisation timeout".into()))),
            // An idle connection notices its token expiring within a second.
            () = tokio::time::sleep(Duration::from_secs(1)), if acknowledged.load(Ordering::SeqCst) => None,
        };
        // Nothing more goes out on an expired token: the client connects again with a new one.
        let message = match message {
            _ if expired() => Some(WsMessage::Close(4403, format!("{REFUSED}the token expired; connect again with a new one"))),
            None => continue,
            Some(m) => m,
        };
        let out = match message {
            None => break,
            Some(WsMessage::Text(text)) => match as_error(&text, &mut refused_ids) {
                Rewritten::Send(text) => Message::Text(text.into()),
                Rewritten::Drop => continue,
            },
            Some(WsMessage::Close(code, reason)) => {
                let (code, reason) = match reason.strip_prefix(REFUSED) {
                    Some(why) => (4403, format!("Forbidden: {why}")),
                    None => (code, reason),
                };
                let _ = sink.send(Message::Close(Some(CloseFrame { code, reason: close_reason(&reason).into() }))).await;
                break;
            }
        };
        if sink.send(out).await.is_err() {
            break;
        }
    }
    let _ = sink.close().await;
}

/// What the connection's subscriptions run with: the caller of the token
/// in the payload, and this replica's count of live subscriptions; and
/// when the token expires.
async fn connection_data(state: &AppState, payload: &serde_json::Value) -> Result<(Data, Option<i64>), String> {
    let authorization = ["Authorization", "authorization"].iter().find_map(|k| payload.get(k)).and_then(|v| v.as_str());
    let caller = super::caller(state, authorization).await.map_err(|e| e.to_string())?;
    super::admit(state, &caller.principal).map_err(|wait| format!("RATE_LIMITED: {}", super::over_rate(wait)))?;
    tracing::info!(subject = %caller.principal.subject, role = caller.principal.role.as_str(), "subscriptions connection");
    // Subscriptions follow the feed on the primary, right behind the writes.
    let mut data = caller_data(&state.db, &state.db, &state.reference, caller.principal, caller.scope);
    data.insert(state.subscriptions.clone());
    Ok((data, caller.expires))
}

enum Rewritten {
    Send(String),
    Drop,
}

/// A `next` with errors and no data is a subscription refused before it
/// started: the protocol's `error` message, after which no `complete` follows.
fn as_error(text: &str, refused_ids: &mut HashSet<String>) -> Rewritten {
    // Only a message that could hold errors is parsed.
    if !text.contains("\"errors\"") && !text.contains("\"complete\"") {
        return Rewritten::Send(text.to_owned());
    }
    let Ok(message) = serde_json::from_str::<serde_json::Value>(text) else { return Rewritten::Send(text.to_owned()) };
    let id = message["id"].as_str().unwrap_or_default().to_owned();
    match message["type"].as_str() {
        Some("next") if message["payload"]["data"].is_null() && message["payload"]["errors"].as_array().is_some_and(|e| !e.is_empty()) => {
            let error = serde_json::json!({ "id": id, "type": "error", "payload": message["payload"]["errors"] });
            refused_ids.insert(id);
            Rewritten::Send(error.to_string())
        }
        Some("complete") if refused_ids.remove(&id) => Rewritten::Drop,
        _ => Rewritten::Send(text.to_owned()),
    }
}

/// A WebSocket close reason holds at most 123 bytes.
fn close_reason(reason: &str) -> String {
    let mut end = reason.len().min(123);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    reason[..end].to_owned()
}

/// The schema as this socket runs it: each document the caller's to send
/// (trusted documents), checked by the HTTP guard, subscriptions only; each
/// subscription logged and counted by its first response, as an HTTP
/// operation is by its response.
#[derive(Clone)]
struct Subscriptions {
    schema: AppSchema,
    limits: Limits,
    documents: Arc<TrustedDocuments>,
    metrics: Arc<Metrics>,
}

impl Subscriptions {
    /// The root field of a subscription `principal` may start, or the response that refuses it.
    fn start(&self, request: &mut async_graphql::Request, principal: Option<&Principal>) -> Result<Option<String>, Box<async_graphql::Response>> {
        let refused = |r: async_graphql::Response| Box::new(r);
        let principal = principal.ok_or_else(|| refused(graphql::refusal("the connection has no caller")))?;
        self.documents.resolve(principal.role, request).map_err(|e| refused(graphql::app_error(e)))?;
        match graphql::check(request, &self.limits) {
            Ok((root, Some(OperationType::Subscription))) => Ok(root),
            Ok(_) => Err(refused(graphql::refusal(ONLY_SUBSCRIPTIONS))),
            Err(message) => Err(refused(graphql::refusal(message))),
        }
    }
}

impl Executor for Subscriptions {
    async fn execute(&self, _request: async_graphql::Request) -> async_graphql::Response {
        graphql::refusal(ONLY_SUBSCRIPTIONS)
    }

    fn execute_stream(&self, mut request: async_graphql::Request, data: Option<Arc<Data>>) -> BoxStream<'static, async_graphql::Response> {
        // The connection's caller, set at connection_init (no subscription runs before it).
        let principal = data.as_ref().and_then(|d| d.get(&std::any::TypeId::of::<Principal>())).and_then(|p| p.downcast_ref::<Principal>()).cloned();
        let (name, started) = (request.operation_name.clone().unwrap_or_default(), std::time::Instant::now());
        let (root, responses) = match self.start(&mut request, principal.as_ref()) {
            Ok(root) => (root, self.schema.execute_stream_with_session_data(request, data.unwrap_or_default()).map(graphql::with_codes).boxed()),
            Err(refusal) => (None, futures::stream::once(async move { *refusal }).boxed()),
        };
        let (metrics, mut first) = (self.metrics.clone(), true);
        responses
            .inspect(move |response| {
                if std::mem::take(&mut first) {
                    let (operation, outcome, latency) = (metrics.operation_label(root.as_deref()), graphql::outcome_of(response), started.elapsed());
                    let (subject, role) = principal.as_ref().map_or(("", ""), |p| (p.subject.as_str(), p.role.as_str()));
                    tracing::info!(operation = %operation, operation_name = %name, subject, role, outcome = %outcome, latency_ms = latency.as_secs_f64() * 1000.0, "graphql subscription");
                    metrics.observe(operation, &outcome, latency);
                }
            })
            .boxed()
    }
}

const ONLY_SUBSCRIPTIONS: &str = "/graphql/ws runs subscriptions; send queries and mutations to POST /graphql";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_subscription_is_an_error_message_without_a_complete() {
        let mut refused = HashSet::new();
        let next = r#"{"id":"1","type":"next","payload":{"data":null,"errors":[{"message":"no","extensions":{"code":"FORBIDDEN"}}]}}"#;
        let Rewritten::Send(error) = as_error(next, &mut refused) else { panic!("dropped") };
        let error: serde_json::Value = serde_json::from_str(&error).unwrap();
        assert_eq!(error["type"], "error");
        assert_eq!(error["payload"][0]["extensions"]["code"], "FORBIDDEN");
        assert!(matches!(as_error(r#"{"id":"1","type":"complete"}"#, &mut refused), Rewritten::Drop));
        // Another subscription's data, and its completion, pass as they are.
        let data = r#"{"id":"2","type":"next","payload":{"data":{"changes":{"data":{"errors":1}}}}}"#;
        assert!(matches!(as_error(data, &mut refused), Rewritten::Send(t) if t == data));
        assert!(matches!(as_error(r#"{"id":"2","type":"complete"}"#, &mut refused), Rewritten::Send(_)));
        assert_eq!(close_reason(&"é".repeat(100)).len(), 122);
    }
}
