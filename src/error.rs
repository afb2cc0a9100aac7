//! One error type with the contract's codes. Database and other internal
//! failures keep their detail for the log, which is written once, where the
//! error leaves the service (`graphql::error`); the client sees only
//! `INTERNAL` and a fixed message.

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
    /// Beyond a limit of requests or live subscriptions per token subject.
    #[error("{0}")]
    RateLimited(String),
    /// A concurrent transaction wrote the same key first: the whole request
    /// can be retried from the start (CONFLICT if it still fails).
    #[error("a concurrent write changed the same record; retry")]
    Contention,
    /// The database cannot be reached (down, restarting, pool exhausted):
    /// INTERNAL, with a message that says so; the detail is logged.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// The detail is logged, never sent.
    #[error("internal error: {0}")]
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
            Self::RateLimited(_) => "RATE_LIMITED",
            Self::Internal(_) | Self::Unavailable(_) => "INTERNAL",
        }
    }

    /// The message a client may see.
    pub fn public_message(&self) -> String {
        match self {
            Self::Internal(_) => "internal error; the request was not applied".into(),
            Self::Unavailable(_) => "the database is unavailable; the request was not applied; retry shortly".into(),
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

/// A failure that is not the client's: its detail is logged, never sent.
pub fn internal(detail: impl Into<String>) -> AppError {
    AppError::Internal(detail.into())
}

impl From<DbErr> for AppError {
    fn from(e: DbErr) -> Self {
        // A unique or foreign key violation means a concurrent writer got
        // there first, or the input names something that went away: the
        // client can retry, so say CONFLICT rather than INTERNAL.
        match e.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => AppError::Contention,
            Some(SqlErr::ForeignKeyConstraintViolation(_)) => conflict("a referenced record changed concurrently; retry"),
            _ if unavailable(&e) => AppError::Unavailable(e.to_string()),
            _ => internal(e.to_string()),
        }
    }
}

/// Whether an error means the database could not be reached, rather than
/// that a statement failed: no connection, a broken one, or a server that
/// is shutting down or starting (SQLSTATE class 57, 08).
fn unavailable(e: &DbErr) -> bool {
    use sea_orm::RuntimeErr;
    use sea_orm::sqlx::Error as Sqlx;
    let sqlx = match e {
        DbErr::ConnectionAcquire(_) => return true,
        DbErr::Conn(RuntimeErr::SqlxError(s)) | DbErr::Exec(RuntimeErr::SqlxError(s)) | DbErr::Query(RuntimeErr::SqlxError(s)) => s,
        DbErr::Conn(_) => return true,
        _ => return false,
    };
    match sqlx.as_ref() {
        Sqlx::Io(_) | Sqlx::Tls(_) | Sqlx::PoolTimedOut | Sqlx::PoolClosed | Sqlx::WorkerCrashed => true,
        Sqlx::Database(d) => d.code().is_some_and(|c| c.starts_with("57") || c.starts_with("08")),
        _ => false,
    }
}
