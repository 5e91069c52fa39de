//! Notices when the host has closed the database and releases the extension's connections.
//!
//! While the extension holds connections DuckDB cannot close the instance (re-opening the same
//! file would hang), and DuckDB tells extensions nothing when the host closes it. So a thread
//! counts the instance's connections; when only ours are left, the host is gone and we let go.

use std::sync::{Arc, Weak};
use std::time::Duration;

use super::Instance;
use crate::db::Connection;
use crate::internal_sql::query_rows;

const DEFAULT_POLL: Duration = Duration::from_millis(100);

/// How often to count: `PGWIRE_WATCHDOG_INTERVAL_MS` (read at LOAD, 1 to 10000), else 100 ms.
/// The exit tests set it to 1 ms, so that the watchdog is mid-query when the process exits.
fn poll_interval() -> Duration {
    std::env::var("PGWIRE_WATCHDOG_INTERVAL_MS")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|ms| (1..=10_000).contains(ms))
        .map_or(DEFAULT_POLL, Duration::from_millis)
}

/// Start the watchdog on its own connection. `extra_own` counts our connections outside the
/// pool (metadata, this watchdog's).
pub fn start_watchdog(instance: &Arc<Instance>, conn: Connection, extra_own: usize) -> std::io::Result<()> {
    let weak: Weak<Instance> = Arc::downgrade(instance);
    let poll = poll_interval();
    std::thread::Builder::new()
        .name("pgwire-watchdog".into())
        .spawn(move || {
            // Seen alone twice in a row before letting go: one look could fall between a
            // count and a connection's retirement.
            let mut alone = 0;
            loop {
                std::thread::sleep(poll);
                let Some(instance) = weak.upgrade() else {
                    return;
                };
                let count = query_rows(&conn, "SELECT count FROM duckdb_connection_count()")
                    .ok()
                    .and_then(|rows| {
                        rows.first()
                            .and_then(|r| r[0].as_deref())
                            .and_then(|v| v.parse::<usize>().ok())
                    });
                // Counted after the instance's count: a connection retired meanwhile makes
                // `ours` smaller, never the other way round.
                let ours = instance.pool.opened() - instance.pool.retired() + extra_own;
                match count {
                    Some(n) if n > ours => {
                        alone = 0;
                        continue;
                    }
                    // At process exit nothing is released: everything is leaked (see `db::gate`).
                    None if crate::db::exiting() => return,
                    _ if alone == 0 => {
                        alone = 1;
                        continue;
                    }
                    // Only our connections are left (or the instance no longer answers).
                    _ => {
                        instance.close();
                        instance.metadata.release();
                        drop(conn);
                        return;
                    }
                }
            }
        })?;
    Ok(())
}
