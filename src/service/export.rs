//! Exports: the records a caller may read as rows of the dataset's CSV
//! files (DATASET.md), a page at a time so that memory does not grow with
//! the export, and the reference data as the dataset's reference files.
//! `GET /export/*.csv` and `social-value-hub export DIR` both read here.

use std::collections::{BTreeSet, HashMap};

use entity::{commitment, contract, evidence};
use sea_orm::{ConnectionTrait, Select};

use super::read::page;
use super::read::records::{self, CommitmentFilter, ContractFilter, EvidenceFilter, batch};
use super::read::reference;
use super::rollup::order::Order;
use super::rollup::{self, Dimension, Figures, GroupKey, RollupFilter};
use super::scope::ReadScope;
use crate::dataset::format::{self, FileSpec};
use crate::dataset::{
    CommitmentRow, ContractRow, CouncilRow, Dataset, EvidenceRow, FrameworkRow, MappingRow, MeasureRow, ProxyRow, SupplierRow, ThemeRow, Version,
};
use crate::domain::{Factor, Money, NodeId, Percent, Quantity, RecordEntity};
use crate::error::{AppResult, internal};

/// Rows per page: a few hundred kilobytes of CSV at a time.
const PAGE: u64 = 1_000;

/// Codes of the reference tables by id, read once per export.
pub struct Codes {
    councils: HashMap<i32, String>,
    frameworks: HashMap<i32, String>,
    measures: HashMap<i32, String>,
}

impl Codes {
    pub async fn read(db: &impl ConnectionTrait) -> AppResult<Self> {
        Ok(Self {
            councils: reference::councils(db).await?.into_iter().map(|c| (c.id, c.code)).collect(),
            frameworks: reference::frameworks(db).await?.into_iter().map(|f| (f.id, f.code)).collect(),
            measures: reference::measures_with_mappings(db).await?.into_iter().map(|(m, _)| (m.id, m.code)).collect(),
        })
    }

    fn of(map: &HashMap<i32, String>, id: i32) -> AppResult<&str> {
        map.get(&id).map(String::as_str).ok_or_else(|| internal(format!("dangling reference {id}")))
    }

    pub fn council(&self, id: i32) -> AppResult<&str> {
        Self::of(&self.councils, id)
    }

    pub fn framework(&self, id: i32) -> AppResult<&str> {
        Self::of(&self.frameworks, id)
    }

    pub fn measure(&self, id: i32) -> AppResult<&str> {
        Self::of(&self.measures, id)
    }
}

/// Which records, filtered as the GraphQL field of the same name filters them.
#[derive(Debug, Clone)]
pub enum RecordFilter {
    Contracts(ContractFilter),
    Commitments(CommitmentFilter),
    Evidence(EvidenceFilter),
}

enum Query {
    Contracts(Select<contract::Entity>),
    Commitments(Select<commitment::Entity>),
    Evidence(Select<evidence::Entity>),
}

/// One export of records, read page by page in id order.
pub struct RecordExport {
    query: Query,
    scope: ReadScope,
    codes: Codes,
    after: Option<i64>,
    done: bool,
}

fn quantity(centi: i64) -> String {
    Quantity::from_scaled(centi).to_string()
}

fn lower(status: entity::EvidenceStatus) -> String {
    status.as_str().to_lowercase()
}

impl RecordExport {
    /// Checks the filter as the GraphQL field does (a council the caller may
    /// not read is FORBIDDEN) before anything is sent.
    pub async fn new(db: &impl ConnectionTrait, scope: &ReadScope, filter: &RecordFilter) -> AppResult<Self> {
        let query = match filter {
            RecordFilter::Contracts(f) => Query::Contracts(records::contracts_select(scope, f)?),
            RecordFilter::Commitments(f) => Query::Commitments(records::commitments_select(db, scope, f).await?),
            RecordFilter::Evidence(f) => Query::Evidence(records::evidence_select(db, scope, f).await?),
        };
        Ok(Self { query, scope: scope.clone(), codes: Codes::read(db).await?, after: None, done: false })
    }

