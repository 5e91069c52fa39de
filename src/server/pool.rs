//! The connection pool: every DuckDB connection a session will ever use, opened during LOAD.
//!
//! A session owns one connection. When it ends, the connection is reset and then checked to be
//! exactly as fresh as when it was opened; one that cannot be proven clean is retired
//! (disconnected), never handed to another tenant. The host's database handle is gone after
//! LOAD, so a retired connection is not replaced: the pool shrinks instead.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use crate::db::{Connection, Database, DbError};
use crate::internal_sql::{drop_session_objects, query_rows, quote_ident, SessionObjects};
use crate::session::leftovers::Leftovers;

/// What a fresh connection looks like: the state every released connection must return to.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Baseline {
    /// `duckdb_settings()` rows with LOCAL scope, sorted by name.
    local_settings: Vec<(String, Option<String>)>,
    /// Every setting's value as a fresh connection sees it.
    values: std::collections::HashMap<String, Option<String>>,
    catalog: String,
    schema: String,
}

impl Baseline {
    /// Are these LOCAL settings those of a fresh connection? DuckDB 1.5 keeps a setting LOCAL
    /// after RESET (TimeZone, with the value a fresh connection has): that counts as fresh.
    fn settings_fresh(&self, now: &[(String, Option<String>)]) -> bool {
        let kept = self.local_settings.iter().all(|s| now.contains(s));
        let added = now.iter().all(|(name, value)| {
            self.local_settings.iter().any(|(n, v)| n == name && v == value)
                || (!self.local_settings.iter().any(|(n, _)| n == name)
                    && self.values.get(name) == Some(value))
        });
        kept && added
    }
}

pub struct Pool {
    idle: Mutex<Vec<Connection>>,
    baseline: Baseline,
    opened: usize,
    retired: AtomicUsize,
    /// Set when the host closes the database: released connections are disconnected.
    closed: AtomicBool,
}

const LOCAL_SETTINGS_SQL: &str =
    "SELECT name, value::VARCHAR FROM duckdb_settings() WHERE scope = 'LOCAL' ORDER BY name";

fn rows_to_pairs(rows: Vec<Vec<Option<String>>>) -> Vec<(String, Option<String>)> {
    rows.into_iter()
        .map(|mut r| {
            let value = r.pop().flatten();
            (r.pop().flatten().unwrap_or_default(), value)
        })
        .collect()
}

impl Pool {
    /// Open `size` connections on the host instance.
    pub fn open(db: &Database<'_>, size: usize) -> Result<Pool, DbError> {
        let mut idle = Vec::with_capacity(size);
        for _ in 0..size {
            idle.push(db.connect()?);
        }
        let probe = db.connect()?;
        let local_settings = rows_to_pairs(query_rows(&probe, LOCAL_SETTINGS_SQL)?);
        let values = rows_to_pairs(query_rows(
            &probe,
            "SELECT name, value::VARCHAR FROM duckdb_settings()",
        )?)
        .into_iter()
        .collect();
        let current = query_rows(&probe, "SELECT current_database(), current_schema()")?;
        let (catalog, schema) = match current.as_slice() {
            [row] => (
                row[0].clone().unwrap_or_default(),
                row[1].clone().unwrap_or_default(),
            ),
            _ => (String::new(), String::new()),
        };
        Ok(Pool {
            idle: Mutex::new(idle),
            baseline: Baseline {
                local_settings,
                values,
                catalog,
                schema,
            },
            opened: size,
            retired: AtomicUsize::new(0),
            closed: AtomicBool::new(false),
        })
    }

    /// Take an idle connection, if any is left.
    pub fn acquire(&self) -> Option<Connection> {
        self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop()
    }

