//! `COPY table FROM STDIN` in text, CSV and binary: rows arrive as CopyData, are parsed here and
//! loaded through DuckDB's appender (never row-by-row INSERT), all in one transaction: a bad row
//! aborts the whole COPY with its line number and nothing is loaded.

use bytes::Bytes;

use super::copy::{split_table, CopyFormat, CopyOut};
use super::executor::Stop;
use super::output::Output;
use super::TxnState;
use crate::db::{Appender, Connection};
use crate::error::{sqlstate, PgError};
use crate::policy::names::split_qualified;
use crate::policy::Gateway;
use crate::types::params::{self, Slot, Value};
use crate::types::{datetime, oid, PgType};

/// What the client sends during COPY FROM STDIN.
pub enum CopyMessage {
    Data(Bytes),
    Done,
    Fail(String),
}

/// Run `COPY table FROM STDIN`: CopyInResponse, load until CopyDone, then `Ok(rows loaded)`.
/// `txn`: the transaction the COPY runs in (outside a block it makes its own, to be atomic).
/// `gateway`: a workspace session's, which decides whether the target may be written.
pub(super) fn copy(
    conn: &Connection,
    spec: &CopyOut,
    txn: TxnState,
    gateway: Option<&Gateway>,
    out: &mut Output,
) -> Result<u64, Stop> {
    if out.copied_in() {
        return Err(Stop::Failed(PgError::new(
            sqlstate::FEATURE_NOT_SUPPORTED,
            "only one COPY FROM STDIN can run per Query message",
        )));
    }
    if let Some(gateway) = gateway {
        let written = spec.table.as_deref().unwrap_or_default();
        let parts = split_qualified(written).unwrap_or_default();
        let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
        gateway.check_copy_target(conn, &parts)?;
    }
    load_atomically(conn, spec, txn, gateway, out)
}

