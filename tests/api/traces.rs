//! Traces: a caller's W3C `traceparent` continues into the request, whose
//! spans (the request, its GraphQL operation, the service steps, the SQL
//! statements) a server process with `OTEL_EXPORTER_OTLP_ENDPOINT` exports
//! over OTLP/HTTP to a receiver of that protocol started here (decoding
//! the protobuf with the OpenTelemetry project's own message types); and
//! every log line of the request carries the trace id.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{KeyValue, any_value};
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message;
use serde_json::{Value, json};

use crate::helpers::*;

/// What the receiver was sent: each span with its resource's attributes.
type Received = Arc<Mutex<Vec<(HashMap<String, String>, Span)>>>;

/// An OTLP/HTTP trace receiver on an ephemeral port (`POST /v1/traces`, protobuf).
async fn receiver() -> (std::net::SocketAddr, Received) {
    let received: Received = Arc::default();
    let kept = received.clone();
    let app = axum::Router::new().route(
        "/v1/traces",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
            let kept = kept.clone();
            async move {
                assert_eq!(headers["content-type"], "application/x-protobuf");
                let request = ExportTraceServiceRequest::decode(body).expect("an OTLP trace export");
                for resource_spans in request.resource_spans {
                    let resource = attributes(&resource_spans.resource.map(|r| r.attributes).unwrap_or_default());
                    for scope in resource_spans.scope_spans {
                        kept.lock().unwrap().extend(scope.spans.into_iter().map(|s| (resource.clone(), s)));
                    }
                }
                // An empty ExportTraceServiceResponse.
                ([("content-type", "application/x-protobuf")], Vec::<u8>::new())
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, received)
}

fn attributes(kv: &[KeyValue]) -> HashMap<String, String> {
    kv.iter()
        .map(|a| {
            let v = match a.value.as_ref().and_then(|v| v.value.as_ref()) {
                Some(any_value::Value::StringValue(s)) => s.clone(),
                Some(any_value::Value::IntValue(i)) => i.to_string(),
                Some(any_value::Value::BoolValue(b)) => b.to_string(),
                other => format!("{other:?}"),
            };
            (a.key.clone(), v)
        })
        .collect()
}

/// The spans of one trace, once its SQL statements have arrived (or after 20 s).
async fn trace(received: &Received, trace_id: &[u8]) -> Vec<(HashMap<String, String>, Span)> {
    for _ in 0..200 {
        let spans: Vec<_> = received.lock().unwrap().iter().filter(|(_, s)| s.trace_id == trace_id).cloned().collect();
        if spans.iter().any(|(_, s)| attributes(&s.attributes).contains_key("db.query.text"))
            && spans.iter().any(|(_, s)| s.parent_span_id.len() == 8 && s.name.starts_with("POST"))
        {
            // Let the rest of the batch land.
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            return received.lock().unwrap().iter().filter(|(_, s)| s.trace_id == trace_id).cloned().collect();
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no trace {} arrived; the receiver has {} spans", hex::encode(trace_id), received.lock().unwrap().len());
}

/// Whether `span` descends from `ancestor` within `spans`.
fn descends(spans: &[(HashMap<String, String>, Span)], span: &Span, ancestor: &Span) -> bool {
    let mut parent = span.parent_span_id.clone();
    while !parent.is_empty() {
        if parent == ancestor.span_id {
            return true;
        }
        parent = spans.iter().find(|(_, s)| s.span_id == parent).map(|(_, s)| s.parent_span_id.clone()).unwrap_or_default();
    }
    false
}

#[tokio::test]
async fn a_callers_trace_continues_through_the_request_its_operation_service_steps_and_sql_exported_over_otlp() {
    for backend in backends() {
        let system = if matches!(backend, Backend::Sqlite) { "sqlite" } else { "postgresql" };
        let app = TestApp::spawn(backend).await;
        app.load_fixture("tiny").await;
        let (otlp, received) = receiver().await;
        let server = ServerProcess::start(&[
            ("SVH_DATABASE_URL", app.database_url.as_str()),
            ("SVH_LOG_FORMAT", "json"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &format!("http://{otlp}")),
            ("OTEL_SERVICE_NAME", "svh-traces-test"),
            ("OTEL_BSP_SCHEDULE_DELAY", "100"),
        ])
        .await;
        let (trace_id, parent) = (format!("{:032x}", rand::random::<u128>()), format!("{:016x}", rand::random::<u64>()));
        let query = "query LivFeed($c: String!) { changes(councilCode: $c, first: 5) { endCursor changes { cursor } } }";
        let response = reqwest::Client::new()
            .post(format!("http://{}/graphql", server.addr))
            .bearer_auth(token("council_viewer", &["LIV"]))
            .header("traceparent", format!("00-{trace_id}-{parent}-01"))
            .json(&json!({ "query": query, "operationName": "LivFeed", "variables": {"c": "LIV"} }))
            .send()
            .await
            .unwrap();
        let body: Value = response.json().await.unwrap();
        assert!(body["errors"].is_null(), "{body}");

        let spans = trace(&received, &hex::decode(&trace_id).unwrap()).await;
        let named = |name: &str| {
            spans
                .iter()
                .find(|(_, s)| s.name == name)
                .map(|(_, s)| s.clone())
                .unwrap_or_else(|| panic!("no span {name}: {:?}", spans.iter().map(|(_, s)| &s.name).collect::<Vec<_>>()))
        };
        assert!(spans.iter().all(|(resource, _)| resource["service.name"] == "svh-traces-test"));

        // The request continues the caller's span, as a server span.
        let request = named("POST /graphql");
        assert_eq!(hex::encode(&request.parent_span_id), parent);
        assert_eq!(request.kind, opentelemetry_proto::tonic::trace::v1::span::SpanKind::Server as i32);
        let attrs = attributes(&request.attributes);
        assert_eq!((attrs["http.request.method"].as_str(), attrs["http.response.status_code"].as_str()), ("POST", "200"), "{attrs:?}");

        // The operation, named after it, with the graphql.* attributes.
        let operation = named("query LivFeed");
        assert_eq!(operation.parent_span_id, request.span_id);
        let attrs = attributes(&operation.attributes);
        assert_eq!((attrs["graphql.operation.type"].as_str(), attrs["graphql.operation.name"].as_str()), ("query", "LivFeed"), "{attrs:?}");
        assert!(attrs["graphql.document"].contains("changes(councilCode: $c"), "{attrs:?}");

        // The service step and its SQL statements beneath the operation.
        let step = named("changes");
        assert!(descends(&spans, &step, &operation));
        let statements: Vec<_> = spans.iter().filter(|(_, s)| attributes(&s.attributes).contains_key("db.query.text")).map(|(_, s)| s.clone()).collect();
        assert!(statements.iter().any(|s| attributes(&s.attributes)["db.query.text"].contains("change_log")), "the feed's statement");
        for s in &statements {
            assert_eq!(attributes(&s.attributes)["db.system.name"], system);
            assert!(descends(&spans, s, &step) || descends(&spans, s, &operation), "{} is beneath the operation", s.name);
        }

        // Every log line of the request names its trace, and a request without a traceparent gets a trace of its own.
        let (_, fresh) = app.served_at(server.addr).gql(Some(&token("dashboard", &[])), "{ viewer { role } }", json!({})).await;
        assert!(fresh["errors"].is_null(), "{fresh}");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        let lines: Vec<Value> = server.stdout().lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
        let trace_of = |line: &Value| line["spans"].as_array().and_then(|s| s.iter().find_map(|s| s["trace_id"].as_str().map(str::to_owned)));
        let ours: Vec<&Value> = lines.iter().filter(|l| trace_of(l).as_deref() == Some(trace_id.as_str())).collect();
        assert!(ours.iter().any(|l| l["fields"]["message"] == "graphql request" && l["fields"]["operation_name"] == "LivFeed"), "{ours:?}");
        let other =
            lines.iter().find(|l| l["fields"]["message"] == "graphql request" && l["fields"]["role"] == "dashboard").expect("the second request's line");
        let other = trace_of(other).expect("a trace id");
        assert!(other.len() == 32 && other != trace_id && other.bytes().all(|b| b.is_ascii_hexdigit()), "{other}");
    }
}
