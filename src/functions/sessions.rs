//! `pgwire_sessions()`: a row per live session.

use super::{opt_text, text, timestamp, Params, SqlFunction};
use crate::db::{Cell, ColumnKind};
use crate::error::PgError;
use crate::server::Instance;

pub struct Sessions;

impl SqlFunction for Sessions {
    const NAME: &'static str = "pgwire_sessions";

    fn columns() -> &'static [(&'static str, ColumnKind)] {
        &[
            ("id", ColumnKind::Integer),
            ("user", ColumnKind::Varchar),
            ("workspace", ColumnKind::Varchar),
            ("client_address", ColumnKind::Varchar),
            ("application_name", ColumnKind::Varchar),
            ("state", ColumnKind::Varchar),
            ("query", ColumnKind::Varchar),
            ("connected_at", ColumnKind::TimestampTz),
            ("last_activity", ColumnKind::TimestampTz),
            ("query_count", ColumnKind::BigInt),
        ]
    }

    fn run(instance: &Instance, _: &Params, _: &[String]) -> Result<Vec<Vec<Cell>>, PgError> {
        Ok(instance
            .registry
            .all()
            .into_iter()
            .map(|s| {
                let p = s.progress();
                vec![
                    Cell::Int(s.id as i64),
                    text(s.user.clone()),
                    opt_text(s.workspace.clone()),
                    text(s.client_addr.to_string()),
                    text(s.application_name.clone()),
                    text(p.activity.as_str()),
                    text(p.query),
                    timestamp(s.connected_at),
                    timestamp(p.last_activity),
                    Cell::Int(p.query_count as i64),
                ]
            })
            .collect())
    }
}

/// `pgwire_cancel(id)`: interrupt the session's running statement (57014 to its client), as a
/// CancelRequest would. False when no session has that id.
pub struct Cancel;

impl SqlFunction for Cancel {
    const NAME: &'static str = "pgwire_cancel";

    fn columns() -> &'static [(&'static str, ColumnKind)] {
        &[("cancelled", ColumnKind::Boolean)]
    }

    fn parameters() -> &'static [ColumnKind] {
        &[ColumnKind::Integer]
    }

    fn run(instance: &Instance, _: &Params, args: &[String]) -> Result<Vec<Vec<Cell>>, PgError> {
        let session = session_of(instance, args);
        if let Some(s) = &session {
            s.interrupt();
        }
        Ok(vec![vec![Cell::Bool(session.is_some())]])
    }
}

/// `pgwire_terminate(id)`: end the session (57P01 to its client, its transaction rolled back).
/// False when no session has that id.
pub struct Terminate;

impl SqlFunction for Terminate {
    const NAME: &'static str = "pgwire_terminate";

    fn columns() -> &'static [(&'static str, ColumnKind)] {
        &[("terminated", ColumnKind::Boolean)]
    }

    fn parameters() -> &'static [ColumnKind] {
        &[ColumnKind::Integer]
    }

    fn run(instance: &Instance, _: &Params, args: &[String]) -> Result<Vec<Vec<Cell>>, PgError> {
        let ended = match session_of(instance, args) {
            Some(session) => instance.end_sessions(|s| s.id == session.id),
            None => 0,
        };
        Ok(vec![vec![Cell::Bool(ended > 0)]])
    }
}

fn session_of(
    instance: &Instance,
    args: &[String],
) -> Option<std::sync::Arc<crate::server::registry::SessionInfo>> {
    let id = args.first()?.parse::<i32>().ok()?;
    instance.registry.get(id)
}
