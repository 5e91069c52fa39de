//! The exit gate: every call into DuckDB that runs engine code or frees DuckDB memory passes
//! through here, so that none starts, and none is still running, once the process exits.
//!
//! Why: when the host process exits, DuckDB's static destructors (its default allocator among
//! them) run while our threads may still be inside DuckDB: a session's statement, a pool reset,
//! the watchdog's poll, the host closing the database underneath the watchdog. A call that is
//! mid-way then touches freed statics and the host dies with SIGSEGV. Deciding this in one place
//! (here, under every wrapper of `db/`) instead of call site by call site means no new caller can
//! forget it.
//!
//! The protocol is a Dekker pair of sequentially consistent atomics: a caller first counts itself
//! in, then looks at `EXITING`; exit first raises `EXITING`, then waits for the count to reach
//! zero. Either the caller sees `EXITING` and backs out, or exit sees the caller and waits for it.
//! While it waits, exit interrupts every connection we opened, again and again (a statement that
//! started just after one interrupt is caught by the next), so the wait is short. Once exiting,
//! calls fail with [`ErrorKind::Exiting`] and destructors leak their handle instead of freeing it.
//!
//! Pure reads of memory we hold (a fetched chunk's vectors, a type's fields, a result's column
//! names) are not gated: they run no engine code and free nothing.
//!
//! Together with the exit hook this is the one piece of process-wide state: exit is a
//! process-wide event.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use super::connection::RawConnection;
use super::error::{DbError, ErrorKind};

static EXITING: AtomicBool = AtomicBool::new(false);
static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);
/// Every connection this process opened, to interrupt at exit. Written only when connections
/// open (during LOAD), so it is never contended.
static OPENED: Mutex<Vec<Weak<RawConnection>>> = Mutex::new(Vec::new());

/// How long exit waits for calls already inside DuckDB to return. Statements are interrupted,
/// so only uninterruptible work (a commit writing its WAL, a checkpoint, a disconnect) takes
/// long; waiting for it is what keeps its data whole.
const EXIT_WAIT: Duration = Duration::from_secs(20);
/// How often exit interrupts every connection while it waits.
const REINTERRUPT: Duration = Duration::from_millis(20);

/// Is the process exiting? Then no DuckDB call may start.
pub fn exiting() -> bool {
    EXITING.load(Ordering::SeqCst)
}

/// Proof that the holder may call into DuckDB: exit waits until it is dropped.
#[must_use]
pub(crate) struct Entered(());

impl Drop for Entered {
    fn drop(&mut self) {
        IN_FLIGHT.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Count a DuckDB call in; `None` once the process is exiting (the call must not be made).
pub(crate) fn try_enter() -> Option<Entered> {
    IN_FLIGHT.fetch_add(1, Ordering::SeqCst);
    let entered = Entered(());
    if EXITING.load(Ordering::SeqCst) {
        return None;
    }
    Some(entered)
}

/// [`try_enter`] for calls that report errors: exiting is an error of its own kind.
pub(crate) fn enter() -> Result<Entered, DbError> {
    try_enter().ok_or_else(|| {
        DbError::new(
            ErrorKind::Exiting,
            "terminating connection because the host process is exiting",
        )
    })
}

/// Remember a connection, so that exit can interrupt whatever it runs.
pub(crate) fn track(conn: &Arc<RawConnection>) {
    let mut opened = OPENED.lock().unwrap_or_else(|e| e.into_inner());
    opened.retain(|w| w.strong_count() > 0);
    opened.push(Arc::downgrade(conn));
}

/// The process is exiting: refuse every new DuckDB call, interrupt what runs, and wait (at most
/// [`EXIT_WAIT`]) until no call of ours is inside DuckDB. Returns whether that point was reached.
/// Called from the exit hook; calling it again does nothing more.
pub fn begin_exit() -> bool {
    if EXITING.swap(true, Ordering::SeqCst) {
        return IN_FLIGHT.load(Ordering::SeqCst) == 0;
    }
    // A connection whose last owner this list becomes leaks when it drops (we are exiting).
    let opened: Vec<Arc<RawConnection>> = OPENED
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .filter_map(Weak::upgrade)
        .collect();
    let deadline = Instant::now() + EXIT_WAIT;
    let mut next_interrupt = Instant::now();
    loop {
        if IN_FLIGHT.load(Ordering::SeqCst) == 0 {
            return true;
        }
        let now = Instant::now();
        if now >= deadline {
            return false;
        }
        if now >= next_interrupt {
            opened.iter().for_each(|c| c.interrupt_at_exit());
            next_interrupt = now + REINTERRUPT;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}
