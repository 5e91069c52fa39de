//! Grants: a read-only source shown inside a workspace as `schema_name.table_name` — a view in
//! the workspace's catalog over a table of an attached catalog, or over table `data` of a DuckDB
//! file attached READ_ONLY under an alias derived from its path (so that a restart attaches it
//! under the same name, which the stored views refer to).

use ring::digest;

use super::workspaces::{
    check_object_name, invalid, is_attached, not_found, single_value, RESERVED_SCHEMAS, SOURCE_ALIAS,
};
use super::Metadata;
use crate::db::Connection;
use crate::error::{sqlstate, PgError, PgResult};
use crate::internal_sql::{query_rows, quote_ident, quote_literal};

/// A grant as stored.
#[derive(Debug, Clone)]
pub struct GrantRecord {
    pub workspace: String,
    pub schema_name: String,
    pub table_name: String,
    pub source: String,
    pub source_table: String,
}

impl Metadata {
    /// Attach every granted file that is not attached yet (after a restart).
    pub(super) fn attach_granted_files(&self) -> PgResult<()> {
        let grants = self.grants(None)?;
        self.with_conn(|c| {
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
        let workspaces: Vec<String> = self.workspaces()?.into_iter().map(|w| w.name).collect();
        if !workspaces.iter().any(|w| w == workspace) {
            return Err(not_found(workspace));
        }
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
    pub(super) fn detach_unused_source(&self, source_table: &str) -> PgResult<()> {
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

pub(super) fn is_source_alias(name: &str) -> bool {
    name.trim_matches('"').starts_with(SOURCE_ALIAS)
}

/// The alias of the granted file a grant's view reads (`"pgwire_source_…".main.data`), if any.
pub(super) fn source_alias(source_table: &str) -> Option<String> {
    let first = source_table.split('.').next()?;
    is_source_alias(first).then(|| first.trim_matches('"').to_string())
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