    /// The dataset file's columns (v2), then `id` and `version`.
    pub fn header(&self) -> Vec<&'static str> {
        let columns = match self.query {
            Query::Contracts(_) => format::CONTRACTS.columns(Version::V2),
            Query::Commitments(_) => format::COMMITMENTS.columns(Version::V2),
            Query::Evidence(_) => format::EVIDENCE.columns(Version::V2),
        };
        columns.iter().copied().chain(["id", "version"]).collect()
    }

    /// The next page of rows, each as `header` lays it out; None at the end.
    pub async fn next_page(&mut self, db: &impl ConnectionTrait) -> AppResult<Option<Vec<Vec<String>>>> {
        if self.done {
            return Ok(None);
        }
        let (rows, last) = match &self.query {
            Query::Contracts(q) => {
                let page = page::rows(db, q.clone(), contract::Column::Id, self.after, PAGE).await?;
                (self.contracts(db, &page).await?, page.last().map(|m| m.id))
            }
            Query::Commitments(q) => {
                let page = page::rows(db, q.clone(), commitment::Column::Id, self.after, PAGE).await?;
                (self.commitments(db, &page).await?, page.last().map(|m| m.id))
            }
            Query::Evidence(q) => {
                let page = page::rows(db, q.clone(), evidence::Column::Id, self.after, PAGE).await?;
                (self.evidence(db, &page).await?, page.last().map(|m| m.id))
            }
        };
        self.done = (rows.len() as u64) < PAGE;
        self.after = last.map(i64::from).or(self.after);
        Ok((!rows.is_empty()).then_some(rows))
    }

    async fn contracts(&self, db: &impl ConnectionTrait, page: &[contract::Model]) -> AppResult<Vec<Vec<String>>> {
        let ids: Vec<i32> = page.iter().map(|m| m.supplier_id).collect::<BTreeSet<_>>().into_iter().collect();
        let refs: HashMap<i32, String> = batch::suppliers(db, &ids).await?.into_iter().map(|s| (s.id, s.supplier_ref)).collect();
        page.iter()
            .map(|m| {
                let row = contract_row(m, &self.codes, refs.get(&m.supplier_id).ok_or_else(|| internal("dangling supplier"))?)?;
                Ok(with_id(&format::CONTRACTS, &row, RecordEntity::Contract, m.id, m.version))
            })
            .collect()
    }

    async fn commitments(&self, db: &impl ConnectionTrait, page: &[commitment::Model]) -> AppResult<Vec<Vec<String>>> {
        let ids: Vec<i32> = page.iter().map(|m| m.contract_id).collect::<BTreeSet<_>>().into_iter().collect();
        let contracts: HashMap<i32, String> = batch::contracts(db, &self.scope, &ids).await?.into_iter().map(|c| (c.id, c.external_id)).collect();
        page.iter()
            .map(|m| {
                let row = commitment_row(m, &self.codes, contracts.get(&m.contract_id).ok_or_else(|| internal("dangling contract"))?)?;
                Ok(with_id(&format::COMMITMENTS, &row, RecordEntity::Commitment, m.id, m.version))
            })
            .collect()
    }

    async fn evidence(&self, db: &impl ConnectionTrait, page: &[evidence::Model]) -> AppResult<Vec<Vec<String>>> {
        let ids: Vec<i32> = page.iter().map(|m| m.commitment_id).collect::<BTreeSet<_>>().into_iter().collect();
        let commitments: HashMap<i32, String> = batch::commitments(db, &self.scope, &ids).await?.into_iter().map(|c| (c.id, c.external_id)).collect();
        page.iter()
            .map(|m| {
                let row = evidence_row(m, &self.codes, commitments.get(&m.commitment_id).ok_or_else(|| internal("dangling commitment"))?)?;
                Ok(with_id(&format::EVIDENCE, &row, RecordEntity::Evidence, m.id, m.version))
            })
            .collect()
    }
}

fn with_id<T, const N: usize>(spec: &'static FileSpec<T, N>, row: &T, entity: RecordEntity, id: i32, version: i32) -> Vec<String> {
    let mut cells: Vec<String> = (spec.cells)(row).iter().map(|c| (*c).to_owned()).collect();
    cells.push(entity.node_id(id));
    cells.push(version.to_string());
    cells
}

