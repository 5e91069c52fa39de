//! The extended query protocol: named statements and portals.
//!
//! The I/O side gathers the messages a client sent together (up to a Sync or Flush) and hands
//! them over as one batch, run here on the session's connection. After an error the rest of the
//! batch is skipped until Sync, as the protocol requires. Like PostgreSQL, the statements between
//! two Syncs that change data form one implicit transaction.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use pgwire_proto::messages::extendedquery::{
    Bind, Close, Describe, Execute, Parse, TARGET_TYPE_BYTE_PORTAL, TARGET_TYPE_BYTE_STATEMENT,
};
use pgwire_proto::messages::PgWireFrontendMessage;

use super::copy::{self, Copy};
use super::copy_in;
use super::cursor::{self, CursorCommand};
use super::executor::{
    after_success, apply_setting, copy_out, transaction_gate, Control, Gate, Rows, StatementObserver, Stop,
};
use super::gated;
use super::leftovers::Leftovers;
use super::output::{ClientGone, Output};
use super::portal::{Own, Portal, Statement};
use super::settings::{self, Command, Settings};
use super::sql_text::leading_keywords;
use super::statement_cache::StatementCache;
use super::TxnState;
use crate::db::{Connection, DuckType, StatementKind};
use crate::error::{sqlstate, PgError};
use crate::types::Format;

/// Statements and portals of one session.
#[derive(Default)]
pub struct Extended {
    pub(super) statements: HashMap<String, Arc<Statement>>,
    /// Portals, and the cursors DECLARE opened (PostgreSQL's cursors are portals too).
    pub(super) portals: HashMap<String, Portal>,
    /// Temporary tables made for WITH HOLD cursors so far, to name the next one.
    pub(super) cursor_tables: u64,
    /// An error happened: skip messages until Sync.
    skipping: bool,
    /// We opened a transaction for the statements before the next Sync.
    implicit: bool,
    /// Statements prepared before, by their text (both protocols).
    pub(super) cache: StatementCache,
    /// What the session's statements may have left on the connection.
    pub leftovers: Leftovers,
    /// A workspace session's isolation gateway (`gated`); `None` for an owner.
    pub(super) gateway: Option<std::sync::Arc<crate::policy::Gateway>>,
    /// Who the session is, for the functions that answer with it (`catalog::Facts`).
    pub(super) identity: Identity,
}

/// The session's user and id (PostgreSQL's backend pid: the id in pgwire_sessions()), and its
/// parameters' values as they stand (for `current_setting`; kept by [`Extended::settings_changed`]).
#[derive(Default, Clone)]
pub struct Identity {
    pub user: String,
    pub pid: i32,
    pub settings: std::collections::BTreeMap<&'static str, String>,
    /// The database the session started in.
    pub database: String,
}

fn no_statement(name: &str) -> Stop {
    Stop::Failed(PgError::new(
        "26000",
        format!("prepared statement \"{name}\" does not exist"),
    ))
}

fn no_portal(name: &str) -> Stop {
    Stop::Failed(PgError::new("34000", format!("portal \"{name}\" does not exist")))
}

fn protocol_error(message: impl Into<String>) -> PgError {
    PgError::new(sqlstate::PROTOCOL_VIOLATION, message)
}

impl Extended {
    /// Close every suspended portal's open result except `keep`'s. DuckDB runs one result per
    /// connection at a time, so nothing else can start while one is open; a later Execute of a
    /// portal closed here reports it.
    pub fn close_open_results(&mut self, keep: Option<&str>) {
        for (name, portal) in self.portals.iter_mut() {
            if portal.rows.is_some() && Some(name.as_str()) != keep {
                portal.rows = None;
                portal.interrupted = true;
            }
        }
    }

