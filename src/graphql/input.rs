//! Input wrappers that keep the schema's types but change when a value is
//! refused: [`Lenient`] defers a type error to the resolver, so that a sync
//! batch reports it against its record; [`Values`] bounds and deduplicates a
//! filter's list.

use std::borrow::Cow;

use async_graphql::Value as GqlValue;
use async_graphql::registry::Registry;
use async_graphql::{InputType, InputValueError, InputValueResult};

/// Most values one filter list may name.
pub const MAX_FILTER_VALUES: usize = 1_000;

/// A value of type `T` in the schema that never fails to parse: a value that
/// is not a `T` is kept as the reason it was refused, for the resolver to
/// report where it belongs (a sync record's entity, index and field).
pub struct Lenient<T>(pub Result<T, String>);

impl<T: InputType> InputType for Lenient<T> {
    type RawValueType = T::RawValueType;

    fn type_name() -> Cow<'static, str> {
        T::type_name()
    }

    fn qualified_type_name() -> String {
        T::qualified_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        T::create_type_info(registry)
    }

    fn parse(value: Option<GqlValue>) -> InputValueResult<Self> {
        let missing = value.as_ref().is_none_or(|v| matches!(v, GqlValue::Null));
        Ok(Self(T::parse(value).map_err(|e| {
            if missing {
                "is required".to_owned()
            } else {
                let message = e.into_server_error(Default::default()).message;
                // async-graphql words it "Failed to parse \"Date\": …"; the caller names the field instead.
                message.strip_prefix("Failed to parse \"").and_then(|m| m.split_once("\": ")).map_or(message.clone(), |(_, reason)| reason.to_owned())
            }
        })))
    }

    fn to_value(&self) -> GqlValue {
        self.0.as_ref().map_or(GqlValue::Null, T::to_value)
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        self.0.as_ref().ok().and_then(T::as_raw_value)
    }
}

/// A filter's list (`[T!]`): at most [`MAX_FILTER_VALUES`] values, each kept
/// once, in the order first given.
pub struct Values<T>(Vec<T>);

impl<T> From<Values<T>> for Vec<T> {
    fn from(v: Values<T>) -> Self {
        v.0
    }
}

impl<T> std::ops::Deref for Values<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.0
    }
}

impl<T: InputType + PartialEq> InputType for Values<T> {
    type RawValueType = <Vec<T> as InputType>::RawValueType;

    fn type_name() -> Cow<'static, str> {
        <Vec<T> as InputType>::type_name()
    }

    fn qualified_type_name() -> String {
        <Vec<T> as InputType>::qualified_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        <Vec<T> as InputType>::create_type_info(registry)
    }

    fn parse(value: Option<GqlValue>) -> InputValueResult<Self> {
        if let Some(GqlValue::List(items)) = &value
            && items.len() > MAX_FILTER_VALUES
        {
            return Err(InputValueError::custom(format!("a filter list holds at most {MAX_FILTER_VALUES} values; this one has {}", items.len())));
        }
        let all = <Vec<T> as InputType>::parse(value).map_err(InputValueError::propagate)?;
        let mut unique: Vec<T> = Vec::with_capacity(all.len());
        for v in all {
            if !unique.contains(&v) {
                unique.push(v);
            }
        }
        Ok(Self(unique))
    }

    fn to_value(&self) -> GqlValue {
        GqlValue::List(self.0.iter().map(T::to_value).collect())
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        None
    }
}
