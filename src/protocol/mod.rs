//! The PostgreSQL wire protocol: a tokio task per client connection for startup and
//! authentication, then a thread of the session's own until it closes (see `thread`).

pub mod codec;
mod link;
mod startup;
pub mod tag;
mod thread;
mod transport;

use std::net::SocketAddr;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::Ordering;
use std::sync::Arc;

use bytes::BytesMut;
use pgwire_proto::messages::PgWireFrontendMessage;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use crate::db::Connection;
use crate::error::{sqlstate, PgError};
use crate::exit::run_blocking;
use crate::internal_sql::quote_ident;
use crate::server::registry::{Activity, NewSession, SessionInfo, Stats};
use crate::server::{Phase, ServerContext};
use crate::session::executor::{run_simple_query, StatementObserver};
use crate::session::leftovers::Leftovers;
use crate::session::output::{ClientGone, Output};
use crate::session::SessionState;
use crate::session::TxnState;
use codec::{MessageReader, MessageWriter};
use link::SessionLink;
use startup::Opening;

/// The most of its output buffer a session keeps between statements.
const KEPT_BUFFER: usize = 16 * 1024;

/// Counts a connection as open for as long as it lives (admission control).
struct OpenGuard(Arc<ServerContext>);

impl Drop for OpenGuard {
    fn drop(&mut self) {
        self.0.open_connections.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Serve one client connection: startup and authentication here, then hand the session to a
/// thread of its own.
pub async fn serve(socket: TcpStream, addr: SocketAddr, ctx: Arc<ServerContext>) {
    Stats::add(&ctx.stats.accepted, 1);
    ctx.open_connections.fetch_add(1, Ordering::SeqCst);
    let open = OpenGuard(Arc::clone(&ctx));
    // One deadline for TLS negotiation, startup and authentication together.
    let deadline = tokio::time::Instant::now() + ctx.config.connect_timeout;
    let acceptor = ctx.config.tls.clone().map(tokio_rustls::TlsAcceptor::from);
    let negotiated = tokio::time::timeout_at(deadline, transport::negotiate(socket, acceptor.as_ref())).await;
    let Ok(Ok((client, first_bytes))) = negotiated else {
        return;
    };
    let tls = client.is_tls();
    let (read_half, write_half) = tokio::io::split(client);
    let mut reader = MessageReader::from_parts(read_half, first_bytes, Default::default());
    let mut writer = MessageWriter::new(write_half);

    let opening = tokio::time::timeout_at(deadline, startup::open(&mut reader, &mut writer, addr, tls, &ctx));
    let login = match opening.await {
        Ok(Ok(Opening::Session(login))) => login,
        Ok(Ok(Opening::Done)) => return writer.shutdown().await,
        Ok(Err(e)) => {
            writer.error(&e);
            return writer.shutdown().await;
        }
        // PostgreSQL closes silently when authentication takes too long.
        Err(_) => return writer.shutdown().await,
    };

    let Some(conn) = ctx.pool.acquire() else {
        Stats::add(&ctx.stats.refused, 1);
        writer.error(&PgError::fatal(
            sqlstate::TOO_MANY_CONNECTIONS,
            "sorry, too many clients already",
        ));
        return writer.shutdown().await;
    };
    let info = ctx.registry.register(NewSession {
        user: login.user.clone(),
        workspace: login.workspace.clone(),
        client_addr: addr,
        application_name: login.settings.get("application_name"),
        interrupt: conn.interrupt_handle(),
    });
    // DuckDB's casts follow the session's TimeZone (UTC unless the client asked for another
    // at startup), as the text of timestamptz values does. Reset with the connection.
    let set_zone = login.settings.duckdb_time_zone();
    // A workspace session starts in its workspace's catalog; the reset takes it back.
    let use_catalog =
        (login.catalog != ctx.database_name).then(|| format!("USE {}", quote_ident(&login.catalog)));
    let (conn, used) = match run_blocking(move || {
        let _ = conn.execute(&set_zone);
        let used = use_catalog.map(|sql| conn.execute(&sql));
        (conn, used)
    })
    .await
    {
        Some(opened) => opened,
        None => {
            ctx.registry.deregister(info.id);
            return writer.shutdown().await;
        }
    };
    let mut leftovers = Leftovers::default();
    leftovers.setting("TimeZone");
    if used.is_some() {
        leftovers.moved_catalog();
    }
    if let Some(Err(_)) = used {
        // Recorded but not attached (its file went missing): as if it did not exist.
        writer.error(&PgError::fatal(
            sqlstate::INVALID_CATALOG_NAME,
            format!("database \"{}\" does not exist", login.catalog),
        ));
        writer.shutdown().await;
        let pool = Arc::clone(&ctx.pool);
        run_blocking(move || pool.release(conn, &leftovers)).await;
        ctx.registry.deregister(info.id);
        return;
    }
    startup::welcome(&mut writer, &login, info.id, info.secret);
    let mut state = SessionState {
        settings: login.settings,
        ..Default::default()
    };
    state.extended.leftovers = leftovers;
    writer.ready_for_query(TxnState::Idle.status());

    let session = Session {
        conn: Some(conn),
        state,
        txn: TxnState::Idle,
        info: Arc::clone(&info),
        ctx: Arc::clone(&ctx),
        held: None,
        buffer: BytesMut::new(),
    };
    if writer.flush().await.is_err() {
        writer.shutdown().await;
        run_blocking(move || session.finish()).await;
        return;
    }
    // From here the session has a thread of its own (see `thread`).
    if let Err(session) = thread::hand_over(session, reader, writer, open) {
        run_blocking(move || session.finish()).await;
    }
}

struct Session {
    /// `None` only after a crash lost it.
    conn: Option<Connection>,
    /// Statements, portals and parameters kept between statements.
    state: SessionState,
    txn: TxnState,
    info: Arc<SessionInfo>,
    ctx: Arc<ServerContext>,
    /// A message read ahead (while gathering an extended batch, or during COPY) that the main
    /// loop handles next.
    held: Option<PgWireFrontendMessage>,
    /// Where statements encode their answers, kept between them.
    buffer: BytesMut,
}

/// Reports statement starts to the registry, from the executor's thread.
struct Observer(Arc<SessionInfo>);

impl StatementObserver for Observer {
    fn statement_started(&self, text: &str) {
        self.0.show_statement(text);
    }

    fn ready(&self, txn: TxnState) {
        self.0.set_activity(activity_of(txn));
    }
}

impl Session {
    /// The server is stopping, or an operator ended this session.
    fn ended_by_operator(&self) -> bool {
        *self.ctx.phase.borrow() != Phase::Running || self.info.terminated()
    }

    async fn run<R, W>(&mut self, reader: &mut MessageReader<R>, writer: &mut MessageWriter<W>)
    where
        R: AsyncRead + Unpin,
        W: AsyncWrite + Unpin,
    {
        loop {
            // Server stop shuts the socket's reading side too, so that a session waiting for
            // its client gets here.
            if self.ended_by_operator() {
                writer.error(&PgError::fatal(
                    sqlstate::ADMIN_SHUTDOWN,
                    "terminating connection due to administrator command",
                ));
                return;
            }
            let msg = match self.held.take() {
                Some(msg) => Ok(Some(msg)),
                None => reader.next().await,
            };
            let msg = match msg {
                Ok(Some(msg)) => msg,
                // Server stop and pgwire_terminate end the wait for the client this way.
                Ok(None) if self.ended_by_operator() => continue,
                Ok(None) => return,
                Err(e) => {
                    writer.error(&e);
                    return;
                }
            };
            let keep_going = match msg {
                PgWireFrontendMessage::Query(query) => self.simple_query(query.query, reader, writer).await,
                PgWireFrontendMessage::Terminate(_) => return,
                msg @ (PgWireFrontendMessage::Parse(_)
                | PgWireFrontendMessage::Bind(_)
                | PgWireFrontendMessage::Describe(_)
                | PgWireFrontendMessage::Execute(_)
                | PgWireFrontendMessage::Close(_)
                | PgWireFrontendMessage::Sync(_)
                | PgWireFrontendMessage::Flush(_)) => {
                    // Everything the client sent together, up to Sync or Flush, runs as one job.
                    let mut batch = vec![msg];
                    while !matches!(
                        batch.last(),
                        Some(PgWireFrontendMessage::Sync(_) | PgWireFrontendMessage::Flush(_))
                    ) {
                        match reader.next_buffered() {
                            Ok(Some(next)) if is_extended(&next) => batch.push(next),
                            Ok(Some(other)) => {
                                self.held = Some(other);
                                break;
                            }
                            Ok(None) => break,
                            Err(e) => {
                                writer.error(&e);
                                return;
                            }
                        }
                    }
                    self.extended_batch(batch, reader, writer).await
                }
                // Outside COPY, stray copy messages are ignored, as PostgreSQL does.
                PgWireFrontendMessage::CopyData(_)
                | PgWireFrontendMessage::CopyDone(_)
                | PgWireFrontendMessage::CopyFail(_) => true,
                _ => {
                    writer.error(&PgError::fatal(
                        sqlstate::PROTOCOL_VIOLATION,
                        "unexpected message",
                    ));
                    return;
                }
            };
            if !keep_going {
                return;
            }
        }
    }

    /// Run a Query message. Returns false when the session must end.
    async fn simple_query<R, W>(
        &mut self,
        sql: String,
        reader: &mut MessageReader<R>,
        writer: &mut MessageWriter<W>,
    ) -> bool
    where
        R: AsyncRead + Unpin,
        W: AsyncWrite + Unpin,
    {
        Stats::add(&self.ctx.stats.queries, 1);
        self.info.begin_query(&sql);
        let observer = Observer(Arc::clone(&self.info));
        let done = self.run_job(reader, writer, |conn, state, txn, out| {
            let txn = run_simple_query(conn, &sql, txn, out, &observer, state)?;
            observer.ready(txn);
            out.ready_for_query(txn.status());
            Ok(txn)
        });
        done && writer.flush().await.is_ok()
    }

    /// Run a batch of extended-protocol messages. Returns false when the session must end.
    async fn extended_batch<R, W>(
        &mut self,
        batch: Vec<PgWireFrontendMessage>,
        reader: &mut MessageReader<R>,
        writer: &mut MessageWriter<W>,
    ) -> bool
    where
        R: AsyncRead + Unpin,
        W: AsyncWrite + Unpin,
    {
        let executes = batch
            .iter()
            .filter(|m| matches!(m, PgWireFrontendMessage::Execute(_)))
            .count();
        if executes > 0 {
            Stats::add(&self.ctx.stats.queries, executes as u64);
            if let Some(sql) = batch.iter().find_map(|m| match m {
                PgWireFrontendMessage::Parse(p) => Some(p.query.as_str()),
                _ => None,
            }) {
                self.info.begin_query(sql);
            } else {
                self.info.set_activity(Activity::Active);
            }
        }
        let observer = Observer(Arc::clone(&self.info));
        let done = self.run_job(reader, writer, |conn, state, txn, out| {
            state
                .extended
                .run_batch(conn, batch, txn, &mut state.settings, &observer, out)
        });
        done && writer.flush().await.is_ok()
    }

    /// Run DuckDB work for this session, here on its own thread: the job writes its answer to
    /// the socket as it goes (see `link`), and a COPY FROM STDIN in it reads the client's data.
    /// Returns false when the session must end.
    fn run_job<R, W, F>(
        &mut self,
        reader: &mut MessageReader<R>,
        writer: &mut MessageWriter<W>,
        job: F,
    ) -> bool
    where
        R: AsyncRead + Unpin,
        W: AsyncWrite + Unpin,
        F: FnOnce(&Connection, &mut SessionState, TxnState, &mut Output) -> Result<TxnState, ClientGone>,
    {
        let Some(conn) = self.conn.as_ref() else {
            return false;
        };
        let mut link = SessionLink::new(reader, writer, &mut self.held, &self.ctx.stats);
        let buffer = std::mem::take(&mut self.buffer);
        let (state, txn) = (&mut self.state, self.txn);
        let ran = panic::catch_unwind(AssertUnwindSafe(|| {
            let mut out = Output::new(&mut link, buffer, state.settings.style().clone());
            let outcome = job(conn, state, txn, &mut out);
            let outcome = outcome.and_then(|txn| out.flush().map(|()| txn));
            (outcome, out.into_buffer())
        }));
        let client_gone = link.client_gone();
        let Ok((outcome, buffer)) = ran else {
            // The connection may be in any state after a panic in the middle of its work.
            self.conn = None;
            writer.error(&PgError::fatal(
                sqlstate::INTERNAL_ERROR,
                "internal error while running the statement",
            ));
            return false;
        };
        // A big result grew the buffer: an idle session does not keep that memory.
        if buffer.capacity() <= KEPT_BUFFER {
            self.buffer = buffer;
        }
        let Ok(txn) = outcome else { return false };
        self.txn = txn;
        !client_gone
    }

    /// Give the connection back to the pool (after its reset) and leave the registry. Runs
    /// DuckDB work: call it on the session's thread or the blocking pool.
    fn finish(self) {
        if let Some(conn) = self.conn {
            // Statements and results of the session go first: they belong to the connection,
            // which the pool may hand to another session as soon as it is released.
            let mut state = self.state;
            let leftovers = std::mem::take(&mut state.extended.leftovers);
            drop(state);
            // At process exit its reset fails and it is leaked instead (see `db::gate`).
            self.ctx.pool.release(conn, &leftovers);
        }
        self.ctx.registry.deregister(self.info.id);
    }
}

fn activity_of(txn: TxnState) -> Activity {
    match txn {
        TxnState::Idle => Activity::Idle,
        TxnState::InBlock => Activity::IdleInTransaction,
        TxnState::Failed => Activity::IdleInFailedTransaction,
    }
}

fn is_extended(msg: &PgWireFrontendMessage) -> bool {
    matches!(
        msg,
        PgWireFrontendMessage::Parse(_)
            | PgWireFrontendMessage::Bind(_)
            | PgWireFrontendMessage::Describe(_)
            | PgWireFrontendMessage::Execute(_)
            | PgWireFrontendMessage::Close(_)
            | PgWireFrontendMessage::Sync(_)
            | PgWireFrontendMessage::Flush(_)
    )
}
