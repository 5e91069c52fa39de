//! The per-database server: connection pool, metadata, the tokio runtime that serves clients,
//! start/stop, and the watchdog that releases everything when the host closes the database.

pub mod advisory;
pub mod config;
mod listener;
pub mod pool;
pub mod registry;
pub mod throttle;
pub mod tls;
mod watchdog;

use std::net::{SocketAddr, TcpListener as StdTcpListener, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use tokio::sync::watch;

use crate::error::{sqlstate, PgError, PgResult};
use crate::metadata::history::History;
use crate::metadata::{password, Metadata};
pub use config::ServerConfig;
use pool::Pool;
use registry::{Registry, SessionInfo, Stats};
pub use watchdog::start_watchdog;

/// Where the server is in its life; sessions watch it to know when to leave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Running,
    /// Refuse new connections; sessions close once their current statement is done.
    Draining,
}

/// Everything a connection task needs, shared by all of them.
pub struct ServerContext {
    pub pool: Arc<Pool>,
    pub metadata: Arc<Metadata>,
    pub registry: Arc<Registry>,
    pub stats: Arc<Stats>,
    pub config: ServerConfig,
    pub phase: watch::Receiver<Phase>,
    /// Connections between accept and close (authenticated or not), for admission.
    pub open_connections: AtomicUsize,
    /// The database name clients are told about (the host's default catalog).
    pub database_name: String,
    /// Failed logins per client address.
    pub throttle: throttle::LoginThrottle,
    /// Statements per minute per workspace.
    pub query_rate: throttle::QueryRate,
    /// Password checks at once: argon2id takes a core and 19 MiB for tens of milliseconds, so a
    /// flood of logins queues here instead of taking every core.
    pub password_checks: tokio::sync::Semaphore,
    /// Where sessions and statements are recorded.
    pub history: Arc<History>,
    /// What the isolation gateways of workspace sessions share.
    pub policy: Arc<crate::policy::Shared>,
}

struct RunningServer {
    runtime: tokio::runtime::Runtime,
    phase: watch::Sender<Phase>,
    context: Arc<ServerContext>,
    started_at: SystemTime,
    local_addr: SocketAddr,
}

/// What `pgwire_start` reports.
pub struct StartReport {
    pub host: String,
    pub port: u16,
    pub tls: bool,
    pub user: Option<String>,
    pub password: Option<String>,
    pub connection_string: String,
}

/// What `pgwire_status` reports.
pub struct Status {
    pub running: bool,
    pub host: Option<String>,
    pub port: Option<u16>,
    pub started_at: Option<SystemTime>,
    pub live_sessions: usize,
    pub accepted: u64,
    pub refused: u64,
    pub queries: u64,
    pub bytes_sent: u64,
    pub logins_failed: u64,
    pub logins_throttled: u64,
    /// The running server's settings (its limits).
    pub config: Option<ServerConfig>,
}

/// The extension's state for one database instance (two databases in one process each have
/// their own). Registered SQL functions reach it as their extra info.
pub struct Instance {
    pub pool: Arc<Pool>,
    pub metadata: Arc<Metadata>,
    pub history: Arc<History>,
    pub registry: Arc<Registry>,
    pub database_name: String,
    running: Mutex<Option<RunningServer>>,
    /// Set once the host closed the database: nothing can start again.
    closed: AtomicBool,
}

impl Instance {
    pub fn new(pool: Pool, metadata: Metadata, history: History, database_name: String) -> Instance {
        Instance {
            pool: Arc::new(pool),
            metadata: Arc::new(metadata),
            history: Arc::new(history),
            registry: Arc::new(Registry::default()),
            database_name,
            running: Mutex::new(None),
            closed: AtomicBool::new(false),
        }
    }

