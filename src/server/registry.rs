//! Live sessions and server counters, as `pgwire_status()` and `pgwire_sessions()` show them.

use std::collections::BTreeMap;
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use super::advisory::AdvisoryLocks;
use crate::db::InterruptHandle;

/// Counters since the server started.
#[derive(Default)]
pub struct Stats {
    pub accepted: AtomicU64,
    pub refused: AtomicU64,
    pub queries: AtomicU64,
    pub bytes_sent: AtomicU64,
}

impl Stats {
    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }
}

/// What a session is doing, in `pg_stat_activity`'s words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activity {
    Idle,
    Active,
    IdleInTransaction,
    IdleInFailedTransaction,
}

impl Activity {
    pub fn as_str(self) -> &'static str {
        match self {
            Activity::Idle => "idle",
            Activity::Active => "active",
            Activity::IdleInTransaction => "idle in transaction",
            Activity::IdleInFailedTransaction => "idle in transaction (aborted)",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Progress {
    pub activity: Activity,
    pub query: String,
    pub last_activity: SystemTime,
    pub query_count: u64,
}

/// One live, authenticated session.
pub struct SessionInfo {
    pub id: i32,
    pub secret: i32,
    pub user: String,
    pub workspace: Option<String>,
    pub client_addr: SocketAddr,
    pub application_name: String,
    pub connected_at: SystemTime,
    pub tls: bool,
    /// Bytes sent to the client.
    pub bytes: AtomicU64,
    interrupt: InterruptHandle,
    progress: Mutex<Progress>,
    /// The session's socket, once its thread serves it: shutting it down wakes a thread that
    /// waits for the client (server stop).
    socket: Mutex<Option<TcpStream>>,
    /// An operator ended the session (its workspace or user was dropped, or it was terminated).
    terminated: AtomicBool,
    /// How many times its statement was interrupted: a wait of ours (an advisory lock) ends
    /// when this moves.
    interrupts: AtomicU64,
}

impl SessionInfo {
    pub fn progress(&self) -> Progress {
        self.progress.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// A statement starts: count it and show its text.
    pub fn begin_query(&self, query: &str) {
        let mut p = self.progress.lock().unwrap_or_else(|e| e.into_inner());
        p.activity = Activity::Active;
        p.query.clear();
        p.query.push_str(query);
        p.query_count += 1;
        p.last_activity = SystemTime::now();
    }

    /// One statement of a multi-statement query starts: show its text.
    pub fn show_statement(&self, text: &str) {
        let mut p = self.progress.lock().unwrap_or_else(|e| e.into_inner());
        p.query.clear();
        p.query.push_str(text);
    }

    pub fn set_activity(&self, activity: Activity) {
        let mut p = self.progress.lock().unwrap_or_else(|e| e.into_inner());
        p.activity = activity;
        p.last_activity = SystemTime::now();
    }

    /// End the session as an operator's command: its statement is interrupted, and it tells
    /// the client (57P01) and closes as soon as it is back to reading.
    pub fn terminate(&self) {
        self.terminated.store(true, Ordering::SeqCst);
        self.interrupt();
        self.stop_reading();
    }

    pub fn bytes_sent(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }

    pub fn interrupts(&self) -> u64 {
        self.interrupts.load(Ordering::SeqCst)
    }

    pub fn terminated(&self) -> bool {
        self.terminated.load(Ordering::SeqCst)
    }

    /// Interrupt the running statement, if any (cancel request, shutdown).
    pub fn interrupt(&self) {
        self.interrupts.fetch_add(1, Ordering::SeqCst);
        self.interrupt.interrupt();
    }

    /// Keep a handle on the socket the session's thread serves.
    pub fn set_socket(&self, socket: TcpStream) {
        *self.socket.lock().unwrap_or_else(|e| e.into_inner()) = Some(socket);
    }

    /// How long a read of the client's socket may wait (None: for ever).
    pub fn set_read_timeout(&self, timeout: Option<std::time::Duration>) {
        if let Some(socket) = self.socket.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
            let _ = socket.set_read_timeout(timeout);
        }
    }

    /// Stop reading the client: a session waiting for its next message ends (it sees the
    /// server's phase); one that is running a statement finishes it first.
    pub fn stop_reading(&self) {
        self.shut(Shutdown::Read);
    }

    /// Cut the connection both ways: a session stuck writing to a client that does not read
    /// gives up.
    pub fn disconnect(&self) {
        self.shut(Shutdown::Both);
    }

    fn shut(&self, how: Shutdown) {
        if let Some(socket) = self.socket.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
            let _ = socket.shutdown(how);
        }
    }
}

/// Identity of a new session, before it is registered.
pub struct NewSession {
    pub user: String,
    pub workspace: Option<String>,
    pub client_addr: SocketAddr,
    pub application_name: String,
    pub tls: bool,
    pub interrupt: InterruptHandle,
}

#[derive(Default)]
pub struct Registry {
    sessions: Mutex<BTreeMap<i32, Arc<SessionInfo>>>,
    next_id: AtomicI32,
    /// The sessions' advisory locks: a session's go when it is deregistered.
    pub advisory: AdvisoryLocks,
}

impl Registry {
    pub fn register(&self, s: NewSession) -> Arc<SessionInfo> {
        // PostgreSQL shows the backend pid; ours is a process-unique counter, never 0.
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let info = Arc::new(SessionInfo {
            id,
            secret: rand::random(),
            user: s.user,
            workspace: s.workspace,
            client_addr: s.client_addr,
            application_name: s.application_name,
            connected_at: SystemTime::now(),
            tls: s.tls,
            bytes: AtomicU64::new(0),
            interrupt: s.interrupt,
            socket: Mutex::new(None),
            terminated: AtomicBool::new(false),
            interrupts: AtomicU64::new(0),
            progress: Mutex::new(Progress {
                activity: Activity::Idle,
                query: String::new(),
                last_activity: SystemTime::now(),
                query_count: 0,
            }),
        });
        self.sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, Arc::clone(&info));
        info
    }

    pub fn deregister(&self, id: i32) {
        self.sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&id);
        self.advisory.release_all(id);
    }

    pub fn get(&self, id: i32) -> Option<Arc<SessionInfo>> {
        self.sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&id)
            .cloned()
    }

    pub fn all(&self) -> Vec<Arc<SessionInfo>> {
        self.sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .cloned()
            .collect()
    }

    /// How many live sessions `which` picks.
    pub fn count(&self, which: impl Fn(&SessionInfo) -> bool) -> usize {
        self.sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .filter(|s| which(s))
            .count()
    }

    pub fn len(&self) -> usize {
        self.sessions.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
