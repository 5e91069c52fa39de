//! Workspaces and grants from SQL: `pgwire_create_workspace`, `pgwire_drop_workspace`,
//! `pgwire_workspaces`, `pgwire_grant`, `pgwire_revoke`, `pgwire_grants`.

use super::{bool_param, opt_text, required as arg, text, Params, SqlFunction};
use crate::db::{Cell, ColumnKind};
use crate::error::{sqlstate, PgError};
use crate::metadata::grants::GrantRecord;
use crate::metadata::workspaces::{NewWorkspace, WorkspaceRecord};
use crate::server::Instance;

const WORKSPACE_COLUMNS: &[(&str, ColumnKind)] = &[
    ("name", ColumnKind::Varchar),
    ("path", ColumnKind::Varchar),
    ("created_at", ColumnKind::Varchar),
    ("expires_at", ColumnKind::Varchar),
    ("max_connections", ColumnKind::BigInt),
    ("memory_limit", ColumnKind::Varchar),
    ("expired", ColumnKind::Boolean),
];

fn workspace_row(w: WorkspaceRecord) -> Vec<Cell> {
    vec![
        text(w.name),
        text(w.path),
        opt_text(w.created_at),
        opt_text(w.expires_at),
        w.max_connections.map_or(Cell::Null, Cell::Int),
        opt_text(w.memory_limit),
        Cell::Bool(w.expired),
    ]
}

const GRANT_COLUMNS: &[(&str, ColumnKind)] = &[
    ("workspace", ColumnKind::Varchar),
    ("schema_name", ColumnKind::Varchar),
    ("table_name", ColumnKind::Varchar),
    ("source", ColumnKind::Varchar),
];

fn grant_row(g: GrantRecord) -> Vec<Cell> {
    vec![
        text(g.workspace),
        text(g.schema_name),
        text(g.table_name),
        text(g.source),
    ]
}

pub struct CreateWorkspace;

impl SqlFunction for CreateWorkspace {
    const NAME: &'static str = "pgwire_create_workspace";

    fn columns() -> &'static [(&'static str, ColumnKind)] {
        WORKSPACE_COLUMNS
    }

    fn parameters() -> &'static [ColumnKind] {
        &[ColumnKind::Varchar]
    }

    fn named_parameters() -> &'static [(&'static str, ColumnKind)] {
        &[
            ("path", ColumnKind::Varchar),
            ("max_connections", ColumnKind::BigInt),
            ("expires_at", ColumnKind::Varchar),
            ("memory_limit", ColumnKind::Varchar),
        ]
    }

    fn run(instance: &Instance, params: &Params, args: &[String]) -> Result<Vec<Vec<Cell>>, PgError> {
        let max_connections = params
            .get("max_connections")
            .map(|n| {
                n.parse::<i64>().map_err(|_| {
                    PgError::new(
                        sqlstate::INVALID_PARAMETER_VALUE,
                        format!("invalid max_connections \"{n}\""),
                    )
                })
            })
            .transpose()?;
        let created = instance.metadata.create_workspace(NewWorkspace {
            name: arg(args, 0, "the workspace name")?.to_string(),
            path: params.get("path").cloned(),
            max_connections,
            expires_at: params.get("expires_at").cloned(),
            memory_limit: params.get("memory_limit").cloned(),
        })?;
        Ok(vec![workspace_row(created)])
    }
}

pub struct DropWorkspace;

impl SqlFunction for DropWorkspace {
    const NAME: &'static str = "pgwire_drop_workspace";

