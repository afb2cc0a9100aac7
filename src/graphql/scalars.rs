//! The contract's scalars: `Decimal` (exact, JSON string only), `Date`
//! (`YYYY-MM-DD`) and `DateTime` (RFC 3339).

use async_graphql::Value as GqlValue;
use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType};
use chrono::{NaiveDate, SecondsFormat, Utc};

/// An exact decimal, serialised as a JSON string (`"1234.50"`).
///
/// Accepted only as a string: a JSON number has already passed through a
/// float and may have lost digits. The text is parsed into money or a
/// quantity where it is used, so that a bad number in a sync batch is
/// reported against its record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Decimal(pub String);

impl Decimal {
    pub fn of(v: impl std::fmt::Display) -> Self {
        Self(v.to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[Scalar(name = "Decimal")]
impl ScalarType for Decimal {
    fn parse(value: GqlValue) -> InputValueResult<Self> {
        match value {
            GqlValue::String(s) => Ok(Decimal(s)),
            // A JSON number has passed through a float and may have lost digits.
            GqlValue::Number(n) => Err(InputValueError::custom(format!("send a Decimal as a JSON string, such as \"{n}\", not as the JSON number {n}"))),
            other => Err(InputValueError::expected_type(other)),
        }
    }

    fn to_value(&self) -> GqlValue {
        GqlValue::String(self.0.clone())
    }
}

/// A calendar date, `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Date(pub NaiveDate);

#[Scalar(name = "Date")]
impl ScalarType for Date {
    fn parse(value: GqlValue) -> InputValueResult<Self> {
        match &value {
            GqlValue::String(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()
                .filter(|_| s.len() == 10)
                .map(Date)
                .ok_or_else(|| InputValueError::custom(format!("{s:?} is not a date in the form YYYY-MM-DD"))),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> GqlValue {
        GqlValue::String(self.0.format("%Y-%m-%d").to_string())
    }
}

/// An instant, RFC 3339 in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateTime(pub chrono::DateTime<Utc>);

#[Scalar(name = "DateTime")]
impl ScalarType for DateTime {
    fn parse(value: GqlValue) -> InputValueResult<Self> {
        match &value {
            GqlValue::String(s) => chrono::DateTime::parse_from_rfc3339(s)
                .map(|d| DateTime(d.with_timezone(&Utc)))
                .map_err(|_| InputValueError::custom(format!("{s:?} is not an RFC 3339 date-time"))),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> GqlValue {
        GqlValue::String(self.0.to_rfc3339_opts(SecondsFormat::Micros, true))
    }
}

impl DateTime {
    /// An RFC 3339 instant as the feed and the audit trail store it.
    pub fn from_stored(text: &str) -> Result<Self, async_graphql::Error> {
        let at = chrono::DateTime::parse_from_rfc3339(text).map_err(|e| crate::error::internal(e.to_string()))?;
        Ok(DateTime(at.with_timezone(&Utc)))
    }
}

/// JSON kept as text (feed data, audit snapshots), as a JSON value.
pub fn stored_json(text: &Option<String>) -> Result<Option<async_graphql::Json<serde_json::Value>>, async_graphql::Error> {
    text.as_deref().map(|t| serde_json::from_str(t).map(async_graphql::Json).map_err(|e| crate::error::internal(e.to_string()).into())).transpose()
}
