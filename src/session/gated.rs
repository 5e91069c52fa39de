//! Where a session asks the isolation gateway (`policy`): a workspace session prepares every
//! statement of its client through it, runs statements that write under its fence, and has
//! views it creates checked before their transaction ends. An owner session has no gateway and
//! goes straight to DuckDB.

use std::sync::Arc;

use super::executor::Stop;
use super::extended::{Extended, Identity};
use super::settings::Settings;
use crate::catalog;
use crate::db::{Connection, StatementKind};
use crate::error::PgError;
use crate::policy::{Checked, Gateway};

/// A client's statement, prepared (or `None` when empty), with the view it creates, if any:
/// what the gateway hands back, and what an owner's statement is too.
pub(super) type ClientStatement = Checked;

impl Extended {
    /// Give the session its workspace's gateway.
    pub fn set_gateway(&mut self, gateway: Arc<Gateway>) {
        self.gateway = Some(gateway);
    }

    pub(super) fn gateway(&self) -> Option<&Gateway> {
        self.gateway.as_deref()
    }

    pub fn set_identity(&mut self, user: String, pid: i32, database: String, settings: &Settings) {
        self.identity = Identity {
            user,
            pid,
            settings: settings.values(),
            database,
        };
    }

    /// Keep the session's parameter values for the statements rewritten from now on.
    pub(super) fn settings_changed(&mut self, settings: &Settings) {
        self.identity.settings = settings.values();
    }

    /// The text to run for a client's statement and the text its gateway checks: the same
    /// unless the statement reads PostgreSQL's catalogs or SQL DuckDB lacks (`catalog`).
    pub(super) fn rewritten(&self, sql: &str) -> Option<catalog::Rewritten> {
        rewritten(&self.identity, self.gateway.is_some(), sql)
    }

    /// Prepare a statement the client sent (one statement: the session split the Query),
    /// its result columns named as PostgreSQL names them.
    pub(super) fn prepare_client(&self, conn: &Connection, sql: &str) -> Result<ClientStatement, Stop> {
        if let Some(instead) = self.statement_instead(conn, sql) {
            return self.prepare_rewritten(conn, &instead, None);
        }
        self.prepare_rewritten(conn, sql, self.rewritten(sql))
    }

    /// A statement the session runs instead of the client's: the answer to `EXPLAIN ...
    /// EXECUTE` of a protocol statement, or `ALTER VIEW` for a view renamed with ALTER TABLE.
    pub(super) fn statement_instead(&self, conn: &Connection, sql: &str) -> Option<String> {
        self.explained_execute(sql)
            .or_else(|| catalog::view_renamed_as_table(conn, sql))
    }

    /// The query answering `EXPLAIN ... EXECUTE name(...)` of a statement prepared by Parse
    /// (see catalog/explain.rs).
    fn explained_execute(&self, sql: &str) -> Option<String> {
        let statement = self.statements.get(&catalog::explained_statement(sql)?)?;
        let columns: Vec<String> = statement
            .columns
            .iter()
            .flatten()
            .map(|(name, _)| name.clone())
            .collect();
        Some(catalog::result_plan_query(&columns))
    }

    /// [`Self::prepare_client`] with the rewrite already made.
    pub(super) fn prepare_rewritten(
        &self,
        conn: &Connection,
        sql: &str,
        rewritten: Option<catalog::Rewritten>,
    ) -> Result<ClientStatement, Stop> {
        let (run, check) = match &rewritten {
            Some(r) => (r.run.as_str(), r.check.as_str()),
            None => (sql, sql),
        };
        let mut statement = match self.gateway() {
            Some(gateway) => gateway.prepare(conn, run, check)?,
            None => ClientStatement {
                prepared: conn.prepare(run)?,
                view: None,
            },
        };
        if let Some(prepared) = statement.prepared.as_mut() {
            name_columns(sql, prepared);
            catalog::name_enums(conn, prepared);
        }
        Ok(statement)
    }

    /// Check a kept statement again (see `Gateway::revalidate`), as it was checked first.
    pub(super) fn revalidate(&self, conn: &Connection, sql: &str, params: usize) -> Result<(), Stop> {
        revalidate(self.gateway(), &self.identity, conn, sql, params)
    }

    /// Before a statement of `kind` runs inside the open transaction.
    pub(super) fn before_running(&self, conn: &Connection, kind: StatementKind) -> Result<(), Stop> {
        before_running(self.gateway(), conn, kind)
    }

