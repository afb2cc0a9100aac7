//! Delivery tracking: where a commitment stands against its target on a
//! date. A commitment is due over its financial year, a quarter at a time,
//! so on a date `asOf` a quarter of the target is expected for each of the
//! year's quarters that has ended.
//!
//! Everything here depends on `asOf` only through how many quarters of a
//! year have ended (0 to 4), and a commitment is behind from some number of
//! ended quarters onwards ([`Standing::behind_from`]), so the write path can
//! keep every status, for every date, as a few integers per commitment.

use chrono::NaiveDate;

use super::period::{FinancialYear, Quarter};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeliveryStatus {
    NotDue,
    OnTrack,
    Behind,
    NotStarted,
    Delivered,
}

impl DeliveryStatus {
    pub const ALL: [DeliveryStatus; 5] = [Self::NotDue, Self::OnTrack, Self::Behind, Self::NotStarted, Self::Delivered];

    /// Its name in the contract (`NOT_DUE`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotDue => "NOT_DUE",
            Self::OnTrack => "ON_TRACK",
            Self::Behind => "BEHIND",
            Self::NotStarted => "NOT_STARTED",
            Self::Delivered => "DELIVERED",
        }
    }

    /// Whether it counts in `behindCount`.
    pub fn is_behind(self) -> bool {
        matches!(self, Self::Behind | Self::NotStarted)
    }
}

/// A date, as delivery tracking sees it: the financial year it falls in and
/// how many of that year's quarters ended before it (0 to 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AsOf {
    pub year: i32,
    pub ended: u8,
}

impl AsOf {
    pub fn of(date: NaiveDate) -> Self {
        let q = Quarter::containing(date);
        Self { year: q.year.0, ended: (q.number - 1) as u8 }
    }

    pub fn today() -> Self {
        Self::of(chrono::Utc::now().date_naive())
    }

    /// How many quarters of the financial year `year` ended before this date.
    pub fn quarters_ended(self, year: i32) -> u8 {
        match year.cmp(&self.year) {
            std::cmp::Ordering::Less => 4,
            std::cmp::Ordering::Equal => self.ended,
            std::cmp::Ordering::Greater => 0,
        }
    }
}

/// Today (UTC), as the contract's default `asOf`.
impl Default for AsOf {
    fn default() -> Self {
        Self::today()
    }
}

/// What a commitment's status turns on, whatever the date: how far it has
/// got, and from how many ended quarters on it is behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub progress: Progress,
    /// The fewest ended quarters (1 to 4) at which delivered < expected; 5 when never.
    pub behind_from: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Progress {
    NotStarted = 0,
    Started = 1,
    Delivered = 2,
}

impl Standing {
    /// From the target and the delivered (not rejected) quantity, in the
    /// units reported, both in hundredths.
    pub fn of(target_centi: i64, delivered_centi: i128) -> Self {
        let target = i128::from(target_centi);
        if delivered_centi >= target {
            return Self { progress: Progress::Delivered, behind_from: 5 };
        }
        let progress = if delivered_centi == 0 { Progress::NotStarted } else { Progress::Started };
        // Behind once delivered < target × q / 4, that is 4 × delivered < target × q.
        let behind_from = (1..=4u8).find(|q| 4 * delivered_centi < target * i128::from(*q)).unwrap_or(5);
        Self { progress, behind_from }
    }

    pub fn status(self, quarters_ended: u8) -> DeliveryStatus {
        match self.progress {
            Progress::Delivered => DeliveryStatus::Delivered,
            _ if quarters_ended == 0 => DeliveryStatus::NotDue,
            Progress::NotStarted if quarters_ended >= self.behind_from => DeliveryStatus::NotStarted,
            _ if quarters_ended >= self.behind_from => DeliveryStatus::Behind,
            _ => DeliveryStatus::OnTrack,
        }
    }

    pub fn status_on(self, year: FinancialYear, as_of: AsOf) -> DeliveryStatus {
        self.status(as_of.quarters_ended(year.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn quarters_end_on_their_last_day_and_count_from_the_day_after() {
        let q = |date: &str, year: i32| AsOf::of(d(date)).quarters_ended(year);
        assert_eq!(q("2025-06-30", 2025), 0, "30 June is Q1's last day: not yet ended");
        assert_eq!(q("2025-07-01", 2025), 1);
        assert_eq!(q("2025-10-01", 2025), 2);
        assert_eq!(q("2026-01-01", 2025), 3);
        assert_eq!(q("2026-03-31", 2025), 3);
        assert_eq!(q("2026-04-01", 2025), 4);
        assert_eq!(q("2025-06-30", 2024), 4);
        assert_eq!(q("2025-06-30", 2026), 0);
    }

    #[test]
    fn each_status_as_the_contract_defines_it() {
        use DeliveryStatus::*;
        // Target 100.00.
        let s = |delivered: i128, q: u8| Standing::of(10_000, delivered).status(q);
        assert_eq!(s(10_000, 0), Delivered);
        assert_eq!(s(12_000, 3), Delivered);
        assert_eq!(s(0, 0), NotDue);
        assert_eq!(s(5_000, 0), NotDue);
        assert_eq!(s(0, 1), NotStarted);
        assert_eq!(s(2_499, 1), Behind);
        assert_eq!(s(2_500, 1), OnTrack, "exactly the expected quarter is on track");
        assert_eq!(s(2_500, 2), Behind);
        assert_eq!(s(9_999, 4), Behind);
        // A target of 0 is delivered from the start.
        assert_eq!(Standing::of(0, 0).status(4), Delivered);
    }

    #[test]
    fn behind_from_is_monotone_and_matches_the_status_at_every_quarter() {
        for delivered in [0, 1, 2_499, 2_500, 5_000, 7_501, 9_999, 10_000] {
            let st = Standing::of(10_000, delivered);
            for q in 0..=4u8 {
                let behind = st.status(q).is_behind();
                assert_eq!(behind, q > 0 && q >= st.behind_from, "delivered {delivered} at {q}");
            }
        }
    }
}
