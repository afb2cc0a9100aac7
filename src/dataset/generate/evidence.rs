//! The evidence of delivery against a commitment, drawn from its own stream:
//! how many rows, which reporting periods, what quantity and status each.

use super::frameworks::{EXPLICIT_FULL_P, PARTIAL_VALIDATION_P};
use super::iso;
use super::mt19937::Rng;
use super::tables::{FIRST_FY, LAST_FY};
use crate::domain::{FinancialYear, Quarter};

/// A period an evidence row may cover: first and last day, as written.
pub(super) type Period = (String, String);

/// One financial quarter's periods: the full quarter and its three calendar months.
pub(super) struct QuarterPeriods {
    full: Period,
    months: [Period; 3],
}

impl QuarterPeriods {
    fn of(quarter: Quarter) -> QuarterPeriods {
        QuarterPeriods { full: (iso(quarter.first_day()), iso(quarter.last_day())), months: quarter.months().map(|(first, last)| (iso(first), iso(last))) }
    }
}

/// `[fy - FIRST_FY][quarter]` for every financial year with proxies; the only
/// periods evidence uses, so each lies inside one quarter by construction.
fn quarter_table() -> Vec<[QuarterPeriods; 4]> {
    (FIRST_FY..=LAST_FY).map(|fy| FinancialYear(fy).quarters().map(QuarterPeriods::of)).collect()
}

/// Share of commitments with no evidence at all.
const NO_EVIDENCE: f64 = 0.10;

/// One evidence row's draws, before it is given an id.
pub(super) struct DrawnEvidence<'p> {
    pub period: &'p Period,
    /// in hundredths of the measure's unit
    pub quantity: i64,
    pub status: &'static str,
}

/// The evidence stream and the periods it draws from.
pub(super) struct EvidenceDraws {
    rng: Rng,
    quarters: Vec<[QuarterPeriods; 4]>,
    /// chance of each of the 12 possible rows
    row_chance: f64,
}

impl EvidenceDraws {
    /// `mean_rows`: mean evidence rows drawn per commitment.
    pub fn new(seed: u64, mean_rows: f64) -> EvidenceDraws {
        let row_chance = (mean_rows / (12.0 * (1.0 - NO_EVIDENCE))).min(0.95);
        EvidenceDraws { rng: Rng::new(seed, "evidence"), quarters: quarter_table(), row_chance }
    }

    /// The evidence of a commitment of year `fy` with a target of `target`
    /// hundredths, in steps of `step`: no more rows than target units, in
    /// period order.
    pub fn draw(&mut self, fy: i32, target: i64, step: i64) -> Vec<DrawnEvidence<'_>> {
        let rows = self.row_count();
        if rows == 0 {
            return Vec::new();
        }
        let Self { rng, quarters: table, .. } = self;
        let quarters = &table[(fy - FIRST_FY) as usize];
        // some evidence lands in Q1/Q2 of the following year (never past LAST_FY,
        // so every evidence year has a proxy)
        let late: &[QuarterPeriods] = if fy < LAST_FY { &table[(fy + 1 - FIRST_FY) as usize][..2] } else { &[] };
        let units = target / step; // target in whole steps
        let rows = rows.min(units); // no more rows than target units
        let ratio = 0.5 + 0.75 * rng.random(); // this commitment's delivery ratio
        let cover = rows.min(4) as f64 / 4.0; // fewer than 4 rows: only part of the year reported
        let per_row = units as f64 * ratio * cover / rows as f64; // in steps
        let mut drawn: Vec<DrawnEvidence<'_>> = Vec::with_capacity(rows as usize);
        for _ in 0..rows {
            let q = if !late.is_empty() && rng.random() < 0.08 { &late[rng.below(2)] } else { &quarters[rng.below(4)] };
            // a full quarter, or one calendar month inside it
            let period = if rng.random() < 0.25 { &q.months[rng.below(3)] } else { &q.full };
            let quantity = ((per_row * (0.7 + 0.6 * rng.random()) + rng.random()) as i64).max(1) * step;
            drawn.push(DrawnEvidence { period, quantity, status: status(rng.random()) });
        }
        // stable, as Python's sort: ties keep draw order
        drawn.sort_by(|x, y| x.period.cmp(y.period));
        drawn
    }

    /// 0..12 rows, binomial after a 10% chance of none at all.
    fn row_count(&mut self) -> i64 {
        let mut rows = 0;
        if self.rng.random() >= NO_EVIDENCE {
            for _ in 0..12 {
                if self.rng.random() < self.row_chance {
                    rows += 1;
                }
            }
        }
        rows
    }
}

/// A status from a draw in [0, 1): 80% verified, 15% submitted, 5% rejected.
fn status(draw: f64) -> &'static str {
    if draw < 0.80 {
        "verified"
    } else if draw < 0.95 {
        "submitted"
    } else {
        "rejected"
    }
}

/// v2: the quantity an officer validated on each verified row, drawn from
/// a stream of its own.
pub(super) struct Validations {
    rng: Rng,
}

impl Validations {
    pub fn new(seed: u64) -> Validations {
        Validations { rng: Rng::new(seed, "validation") }
    }

    /// The `validated_quantity` of a row of `quantity` hundredths in steps
    /// of `step`, in hundredths: `None` (empty, the whole quantity) unless
    /// the row is verified and partly validated, on the step grid, or its
    /// quantity is written out.
    pub fn draw(&mut self, status: &str, quantity: i64, step: i64) -> Option<i64> {
        if status != "verified" {
            return None;
        }
        let r = self.rng.random();
        if r < PARTIAL_VALIDATION_P {
            // 0 <= validated < quantity
            Some((((quantity / step) as f64 * (0.3 + 0.65 * self.rng.random())) as i64) * step)
        } else if r < PARTIAL_VALIDATION_P + EXPLICIT_FULL_P {
            Some(quantity)
        } else {
            None
        }
    }
}
