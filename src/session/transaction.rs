//! PostgreSQL's transaction control where DuckDB's differs: a failed block accepts only its
//! end, BEGIN/COMMIT/ROLLBACK out of place are warnings, savepoints that are never rolled back
//! to are accepted, and BEGIN's modes (isolation level, READ ONLY) are DuckDB's one kind.

use super::output::Output;
use super::TxnState;
use crate::db::{Connection, StatementKind};
use crate::error::{sqlstate, PgError};
use crate::protocol::tag::command_tag;

use super::executor::Stop;

/// Transaction-control verbs, by their first keyword.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Control {
    Begin,
    Commit,
    Rollback,
    /// SAVEPOINT, RELEASE: DuckDB has no savepoints, but one that is never rolled back to
    /// changes nothing (psycopg 3 wraps its type lookups in one).
    Savepoint,
    /// ROLLBACK TO [SAVEPOINT]: what it would undo cannot be undone alone.
    RollbackTo,
}

pub(super) fn control_of(keywords: &[String]) -> Option<Control> {
    let word = |i: usize| keywords.get(i).map(String::as_str);
    match word(0) {
        Some("BEGIN") | Some("START") => Some(Control::Begin),
        Some("COMMIT") | Some("END") => Some(Control::Commit),
        Some("SAVEPOINT") | Some("RELEASE") => Some(Control::Savepoint),
        // ROLLBACK [WORK | TRANSACTION] TO [SAVEPOINT] name
        Some("ROLLBACK") if word(1) == Some("TO") || word(2) == Some("TO") => Some(Control::RollbackTo),
        Some("ROLLBACK") | Some("ABORT") => Some(Control::Rollback),
        _ => None,
    }
}

/// What the transaction gate decided for a statement.
pub(super) enum Gate {
    /// Fully answered here (a warning, or the end of a failed block).
    Answered,
    /// Run it; it is this transaction-control verb, if any.
    Run(Option<Control>),
}

/// PostgreSQL's rules for transaction control that DuckDB does not share: a failed block
/// accepts only its end, and BEGIN/COMMIT/ROLLBACK out of place are warnings.
pub(super) fn transaction_gate(
    conn: &Connection,
    keywords: &[String],
    txn: &mut TxnState,
    out: &mut Output,
) -> Result<Gate, Stop> {
    let control = control_of(keywords);
    match (control, *txn) {
        // A savepoint is taken and released as a no-op: until something rolls back to it,
        // the block is exactly as if it had one. Rolling back to it is refused honestly (the
        // block fails): a client that relies on undoing part of a block must know.
        (Some(Control::Savepoint), TxnState::InBlock) => {
            let verb = if keywords.first().is_some_and(|w| w == "RELEASE") {
                "RELEASE"
            } else {
                "SAVEPOINT"
            };
            out.command_complete(verb.into());
            Ok(Gate::Answered)
        }
        (Some(Control::Savepoint), TxnState::Idle) => Err(Stop::Failed(PgError::new(
            sqlstate::NO_ACTIVE_SQL_TRANSACTION,
            format!(
                "{} can only be used in transaction blocks",
                keywords.first().map(String::as_str).unwrap_or("SAVEPOINT")
            ),
        ))),
        (Some(Control::RollbackTo), _) => Err(Stop::Failed(
            PgError::new(
                sqlstate::FEATURE_NOT_SUPPORTED,
                "rolling back to a savepoint is not supported",
            )
            .with_hint("DuckDB has no savepoints; roll back the whole transaction."),
        )),
        (Some(Control::Rollback), TxnState::Failed) | (Some(Control::Commit), TxnState::Failed) => {
            // COMMIT of a failed block rolls back, and says so.
            let _ = conn.execute("ROLLBACK");
            *txn = TxnState::Idle;
            out.command_complete("ROLLBACK".into());
            Ok(Gate::Answered)
        }
        (_, TxnState::Failed) => Err(Stop::Failed(PgError::new(
            sqlstate::IN_FAILED_SQL_TRANSACTION,
            "current transaction is aborted, commands ignored until end of transaction block",
        ))),
        (Some(Control::Begin), TxnState::InBlock) => {
            out.warning(
                sqlstate::ACTIVE_SQL_TRANSACTION,
                "there is already a transaction in progress",
            );
            out.command_complete(command_tag(StatementKind::Transaction, keywords, 0));
            Ok(Gate::Answered)
        }
        (Some(c @ (Control::Commit | Control::Rollback)), TxnState::Idle) => {
            out.warning(
                sqlstate::NO_ACTIVE_SQL_TRANSACTION,
                "there is no transaction in progress",
            );
            let tag = if c == Control::Commit {
                "COMMIT"
            } else {
                "ROLLBACK"
            };
            out.command_complete(tag.into());
            Ok(Gate::Answered)
        }
        // `START TRANSACTION ISOLATION LEVEL ...`, `BEGIN READ ONLY`: DuckDB's one isolation
        // level (snapshot, serializable as PostgreSQL reports it) serves every level asked for;
        // READ ONLY is DuckDB's own read-only transaction.
        (Some(Control::Begin), TxnState::Idle) if transaction_modes(keywords).next().is_some() => {
            let words: Vec<&str> = transaction_modes(keywords).collect();
            let read_only = words.windows(2).any(|w| w == ["READ", "ONLY"]);
            conn.execute(match read_only {
                true => "BEGIN TRANSACTION READ ONLY",
                false => "BEGIN TRANSACTION",
            })?;
            *txn = TxnState::InBlock;
            out.command_complete(command_tag(StatementKind::Transaction, keywords, 0));
            Ok(Gate::Answered)
        }
        _ => Ok(Gate::Run(control)),
    }
}

/// The words after `BEGIN [TRANSACTION | WORK]` / `START TRANSACTION`: its modes.
fn transaction_modes(keywords: &[String]) -> impl Iterator<Item = &str> {
    keywords
        .iter()
        .skip(1)
        .map(String::as_str)
        .skip_while(|w| matches!(*w, "TRANSACTION" | "WORK"))
}

/// The session's transaction state after a statement succeeded.
pub(super) fn after_success(control: Option<Control>, txn: &mut TxnState) {
    match control {
        Some(Control::Begin) => *txn = TxnState::InBlock,
        Some(Control::Commit) | Some(Control::Rollback) => *txn = TxnState::Idle,
        Some(Control::Savepoint) | Some(Control::RollbackTo) | None => {}
    }
}
