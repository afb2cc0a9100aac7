//! Which records a write moves the figures of: the keys writers declare
//! ([`Touched`]), and the records those keys come to ([`Records`]).
//!
//! A record's figures depend on the record, the records it hangs from and
//! the reference tables, so a key names the records whose figures it can
//! move: a contract every record under it (its value and supplier are in
//! all of their cells), a commitment its evidence and the groups its
//! contract counts in, a measure every commitment on it or mapped onto it.

use std::collections::BTreeSet;

use sea_orm::{ConnectionTrait, Statement};

use super::ids;
use crate::error::AppResult;

/// A rollup key that a write moves. Council records carry their council,
/// whose cells the write then holds for itself (see `Pending::will_change`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Touched {
    /// A contract's value, supplier or deletion: every record under it.
    Contract { council_id: i32, id: i32 },
    /// A commitment, with its evidence, and the groups its contract counts
    /// in. `id` is 0 for a commitment not written yet: only its contract's
    /// groups are moved before it exists.
    Commitment { council_id: i32, id: i32, contract_id: i32 },
    /// One evidence record, and where its commitment stands.
    Evidence { council_id: i32, id: i32, commitment_id: i32 },
    /// A measure's theme, mapping or `valued` flag: every commitment on it
    /// or on a measure mapped onto it, and the groups of their contracts.
    Measure(i32),
    /// A measure's proxy for a year: the commitments a `Measure` key names
    /// (a proxy moves no group, but a superset is as exact, and proxies change seldom).
    Proxy { measure_id: i32, financial_year: i32 },
}

impl Touched {
    pub fn council_id(self) -> Option<i32> {
        match self {
            Touched::Contract { council_id, .. } | Touched::Commitment { council_id, .. } | Touched::Evidence { council_id, .. } => Some(council_id),
            Touched::Measure(_) | Touched::Proxy { .. } => None,
        }
    }
}

/// Declared keys, by kind. Measures are the reported measures a key names:
/// the measure and those mapped onto it, found when the key is declared so
/// that the records before and after the write are the same ones.
#[derive(Debug, Default, Clone)]
pub(super) struct Keys {
    contracts: BTreeSet<i32>,
    commitments: BTreeSet<i32>,
    evidence: BTreeSet<i32>,
    /// Contracts whose groups (where they count once) may move.
    groups: BTreeSet<i32>,
    measures: BTreeSet<i32>,
    /// Every record of these councils (a rebuild).
    councils: BTreeSet<i32>,
    /// Commitments whose standing may move: those of the evidence named.
    standing: BTreeSet<i32>,
}

impl Keys {
    pub fn council(council_id: i32) -> Self {
        Self { councils: BTreeSet::from([council_id]), ..Default::default() }
    }

    /// Adds record keys; measure keys are added resolved, by [`Keys::add_measures`].
    pub fn add(&mut self, key: Touched) {
        match key {
            Touched::Contract { id, .. } => {
                self.contracts.insert(id);
            }
            Touched::Commitment { id, contract_id, .. } => {
                if id != 0 {
                    self.commitments.insert(id);
                }
                self.groups.insert(contract_id);
            }
            Touched::Evidence { id, commitment_id, .. } => {
                if id != 0 {
                    self.evidence.insert(id);
                }
                self.standing.insert(commitment_id);
            }
            Touched::Measure(_) | Touched::Proxy { .. } => {}
        }
    }

    /// The reported measures of measure and proxy keys: each measure and the measures mapped onto it.
    pub async fn add_measures(&mut self, db: &impl ConnectionTrait, keys: &[Touched]) -> AppResult<()> {
        let named: BTreeSet<i32> = keys
            .iter()
            .filter_map(|k| match *k {
                Touched::Measure(id) | Touched::Proxy { measure_id: id, .. } => Some(id),
                _ => None,
            })
            .filter(|id| !self.measures.contains(id))
            .collect();
        if named.is_empty() {
            return Ok(());
        }
        let sql = format!("SELECT measure_id FROM measure_mapping WHERE regional_measure_id IN ({})", ids(&named));
        for row in db.query_all_raw(Statement::from_string(db.get_database_backend(), sql)).await? {
            self.measures.insert(row.try_get_by_index::<i32>(0)?);
        }
        self.measures.extend(named);
        Ok(())
    }

    pub fn extend(&mut self, other: &Keys) {
        self.contracts.extend(&other.contracts);
        self.commitments.extend(&other.commitments);
        self.evidence.extend(&other.evidence);
        self.groups.extend(&other.groups);
        self.measures.extend(&other.measures);
        self.councils.extend(&other.councils);
        self.standing.extend(&other.standing);
    }