fn contract_row(m: &contract::Model, codes: &Codes, supplier_ref: &str) -> AppResult<ContractRow> {
    Ok(ContractRow {
        council_code: codes.council(m.council_id)?.to_owned(),
        external_id: m.external_id.clone(),
        title: m.title.clone(),
        supplier_ref: supplier_ref.to_owned(),
        value_gbp: Money::from_scaled(m.value_pence).to_string(),
        start_date: m.start_date.to_string(),
        end_date: m.end_date.to_string(),
        social_value_weighting_pct: m.social_value_weighting_centi.map(|p| Percent::from_scaled(p).to_string()).unwrap_or_default(),
        framework_code: codes.framework(m.framework_id)?.to_owned(),
    })
}

fn commitment_row(m: &commitment::Model, codes: &Codes, contract_external_id: &str) -> AppResult<CommitmentRow> {
    Ok(CommitmentRow {
        council_code: codes.council(m.council_id)?.to_owned(),
        external_id: m.external_id.clone(),
        contract_external_id: contract_external_id.to_owned(),
        measure_code: codes.measure(m.measure_id)?.to_owned(),
        financial_year: m.financial_year.to_string(),
        target_quantity: quantity(m.target_centi),
    })
}

fn evidence_row(m: &evidence::Model, codes: &Codes, commitment_external_id: &str) -> AppResult<EvidenceRow> {
    Ok(EvidenceRow {
        council_code: codes.council(m.council_id)?.to_owned(),
        external_id: m.external_id.clone(),
        commitment_external_id: commitment_external_id.to_owned(),
        period_start: m.period_start.to_string(),
        period_end: m.period_end.to_string(),
        quantity: quantity(m.quantity_centi),
        status: lower(m.status),
        evidence_url: m.evidence_url.clone().unwrap_or_default(),
        evidence_sha256: m.evidence_sha256.clone().unwrap_or_default(),
        validated_quantity: m.validated_centi.map(quantity).unwrap_or_default(),
    })
}

/// The reference data as a dataset (v2) without records: every framework,
/// council, theme, measure, mapping, proxy and supplier.
pub async fn reference_rows(db: &impl ConnectionTrait) -> AppResult<Dataset> {
    let codes = Codes::read(db).await?;
    let themes = reference::themes(db).await?;
    let theme_codes: HashMap<i32, &str> = themes.iter().map(|t| (t.id, t.code.as_str())).collect();
    let measures = reference::measures_with_mappings(db).await?;
    let mut frameworks = reference::frameworks(db).await?;
    frameworks.sort_by_key(|f| f.id);
    let mut councils = reference::councils(db).await?;
    councils.sort_by_key(|c| c.id);
    let mut proxies = reference::proxies(db).await?;
    proxies.sort_by_key(|p| (p.measure_id, p.financial_year));
    let mut suppliers = batch::all_suppliers(db).await?;
    suppliers.sort_by_key(|s| s.id);
    let mut sorted_measures: Vec<_> = measures.iter().collect();
    sorted_measures.sort_by_key(|(m, _)| m.id);
    let mut sorted_themes: Vec<_> = themes.iter().collect();
    sorted_themes.sort_by_key(|t| t.id);
    let theme = |id: i32| theme_codes.get(&id).map(|c| (*c).to_owned()).ok_or_else(|| internal("dangling theme"));
    Ok(Dataset {
        version: Version::V2,
        contracts: Vec::new(),
        commitments: Vec::new(),
        evidence: Vec::new(),
        frameworks: frameworks
            .iter()
            .map(|f| FrameworkRow { code: f.code.clone(), name: f.name.clone(), edition: f.edition.clone().unwrap_or_default() })
            .collect(),
        councils: councils
            .iter()
            .map(|c| {
                Ok(CouncilRow {
                    code: c.code.clone(),
                    name: c.name.clone(),
                    gss_code: c.gss_code.clone(),
                    framework_code: codes.framework(c.framework_id)?.to_owned(),
                })
            })
            .collect::<AppResult<_>>()?,
        themes: sorted_themes
            .iter()
            .map(|t| Ok(ThemeRow { code: t.code.clone(), name: t.name.clone(), framework_code: codes.framework(t.framework_id)?.to_owned() }))
            .collect::<AppResult<_>>()?,
        measures: sorted_measures
            .iter()
            .map(|(m, _)| {
                Ok(MeasureRow {
                    code: m.code.clone(),
                    theme_code: theme(m.theme_id)?,
                    name: m.name.clone(),
                    unit: m.unit.clone(),
                    framework_code: codes.framework(m.framework_id)?.to_owned(),
                    valued: m.valued.to_string(),
                })
            })
            .collect::<AppResult<_>>()?,
        mappings: sorted_measures
            .iter()
            .filter_map(|(m, x)| x.as_ref().map(|x| (m, x)))
            .map(|(m, x)| {
                Ok(MappingRow {
                    framework_code: codes.framework(m.framework_id)?.to_owned(),
                    measure_code: m.code.clone(),
                    regional_measure_code: codes.measure(x.regional_measure_id)?.to_owned(),
                    factor: Factor::from_scaled(x.factor_e4).to_string(),
                    note: x.note.clone().unwrap_or_default(),
                })
            })
            .collect::<AppResult<_>>()?,
        proxies: proxies
            .iter()
            .map(|p| {
                Ok(ProxyRow {
                    measure_code: codes.measure(p.measure_id)?.to_owned(),
                    financial_year: p.financial_year.to_string(),
                    value_gbp: Money::from_scaled(p.value_pence).to_string(),
                })
            })
            .collect::<AppResult<_>>()?,
        suppliers: suppliers
            .into_iter()
            .map(|s| SupplierRow {
                r#ref: s.supplier_ref,
                name: s.name,
                companies_house_number: s.companies_house_number.unwrap_or_default(),
                postcode: s.postcode.unwrap_or_default(),
                is_sme: s.is_sme.to_string(),
                is_vcse: s.is_vcse.to_string(),
            })
            .collect(),
    })
}

