//! What a workspace's names mean right now, as far as the gateway's verdicts depend on it: the
//! base tables of its catalog and its grants' catalogs, and the text of every view in them.
//! (Macros are not listed: `duckdb_functions()` takes tens of milliseconds. A statement that
//! calls a macro is never kept as verified; see `Gateway::remember`.) A verdict is kept (a statement checked once and run again from the cache or a prepared
//! statement; a query let through without a plan because it reads only base tables) only while
//! this stays the same: DuckDB binds a kept statement again at each execution, so a table the
//! owner replaced by a view, or a view redefined, must be checked again first.
//!
//! Listing it costs a query over DuckDB's catalog functions, so a workspace's snapshot is shared
//! by its sessions and taken again at most once per `FRESH_FOR` (at once when one of them
//! changed a definition).

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::db::Connection;
use crate::error::PgError;
use crate::internal_sql::{query_rows, quote_literal};

/// How long a snapshot is trusted. A change made outside pgwire (in the host's own DuckDB) is
/// seen within this long.
const FRESH_FOR: Duration = Duration::from_secs(1);

/// One listing of a workspace's definitions.
#[derive(Clone)]
pub struct Snapshot {
    /// Changes whenever a table or view of the listed catalogs changes.
    pub fingerprint: u64,
    /// Base tables of the workspace's catalog, `(schema, table)` in lower case.
    pub tables: Arc<HashSet<(String, String)>>,
    listed: Instant,
}

/// The snapshots of all workspaces of a server.
#[derive(Default)]
pub struct Snapshots {
    by_workspace: Mutex<HashMap<String, Snapshot>>,
}

impl Snapshots {
    /// The workspace's snapshot, listed again if it is older than `FRESH_FOR`.
    /// `catalog`: the workspace's; `sources`: its grants' catalogs.
    pub fn current(&self, conn: &Connection, catalog: &str, sources: &[String]) -> Result<Snapshot, PgError> {
        if let Some(s) = self.lock().get(catalog) {
            if s.listed.elapsed() <= FRESH_FOR {
                return Ok(s.clone());
            }
        }
        let snapshot = list(conn, catalog, sources)?;
        self.lock().insert(catalog.to_string(), snapshot.clone());
        Ok(snapshot)
    }

    /// A session of the workspace changed a definition: list again next time.
    pub fn invalidate(&self, catalog: &str) {
        self.lock().remove(catalog);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Snapshot>> {
        self.by_workspace.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn list(conn: &Connection, catalog: &str, sources: &[String]) -> Result<Snapshot, PgError> {
    let catalogs: Vec<String> = std::iter::once(catalog)
        .chain(sources.iter().map(String::as_str))
        .map(quote_literal)
        .collect();
    let catalogs = catalogs.join(", ");
    let rows = query_rows(
        conn,
        &format!(
            "SELECT 't', database_name, schema_name, table_name, NULL FROM duckdb_tables() WHERE database_name IN ({catalogs})
             UNION ALL
             SELECT 'v', database_name, schema_name, view_name, sql FROM duckdb_views() WHERE database_name IN ({catalogs})
             ORDER BY ALL"
        ),
    )?;
    let mut hasher = DefaultHasher::new();
    rows.hash(&mut hasher);
    let tables = rows
        .iter()
        .filter_map(|r| match r.as_slice() {
            [Some(kind), Some(db), Some(schema), Some(table), _]
                if kind == "t" && db.eq_ignore_ascii_case(catalog) =>
            {
                Some((schema.to_ascii_lowercase(), table.to_ascii_lowercase()))
            }
            _ => None,
        })
        .collect();
    Ok(Snapshot {
        fingerprint: hasher.finish(),
        tables: Arc::new(tables),
        listed: Instant::now(),
    })
}
