//! Running a simple-protocol Query on the session's connection, off the I/O threads.
//!
//! PostgreSQL semantics that DuckDB does not give by itself are kept here: several statements in
//! one Query form one implicit transaction, a failed transaction block refuses everything but
//! its end, and BEGIN/COMMIT/ROLLBACK out of place are warnings, not errors.

use std::sync::{Arc, Mutex};

use super::copy::{self, Copy, CopyFormat, CopyOut};
use super::copy_in;
use super::cursor;
use super::leftovers::Leftovers;
use super::output::{ClientGone, Output};
use super::settings::{self, Command, Settings};
use super::sql_text::{leading_keywords, split_statements};
use super::statement_cache::StatementCache;
pub(super) use super::transaction::{after_success, control_of, transaction_gate, Control, Gate};
use super::{SessionState, TxnState};
use crate::db::{Connection, DataChunk, DuckType, Prepared, QueryResult, ResultShape, StatementKind};
use crate::error::{sqlstate, PgError};
use crate::protocol::tag::command_tag;
use crate::types::{Encoder, Format};

/// Why a statement did not complete.
pub(super) enum Stop {
    Failed(PgError),
    ClientGone,
}

impl From<PgError> for Stop {
    fn from(e: PgError) -> Self {
        Stop::Failed(e)
    }
}

impl From<ClientGone> for Stop {
    fn from(_: ClientGone) -> Self {
        Stop::ClientGone
    }
}

impl From<crate::db::DbError> for Stop {
    fn from(e: crate::db::DbError) -> Self {
        Stop::Failed(e.into())
    }
}

/// What the I/O side hears about the session's progress, for `pgwire_sessions()`.
pub trait StatementObserver {
    fn statement_started(&self, text: &str);
    /// Called just before ReadyForQuery, so that a client that saw it never finds its session
    /// still listed as active.
    fn ready(&self, txn: TxnState);
}

/// Run every statement of `sql`, writing results to `out`. Returns the transaction state the
/// session is left in. The caller sends ReadyForQuery.
pub fn run_simple_query(
    conn: &Connection,
    sql: &str,
    mut txn: TxnState,
    out: &mut Output,
    observer: &dyn StatementObserver,
    state: &mut SessionState,
) -> Result<TxnState, ClientGone> {
    let statements = split_statements(sql);
    if statements.is_empty() {
        out.empty_query();
        return Ok(txn);
    }
    let keywords: Vec<Vec<String>> = statements.iter().map(|s| leading_keywords(s, 8)).collect();
    // Like PostgreSQL, a multi-statement Query outside a block is one transaction.
    let implicit =
        statements.len() > 1 && txn == TxnState::Idle && keywords.iter().all(|k| control_of(k).is_none());
    if implicit {
        state.extended.close_open_results(None);
        if let Err(e) = conn.execute("BEGIN TRANSACTION") {
            out.error(&e.into());
            return Ok(txn);
        }
    }
    let mut failed = false;
    for (i, (text, kw)) in statements.iter().zip(&keywords).enumerate() {
        if i > 0 {
            // The client sees what is done while the next statement runs. (After the last one,
            // ReadyForQuery goes out with its result, in one write.)
            out.flush()?;
        }
        observer.statement_started(text);
        // A COPY inside the implicit transaction must not open its own.
        let copy_txn = if implicit { TxnState::InBlock } else { txn };
        match run_statement(conn, text, kw, &mut txn, copy_txn, out, state) {
            Ok(()) => {}
            Err(Stop::Failed(e)) => {
                out.error(&state.extended.shown(e));
                if txn == TxnState::InBlock {
                    txn = TxnState::Failed;
                }
                failed = true;
                break;
            }
            Err(Stop::ClientGone) => {
                if implicit {
                    let _ = conn.execute("ROLLBACK");
                }
                return Err(ClientGone);
            }
        }
    }
    if implicit {
        let end = if failed { "ROLLBACK" } else { "COMMIT" };
        if let Err(e) = conn.execute(end) {
            let _ = conn.execute("ROLLBACK");
            out.error(&e.into());
        }
    }
    if txn == TxnState::Idle {
        state.extended.end_transaction_cursors();
    }
    Ok(txn)
}

