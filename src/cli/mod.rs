//! The command line: serve (the default), migrate, import, export,
//! verify-audit, token, export-schema, generate.

mod export;
mod import;
mod serve;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::auth::{Principal, Role, TokenSigner};
use crate::config::{Config, Secret};
use crate::dataset::Version;
use crate::dataset::generate::{self, Scale};
use crate::dataset::write::write_dir;

#[derive(Parser, Debug)]
#[command(name = "social-value-hub", version, about = "Regional social value tracking over GraphQL", args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// With no subcommand, `serve` with these options.
    #[command(flatten)]
    pub serve: Config,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Apply migrations, then serve the GraphQL API (the default).
    Serve(Box<Config>),
    /// Apply pending migrations and exit.
    Migrate {
        /// Database URL; default: the embedded SQLite file.
        #[arg(long, env = "SVH_DATABASE_URL")]
        database_url: Option<String>,
    },
    /// Load a dataset directory (CSV files) through the sync write path, in
    /// batches. Idempotent: importing the same directory again changes nothing.
    Import {
        /// The dataset directory.
        dir: PathBuf,
        /// Database URL; default: the embedded SQLite file.
        #[arg(long, env = "SVH_DATABASE_URL")]
        database_url: Option<String>,
        /// Records per sync batch (at most 10,000).
        #[arg(long, default_value_t = 5_000)]
        batch_size: usize,
    },
    /// Write the database as a dataset directory (CSV files, DATASET.md
    /// version 2) that `import` loads back into the same records and figures.
    Export {
        /// The directory to write (created if missing).
        dir: PathBuf,
        /// Only this council's records (repeat for several); default: every council.
        #[arg(long = "council")]
        councils: Vec<String>,
        /// Database URL; default: the embedded SQLite file.
        #[arg(long, env = "SVH_DATABASE_URL")]
        database_url: Option<String>,
    },
    /// Verify an audit trail exported from `GET /export/audit.jsonl`, offline:
    /// exits 0 when every event chains, else names the first broken event.
    VerifyAudit {
        /// The exported file (JSON lines).
        file: PathBuf,
    },
    /// Mint a bearer token signed with SVH_JWT_SECRET.
    Token {
        /// regional_admin, council_editor, council_sync, council_viewer, auditor or dashboard.
        #[arg(long)]
        role: String,
        /// A council code (repeat for several); required for the council roles.
        #[arg(long = "council")]
        councils: Vec<String>,
        /// The token's subject (`sub`); default: the role name.
        #[arg(long)]
        subject: Option<String>,
        /// Lifetime, such as 30m, 1h30m or 7d (at most 366 days).
        #[arg(long, default_value = "1h", value_parser = parse_ttl)]
        ttl: Duration,
        #[arg(long, env = "SVH_JWT_SECRET", hide_env_values = true)]
        jwt_secret: Secret,
    },
    /// Print the GraphQL schema (SDL).
    ExportSchema {
        /// The Apollo Federation v2 subgraph SDL instead (what `_service { sdl }`
        /// answers), for `rover supergraph compose` without a running service.
        #[arg(long)]
        federation: bool,
    },
    /// Write a synthetic regional dataset (CSV files) to a directory.
    Generate {
        /// tiny (3 councils), small (6), medium (15) or large (15 councils, ~1.2M records).
        #[arg(long, default_value = "small")]
        scale: Scale,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long)]
        out: PathBuf,
        /// Write a version 2 dataset: frameworks, the regional crosswalk,
        /// record-only measures, per-contract frameworks and partially
        /// validated evidence.
        #[arg(long)]
        frameworks: bool,
    },
}

/// Longest token lifetime `token` mints.
const MAX_TTL: Duration = Duration::from_secs(366 * 86_400);

/// A human duration (`90s`, `30m`, `1h30m`, `7d`) of at least a second and
/// at most `MAX_TTL` (366 days).
pub fn parse_ttl(s: &str) -> Result<Duration, String> {
    let ttl = humantime::parse_duration(s).map_err(|e| format!("{s:?} is not a duration such as 30m, 1h30m or 7d: {e}"))?;
    if ttl < Duration::from_secs(1) {
        return Err(format!("{s:?}: a token must live at least one second"));
    }
    if ttl > MAX_TTL {
        return Err(format!("{s:?}: a token may live at most {}", humantime::format_duration(MAX_TTL)));
    }
    Ok(ttl)
}

fn verify_audit(file: &std::path::Path) -> anyhow::Result<()> {
    use crate::service::audit::{FileReport, verify_export};
    use std::io::BufRead;
    let f = std::fs::File::open(file).with_context(|| format!("opening {}", file.display()))?;
    match verify_export(std::io::BufReader::new(f).lines()).with_context(|| format!("reading {}", file.display()))? {
        FileReport::Valid { events, head_hash } => {
            println!("valid: {events} events, head hash {head_hash}");
            Ok(())
        }
        FileReport::Broken { line, seq, reason } => {
            let event = seq.map_or_else(|| format!("line {line}"), |s| format!("event seq {s} (line {line})"));
            anyhow::bail!("broken at {event}: {reason}")
        }
    }
}

pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        None => runtime()?.block_on(serve::serve(cli.serve)),
        Some(Command::Serve(config)) => runtime()?.block_on(serve::serve(*config)),
        Some(Command::Migrate { database_url }) => runtime()?.block_on(async {
            let url = database_url.as_deref().unwrap_or(crate::config::DEFAULT_DATABASE_URL);
            crate::service::db::migrate(url).await.context("applying migrations")?;
            eprintln!("migrations applied");
            Ok(())
        }),
        Some(Command::Import { dir, database_url, batch_size }) => runtime()?.block_on(import::import(&dir, database_url.as_deref(), batch_size)),
        Some(Command::Export { dir, councils, database_url }) => runtime()?.block_on(export::export(&dir, database_url.as_deref(), councils)),
        Some(Command::VerifyAudit { file }) => verify_audit(&file),
        Some(Command::Token { role, councils, subject, ttl, jwt_secret }) => {
            let role = Role::parse(&role).with_context(|| format!("unknown role {role:?}"))?;
            if role.is_council_role() && councils.is_empty() {
                anyhow::bail!("role {} needs at least one --council", role.as_str());
            }
            let principal = Principal { subject: subject.unwrap_or_else(|| role.as_str().to_owned()), role, councils };
            println!("{}", TokenSigner::hs256(&jwt_secret).sign(&principal, ttl)?);
            Ok(())
        }
        Some(Command::ExportSchema { federation }) => {
            let schema = crate::graphql::build_schema(None, &crate::config::Limits::default());
            match federation {
                false => print!("{}", schema.sdl()),
                true => print!("{}", crate::graphql::schema::subgraph_sdl(&schema)),
            }
            Ok(())
        }
        Some(Command::Generate { scale, seed, out, frameworks }) => {
            let version = if frameworks { Version::V2 } else { Version::V1 };
            let ds = generate::generate_version(scale, seed, version);
            write_dir(&ds, &out)?;
            eprintln!(
                "wrote {scale} dataset{} to {}: {} councils, {} suppliers, {} contracts, {} commitments, {} evidence",
                if frameworks { " (v2, frameworks)" } else { "" },
                out.display(),
                ds.councils.len(),
                ds.suppliers.len(),
                ds.contracts.len(),
                ds.commitments.len(),
                ds.evidence.len()
            );
            Ok(())
        }
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread().enable_all().build()?)
}