    /// Run a batch of extended-protocol messages. Returns the transaction state after it.
    pub fn run_batch(
        &mut self,
        conn: &Connection,
        batch: Vec<PgWireFrontendMessage>,
        mut txn: TxnState,
        settings: &mut Settings,
        observer: &dyn StatementObserver,
        out: &mut Output,
    ) -> Result<TxnState, ClientGone> {
        for message in batch {
            // The client sent the rest of the batch before the COPY data: PostgreSQL, reading
            // it in copy-in mode, ignores the Sync and Flush among it.
            if out.copied_in()
                && matches!(
                    message,
                    PgWireFrontendMessage::Sync(_) | PgWireFrontendMessage::Flush(_)
                )
            {
                continue;
            }
            if let PgWireFrontendMessage::Sync(_) = message {
                self.sync(conn, &mut txn, out);
                observer.ready(txn);
                out.ready_for_query(txn.status());
                out.flush()?;
                continue;
            }
            if let PgWireFrontendMessage::Flush(_) = message {
                out.flush()?;
                continue;
            }
            if self.skipping {
                continue;
            }
            let outcome = match message {
                PgWireFrontendMessage::Parse(m) => self.parse(conn, m, out),
                PgWireFrontendMessage::Bind(m) => self.bind(m, out),
                PgWireFrontendMessage::Describe(m) => self.describe(conn, m, &mut txn, settings, out),
                PgWireFrontendMessage::Execute(m) => self.execute(conn, m, &mut txn, settings, out),
                PgWireFrontendMessage::Close(m) => self.close(m, out),
                _ => Err(Stop::Failed(protocol_error(
                    "unexpected message in the extended query protocol",
                ))),
            };
            match outcome {
                Ok(()) => {}
                Err(Stop::ClientGone) => return Err(ClientGone),
                Err(Stop::Failed(e)) => {
                    out.error(&self.shown(e));
                    self.skipping = true;
                    if txn == TxnState::InBlock {
                        txn = TxnState::Failed;
                    }
                }
            }
        }
        Ok(txn)
    }

    fn sync(&mut self, conn: &Connection, txn: &mut TxnState, out: &mut Output) {
        if self.implicit {
            self.close_open_results(None);
            self.implicit = false;
            let end = if self.skipping { "ROLLBACK" } else { "COMMIT" };
            if let Err(e) = conn.execute(end) {
                let _ = conn.execute("ROLLBACK");
                if !self.skipping {
                    out.error(&e.into());
                }
            }
        }
        self.skipping = false;
        // Portals live until the end of the transaction; outside one, until Sync. Cursors
        // WITH HOLD live until they are closed.
        if *txn == TxnState::Idle {
            self.end_transaction_cursors();
        }
    }

    fn parse(&mut self, conn: &Connection, m: Parse, out: &mut Output) -> Result<(), Stop> {
        let name = m.name.unwrap_or_default();
        if !name.is_empty() && self.statements.contains_key(&name) {
            return Err(Stop::Failed(PgError::new(
                "42P05",
                format!("prepared statement \"{name}\" already exists"),
            )));
        }
        let keywords = leading_keywords(&m.query, 8);
        settings::check_duckdb_setting(&m.query)?;
        if let Some(command) = settings::parse(&m.query) {
            let columns = match &command {
                Command::Show(name) => Some(vec![(name.to_string(), DuckType::Varchar)]),
                Command::SetConfig(..) => Some(vec![("set_config".to_string(), DuckType::Varchar)]),
                _ => None,
            };
            let statement = Statement {
                prepared: None,
                kind: StatementKind::Set,
                keywords,
                declared: Vec::new(),
                inferred: Vec::new(),
                columns,
                own: Some(Own::Setting(command)),
                view: None,
                checked_sql: None,
            };
            self.statements.insert(name, Arc::new(statement));
            out.parse_complete();
            return Ok(());
        }
        if let Some(discard) = super::discard::parse(&keywords) {
            let mut statement = Statement::prepared(None, keywords, Vec::new())?;
            statement.kind = StatementKind::Set;
            statement.own = Some(Own::Discard(discard?));
            self.statements.insert(name, Arc::new(statement));
            out.parse_complete();
            return Ok(());
        }
        if let Some(copy) = copy::parse(&m.query)? {
            let mut statement = Statement::prepared(None, keywords, Vec::new())?;
            statement.kind = StatementKind::Copy;
            statement.own = Some(Own::Copy(copy));
            self.statements.insert(name, Arc::new(statement));
            out.parse_complete();
            return Ok(());
        }
        if let Some(command) = cursor::parse(&m.query, &keywords) {
            let mut command = command?;
            let columns = command
                .fetched_cursor()
                .and_then(|name| self.cursor_columns(name));
            // DECLARE's query is prepared now, so that Bind can give it parameters.
            let mut checked_sql = None;
            let prepared = match &mut command {
                CursorCommand::Declare(declare) => {
                    self.close_open_results(None);
                    let source = self.declare_source(declare);
                    let prepared = self
                        .prepare_client(conn, &source)?
                        .prepared
                        .map(|p| Arc::new(Mutex::new(p)));
                    checked_sql = self.gateway.is_some().then_some(source);
                    prepared
                }
                _ => None,
            };
            let mut statement = Statement::prepared(prepared, keywords, m.type_oids)?;
            statement.checked_sql = checked_sql;
            // Never wrapped in an implicit transaction: DECLARE decides for itself.
            statement.kind = StatementKind::Select;
            statement.columns = columns;
            statement.own = Some(Own::Cursor(command));
            self.statements.insert(name, Arc::new(statement));
            out.parse_complete();
            return Ok(());
        }
        // DuckDB prepares nothing while a result is open.
        self.close_open_results(None);
        let mut view = None;
        let prepared = match self.cache.get(&m.query) {
            Some(kept) => Some(kept),
            None => {
                let statement = self.prepare_client(conn, &m.query)?;
                view = statement.view;
                let prepared = statement.prepared.map(|p| Arc::new(Mutex::new(p)));
                if let Some(p) = &prepared {
                    if view.is_none()
                        && StatementCache::keeps(p.lock().unwrap_or_else(|e| e.into_inner()).kind())
                    {
                        self.cache.insert(&m.query, Arc::clone(p));
                    }
                }
                prepared
            }
        };
        let mut statement = Statement::prepared(prepared, keywords, m.type_oids)?;
        statement.view = view;
        statement.checked_sql = self.gateway.is_some().then(|| m.query.clone());
        self.statements.insert(name, Arc::new(statement));
        out.parse_complete();
        Ok(())
    }

