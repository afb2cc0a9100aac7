//! Exact decimals as scaled integers.
//!
//! Money is held in pence, quantities and percentages in hundredths, and a
//! value (quantity × proxy) in ten-thousandths of a pound: the product of two
//! 2-dp numbers has 4 dp, so it is exact in that unit. Floats never appear.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecimalError {
    #[error("\"{0}\" is not a decimal number")]
    Syntax(String),
    #[error("\"{0}\" has more than {1} decimal places")]
    TooPrecise(String, u32),
    #[error("\"{0}\" is too large")]
    TooLarge(String),
    #[error("\"{0}\" is negative")]
    Negative(String),
}

/// Parses `-?digits(.digits)?` into an integer scaled by 10^dp.
pub fn parse_scaled(text: &str, dp: u32) -> Result<i64, DecimalError> {
    let err = || DecimalError::Syntax(text.to_owned());
    let (negative, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, f),
        None => (body, ""),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) || (body.contains('.') && !digits(frac)) {
        return Err(err());
    }
    let frac = frac.trim_end_matches('0');
    if frac.len() > dp as usize {
        return Err(DecimalError::TooPrecise(text.to_owned(), dp));
    }
    let too_large = || DecimalError::TooLarge(text.to_owned());
    let scale = 10i64.pow(dp);
    let int: i64 = int.parse().map_err(|_| too_large())?;
    let frac_scaled: i64 = if frac.is_empty() { 0 } else { frac.parse::<i64>().map_err(|_| err())? * 10i64.pow(dp - frac.len() as u32) };
    let magnitude = int.checked_mul(scale).and_then(|v| v.checked_add(frac_scaled)).ok_or_else(too_large)?;
    // Keep headroom: sums of many values and quantity × proxy products must not overflow i64.
    if magnitude > MAX_SCALED {
        return Err(too_large());
    }
    Ok(if negative { -magnitude } else { magnitude })
}

/// Largest accepted scaled input (10^12 pounds or units at 2 dp): ample for
/// any contract, and far from i64's limit.
const MAX_SCALED: i64 = 100_000_000_000_000;

/// Formats a scaled integer with at least two decimal places and no trailing
/// zeros beyond them (`1234.50`, `12.3456`), the same on every backend.
pub fn format_scaled(value: i128, dp: u32) -> String {
    format_with_places(value, dp, 2.min(dp))
}

/// Formats a scaled integer without any trailing zeros (`12`, `12.5`,
/// `12.25`): the shortest text that parses back to the same value.
fn format_scaled_shortest(value: i128, dp: u32) -> String {
    format_with_places(value, dp, 0)
}

/// At least `min_places` decimal places, and no trailing zeros beyond them.
fn format_with_places(value: i128, dp: u32, min_places: u32) -> String {
    let scale = 10i128.pow(dp);
    let sign = if value < 0 { "-" } else { "" };
    let abs = value.unsigned_abs();
    let int = abs / scale as u128;
    let frac = format!("{:0width$}", abs % scale as u128, width = dp as usize);
    let keep = frac.trim_end_matches('0').len().max(min_places as usize);
    if keep == 0 { format!("{sign}{int}") } else { format!("{sign}{int}.{}", &frac[..keep]) }
}

macro_rules! scaled {
    ($name:ident, $dp:expr, $doc:literal) => {
        #[doc = $doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        pub struct $name(i64);

        impl $name {
            pub const DP: u32 = $dp;

            /// Parses a non-negative decimal with at most `DP` places.
            pub fn parse(text: &str) -> Result<Self, DecimalError> {
                let v = parse_scaled(text, Self::DP)?;
                if v < 0 {
                    return Err(DecimalError::Negative(text.to_owned()));
                }
                Ok(Self(v))
            }

            pub fn from_scaled(v: i64) -> Self {
                Self(v)
            }

            pub fn scaled(self) -> i64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&format_scaled(self.0 as i128, Self::DP))
            }
        }
    };
}

