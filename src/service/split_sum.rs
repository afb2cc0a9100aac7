//! Exact sums in SQL of figures that can pass 64 bits.
//!
//! A £ value is quantity (hundredths) × factor (ten-thousandths) × proxy
//! (pence): up to about 10^25 for one record, more than a BIGINT holds, and
//! a sum of many values more again. SQLite has no wider integer (its SUM
//! raises "integer overflow"), so each figure travels as BIGINT parts in
//! base 10^9, summed as they are and never carried, so that a sum of
//! billions of records' parts still fits in a BIGINT on both backends. Rust
//! adds them back together in i128 ([`join`]).
//!
//! How many parts a figure needs follows from what one record's figure can
//! be. A value ([`VALUES`]) needs three, `v = p2 × BASE² + p1 × BASE + p0`,
//! each part below 10^9 per record. Every other figure (a quantity, even in
//! regional millionths, or a contract value in pence) is at most 10^18 per
//! record, so two parts, `v = p1 × BASE + p0`, keep it with `p1` at most
//! 10^9 per record; a third would be one more column to store, index and
//! read in every cell for nothing. The cells store the parts in columns
//! `{figure}_p2` (values only), `{figure}_p1` and `{figure}_p0`.
//!
//! A product is split without ever forming it: `a × p` with `a ≤ 10^18`
//! and `p < BASE` is `(a / BASE) × p × BASE + (a % BASE) × p`, two terms
//! below 10^16 each, whose carries give the three parts.

use sea_orm::QueryResult;

use crate::error::AppResult;

/// The base of the split.
pub const BASE: i64 = 1_000_000_000;

/// The figures that are £ values, products that need three parts.
pub const VALUES: [&str; 4] = ["committed_value", "delivered_value", "verified_value", "shortfall_value"];

fn is_value(name: &str) -> bool {
    VALUES.contains(&name)
}

/// How many parts the figure `name` has.
pub fn width(name: &str) -> usize {
    if is_value(name) { 3 } else { 2 }
}

/// The column names of a split figure, most significant first.
pub fn parts(name: &str) -> Vec<String> {
    (0..width(name)).rev().map(|i| format!("{name}_p{i}")).collect()
}

/// The two parts of one record's figure `expr` (at most 10^18).
fn split(expr: &str) -> Vec<String> {
    vec![format!("(({expr}) / {BASE})"), format!("(({expr}) % {BASE})")]
}

/// The three parts of the product `a × p` of one record (a at most 10^18, p below 10^9).
fn split_product(a: &str, p: &str) -> Vec<String> {
    let low = format!("((({a}) % {BASE}) * ({p}))");
    let high = format!("((({a}) / {BASE}) * ({p}) + {low} / {BASE})");
    vec![format!("({high} / {BASE})"), format!("({high} % {BASE})"), format!("({low} % {BASE})")]
}

fn summed(parts: Vec<String>, name: &str) -> String {
    parts.iter().zip(self::parts(name)).map(|(p, col)| format!("CAST(SUM({p}) AS BIGINT) AS {col}")).collect::<Vec<_>>().join(", ")
}

/// The parts of `expr`, one record's figure (at most 10^18, not a value), summed over the rows.
pub fn sum_records(expr: &str, name: &str) -> String {
    assert!(!is_value(name), "{name} is a value: sum it with sum_products");
    summed(split(expr), name)
}

/// The parts of `a × p`, one record's value, summed over the rows.
pub fn sum_products(a: &str, p: &str, name: &str) -> String {
    assert!(is_value(name), "{name} is not a value: sum it with sum_records");
    summed(split_product(a, p), name)
}

/// The parts of `a × p`, one record's value, each part as a column of its own row.
pub fn product(a: &str, p: &str, name: &str) -> String {
    assert!(is_value(name), "{name} is not a value");
    split_product(a, p).iter().zip(parts(name)).map(|(e, col)| format!("CAST({e} AS BIGINT) AS {col}")).collect::<Vec<_>>().join(", ")
}

/// The parts of a non-negative figure that Rust holds whole, as SQL would split it.
pub fn split_value(v: i128, name: &str) -> Vec<i64> {
    let base = i128::from(BASE);
    let mut out: Vec<i64> = (0..width(name)).map(|i| ((v / base.pow(i as u32)) % base) as i64).collect();
    // The most significant part keeps what is left above it.
    let top = width(name) - 1;
    out[top] = (v / base.pow(top as u32)) as i64;
    out.reverse();
    out
}

