//! The client's byte stream, plain TCP or TLS: as a tokio stream while the connection starts
//! (negotiation, startup, authentication), then as a blocking one on the session's own thread.
//!
//! PostgreSQL's clients ask for TLS with an SSLRequest before anything else; it is answered here,
//! before the first message is decoded, because the answer changes the stream itself. Whatever
//! else arrives first is handed on undecoded.

use std::io::{self, Read, Write};
use std::net::Shutdown;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;

/// The request codes of PostgreSQL's 8-byte negotiation messages.
const SSL_REQUEST: u32 = 80877103;
const GSSENC_REQUEST: u32 = 80877104;

/// A client connection while it starts.
pub enum Client {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::server::TlsStream<TcpStream>>),
}

impl Client {
    pub fn is_tls(&self) -> bool {
        matches!(self, Client::Tls(_))
    }
}

/// Answer the client's SSLRequest ('S' and a TLS handshake when `tls` is given, 'N' otherwise)
/// and GSSENCRequest ('N'). Returns the stream to go on with and the bytes already read of the
/// first message that is not a negotiation.
pub async fn negotiate(mut socket: TcpStream, tls: Option<&TlsAcceptor>) -> io::Result<(Client, BytesMut)> {
    loop {
        let mut head = [0u8; 8];
        socket.read_exact(&mut head).await?;
        let length = u32::from_be_bytes([head[0], head[1], head[2], head[3]]);
        let code = u32::from_be_bytes([head[4], head[5], head[6], head[7]]);
        match (length, code, tls) {
            (8, SSL_REQUEST, Some(acceptor)) => {
                socket.write_all(b"S").await?;
                let stream = acceptor.accept(socket).await?;
                return Ok((Client::Tls(Box::new(stream)), BytesMut::new()));
            }
            (8, SSL_REQUEST | GSSENC_REQUEST, _) => socket.write_all(b"N").await?,
            _ => return Ok((Client::Plain(socket), BytesMut::from(&head[..]))),
        }
    }
}

impl AsyncRead for Client {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Client::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Client::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Client {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Client::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Client::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Client::Plain(s) => Pin::new(s).poll_flush(cx),
            Client::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Client::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Client::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

type BlockingTls = rustls::StreamOwned<rustls::ServerConnection, std::net::TcpStream>;

/// A client connection served by the session's own thread, with blocking I/O. The TLS state is
/// shared by the reading and the writing side, which the one thread uses in turn.
pub enum Transport {
    Plain(std::net::TcpStream),
    Tls(Arc<Mutex<BlockingTls>>),
}

/// The reading side, the writing side, and a handle on the socket (to shut it down from other
/// threads: server stop, pgwire_terminate) of a started connection, made blocking.
pub fn into_blocking(client: Client) -> io::Result<(Transport, Transport, std::net::TcpStream)> {
    match client {
        Client::Plain(socket) => {
            let socket = socket.into_std()?;
            socket.set_nonblocking(false)?;
            Ok((
                Transport::Plain(socket.try_clone()?),
                Transport::Plain(socket.try_clone()?),
                socket,
            ))
        }
        Client::Tls(stream) => {
            let (socket, state) = stream.into_inner();
            let socket = socket.into_std()?;
            socket.set_nonblocking(false)?;
            let kept = socket.try_clone()?;
            let shared = Arc::new(Mutex::new(rustls::StreamOwned::new(state, socket)));
            Ok((Transport::Tls(Arc::clone(&shared)), Transport::Tls(shared), kept))
        }
    }
}

impl Transport {
    fn tls(shared: &Mutex<BlockingTls>) -> std::sync::MutexGuard<'_, BlockingTls> {
        shared.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// No more writing: TLS says so first (close_notify), then the socket's writing side closes.
    pub fn shutdown_write(&mut self) -> io::Result<()> {
        match self {
            Transport::Plain(s) => s.shutdown(Shutdown::Write),
            Transport::Tls(shared) => {
                let mut stream = Self::tls(shared);
                stream.conn.send_close_notify();
                let _ = stream.flush();
                stream.sock.shutdown(Shutdown::Write)
            }
        }
    }
}

impl Read for Transport {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Transport::Plain(s) => s.read(buf),
            Transport::Tls(shared) => Self::tls(shared).read(buf),
        }
    }
}

impl Write for Transport {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Transport::Plain(s) => s.write(buf),
            Transport::Tls(shared) => Self::tls(shared).write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Transport::Plain(s) => s.flush(),
            Transport::Tls(shared) => Self::tls(shared).flush(),
        }
    }
}
