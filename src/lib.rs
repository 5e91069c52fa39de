//! pgwire: a DuckDB extension that serves the PostgreSQL wire protocol from inside the host
//! process, on the host's own database instance.
//!
//! Flow: socket → `protocol` → `session` → DuckDB (`db`) → `types` encoders → socket.
//! `server` owns the runtime, pool and lifecycle; `functions` is the SQL surface;
//! `metadata` keeps users. See DESIGN.md in the shared folder for the decisions behind it.

pub mod catalog;
pub mod db;
pub mod error;
pub mod exit;
pub mod functions;
pub mod internal_sql;
pub mod metadata;
pub mod policy;
pub mod protocol;
pub mod server;
pub mod session;
pub mod sql_text;
pub mod types;

use std::sync::{Arc, OnceLock};

use db::Database;
use internal_sql::query_rows;
use metadata::Metadata;
use server::pool::Pool;
use server::{start_watchdog, Instance};

/// Connections opened at LOAD for sessions, unless `PGWIRE_MAX_CONNECTIONS` says otherwise.
const DEFAULT_POOL_SIZE: usize = 256;

static DUCKDB_VERSION: OnceLock<String> = OnceLock::new();

/// The host's DuckDB version (e.g. `v1.5.6`), read at LOAD.
pub fn duckdb_version() -> &'static str {
    DUCKDB_VERSION.get().map(String::as_str).unwrap_or("unknown")
}

fn pool_size() -> Result<usize, String> {
    match std::env::var("PGWIRE_MAX_CONNECTIONS") {
        Err(_) => Ok(DEFAULT_POOL_SIZE),
        Ok(v) => v
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=10_000).contains(n))
            .ok_or_else(|| format!("PGWIRE_MAX_CONNECTIONS must be a number from 1 to 10000, not \"{v}\"")),
    }
}

/// Called from the entrypoint while the host's database handle is valid: open every connection
/// we will need, then register the SQL functions.
pub fn on_load(db: &Database<'_>, registrar: &duckdb::Connection) -> Result<(), Box<dyn std::error::Error>> {
    let pool = Pool::open(db, pool_size()?)?;
    let metadata_conn = db.connect()?;
    let watchdog_conn = db.connect()?;
    let history_conn = db.connect()?;

    let facts = query_rows(
        &metadata_conn,
        "SELECT version(), current_database(), path FROM duckdb_databases() WHERE database_name = current_database()",
    )?;
    let (version, catalog, path) = match facts.as_slice() {
        [row] => (
            row[0].clone().unwrap_or_default(),
            row[1].clone().unwrap_or_default(),
            row[2].clone().unwrap_or_default(),
        ),
        _ => return Err("could not read the host database's name".into()),
    };
    let _ = DUCKDB_VERSION.set(version);
    // Workspace files go beside the host database by default (the working directory for an
    // in-memory host).
    let data_dir = std::path::Path::new(&path)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(std::path::Path::to_path_buf)
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_default();
    let data_dir = std::fs::canonicalize(&data_dir).unwrap_or(data_dir);

    let metadata = Metadata::new(metadata_conn, &catalog, data_dir);
    let history = metadata::history::History::start(history_conn, "pgwire")?;
    let instance = Arc::new(Instance::new(pool, metadata, history, catalog));
    functions::register(registrar, &instance)?;
    exit::install_hook();
    exit::flush_at_exit(&instance.history);
    // Our connections outside the pool: metadata, history and the watchdog's own.
    start_watchdog(&instance, watchdog_conn, 3)?;
    Ok(())
}
