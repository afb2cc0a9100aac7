//! `GET /export/*.csv` and `GET /export/audit.jsonl`: what the GraphQL
//! fields of the same names answer, with the same token and visibility, as
//! files for people (a spreadsheet, an auditor's own check). Streamed: a
//! page of rows is read while the previous one is on its way, so memory
//! stays flat whatever the export's size.

use std::collections::HashMap;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Extension, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::{AppState, Caller, RequestId, authenticate, error_response};
use crate::domain::{AsOf, DeliveryStatus, EvidenceStatus, NodeId, RecordEntity};
use crate::error::{AppError, bad_input};
use crate::service::audit;
use crate::service::export::{self, RecordExport, RecordFilter};
use crate::service::read::records::{CommitmentFilter, ContractFilter, EvidenceFilter};
use crate::service::rollup::order::{Metric, Order};
use crate::service::rollup::{Dimension, RollupFilter};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/export/contracts.csv", get(|s, r, h, q| records(s, r, h, q, Kind::Contracts)))
        .route("/export/commitments.csv", get(|s, r, h, q| records(s, r, h, q, Kind::Commitments)))
        .route("/export/evidence.csv", get(|s, r, h, q| records(s, r, h, q, Kind::Evidence)))
        .route("/export/rollup.csv", get(rollup))
        .route("/export/audit.jsonl", get(audit_log))
}

#[derive(Clone, Copy)]
enum Kind {
    Contracts,
    Commitments,
    Evidence,
}

type Params = Query<Vec<(String, String)>>;

/// Query parameters by name, each value list from repeated or
/// comma-separated parameters; a name the export does not know is bad input.
struct Filter(HashMap<String, Vec<String>>);

