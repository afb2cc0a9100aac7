//! Exact sums in SQL of figures that can pass 64 bits.
//!
//! One record's figure fits in a BIGINT (a value, quantity × proxy, is at
//! most 10^18 ten-thousandths of a pound), but a sum of them may not, and
//! SQLite has no wider integer: its SUM raises "integer overflow". So each
//! summed figure travels as two BIGINT parts, `v = hi × BASE + lo`, split
//! per record (`hi = v / BASE`, `lo = v % BASE`, each at most about 10^9).
//! Parts are summed as they are, never carried, so a sum of billions of
//! records' parts still fits in a BIGINT, on both backends. The cells store
//! the parts in columns `{figure}_hi` and `{figure}_lo`; Rust adds them
//! back together in i128 ([`join`]).

use sea_orm::QueryResult;

use crate::error::AppResult;

/// The base of the split: a record's figure of at most 10^18 gives parts of at most 10^9.
pub const BASE: i64 = 1_000_000_000;

/// The two column names of a split figure.
pub fn parts(name: &str) -> [String; 2] {
    [format!("{name}_hi"), format!("{name}_lo")]
}

/// `{name}_hi, {name}_lo`: the parts of `expr`, one record's figure, summed over the rows.
pub fn sum_records(expr: &str, name: &str) -> String {
    let [hi, lo] = parts(name);
    format!("CAST(SUM(({expr}) / {BASE}) AS BIGINT) AS {hi}, CAST(SUM(({expr}) % {BASE}) AS BIGINT) AS {lo}")
}

/// `{name}_hi, {name}_lo`: the stored parts `{column}_hi` and `{column}_lo`
/// summed over the rows, or each row's own when `sum` is false.
pub fn sum_parts(column: &str, name: &str, sum: bool) -> String {
    let [hi, lo] = parts(name);
    let [column_hi, column_lo] = parts(column);
    if sum {
        format!("CAST(SUM({column_hi}) AS BIGINT) AS {hi}, CAST(SUM({column_lo}) AS BIGINT) AS {lo}")
    } else {
        format!("{column_hi} AS {hi}, {column_lo} AS {lo}")
    }
}

/// `{name}_hi, {name}_lo` of a part of a statement that has no such figure.
pub fn zero(name: &str) -> String {
    let [hi, lo] = parts(name);
    format!("CAST(0 AS BIGINT) AS {hi}, CAST(0 AS BIGINT) AS {lo}")
}

/// The figure that two parts stand for.
pub fn join(hi: i64, lo: i64) -> i128 {
    hi as i128 * BASE as i128 + lo as i128
}

/// The figure `name` of a row, from its parts; NULL (a sum over no rows) is 0.
pub fn get(row: &QueryResult, name: &str) -> AppResult<i128> {
    let [hi, lo] = parts(name);
    let part = |c: &str| -> AppResult<i64> { Ok(row.try_get::<Option<i64>>("", c)?.unwrap_or(0)) };
    Ok(join(part(&hi)?, part(&lo)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_add_up_past_64_bits() {
        let max: i64 = 1_000_000_000_000_000_000;
        let (hi, lo) = (max / BASE, max % BASE);
        assert_eq!(join(hi, lo), max as i128);
        let n = 9_000_000_000i64;
        assert_eq!(join(hi * n, lo * n), max as i128 * n as i128);
        assert_eq!(join(7 / BASE, 7 % BASE), 7);
    }
}
