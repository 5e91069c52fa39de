//! The PostgreSQL wire protocol: a tokio task per client connection for startup and
//! authentication, then a thread of the session's own until it closes (see `thread`).

mod audit;
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
use std::time::{Duration, Instant};

use bytes::BytesMut;
use pgwire_proto::messages::PgWireFrontendMessage;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use crate::db::Connection;
use crate::error::{sqlstate, PgError};
use crate::exit::run_blocking;
use crate::internal_sql::{quote_ident, quote_literal};
use crate::server::registry::{Activity, NewSession, SessionInfo, Stats};
use crate::server::{Phase, ServerContext};
use crate::session::executor::{run_simple_query, StatementObserver};
use crate::session::leftovers::Leftovers;
use crate::session::output::{ClientGone, Outcome, Output};
use crate::session::SessionState;
use crate::session::TxnState;
use audit::{EndReason, JobStart};
use codec::{MessageReader, MessageWriter};
use link::SessionLink;
use startup::Opening;

/// PostgreSQL divides integers as integers (`7 / 2` is 3; Grafana's
/// `current_setting('server_version_num')::int/100`, BI tools' ratios written with casts), DuckDB
/// as doubles: a session divides as PostgreSQL does, on its own connection only (SESSION scope:
/// the host's connections keep their own), and `SET integer_division = false` takes DuckDB's back.
const INTEGER_DIVISION: &str = "SET SESSION integer_division = true";

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
    let mut login = match opening.await {
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
        tls: login.tls,
        interrupt: conn.interrupt_handle(),
    });
    // DuckDB's casts follow the session's TimeZone (UTC unless the client asked for another
    // at startup), as the text of timestamptz values does. Reset with the connection.
    let set_zone = login.settings.duckdb_time_zone();
    let set_timeout = login.settings.cap_statement_timeout(
        ctx.config
            .statement_timeout
            .map_or(0, |d| d.as_millis().max(1) as u64),
    );
    // A workspace session starts in its workspace's catalog; the reset takes it back.
    let use_catalog =
        (login.catalog != ctx.database_name).then(|| format!("USE {}", quote_ident(&login.catalog)));
    let set_memory = login
        .memory_limit
        .as_deref()
        .map(|m| format!("SET operator_memory_limit = {}", quote_literal(m)));
    let catalog = login.catalog.clone();
    // A workspace session's statements pass its isolation gateway; an owner's do not.
    let gateway_for = login.workspace.clone().map(|w| (w, Arc::clone(&ctx)));
    let (conn, used, gateway, applied) = match run_blocking(move || {
        // What DuckDB does not have (max_execution_time before 2.0, TimeZone without ICU) is
        // not set, and so not reset either: a failing RESET would retire the connection.
        let applied = (
            conn.execute(&set_zone).is_ok(),
            conn.execute(&set_timeout).is_ok(),
            conn.execute(INTEGER_DIVISION).is_ok(),
        );
        // A workspace's session never goes without its memory cap: failing that fails the login.
        let used = use_catalog.map(|sql| {
            conn.execute(&sql).map_err(|_| {
                // Recorded but not attached (its file went missing): as if it did not exist.
                PgError::fatal(
                    sqlstate::INVALID_CATALOG_NAME,
                    format!("database \"{catalog}\" does not exist"),
                )
            })?;
            match set_memory {
                Some(sql) => conn.execute(&sql).map_err(|e| {
                    PgError::fatal(
                        sqlstate::OUT_OF_MEMORY,
                        format!(
                            "the workspace's memory limit cannot be applied: {}",
                            PgError::from(e).message
                        ),
                    )
                }),
                None => Ok(()),
            }
        });
        let gateway = match (&used, gateway_for) {
            (Some(Ok(())), Some((workspace, ctx))) => Some(
                crate::policy::Gateway::open(
                    &conn,
                    Arc::clone(&ctx.policy),
                    Arc::clone(&ctx.metadata),
                    &workspace,
                    &catalog,
                )
                .map(Arc::new)
                .map_err(|e| PgError::fatal(e.code, e.message)),
            ),
            (None, Some(_)) => Some(Err(PgError::fatal(
                sqlstate::INSUFFICIENT_PRIVILEGE,
                "a workspace session must start in its workspace",
            ))),
            _ => None,
        };
        (conn, used, gateway, applied)
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
    if applied.0 {
        leftovers.setting("TimeZone");
    }
    if applied.1 {
        leftovers.setting("max_execution_time");
    }
    if applied.2 {
        leftovers.setting("integer_division");
    }
    if login.memory_limit.is_some() {
        leftovers.setting("operator_memory_limit");
    }
    if used.is_some() {
        leftovers.moved_catalog();
    }
    if gateway.is_some() {
        leftovers.setting("explain_output");
    }
    // The login fails when the workspace's memory cap or its gateway cannot be set up.
    let failed = match (&used, &gateway) {
        (Some(Err(e)), _) | (_, Some(Err(e))) => Some(e.clone()),
        _ => None,
    };
    if let Some(e) = failed {
        writer.error(&e);
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
    state.extended.set_identity(
        login.user.clone(),
        info.id,
        login.catalog.clone(),
        &state.settings,
    );
    if let Some(Ok(gateway)) = gateway {
        state.extended.set_gateway(gateway);
    }
    writer.ready_for_query(TxnState::Idle.status());

    let session = Session {
        conn: Some(conn),
        state,
        txn: TxnState::Idle,
        info: Arc::clone(&info),
        ctx: Arc::clone(&ctx),
        held: None,
        buffer: BytesMut::new(),
        read_timeout: None,
        end_reason: EndReason::Client,
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
    /// The read timeout set on the socket now (changed only when the limit changes).
    read_timeout: Option<Duration>,
    /// Why the session ends, for its history row.
    end_reason: EndReason,
}

/// Reports statement starts to the registry, from the executor's thread, and keeps their
/// texts when the query log wants them.
struct Observer {
    info: Arc<SessionInfo>,
    /// Where the session's transaction-level advisory locks are kept (they end with it).
    ctx: Arc<ServerContext>,
    texts: Option<std::sync::Mutex<Vec<String>>>,
}

impl Observer {
    fn new(info: &Arc<SessionInfo>, ctx: &Arc<ServerContext>, log_queries: bool) -> Observer {
        Observer {
            info: Arc::clone(info),
            ctx: Arc::clone(ctx),
            texts: log_queries.then(Default::default),
        }
    }

    fn texts(self) -> Option<Vec<String>> {
        self.texts
            .map(|t| t.into_inner().unwrap_or_else(|e| e.into_inner()))
    }
}

impl StatementObserver for Observer {
    fn statement_started(&self, text: &str) {
        self.info.show_statement(text);
        if let Some(texts) = &self.texts {
            texts
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(text.to_string());
        }
    }

    /// Called before each ReadyForQuery: outside a transaction block, the transaction that
    /// ran (an implicit one included) has ended, and its advisory locks with it.
    fn ready(&self, txn: TxnState) {
        if txn == TxnState::Idle {
            self.ctx.registry.advisory.transaction_ended(self.info.id);
        }
        self.info.set_activity(activity_of(txn));
    }
}

impl Session {
    /// How long the session may wait for its client's next command, and what it tells the
    /// client when that runs out (PostgreSQL's idle_session_timeout and
    /// idle_in_transaction_session_timeout).
    fn idle_limit(&self) -> Option<(Duration, &'static str, &'static str, EndReason)> {
        let config = &self.ctx.config;
        match self.txn {
            TxnState::Idle => config.idle_timeout.map(|d| {
                let text = "terminating connection due to idle-session timeout";
                (d, "57P05", text, EndReason::IdleTimeout)
            }),
            TxnState::InBlock | TxnState::Failed => {
                let own = self.state.settings.idle_in_transaction_timeout();
                let limit = match (config.idle_in_transaction_timeout, own) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
                limit.map(|d| {
                    let text = "terminating connection due to idle-in-transaction timeout";
                    (d, "25P03", text, EndReason::IdleInTransactionTimeout)
                })
            }
        }
    }

    /// Wait for the client's next message, at most as long as the session may be idle.
    async fn next_command<R: AsyncRead + Unpin, W: AsyncWrite + Unpin>(
        &mut self,
        reader: &mut MessageReader<R>,
        writer: &mut MessageWriter<W>,
    ) -> Result<Option<PgWireFrontendMessage>, PgError> {
        let limit = self.idle_limit();
        let timeout = limit.map(|(d, ..)| d);
        if timeout != self.read_timeout {
            self.info.set_read_timeout(timeout);
            self.read_timeout = timeout;
        }
        let waiting = Instant::now();
        let msg = reader.next().await;
        if let (Ok(None), Some((limit, code, text, reason))) = (&msg, limit) {
            if waiting.elapsed() >= limit {
                self.end_reason = reason;
                writer.error(&PgError::fatal(code, text));
            }
        }
        msg
    }

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
                self.end_reason = if self.info.terminated() {
                    EndReason::Terminated
                } else {
                    EndReason::ServerStop
                };
                writer.error(&PgError::fatal(
                    sqlstate::ADMIN_SHUTDOWN,
                    "terminating connection due to administrator command",
                ));
                return;
            }
            let msg = match self.held.take() {
                Some(msg) => Ok(Some(msg)),
                None => self.next_command(reader, writer).await,
            };
            let msg = match msg {
                Ok(Some(msg)) => msg,
                // Server stop and pgwire_terminate end the wait for the client this way.
                Ok(None) if self.ended_by_operator() => continue,
                Ok(None) => return,
                Err(e) => {
                    self.end_reason = EndReason::Error;
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
                    self.end_reason = EndReason::Error;
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
        if let Err(e) = self.admit_statements(1) {
            if self.txn == TxnState::InBlock {
                self.txn = TxnState::Failed;
            }
            writer.error(&e);
            writer.ready_for_query(self.txn.status());
            return writer.flush().await.is_ok();
        }
        self.info.begin_query(&sql);
        let observer = Observer::new(&self.info, &self.ctx, self.ctx.config.log_queries);
        let start = JobStart::now();
        let (done, outcomes) = self.run_job(reader, writer, |conn, state, txn, out| {
            let txn = run_simple_query(conn, &sql, txn, out, &observer, state)?;
            observer.ready(txn);
            out.ready_for_query(txn.status());
            Ok(txn)
        });
        self.log(start, outcomes, observer.texts());
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
        // A batch that ends with Sync can be refused whole (the client then waits for
        // ReadyForQuery); one that ends with Flush runs, and counts towards the next.
        let synced = matches!(batch.last(), Some(PgWireFrontendMessage::Sync(_)));
        if executes > 0 && synced {
            if let Err(e) = self.admit_statements(executes as u64) {
                // As any error inside a transaction block, it fails the block.
                if self.txn == TxnState::InBlock {
                    self.txn = TxnState::Failed;
                }
                writer.error(&e);
                writer.ready_for_query(self.txn.status());
                return writer.flush().await.is_ok();
            }
        }
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
        let observer = Observer::new(&self.info, &self.ctx, false);
        let start = JobStart::now();
        let (done, outcomes) = self.run_job(reader, writer, |conn, state, txn, out| {
            state
                .extended
                .run_batch(conn, batch, txn, &mut state.settings, &observer, out)
        });
        let texts = self
            .ctx
            .config
            .log_queries
            .then(|| vec![self.info.progress().query]);
        self.log(start, outcomes, texts);
        done && writer.flush().await.is_ok()
    }

    /// May this session's workspace run `statements` more this minute?
    fn admit_statements(&self, statements: u64) -> Result<(), PgError> {
        match (&self.info.workspace, self.ctx.config.max_queries_per_minute) {
            (Some(workspace), Some(limit)) => self.ctx.query_rate.admit(workspace, limit, statements),
            _ => Ok(()),
        }
    }

    /// Hand the job's statement outcomes to the query log.
    fn log(&self, start: JobStart, outcomes: Vec<Outcome>, texts: Option<Vec<String>>) {
        for record in audit::query_records(&self.info, start, outcomes, texts.as_deref()) {
            self.ctx.history.query(record);
        }
    }

    /// Run DuckDB work for this session, here on its own thread: the job writes its answer to
    /// the socket as it goes (see `link`), and a COPY FROM STDIN in it reads the client's data.
    /// Returns false when the session must end, and what each statement came to.
    fn run_job<R, W, F>(
        &mut self,
        reader: &mut MessageReader<R>,
        writer: &mut MessageWriter<W>,
        job: F,
    ) -> (bool, Vec<Outcome>)
    where
        R: AsyncRead + Unpin,
        W: AsyncWrite + Unpin,
        F: FnOnce(&Connection, &mut SessionState, TxnState, &mut Output) -> Result<TxnState, ClientGone>,
    {
        let Some(conn) = self.conn.as_ref() else {
            self.end_reason = EndReason::Error;
            return (false, Vec::new());
        };
        let mut link = SessionLink::new(reader, writer, &mut self.held, &self.ctx.stats, &self.info.bytes);
        let buffer = std::mem::take(&mut self.buffer);
        let (state, txn) = (&mut self.state, self.txn);
        let ran = panic::catch_unwind(AssertUnwindSafe(|| {
            let mut out = Output::new(&mut link, buffer, state.settings.style().clone());
            let outcome = job(conn, state, txn, &mut out);
            let outcome = outcome.and_then(|txn| out.flush().map(|()| txn));
            let outcomes = out.take_outcomes();
            (outcome, outcomes, out.into_buffer())
        }));
        let client_gone = link.client_gone();
        let Ok((outcome, outcomes, buffer)) = ran else {
            // The connection may be in any state after a panic in the middle of its work.
            self.conn = None;
            self.end_reason = EndReason::Error;
            writer.error(&PgError::fatal(
                sqlstate::INTERNAL_ERROR,
                "internal error while running the statement",
            ));
            return (false, Vec::new());
        };
        // A big result grew the buffer: an idle session does not keep that memory.
        if buffer.capacity() <= KEPT_BUFFER {
            self.buffer = buffer;
        }
        let Ok(txn) = outcome else {
            return (false, outcomes);
        };
        self.txn = txn;
        (!client_gone, outcomes)
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
        self.ctx
            .history
            .session(audit::session_record(&self.info, self.end_reason));
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
