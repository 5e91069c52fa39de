//! Session history (`pgwire.sessions`) and the query log (`pgwire.query_log`), written in
//! batches off the query path.
//!
//! Sessions hand their records to a bounded queue without waiting; one thread with a DuckDB
//! connection of its own wakes every `INTERVAL` and appends what has gathered, both tables in
//! one transaction per batch. `flush` empties the queue before `pgwire_stop` returns
//! and before the extension lets the database go, so nothing is lost there. Past the queue's
//! bound (a writer that cannot keep up) records are dropped and counted, never waited for: the
//! log must not slow the queries it logs.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::db::{Appender, Connection, DbError};

const QUEUE: usize = 100_000;
const BATCH: usize = 5_000;
const INTERVAL: Duration = Duration::from_millis(250);

/// A session that ended.
#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub pid: i32,
    pub connected_at: SystemTime,
    pub disconnected_at: SystemTime,
    pub user: String,
    pub workspace: Option<String>,
    pub client_address: String,
    pub application_name: String,
    pub tls: bool,
    pub end_reason: &'static str,
    pub query_count: u64,
    pub bytes_sent: u64,
}

/// One statement's outcome.
#[derive(Debug, Clone)]
pub struct QueryRecord {
    pub pid: i32,
    pub session_connected_at: SystemTime,
    pub started_at: SystemTime,
    pub duration: Duration,
    pub user: String,
    pub workspace: Option<String>,
    /// The command tag's verb (`SELECT`, `INSERT`, `CREATE TABLE`, ...), for successes.
    pub statement_type: Option<String>,
    pub rows: Option<u64>,
    /// `00000` for a success.
    pub sqlstate: String,
    /// Only with `log_queries`.
    pub query: Option<String>,
}

enum Record {
    Session(SessionRecord),
    Query(QueryRecord),
    /// Write everything before this, then answer.
    Flush(SyncSender<()>),
    /// Write everything before this and end (the connection goes with the thread).
    Close,
}

/// The sending side, shared by every session.
pub struct History {
    queue: SyncSender<Record>,
    pub dropped: AtomicU64,
}

impl History {
    /// Start the writer on `conn`; `schema` is the qualified metadata schema's *name* (`pgwire`).
    pub fn start(conn: Connection, schema: &'static str) -> std::io::Result<History> {
        let (tx, rx) = mpsc::sync_channel(QUEUE);
        std::thread::Builder::new()
            .name("pgwire-history".into())
            .spawn(move || write_loop(&conn, schema, &rx))?;
        Ok(History {
            queue: tx,
            dropped: AtomicU64::new(0),
        })
    }

