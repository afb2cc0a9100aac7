//! One typed configuration, from `serve` flags or `SVH_*` environment variables.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

/// The embedded default: a SQLite file in the working directory, created on first run.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://social-value-hub.db?mode=rwc";

#[derive(clap::Args, Clone, Debug)]
pub struct Config {
    /// Database URL: `sqlite://FILE?mode=rwc` or `postgres://USER@HOST:PORT/DB`.
    /// Unset means the embedded SQLite file, which is seeded with the demo
    /// region when empty; when set, nothing is loaded implicitly.
    #[arg(long, env = "SVH_DATABASE_URL")]
    pub database_url: Option<String>,

    /// PostgreSQL streaming replica of `SVH_DATABASE_URL` for the queries of
    /// roles that only read (dashboard, auditor, council_viewer). Writes, the
    /// changes feed, the reference tables and every other caller stay on the
    /// primary. A reader sees the region as it was up to the replica's replay
    /// lag ago (README, Read replicas).
    #[arg(long, env = "SVH_DATABASE_READ_URL")]
    pub database_read_url: Option<String>,

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
    /// records is about 3 MB). Larger bodies get HTTP 413.
    #[arg(long, env = "SVH_MAX_BODY_BYTES", default_value_t = 16 * 1024 * 1024)]
    pub max_body_bytes: usize,

    /// Log lines as `text` for people or `json` for a log pipeline (then
    /// every line on stdout is one JSON object).
    #[arg(long, env = "SVH_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Load the demo region (Liverpool City Region) into the database when it
    /// is empty. Implied, with printed demo tokens, only when neither a
    /// database URL nor any token setting is given; with either set it loads
    /// the data and prints no token.
    #[arg(long, env = "SVH_DEMO", default_value_t = false, action = clap::ArgAction::Set)]
    pub demo: bool,

    #[command(flatten)]
    pub http: HttpConfig,

    #[command(flatten)]
    pub tokens: TokenConfig,

    #[command(flatten)]
    pub limits: Limits,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// How the HTTP surface meets browsers and slow work.
#[derive(clap::Args, Clone, Debug)]
pub struct HttpConfig {
    /// Browser origins allowed to call the API (comma-separated, such as
    /// `https://dashboard.example.gov.uk`); unset means no cross-origin access.
    #[arg(long, env = "SVH_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,

    /// Compress responses (gzip, br or zstd, as the client accepts).
    #[arg(long, env = "SVH_COMPRESSION", default_value_t = true, action = clap::ArgAction::Set)]
    pub compression: bool,

    /// Longest time one request may take, in seconds; past it the request is
    /// abandoned (HTTP 503) and, on PostgreSQL, its statement cancelled.
    #[arg(long, env = "SVH_REQUEST_TIMEOUT_SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub request_timeout_secs: u64,

    /// Longest time one SQL statement may run on PostgreSQL, in seconds
    /// (`statement_timeout`); default: the request timeout.
    #[arg(long, env = "SVH_DB_STATEMENT_TIMEOUT_SECS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub db_statement_timeout_secs: Option<u64>,

    /// Serve the dashboard page and the aggregate API to requests without a
    /// token, as the `dashboard` role (aggregates and reference data only;
    /// no council's records). A request with a token is still checked.
    #[arg(long, env = "SVH_PUBLIC_DASHBOARD", default_value_t = false, action = clap::ArgAction::Set)]
    pub public_dashboard: bool,

    /// Apollo persisted-query manifest of the trusted documents, each with
    /// the roles it is for (README, Trusted documents): a role named in it
    /// may run only its documents, sent by hash. Checked at start.
    #[arg(long, env = "SVH_TRUSTED_DOCUMENTS")]
    pub trusted_documents: Option<PathBuf>,

    /// Requests per token subject, as `N/s` or `N/m` (bursts of up to N);
    /// beyond it, HTTP 429 with `Retry-After`. Unset: no limit. Counted per replica.
    #[arg(long, env = "SVH_RATE_LIMIT")]
    pub rate_limit: Option<RateLimit>,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            cors_origins: Vec::new(),
            compression: true,
            request_timeout_secs: 30,
            db_statement_timeout_secs: None,
            public_dashboard: false,
            trusted_documents: None,
            rate_limit: None,
        }
    }
}

/// `SVH_RATE_LIMIT`: `requests` per `per`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    pub requests: u32,
    pub per: std::time::Duration,
}

impl std::str::FromStr for RateLimit {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("expected N/s or N/m with N at least 1, such as 20/s or 600/m; got {s:?}");
        let (n, unit) = s.trim().split_once('/').ok_or_else(bad)?;
        let requests: u32 = n.trim().parse().ok().filter(|n| *n > 0).ok_or_else(bad)?;
        let per = match unit.trim() {
            "s" => std::time::Duration::from_secs(1),
            "m" => std::time::Duration::from_secs(60),
            _ => return Err(bad()),
        };
        Ok(Self { requests, per })
    }
}

impl HttpConfig {
    pub fn request_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.request_timeout_secs)
    }

    pub fn statement_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.db_statement_timeout_secs.unwrap_or(self.request_timeout_secs))
    }
}

/// Tokens from an identity provider, instead of (never beside) SVH_JWT_SECRET.
#[derive(clap::Args, Clone, Debug)]
pub struct TokenConfig {
    /// PEM public key (RSA or Ed25519) that signs tokens: they must be RS256
    /// or EdDSA to match the key, whatever their header says.
    #[arg(long, env = "SVH_JWT_PUBLIC_KEY_FILE")]
    pub jwt_public_key_file: Option<PathBuf>,