/// The columns of `rollup.csv` for `dims`: a column (or two) per grouped
/// dimension, in the order given, then the metrics in snake case.
pub fn rollup_header(dims: &[Dimension]) -> Vec<&'static str> {
    let mut out = Vec::new();
    for d in dims {
        out.extend_from_slice(match d {
            Dimension::Council => &["council_code"][..],
            Dimension::Theme => &["theme_code"],
            Dimension::Measure => &["measure_code"],
            Dimension::Framework => &["framework_code"],
            Dimension::ReportedMeasure => &["reported_measure_code", "reported_framework_code"],
            Dimension::Supplier => &["supplier_ref"],
            Dimension::Contract => &["contract_council_code", "contract_external_id"],
            Dimension::FinancialYear => &["financial_year"],
        });
    }
    out.extend_from_slice(&ROLLUP_METRICS);
    out
}

const ROLLUP_METRICS: [&str; 13] = [
    "commitment_count",
    "evidence_count",
    "committed_value",
    "delivered_value",
    "verified_value",
    "committed_quantity",
    "delivered_quantity",
    "delivery_rate",
    "contract_value",
    "social_value_ratio",
    "unvalued_commitment_count",
    "shortfall_value",
    "behind_count",
];

/// A ratio as the API writes a Float (serde_json's shortest form); empty for null.
fn float(v: Option<f64>) -> String {
    v.and_then(|v| serde_json::to_string(&v).ok()).unwrap_or_default()
}

fn metrics(m: &Figures, quantities: bool) -> Vec<String> {
    let q = |v: crate::domain::RegionalQuantity| if quantities { v.to_string() } else { String::new() };
    let (d, c) = (m.delivered_value.scaled(), m.committed_value.scaled());
    vec![
        m.commitment_count.to_string(),
        m.evidence_count.to_string(),
        m.committed_value.to_string(),
        m.delivered_value.to_string(),
        m.verified_value.to_string(),
        q(m.committed_quantity),
        q(m.delivered_quantity),
        float((c != 0).then(|| d as f64 / c as f64)),
        m.contract_value.to_string(),
        float(m.committed_value.ratio_to(m.contract_value)),
        m.unvalued_commitment_count.to_string(),
        m.shortfall_value.to_string(),
        m.behind_count.to_string(),
    ]
}