/// The parts of `name`: the stored parts of the figure in the rows of
/// `table` (an alias), summed over the rows, or each row's own when `sum`
/// is false.
pub fn sum_parts(table: &str, name: &str, sum: bool) -> String {
    parts(name)
        .iter()
        .map(|c| if sum { format!("CAST(SUM({table}.{c}) AS BIGINT) AS {c}") } else { format!("{table}.{c} AS {c}") })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The parts of `name` in a part of a statement that has no such figure.
pub fn zero(name: &str) -> String {
    parts(name).iter().map(|p| format!("CAST(0 AS BIGINT) AS {p}")).collect::<Vec<_>>().join(", ")
}

/// The figure that parts stand for, most significant first.
pub fn join(parts: &[i64]) -> i128 {
    parts.iter().fold(0i128, |acc, p| acc * BASE as i128 + *p as i128)
}

/// A row's columns read in the order they were selected. Reading by index
/// costs no string and no lookup per column; a rollup reads about twenty
/// columns of each of up to thousands of rows.
pub struct Columns<'a> {
    row: &'a QueryResult,
    next: usize,
}

impl<'a> Columns<'a> {
    pub fn new(row: &'a QueryResult) -> Self {
        Self { row, next: 0 }
    }

    fn get<T: sea_orm::TryGetable>(&mut self) -> AppResult<T> {
        self.next += 1;
        Ok(self.row.try_get_by_index::<T>(self.next - 1)?)
    }

    /// An INTEGER column.
    pub fn int32(&mut self) -> AppResult<i32> {
        self.get()
    }

    pub fn optional_int32(&mut self) -> AppResult<Option<i32>> {
        self.get()
    }

    /// A BIGINT count or part; NULL (a sum over no rows) is 0.
    pub fn count(&mut self) -> AppResult<i64> {
        Ok(self.get::<Option<i64>>()?.unwrap_or(0))
    }

    /// The figure `name`, from its parts in the next columns.
    pub fn figure(&mut self, name: &str) -> AppResult<i128> {
        let mut parts = [0i64; 3];
        let parts = &mut parts[..width(name)];
        for p in parts.iter_mut() {
            *p = self.count()?;
        }
        Ok(join(parts))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The SQL arithmetic of `split_product`, done in i64 as the databases do it.
    fn product_parts(a: i64, p: i64) -> [i64; 3] {
        let low = (a % BASE) * p;
        let high = (a / BASE) * p + low / BASE;
        [high / BASE, high % BASE, low % BASE]
    }

    #[test]
    fn products_past_64_bits_split_exactly_and_their_parts_sum_without_overflow() {
        // The largest accepted: quantity 10^9 units, factor 1000, proxy £100,000.
        let (a, p) = (100_000_000_000i64 * 10_000_000, 10_000_000i64);
        let parts = product_parts(a, p);
        assert!(parts.iter().all(|v| (0..BASE).contains(v)), "{parts:?}");
        assert_eq!(join(&parts), a as i128 * p as i128);
        // Nine billion such records still sum in 64-bit parts.
        let n = 9_000_000_000i64;
        assert_eq!(join(&parts.map(|v| v * n)), a as i128 * p as i128 * n as i128);
        for (a, p) in [(0, 5), (7, 3), (999_999_999, 999_999_999), (1_000_000_000, 1), (123_456_789_012_345_678, 9_876_543)] {
            assert_eq!(join(&product_parts(a, p)), a as i128 * p as i128, "{a} × {p}");
        }
    }

    #[test]
    fn other_figures_split_in_two_parts_that_sum_without_overflow() {
        // The largest: quantity 10^9 units (hundredths) × factor 1000 (ten-thousandths).
        let a = 100_000_000_000i64 * 10_000_000;
        let two = [a / BASE, a % BASE];
        assert_eq!(two, [BASE, 0]);
        let n = 9_000_000_000i64;
        assert_eq!(join(&two.map(|v| v * n)), a as i128 * n as i128);
        assert_eq!(split("a"), [format!("((a) / {BASE})"), format!("((a) % {BASE})")]);
        assert_eq!(parts("committed_quantity"), ["committed_quantity_p1", "committed_quantity_p0"]);
        assert_eq!(parts("verified_value"), ["verified_value_p2", "verified_value_p1", "verified_value_p0"]);
    }

    #[test]
    fn the_sql_says_what_the_test_computes() {
        assert_eq!(
            split_product("a", "p"),
            [
                format!("((((a) / {BASE}) * (p) + (((a) % {BASE}) * (p)) / {BASE}) / {BASE})"),
                format!("((((a) / {BASE}) * (p) + (((a) % {BASE}) * (p)) / {BASE}) % {BASE})"),
                format!("((((a) % {BASE}) * (p)) % {BASE})"),
            ]
        );
    }
}