    fn columns() -> &'static [(&'static str, ColumnKind)] {
        &[
            ("name", ColumnKind::Varchar),
            ("sessions_ended", ColumnKind::BigInt),
            ("files_deleted", ColumnKind::Boolean),
        ]
    }

    fn parameters() -> &'static [ColumnKind] {
        &[ColumnKind::Varchar]
    }

    fn named_parameters() -> &'static [(&'static str, ColumnKind)] {
        &[("delete_files", ColumnKind::Boolean)]
    }

    fn run(instance: &Instance, params: &Params, args: &[String]) -> Result<Vec<Vec<Cell>>, PgError> {
        let name = arg(args, 0, "the workspace name")?;
        let delete_files = bool_param(params, "delete_files", false)?;
        // (Ending the sessions of a workspace that does not exist ends none; the drop says so.)
        let ended = instance.end_sessions(|s| s.workspace.as_deref() == Some(name));
        let dropped = instance.metadata.drop_workspace(name)?;
        let deleted = delete_files && dropped.path != ":memory:";
        if deleted {
            for file in [dropped.path.clone(), format!("{}.wal", dropped.path)] {
                match std::fs::remove_file(&file) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => {
                        return Err(PgError::new(
                            sqlstate::IO_ERROR,
                            format!(
                                "workspace \"{name}\" was dropped, but \"{file}\" could not be deleted: {e}"
                            ),
                        ))
                    }
                }
            }
        }
        Ok(vec![vec![
            text(name),
            Cell::Int(ended as i64),
            Cell::Bool(deleted),
        ]])
    }
}

pub struct Workspaces;

impl SqlFunction for Workspaces {
    const NAME: &'static str = "pgwire_workspaces";

    fn columns() -> &'static [(&'static str, ColumnKind)] {
        WORKSPACE_COLUMNS
    }

    fn run(instance: &Instance, _: &Params, _: &[String]) -> Result<Vec<Vec<Cell>>, PgError> {
        Ok(instance
            .metadata
            .workspaces()?
            .into_iter()
            .map(workspace_row)
            .collect())
    }
}

pub struct Grant;

impl SqlFunction for Grant {
    const NAME: &'static str = "pgwire_grant";

    fn columns() -> &'static [(&'static str, ColumnKind)] {
        GRANT_COLUMNS
    }

    /// `(workspace, source, schema_name, table_name)`.
    fn parameters() -> &'static [ColumnKind] {
        &[
            ColumnKind::Varchar,
            ColumnKind::Varchar,
            ColumnKind::Varchar,
            ColumnKind::Varchar,
        ]
    }

    fn run(instance: &Instance, _: &Params, args: &[String]) -> Result<Vec<Vec<Cell>>, PgError> {
        let granted = instance.metadata.grant(
            arg(args, 0, "the workspace")?,
            arg(args, 1, "the source")?,
            arg(args, 2, "the schema name")?,
            arg(args, 3, "the table name")?,
        )?;
        Ok(vec![grant_row(granted)])
    }
}

pub struct Revoke;

impl SqlFunction for Revoke {
    const NAME: &'static str = "pgwire_revoke";

    fn columns() -> &'static [(&'static str, ColumnKind)] {
        GRANT_COLUMNS
    }

    /// `(workspace, schema_name, table_name)`.
    fn parameters() -> &'static [ColumnKind] {
        &[ColumnKind::Varchar, ColumnKind::Varchar, ColumnKind::Varchar]
    }

    fn run(instance: &Instance, _: &Params, args: &[String]) -> Result<Vec<Vec<Cell>>, PgError> {
        let revoked = instance.metadata.revoke(
            arg(args, 0, "the workspace")?,
            arg(args, 1, "the schema name")?,
            arg(args, 2, "the table name")?,
        )?;
        Ok(vec![grant_row(revoked)])
    }
}

pub struct Grants;

impl SqlFunction for Grants {
    const NAME: &'static str = "pgwire_grants";

    fn columns() -> &'static [(&'static str, ColumnKind)] {
        GRANT_COLUMNS
    }

    fn run(instance: &Instance, _: &Params, _: &[String]) -> Result<Vec<Vec<Cell>>, PgError> {
        Ok(instance
            .metadata
            .grants(None)?
            .into_iter()
            .map(grant_row)
            .collect())
    }
}
