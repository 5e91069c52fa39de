//! Workspaces and their grants: records in the metadata tables, and the catalogs behind them.
//!
//! A workspace is a read-write catalog of the host instance, attached under the workspace's
//! name. A grant shows a read-only source inside it as `schema_name.table_name`: a view in the
//! workspace's catalog over a table of an attached catalog, or over table `data` of a DuckDB file
//! attached READ_ONLY under an alias derived from its path (so that a restart attaches it under
//! the same name, which the stored views refer to).
//!
//! DuckDB writes to one database per transaction, so a change that touches the metadata and a
//! workspace's catalog is done step by step, undoing the earlier steps when a later one fails:
//! nothing is left half made.

use std::path::{Path, PathBuf};

use ring::digest;

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
];
/// Schemas a grant may not take: they mean something to every client.
const RESERVED_SCHEMAS: &[&str] = &["pg_catalog", "information_schema", "pgwire"];
/// Prefix of the aliases under which granted files are attached.
const SOURCE_ALIAS: &str = "pgwire_source_";

/// What `pgwire_create_workspace` was asked for.
pub struct NewWorkspace {
    pub name: String,
    pub path: Option<String>,
    pub max_connections: Option<i64>,
    pub expires_at: Option<String>,
}

/// A workspace as stored, with what the instance says of it now.
#[derive(Debug, Clone)]
pub struct WorkspaceRecord {
    pub name: String,
    pub path: String,
    pub created_at: Option<String>,
    pub expires_at: Option<String>,
    pub max_connections: Option<i64>,
    pub expired: bool,
}

/// A grant as stored.
#[derive(Debug, Clone)]
pub struct GrantRecord {
    pub workspace: String,
    pub schema_name: String,
    pub table_name: String,
    pub source: String,
    pub source_table: String,
}

