//! Loading a whole regional dataset (the demo region, `import DIR`) through
//! the same services as the API: framework rows through the framework
//! service as regional_admin, council records through [`sync::sync`] (the
//! path `syncCouncilData` takes) in batches as each council's sync client.
//! There is no side door into the tables.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use anyhow::{Context, anyhow};
use chrono::NaiveDate;

use super::format::{COMMITMENTS, CONTRACTS, COUNCILS, EVIDENCE, FRAMEWORKS, MAPPINGS, MEASURES, PROXIES, SUPPLIERS, THEMES};
use super::{CommitmentRow, ContractRow, Dataset, EvidenceRow, SupplierRow, read};
use crate::auth::{Principal, Role};
use crate::domain::EvidenceStatus;
use crate::service::framework::{self, CouncilInput, FrameworkInput, MappingInput, MeasureInput, ThemeInput};
use crate::service::sync::{self, CommitmentIn, ContractIn, Counts, EvidenceIn, MAX_BATCH_RECORDS, SupplierIn, SyncBatch, SyncOutcome};
use crate::service::{DatabaseConnection, db};

/// What a load created, updated and left unchanged, per entity.
#[derive(Debug, Default, Clone)]
pub struct LoadSummary {
    pub suppliers: Counts,
    pub contracts: Counts,
    pub commitments: Counts,
    pub evidence: Counts,
    pub batches: usize,
}

impl LoadSummary {
    fn add(&mut self, outcome: SyncOutcome) {
        self.suppliers += outcome.suppliers;
        self.contracts += outcome.contracts;
        self.commitments += outcome.commitments;
        self.evidence += outcome.evidence;
        self.batches += 1;
    }
}

/// Loads `ds`, calling `progress(records_done, records_total)` after each batch.
pub async fn load_dataset(db: &DatabaseConnection, ds: &Dataset, batch_size: usize, progress: impl FnMut(usize, usize)) -> anyhow::Result<LoadSummary> {
    load_framework(db, ds).await?;
    let batches = council_batches(ds, batch_size.clamp(1, MAX_BATCH_RECORDS))?;
    let mut sender = Sender::new(db, batches.iter().map(|b| b.batch.len()).sum(), progress);
    for batch in batches {
        sender.send(batch).await?;
    }
    Ok(sender.summary)
}

/// A dataset directory whose every file was read and checked, to be
/// imported as [`load_dataset`] loads a dataset but without ever holding
/// its records: the framework is loaded, then each file of records read
/// again row by row, in dependency order (suppliers, contracts,
/// commitments, evidence), into a batch per council, each sent when full
/// (a record's parents are in it or in one sent before) and every one at
/// the end; the suppliers, which any council's contracts may name, are
/// all sent before the contracts. Memory holds a batch per council,
/// whatever the size of the files.
pub struct CheckedDir<'a> {
    dir: &'a Path,
    framework: Dataset,
    /// Records in the files.
    pub records: usize,
}

impl<'a> CheckedDir<'a> {
    pub fn check(dir: &'a Path) -> anyhow::Result<Self> {
        let (framework, records) = read::check_dir(dir).map_err(|e| anyhow!("{e}"))?;
        Ok(Self { dir, framework, records })
    }

    pub async fn import(&self, db: &DatabaseConnection, batch_size: usize, progress: impl FnMut(usize, usize)) -> anyhow::Result<LoadSummary> {
        import_records(db, self.dir, &self.framework, self.records, batch_size, progress).await
    }
}

async fn import_records(
    db: &DatabaseConnection,
    dir: &Path,
    ds: &Dataset,
    total: usize,
    batch_size: usize,
    progress: impl FnMut(usize, usize),
) -> anyhow::Result<LoadSummary> {
    load_framework(db, ds).await?;
    let mut batches = Batches { size: batch_size.clamp(1, MAX_BATCH_RECORDS), pending: BTreeMap::new(), sender: Sender::new(db, total, progress) };
    let councils: HashSet<&str> = ds.councils.iter().map(|c| c.code.as_str()).collect();
    let council_of = |file: &str, line: u64, code: &str| -> anyhow::Result<String> {
        anyhow::ensure!(councils.contains(code), "{file} line {line}: council {code} is not in {}", COUNCILS.file);
        Ok(code.to_owned())
    };
    // Suppliers are regional: they travel with the first council's batches.
    let first = ds.councils.first().map(|c| c.code.clone()).unwrap_or_default();
    let mut rows = read::stream(dir, &SUPPLIERS, ds.version);
    while let Some(row) = rows.recv().await {
        let (line, s) = row?;
        batches.push(&first, line, Item::Supplier(supplier_in(&s)?)).await?;
    }
    // Every council's contracts may name any supplier.
    batches.send_all().await?;
    let mut rows = read::stream(dir, &CONTRACTS, ds.version);
    while let Some(row) = rows.recv().await {
        let (line, c) = row?;
        batches.push(&council_of(CONTRACTS.file, line, &c.council_code)?, line, Item::Contract(contract_in(&c)?)).await?;
    }
    let mut rows = read::stream(dir, &COMMITMENTS, ds.version);
    while let Some(row) = rows.recv().await {
        let (line, c) = row?;
        batches.push(&council_of(COMMITMENTS.file, line, &c.council_code)?, line, Item::Commitment(commitment_in(&c)?)).await?;
    }
    let mut rows = read::stream(dir, &EVIDENCE, ds.version);
    while let Some(row) = rows.recv().await {
        let (line, e) = row?;
        batches.push(&council_of(EVIDENCE.file, line, &e.council_code)?, line, Item::Evidence(evidence_in(&e)?)).await?;
    }
    batches.send_all().await?;
    Ok(batches.sender.summary)
}

