//! `COPY table FROM STDIN` in text and CSV: rows arrive as CopyData, are parsed here and loaded
//! through DuckDB's appender (never row-by-row INSERT), all in one transaction: a bad row aborts
//! the whole COPY with its line number and nothing is loaded.

use bytes::Bytes;
use tokio::sync::mpsc;

use super::copy::{split_table, CopyFormat, CopyOut};
use super::executor::Stop;
use super::output::{ClientGone, Output};
use super::TxnState;
use crate::db::{Appender, Connection};
use crate::error::{sqlstate, PgError};

/// What the I/O side forwards from the client during COPY FROM STDIN.
pub enum CopyMessage {
    Data(Bytes),
    Done,
    Fail(String),
}

/// Run the COPY: CopyInResponse, load until CopyDone, CommandComplete or ErrorResponse.
/// Returns the session's transaction state after it (the caller sends ReadyForQuery).
pub fn run(
    conn: &Connection,
    spec: &CopyOut,
    txn: TxnState,
    input: &mut mpsc::Receiver<CopyMessage>,
    out: &mut Output,
) -> Result<TxnState, ClientGone> {
    match copy(conn, spec, txn, input, out) {
        Ok(rows) => {
            out.command_complete(format!("COPY {rows}"));
            Ok(txn)
        }
        Err(Stop::Failed(e)) => {
            out.error(&e);
            Ok(if txn == TxnState::InBlock {
                TxnState::Failed
            } else {
                txn
            })
        }
        Err(Stop::ClientGone) => Err(ClientGone),
    }
}

fn copy(
    conn: &Connection,
    spec: &CopyOut,
    txn: TxnState,
    input: &mut mpsc::Receiver<CopyMessage>,
    out: &mut Output,
) -> Result<u64, Stop> {
    if txn == TxnState::Failed {
        return Err(Stop::Failed(PgError::new(
            sqlstate::IN_FAILED_SQL_TRANSACTION,
            "current transaction is aborted, commands ignored until end of transaction block",
        )));
    }
    if spec.format == CopyFormat::Binary {
        return Err(Stop::Failed(PgError::new(
            sqlstate::FEATURE_NOT_SUPPORTED,
            "COPY FROM STDIN in binary format is not supported yet",
        )));
    }
    // Atomic: outside a transaction block the COPY gets its own transaction.
    let own_transaction = txn == TxnState::Idle;
    if own_transaction {
        conn.execute("BEGIN TRANSACTION")?;
    }
    let loaded = load(conn, spec, input, out);
    if own_transaction {
        let end = if loaded.is_ok() { "COMMIT" } else { "ROLLBACK" };
        if let Err(e) = conn.execute(end) {
            let _ = conn.execute("ROLLBACK");
            if loaded.is_ok() {
                return Err(Stop::Failed(e.into()));
            }
        }
    }
    loaded
}

fn load(
    conn: &Connection,
    spec: &CopyOut,
    input: &mut mpsc::Receiver<CopyMessage>,
    out: &mut Output,
) -> Result<u64, Stop> {
    let (schema, table) = split_table(spec.table.as_deref().unwrap_or_default());
    // The appender is dropped (and its rows flushed into the still-open transaction) before the
    // caller commits or rolls back.
    let mut appender = Appender::new(conn, schema.as_deref(), &table, &spec.columns)?;
    let mut loader = Loader {
        spec,
        table: &table,
        columns: appender.column_count(),
        pending: Vec::new(),
        line: 0,
        rows: 0,
    };
    out.copy_in_response(loader.columns);
    out.flush()?;
    loop {
        match input.blocking_recv() {
            Some(CopyMessage::Data(data)) => loader.feed(&data, &mut appender)?,
            Some(CopyMessage::Done) => break,
            Some(CopyMessage::Fail(reason)) => {
                return Err(Stop::Failed(PgError::new(
                    sqlstate::QUERY_CANCELED,
                    format!("COPY from stdin failed: {reason}"),
                )))
            }
            None => return Err(Stop::ClientGone),
        }
    }
    loader.finish(&mut appender)?;
    appender.flush().map_err(|e| loader.at_line(append_error(e)))?;
    Ok(loader.rows)
}

/// The appender reports its errors without DuckDB's error type: classify by what they say.
fn append_error(e: crate::db::DbError) -> PgError {
    let mut pg = PgError::from(e);
    if pg.code == sqlstate::INTERNAL_ERROR {
        let lower = pg.message.to_ascii_lowercase();
        pg.code = if lower.contains("not null") {
            sqlstate::NOT_NULL_VIOLATION
        } else if lower.contains("unique") || lower.contains("primary key") || lower.contains("duplicate key")
        {
            sqlstate::UNIQUE_VIOLATION
        } else if lower.contains("foreign key") {
            sqlstate::FOREIGN_KEY_VIOLATION
        } else {
            // Otherwise: a value the column's type cannot take.
            sqlstate::INVALID_TEXT_REPRESENTATION
        };
    }
    pg
}

struct Loader<'a> {
    spec: &'a CopyOut,
    table: &'a str,
    columns: usize,
    /// Bytes of a record not complete yet.
    pending: Vec<u8>,
    line: u64,
    rows: u64,
}