fn run_statement(
    conn: &Connection,
    text: &str,
    keywords: &[String],
    txn: &mut TxnState,
    copy_txn: TxnState,
    out: &mut Output,
    state: &mut SessionState,
) -> Result<(), Stop> {
    let instead = state.extended.statement_instead(conn, text);
    let text = instead.as_deref().unwrap_or(text);
    let cursor_command = cursor::parse(text, keywords);
    if cursor_command.is_none() {
        // DuckDB runs one statement at a time: open portals and cursors give their results up.
        state.extended.close_open_results(None);
    }
    let control = match transaction_gate(conn, keywords, txn, out)? {
        Gate::Answered => return Ok(()),
        Gate::Run(control) => control,
    };
    if let Some(prepared) = state.extended.cache.get(text) {
        let prepared = prepared.lock().unwrap_or_else(|e| e.into_inner());
        state.extended.revalidate(conn, text, 0)?;
        run_client_statement(conn, &prepared, None, keywords, copy_txn, &state.extended, out)?;
        after_success(control, txn);
        return Ok(());
    }
    if let Some(command) = cursor_command {
        state.extended.cache.clear();
        return state.extended.run_cursor(conn, &command?, *txn, None, out);
    }
    if let Some(tag) = state.extended.deallocate(text, keywords) {
        out.command_complete(tag);
        return Ok(());
    }
    if let Some(discard) = super::discard::parse(keywords) {
        return state
            .extended
            .discard(conn, discard?, *txn, &mut state.settings, out);
    }
    settings::check_duckdb_setting(text)?;
    if let Some(command) = settings::parse(text) {
        state.extended.cache.clear();
        apply_setting(
            conn,
            &command,
            &mut state.settings,
            true,
            &mut state.extended.leftovers,
            state.extended.gateway.as_deref(),
            out,
        )?;
        state.extended.settings_changed(&state.settings);
        return Ok(());
    }
    match copy::parse(text)? {
        Some(Copy::Out(copy)) => return copy_out(conn, &copy, &state.extended, out),
        Some(Copy::In(copy)) => {
            let rows = copy_in::copy(conn, &copy, copy_txn, state.extended.gateway(), out)?;
            out.command_complete(format!("COPY {rows}"));
            return Ok(());
        }
        None => {}
    }
    let rewritten = state.extended.rewritten(text);
    if state.extended.gateway().is_some() || rewritten.is_some() {
        let statement = state.extended.prepare_rewritten(conn, text, rewritten)?;
        let Some(prepared) = statement.prepared else {
            out.empty_query();
            return Ok(());
        };
        state.extended.leftovers.statement(prepared.kind());
        if StatementCache::invalidated_by(prepared.kind()) {
            state.extended.cache.clear();
        }
        let view = statement.view.as_deref();
        run_client_statement(conn, &prepared, view, keywords, copy_txn, &state.extended, out)?;
        if view.is_none() && StatementCache::keeps(prepared.kind()) {
            state.extended.cache.insert(text, Arc::new(Mutex::new(prepared)));
        }
        after_success(control, txn);
        return Ok(());
    }
    let extracted = conn.extract(text)?;
    if extracted.is_empty() {
        out.empty_query();
        return Ok(());
    }
    for index in 0..extracted.len() {
        let mut prepared = extracted.prepare(index)?;
        if extracted.len() == 1 {
            super::gated::name_columns(text, &mut prepared);
        }
        crate::catalog::name_enums(conn, &mut prepared);
        state.extended.leftovers.statement(prepared.kind());
        let keep = extracted.len() == 1 && StatementCache::keeps(prepared.kind());
        if StatementCache::invalidated_by(prepared.kind()) {
            state.extended.cache.clear();
        }
        send_result(&prepared, keywords, out)?;
        if keep {
            state.extended.cache.insert(text, Arc::new(Mutex::new(prepared)));
        }
    }
    after_success(control, txn);
    Ok(())
}