    fn bind(&mut self, m: Bind, out: &mut Output) -> Result<(), Stop> {
        let statement_name = m.statement_name.unwrap_or_default();
        let statement = self
            .statements
            .get(&statement_name)
            .cloned()
            .ok_or_else(|| no_statement(&statement_name))?;
        let expected = statement.declared.len();
        if m.parameters.len() != expected {
            return Err(Stop::Failed(protocol_error(format!(
                "bind message supplies {} parameters, but prepared statement \"{statement_name}\" requires {expected}",
                m.parameters.len()
            ))));
        }
        if !matches!(m.parameter_format_codes.len(), 0 | 1) && m.parameter_format_codes.len() != expected {
            return Err(Stop::Failed(protocol_error(format!(
                "bind message has {} parameter formats but {expected} parameters",
                m.parameter_format_codes.len()
            ))));
        }
        if let Some(bad) = m
            .result_column_format_codes
            .iter()
            .chain(&m.parameter_format_codes)
            .find(|&&f| f != 0 && f != 1)
        {
            return Err(Stop::Failed(protocol_error(format!(
                "unsupported format code: {bad}"
            ))));
        }
        if let Some(columns) = &statement.columns {
            let codes = &m.result_column_format_codes;
            if codes.len() > 1 && codes.len() != columns.len() && !statement.unresolved() {
                return Err(Stop::Failed(protocol_error(format!(
                    "bind message has {} result formats but query has {} columns",
                    codes.len(),
                    columns.len()
                ))));
            }
        }
        let portal_name = m.portal_name.unwrap_or_default();
        if self.portals.get(&portal_name).is_some_and(|p| p.cursor.is_some()) {
            return Err(Stop::Failed(PgError::new(
                "42P03",
                format!("cursor \"{portal_name}\" already exists"),
            )));
        }
        self.portals.insert(
            portal_name,
            Portal::new(
                statement,
                m.parameters,
                m.parameter_format_codes,
                m.result_column_format_codes,
            ),
        );
        out.bind_complete();
        Ok(())
    }

    fn describe(
        &mut self,
        conn: &Connection,
        m: Describe,
        txn: &mut TxnState,
        settings: &mut Settings,
        out: &mut Output,
    ) -> Result<(), Stop> {
        let name = m.name.unwrap_or_default();
        let (statement, formats) = match m.target_type {
            TARGET_TYPE_BYTE_STATEMENT => {
                let s = self.statements.get(&name).ok_or_else(|| no_statement(&name))?;
                out.parameter_description(&s.parameter_oids());
                (Arc::clone(s), Vec::new())
            }
            TARGET_TYPE_BYTE_PORTAL => {
                let p = self.portals.get(&name).ok_or_else(|| no_portal(&name))?;
                if p.statement.unresolved() {
                    // DuckDB knows the result types only once the parameters are bound and the
                    // statement runs: start it now, describe the result, and let Execute send it.
                    let formats = p.result_formats.clone();
                    let rows = self.start_portal(conn, &name, txn, settings, true, out)?;
                    match rows.and_then(|r| r.columns().map(<[_]>::to_vec)) {
                        Some(columns) => out.row_description(&columns, &formats),
                        None => out.no_data(),
                    }
                    return Ok(());
                }
                (Arc::clone(&p.statement), p.result_formats.clone())
            }
            _ => return Err(Stop::Failed(protocol_error("invalid DESCRIBE message subtype"))),
        };
        match &statement.columns {
            Some(columns) => out.row_description(columns, &formats),
            None => out.no_data(),
        }
        Ok(())
    }

