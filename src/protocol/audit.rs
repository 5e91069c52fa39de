//! What a session tells the history (`metadata::history`): a row when it ends, and a row per
//! statement outcome (command tag or SQLSTATE) of each job it ran.

use std::time::{Instant, SystemTime};

use crate::metadata::history::{QueryRecord, SessionRecord};
use crate::server::registry::SessionInfo;
use crate::session::output::Outcome;

/// Why a session ended, as `pgwire.sessions.end_reason` says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    /// The client said goodbye or went away.
    Client,
    /// pgwire_stop().
    ServerStop,
    /// An operator ended it (pgwire_terminate, a dropped workspace or user).
    Terminated,
    IdleTimeout,
    IdleInTransactionTimeout,
    /// A protocol violation, a panic, an unusable connection.
    Error,
}

impl EndReason {
    pub fn as_str(self) -> &'static str {
        match self {
            EndReason::Client => "client",
            EndReason::ServerStop => "server stop",
            EndReason::Terminated => "terminated",
            EndReason::IdleTimeout => "idle timeout",
            EndReason::IdleInTransactionTimeout => "idle in transaction timeout",
            EndReason::Error => "error",
        }
    }
}

pub fn session_record(info: &SessionInfo, reason: EndReason) -> SessionRecord {
    SessionRecord {
        pid: info.id,
        connected_at: info.connected_at,
        disconnected_at: SystemTime::now(),
        user: info.user.clone(),
        workspace: info.workspace.clone(),
        client_address: info.client_addr.to_string(),
        application_name: info.application_name.clone(),
        tls: info.tls,
        end_reason: reason.as_str(),
        query_count: info.progress().query_count,
        bytes_sent: info.bytes_sent(),
    }
}

/// When a job started, on both clocks: durations from the monotonic one, times of day from
/// the other.
#[derive(Clone, Copy)]
pub struct JobStart {
    pub instant: Instant,
    pub time: SystemTime,
}

impl JobStart {
    pub fn now() -> JobStart {
        JobStart {
            instant: Instant::now(),
            time: SystemTime::now(),
        }
    }
}

/// Split a command tag into its statement type and row count: `INSERT 0 3` → (INSERT, 3),
/// `SELECT 5` → (SELECT, 5), `CREATE TABLE` → (CREATE TABLE, none).
fn type_and_rows(tag: &str) -> (String, Option<u64>) {
    let mut words: Vec<&str> = tag.split(' ').collect();
    let rows = match words.last().and_then(|w| w.parse::<u64>().ok()) {
        Some(n) if words.len() > 1 => {
            words.pop();
            // INSERT's tag carries an oid (always 0) before the count.
            if words.len() > 1 && words.last() == Some(&"0") && words[0] == "INSERT" {
                words.pop();
            }
            Some(n)
        }
        _ => None,
    };
    (words.join(" "), rows)
}

/// The query log's rows for one job: each outcome took the time since the one before it (the
/// first since the job started). `texts` are the statements' texts when the log keeps them.
pub fn query_records(
    info: &SessionInfo,
    start: JobStart,
    outcomes: Vec<Outcome>,
    texts: Option<&[String]>,
) -> Vec<QueryRecord> {
    let mut previous = start.instant;
    outcomes
        .into_iter()
        .enumerate()
        .map(|(i, o)| {
            let started_at = start.time + previous.saturating_duration_since(start.instant);
            let duration = o.at.saturating_duration_since(previous);
            previous = o.at;
            let (statement_type, rows) = match o.tag.as_deref().map(type_and_rows) {
                Some((t, rows)) => (Some(t), rows),
                None => (None, None),
            };
            QueryRecord {
                pid: info.id,
                session_connected_at: info.connected_at,
                started_at,
                duration,
                user: info.user.clone(),
                workspace: info.workspace.clone(),
                statement_type,
                rows,
                sqlstate: o.sqlstate.to_string(),
                query: texts.and_then(|t| t.get(i).or(t.last()).cloned()),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::type_and_rows;

    #[test]
    fn command_tags() {
        assert_eq!(type_and_rows("INSERT 0 3"), ("INSERT".into(), Some(3)));
        assert_eq!(type_and_rows("SELECT 5"), ("SELECT".into(), Some(5)));
        assert_eq!(type_and_rows("CREATE TABLE"), ("CREATE TABLE".into(), None));
        assert_eq!(type_and_rows("COPY 10"), ("COPY".into(), Some(10)));
        assert_eq!(type_and_rows("BEGIN"), ("BEGIN".into(), None));
    }
}
