//! What a session may leave on its DuckDB connection. Giving a connection back to the pool with
//! the full reset and proof (see `server::pool`) costs tens of milliseconds, as it lists
//! DuckDB's functions, types and settings; a session that only read and changed data, in
//! transactions, with settings we changed ourselves, needs only those undone.

use std::collections::BTreeSet;

use crate::db::StatementKind;

/// May a statement of this kind leave state on the connection, or change what names mean?
/// Queries, data changes, COPY and transaction control do not.
pub fn may_leave_state(kind: StatementKind) -> bool {
    use StatementKind as K;
    !matches!(
        kind,
        K::Select | K::Insert | K::Update | K::Delete | K::MergeInto | K::Transaction | K::Explain | K::Copy
    )
}

#[derive(Debug, Default)]
pub struct Leftovers {
    /// A statement ran that may leave state we do not track one by one (DDL, SET, PREPARE,
    /// variables, ATTACH, PRAGMA, ...): the connection needs the full reset.
    untracked: bool,
    /// DuckDB settings we changed for the session (its TimeZone, statement_timeout).
    settings: BTreeSet<&'static str>,
    /// We `USE`d another catalog for the session (a workspace's).
    moved_catalog: bool,
}

impl Leftovers {
    /// Note a statement DuckDB ran for the session.
    pub fn statement(&mut self, kind: StatementKind) {
        if may_leave_state(kind) {
            self.untracked = true;
        }
    }

    /// Note something that leaves state we do not track (a cursor's temporary table, ...).
    pub fn untracked(&mut self) {
        self.untracked = true;
    }

    /// Note a DuckDB setting we changed (it is RESET when the session ends).
    pub fn setting(&mut self, name: &'static str) {
        self.settings.insert(name);
    }

    /// Note that the session was moved to another catalog (the reset moves it back).
    pub fn moved_catalog(&mut self) {
        self.moved_catalog = true;
    }

    pub fn catalog_moved(&self) -> bool {
        self.moved_catalog
    }

    /// `None`: anything may be left, reset everything; otherwise the settings to reset.
    pub fn only_settings(&self) -> Option<impl Iterator<Item = &&'static str>> {
        (!self.untracked).then(|| self.settings.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_statements_leave_nothing() {
        let mut l = Leftovers::default();
        l.statement(StatementKind::Select);
        l.statement(StatementKind::Transaction);
        l.setting("TimeZone");
        assert_eq!(l.only_settings().unwrap().collect::<Vec<_>>(), vec![&"TimeZone"]);
        l.statement(StatementKind::Create);
        assert!(l.only_settings().is_none());
    }
}