impl Filter {
    fn parse(params: Vec<(String, String)>, known: &[&str]) -> Result<Self, AppError> {
        let mut out: HashMap<String, Vec<String>> = HashMap::new();
        for (name, value) in params {
            if !known.contains(&name.as_str()) {
                return Err(bad_input(format!("unknown query parameter {name:?}; this export takes {}", known.join(", "))));
            }
            out.entry(name).or_default().extend(value.split(',').map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned));
        }
        Ok(Self(out))
    }

    fn strings(&self, name: &str) -> Option<Vec<String>> {
        self.0.get(name).cloned()
    }

    fn parsed<T>(&self, name: &str, parse: impl Fn(&str) -> Option<T>) -> Result<Option<Vec<T>>, AppError> {
        self.0
            .get(name)
            .map(|values| values.iter().map(|v| parse(v).ok_or_else(|| bad_input(format!("{name}: {v:?} is not a valid value")))).collect())
            .transpose()
    }

    fn years(&self) -> Result<Option<Vec<i32>>, AppError> {
        self.parsed("financialYears", |v| v.parse().ok())
    }

    fn flag(&self, name: &str) -> Result<bool, AppError> {
        Ok(self.parsed(name, |v| v.parse::<bool>().ok())?.and_then(|v| v.last().copied()).unwrap_or(false))
    }

    fn as_of(&self) -> Result<Option<AsOf>, AppError> {
        Ok(self.parsed("asOf", |v| chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").ok())?.and_then(|v| v.last().copied()).map(AsOf::of))
    }

    fn ids(&self, name: &str, entity: RecordEntity) -> Result<Option<Vec<i32>>, AppError> {
        self.parsed(name, |v| RecordEntity::parse_node_id(v).filter(|(e, _)| *e == entity).map(|(_, id)| id))
    }
}

fn upper_snake(v: &str) -> String {
    v.trim().to_uppercase()
}

fn delivery_status(v: &str) -> Option<DeliveryStatus> {
    DeliveryStatus::ALL.into_iter().find(|s| s.as_str() == upper_snake(v))
}

fn evidence_status(v: &str) -> Option<EvidenceStatus> {
    [EvidenceStatus::Submitted, EvidenceStatus::Verified, EvidenceStatus::Rejected].into_iter().find(|s| s.as_str() == upper_snake(v))
}

fn dimension(v: &str) -> Option<Dimension> {
    Some(match upper_snake(v).as_str() {
        "COUNCIL" => Dimension::Council,
        "THEME" => Dimension::Theme,
        "MEASURE" => Dimension::Measure,
        "SUPPLIER" => Dimension::Supplier,
        "CONTRACT" => Dimension::Contract,
        "FINANCIAL_YEAR" => Dimension::FinancialYear,
        "FRAMEWORK" => Dimension::Framework,
        "REPORTED_MEASURE" => Dimension::ReportedMeasure,
        _ => return None,
    })
}

fn record_filter(kind: Kind, f: &Filter) -> Result<RecordFilter, AppError> {
    Ok(match kind {
        Kind::Contracts => RecordFilter::Contracts(ContractFilter {
            council_codes: f.strings("councilCodes"),
            supplier_refs: f.strings("supplierRefs"),
            external_ids: f.strings("externalIds"),
        }),
        Kind::Commitments => RecordFilter::Commitments(CommitmentFilter {
            council_codes: f.strings("councilCodes"),
            contract_ids: f.ids("contractIds", RecordEntity::Contract)?,
            measure_codes: f.strings("measureCodes"),
            theme_codes: f.strings("themeCodes"),
            financial_years: f.years()?,
            delivery_statuses: f.parsed("deliveryStatuses", delivery_status)?,
            as_of: f.as_of()?.unwrap_or_default(),
        }),
        Kind::Evidence => RecordFilter::Evidence(EvidenceFilter {
            council_codes: f.strings("councilCodes"),
            commitment_ids: f.ids("commitmentIds", RecordEntity::Commitment)?,
            statuses: f.parsed("statuses", evidence_status)?,
            financial_years: f.years()?,
        }),
    })
}

const KNOWN: [&[&str]; 3] = [
    &["councilCodes", "supplierRefs", "externalIds"],
    &["councilCodes", "contractIds", "measureCodes", "themeCodes", "financialYears", "deliveryStatuses", "asOf"],
    &["councilCodes", "commitmentIds", "statuses", "financialYears"],
];

const ROLLUP_KNOWN: &[&str] = &[
    "councilCodes",
    "themeCodes",
    "measureCodes",
    "supplierRefs",
    "financialYears",
    "smeOnly",
    "vcseOnly",
    "frameworkCodes",
    "asOf",
    "groupBy",
    "orderBy",
    "first",
];

/// `METRIC` or `METRIC:ASC` / `METRIC:DESC` (default DESC), as `RollupOrder`.
fn order(v: &str) -> Option<Order> {
    let (metric, direction) = v.split_once(':').unwrap_or((v, "DESC"));
    let metric = match upper_snake(metric).as_str() {
        "COMMITTED_VALUE" => Metric::CommittedValue,
        "DELIVERED_VALUE" => Metric::DeliveredValue,
        "VERIFIED_VALUE" => Metric::VerifiedValue,
        "CONTRACT_VALUE" => Metric::ContractValue,
        "SHORTFALL_VALUE" => Metric::ShortfallValue,
        "COMMITMENT_COUNT" => Metric::CommitmentCount,
        "EVIDENCE_COUNT" => Metric::EvidenceCount,
        "DELIVERY_RATE" => Metric::DeliveryRate,
        _ => return None,
    };
    let descending = match upper_snake(direction).as_str() {
        "DESC" => true,
        "ASC" => false,
        _ => return None,
    };
    Some(Order { metric, descending })
}

/// The error as `/graphql` words it, with the HTTP status of its code.
fn refused(e: &AppError) -> Response {
    let status = match e.code() {
        "UNAUTHENTICATED" => StatusCode::UNAUTHORIZED,
        "FORBIDDEN" => StatusCode::FORBIDDEN,
        "BAD_USER_INPUT" => StatusCode::BAD_REQUEST,
        "NOT_FOUND" => StatusCode::NOT_FOUND,
        "CONFLICT" => StatusCode::CONFLICT,
        "RATE_LIMITED" => StatusCode::TOO_MANY_REQUESTS,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    if status == StatusCode::INTERNAL_SERVER_ERROR {
        tracing::error!(error = ?e, "export failed");
    }
    error_response(status, e.code(), &e.public_message())
}

fn csv_line(cells: &[impl AsRef<[u8]>]) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(Vec::new());
    // Writing to memory cannot fail.
    let _ = w.write_record(cells);
    w.into_inner().unwrap_or_default()
}

/// A body fed by `produce`, which sends chunks until it is done or the
/// client has gone; an error after the first byte can only cut the body short.
fn streamed<F>(content_type: &'static str, filename: &str, produce: impl FnOnce(tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>) -> F) -> Response
where
    F: Future<Output = ()> + Send + 'static,
{
    let (tx, rx) = tokio::sync::mpsc::channel(2);
    tokio::spawn(produce(tx));
    let mut rx = rx;
    // Polled again after its end (compression does), a channel keeps answering None.
    let body = Body::from_stream(futures::stream::poll_fn(move |cx| rx.poll_recv(cx)));
    ([(header::CONTENT_TYPE, content_type.to_owned()), (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\""))], body).into_response()
}

fn cut_short(e: &AppError) -> std::io::Error {
    tracing::error!(error = ?e, "export cut short");
    std::io::Error::other("the export failed part way; the file is incomplete")
}

async fn records(
    State(state): State<AppState>,
    Extension(request_id): Extension<RequestId>,
    headers: HeaderMap,
    Query(params): Params,
    kind: Kind,
) -> Response {
    let Caller { principal, scope, .. } = match authenticate(&state, &request_id, &headers).await {
        Ok(c) => c,
        Err(r) => return *r,
    };
    let db = state.reads_for(&principal, true).clone();
    let filter = match Filter::parse(params, KNOWN[kind as usize]).and_then(|f| record_filter(kind, &f)) {
        Ok(f) => f,
        Err(e) => return refused(&e),
    };
    let mut export = match RecordExport::new(&db, &scope, &filter).await {
        Ok(e) => e,
        Err(e) => return refused(&e),
    };
    let name = ["contracts.csv", "commitments.csv", "evidence.csv"][kind as usize];
    let header = csv_line(&export.header());
    streamed("text/csv; charset=utf-8", name, move |tx| async move {
        if tx.send(Ok(Bytes::from(header))).await.is_err() {
            return;
        }
        loop {
            let chunk = match export.next_page(&db).await {
                Ok(Some(rows)) => Ok(Bytes::from(rows.iter().flat_map(|r| csv_line(r)).collect::<Vec<u8>>())),
                Ok(None) => return,
                Err(e) => Err(cut_short(&e)),
            };
            let failed = chunk.is_err();
            if tx.send(chunk).await.is_err() || failed {
                return;
            }
        }
    })
}

async fn rollup(State(state): State<AppState>, Extension(request_id): Extension<RequestId>, headers: HeaderMap, Query(params): Params) -> Response {
    let Caller { principal, scope, .. } = match authenticate(&state, &request_id, &headers).await {
        Ok(c) => c,
        Err(r) => return *r,
    };
    let db = state.reads_for(&principal, true);
    let parsed = Filter::parse(params, ROLLUP_KNOWN).and_then(|f| {
        let filter = RollupFilter {
            council_codes: f.strings("councilCodes"),
            theme_codes: f.strings("themeCodes"),
            measure_codes: f.strings("measureCodes"),
            supplier_refs: f.strings("supplierRefs"),
            financial_years: f.years()?,
            sme_only: f.flag("smeOnly")?,
            vcse_only: f.flag("vcseOnly")?,
            framework_codes: f.strings("frameworkCodes"),
            as_of: f.as_of()?,
        };
        let mut dims: Vec<Dimension> = Vec::new();
        for d in f.parsed("groupBy", dimension)?.unwrap_or_default() {
            if !dims.contains(&d) {
                dims.push(d);
            }
        }
        let orders = f.parsed("orderBy", order)?.unwrap_or_default();
        let first = match f.parsed("first", |v| v.parse::<usize>().ok().filter(|n| (1..=500).contains(n)))? {
            Some(v) => v.last().copied(),
            None => None,
        };
        Ok((filter, dims, orders, first))
    });
    let (filter, dims, orders, first) = match parsed {
        Ok(p) => p,
        Err(e) => return refused(&e),
    };
    // A rollup is a few thousand groups at most: read whole, then sent.
    let rows = match export::rollup_rows(db, &scope, &filter, &dims, &orders, first).await {
        Ok(rows) => rows,
        Err(e) => return refused(&e),
    };
    let mut body = csv_line(&export::rollup_header(&dims));
    for row in &rows {
        body.extend(csv_line(row));
    }
    ([(header::CONTENT_TYPE, "text/csv; charset=utf-8"), (header::CONTENT_DISPOSITION, "attachment; filename=\"rollup.csv\"")], body).into_response()
}

async fn audit_log(State(state): State<AppState>, Extension(request_id): Extension<RequestId>, headers: HeaderMap, Query(params): Params) -> Response {
    let Caller { principal, .. } = match authenticate(&state, &request_id, &headers).await {
        Ok(c) => c,
        Err(r) => return *r,
    };
    if let Err(e) = Filter::parse(params, &[]).and_then(|_| principal.ensure_can_verify_audit_chain()) {
        return refused(&e);
    }
    let db = state.reads_for(&principal, true).clone();
    streamed("application/jsonl; charset=utf-8", "audit.jsonl", move |tx| async move {
        let mut after = 0;
        loop {
            let chunk = match audit::export_page(&db, after).await {
                Ok(lines) if lines.is_empty() => return,
                Ok(lines) => {
                    after = lines.last().map_or(after, |l| l.seq);
                    let mut out = Vec::new();
                    for line in &lines {
                        // Serialising our own struct cannot fail.
                        out.extend(serde_json::to_vec(line).unwrap_or_default());
                        out.push(b'\n');
                    }
                    Ok(Bytes::from(out))
                }
                Err(e) => Err(cut_short(&e)),
            };
            let failed = chunk.is_err();
            if tx.send(chunk).await.is_err() || failed {
                return;
            }
        }
    })
}