scaled!(Money, 2, "Pounds sterling, held in pence.");
scaled!(Quantity, 2, "A quantity of a measure's unit, held in hundredths.");

impl Quantity {
    /// At most a billion units: with a proxy of at most £100,000 a unit,
    /// quantity × proxy stays inside a 64-bit integer in SQL.
    pub const MAX: Quantity = Quantity(100_000_000_000);

    /// The quantity without trailing zeros (`12`, `12.5`, `12.25`), where
    /// its `Display` always shows two places (`12.00`).
    pub fn to_shortest_string(self) -> String {
        format_scaled_shortest(self.0 as i128, Self::DP)
    }
}
scaled!(Percent, 2, "A percentage, held in hundredths of a percent.");
scaled!(Factor, 4, "A crosswalk factor: how many units of a regional measure one reported unit counts as, held in ten-thousandths.");

impl Factor {
    /// One reported unit is one regional unit.
    pub const ONE: Factor = Factor(10_000);
    /// At most 1,000 regional units per reported unit, so that a quantity
    /// in regional units stays within `Quantity::MAX` × 1,000.
    pub const MAX: Factor = Factor(10_000_000);

    /// A factor as a mapping accepts it: more than 0, at most `MAX`.
    pub fn parse_positive(text: &str) -> Result<Self, String> {
        let f = Self::parse(text).map_err(|e| e.to_string())?;
        if f.0 == 0 {
            return Err(format!("\"{text}\" is not more than 0"));
        }
        if f > Self::MAX {
            return Err(format!("\"{text}\" is more than {}", Self::MAX));
        }
        Ok(f)
    }
}

/// A figure wider than one record's: i128, so that sums over any number of
/// records within their limits cannot overflow.
macro_rules! wide {
    ($name:ident, $dp:expr, $doc:literal) => {
        #[doc = $doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        pub struct $name(i128);

        impl $name {
            pub const DP: u32 = $dp;

            pub fn from_scaled(v: i128) -> Self {
                Self(v)
            }

            pub fn scaled(self) -> i128 {
                self.0
            }
        }

        impl std::ops::Add for $name {
            type Output = $name;
            fn add(self, rhs: $name) -> $name {
                $name(self.0 + rhs.0)
            }
        }

        impl std::iter::Sum for $name {
            fn sum<I: Iterator<Item = $name>>(iter: I) -> $name {
                iter.fold($name::default(), |a, b| a + b)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&format_scaled(self.0, Self::DP))
            }
        }
    };
}

wide!(SocialValue, 8, "A £ value in 10^-8 of a pound: quantity (hundredths) × factor (ten-thousandths) × proxy (pence) is exactly this unit.");
wide!(RegionalQuantity, 6, "A quantity in regional units: a reported quantity (hundredths) × a factor (ten-thousandths).");
wide!(MoneyTotal, 2, "A sum of money in pence, such as the value of every contract of a region.");
wide!(QuantityTotal, 2, "A sum of quantities in hundredths, such as the delivery of every record of a measure.");

impl SocialValue {
    /// A reported quantity's value: counted as `factor` regional units per
    /// unit, at the regional measure's proxy.
    pub fn of(quantity: Quantity, factor: Factor, proxy: Money) -> Self {
        Self(quantity.scaled() as i128 * factor.scaled() as i128 * proxy.scaled() as i128)
    }

    /// This value ÷ a sum of money, as a plain ratio.
    pub fn ratio_to(self, money: MoneyTotal) -> Option<f64> {
        let den = money.0 * 10i128.pow(Self::DP - MoneyTotal::DP);
        (den != 0).then(|| self.0 as f64 / den as f64)
    }
}

