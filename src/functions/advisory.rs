//! `pgwire_advisory(action, session, database, key, lock_timeout_ms)`: PostgreSQL's advisory
//! lock functions, as the catalog rewrite calls them (`pg_advisory_lock(k)` and kin become a
//! call with the session's id and database filled in; catalog/install.rs's `advisory` macro).
//! A workspace never names this function itself: its gateway refuses our functions by name.

use std::sync::Arc;
use std::time::Duration;

use crate::db::{Cell, ColumnKind, SqlScalar};
use crate::server::advisory::NotTaken;
use crate::server::Instance;

pub const ADVISORY: &str = "pgwire_advisory";

pub struct Advisory;

impl SqlScalar<Arc<Instance>> for Advisory {
    fn signatures() -> &'static [&'static [ColumnKind]] {
        use ColumnKind::{Integer, Varchar};
        &[&[Varchar, Integer, Varchar, Varchar, Integer]]
    }

    fn returns() -> ColumnKind {
        ColumnKind::Varchar
    }

    fn call(instance: &Arc<Instance>, args: &[Cell]) -> Result<Cell, String> {
        let text = |i: usize| match args.get(i) {
            Some(Cell::Text(s)) => Some(s.clone()),
            _ => None,
        };
        let int = |i: usize| match args.get(i) {
            Some(Cell::Int(v)) => Some(*v),
            _ => None,
        };
        let (Some(action), Some(session), Some(database)) = (text(0), int(1), text(2)) else {
            return Err("pgwire_advisory: action, session and database must be given".into());
        };
        let session = session as i32;
        let locks = &instance.registry.advisory;
        if action == "unlock_all" {
            locks.unlock_all(session);
            return Ok(Cell::Text(String::new()));
        }
        // PostgreSQL: a NULL key makes the call NULL.
        let Some(key) = text(3) else {
            return Ok(Cell::Null);
        };
        let key = (database, key);
        let shared = action.ends_with("_shared");
        // `xact_lock`, `xact_try`: held until the session's transaction ends.
        let for_transaction = action.starts_with("xact_");
        let verdict = |b: bool| Ok(Cell::Text(if b { "true" } else { "false" }.into()));
        match action.trim_start_matches("xact_").trim_end_matches("_shared") {
            "lock" => {
                let registry = &instance.registry;
                let started = registry.get(session).map(|s| s.interrupts());
                let cancelled = || match (registry.get(session), started) {
                    (Some(s), Some(at)) => s.terminated() || s.interrupts() != at,
                    _ => true,
                };
                let timeout = int(4)
                    .filter(|ms| *ms > 0)
                    .map(|ms| Duration::from_millis(ms as u64));
                match locks.lock(session, key, shared, for_transaction, timeout, &cancelled) {
                    Ok(()) => Ok(Cell::Text(String::new())),
                    Err(NotTaken::TimedOut) => Err("canceling statement due to lock timeout".into()),
                    Err(NotTaken::Cancelled) => Err("canceling statement due to user request".into()),
                }
            }
            "try" => verdict(locks.try_lock(session, key, shared, for_transaction)),
            "unlock" => verdict(locks.unlock(session, &key, shared)),
            other => Err(format!("pgwire_advisory: unknown action {other}")),
        }
    }
}
