//! Workspaces: records in the metadata tables, and the catalogs behind them. A workspace is a
//! read-write catalog of the host instance, attached under the workspace's name; its grants are
//! in `grants`.
//!
//! DuckDB writes to one database per transaction, so a change that touches the metadata and a
//! workspace's catalog is done step by step, undoing the earlier steps when a later one fails:
//! nothing is left half made.

use std::path::{Path, PathBuf};

use super::Metadata;
use crate::db::Connection;
use crate::error::{sqlstate, PgError, PgResult};
use crate::internal_sql::{query_rows, quote_ident, quote_literal};

/// Names that are DuckDB's or ours and never a workspace.
const RESERVED: &[&str] = &[
    "memory",
    "system",
    "temp",
    "main",
    "pgwire",
    "pg_catalog",
    "information_schema",
    crate::catalog::CATALOG,
];
/// Schemas a grant may not take: they mean something to every client.
pub(super) const RESERVED_SCHEMAS: &[&str] = &["pg_catalog", "information_schema", "pgwire"];
/// Prefix of the aliases under which granted files are attached.
pub(super) const SOURCE_ALIAS: &str = "pgwire_source_";

/// What `pgwire_create_workspace` was asked for.
pub struct NewWorkspace {
    pub name: String,
    pub path: Option<String>,
    pub max_connections: Option<i64>,
    pub expires_at: Option<String>,
    pub memory_limit: Option<String>,
}

/// A workspace as stored, with what the instance says of it now.
#[derive(Debug, Clone)]
pub struct WorkspaceRecord {
    pub name: String,
    pub path: String,
    pub created_at: Option<String>,
    pub expires_at: Option<String>,
    pub max_connections: Option<i64>,
    /// What each of its sessions may use for operators (DuckDB's operator_memory_limit).
    pub memory_limit: Option<String>,
    pub expired: bool,
}

pub(super) fn invalid(message: impl Into<String>) -> PgError {
    PgError::new(sqlstate::INVALID_PARAMETER_VALUE, message)
}

/// A workspace name: lower-case letters, digits and `_`, starting with a letter, at most 63
/// characters (PostgreSQL's identifier length), and none of the reserved names.
pub fn check_workspace_name(name: &str) -> PgResult<()> {
    let well_formed = name.len() <= 63
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !well_formed {
        return Err(invalid(format!(
            "invalid workspace name \"{name}\": use lower-case letters, digits and _, starting with a letter (at most 63)"
        )));
    }
    if RESERVED.contains(&name) || name.starts_with(SOURCE_ALIAS) {
        return Err(invalid(format!("\"{name}\" is a reserved name")));
    }
    Ok(())
}

/// A name inside a workspace (a grant's schema or table): any text PostgreSQL would take as a
/// quoted identifier, without control characters.
pub fn check_object_name(what: &str, name: &str) -> PgResult<()> {
    if name.is_empty() || name.len() > 63 || name.chars().any(char::is_control) {
        return Err(invalid(format!("invalid {what} \"{name}\"")));
    }
    Ok(())
}

pub(super) fn not_found(name: &str) -> PgError {
    PgError::new(
        sqlstate::INVALID_CATALOG_NAME,
        format!("workspace \"{name}\" does not exist"),
    )
}

pub(super) fn single_value(rows: Vec<Vec<Option<String>>>) -> Option<String> {
    rows.into_iter().next().and_then(|mut r| r.swap_remove(0))
}

impl Metadata {
    /// Where workspace files go unless told otherwise, and what relative paths start from.
    pub fn data_dir(&self) -> PathBuf {
        self.data_dir.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn set_data_dir(&self, dir: PathBuf) {
        *self.data_dir.lock().unwrap_or_else(|e| e.into_inner()) = dir;
    }

    pub(super) fn resolve(&self, path: &str) -> PathBuf {
        let p = Path::new(path);
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.data_dir().join(p)
        }
    }

    /// Create a workspace: attach its catalog, then record it.
    pub fn create_workspace(&self, new: NewWorkspace) -> PgResult<WorkspaceRecord> {
        self.ensure_tables()?;
        check_workspace_name(&new.name)?;
        if let Some(n) = new.max_connections {
            if !(1..=10_000).contains(&n) {
                return Err(invalid(format!("invalid value for max_connections: {n}")));
            }
        }
        let path = match new.path.as_deref() {
            Some(":memory:") => ":memory:".to_string(),
            Some("") => return Err(invalid("invalid workspace path \"\"")),
            Some(p) => self.resolve(p).to_string_lossy().into_owned(),
            None => self
                .data_dir()
                .join(format!("{}.duckdb", new.name))
                .to_string_lossy()
                .into_owned(),
        };
        self.with_conn(|c| {
            let s = &self.schema;
            if let Some(limit) = &new.memory_limit {
                // DuckDB's own parser of memory sizes decides; older DuckDBs have no such limit.
                c.execute(&format!("SET operator_memory_limit = {}", quote_literal(limit)))
                    .and_then(|()| c.execute("RESET operator_memory_limit"))
                    .map_err(|e| {
                        invalid(format!(
                            "invalid memory_limit \"{limit}\": {}",
                            PgError::from(e).message
                        ))
                    })?;
            }
            if let Some(at) = &new.expires_at {
                // DuckDB's own cast decides what a timestamp is; a bad one fails before anything is made.
                query_rows(c, &format!("SELECT CAST({} AS TIMESTAMPTZ)", quote_literal(at)))?;
            }
            let taken = query_rows(
                c,
                &format!(
                    "SELECT (SELECT count(*) FROM {s}.workspaces WHERE name = {n})
                          + (SELECT count(*) FROM duckdb_databases() WHERE database_name = {n})",
                    n = quote_literal(&new.name)
                ),
            )?;
            if single_value(taken).as_deref() != Some("0") {
                return Err(PgError::new(
                    "42P04",
                    format!("workspace \"{}\" already exists", new.name),
                ));
            }
            if path != ":memory:" {
                prepare_file(Path::new(&path))?;
            }
            c.execute(&format!(
                "ATTACH {} AS {}",
                quote_literal(&path),
                quote_ident(&new.name)
            ))
            .map_err(|e| {
                PgError::new(
                    sqlstate::INVALID_PARAMETER_VALUE,
                    format!(
                        "could not open workspace file \"{path}\": {}",
                        PgError::from(e).message
                    ),
                )
            })?;
            let recorded = c.execute(&format!(
                "INSERT INTO {s}.workspaces (name, path, expires_at, max_connections, memory_limit)
                 VALUES ({}, {}, {}, {}, {})",
                quote_literal(&new.name),
                quote_literal(&path),
                new.expires_at.as_deref().map_or("NULL".into(), quote_literal),
                new.max_connections.map_or("NULL".into(), |n| n.to_string()),
                new.memory_limit.as_deref().map_or("NULL".into(), quote_literal),
            ));
            if let Err(e) = recorded {
                let _ = c.execute(&format!("DETACH {}", quote_ident(&new.name)));
                return Err(e.into());
            }
            Ok(())
        })?;
        self.find_workspace(&new.name)?
            .ok_or_else(|| not_found(&new.name))
    }