impl Loader<'_> {
    fn at_line(&self, mut e: PgError) -> Stop {
        e.detail = Some(format!("COPY {}, line {}", self.table, self.line));
        Stop::Failed(e)
    }

    fn feed(&mut self, data: &[u8], appender: &mut Appender<'_>) -> Result<(), Stop> {
        self.pending.extend_from_slice(data);
        let mut start = 0;
        while let Some(end) = self.record_end(start) {
            let record = self.pending[start..end].to_vec();
            start = end + 1;
            self.record(&record, appender)?;
        }
        self.pending.drain(..start);
        Ok(())
    }

    fn finish(&mut self, appender: &mut Appender<'_>) -> Result<(), Stop> {
        if !self.pending.is_empty() {
            let record = std::mem::take(&mut self.pending);
            self.record(&record, appender)?;
        }
        Ok(())
    }

    /// Where the record starting at `start` ends (its newline), if it is complete.
    fn record_end(&self, start: usize) -> Option<usize> {
        let bytes = &self.pending[start..];
        if self.spec.format != CopyFormat::Csv {
            return bytes.iter().position(|&c| c == b'\n').map(|p| start + p);
        }
        let mut quoted = false;
        for (i, &c) in bytes.iter().enumerate() {
            if c == self.spec.quote {
                quoted = !quoted;
            } else if c == b'\n' && !quoted {
                return Some(start + i);
            }
        }
        None
    }

    fn record(&mut self, record: &[u8], appender: &mut Appender<'_>) -> Result<(), Stop> {
        self.line += 1;
        let record = record.strip_suffix(b"\r").unwrap_or(record);
        if record == b"\\." || (self.spec.header && self.line == 1) {
            return Ok(());
        }
        let fields = match self.spec.format {
            CopyFormat::Csv => self.csv_fields(record),
            _ => self.text_fields(record),
        }
        .map_err(|e| self.at_line(e))?;
        if fields.len() < self.columns {
            return Err(self.at_line(PgError::new("22P04", "missing data for column")));
        }
        if fields.len() > self.columns {
            return Err(self.at_line(PgError::new("22P04", "extra data after last expected column")));
        }
        for field in &fields {
            let appended = match field {
                Some(text) => appender.append_text(text),
                None => appender.append_null(),
            };
            appended.map_err(|e| self.at_line(append_error(e)))?;
        }
        appender.end_row().map_err(|e| self.at_line(append_error(e)))?;
        self.rows += 1;
        Ok(())
    }

    fn text(bytes: Vec<u8>) -> Result<String, PgError> {
        String::from_utf8(bytes)
            .map_err(|_| PgError::new("22021", "invalid byte sequence for encoding \"UTF8\""))
    }

    /// PostgreSQL's text COPY format: delimiter-separated, backslash escapes, `\N` for NULL.
    fn text_fields(&self, record: &[u8]) -> Result<Vec<Option<String>>, PgError> {
        let mut fields = Vec::new();
        for raw in record.split(|&c| c == self.spec.delimiter) {
            if raw == self.spec.null.as_bytes() {
                fields.push(None);
                continue;
            }
            let mut value = Vec::with_capacity(raw.len());
            let mut i = 0;
            while i < raw.len() {
                if raw[i] != b'\\' || i + 1 == raw.len() {
                    value.push(raw[i]);
                    i += 1;
                    continue;
                }
                let c = raw[i + 1];
                i += 2;
                match c {
                    b'n' => value.push(b'\n'),
                    b'r' => value.push(b'\r'),
                    b't' => value.push(b'\t'),
                    b'b' => value.push(8),
                    b'f' => value.push(12),
                    b'v' => value.push(11),
                    b'0'..=b'7' => {
                        let mut n = (c - b'0') as u32;
                        for _ in 0..2 {
                            match raw.get(i) {
                                Some(d @ b'0'..=b'7') => {
                                    n = n * 8 + (d - b'0') as u32;
                                    i += 1;
                                }
                                _ => break,
                            }
                        }
                        value.push(n as u8);
                    }
                    other => value.push(other),
                }
            }
            fields.push(Some(Self::text(value)?));
        }
        Ok(fields)
    }

    /// CSV: quoted fields may hold delimiters, quotes (doubled) and newlines; an unquoted field
    /// equal to the NULL string is NULL.
    fn csv_fields(&self, record: &[u8]) -> Result<Vec<Option<String>>, PgError> {
        let (quote, delimiter) = (self.spec.quote, self.spec.delimiter);
        let mut fields = Vec::new();
        let mut i = 0;
        loop {
            let mut value = Vec::new();
            let mut was_quoted = false;
            while i < record.len() && record[i] != delimiter {
                if record[i] == quote {
                    was_quoted = true;
                    i += 1;
                    loop {
                        match record.get(i) {
                            None => {
                                return Err(PgError::new(
                                    sqlstate::INVALID_TEXT_REPRESENTATION,
                                    "unterminated CSV quoted field",
                                ))
                            }
                            Some(&c) if c == quote && record.get(i + 1) == Some(&quote) => {
                                value.push(quote);
                                i += 2;
                            }
                            Some(&c) if c == quote => {
                                i += 1;
                                break;
                            }
                            Some(&c) => {
                                value.push(c);
                                i += 1;
                            }
                        }
                    }
                } else {
                    value.push(record[i]);
                    i += 1;
                }
            }
            if !was_quoted && value == self.spec.null.as_bytes() {
                fields.push(None);
            } else {
                fields.push(Some(Self::text(value)?));
            }
            if i >= record.len() {
                break;
            }
            i += 1; // the delimiter
        }
        Ok(fields)
    }
}
