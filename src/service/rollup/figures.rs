//! What a rollup is asked (dimensions, a filter) and what it answers (each
//! group's key and figures, the totals, the trend's points).

use crate::domain::{MoneyTotal, RegionalQuantity, SocialValue};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dimension {
    Council,
    Theme,
    Measure,
    Supplier,
    Contract,
    FinancialYear,
    /// The contract's framework.
    Framework,
    /// The measure as the council reported it.
    ReportedMeasure,
}

#[derive(Debug, Clone, Default)]
pub struct RollupFilter {
    pub council_codes: Option<Vec<String>>,
    pub theme_codes: Option<Vec<String>>,
    pub measure_codes: Option<Vec<String>>,
    pub supplier_refs: Option<Vec<String>>,
    pub financial_years: Option<Vec<i32>>,
    pub sme_only: bool,
    pub vcse_only: bool,
    /// Contracts' frameworks.
    pub framework_codes: Option<Vec<String>>,
    /// The date delivery tracking counts commitments behind on (default: today, UTC).
    pub as_of: Option<crate::domain::AsOf>,
}

/// A figure that a rollup selects only when asked for it: otherwise its
/// statement leaves it out, and it reads as 0 (summing and decoding a part
/// costs the same whether anyone reads it or not). The
/// counts of commitments and evidence are always selected: they decide
/// which groups exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Figure {
    UnvaluedCount,
    CommittedValue,
    CommittedQuantity,
    DeliveredValue,
    VerifiedValue,
    DeliveredQuantity,
    ContractValue,
    BehindCount,
    ShortfallValue,
}

/// The figures a rollup is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wanted(u16);

impl Wanted {
    pub const ALL: Wanted = Wanted(u16::MAX);
    pub const NONE: Wanted = Wanted(0);

    pub fn with(self, figures: &[Figure]) -> Self {
        Wanted(figures.iter().fold(self.0, |bits, f| bits | 1 << *f as u16))
    }

    pub fn has(self, f: Figure) -> bool {
        self.0 & (1 << f as u16) != 0
    }
}

/// One group's key: the value of each dimension grouped by, None for the others.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupKey {
    pub council_id: Option<i32>,
    pub theme_id: Option<i32>,
    pub measure_id: Option<i32>,
    pub supplier_id: Option<i32>,
    pub contract_id: Option<i32>,
    pub financial_year: Option<i32>,
    pub framework_id: Option<i32>,
    pub reported_measure_id: Option<i32>,
}

impl GroupKey {
    pub(super) fn set(&mut self, d: Dimension, v: Option<i32>) {
        match d {
            Dimension::Council => self.council_id = v,
            Dimension::Theme => self.theme_id = v,
            Dimension::Measure => self.measure_id = v,
            Dimension::Supplier => self.supplier_id = v,
            Dimension::Contract => self.contract_id = v,
            Dimension::FinancialYear => self.financial_year = v,
            Dimension::Framework => self.framework_id = v,
            Dimension::ReportedMeasure => self.reported_measure_id = v,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Figures {
    pub commitment_count: i64,
    /// Commitments that count £0: unmapped, record-only, or without a regional proxy for their year.
    pub unvalued_commitment_count: i64,
    pub evidence_count: i64,
    pub committed_value: SocialValue,
    pub delivered_value: SocialValue,
    pub verified_value: SocialValue,
    /// Only meaningful when the group is one measure (see `Rollup::quantities`).
    /// In regional units.
    pub committed_quantity: RegionalQuantity,
    pub delivered_quantity: RegionalQuantity,
    pub contract_value: MoneyTotal,
    /// Commitments `BEHIND` or `NOT_STARTED` on the filter's `as_of`.
    pub behind_count: i64,
    /// Σ of each commitment's committed value less its delivered value, never below 0.
    pub shortfall_value: SocialValue,
}

impl Figures {
    pub(super) fn add(&mut self, o: &Figures) {
        self.commitment_count += o.commitment_count;
        self.unvalued_commitment_count += o.unvalued_commitment_count;
        self.evidence_count += o.evidence_count;
        self.committed_value = self.committed_value + o.committed_value;
        self.delivered_value = self.delivered_value + o.delivered_value;
        self.verified_value = self.verified_value + o.verified_value;
        self.committed_quantity = self.committed_quantity + o.committed_quantity;
        self.delivered_quantity = self.delivered_quantity + o.delivered_quantity;
        self.contract_value = self.contract_value + o.contract_value;
        self.behind_count += o.behind_count;
        self.shortfall_value = self.shortfall_value + o.shortfall_value;
    }
}

pub struct Rollup {
    pub totals: Figures,
    pub groups: Vec<(GroupKey, Figures)>,
    /// Whether each group's quantities mean anything (one measure per group).
    pub group_quantities: bool,
    pub total_quantities: bool,
}

impl Rollup {
    /// Whether the group `key` of a rollup by `dims` is of one measure, so
    /// that its quantities mean something: the group of unmapped records is
    /// of no one measure, unless grouped by the measure as reported.
    pub fn quantities_for(&self, key: &GroupKey, dims: &[Dimension]) -> bool {
        let unmapped = dims.contains(&Dimension::Measure) && !dims.contains(&Dimension::ReportedMeasure) && key.measure_id.is_none();
        self.group_quantities && !unmapped
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrendPoint {
    pub financial_year: i32,
    pub quarter: i32,
    pub delivered_value: SocialValue,
    pub verified_value: SocialValue,
    pub evidence_count: i64,
}