fn invalid(message: impl Into<String>) -> PgError {
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

fn not_found(name: &str) -> PgError {
    PgError::new(
        sqlstate::INVALID_CATALOG_NAME,
        format!("workspace \"{name}\" does not exist"),
    )
}

fn single_value(rows: Vec<Vec<Option<String>>>) -> Option<String> {
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

    fn resolve(&self, path: &str) -> PathBuf {
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
            c.execute(&format!("ATTACH {} AS {}", quote_literal(&path), quote_ident(&new.name)))
                .map_err(|e| {
                    PgError::new(
                        sqlstate::INVALID_PARAMETER_VALUE,
                        format!("could not open workspace file \"{path}\": {}", PgError::from(e).message),
                    )
                })?;
            let recorded = c.execute(&format!(
                "INSERT INTO {s}.workspaces (name, path, expires_at, max_connections) VALUES ({}, {}, {}, {})",
                quote_literal(&new.name),
                quote_literal(&path),
                new.expires_at.as_deref().map_or("NULL".into(), quote_literal),
                new.max_connections.map_or("NULL".into(), |n| n.to_string()),
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
                            coalesce(expires_at < now(), false)
                       FROM {}.workspaces WHERE {filter} ORDER BY name",
                    self.schema
                ),
            )?)
        })?;
        Ok(rows
            .into_iter()
            .map(|mut r| WorkspaceRecord {
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
        let grants = self.grants(None)?;
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
            for g in &grants {
                if let Some(alias) = source_alias(&g.source_table) {
                    if !is_attached(c, &alias)? {
                        let _ = c.execute(&format!(
                            "ATTACH {} AS {} (READ_ONLY)",
                            quote_literal(&g.source),
                            quote_ident(&alias)
                        ));
                    }
                }
            }
            Ok(())
        })
    }

    /// Show `source` in `workspace` as `schema_name.table_name`, read only.
    pub fn grant(
        &self,
        workspace: &str,
        source: &str,
        schema_name: &str,
        table_name: &str,
    ) -> PgResult<GrantRecord> {
        self.ensure_tables()?;
        check_object_name("schema name", schema_name)?;
        check_object_name("table name", table_name)?;
        if RESERVED_SCHEMAS.contains(&schema_name.to_ascii_lowercase().as_str()) {
            return Err(invalid(format!("\"{schema_name}\" is a reserved schema name")));
        }
        if self.find_workspace(workspace)?.is_none() {
            return Err(not_found(workspace));
        }
        let workspaces: Vec<String> = self.workspaces()?.into_iter().map(|w| w.name).collect();
        let (source, source_table) = self.with_conn(|c| resolve_source(c, self, source, &workspaces))?;
        let view = format!(
            "{}.{}.{}",
            quote_ident(workspace),
            quote_ident(schema_name),
            quote_ident(table_name)
        );
        let made = self.with_conn(|c| {
            let exists = query_rows(
                c,
                &format!(
                    "SELECT count(*) FROM duckdb_tables() WHERE database_name = {w} AND schema_name = {sc} AND table_name = {t}
                     UNION ALL
                     SELECT count(*) FROM duckdb_views() WHERE database_name = {w} AND schema_name = {sc} AND view_name = {t}",
                    w = quote_literal(workspace),
                    sc = quote_literal(schema_name),
                    t = quote_literal(table_name)
                ),
            )?;
            if exists.iter().any(|r| r[0].as_deref() != Some("0")) {
                return Err(PgError::new(
                    sqlstate::DUPLICATE_TABLE,
                    format!("relation \"{schema_name}.{table_name}\" already exists in workspace \"{workspace}\""),
                ));
            }
            c.execute(&format!(
                "CREATE SCHEMA IF NOT EXISTS {}.{}",
                quote_ident(workspace),
                quote_ident(schema_name)
            ))?;
            c.execute(&format!("CREATE VIEW {view} AS SELECT * FROM {source_table}"))?;
            let recorded = c.execute(&format!(
                "INSERT INTO {}.grants (workspace, schema_name, table_name, source, source_table) VALUES ({}, {}, {}, {}, {})",
                self.schema,
                quote_literal(workspace),
                quote_literal(schema_name),
                quote_literal(table_name),
                quote_literal(&source),
                quote_literal(&source_table)
            ));
            if let Err(e) = recorded {
                let _ = c.execute(&format!("DROP VIEW IF EXISTS {view}"));
                return Err(PgError::from(e));
            }
            Ok(())
        });
        if let Err(e) = made {
            self.detach_unused_source(&source_table)?;
            return Err(e);
        }
        Ok(GrantRecord {
            workspace: workspace.into(),
            schema_name: schema_name.into(),
            table_name: table_name.into(),
            source,
            source_table,
        })
    }

    /// Take a grant away: its view goes, and a granted file nobody uses any more is detached.
    pub fn revoke(&self, workspace: &str, schema_name: &str, table_name: &str) -> PgResult<GrantRecord> {
        self.ensure_tables()?;
        let grant = self
            .grants(Some(workspace))?
            .into_iter()
            .find(|g| g.schema_name == schema_name && g.table_name == table_name)
            .ok_or_else(|| {
                PgError::new(
                    sqlstate::UNDEFINED_OBJECT,
                    format!("workspace \"{workspace}\" has no grant \"{schema_name}.{table_name}\""),
                )
            })?;
        self.with_conn(|c| {
            c.execute(&format!(
                "DELETE FROM {}.grants WHERE workspace = {} AND schema_name = {} AND table_name = {}",
                self.schema,
                quote_literal(workspace),
                quote_literal(schema_name),
                quote_literal(table_name)
            ))?;
            c.execute(&format!(
                "DROP VIEW IF EXISTS {}.{}.{}",
                quote_ident(workspace),
                quote_ident(schema_name),
                quote_ident(table_name)
            ))?;
            Ok(())
        })?;
        self.detach_unused_source(&grant.source_table)?;
        Ok(grant)
    }

    pub fn grants(&self, workspace: Option<&str>) -> PgResult<Vec<GrantRecord>> {
        self.ensure_tables()?;
        let filter = workspace.map_or("true".into(), |w| format!("workspace = {}", quote_literal(w)));
        let rows = self.with_conn(|c| {
            Ok(query_rows(
                c,
                &format!(
                    "SELECT workspace, schema_name, table_name, source, source_table FROM {}.grants
                      WHERE {filter} ORDER BY workspace, schema_name, table_name",
                    self.schema
                ),
            )?)
        })?;
        Ok(rows
            .into_iter()
            .map(|mut r| GrantRecord {
                source_table: r[4].take().unwrap_or_default(),
                source: r[3].take().unwrap_or_default(),
                table_name: r[2].take().unwrap_or_default(),
                schema_name: r[1].take().unwrap_or_default(),
                workspace: r[0].take().unwrap_or_default(),
            })
            .collect())
    }

    /// Detach the granted file behind `source_table` once no grant reads it.
    fn detach_unused_source(&self, source_table: &str) -> PgResult<()> {
        let Some(alias) = source_alias(source_table) else {
            return Ok(());
        };
        self.with_conn(|c| {
            let users = query_rows(
                c,
                &format!(
                    "SELECT count(*) FROM {}.grants WHERE source_table = {}",
                    self.schema,
                    quote_literal(source_table)
                ),
            )?;
            if single_value(users).as_deref() == Some("0") && is_attached(c, &alias)? {
                c.execute(&format!("DETACH {}", quote_ident(&alias)))?;
            }
            Ok(())
        })
    }
}