/// Run a client's statement; in a workspace session, one that writes runs under the gateway's
/// fence, in a transaction of its own when none is open (`txn`), and a view it creates is
/// checked before that transaction ends.
fn run_client_statement(
    conn: &Connection,
    prepared: &Prepared,
    view: Option<&str>,
    keywords: &[String],
    txn: TxnState,
    ext: &super::extended::Extended,
    out: &mut Output,
) -> Result<(), Stop> {
    if !ext.needs_fenced_transaction(prepared.kind()) {
        return send_result(prepared, keywords, out);
    }
    if txn != TxnState::Idle {
        ext.before_running(conn, prepared.kind())?;
        send_result(prepared, keywords, out)?;
        return ext.after_running(conn, prepared.kind(), view);
    }
    ext.begin_fenced(conn)?;
    let ran =
        send_result(prepared, keywords, out).and_then(|()| ext.after_running(conn, prepared.kind(), view));
    match ran {
        Ok(()) => conn.execute("COMMIT").map_err(|e| {
            let _ = conn.execute("ROLLBACK");
            Stop::from(e)
        }),
        Err(e) => {
            let _ = conn.execute("ROLLBACK");
            Err(e)
        }
    }
}

/// Run a prepared statement and send its whole result.
fn send_result(prepared: &Prepared, keywords: &[String], out: &mut Output) -> Result<(), Stop> {
    let result = prepared.execute_streaming()?;
    let mut rows = Rows::start(result, prepared.kind(), keywords, &[])?;
    if let Some(columns) = rows.columns() {
        out.row_description(columns, &[]);
    }
    rows.send(out, None)?;
    Ok(())
}

/// Run `COPY ... TO STDOUT`: CopyOutResponse, a CopyData per row, CopyDone, `COPY n`.
pub(super) fn copy_out(
    conn: &Connection,
    copy: &CopyOut,
    ext: &super::extended::Extended,
    out: &mut Output,
) -> Result<(), Stop> {
    let prepared = ext
        .prepare_client(conn, &copy.query)?
        .prepared
        .ok_or_else(|| Stop::Failed(PgError::new(sqlstate::SYNTAX_ERROR, "COPY needs a query")))?;
    let mut result = prepared.execute_streaming()?;
    let columns: Vec<_> = (0..result.column_count())
        .map(|c| (result.column_name(c), result.column_type(c)))
        .collect();
    let format = if copy.format == CopyFormat::Binary {
        Format::Binary
    } else {
        Format::Text
    };
    let encoders = columns
        .iter()
        .map(|(_, ty)| Encoder::new(ty, format))
        .collect::<Result<Vec<_>, _>>()?;
    out.copy_out_response(format == Format::Binary, columns.len());
    if copy.header {
        let names: Vec<String> = columns.iter().map(|(n, _)| n.clone()).collect();
        out.copy_data(&copy.header_line(&names))?;
    }
    // Binary COPY's file header: signature, flags, header extension length.
    const BINARY_HEADER: &[u8] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";
    let mut header = (format == Format::Binary).then_some(BINARY_HEADER);
    let mut rows = 0u64;
    while let Some(chunk) = result.next_chunk()? {
        out.copy_rows(&chunk, &encoders, copy, &mut header)?;
        rows += chunk.len() as u64;
    }
    if format == Format::Binary {
        let mut trailer = header.unwrap_or_default().to_vec();
        trailer.extend_from_slice(&(-1i16).to_be_bytes());
        out.copy_data(&trailer)?;
    }
    out.copy_done();
    out.command_complete(format!("COPY {rows}"));
    Ok(())
}

