//! Exact sums in SQL of figures that can pass 64 bits.
//!
//! A value is quantity (hundredths) × factor (ten-thousandths) × proxy
//! (pence): up to about 10^25, more than a BIGINT holds, and a sum of many
//! values more again. SQLite has no wider integer (its SUM raises "integer
//! overflow"), so each figure travels as three BIGINT parts in base 10^9,
//! `v = p2 × BASE² + p1 × BASE + p0`, each part below 10^9 per record.
//! Parts are summed as they are, never carried, so a sum of billions of
//! records' parts still fits in a BIGINT, on both backends. The cells store
//! the parts in columns `{figure}_p2`, `{figure}_p1` and `{figure}_p0`;
//! Rust adds them back together in i128 ([`join`]).
//!
//! A product is split without ever forming it: `a × p` with `a < 10^18`
//! and `p < BASE` is `(a / BASE) × p × BASE + (a % BASE) × p`, two terms
//! below 10^16 each, whose carries give the three parts.

use sea_orm::QueryResult;

use crate::error::AppResult;

/// The base of the split.
pub const BASE: i64 = 1_000_000_000;

/// The three column names of a split figure, most significant first.
pub fn parts(name: &str) -> [String; 3] {
    [format!("{name}_p2"), format!("{name}_p1"), format!("{name}_p0")]
}

/// The three parts of one record's figure `expr` (below 10^18).
fn split(expr: &str) -> [String; 3] {
    [format!("(({expr}) / {BASE} / {BASE})"), format!("((({expr}) / {BASE}) % {BASE})"), format!("(({expr}) % {BASE})")]
}

/// The three parts of the product `a × p` of one record (a below 10^18, p below 10^9).
fn split_product(a: &str, p: &str) -> [String; 3] {
    let low = format!("((({a}) % {BASE}) * ({p}))");
    let high = format!("((({a}) / {BASE}) * ({p}) + {low} / {BASE})");
    [format!("({high} / {BASE})"), format!("({high} % {BASE})"), format!("({low} % {BASE})")]
}

fn summed(parts: [String; 3], name: &str) -> String {
    parts.iter().zip(self::parts(name)).map(|(p, col)| format!("CAST(SUM({p}) AS BIGINT) AS {col}")).collect::<Vec<_>>().join(", ")
}

/// The parts of `expr`, one record's figure (below 10^18), summed over the rows.
pub fn sum_records(expr: &str, name: &str) -> String {
    summed(split(expr), name)
}

/// The parts of `a × p`, one record's figure, summed over the rows.
pub fn sum_products(a: &str, p: &str, name: &str) -> String {
    summed(split_product(a, p), name)
}

/// The parts of `name`: the stored parts of `column` summed over the rows,
/// or each row's own when `sum` is false.
pub fn sum_parts(column: &str, name: &str, sum: bool) -> String {
    let columns = parts(column);
    let out = parts(name);
    columns.iter().zip(out).map(|(c, o)| if sum { format!("CAST(SUM({c}) AS BIGINT) AS {o}") } else { format!("{c} AS {o}") }).collect::<Vec<_>>().join(", ")
}

/// The parts of `name` in a part of a statement that has no such figure.
pub fn zero(name: &str) -> String {
    parts(name).map(|p| format!("CAST(0 AS BIGINT) AS {p}")).join(", ")
}

/// The figure that three parts stand for.
pub fn join(p2: i64, p1: i64, p0: i64) -> i128 {
    let base = BASE as i128;
    (p2 as i128 * base + p1 as i128) * base + p0 as i128
}

/// The figure `name` of a row, from its parts; NULL (a sum over no rows) is 0.
pub fn get(row: &QueryResult, name: &str) -> AppResult<i128> {
    let [p2, p1, p0] = parts(name);
    let part = |c: &str| -> AppResult<i64> { Ok(row.try_get::<Option<i64>>("", c)?.unwrap_or(0)) };
    Ok(join(part(&p2)?, part(&p1)?, part(&p0)?))
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
        assert_eq!(join(parts[0], parts[1], parts[2]), a as i128 * p as i128);
        // Nine billion such records still sum in 64-bit parts.
        let n = 9_000_000_000i64;
        assert_eq!(join(parts[0] * n, parts[1] * n, parts[2] * n), a as i128 * p as i128 * n as i128);
        for (a, p) in [(0, 5), (7, 3), (999_999_999, 999_999_999), (1_000_000_000, 1), (123_456_789_012_345_678, 9_876_543)] {
            let [p2, p1, p0] = product_parts(a, p);
            assert_eq!(join(p2, p1, p0), a as i128 * p as i128, "{a} × {p}");
        }
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