/// A batch per council being filled, sent when full.
struct Batches<'a, P> {
    size: usize,
    pending: BTreeMap<String, CouncilBatch>,
    sender: Sender<'a, P>,
}

impl<P: FnMut(usize, usize)> Batches<'_, P> {
    async fn push(&mut self, council: &str, line: u64, item: Item) -> anyhow::Result<()> {
        let b = self
            .pending
            .entry(council.to_owned())
            .or_insert_with(|| CouncilBatch { batch: SyncBatch { council_code: council.to_owned(), ..Default::default() }, lines: SourceLines::default() });
        b.add(line as usize, item);
        if b.batch.len() >= self.size {
            let full = self.pending.remove(council).expect("the batch just filled");
            self.sender.send(full).await?;
        }
        Ok(())
    }

    /// Every batch, full or not.
    async fn send_all(&mut self) -> anyhow::Result<()> {
        for (_, batch) in std::mem::take(&mut self.pending) {
            self.sender.send(batch).await?;
        }
        Ok(())
    }
}

/// Sends batches through the sync as each council's sync client, adding up what they did.
struct Sender<'a, P> {
    db: &'a DatabaseConnection,
    summary: LoadSummary,
    done: usize,
    total: usize,
    progress: P,
    /// Records loaded at which the record tables are next analyzed (`db::analyze_records`).
    next_analyze: usize,
}

/// Records loaded before the first refresh of statistics; each next one
/// waits for twice as many, so a load analyzes a logarithmic number of times.
const FIRST_ANALYZE: usize = 20_000;

impl<'a, P: FnMut(usize, usize)> Sender<'a, P> {
    fn new(db: &'a DatabaseConnection, total: usize, progress: P) -> Self {
        Self { db, summary: LoadSummary::default(), done: 0, total, progress, next_analyze: FIRST_ANALYZE }
    }

    async fn send(&mut self, CouncilBatch { batch, lines }: CouncilBatch) -> anyhow::Result<()> {
        let actor =
            Principal { subject: format!("{}-sync", batch.council_code.to_lowercase()), role: Role::CouncilSync, councils: vec![batch.council_code.clone()] };
        let n = batch.len();
        let council = batch.council_code.clone();
        let outcome = sync::sync(self.db, &actor, batch, MAX_BATCH_RECORDS).await.map_err(|e| anyhow!("council {council}: {}", e.public_message()))?;
        if !outcome.applied {
            return Err(refused(&council, &outcome, &lines));
        }
        self.summary.add(outcome);
        self.done += n;
        if self.done >= self.next_analyze {
            db::analyze_records(self.db).await.context("refreshing planner statistics")?;
            self.next_analyze = self.done * 2;
        }
        (self.progress)(self.done, self.total);
        Ok(())
    }
}

