//! One error type with the contract's codes. Database and other internal
//! failures are logged here and reach the client only as `INTERNAL`.

use sea_orm::{DbErr, SqlErr};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    Unauthenticated(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    BadUserInput(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    /// A concurrent transaction wrote the same key first: the whole request
    /// can be retried from the start (CONFLICT if it still fails).
    #[error("a concurrent write changed the same record; retry")]
    Contention,
    /// The detail is logged, never sent.
    #[error("internal error")]
    Internal(String),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated(_) => "UNAUTHENTICATED",
            Self::Forbidden(_) => "FORBIDDEN",
            Self::BadUserInput(_) => "BAD_USER_INPUT",
            Self::NotFound(_) => "NOT_FOUND",
            Self::Conflict(_) | Self::Contention => "CONFLICT",
            Self::Internal(_) => "INTERNAL",
        }
    }

    /// The message a client may see.
    pub fn public_message(&self) -> String {
        match self {
            Self::Internal(_) => "internal error; the request was not applied".into(),
            other => other.to_string(),
        }
    }
}

pub fn forbidden(msg: impl Into<String>) -> AppError {
    AppError::Forbidden(msg.into())
}

pub fn bad_input(msg: impl Into<String>) -> AppError {
    AppError::BadUserInput(msg.into())
}

pub fn not_found(msg: impl Into<String>) -> AppError {
    AppError::NotFound(msg.into())
}

pub fn conflict(msg: impl Into<String>) -> AppError {
    AppError::Conflict(msg.into())
}

impl From<DbErr> for AppError {
    fn from(e: DbErr) -> Self {
        // A unique or foreign key violation means a concurrent writer got
        // there first, or the input names something that went away: the
        // client can retry, so say CONFLICT rather than INTERNAL.
        match e.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => AppError::Contention,
            Some(SqlErr::ForeignKeyConstraintViolation(_)) => conflict("a referenced record changed concurrently; retry"),
            _ => {
                tracing::error!(error = %e, "database error");
                AppError::Internal(e.to_string())
            }
        }
    }
}