    /// After a statement ran, before its transaction ends.
    pub(super) fn after_running(
        &self,
        conn: &Connection,
        kind: StatementKind,
        view: Option<&str>,
    ) -> Result<(), Stop> {
        after_running(self.gateway(), conn, kind, view)
    }

    /// Open a transaction that is fenced from its start (one round trip to DuckDB for both).
    pub(super) fn begin_fenced(&self, conn: &Connection) -> Result<(), Stop> {
        match self.gateway() {
            Some(gateway) => Ok(gateway.begin_fenced(conn)?),
            None => Ok(conn.execute("BEGIN TRANSACTION")?),
        }
    }

    /// Does a statement of this kind need a transaction of its own to run under the fence?
    pub(super) fn needs_fenced_transaction(&self, kind: StatementKind) -> bool {
        self.gateway.is_some() && writes(kind)
    }

    /// What the client may be told of an error.
    pub(super) fn shown(&self, e: PgError) -> PgError {
        match self.gateway() {
            Some(gateway) => gateway.sanitize(e),
            None => e,
        }
    }
}

fn writes(kind: StatementKind) -> bool {
    !matches!(kind, StatementKind::Select | StatementKind::Transaction)
}

/// Before a statement of `kind` runs inside the open transaction: a workspace session's writes
/// go only to its workspace.
pub(super) fn before_running(
    gateway: Option<&Gateway>,
    conn: &Connection,
    kind: StatementKind,
) -> Result<(), Stop> {
    match gateway {
        Some(gateway) if writes(kind) => Ok(gateway.fence(conn)?),
        _ => Ok(()),
    }
}

/// After a statement ran, before its transaction ends: a statement that changed definitions
/// makes the workspace's snapshot stale, and a view it created reads only what the workspace
/// may read.
pub(super) fn after_running(
    gateway: Option<&Gateway>,
    conn: &Connection,
    kind: StatementKind,
    view: Option<&str>,
) -> Result<(), Stop> {
    let Some(gateway) = gateway else {
        return Ok(());
    };
    if super::leftovers::may_leave_state(kind) {
        gateway.definitions_changed();
    }
    match view {
        Some(view) => Ok(gateway.check_view(conn, view)?),
        None => Ok(()),
    }
}

/// Name the columns of `sql`'s result as PostgreSQL does, where DuckDB names them otherwise.
pub(super) fn name_columns(sql: &str, prepared: &mut crate::db::Prepared) {
    let duckdb_names = prepared.duckdb_column_names();
    if let Some(names) = catalog::column_names(sql, &duckdb_names) {
        prepared.rename_columns(names);
    }
}

fn rewritten(identity: &Identity, workspace: bool, sql: &str) -> Option<catalog::Rewritten> {
    let facts = catalog::Facts {
        user: &identity.user,
        pid: identity.pid,
        workspace,
        setting: &|name| super::settings::value_of(&identity.settings, name).or_else(|| fixed_setting(name)),
        database: &identity.database,
    };
    catalog::rewrite(sql, &facts)
}

/// [`Extended::revalidate`] for callers holding a part of the session mutably.
pub(super) fn revalidate(
    gateway: Option<&Gateway>,
    identity: &Identity,
    conn: &Connection,
    sql: &str,
    params: usize,
) -> Result<(), Stop> {
    let Some(gateway) = gateway else {
        return Ok(());
    };
    let rewritten = rewritten(identity, true, sql);
    let check = rewritten.as_ref().map_or(sql, |r| r.check.as_str());
    Ok(gateway.revalidate(conn, check, params)?)
}

/// The server's parameters that no session changes, for `current_setting` (the session's own
/// ones are answered by SHOW).
fn fixed_setting(name: &str) -> Option<String> {
    let value = match name.to_ascii_lowercase().as_str() {
        "server_version" => catalog::SERVER_VERSION,
        "server_version_num" => catalog::SERVER_VERSION_NUM,
        "server_encoding" => "UTF8",
        "lc_collate" | "lc_ctype" => "C",
        "integer_datetimes" => "on",
        "max_identifier_length" => "63",
        "block_size" => "8192",
        "max_index_keys" => "32",
        "standard_conforming_strings" => "on",
        _ => return None,
    };
    Some(value.to_string())
}
