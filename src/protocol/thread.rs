//! A thread of its own for each session, once it is authenticated.
//!
//! Startup and authentication run as tokio tasks (cheap, with timeouts, whatever a flood of
//! connections does). After that, a session reads its socket, runs its statements in DuckDB and
//! writes their answers on one thread, as PostgreSQL's backends do: no hand-off between threads
//! per statement. Served from tokio, each statement cost a wake-up of the I/O worker, a hand-off
//! of the worker's duties to another thread while DuckDB ran (`block_in_place`), and contention
//! for the runtime's locks. With four busy clients on two cores, pgbench SELECT 1 went from
//! 8.2k to 10.8k tps (simple), 7.4k to 10.5k (extended), 7.9k to 10.1k (prepared). A session
//! holds a DuckDB connection from the bounded pool anyway, so threads are as bounded as
//! sessions; an idle one costs about 180 KB (its stack as DuckDB left it, mostly).
//!
//! The socket becomes a blocking one behind [`BlockingIo`], so the session code runs unchanged:
//! every poll completes at once. A session waiting for its client is woken at server stop by
//! shutting the socket's reading side (see `SessionInfo::stop_reading`).

use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, Mutex};

use tokio::io::{ReadHalf, WriteHalf};

use super::codec::{BlockingIo, MessageReader, MessageWriter};
use super::transport::{into_blocking, Client};
use super::{OpenGuard, Session};

/// DuckDB parses, binds and plans on the caller's thread, recursively: give it the stack of a
/// program's main thread, where DuckDB's limits (`max_expression_depth`) are meant to hold.
/// Only the pages touched cost memory.
const SESSION_STACK: usize = 8 * 1024 * 1024;

/// Serve `session` on a thread of its own from here on. Gives the session back, to be ended,
/// when its socket cannot be made blocking or no thread can be started.
pub(super) fn hand_over(
    session: Session,
    reader: MessageReader<ReadHalf<Client>>,
    writer: MessageWriter<WriteHalf<Client>>,
    open: OpenGuard,
) -> Result<(), Box<Session>> {
    let (read_half, buffered, context) = reader.into_parts();
    let client = read_half.unsplit(writer.into_inner());
    let Ok((read_side, write_side, kept)) = into_blocking(client) else {
        return Err(Box::new(session));
    };
    session.info.set_socket(kept);
    let mut reader = MessageReader::from_parts(BlockingIo(read_side), buffered, context);
    let mut writer = MessageWriter::new(BlockingIo(write_side));
    let runtime = tokio::runtime::Handle::current();
    // Taken by the thread; left for the caller if the thread never starts.
    let slot = Arc::new(Mutex::new(Some(session)));
    let spawned = std::thread::Builder::new()
        .name("pgwire-session".into())
        .stack_size(SESSION_STACK)
        .spawn({
            let slot = Arc::clone(&slot);
            move || {
                let Some(mut session) = slot.lock().unwrap_or_else(|e| e.into_inner()).take() else {
                    return;
                };
                // Tokio's channels and blocking pool, used by the session, find the runtime.
                let _runtime = runtime.enter();
                let served = panic::catch_unwind(AssertUnwindSafe(|| {
                    futures::executor::block_on(async {
                        session.run(&mut reader, &mut writer).await;
                        writer.shutdown().await;
                    })
                }));
                if served.is_err() {
                    // Nothing is known of the connection's state after a panic: it does not go back.
                    session.conn = None;
                }
                session.finish();
                drop(open);
            }
        });
    match spawned {
        Ok(_) => Ok(()),
        Err(_) => {
            let session = slot.lock().unwrap_or_else(|e| e.into_inner()).take();
            session.map_or(Ok(()), |s| Err(Box::new(s)))
        }
    }
}