/// Answer SET/RESET/SHOW of one of our PostgreSQL parameters.
/// `describe`: send SHOW's RowDescription (the simple protocol); in the extended protocol
/// Describe has already sent it.
pub(super) fn apply_setting(
    conn: &Connection,
    command: &Command,
    settings: &mut Settings,
    describe: bool,
    leftovers: &mut Leftovers,
    gateway: Option<&crate::policy::Gateway>,
    out: &mut Output,
) -> Result<(), Stop> {
    // A workspace's search_path is checked as the DuckDB statement it becomes (its own
    // schemas only), before the session keeps it.
    if let (Some(gateway), Command::Set("search_path", Some(value))) = (gateway, command) {
        let statement = settings::duckdb_search_path(value);
        gateway.prepare(conn, &statement, &statement)?;
    }
    let effects = apply_setting_quietly(conn, command, settings, leftovers, out)?;
    match (&effects.show, command) {
        (Some((name, value)), _) => {
            if describe {
                out.row_description(&[(name.clone(), DuckType::Varchar)], &[]);
            }
            out.text_row(&[value]);
            let tag = match command {
                Command::SetConfig(..) => "SELECT 1",
                _ => "SHOW",
            };
            out.command_complete(tag.into());
        }
        (None, Command::Reset(_) | Command::ResetAll) => out.command_complete("RESET".into()),
        (None, Command::Notification(tag)) => out.command_complete(tag.to_string()),
        (None, _) => out.command_complete("SET".into()),
    }
    Ok(())
}

/// A SET/RESET's work without its reply: the session's store, the DuckDB settings it maps to,
/// ParameterStatus for what changed (RESET ALL inside DISCARD ALL replies as DISCARD ALL).
pub(super) fn apply_setting_quietly(
    conn: &Connection,
    command: &Command,
    settings: &mut Settings,
    leftovers: &mut Leftovers,
    out: &mut Output,
) -> Result<settings::Effects, Stop> {
    let effects = settings.apply(command)?;
    for (name, sql) in &effects.duckdb {
        match conn.execute(sql) {
            Ok(()) => leftovers.setting(name),
            // DuckDB before 2.0 has no statement timeout: say so rather than fail the SET
            // that drivers send on their own (JDBC's setQueryTimeout, ...).
            Err(_) if *name == "max_execution_time" => out.warning(
                "01000",
                "statement_timeout is kept but not enforced: this DuckDB has no max_execution_time (2.0 has)",
            ),
            Err(e) => return Err(e.into()),
        }
    }
    for (name, value) in &effects.report {
        out.parameter_status(name, value);
    }
    out.set_style(settings.style().clone());
    Ok(effects)
}

/// Result columns (name, type) and one encoder per column.
type RowShape = (Vec<(String, DuckType)>, Vec<Encoder>);

/// A statement's result on its way to the client, possibly in several Executes (a portal with a
/// row limit keeps it between them).
pub(super) struct Rows {
    result: QueryResult,
    kind: StatementKind,
    keywords: Vec<String>,
    /// Columns and their encoders, when the statement returns rows.
    shape: Option<RowShape>,
    /// A chunk not yet fully sent, and the next row to send from it.
    pending: Option<(DataChunk, usize)>,
    sent: u64,
}

impl Rows {
    /// `formats`: Bind's result format codes (empty: text).
    pub(super) fn start(
        mut result: QueryResult,
        kind: StatementKind,
        keywords: &[String],
        formats: &[i16],
    ) -> Result<Rows, Stop> {
        let shape = match result.shape() {
            ResultShape::Rows => {
                let columns: Vec<_> = (0..result.column_count())
                    .map(|c| (result.column_name(c), result.column_type(c)))
                    .collect();
                let encoders = columns
                    .iter()
                    .enumerate()
                    .map(|(i, (_, ty))| Encoder::new(ty, Format::for_column(formats, i)))
                    .collect::<Result<Vec<_>, _>>()?;
                Some((columns, encoders))
            }
            _ => None,
        };
        Ok(Rows {
            result,
            kind,
            keywords: keywords.to_vec(),
            shape,
            pending: None,
            sent: 0,
        })
    }

