//! One client session: its connection, its transaction state, and running its statements.

pub mod copy;
pub mod copy_in;
pub mod cursor;
mod discard;
pub mod executor;
pub mod extended;
mod gated;
mod gucs;
pub mod leftovers;
pub mod output;
pub mod portal;
pub mod settings;
// The lexer is shared with `policy`, which must not import `session`.
pub use crate::sql_text;
pub mod statement_cache;
mod transaction;

use pgwire_proto::messages::response::TransactionStatus;

/// What a session keeps between statements besides its connection and transaction state.
#[derive(Default)]
pub struct SessionState {
    /// Named statements and portals of the extended protocol.
    pub extended: extended::Extended,
    /// PostgreSQL parameters DuckDB does not have.
    pub settings: settings::Settings,
}

/// Where the session stands with respect to transactions, as ReadyForQuery reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxnState {
    /// Autocommit: no transaction block is open.
    Idle,
    /// Inside BEGIN ... COMMIT.
    InBlock,
    /// Inside a block in which a statement failed: only ROLLBACK (or COMMIT) is accepted.
    Failed,
}

impl TxnState {
    pub fn status(self) -> TransactionStatus {
        match self {
            TxnState::Idle => TransactionStatus::Idle,
            TxnState::InBlock => TransactionStatus::Transaction,
            TxnState::Failed => TransactionStatus::Error,
        }
    }
}
