//! UK financial years (FY N = 1 April N to 31 March N+1) and their quarters
//! (Q1 Apr-Jun, Q2 Jul-Sep, Q3 Oct-Dec, Q4 Jan-Mar).

use chrono::{Datelike, Days, Months, NaiveDate};

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

    /// Its four quarters, Q1 to Q4.
    pub fn quarters(self) -> [Quarter; 4] {
        std::array::from_fn(|i| Quarter { year: self, number: i as i32 + 1 })
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

    /// The first and last day of each of its three calendar months, in order.
    ///
    /// # Panics
    ///
    /// If the year lies outside chrono's calendar (beyond ±262,000).
    pub fn months(self) -> [(NaiveDate, NaiveDate); 3] {
        std::array::from_fn(|k| {
            // months after January of the year the financial year starts in: April is 3
            let m = 3 + 3 * (self.number - 1) + k as i32;
            let first = NaiveDate::from_ymd_opt(self.year.0 + m.div_euclid(12), m.rem_euclid(12) as u32 + 1, 1).expect("a year inside chrono's calendar");
            let last = first.checked_add_months(Months::new(1)).expect("a year inside chrono's calendar") - Days::new(1);
            (first, last)
        })
    }

    /// Its first day.
    pub fn first_day(self) -> NaiveDate {
        self.months()[0].0
    }

    /// Its last day.
    pub fn last_day(self) -> NaiveDate {
        self.months()[2].1
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
    fn quarters_are_their_three_months() {
        let [q1, _, q3, q4] = FinancialYear(2023).quarters();
        assert_eq!((q1.first_day(), q1.last_day()), (d("2023-04-01"), d("2023-06-30")));
        assert_eq!((q3.first_day(), q3.last_day()), (d("2023-10-01"), d("2023-12-31")));
        assert_eq!(q4.months(), [(d("2024-01-01"), d("2024-01-31")), (d("2024-02-01"), d("2024-02-29")), (d("2024-03-01"), d("2024-03-31"))]);
        for q in FinancialYear(2024).quarters() {
            assert_eq!(Quarter::of_period(q.first_day(), q.last_day()), Some(q));
            assert_eq!(q.months()[0].0, q.first_day());
            for (first, last) in q.months() {
                assert_eq!(Quarter::of_period(first, last), Some(q));
                assert_eq!(last.succ_opt().map(|next| next.day()), Some(1));
            }
        }
        assert_eq!(FinancialYear(2024).quarters()[3].last_day().succ_opt(), Some(FinancialYear(2025).quarters()[0].first_day()));
    }

    #[test]
    fn periods_must_lie_in_one_quarter() {
        assert!(Quarter::of_period(d("2024-04-01"), d("2024-06-30")).is_some());
        assert!(Quarter::of_period(d("2024-06-01"), d("2024-07-31")).is_none());
        assert!(Quarter::of_period(d("2024-05-01"), d("2024-04-30")).is_none());
    }
}