/// The frameworks (v2), councils, themes, measures, the crosswalk's
/// mappings (v2) and proxies, through the framework service as
/// regional_admin. An empty v2 cell means what it means in the API: the
/// regional framework, a valued measure, a factor of 1.
async fn load_framework(db: &DatabaseConnection, ds: &Dataset) -> anyhow::Result<()> {
    let admin = Principal { subject: "dataset-loader".into(), role: Role::RegionalAdmin, councils: vec![] };
    for f in &ds.frameworks {
        let input = FrameworkInput { code: f.code.clone(), name: f.name.clone(), edition: non_empty(&f.edition) };
        framework::upsert_framework(db, &admin, input).await.with_context(|| format!("{} {}", FRAMEWORKS.file, f.code))?;
    }
    for c in &ds.councils {
        let input = CouncilInput { code: c.code.clone(), name: c.name.clone(), gss_code: c.gss_code.clone(), framework_code: non_empty(&c.framework_code) };
        framework::upsert_council(db, &admin, input).await.with_context(|| format!("{} {}", COUNCILS.file, c.code))?;
    }
    for t in &ds.themes {
        let input = ThemeInput { code: t.code.clone(), name: t.name.clone(), framework_code: non_empty(&t.framework_code) };
        framework::upsert_theme(db, &admin, input).await.with_context(|| format!("{} {}", THEMES.file, t.code))?;
    }
    for m in &ds.measures {
        let input = MeasureInput {
            code: m.code.clone(),
            theme_code: m.theme_code.clone(),
            name: m.name.clone(),
            unit: m.unit.clone(),
            framework_code: non_empty(&m.framework_code),
            valued: m.valued != "false",
        };
        framework::upsert_measure(db, &admin, input).await.with_context(|| format!("{} {}", MEASURES.file, m.code))?;
    }
    for x in &ds.mappings {
        let input = MappingInput {
            framework_code: x.framework_code.clone(),
            measure_code: x.measure_code.clone(),
            regional_measure_code: x.regional_measure_code.clone(),
            factor: non_empty(&x.factor),
            note: non_empty(&x.note),
        };
        framework::map_measure(db, &admin, input).await.with_context(|| format!("{} {}/{}", MAPPINGS.file, x.framework_code, x.measure_code))?;
    }
    for p in &ds.proxies {
        let year: i32 = p.financial_year.parse().with_context(|| format!("{}: financial_year {:?}", PROXIES.file, p.financial_year))?;
        framework::set_proxy(db, &admin, &p.measure_code, year, &p.value_gbp, None).await?;
    }
    Ok(())
}

/// Why a council's batch was refused: its first invalid records, by CSV line.
fn refused(council: &str, outcome: &SyncOutcome, lines: &SourceLines) -> anyhow::Error {
    let where_ = |entity: &str, index: usize| {
        let (file, lines) = match entity {
            "SUPPLIER" => (SUPPLIERS.file, &lines.suppliers),
            "CONTRACT" => (CONTRACTS.file, &lines.contracts),
            "COMMITMENT" => (COMMITMENTS.file, &lines.commitments),
            _ => (EVIDENCE.file, &lines.evidence),
        };
        format!("{file} line {}", lines.get(index).copied().unwrap_or(0))
    };
    let first: Vec<String> = outcome.errors.iter().take(10).map(|e| format!("{}: {} {}", where_(e.entity, e.index), e.code, e.message)).collect();
    anyhow!(
        "council {council}: a batch was refused ({} invalid records; nothing of it was written, earlier batches were), e.g.\n  {}",
        outcome.errors.len(),
        first.join("\n  ")
    )
}

/// The CSV line of each record of a batch, to point at bad rows.
#[derive(Default)]
struct SourceLines {
    suppliers: Vec<usize>,
    contracts: Vec<usize>,
    commitments: Vec<usize>,
    evidence: Vec<usize>,
}

/// One sync batch of one council's records, with the CSV line each came from.
pub struct CouncilBatch {
    pub batch: SyncBatch,
    lines: SourceLines,
}

impl CouncilBatch {
    fn add(&mut self, line: usize, item: Item) {
        let (batch, lines) = (&mut self.batch, &mut self.lines);
        match item {
            Item::Supplier(s) => (batch.suppliers.push(s), lines.suppliers.push(line)),
            Item::Contract(c) => (batch.contracts.push(c), lines.contracts.push(line)),
            Item::Commitment(c) => (batch.commitments.push(c), lines.commitments.push(line)),
            Item::Evidence(e) => (batch.evidence.push(e), lines.evidence.push(line)),
        };
    }
}

/// One council record as the sync takes it.
enum Item {
    Supplier(SupplierIn),
    Contract(ContractIn),
    Commitment(CommitmentIn),
    Evidence(EvidenceIn),
}

/// Each council's records in dependency order (suppliers, contracts,
/// commitments, evidence), cut into batches. Each supplier travels with the
/// first council that uses it, so that it is counted once.
pub fn council_batches(ds: &Dataset, batch_size: usize) -> anyhow::Result<Vec<CouncilBatch>> {
    let mut per_council = records_by_council(ds)?;
    let mut batches = Vec::new();
    for council in &ds.councils {
        let Some(items) = per_council.remove(council.code.as_str()) else { continue };
        let mut items = items.into_iter().peekable();
        while items.peek().is_some() {
            let mut batch = CouncilBatch { batch: SyncBatch { council_code: council.code.clone(), ..Default::default() }, lines: SourceLines::default() };
            for (line, item) in items.by_ref().take(batch_size) {
                batch.add(line, item);
            }
            batches.push(batch);
        }
    }
    if let Some(code) = per_council.keys().next() {
        anyhow::bail!("records name council {code}, which is not in {}", COUNCILS.file);
    }
    Ok(batches)
}