    fn running(&self) -> std::sync::MutexGuard<'_, Option<RunningServer>> {
        self.running.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Start serving. `owner` names the first owner user (and its password) when none exists.
    pub fn start(&self, config: ServerConfig, owner: (String, Option<String>)) -> PgResult<StartReport> {
        if self.closed.load(Ordering::SeqCst) {
            return Err(PgError::new(
                sqlstate::CONNECTION_FAILURE,
                "the database is closing",
            ));
        }
        let mut running = self.running();
        if let Some(r) = running.as_ref() {
            return Err(PgError::new(
                sqlstate::ACTIVE_SQL_TRANSACTION,
                format!("pgwire is already running on {}", r.local_addr),
            )
            .with_hint("Call pgwire_stop() first."));
        }
        if config.max_connections > self.pool.opened() {
            return Err(PgError::new(
                sqlstate::INVALID_PARAMETER_VALUE,
                format!(
                    "max_connections {} exceeds the connection pool ({} connections)",
                    config.max_connections,
                    self.pool.opened()
                ),
            )
            .with_hint("Set PGWIRE_MAX_CONNECTIONS before LOAD to open a larger pool."));
        }

        crate::exit::install_hook();
        self.metadata.ensure_tables()?;
        // PostgreSQL's catalogs as clients read them (views in the instance, per session's
        // database).
        self.metadata.with_conn(|c| Ok(crate::catalog::install(c)?))?;
        let (user, password) = if self.metadata.user_count()? == 0 {
            let (name, given) = owner;
            let password = given.unwrap_or_else(password::generate);
            self.metadata.create_user(&name, &password, None, None)?;
            (Some(name), Some(password))
        } else {
            (self.metadata.first_owner()?, None)
        };

        let listener = bind(&config.host, config.port)?;
        let local_addr = listener.local_addr().map_err(io_error)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .max_blocking_threads(self.pool.opened() + 16)
            .thread_name("pgwire-io")
            .enable_all()
            .build()
            .map_err(io_error)?;
        let (phase_tx, phase_rx) = watch::channel(Phase::Running);
        let context = Arc::new(ServerContext {
            pool: Arc::clone(&self.pool),
            metadata: Arc::clone(&self.metadata),
            registry: Arc::clone(&self.registry),
            stats: Arc::new(Stats::default()),
            config: config.clone(),
            phase: phase_rx,
            open_connections: AtomicUsize::new(0),
            database_name: self.database_name.clone(),
            throttle: Default::default(),
            query_rate: Default::default(),
            password_checks: tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, |n| n.get()),
            ),
            history: Arc::clone(&self.history),
            policy: Arc::default(),
        });
        let listener = {
            let _guard = runtime.enter();
            tokio::net::TcpListener::from_std(listener).map_err(io_error)?
        };
        runtime.spawn(listener::accept_loop(listener, Arc::clone(&context)));

        let host = local_addr.ip().to_string();
        let connection_string = format!(
            "postgresql://{}{}@{}:{}/{}",
            user.as_deref().unwrap_or("USER"),
            password.as_deref().map(|p| format!(":{p}")).unwrap_or_default(),
            if local_addr.is_ipv6() {
                format!("[{host}]")
            } else {
                host.clone()
            },
            local_addr.port(),
            self.database_name
        );
        *running = Some(RunningServer {
            runtime,
            phase: phase_tx,
            context,
            started_at: SystemTime::now(),
            local_addr,
        });
        Ok(StartReport {
            host,
            port: local_addr.port(),
            tls: config.tls.is_some(),
            user,
            password,
            connection_string,
        })
    }

    /// Stop serving: refuse new connections, let running statements finish for the grace period,
    /// then cancel them and close every session (open transactions are rolled back). `grace`
    /// replaces the configured grace period. Returns false if the server was not running.
    pub fn stop(&self, grace: Option<Duration>) -> bool {
        let Some(server) = self.running().take() else {
            return false;
        };
        let registry = Arc::clone(&self.registry);
        let history = Arc::clone(&self.history);
        // The sessions' last history rows are written before stop is done.
        let grace = grace.unwrap_or(server.context.config.stop_grace);
        let shutdown = move || {
            shutdown(server, &registry, grace);
            history.flush();
        };
        // From inside one of our own sessions (an owner calling pgwire_stop() over the wire) the
        // caller is itself a session to wait for: shut down on another thread and return now.
        if tokio::runtime::Handle::try_current().is_ok() {
            let _ = std::thread::Builder::new()
                .name("pgwire-stop".into())
                .spawn(shutdown);
        } else {
            shutdown();
        }
        true
    }

    /// Terminate every session `which` picks and wait (a few seconds at most) until they have
    /// ended and given their connections back. Returns how many there were.
    pub fn end_sessions(&self, which: impl Fn(&SessionInfo) -> bool) -> usize {
        let ending: Vec<_> = self.registry.all().into_iter().filter(|s| which(s)).collect();
        ending.iter().for_each(|s| s.terminate());
        let deadline = Instant::now() + Duration::from_secs(5);
        while ending.iter().any(|s| self.registry.get(s.id).is_some()) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        // Past the deadline a session stuck writing to its client is cut off.
        ending.iter().for_each(|s| s.disconnect());
        ending.len()
    }

    pub fn status(&self) -> Status {
        let running = self.running();
        match running.as_ref() {
            None => Status {
                running: false,
                host: None,
                port: None,
                started_at: None,
                live_sessions: self.registry.len(),
                accepted: 0,
                refused: 0,
                queries: 0,
                bytes_sent: 0,
                logins_failed: 0,
                logins_throttled: 0,
                config: None,
            },
            Some(r) => {
                let s = &r.context.stats;
                Status {
                    running: true,
                    host: Some(r.local_addr.ip().to_string()),
                    port: Some(r.local_addr.port()),
                    started_at: Some(r.started_at),
                    live_sessions: self.registry.len(),
                    accepted: s.accepted.load(Ordering::Relaxed),
                    refused: s.refused.load(Ordering::Relaxed),
                    queries: s.queries.load(Ordering::Relaxed),
                    bytes_sent: s.bytes_sent.load(Ordering::Relaxed),
                    logins_failed: r.context.throttle.failed.load(Ordering::Relaxed),
                    logins_throttled: r.context.throttle.refused.load(Ordering::Relaxed),
                    config: Some(r.context.config.clone()),
                }
            }
        }
    }

    /// The host closed the database: stop for good and release every connection, so that
    /// DuckDB can close (and the file can be opened again).
    pub fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        self.stop(None);
        self.history.close();
        self.pool.close();
    }
}

