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