    /// Forget a workspace, its users and grants, and detach its catalog (its sessions must have
    /// ended). Returns the file it lived in, for the caller to delete if asked.
    pub fn drop_workspace(&self, name: &str) -> PgResult<WorkspaceRecord> {
        self.ensure_tables()?;
        let record = self.find_workspace(name)?.ok_or_else(|| not_found(name))?;
        let grants = self.grants(Some(name))?;
        self.with_conn(|c| {
            let s = &self.schema;
            let n = quote_literal(name);
            c.execute(&format!(
                "BEGIN TRANSACTION;
                 DELETE FROM {s}.grants WHERE workspace = {n};
                 DELETE FROM {s}.users WHERE workspace = {n};
                 DELETE FROM {s}.workspaces WHERE name = {n};
                 COMMIT"
            ))
            .map_err(|e| {
                let _ = c.execute("ROLLBACK");
                PgError::from(e)
            })?;
            if is_attached(c, name)? {
                c.execute(&format!("DETACH {}", quote_ident(name)))?;
            }
            Ok(())
        })?;
        self.forget_verified();
        for grant in grants {
            self.detach_unused_source(&grant.source_table)?;
        }
        Ok(record)
    }

    pub fn find_workspace(&self, name: &str) -> PgResult<Option<WorkspaceRecord>> {
        Ok(self
            .workspaces_where(&format!("name = {}", quote_literal(name)))?
            .pop())
    }

    pub fn workspaces(&self) -> PgResult<Vec<WorkspaceRecord>> {
        self.workspaces_where("true")
    }

    fn workspaces_where(&self, filter: &str) -> PgResult<Vec<WorkspaceRecord>> {
        self.ensure_tables()?;
        let rows = self.with_conn(|c| {
            Ok(query_rows(
                c,
                &format!(
                    "SELECT name, path, created_at::VARCHAR, expires_at::VARCHAR, max_connections,
                            coalesce(expires_at < now(), false), memory_limit
                       FROM {}.workspaces WHERE {filter} ORDER BY name",
                    self.schema
                ),
            )?)
        })?;
        Ok(rows
            .into_iter()
            .map(|mut r| WorkspaceRecord {
                memory_limit: r[6].take(),
                expired: matches!(r[5].as_deref(), Some("t" | "true")),
                max_connections: r[4].take().and_then(|v| v.parse().ok()),
                expires_at: r[3].take(),
                created_at: r[2].take(),
                path: r[1].take().unwrap_or_default(),
                name: r[0].take().unwrap_or_default(),
            })
            .collect())
    }

    /// Attach every workspace and granted file that is not attached yet (after a restart).
    pub fn attach_all(&self) -> PgResult<()> {
        let workspaces = self.workspaces()?;
        self.with_conn(|c| {
            for w in &workspaces {
                if !is_attached(c, &w.name)? {
                    // A workspace whose file is gone stays recorded; its logins fail until fixed.
                    let _ = c.execute(&format!(
                        "ATTACH {} AS {}",
                        quote_literal(&w.path),
                        quote_ident(&w.name)
                    ));
                }
            }
            Ok(())
        })?;
        self.attach_granted_files()
    }
}

pub(super) fn is_attached(c: &Connection, name: &str) -> PgResult<bool> {
    let rows = query_rows(
        c,
        &format!(
            "SELECT count(*) FROM duckdb_databases() WHERE database_name = {}",
            quote_literal(name)
        ),
    )?;
    Ok(single_value(rows).as_deref() != Some("0"))
}

/// A new workspace file's directory exists (made if missing), and the path is no directory.
fn prepare_file(path: &Path) -> PgResult<()> {
    if path.is_dir() {
        return Err(invalid(format!(
            "workspace path \"{}\" is a directory",
            path.display()
        )));
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| {
            invalid(format!(
                "could not create directory \"{}\": {e}",
                parent.display()
            ))
        })?;
    }
    Ok(())
}