fn shutdown(server: RunningServer, registry: &Registry, grace: Duration) {
    let RunningServer {
        runtime,
        phase,
        context: _context,
        ..
    } = server;
    let _ = phase.send(Phase::Draining);
    // Sessions waiting for their client's next message end now; running statements go on.
    for session in registry.all() {
        session.stop_reading();
    }
    let deadline = Instant::now() + grace;
    while !registry.is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    // Grace is over: cancel what still runs; sessions then see the phase and close.
    for session in registry.all() {
        session.interrupt();
        session.disconnect();
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    while !registry.is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    runtime.shutdown_timeout(Duration::from_secs(2));
}

fn io_error(e: std::io::Error) -> PgError {
    PgError::new(sqlstate::IO_ERROR, e.to_string())
}

/// Bind the listening socket now, on the caller's thread, so that a port in use or a bad host
/// is reported by `pgwire_start` itself.
fn bind(host: &str, port: u16) -> PgResult<StdTcpListener> {
    let addrs: Vec<SocketAddr> = (host, port)
        .to_socket_addrs()
        .map_err(|e| {
            PgError::new(
                sqlstate::INVALID_PARAMETER_VALUE,
                format!("invalid host \"{host}\": {e}"),
            )
        })?
        .collect();
    let mut last_error = None;
    for addr in &addrs {
        match StdTcpListener::bind(addr) {
            Ok(l) => {
                l.set_nonblocking(true).map_err(io_error)?;
                return Ok(l);
            }
            Err(e) => last_error = Some(e),
        }
    }
    let reason = last_error
        .map(|e| e.to_string())
        .unwrap_or_else(|| "no address".into());
    Err(PgError::new(
        sqlstate::IO_ERROR,
        format!("could not listen on {host}:{port}: {reason}"),
    ))
}
