//! Process exit. When the host process exits, DuckDB's static destructors run while our threads
//! may still be inside DuckDB: that crashes. The exit hook closes the gate under every DuckDB call
//! (`db::gate`): no call starts after it, the ones running are interrupted and waited for, and
//! connections, results and statements are leaked instead of freed (destroying the instance
//! then is not safe either).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};

use crate::metadata::history::History;

/// How many times the hook was registered; each registration is one more `atexit` entry.
static REGISTERED: AtomicUsize = AtomicUsize::new(0);
/// Bound on registrations: a loop of pgwire_start/pgwire_stop must not grow the atexit list
/// forever. Past it, the registrations made so far stand.
const MAX_REGISTRATIONS: usize = 64;

/// Histories to write out at exit, before the gate closes: a host that closes its database
/// and exits at once would otherwise lose the rows still queued.
static HISTORIES: Mutex<Vec<Weak<History>>> = Mutex::new(Vec::new());

/// Write `history` out when the process exits.
pub fn flush_at_exit(history: &Arc<History>) {
    let mut histories = HISTORIES.lock().unwrap_or_else(|e| e.into_inner());
    histories.retain(|h| h.strong_count() > 0);
    histories.push(Arc::downgrade(history));
}

/// Register the exit hook (again). `atexit` handlers and the destructors of C++ statics run in
/// the reverse order of their registration, and DuckDB builds some statics lazily, on first use:
/// one built after our hook was registered is destroyed before the hook runs. So the hook is
/// registered at LOAD and again whenever a server starts, to run after as much as possible.
/// Running it twice is harmless.
pub fn install_hook() {
    if REGISTERED.fetch_add(1, Ordering::SeqCst) < MAX_REGISTRATIONS {
        crate::db::at_process_exit(on_exit);
    }
}

extern "C" fn on_exit() {
    // Nothing may unwind out of an atexit handler.
    let _ = std::panic::catch_unwind(|| {
        let histories: Vec<_> = HISTORIES
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter_map(Weak::upgrade)
            .collect();
        histories.iter().for_each(|h| h.flush());
        if !crate::db::begin_exit() {
            eprintln!("pgwire: DuckDB calls still running at process exit after the wait");
        }
    });
}

/// Start DuckDB work on tokio's blocking pool now; the returned future yields its result, or
/// `None` when the work panicked (the panic stays on that thread).
pub fn run_blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> impl std::future::Future<Output = Option<T>> {
    let handle = tokio::task::spawn_blocking(work);
    async move { handle.await.ok() }
}