    /// JWKS file (`{"keys": [...]}`): each token names its key by `kid`, so a
    /// provider can rotate keys by publishing the new one beside the old.
    #[arg(long, env = "SVH_JWT_JWKS_FILE")]
    pub jwt_jwks_file: Option<PathBuf>,

    /// URL of a JWKS (an identity provider's `jwks_uri`): fetched at the
    /// first token, cached, and fetched again when a token names a `kid` not
    /// in it, at most once a minute. HTTPS, or HTTP on loopback.
    #[arg(long, env = "SVH_JWT_JWKS_URL")]
    pub jwt_jwks_url: Option<String>,

    /// Required `iss` claim, when set.
    #[arg(long, env = "SVH_JWT_ISSUER")]
    pub jwt_issuer: Option<String>,

    /// Required `aud` claim, when set.
    #[arg(long, env = "SVH_JWT_AUDIENCE")]
    pub jwt_audience: Option<String>,

    /// Seconds of clock difference tolerated on `exp` and `nbf`.
    #[arg(long, env = "SVH_JWT_LEEWAY_SECS", default_value_t = 30)]
    pub jwt_leeway_secs: u64,

    /// The claim that carries the role: a name, or a dotted path to a nested
    /// claim (`realm_access.roles`); an array gives the first of its values
    /// that is a role of this service.
    #[arg(long, env = "SVH_JWT_ROLE_CLAIM", default_value = "role")]
    pub jwt_role_claim: String,

    /// The claim that carries the councils, named as the role claim is.
    #[arg(long, env = "SVH_JWT_COUNCILS_CLAIM", default_value = "councils")]
    pub jwt_councils_claim: String,
}

impl Default for TokenConfig {
    fn default() -> Self {
        Self {
            jwt_public_key_file: None,
            jwt_jwks_file: None,
            jwt_jwks_url: None,
            jwt_issuer: None,
            jwt_audience: None,
            jwt_leeway_secs: 30,
            jwt_role_claim: "role".into(),
            jwt_councils_claim: "councils".into(),
        }
    }
}

impl TokenConfig {
    /// Whether any token key setting is given.
    pub fn is_set(&self) -> bool {
        self.jwt_public_key_file.is_some() || self.jwt_jwks_file.is_some() || self.jwt_jwks_url.is_some()
    }
}

/// What one request may ask of the service. Each refusal is a GraphQL error
/// with code BAD_USER_INPUT that names the limit.
#[derive(clap::Args, Clone, Debug)]
pub struct Limits {
    /// Deepest nesting of selections in one operation.
    #[arg(long, env = "SVH_MAX_QUERY_DEPTH", default_value_t = 12)]
    pub max_query_depth: usize,

    /// Most fields one operation may select, every alias and every
    /// repetition of a fragment counted.
    #[arg(long, env = "SVH_MAX_QUERY_FIELDS", default_value_t = 500)]
    pub max_query_fields: usize,

    /// Most lexical tokens (names, punctuation, values) in one document,
    /// counted before it is parsed.
    #[arg(long, env = "SVH_MAX_QUERY_TOKENS", default_value_t = 20_000)]
    pub max_query_tokens: usize,

    /// Largest `first` a list accepts (at most the contract's 500).
    #[arg(long, env = "SVH_MAX_PAGE_SIZE", default_value_t = 500, value_parser = clap::value_parser!(i64).range(1..=500))]
    pub max_page_size: i64,

    /// Most operations in one batched request (a JSON array of requests).
    #[arg(long, env = "SVH_MAX_BATCH_OPERATIONS", default_value_t = 10)]
    pub max_batch_operations: usize,

    /// Most records in one `syncCouncilData` batch (at most 10,000).
    #[arg(long, env = "SVH_MAX_SYNC_RECORDS", default_value_t = crate::service::sync::MAX_BATCH_RECORDS,
          value_parser = sync_records)]
    pub max_sync_records: usize,

    /// Most live subscriptions (over /graphql/ws) one token subject may hold
    /// at once on one replica; one more is refused with RATE_LIMITED.
    #[arg(long, env = "SVH_MAX_SUBSCRIPTIONS_PER_TOKEN", default_value_t = 10)]
    pub max_subscriptions_per_token: usize,

    /// Answer introspection queries (switch off in production if clients do not need the schema).
    #[arg(long, env = "SVH_INTROSPECTION", default_value_t = true, action = clap::ArgAction::Set)]
    pub introspection: bool,

    /// Serve the GraphiQL page on GET /graphql.
    #[arg(long, env = "SVH_GRAPHIQL", default_value_t = true, action = clap::ArgAction::Set)]
    pub graphiql: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_query_depth: 12,
            max_query_fields: 500,
            max_query_tokens: 20_000,
            max_page_size: 500,
            max_batch_operations: 10,
            max_sync_records: crate::service::sync::MAX_BATCH_RECORDS,
            max_subscriptions_per_token: 10,
            introspection: true,
            graphiql: true,
        }
    }
}

impl Config {
    pub fn database_url(&self) -> &str {
        self.database_url.as_deref().unwrap_or(DEFAULT_DATABASE_URL)
    }

    /// True when nothing is configured: no database URL and no token
    /// setting. Only then does `serve` make up a secret and print demo tokens.
    pub fn is_unconfigured(&self) -> bool {
        self.database_url.is_none() && self.jwt_secret.is_none() && !self.tokens.is_set()
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

fn sync_records(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if (1..=crate::service::sync::MAX_BATCH_RECORDS).contains(&n) => Ok(n),
        _ => Err(format!("must be a whole number from 1 to {}", crate::service::sync::MAX_BATCH_RECORDS)),
    }
}
