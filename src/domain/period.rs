//! UK financial years (FY N = 1 April N to 31 March N+1) and their quarters
//! (Q1 Apr-Jun, Q2 Jul-Sep, Q3 Oct-Dec, Q4 Jan-Mar).

use chrono::{Datelike, NaiveDate};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FinancialYear(pub i32);

impl FinancialYear {
    pub fn containing(date: NaiveDate) -> Self {
        Self(if date.month() >= 4 { date.year() } else { date.year() - 1 })
    }

    /// Years a record may name: wide enough for any real programme, narrow
    /// enough to catch typos such as 20224.
    pub fn parse(year: i32) -> Option<Self> {
        (2000..=2100).contains(&year).then_some(Self(year))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quarter {
    pub year: FinancialYear,
    /// 1 to 4.
    pub number: i32,
}

impl Quarter {
    pub fn containing(date: NaiveDate) -> Self {
        let number = match date.month() {
            4..=6 => 1,
            7..=9 => 2,
            10..=12 => 3,
            _ => 4,
        };
        Self { year: FinancialYear::containing(date), number }
    }

    /// The quarter a reporting period lies in, if it lies inside one.
    pub fn of_period(start: NaiveDate, end: NaiveDate) -> Option<Self> {
        let q = Self::containing(start);
        (end >= start && Self::containing(end) == q).then_some(q)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn financial_years_start_in_april() {
        assert_eq!(FinancialYear::containing(d("2025-03-31")), FinancialYear(2024));
        assert_eq!(FinancialYear::containing(d("2025-04-01")), FinancialYear(2025));
        assert_eq!(Quarter::containing(d("2026-01-15")), Quarter { year: FinancialYear(2025), number: 4 });
    }

    #[test]
    fn periods_must_lie_in_one_quarter() {
        assert!(Quarter::of_period(d("2024-04-01"), d("2024-06-30")).is_some());
        assert!(Quarter::of_period(d("2024-06-01"), d("2024-07-31")).is_none());
        assert!(Quarter::of_period(d("2024-05-01"), d("2024-04-30")).is_none());
    }
}