fn load_atomically(
    conn: &Connection,
    spec: &CopyOut,
    txn: TxnState,
    gateway: Option<&Gateway>,
    out: &mut Output,
) -> Result<u64, Stop> {
    if txn == TxnState::Failed {
        return Err(Stop::Failed(PgError::new(
            sqlstate::IN_FAILED_SQL_TRANSACTION,
            "current transaction is aborted, commands ignored until end of transaction block",
        )));
    }
    // Atomic: outside a transaction block the COPY gets its own transaction.
    let own_transaction = txn == TxnState::Idle;
    if own_transaction {
        conn.execute("BEGIN TRANSACTION")?;
    }
    let loaded = match gateway {
        Some(gateway) => gateway
            .fence(conn)
            .map_err(Stop::from)
            .and_then(|()| load(conn, spec, out)),
        None => load(conn, spec, out),
    };
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

fn load(conn: &Connection, spec: &CopyOut, out: &mut Output) -> Result<u64, Stop> {
    let (schema, table) = split_table(spec.table.as_deref().unwrap_or_default());
    // The appender is dropped (and its rows flushed into the still-open transaction) before the
    // caller commits or rolls back.
    let mut appender =
        Appender::new(conn, schema.as_deref(), &table, &spec.columns).map_err(|e| target_error(e, &table))?;
    let mut loader = Loader {
        spec,
        table: &table,
        columns: appender.column_count(),
        column_oids: appender
            .column_types()
            .iter()
            .map(|t| PgType::from_duck(t).oid)
            .collect(),
        pending: Vec::new(),
        binary_header: false,
        binary_trailer: false,
        line: 0,
        rows: 0,
    };
    out.copy_in_response(spec.format == CopyFormat::Binary, loader.columns);
    out.flush()?;
    out.begin_copy_in();
    loop {
        match out.copy_message() {
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

fn bad_format(message: impl Into<String>) -> PgError {
    PgError::new("22P04", message)
}

fn be_i32(bytes: &[u8]) -> i32 {
    i32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])
}

/// Append one decoded value to the row being built, in a column of PostgreSQL type `oid`.
fn append(appender: &mut Appender<'_>, value: Value, oid: u32) -> Result<(), crate::db::DbError> {
    match value {
        Value::Null => appender.append_null(),
        Value::Text(text) if matches!(oid, oid::TEXT | oid::VARCHAR) => appender.append_text(&text),
        Value::Text(text) => appender.append_text_cast(&text),
        Value::Blob(bytes) => appender.append_blob(&bytes),
        Value::Int(v) => appender.append_i64(v),
        Value::Float(v) => appender.append_f64(v),
        Value::Bool(v) => appender.append_bool(v),
        Value::Date(days) => appender.append_date(days),
        Value::Timestamp {
            micros,
            with_zone: false,
        } => appender.append_timestamp(micros),
        // As text with its offset: the appender would read a bare timestamp in the session's zone.
        Value::Timestamp {
            micros,
            with_zone: true,
        } => {
            let mut text = bytes::BytesMut::new();
            datetime::put_timestamp(&mut text, micros, Some(0));
            appender.append_text_cast(&String::from_utf8_lossy(&text))
        }
    }
}

/// The appender reports a missing table or column without DuckDB's error type.
fn target_error(e: crate::db::DbError, table: &str) -> PgError {
    let mut pg = PgError::from(e);
    if pg.code == sqlstate::INTERNAL_ERROR {
        let lower = pg.message.to_ascii_lowercase();
        if lower.contains("column") {
            pg.code = sqlstate::UNDEFINED_COLUMN;
        } else if lower.contains("could not be found") || lower.contains("does not exist") {
            pg.code = sqlstate::UNDEFINED_TABLE;
            pg.message = format!("relation \"{table}\" does not exist");
        }
    }
    pg
}

struct Loader<'a> {
    spec: &'a CopyOut,
    table: &'a str,
    columns: usize,
    /// The PostgreSQL type of each target column: how its binary fields are read.
    column_oids: Vec<u32>,
    /// Bytes of a record not complete yet.
    pending: Vec<u8>,
    /// Binary format: the file header was read; the trailer was read.
    binary_header: bool,
    binary_trailer: bool,
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
        if self.spec.format == CopyFormat::Binary {
            return self.feed_binary(appender);
        }
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
        if self.spec.format == CopyFormat::Binary {
            if !self.binary_header || (!self.binary_trailer && !self.pending.is_empty()) {
                return Err(self.at_line(bad_format("unexpected EOF in COPY data")));
            }
            return Ok(());
        }
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
        for (i, field) in fields.into_iter().enumerate() {
            let value = match field {
                // DuckDB's text-to-BLOB cast does not read PostgreSQL's bytea forms.
                Some(text) if self.column_oids[i] == oid::BYTEA => Value::Blob(
                    params::decode_bytea_text(Slot::Field(i), &text).map_err(|e| self.at_line(e))?,
                ),
                Some(text) => Value::Text(text),
                None => Value::Null,
            };
            append(appender, value, self.column_oids[i]).map_err(|e| self.at_line(append_error(e)))?;
        }
        appender.end_row().map_err(|e| self.at_line(append_error(e)))?;
        self.rows += 1;
        Ok(())
    }

    /// PostgreSQL's binary COPY format: a header, then per row a field count and each field as
    /// a length (-1: NULL) and its binary value, then a -1 trailer.
    fn feed_binary(&mut self, appender: &mut Appender<'_>) -> Result<(), Stop> {
        let mut at = 0;
        if !self.binary_header {
            const SIGNATURE: &[u8] = b"PGCOPY\n\xff\r\n\0";
            if self.pending.len() < SIGNATURE.len() + 8 {
                return Ok(());
            }
            if &self.pending[..SIGNATURE.len()] != SIGNATURE {
                return Err(self.at_line(bad_format("COPY file signature not recognized")));
            }
            let extension = be_i32(&self.pending[SIGNATURE.len() + 4..]).max(0) as usize;
            let end = SIGNATURE.len() + 8 + extension;
            if self.pending.len() < end {
                return Ok(());
            }
            self.binary_header = true;
            at = end;
        }
        while !self.binary_trailer && self.pending.len() >= at + 2 {
            let count = i16::from_be_bytes([self.pending[at], self.pending[at + 1]]);
            if count == -1 {
                self.binary_trailer = true;
                at += 2;
                break;
            }
            // The row's fields, if all of it has arrived.
            let mut fields = Vec::with_capacity(count.max(0) as usize);
            let mut p = at + 2;
            let mut complete = true;
            for _ in 0..count.max(0) {
                if self.pending.len() < p + 4 {
                    complete = false;
                    break;
                }
                let len = be_i32(&self.pending[p..]);
                p += 4;
                if len < 0 {
                    fields.push(None);
                    continue;
                }
                if self.pending.len() < p + len as usize {
                    complete = false;
                    break;
                }
                fields.push(Some(p..p + len as usize));
                p += len as usize;
            }
            if !complete {
                break;
            }
            self.line += 1;
            if count < 0 || count as usize != self.columns {
                return Err(self.at_line(bad_format(format!(
                    "row field count is {count}, expected {}",
                    self.columns
                ))));
            }
            for (i, field) in fields.into_iter().enumerate() {
                let bytes = field.map(|r| &self.pending[r]);
                let value = params::decode(Slot::Field(i), self.column_oids[i], true, true, bytes)
                    .map_err(|e| self.at_line(e))?;
                append(appender, value, self.column_oids[i]).map_err(|e| self.at_line(append_error(e)))?;
            }
            appender.end_row().map_err(|e| self.at_line(append_error(e)))?;
            self.rows += 1;
            at = p;
        }
        self.pending.drain(..at);
        if self.binary_trailer {
            // PostgreSQL ignores what follows the trailer.
            self.pending.clear();
        }
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