    pub(super) fn columns(&self) -> Option<&[(String, DuckType)]> {
        self.shape.as_ref().map(|(c, _)| c.as_slice())
    }

    /// Encode the columns in these formats from now on (a cursor's FETCH chooses its own).
    pub(super) fn set_formats(&mut self, formats: &[i16]) -> Result<(), Stop> {
        if let Some((columns, encoders)) = &mut self.shape {
            *encoders = columns
                .iter()
                .enumerate()
                .map(|(i, (_, ty))| Encoder::new(ty, Format::for_column(formats, i)))
                .collect::<Result<Vec<_>, _>>()?;
        }
        Ok(())
    }

    /// Send up to `limit` rows (all when `None`). Returns true when the result is complete, in
    /// which case CommandComplete was sent too; false when the limit stopped it.
    pub(super) fn send(&mut self, out: &mut Output, limit: Option<u64>) -> Result<bool, Stop> {
        if self.shape.is_none() {
            let count = changed_rows(&mut self.result)?;
            out.command_complete(command_tag(self.kind, &self.keywords, count));
            return Ok(true);
        }
        let (_, complete) = self.send_rows(out, limit)?;
        if complete {
            out.command_complete(command_tag(self.kind, &self.keywords, self.sent));
        }
        Ok(complete)
    }

    /// Send up to `limit` rows as DataRows. Returns how many, and whether the result is complete.
    pub(super) fn send_rows(&mut self, out: &mut Output, limit: Option<u64>) -> Result<(u64, bool), Stop> {
        let mut sent = 0;
        let complete = self.advance(limit.unwrap_or(u64::MAX), |chunk, start, end, encoders| {
            sent += (end - start) as u64;
            out.data_rows(chunk, start, end, encoders).map_err(Stop::from)
        })?;
        self.sent += sent;
        Ok((sent, complete))
    }

    /// Pass over up to `count` rows without sending them. Returns how many there were.
    pub(super) fn skip(&mut self, count: u64) -> Result<u64, Stop> {
        let mut skipped = 0;
        self.advance(count, |_, start, end, _| {
            skipped += (end - start) as u64;
            Ok(())
        })?;
        Ok(skipped)
    }

    /// Hand up to `budget` rows, a chunk's range at a time, to `each`. Returns true when the
    /// result has no rows left.
    fn advance(
        &mut self,
        mut budget: u64,
        mut each: impl FnMut(&DataChunk, usize, usize, &[Encoder]) -> Result<(), Stop>,
    ) -> Result<bool, Stop> {
        let Some((_, encoders)) = &self.shape else {
            return Ok(true);
        };
        loop {
            let (chunk, start) = match self.pending.take() {
                Some(p) => p,
                None => match self.result.next_chunk()? {
                    Some(chunk) => (chunk, 0),
                    None => return Ok(true),
                },
            };
            if budget == 0 {
                self.pending = Some((chunk, start));
                return Ok(false);
            }
            let end = chunk
                .len()
                .min(start.saturating_add(budget.min(usize::MAX as u64) as usize));
            each(&chunk, start, end, encoders)?;
            budget -= (end - start) as u64;
            if end < chunk.len() {
                self.pending = Some((chunk, end));
            }
        }
    }
}

/// The row count of an INSERT/UPDATE/DELETE: DuckDB returns it as a one-row "Count" result.
fn changed_rows(result: &mut QueryResult) -> Result<u64, Stop> {
    let mut count = None;
    let is_count = result.column_count() == 1 && result.column_type(0) == crate::db::DuckType::BigInt;
    while let Some(chunk) = result.next_chunk()? {
        if count.is_none() && is_count && !chunk.is_empty() {
            let v = chunk.vector(0);
            if v.is_valid(0) {
                count = Some(v.values::<i64>()[0] as u64);
            }
        }
    }
    Ok(count.unwrap_or_else(|| result.rows_changed()))
}
