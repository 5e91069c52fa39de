//! Process exit. When the host process exits, DuckDB's static destructors run while our threads
//! may still be inside DuckDB (a query, a pool reset, the watchdog's poll): that crashes. So at
//! exit we stop starting DuckDB work, interrupt what runs, wait briefly for it to return, and leak
//! every connection instead of disconnecting it (destroying the instance then is not safe either).
//!
//! This is the one piece of process-wide state: exit is a process-wide event.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, Once, Weak};
use std::time::{Duration, Instant};

use crate::server::Instance;

static EXITING: AtomicBool = AtomicBool::new(false);
static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);
static INSTANCES: Mutex<Vec<Weak<Instance>>> = Mutex::new(Vec::new());
static HOOK: Once = Once::new();

/// How long exit waits for running DuckDB calls to notice the interrupt and return.
const EXIT_WAIT: Duration = Duration::from_secs(3);

/// Is the process exiting? Then no DuckDB call may start, and connections are leaked.
pub fn exiting() -> bool {
    EXITING.load(Ordering::SeqCst)
}

/// Held while one of our threads runs DuckDB code.
pub struct DuckDbWork(());

impl Drop for DuckDbWork {
    fn drop(&mut self) {
        IN_FLIGHT.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Announce DuckDB work; `None` when the process is exiting and the work must not start.
pub fn begin_duckdb_work() -> Option<DuckDbWork> {
    IN_FLIGHT.fetch_add(1, Ordering::SeqCst);
    let work = DuckDbWork(());
    if exiting() {
        return None;
    }
    Some(work)
}

/// Track an instance so that exit can interrupt its sessions; installs the exit hook once.
pub fn track(instance: Weak<Instance>) {
    let mut instances = INSTANCES.lock().unwrap_or_else(|e| e.into_inner());
    instances.retain(|w| w.strong_count() > 0);
    instances.push(instance);
    drop(instances);
    // Registered after DuckDB's statics were built, so it runs before their destructors.
    HOOK.call_once(|| crate::db::at_process_exit(on_exit));
}

extern "C" fn on_exit() {
    // Nothing may unwind out of an atexit handler.
    let _ = std::panic::catch_unwind(|| {
        EXITING.store(true, Ordering::SeqCst);
        let instances = INSTANCES.lock().unwrap_or_else(|e| e.into_inner()).clone();
        for instance in instances.iter().filter_map(Weak::upgrade) {
            for session in instance.registry.all() {
                session.interrupt();
            }
        }
        let deadline = Instant::now() + EXIT_WAIT;
        while IN_FLIGHT.load(Ordering::SeqCst) > 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
    });
}

/// Start DuckDB work on tokio's blocking pool now; the returned future yields its result, or
/// `None` when the process is exiting (the work did not start) or the work panicked (the panic
/// stays on that thread).
pub fn run_blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> impl std::future::Future<Output = Option<T>> {
    let handle = tokio::task::spawn_blocking(move || {
        let _work = begin_duckdb_work()?;
        Some(work())
    });
    async move { handle.await.ok().flatten() }
}