    fn send(&self, record: Record) {
        if let Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) = self.queue.try_send(record) {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub fn session(&self, record: SessionRecord) {
        self.send(Record::Session(record));
    }

    pub fn query(&self, record: QueryRecord) {
        self.send(Record::Query(record));
    }

    /// Wait (a few seconds at most) until everything sent so far is written.
    pub fn flush(&self) {
        let (ack_tx, ack_rx) = mpsc::sync_channel(1);
        if self.queue.send(Record::Flush(ack_tx)).is_ok() {
            let _ = ack_rx.recv_timeout(Duration::from_secs(10));
        }
    }

    /// Write what is queued, then end the writer (it lets its connection go).
    pub fn close(&self) {
        self.flush();
        let _ = self.queue.send(Record::Close);
    }
}

fn write_loop(conn: &Connection, schema: &str, rx: &Receiver<Record>) {
    // Timestamps are appended as UTC microseconds; in UTC the appender's cast to TIMESTAMPTZ
    // keeps them as they are.
    let _ = conn.execute("SET TimeZone = 'UTC'");
    let mut sessions = Vec::new();
    let mut queries = Vec::new();
    let mut acks = Vec::new();
    loop {
        // Sleep, then take what gathered: a writer waiting on the queue would be woken by every
        // statement (a futex call on both sides each time), and a commit per statement would
        // cost more than the statements. A flush is answered within one INTERVAL.
        std::thread::sleep(INTERVAL);
        let mut open = true;
        loop {
            match rx.try_recv() {
                Ok(record) => open = take(record, &mut sessions, &mut queries, &mut acks),
                Err(mpsc::TryRecvError::Empty) => break,
                Err(mpsc::TryRecvError::Disconnected) => open = false,
            }
            if !open {
                break;
            }
            if sessions.len() + queries.len() >= BATCH {
                write_batch(conn, schema, &mut sessions, &mut queries);
            }
        }
        write_batch(conn, schema, &mut sessions, &mut queries);
        for ack in acks.drain(..) {
            let _ = ack.try_send(());
        }
        if !open {
            return;
        }
    }
}

/// Write the batch and empty it. A batch that cannot be written (the database went read-only,
/// say) is given up rather than retried for ever.
fn write_batch(
    conn: &Connection,
    schema: &str,
    sessions: &mut Vec<SessionRecord>,
    queries: &mut Vec<QueryRecord>,
) {
    if !sessions.is_empty() || !queries.is_empty() {
        let _ = write(conn, schema, sessions, queries);
        sessions.clear();
        queries.clear();
    }
}

/// Sort a record into the batch; false for Close.
fn take(
    record: Record,
    sessions: &mut Vec<SessionRecord>,
    queries: &mut Vec<QueryRecord>,
    acks: &mut Vec<SyncSender<()>>,
) -> bool {
    match record {
        Record::Session(s) => sessions.push(s),
        Record::Query(q) => queries.push(q),
        Record::Flush(ack) => acks.push(ack),
        Record::Close => return false,
    }
    true
}

fn micros(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_micros() as i64)
}

fn write(
    conn: &Connection,
    schema: &str,
    sessions: &[SessionRecord],
    queries: &[QueryRecord],
) -> Result<(), DbError> {
    conn.execute("BEGIN TRANSACTION")?;
    let written = append_all(conn, schema, sessions, queries).and_then(|()| conn.execute("COMMIT"));
    if written.is_err() {
        let _ = conn.execute("ROLLBACK");
    }
    written
}

fn append_all(
    conn: &Connection,
    schema: &str,
    sessions: &[SessionRecord],
    queries: &[QueryRecord],
) -> Result<(), DbError> {
    let stamp = |a: &mut Appender<'_>, t: SystemTime| a.append_timestamp(micros(t));
    let text_or_null = |a: &mut Appender<'_>, v: Option<&str>| match v {
        Some(v) => a.append_text(v),
        None => a.append_null(),
    };
    if !sessions.is_empty() {
        let mut a = Appender::new(conn, Some(schema), "sessions", &[])?;
        for s in sessions {
            a.append_i64(s.pid as i64)?;
            stamp(&mut a, s.connected_at)?;
            stamp(&mut a, s.disconnected_at)?;
            a.append_text(&s.user)?;
            text_or_null(&mut a, s.workspace.as_deref())?;
            a.append_text(&s.client_address)?;
            a.append_text(&s.application_name)?;
            a.append_bool(s.tls)?;
            a.append_text(s.end_reason)?;
            a.append_i64(s.query_count as i64)?;
            a.append_i64(s.bytes_sent as i64)?;
            a.end_row()?;
        }
        a.flush()?;
    }
    if !queries.is_empty() {
        let mut a = Appender::new(conn, Some(schema), "query_log", &[])?;
        for q in queries {
            a.append_i64(q.pid as i64)?;
            stamp(&mut a, q.session_connected_at)?;
            stamp(&mut a, q.started_at)?;
            a.append_f64(q.duration.as_secs_f64() * 1000.0)?;
            a.append_text(&q.user)?;
            text_or_null(&mut a, q.workspace.as_deref())?;
            text_or_null(&mut a, q.statement_type.as_deref())?;
            match q.rows {
                Some(n) => a.append_i64(n as i64)?,
                None => a.append_null()?,
            }
            a.append_text(&q.sqlstate)?;
            text_or_null(&mut a, q.query.as_deref())?;
            a.end_row()?;
        }
        a.flush()?;
    }
    Ok(())
}