    fn close(&mut self, m: Close, out: &mut Output) -> Result<(), Stop> {
        let name = m.name.unwrap_or_default();
        match m.target_type {
            TARGET_TYPE_BYTE_STATEMENT => {
                self.statements.remove(&name);
            }
            TARGET_TYPE_BYTE_PORTAL => {
                self.portals.remove(&name);
            }
            _ => return Err(Stop::Failed(protocol_error("invalid CLOSE message subtype"))),
        }
        out.close_complete();
        Ok(())
    }

    /// `DEALLOCATE [PREPARE] { name | ALL }` of statements the client prepared with Parse (in
    /// PostgreSQL they share one namespace with PREPARE's). `None`: not one of ours (an owner's
    /// SQL-level PREPARE, which DuckDB deallocates itself).
    pub(super) fn deallocate(&mut self, sql: &str, keywords: &[String]) -> Option<String> {
        if keywords.first().map(String::as_str) != Some("DEALLOCATE") {
            return None;
        }
        let spans = super::sql_text::keyword_spans(sql, 2);
        let mut rest = &sql[spans.first()?.1..];
        if keywords.get(1).map(String::as_str) == Some("PREPARE") {
            rest = &sql[spans.get(1)?.1..];
        }
        let name = rest.trim().trim_end_matches(';').trim();
        if name.eq_ignore_ascii_case("ALL") {
            self.statements.retain(|name, _| name.is_empty());
            return Some("DEALLOCATE ALL".into());
        }
        let name = match name.strip_prefix('"').and_then(|n| n.strip_suffix('"')) {
            Some(quoted) => quoted.replace("\"\"", "\""),
            None => name.to_ascii_lowercase(),
        };
        self.statements.remove(&name).map(|_| "DEALLOCATE".into())
    }

    /// Bind a portal's parameters and start its statement (once). Returns its rows, if the
    /// statement is running; `None` when it completed here (transaction control, empty query).
    /// `described`: the client is about to learn the result's real types (Describe of the portal).
    fn start_portal(
        &mut self,
        conn: &Connection,
        name: &str,
        txn: &mut TxnState,
        settings: &mut Settings,
        described: bool,
        out: &mut Output,
    ) -> Result<Option<&Rows>, Stop> {
        let gateway = self.gateway.clone();
        let starting = self
            .portals
            .get(name)
            .is_some_and(|p| p.rows.is_none() && !p.done && !p.interrupted);
        if starting {
            self.close_open_results(Some(name));
        }
        let portal = self.portals.get_mut(name).ok_or_else(|| no_portal(name))?;
        if portal.interrupted {
            return Err(Stop::Failed(PgError::new(
                "55000",
                format!("portal \"{name}\" was closed: another statement ran before it was fetched to the end"),
            )
            .with_hint("DuckDB keeps one open result per connection; fetch a portal completely before running another statement.")));
        }
        if portal.rows.is_some() || portal.done {
            return Ok(portal.rows.as_ref());
        }
        let statement = Arc::clone(&portal.statement);
        if statement.own.is_some() || StatementCache::invalidated_by(statement.kind) {
            self.cache.clear();
        }
        if statement.own.is_none() {
            self.leftovers.statement(statement.kind);
        }
        let control = match transaction_gate(conn, &statement.keywords, txn, out)? {
            Gate::Answered => {
                portal.done = true;
                return Ok(None);
            }
            Gate::Run(control) => control,
        };
        if let Some(Own::Setting(command)) = &statement.own {
            portal.done = true;
            apply_setting(
                conn,
                command,
                settings,
                false,
                &mut self.leftovers,
                self.gateway.as_deref(),
                out,
            )?;
            self.identity.settings = settings.values();
            return Ok(None);
        }
        let Some(prepared) = &statement.prepared else {
            out.empty_query();
            portal.done = true;
            return Ok(None);
        };
        if control.is_some() && self.implicit {
            // BEGIN turns the implicit transaction into the block; COMMIT/ROLLBACK end it.
            self.implicit = false;
            if control == Some(Control::Begin) {
                *txn = TxnState::InBlock;
                out.command_complete("BEGIN".into());
                portal.done = true;
                return Ok(None);
            }
        }
        if control.is_none()
            && *txn == TxnState::Idle
            && !self.implicit
            && statement.kind != StatementKind::Select
        {
            conn.execute("BEGIN TRANSACTION")?;
            self.implicit = true;
        }
        let prepared = prepared.lock().unwrap_or_else(|e| e.into_inner());
        portal.bind_parameters(&prepared)?;
        // A workspace's writes run under the gateway's fence (in the implicit transaction
        // opened above, or the client's block).
        if let Some(sql) = &statement.checked_sql {
            gated::revalidate(
                gateway.as_deref(),
                &self.identity,
                conn,
                sql,
                prepared.param_count(),
            )?;
        }
        gated::before_running(gateway.as_deref(), conn, statement.kind)?;
        let result = prepared.execute_streaming()?;
        gated::after_running(
            gateway.as_deref(),
            conn,
            statement.kind,
            statement.view.as_deref(),
        )?;
        after_success(control, txn);
        let formats = match (&statement.columns, described) {
            // The client was told "text" for what DuckDB could not type before binding (Describe
            // of the statement): send those columns as text, whatever format Bind asked for.
            (Some(columns), false) if statement.unresolved() => columns
                .iter()
                .enumerate()
                .map(|(i, (_, ty))| match ty {
                    DuckType::Unresolved => 0,
                    _ => (Format::for_column(&portal.result_formats, i) == Format::Binary) as i16,
                })
                .collect(),
            _ => portal.result_formats.clone(),
        };
        portal.rows = Some(Rows::start(
            result,
            statement.kind,
            &statement.keywords,
            &formats,
        )?);
        Ok(portal.rows.as_ref())
    }

