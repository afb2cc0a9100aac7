//! One typed configuration, from `serve` flags or `SVH_*` environment variables.

use std::fmt;
use std::net::SocketAddr;

/// The embedded default: a SQLite file in the working directory, created on first run.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://social-value-hub.db?mode=rwc";

#[derive(clap::Args, Clone, Debug)]
pub struct Config {
    /// Database URL: `sqlite://FILE?mode=rwc` or `postgres://USER@HOST:PORT/DB`.
    /// Unset means the embedded SQLite file, which is seeded with the demo
    /// region when empty; when set, nothing is loaded implicitly.
    #[arg(long, env = "SVH_DATABASE_URL")]
    pub database_url: Option<String>,

    /// Address to listen on.
    #[arg(long, env = "SVH_LISTEN", default_value = "127.0.0.1:4000")]
    pub listen: SocketAddr,

    /// HS256 shared secret that signs bearer tokens. Required unless running
    /// the embedded demo, which makes up a secret for the life of the process.
    #[arg(long, env = "SVH_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<Secret>,

    /// Connections in the database pool.
    #[arg(long, env = "SVH_DB_POOL_SIZE", default_value_t = 8)]
    pub db_pool_size: u32,

    /// Largest accepted request body, in bytes (a full sync batch of 10,000
    /// records is about 3 MB).
    #[arg(long, env = "SVH_MAX_BODY_BYTES", default_value_t = 16 * 1024 * 1024)]
    pub max_body_bytes: usize,
}

impl Config {
    pub fn database_url(&self) -> &str {
        self.database_url.as_deref().unwrap_or(DEFAULT_DATABASE_URL)
    }

    /// True when running on the embedded default database with nothing configured.
    pub fn is_embedded_default(&self) -> bool {
        self.database_url.is_none()
    }
}

/// A secret string that never prints.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl std::str::FromStr for Secret {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s.len() < 16 {
            return Err("must be at least 16 characters".into());
        }
        Ok(Self(s.to_owned()))
    }
}
