//! The one mapping from service errors to GraphQL errors with `extensions.code`.

use async_graphql::ErrorExtensions;

use crate::error::AppError;

impl From<AppError> for async_graphql::Error {
    fn from(e: AppError) -> Self {
        async_graphql::Error::new(e.public_message()).extend_with(|_, ext| ext.set("code", e.code()))
    }
}

pub type GqlResult<T> = Result<T, async_graphql::Error>;
