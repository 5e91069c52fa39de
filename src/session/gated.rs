//! Where a session asks the isolation gateway (`policy`): a workspace session prepares every
//! statement of its client through it, runs statements that write under its fence, and has
//! views it creates checked before their transaction ends. An owner session has no gateway and
//! goes straight to DuckDB.

use std::sync::Arc;

use super::executor::Stop;
use super::extended::Extended;
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

    /// Prepare a statement the client sent (one statement: the session split the Query).
    pub(super) fn prepare_client(&self, conn: &Connection, sql: &str) -> Result<ClientStatement, Stop> {
        match self.gateway() {
            Some(gateway) => Ok(gateway.prepare(conn, sql)?),
            None => Ok(ClientStatement {
                prepared: conn.prepare(sql)?,
                view: None,
            }),
        }
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