    /// Reset a connection a session used and put it back, or retire it if it cannot be proven
    /// clean. Runs DuckDB statements: call it off the I/O threads.
    pub fn release(&self, conn: Connection, leftovers: &Leftovers) {
        if self.closed.load(Ordering::SeqCst) {
            self.retired.fetch_add(1, Ordering::SeqCst);
            return drop(conn);
        }
        let restored = match leftovers.only_settings() {
            // Only data statements ran: end the transaction, undo our settings, and prove that
            // no transaction is open (BEGIN fails inside one).
            Some(settings) => {
                let _ = conn.execute("ROLLBACK");
                let home = if leftovers.catalog_moved() {
                    self.go_home(&conn)
                } else {
                    Ok(())
                };
                home.and_then(|()| {
                    settings
                        .map(|name| conn.execute(&format!("RESET {}", quote_ident(name))))
                        .collect::<Result<Vec<_>, _>>()
                })
                .and_then(|_| conn.execute("BEGIN TRANSACTION"))
                .and_then(|_| conn.execute("ROLLBACK"))
                .map(|_| true)
            }
            None => self.reset(&conn).and_then(|()| self.verify(&conn)),
        };
        match restored {
            Ok(true) => self.idle.lock().unwrap_or_else(|e| e.into_inner()).push(conn),
            Ok(false) | Err(_) => {
                self.retired.fetch_add(1, Ordering::SeqCst);
                drop(conn);
            }
        }
    }

    pub fn idle_count(&self) -> usize {
        self.idle.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn opened(&self) -> usize {
        self.opened
    }

    pub fn retired(&self) -> usize {
        self.retired.load(Ordering::SeqCst)
    }

    /// Disconnect every idle connection (the host is closing the database).
    pub fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        self.idle.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    /// Back to the catalog and schema a fresh connection starts in.
    fn go_home(&self, conn: &Connection) -> Result<(), DbError> {
        conn.execute(&format!(
            "USE {}.{}",
            quote_ident(&self.baseline.catalog),
            quote_ident(&self.baseline.schema)
        ))
    }

    /// Undo everything a session can leave on a connection.
    fn reset(&self, conn: &Connection) -> Result<(), DbError> {
        // An open transaction (failed or not) goes first; "no transaction is active" is fine.
        let _ = conn.execute("ROLLBACK");
        drop_session_objects(conn, SessionObjects::All)?;
        self.go_home(conn)?;
        let now = rows_to_pairs(query_rows(conn, LOCAL_SETTINGS_SQL)?);
        for (name, value) in &now {
            let fresh = self
                .baseline
                .local_settings
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v);
            if fresh != Some(value) {
                conn.execute(&format!("RESET {}", quote_ident(name)))?;
            }
        }
        Ok(())
    }

    /// Is the connection indistinguishable from a fresh one?
    fn verify(&self, conn: &Connection) -> Result<bool, DbError> {
        // BEGIN fails inside a transaction: this proves none is open.
        conn.execute("BEGIN TRANSACTION")?;
        conn.execute("ROLLBACK")?;
        let leftovers = query_rows(
            conn,
            "SELECT ((SELECT count(*) FROM duckdb_tables() WHERE database_name = 'temp')
                   + (SELECT count(*) FROM duckdb_views() WHERE database_name = 'temp' AND NOT internal)
                   + (SELECT count(*) FROM duckdb_sequences() WHERE database_name = 'temp')
                   + (SELECT count(*) FROM duckdb_functions() WHERE database_name = 'temp'
                                                                AND function_type IN ('macro', 'table_macro'))
                   + (SELECT count(*) FROM duckdb_types() WHERE database_name = 'temp' AND NOT internal)
                   + (SELECT count(*) FROM duckdb_variables())
                   + (SELECT count(*) FROM duckdb_prepared_statements()))::VARCHAR,
                    current_database(), current_schema()",
        )?;
        let clean = matches!(leftovers.as_slice(), [row]
            if row[0].as_deref() == Some("0")
                && row[1].as_deref() == Some(self.baseline.catalog.as_str())
                && row[2].as_deref() == Some(self.baseline.schema.as_str()));
        let settings = rows_to_pairs(query_rows(conn, LOCAL_SETTINGS_SQL)?);
        Ok(clean && self.baseline.settings_fresh(&settings))
    }
}
