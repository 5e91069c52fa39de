//! Prepared statements kept by their text, so that a query a client sends again and again (an
//! application's or a pool's health check, pgbench; as a Query or as a Parse) skips DuckDB's
//! parser, binder and optimizer, which cost more than executing a small query.
//!
//! Only SELECT, INSERT, UPDATE and DELETE are kept, and the whole cache is dropped whenever the
//! session runs anything but those and transaction control: a statement that changes the schema, the search path or a setting
//! could change what a kept statement means. DuckDB re-binds a prepared statement itself when
//! another connection changed the catalog.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use crate::db::{Prepared, StatementKind};

/// A prepared statement that named statements, portals and the cache may share. The mutex
/// keeps binding parameters and executing together, and lets it move between threads.
pub type SharedPrepared = Arc<Mutex<Prepared>>;

/// Statements kept per session; enough for an application's working set of queries.
const CAPACITY: usize = 64;

#[derive(Default)]
pub struct StatementCache {
    entries: HashMap<String, SharedPrepared>,
    /// Texts from the oldest to the newest, to evict the oldest.
    order: VecDeque<String>,
}

impl StatementCache {
    /// May a statement of this kind be kept and run again from its text?
    pub fn keeps(kind: StatementKind) -> bool {
        matches!(
            kind,
            StatementKind::Select | StatementKind::Insert | StatementKind::Update | StatementKind::Delete
        )
    }

    /// Does running a statement of this kind make kept statements suspect?
    pub fn invalidated_by(kind: StatementKind) -> bool {
        super::leftovers::may_leave_state(kind)
    }

    pub fn get(&self, sql: &str) -> Option<SharedPrepared> {
        self.entries.get(sql).cloned()
    }

    pub fn insert(&mut self, sql: &str, prepared: SharedPrepared) {
        if self.entries.len() >= CAPACITY {
            if let Some(oldest) = self.order.pop_front() {
                self.entries.remove(&oldest);
            }
        }
        if self.entries.insert(sql.to_string(), prepared).is_none() {
            self.order.push_back(sql.to_string());
        }
    }

    pub fn clear(&mut self) {
        self.entries.clear();
        self.order.clear();
    }
}