/// Every record as the sync takes it, with its CSV line, by council code.
fn records_by_council(ds: &Dataset) -> anyhow::Result<HashMap<&str, Vec<(usize, Item)>>> {
    // Line numbers as in the files: the header is line 1.
    let mut per_council: HashMap<&str, Vec<(usize, Item)>> = HashMap::new();
    let mut supplier_owner: HashMap<&str, &str> = HashMap::new();
    for c in &ds.contracts {
        supplier_owner.entry(c.supplier_ref.as_str()).or_insert(c.council_code.as_str());
    }
    let first_council = ds.councils.first().map(|c| c.code.as_str()).unwrap_or_default();
    for (i, s) in ds.suppliers.iter().enumerate() {
        let owner = supplier_owner.get(s.r#ref.as_str()).copied().unwrap_or(first_council);
        per_council.entry(owner).or_default().push((i + 2, Item::Supplier(supplier_in(s)?)));
    }
    for (i, c) in ds.contracts.iter().enumerate() {
        per_council.entry(&c.council_code).or_default().push((i + 2, Item::Contract(contract_in(c)?)));
    }
    for (i, c) in ds.commitments.iter().enumerate() {
        per_council.entry(&c.council_code).or_default().push((i + 2, Item::Commitment(commitment_in(c)?)));
    }
    for (i, e) in ds.evidence.iter().enumerate() {
        per_council.entry(&e.council_code).or_default().push((i + 2, Item::Evidence(evidence_in(e)?)));
    }
    Ok(per_council)
}

fn supplier_in(s: &SupplierRow) -> anyhow::Result<SupplierIn> {
    let flag = |v: &str| match v {
        "true" => Ok(true),
        "false" => Ok(false),
        other => Err(anyhow!("{}: {other:?} is not true or false", SUPPLIERS.file)),
    };
    Ok(SupplierIn {
        supplier_ref: s.r#ref.clone(),
        name: s.name.clone(),
        companies_house_number: non_empty(&s.companies_house_number),
        postcode: non_empty(&s.postcode),
        is_sme: flag(&s.is_sme)?,
        is_vcse: flag(&s.is_vcse)?,
    })
}

fn contract_in(c: &ContractRow) -> anyhow::Result<ContractIn> {
    Ok(ContractIn {
        external_id: c.external_id.clone(),
        title: c.title.clone(),
        supplier_ref: c.supplier_ref.clone(),
        value_gbp: c.value_gbp.clone(),
        start_date: date(CONTRACTS.file, &c.start_date)?,
        end_date: date(CONTRACTS.file, &c.end_date)?,
        social_value_weighting_pct: non_empty(&c.social_value_weighting_pct),
        framework_code: non_empty(&c.framework_code),
    })
}

fn commitment_in(c: &CommitmentRow) -> anyhow::Result<CommitmentIn> {
    Ok(CommitmentIn {
        external_id: c.external_id.clone(),
        contract_external_id: c.contract_external_id.clone(),
        measure_code: c.measure_code.clone(),
        financial_year: c.financial_year.parse().with_context(|| format!("{}: financial_year {:?}", COMMITMENTS.file, c.financial_year))?,
        target_quantity: c.target_quantity.clone(),
    })
}

fn evidence_in(e: &EvidenceRow) -> anyhow::Result<EvidenceIn> {
    Ok(EvidenceIn {
        external_id: e.external_id.clone(),
        commitment_external_id: e.commitment_external_id.clone(),
        period_start: date(EVIDENCE.file, &e.period_start)?,
        period_end: date(EVIDENCE.file, &e.period_end)?,
        quantity: e.quantity.clone(),
        status: EvidenceStatus::parse(&e.status).ok_or_else(|| anyhow!("{}: unknown status {:?}", EVIDENCE.file, e.status))?,
        evidence_url: non_empty(&e.evidence_url),
        evidence_sha256: non_empty(&e.evidence_sha256),
        validated_quantity: non_empty(&e.validated_quantity),
    })
}

fn date(file: &str, s: &str) -> anyhow::Result<NaiveDate> {
    s.parse().with_context(|| format!("{file}: {s:?} is not a date"))
}

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_owned())
}