fn is_source_alias(name: &str) -> bool {
    name.trim_matches('"').starts_with(SOURCE_ALIAS)
}

/// The alias of the granted file a grant's view reads (`"pgwire_source_…".main.data`), if any.
fn source_alias(source_table: &str) -> Option<String> {
    let first = source_table.split('.').next()?;
    is_source_alias(first).then(|| first.trim_matches('"').to_string())
}

fn is_attached(c: &Connection, name: &str) -> PgResult<bool> {
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

/// What a grant reads: `(source as recorded, qualified table the view selects from)`. A source
/// is a DuckDB file holding table `data` (attached READ_ONLY), or `catalog.schema.table` of an
/// attached catalog that is neither a workspace nor our metadata.
fn resolve_source(
    c: &Connection,
    meta: &Metadata,
    source: &str,
    workspaces: &[String],
) -> PgResult<(String, String)> {
    let looks_like_file = source.contains('/') || source.ends_with(".duckdb") || source.ends_with(".db");
    if looks_like_file {
        let path = meta.resolve(source);
        if !path.is_file() {
            return Err(invalid(format!(
                "grant source file \"{}\" does not exist",
                path.display()
            )));
        }
        let path = path.canonicalize().unwrap_or(path).to_string_lossy().into_owned();
        let alias = format!(
            "{SOURCE_ALIAS}{}",
            digest::digest(&digest::SHA256, path.as_bytes())
                .as_ref()
                .iter()
                .take(8)
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
        let attached_here = !is_attached(c, &alias)?;
        if attached_here {
            c.execute(&format!(
                "ATTACH {} AS {} (READ_ONLY)",
                quote_literal(&path),
                quote_ident(&alias)
            ))
            .map_err(|e| {
                invalid(format!(
                    "could not open grant source \"{path}\": {}",
                    PgError::from(e).message
                ))
            })?;
        }
        let has_data = query_rows(
            c,
            &format!(
                "SELECT count(*) FROM duckdb_tables() WHERE database_name = {} AND schema_name = 'main' AND table_name = 'data'",
                quote_literal(&alias)
            ),
        )?;
        if single_value(has_data).as_deref() == Some("0") {
            if attached_here {
                let _ = c.execute(&format!("DETACH {}", quote_ident(&alias)));
            }
            return Err(PgError::new(
                sqlstate::UNDEFINED_TABLE,
                format!("grant source \"{path}\" has no table \"data\""),
            ));
        }
        return Ok((path, format!("{}.main.data", quote_ident(&alias))));
    }
    let parts: Vec<&str> = source.split('.').collect();
    let (catalog, schema, table) = match parts.as_slice() {
        [catalog, schema, table] => (*catalog, *schema, *table),
        [catalog, table] => (*catalog, "main", *table),
        _ => {
            return Err(invalid(format!(
                "invalid grant source \"{source}\": give a DuckDB file or catalog.schema.table"
            )))
        }
    };
    let refused = workspaces.iter().any(|w| w.eq_ignore_ascii_case(catalog))
        || schema.eq_ignore_ascii_case("pgwire")
        || is_source_alias(catalog);
    let found = query_rows(
        c,
        &format!(
            "SELECT database_name, schema_name, table_name FROM duckdb_tables()
              WHERE lower(database_name) = lower({cat}) AND lower(schema_name) = lower({sch})
                AND lower(table_name) = lower({tab})
             UNION ALL
             SELECT database_name, schema_name, view_name FROM duckdb_views()
              WHERE lower(database_name) = lower({cat}) AND lower(schema_name) = lower({sch})
                AND lower(view_name) = lower({tab}) AND NOT internal",
            cat = quote_literal(catalog),
            sch = quote_literal(schema),
            tab = quote_literal(table)
        ),
    )?;
    match (refused, found.into_iter().next()) {
        (false, Some(mut row)) => {
            let qualified = format!(
                "{}.{}.{}",
                quote_ident(&row[0].take().unwrap_or_default()),
                quote_ident(&row[1].take().unwrap_or_default()),
                quote_ident(&row[2].take().unwrap_or_default())
            );
            Ok((source.to_string(), qualified))
        }
        (true, _) => Err(invalid(format!(
            "grant source \"{source}\" is a workspace's or pgwire's own table"
        ))),
        (false, None) => Err(PgError::new(
            sqlstate::UNDEFINED_TABLE,
            format!("grant source table \"{source}\" does not exist"),
        )),
    }
}
