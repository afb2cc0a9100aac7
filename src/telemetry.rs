//! Logs and traces. Log lines go to stdout (text or JSON); with the
//! standard `OTEL_EXPORTER_OTLP_ENDPOINT` (or `…_TRACES_ENDPOINT`) set, spans
//! are also exported over OTLP/HTTP, as protobuf or, with
//! `OTEL_EXPORTER_OTLP_PROTOCOL=http/json`, JSON; `OTEL_SERVICE_NAME` names
//! the service (default `social-value-hub`), and the exporter reads the
//! other `OTEL_EXPORTER_OTLP_*` variables itself (headers, timeout).
//!
//! What is exported: each request (`http::request_context`, continuing the
//! caller's W3C `traceparent`), its GraphQL operation (`http::graphql`),
//! the service steps (`#[tracing::instrument]` on service functions) and
//! every SQL statement (sea-orm's driver spans, which `service::db` gives
//! the statement's text). Statement spans are TRACE in sea-orm, so they are
//! enabled for the exporter alone, never for the log.

use std::time::Duration;

use anyhow::Context as _;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{WithExportConfig as _, WithHttpConfig as _};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::{EnvFilter, Layer as _};

use crate::config::LogFormat;

/// Whether spans are exported: what only the exporter reads (a statement's
/// text, a document) is given to a span only then.
static EXPORTING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

pub fn exporting() -> bool {
    EXPORTING.load(std::sync::atomic::Ordering::Relaxed)
}

/// Keeps the exporter until the process ends; [`Telemetry::shutdown`] sends what is left.
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Telemetry {
    /// Exports the spans still queued (the SDK's thread blocks until it has).
    pub async fn shutdown(self) {
        if let Some(provider) = self.provider {
            let done = tokio::task::spawn_blocking(move || provider.shutdown()).await;
            if let Ok(Err(e)) = done {
                eprintln!("traces: the last spans were not exported: {e}");
            }
        }
    }
}

/// Installs the process's subscriber: the log on stdout, as `format` says
/// and RUST_LOG filters (default `info`), and the OTLP exporter when configured.
pub fn init(format: LogFormat) -> anyhow::Result<Telemetry> {
    use std::io::IsTerminal;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let log = match format {
        LogFormat::Text => tracing_subscriber::fmt::layer().with_ansi(std::io::stdout().is_terminal()).boxed(),
        // Each line carries the spans it is in, the request's (with its trace_id) among them.
        LogFormat::Json => tracing_subscriber::fmt::layer().json().with_current_span(true).with_span_list(true).with_ansi(false).boxed(),
    };
    let provider = provider_from_env()?;
    let traces = provider.as_ref().map(|p| {
        let spans = Targets::new()
            .with_default(LevelFilter::INFO)
            .with_target("sea_orm::driver", LevelFilter::TRACE)
            .with_target("sea_orm::database::transaction", LevelFilter::TRACE);
        tracing_opentelemetry::layer().with_tracer(p.tracer("social-value-hub")).with_filter(spans)
    });
    tracing_subscriber::registry().with(log.with_filter(filter)).with(traces).try_init().context("installing the log")?;
    EXPORTING.store(provider.is_some(), std::sync::atomic::Ordering::Relaxed);
    Ok(Telemetry { provider })
}

/// The OTLP exporter the standard variables ask for, if any.
fn provider_from_env() -> anyhow::Result<Option<SdkTracerProvider>> {
    let set = |k: &str| std::env::var(k).is_ok_and(|v| !v.trim().is_empty());
    if !set("OTEL_EXPORTER_OTLP_ENDPOINT") && !set("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") {
        return Ok(None);
    }
    let mut exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_http_client(OtlpClient { client: reqwest::Client::new(), runtime: tokio::runtime::Handle::current() })
        .with_timeout(Duration::from_secs(10));
    // The specification's default, which the crate, built with JSON too, would not choose by itself.
    if !set("OTEL_EXPORTER_OTLP_PROTOCOL") && !set("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") {
        exporter = exporter.with_protocol(opentelemetry_otlp::Protocol::HttpBinary);
    }
    let exporter = exporter.build().context("OTEL_EXPORTER_OTLP_*: the OTLP/HTTP exporter (protocols http/protobuf and http/json)")?;
    let name = std::env::var("OTEL_SERVICE_NAME").ok().filter(|n| !n.trim().is_empty()).unwrap_or_else(|| "social-value-hub".into());
    let resource = Resource::builder().with_service_name(name).build();
    Ok(Some(SdkTracerProvider::builder().with_batch_exporter(exporter).with_resource(resource).build()))
}

/// The exporter's HTTP client: the service's own reqwest (its TLS), run on
/// the service's runtime, since the SDK exports from a thread of its own.
#[derive(Debug)]
struct OtlpClient {
    client: reqwest::Client,
    runtime: tokio::runtime::Handle,
}

#[async_trait::async_trait]
impl opentelemetry_http::HttpClient for OtlpClient {
    async fn send_bytes(&self, request: http::Request<bytes::Bytes>) -> Result<http::Response<bytes::Bytes>, opentelemetry_http::HttpError> {
        let (client, request) = (self.client.clone(), reqwest::Request::try_from(request)?);
        let (status, headers, body) = self
            .runtime
            .spawn(async move {
                let response = client.execute(request).await?;
                let (status, headers) = (response.status(), response.headers().clone());
                Ok::<_, reqwest::Error>((status, headers, response.bytes().await?))
            })
            .await??;
        let mut response = http::Response::builder().status(status).body(body)?;
        *response.headers_mut() = headers;
        Ok(response)
    }
}

/// The W3C trace context of a request's headers (`traceparent`), if valid.
pub fn parent_of(headers: &http::HeaderMap) -> opentelemetry::Context {
    use opentelemetry::propagation::TextMapPropagator as _;
    opentelemetry_sdk::propagation::TraceContextPropagator::new().extract(&opentelemetry_http::HeaderExtractor(headers))
}

/// Makes `span` a child of `parent` and returns its trace id: the
/// exported span's, or, when nothing is exported, the caller's, else a new one.
pub fn continue_trace(span: &tracing::Span, parent: opentelemetry::Context) -> String {
    use opentelemetry::trace::{TraceContextExt as _, TraceId};
    use tracing_opentelemetry::OpenTelemetrySpanExt as _;
    let given = parent.span().span_context().trace_id();
    let _ = span.set_parent(parent);
    let exported = span.context().span().span_context().trace_id();
    let id = [exported, given].into_iter().find(|t| *t != TraceId::INVALID).unwrap_or_else(|| TraceId::from_bytes(rand::random::<u128>().to_be_bytes()));
    id.to_string()
}
