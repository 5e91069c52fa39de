//! Reading frontend messages and writing backend messages.
//!
//! Message parsing is the `pgwire` crate's; we own the loop around it. Backend messages are
//! encoded into one buffer and written with as few syscalls as possible; DataRows are written by
//! the encoder directly (see `session::output`), never through a per-row message value.

use std::io::{Read, Write};
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Buf, BufMut, BytesMut};
use pgwire_proto::messages::response::{ErrorResponse, NoticeResponse, ReadyForQuery, TransactionStatus};
use pgwire_proto::messages::{DecodeContext, PgWireBackendMessage, PgWireFrontendMessage};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};

use crate::error::{sqlstate, PgError};

/// Reads frontend messages from a byte stream.
pub struct MessageReader<R> {
    inner: R,
    buf: BytesMut,
    pub context: DecodeContext,
}

impl<R: AsyncRead + Unpin> MessageReader<R> {
    pub fn new(inner: R) -> Self {
        MessageReader {
            inner,
            buf: BytesMut::with_capacity(8192),
            context: DecodeContext::default(),
        }
    }

    /// The next message; `Ok(None)` when the client closed the connection.
    pub async fn next(&mut self) -> Result<Option<PgWireFrontendMessage>, PgError> {
        loop {
            if !self.buf.is_empty() {
                match PgWireFrontendMessage::decode(&mut self.buf, &self.context) {
                    Ok(Some(msg)) => return Ok(Some(msg)),
                    Ok(None) => {}
                    Err(e) => {
                        return Err(PgError::fatal(
                            sqlstate::PROTOCOL_VIOLATION,
                            format!("invalid message: {e}"),
                        ))
                    }
                }
            }
            match self.inner.read_buf(&mut self.buf).await {
                Ok(0) => return Ok(None),
                Ok(_) => {}
                Err(_) => return Ok(None),
            }
        }
    }

    /// The next message if it is already buffered, without waiting for the network.
    pub fn next_buffered(&mut self) -> Result<Option<PgWireFrontendMessage>, PgError> {
        if self.buf.is_empty() {
            return Ok(None);
        }
        PgWireFrontendMessage::decode(&mut self.buf, &self.context)
            .map_err(|e| PgError::fatal(sqlstate::PROTOCOL_VIOLATION, format!("invalid message: {e}")))
    }

    /// The stream, what was read of it and not decoded yet, and the decoding state: to go on
    /// reading the same client through another stream.
    pub fn into_parts(self) -> (R, BytesMut, DecodeContext) {
        (self.inner, self.buf, self.context)
    }

    pub fn from_parts(inner: R, buf: BytesMut, context: DecodeContext) -> Self {
        MessageReader { inner, buf, context }
    }

    /// Bytes received but not decoded yet (a client must not pipeline past an SSLRequest).
    pub fn has_buffered(&self) -> bool {
        self.buf.has_remaining()
    }
}

/// Buffers backend messages and writes them out.
pub struct MessageWriter<W> {
    inner: W,
    buf: BytesMut,
}

impl<W: AsyncWrite + Unpin> MessageWriter<W> {
    pub fn new(inner: W) -> Self {
        MessageWriter {
            inner,
            buf: BytesMut::with_capacity(8192),
        }
    }

    pub fn message(&mut self, msg: PgWireBackendMessage) {
        // Encoding our own well-formed messages into memory cannot fail.
        let _ = msg.encode(&mut self.buf);
    }

    pub fn error(&mut self, e: &PgError) {
        self.message(PgWireBackendMessage::ErrorResponse(error_response(e)));
    }

    pub fn ready_for_query(&mut self, status: TransactionStatus) {
        self.message(PgWireBackendMessage::ReadyForQuery(ReadyForQuery::new(status)));
    }

    /// Write already-encoded messages (from the statement executor) straight to the socket.
    pub async fn write_encoded(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.flush().await?;
        self.inner.write_all(bytes).await
    }

    pub fn into_inner(self) -> W {
        self.inner
    }

    pub async fn flush(&mut self) -> std::io::Result<()> {
        if !self.buf.is_empty() {
            self.inner.write_all(&self.buf).await?;
            self.buf.clear();
        }
        self.inner.flush().await
    }

    /// A one-byte answer to SSLRequest / GSSENCRequest (no message framing).
    pub async fn write_byte(&mut self, b: u8) -> std::io::Result<()> {
        self.buf.put_u8(b);
        self.flush().await
    }

    pub async fn shutdown(&mut self) {
        let _ = self.flush().await;
        let _ = self.inner.shutdown().await;
    }
}

/// A blocking socket behind tokio's I/O traits. A session's own thread reads and writes its
/// socket directly; the session code, written against the traits, runs unchanged on it, every
/// poll completing at once (see `protocol::thread`).
pub struct BlockingIo(pub super::transport::Transport);

impl AsyncRead for BlockingIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        loop {
            match self.0.read(buf.initialize_unfilled()) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                read => return Poll::Ready(read.map(|n| buf.advance(n))),
            }
        }
    }
}

impl AsyncWrite for BlockingIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        bytes: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        loop {
            match self.0.write(bytes) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                written => return Poll::Ready(written),
            }
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(self.0.flush())
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(self.0.shutdown_write())
    }
}

/// An ErrorResponse with the fields PostgreSQL sends.
pub fn error_response(e: &PgError) -> ErrorResponse {
    let mut fields = vec![
        (b'S', e.severity.as_str().to_string()),
        (b'V', e.severity.as_str().to_string()),
        (b'C', e.code.to_string()),
        (b'M', e.message.clone()),
    ];
    if let Some(d) = &e.detail {
        fields.push((b'D', d.clone()));
    }
    if let Some(h) = &e.hint {
        fields.push((b'H', h.clone()));
    }
    ErrorResponse::new(fields)
}

/// A NoticeResponse of severity WARNING.
pub fn warning_response(code: &str, message: &str) -> NoticeResponse {
    NoticeResponse::new(vec![
        (b'S', "WARNING".into()),
        (b'V', "WARNING".into()),
        (b'C', code.into()),
        (b'M', message.into()),
    ])
}
