//! The one mapping from service errors to GraphQL errors with `extensions.code`.

use async_graphql::ErrorExtensions;

use crate::error::AppError;

/// Where a service error leaves for the client: the one place an INTERNAL
/// error's detail is logged.
impl From<AppError> for async_graphql::Error {
    fn from(e: AppError) -> Self {
        if let AppError::Internal(detail) | AppError::Unavailable(detail) = &e {
            tracing::error!(code = e.code(), detail = %detail, "internal error");
        }
        async_graphql::Error::new(e.public_message()).extend_with(|_, ext| ext.set("code", e.code()))
    }
}

pub type GqlResult<T> = Result<T, async_graphql::Error>;
