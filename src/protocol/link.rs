//! The session's socket lent to a statement running on the session's own thread (see
//! `thread`): the statement writes its answer to the socket itself and reads COPY data itself.
//! The socket is a blocking one, so these futures complete on their first poll.

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::AtomicU64;
use std::task::{Context, Poll};

use pgwire_proto::messages::PgWireFrontendMessage;
use tokio::io::{AsyncRead, AsyncWrite};

use super::codec::{MessageReader, MessageWriter};
use crate::server::registry::Stats;
use crate::session::copy_in::CopyMessage;
use crate::session::output::{ClientGone, ClientLink};

pub struct SessionLink<'a, R, W> {
    reader: &'a mut MessageReader<R>,
    writer: &'a mut MessageWriter<W>,
    /// Where a message that is not COPY data, read during COPY, is kept for the session loop.
    held: &'a mut Option<PgWireFrontendMessage>,
    stats: &'a Stats,
    /// The session's own count of bytes sent.
    session_bytes: &'a AtomicU64,
    gone: bool,
}

impl<'a, R, W> SessionLink<'a, R, W>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    pub fn new(
        reader: &'a mut MessageReader<R>,
        writer: &'a mut MessageWriter<W>,
        held: &'a mut Option<PgWireFrontendMessage>,
        stats: &'a Stats,
        session_bytes: &'a AtomicU64,
    ) -> Self {
        SessionLink {
            reader,
            writer,
            held,
            stats,
            session_bytes,
            gone: false,
        }
    }

    /// Did the client go away while the statement ran?
    pub fn client_gone(&self) -> bool {
        self.gone
    }
}

impl<R, W> ClientLink for SessionLink<'_, R, W>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    fn send(&mut self, bytes: &[u8]) -> Result<(), ClientGone> {
        if self.gone {
            return Err(ClientGone);
        }
        match at_once(self.writer.write_encoded(bytes)) {
            Ok(()) => {
                Stats::add(&self.stats.bytes_sent, bytes.len() as u64);
                Stats::add(self.session_bytes, bytes.len() as u64);
                Ok(())
            }
            Err(_) => {
                self.gone = true;
                Err(ClientGone)
            }
        }
    }

    fn copy_message(&mut self) -> Option<CopyMessage> {
        if self.gone {
            return None;
        }
        loop {
            let message = match at_once(self.reader.next()) {
                Ok(Some(PgWireFrontendMessage::CopyData(d))) => CopyMessage::Data(d.data),
                Ok(Some(PgWireFrontendMessage::CopyDone(_))) => CopyMessage::Done,
                Ok(Some(PgWireFrontendMessage::CopyFail(f))) => CopyMessage::Fail(f.message),
                // PostgreSQL ignores these during COPY.
                Ok(Some(PgWireFrontendMessage::Flush(_) | PgWireFrontendMessage::Sync(_))) => continue,
                Ok(Some(other)) => {
                    *self.held = Some(other);
                    CopyMessage::Fail("unexpected message type during COPY".into())
                }
                Ok(None) | Err(_) => {
                    self.gone = true;
                    return None;
                }
            };
            return Some(message);
        }
    }
}

/// The output of a future that completes on its first poll, as I/O on the session's blocking
/// socket does. (The statement runs inside the session loop's own `block_on`, which cannot nest.)
fn at_once<F: Future>(future: F) -> F::Output {
    let waker = futures::task::noop_waker();
    match pin!(future).poll(&mut Context::from_waker(&waker)) {
        Poll::Ready(output) => output,
        Poll::Pending => unreachable!("I/O on a blocking socket completes at once"),
    }
}