    /// Whether a change's key was declared before the write, as the write
    /// door requires of every record that existed before it (`created`
    /// false): otherwise its figures before the write were never taken away.
    pub fn covers(&self, key: Touched, created: bool) -> bool {
        match key {
            Touched::Contract { id, .. } => created || self.contracts.contains(&id),
            Touched::Commitment { id, contract_id, .. } => {
                let own = created || self.commitments.contains(&id) || self.contracts.contains(&contract_id);
                own && (self.groups.contains(&contract_id) || self.contracts.contains(&contract_id))
            }
            Touched::Evidence { id, .. } => created || self.evidence.contains(&id),
            Touched::Measure(id) | Touched::Proxy { measure_id: id, .. } => self.measures.contains(&id),
        }
    }

    /// The records these keys come to, as the database holds them now.
    pub async fn records(&self, db: &impl ConnectionTrait) -> AppResult<Records> {
        let mut records = Records {
            commitments: self.commitments.clone(),
            evidence: self.evidence.clone(),
            groups: self.groups.clone(),
            councils: self.councils.clone(),
            standing: self.standing.clone(),
        };
        records.groups.extend(&self.contracts);
        // Commitments under the contracts, and on the measures (with their contracts' groups).
        let mut by = Vec::new();
        if !self.contracts.is_empty() {
            by.push(format!("contract_id IN ({})", ids(&self.contracts)));
        }
        if !self.measures.is_empty() {
            by.push(format!("measure_id IN ({})", ids(&self.measures)));
        }
        if !by.is_empty() {
            let sql = format!("SELECT id, contract_id FROM commitment WHERE {}", by.join(" OR "));
            for row in db.query_all_raw(Statement::from_string(db.get_database_backend(), sql)).await? {
                records.commitments.insert(row.try_get_by_index::<i32>(0)?);
                records.groups.insert(row.try_get_by_index::<i32>(1)?);
            }
        }
        Ok(records)
    }
}

/// Records whose figures a write moves: commitments (each with its
/// evidence), evidence records, and contracts whose groups may move.
#[derive(Debug, Default, Clone)]
pub(super) struct Records {
    pub commitments: BTreeSet<i32>,
    pub evidence: BTreeSet<i32>,
    pub groups: BTreeSet<i32>,
    pub councils: BTreeSet<i32>,
    /// Commitments whose standing may move besides `commitments` (see `standing`).
    pub standing: BTreeSet<i32>,
}

impl Records {
    /// These records less those already taken.
    pub fn minus(&self, taken: &Records) -> Records {
        Records {
            commitments: self.commitments.difference(&taken.commitments).copied().collect(),
            evidence: self.evidence.difference(&taken.evidence).copied().collect(),
            groups: self.groups.difference(&taken.groups).copied().collect(),
            councils: self.councils.difference(&taken.councils).copied().collect(),
            standing: self.standing.difference(&taken.standing).copied().collect(),
        }
    }

    pub fn extend(&mut self, other: &Records) {
        self.commitments.extend(&other.commitments);
        self.evidence.extend(&other.evidence);
        self.groups.extend(&other.groups);
        self.councils.extend(&other.councils);
        self.standing.extend(&other.standing);
    }

    /// Commitments `c` among these (of contract `k`).
    pub fn commitments_sql(&self) -> Option<String> {
        any([in_list("c.id", &self.commitments), in_list("k.council_id", &self.councils)])
    }

    /// Evidence `e` among these: named, or of a commitment among these.
    /// `taken`'s evidence is left out: its figures were taken already.
    pub fn evidence_sql(&self, taken: &Records) -> Option<String> {
        let wanted = any([in_list("e.id", &self.evidence), in_list("e.commitment_id", &self.commitments), in_list("e.council_id", &self.councils)])?;
        match any([in_list("e.id", &taken.evidence), in_list("e.commitment_id", &taken.commitments)]) {
            Some(taken) => Some(format!("({wanted}) AND NOT ({taken})")),
            None => Some(wanted),
        }
    }

    /// Commitments `c` of the contracts `k` whose groups these are.
    pub fn groups_sql(&self) -> Option<String> {
        any([in_list("c.contract_id", &self.groups), in_list("k.council_id", &self.councils)])
    }
}

fn in_list(column: &str, values: &BTreeSet<i32>) -> Option<String> {
    (!values.is_empty()).then(|| format!("{column} IN ({})", ids(values)))
}

fn any(terms: impl IntoIterator<Item = Option<String>>) -> Option<String> {
    let terms: Vec<String> = terms.into_iter().flatten().collect();
    (!terms.is_empty()).then(|| terms.join(" OR "))
}