    fn execute(
        &mut self,
        conn: &Connection,
        m: Execute,
        txn: &mut TxnState,
        settings: &mut Settings,
        out: &mut Output,
    ) -> Result<(), Stop> {
        let name = m.name.unwrap_or_default();
        let limit = (m.max_rows > 0).then_some(m.max_rows as u64);
        let already_done = self.portals.get(&name).is_some_and(|p| p.done);
        if already_done {
            // Executing a completed portal again returns nothing more.
            let p = &self.portals[&name];
            out.command_complete(crate::protocol::tag::command_tag(
                p.statement.kind,
                &p.statement.keywords,
                0,
            ));
            return Ok(());
        }
        let own_command = self.portals.get(&name).and_then(|p| {
            let command = p.statement.own.clone()?;
            let formats = p.result_formats.clone();
            (!matches!(command, Own::Setting(_))).then(|| (command, formats, Arc::clone(&p.statement)))
        });
        if let Some((command, formats, statement)) = own_command {
            self.cache.clear();
            if let Gate::Run(_) = transaction_gate(conn, &statement.keywords, txn, out)? {
                match (&command, &statement.prepared) {
                    (Own::Cursor(CursorCommand::Declare(declare)), Some(prepared)) => {
                        let prepared = prepared.lock().unwrap_or_else(|e| e.into_inner());
                        if let Some(sql) = &statement.checked_sql {
                            self.revalidate(conn, sql, prepared.param_count())?;
                        }
                        self.portals[&name].bind_parameters(&prepared)?;
                        self.open_cursor(conn, declare, &prepared, *txn, out)?;
                    }
                    (Own::Cursor(command), _) => self.run_cursor(conn, command, *txn, Some(&formats), out)?,
                    (Own::Copy(Copy::Out(copy)), _) => {
                        self.close_open_results(None);
                        copy_out(conn, copy, self, out)?;
                    }
                    (Own::Copy(Copy::In(copy)), _) => {
                        self.close_open_results(None);
                        // Inside the implicit transaction, the COPY must not open its own.
                        let copy_txn = if self.implicit { TxnState::InBlock } else { *txn };
                        let rows = copy_in::copy(conn, copy, copy_txn, self.gateway(), out)?;
                        out.command_complete(format!("COPY {rows}"));
                    }
                    (Own::Discard(what), _) => self.discard(conn, *what, *txn, settings, out)?,
                    (Own::Setting(_), _) => unreachable!("answered by start_portal"),
                }
            }
            if let Some(portal) = self.portals.get_mut(&name) {
                portal.done = true;
            }
            return Ok(());
        }
        if self
            .start_portal(conn, &name, txn, settings, false, out)?
            .is_none()
        {
            return Ok(());
        }
        let portal = self.portals.get_mut(&name).expect("started above");
        let rows = portal.rows.as_mut().expect("started above");
        if rows.send(out, limit)? {
            portal.rows = None;
            portal.done = true;
        } else {
            out.portal_suspended();
        }
        Ok(())
    }
}