impl RegionalQuantity {
    pub fn of(quantity: Quantity, factor: Factor) -> Self {
        Self(quantity.scaled() as i128 * factor.scaled() as i128)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factors_are_positive_with_at_most_four_places() {
        assert_eq!(Factor::parse_positive("52").unwrap().scaled(), 520_000);
        assert_eq!(Factor::parse_positive("0.0001").unwrap().scaled(), 1);
        assert_eq!(Factor::parse_positive("1000").unwrap(), Factor::MAX);
        assert_eq!(Factor::ONE.to_string(), "1.00");
        for bad in ["0", "0.00", "-1", "1000.0001", "0.00001", "abc", ""] {
            assert!(Factor::parse_positive(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn parses_and_formats_exactly() {
        assert_eq!(Money::parse("0.10").unwrap().scaled(), 10);
        assert_eq!(Money::parse("1234.5").unwrap().to_string(), "1234.50");
        assert_eq!(Quantity::parse("12").unwrap().to_string(), "12.00");
        assert_eq!(Money::parse("1.230").unwrap().scaled(), 123);
        assert_eq!(SocialValue::of(Quantity::parse("3.3").unwrap(), Factor::ONE, Money::parse("248.50").unwrap()).to_string(), "820.05");
        assert_eq!(SocialValue::of(Quantity::parse("0.01").unwrap(), Factor::ONE, Money::parse("0.17").unwrap()).to_string(), "0.0017");
        // DATASET.md's example: more than four places, exactly.
        let half = Factor::parse_positive("0.5").unwrap();
        assert_eq!(SocialValue::of(Quantity::parse("12.25").unwrap(), half, Money::parse("248.50").unwrap()).to_string(), "1522.0625");
        assert_eq!(SocialValue::of(Quantity::parse("0.01").unwrap(), Factor::from_scaled(1), Money::parse("0.01").unwrap()).to_string(), "0.00000001");
        assert_eq!(RegionalQuantity::of(Quantity::parse("12.25").unwrap(), half).to_string(), "6.125");
        assert_eq!(format_scaled(-5, 2), "-0.05");
        // Sums past 64 bits: twenty records at the quantity and proxy limits.
        let max = SocialValue::of(Quantity::MAX, Factor::ONE, Money::from_scaled(10_000_000));
        assert_eq!(std::iter::repeat_n(max, 20).sum::<SocialValue>().to_string(), "2000000000000000.00");
        assert_eq!(MoneyTotal::from_scaled(i64::MAX as i128 + 1).to_string(), "92233720368547758.08");
    }

    #[test]
    fn shortest_text_drops_every_trailing_zero() {
        let shortest = |text: &str| Quantity::parse(text).unwrap().to_shortest_string();
        assert_eq!(shortest("12.00"), "12");
        assert_eq!(shortest("12.50"), "12.5");
        assert_eq!(shortest("12.25"), "12.25");
        assert_eq!(shortest("0.05"), "0.05");
        assert_eq!(shortest("0"), "0");
        assert_eq!(Quantity::from_scaled(1250).to_string(), "12.50");
        assert_eq!(format_scaled_shortest(-1200, 2), "-12");
        assert_eq!(format_scaled_shortest(123_400, 4), "12.34");
        // every shortest text reads back as the same quantity
        for hundredths in [0, 1, 10, 99, 100, 101, 110, 123_456] {
            let q = Quantity::from_scaled(hundredths);
            assert_eq!(Quantity::parse(&q.to_shortest_string()), Ok(q));
        }
    }

    #[test]
    fn refuses_what_is_not_an_exact_decimal() {
        for bad in ["", "-", ".5", "5.", "1e3", "1,000", " 1", "0x10", "NaN", "1.2.3"] {
            assert!(matches!(Money::parse(bad), Err(DecimalError::Syntax(_))), "{bad}");
        }
        assert!(matches!(Money::parse("0.001"), Err(DecimalError::TooPrecise(..))));
        assert!(matches!(Money::parse("-1.00"), Err(DecimalError::Negative(_))));
        assert!(matches!(Money::parse("99999999999999999999"), Err(DecimalError::TooLarge(_))));
    }
}