/// A rollup as the rows of `rollup.csv`, in key order or by `orders`, the
/// first `first` of them, each as `rollup_header(dims)` lays it out; no
/// dimension gives one row of totals.
pub async fn rollup_rows(
    db: &impl ConnectionTrait,
    scope: &ReadScope,
    filter: &RollupFilter,
    dims: &[Dimension],
    orders: &[Order],
    first: Option<usize>,
) -> AppResult<Vec<Vec<String>>> {
    let mut r = rollup::rollup(db, scope, filter, dims, rollup::Wanted::ALL).await?;
    if dims.is_empty() {
        return Ok(vec![metrics(&r.totals, r.total_quantities)]);
    }
    let codes = Codes::read(db).await?;
    let themes: HashMap<i32, String> = reference::themes(db).await?.into_iter().map(|t| (t.id, t.code)).collect();
    let measure_frameworks: HashMap<i32, i32> = reference::measures_with_mappings(db).await?.into_iter().map(|(m, _)| (m.id, m.framework_id)).collect();
    let ids = |f: fn(&GroupKey) -> Option<i32>| r.groups.iter().filter_map(|(k, _)| f(k)).collect::<BTreeSet<i32>>().into_iter().collect::<Vec<i32>>();
    let suppliers: HashMap<i32, String> = batch::suppliers(db, &ids(|k| k.supplier_id)).await?.into_iter().map(|s| (s.id, s.supplier_ref)).collect();
    let contracts: HashMap<i32, (i32, String)> =
        batch::contracts(db, scope, &ids(|k| k.contract_id)).await?.into_iter().map(|c| (c.id, (c.council_id, c.external_id))).collect();
    let cells = |key: &GroupKey| -> AppResult<Vec<Option<String>>> {
        let mut out = Vec::new();
        let code = |map: &HashMap<i32, String>, id: Option<i32>| id.and_then(|id| map.get(&id).cloned());
        for d in dims {
            match d {
                Dimension::Council => out.push(key.council_id.map(|id| codes.council(id).map(str::to_owned)).transpose()?),
                Dimension::Theme => out.push(code(&themes, key.theme_id)),
                Dimension::Measure => out.push(key.measure_id.map(|id| codes.measure(id).map(str::to_owned)).transpose()?),
                Dimension::Framework => out.push(key.framework_id.map(|id| codes.framework(id).map(str::to_owned)).transpose()?),
                Dimension::ReportedMeasure => {
                    out.push(key.reported_measure_id.map(|id| codes.measure(id).map(str::to_owned)).transpose()?);
                    let framework = key.reported_measure_id.and_then(|id| measure_frameworks.get(&id).copied());
                    out.push(framework.map(|id| codes.framework(id).map(str::to_owned)).transpose()?);
                }
                Dimension::Supplier => out.push(code(&suppliers, key.supplier_id)),
                Dimension::Contract => {
                    let c = key.contract_id.and_then(|id| contracts.get(&id));
                    out.push(c.map(|(council, _)| codes.council(*council).map(str::to_owned)).transpose()?);
                    out.push(c.map(|(_, external_id)| external_id.clone()));
                }
                Dimension::FinancialYear => out.push(key.financial_year.map(|y| y.to_string())),
            }
        }
        Ok(out)
    };
    let mut keyed = HashMap::new();
    for (key, _) in &r.groups {
        keyed.insert(*key, cells(key)?);
    }
    // Key order: a year sorts as a number, so its cell is padded to sort.
    let years: Vec<bool> = (0..rollup_header(dims).len() - ROLLUP_METRICS.len()).map(|i| column_dimension(dims, i) == Some(Dimension::FinancialYear)).collect();
    let sort_key = |cells: &Vec<Option<String>>| {
        cells.iter().zip(&years).map(|(c, year)| if *year { c.as_ref().map(|y| format!("{y:0>6}")) } else { c.clone() }).collect()
    };
    rollup::order::sort(&mut r.groups, orders, |k| sort_key(&keyed[k]));
    if let Some(n) = first {
        r.groups.truncate(n);
    }
    Ok(r.groups
        .iter()
        .map(|(key, m)| {
            let mut row: Vec<String> = keyed[key].iter().map(|c| c.clone().unwrap_or_default()).collect();
            row.extend(metrics(m, r.quantities_for(key, dims)));
            row
        })
        .collect())
}

/// The dimension of the `i`th key column of `rollup_header(dims)`.
fn column_dimension(dims: &[Dimension], i: usize) -> Option<Dimension> {
    let mut at = 0;
    for d in dims {
        let width = if matches!(d, Dimension::ReportedMeasure | Dimension::Contract) { 2 } else { 1 };
        if i < at + width {
            return Some(*d);
        }
        at += width;
    }
    None
}
