//! The metadata tables' layout and its upgrades in place.
//!
//! The tables live in the host's database file, which outlives any one pgwire build: a database
//! made by an older build is upgraded when a newer one first uses it, and one made by a newer
//! build is refused rather than misread. `pgwire.schema_version` holds the number of the last
//! step applied; each step runs once, all steps of one upgrade in one transaction.

use crate::db::Connection;
use crate::error::{sqlstate, PgError, PgResult};
use crate::internal_sql::query_rows;

/// The steps, in order; `{s}` stands for the qualified metadata schema. Step 1 is the users
/// table as the first builds made it without a version (IF NOT EXISTS adopts theirs).
const STEPS: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS {s}.users (
         name VARCHAR PRIMARY KEY,
         password_hash VARCHAR NOT NULL,
         workspace VARCHAR,
         created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
         valid_until TIMESTAMPTZ
     )",
    "CREATE TABLE {s}.workspaces (
         name VARCHAR PRIMARY KEY,
         path VARCHAR NOT NULL,
         created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
         expires_at TIMESTAMPTZ,
         max_connections INTEGER
     );
     CREATE TABLE {s}.grants (
         workspace VARCHAR NOT NULL,
         schema_name VARCHAR NOT NULL,
         table_name VARCHAR NOT NULL,
         source VARCHAR NOT NULL,
         source_table VARCHAR NOT NULL,
         created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
         PRIMARY KEY (workspace, schema_name, table_name)
     )",
    // Session history and the query log (metadata/history.rs writes them). A session is known by
    // the pid its client saw and when it connected (pids start again with each LOAD).
    "CREATE TABLE {s}.sessions (
         pid INTEGER NOT NULL,
         connected_at TIMESTAMPTZ NOT NULL,
         disconnected_at TIMESTAMPTZ NOT NULL,
         user_name VARCHAR NOT NULL,
         workspace VARCHAR,
         client_address VARCHAR NOT NULL,
         application_name VARCHAR,
         tls BOOLEAN NOT NULL,
         end_reason VARCHAR NOT NULL,
         query_count BIGINT NOT NULL,
         bytes_sent BIGINT NOT NULL
     );
     CREATE TABLE {s}.query_log (
         pid INTEGER NOT NULL,
         session_connected_at TIMESTAMPTZ NOT NULL,
         started_at TIMESTAMPTZ NOT NULL,
         duration_ms DOUBLE NOT NULL,
         user_name VARCHAR NOT NULL,
         workspace VARCHAR,
         statement_type VARCHAR,
         rows BIGINT,
         sqlstate VARCHAR NOT NULL,
         query VARCHAR
     )",
    // A workspace's per-session memory cap (DuckDB's operator_memory_limit).
    "ALTER TABLE {s}.workspaces ADD COLUMN memory_limit VARCHAR",
];

/// Bring the metadata schema `s` up to this build's version.
pub fn upgrade(conn: &Connection, s: &str) -> PgResult<()> {
    conn.execute(&format!(
        "CREATE SCHEMA IF NOT EXISTS {s};
         CREATE TABLE IF NOT EXISTS {s}.schema_version (version INTEGER NOT NULL)"
    ))
    .map_err(|e| {
        PgError::from(e).with_hint(
            "pgwire keeps its metadata in schema pgwire of the host's database, which must be writable",
        )
    })?;
    let rows = query_rows(conn, &format!("SELECT max(version) FROM {s}.schema_version"))?;
    let current = rows
        .first()
        .and_then(|r| r[0].as_deref())
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(0);
    if current > STEPS.len() {
        return Err(PgError::new(
            sqlstate::FEATURE_NOT_SUPPORTED,
            format!(
                "the pgwire metadata in this database is version {current}, newer than this build understands ({})",
                STEPS.len()
            ),
        )
        .with_hint("Load the pgwire build that wrote it, or a newer one."));
    }
    if current == STEPS.len() {
        return Ok(());
    }
    conn.execute("BEGIN TRANSACTION")?;
    let applied = STEPS[current..]
        .iter()
        .try_for_each(|step| conn.execute(&step.replace("{s}", s)))
        .and_then(|()| {
            conn.execute(&format!(
                "DELETE FROM {s}.schema_version; INSERT INTO {s}.schema_version VALUES ({})",
                STEPS.len()
            ))
        })
        .and_then(|()| conn.execute("COMMIT"));
    if let Err(e) = applied {
        let _ = conn.execute("ROLLBACK");
        return Err(e.into());
    }
    Ok(())
}
