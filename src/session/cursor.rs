//! SQL cursors: `DECLARE name CURSOR FOR query`, `FETCH`, `MOVE`, `CLOSE`, which DuckDB lacks.
//!
//! A cursor is a portal with a name the client chose (as in PostgreSQL, where Describe of that
//! portal works too), so it lives with the extended protocol's portals in [`Extended`]. It reads
//! forward only. A cursor WITHOUT HOLD streams its query's result and ends with the transaction;
//! DuckDB keeps one open result per connection, so running another statement before the cursor
//! is read to the end closes it (55000 on the next FETCH). A cursor WITH HOLD outlives its
//! transaction, as PostgreSQL's does, by materialising its rows at DECLARE into a temporary table
//! (DuckDB spills it to disk as needed); it resumes after other statements from where it was.

use std::sync::Arc;

use super::executor::{Rows, Stop};
use super::extended::Extended;
use super::output::Output;
use super::portal::{returns_rows, Portal, Statement};
use super::sql_text::{keyword_spans, leading_keywords};
use super::TxnState;
use crate::db::{Connection, Prepared, StatementKind};
use crate::error::{sqlstate, PgError};
use crate::internal_sql::quote_ident;

const INVALID_CURSOR_NAME: &str = "34000";
const DUPLICATE_CURSOR: &str = "42P03";
const INVALID_CURSOR_DEFINITION: &str = "42P11";
const OBJECT_NOT_IN_PREREQUISITE_STATE: &str = "55000";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CursorCommand {
    Declare(Declare),
    /// FETCH, or MOVE when `move_only`.
    Fetch(Fetch),
    /// CLOSE name; `None` for CLOSE ALL.
    Close(Option<String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declare {
    pub name: String,
    pub binary: bool,
    pub hold: bool,
    pub query: String,
    /// The temporary table a WITH HOLD cursor's rows go to, named when the DECLARE is prepared.
    pub table: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetch {
    pub name: String,
    pub direction: Direction,
    pub move_only: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// NEXT, FORWARD, n, FORWARD n.
    Forward(i64),
    /// ALL, FORWARD ALL.
    All,
    First,
    Absolute(i64),
    Relative(i64),
    /// PRIOR, LAST, BACKWARD …: a forward-only cursor refuses them.
    Backward,
}

impl CursorCommand {
    /// The cursor a FETCH or MOVE reads, for describing its result at Parse.
    pub fn fetched_cursor(&self) -> Option<&str> {
        match self {
            CursorCommand::Fetch(f) if !f.move_only => Some(&f.name),
            _ => None,
        }
    }
}

/// A word of a cursor statement: unquoted words are folded (upper case for keywords, lower
/// case for names, as PostgreSQL folds identifiers).
struct Word<'a> {
    raw: &'a str,
    quoted: Option<String>,
    end: usize,
}

impl Word<'_> {
    fn keyword(&self) -> Option<String> {
        self.quoted.is_none().then(|| self.raw.to_ascii_uppercase())
    }

    fn name(&self) -> String {
        self.quoted
            .clone()
            .unwrap_or_else(|| self.raw.to_ascii_lowercase())
    }

    fn number(&self) -> Option<i64> {
        self.quoted.is_none().then(|| self.raw.parse().ok()).flatten()
    }
}

/// The next word of `sql` from byte `at`, skipping whitespace: an identifier, a quoted
/// identifier, or a signed number.
fn next_word(sql: &str, at: usize) -> Option<Word<'_>> {
    let b = sql.as_bytes();
    let mut i = at;
    while i < b.len() && b[i].is_ascii_whitespace() {
        i += 1;
    }
    let start = i;
    if i >= b.len() {
        return None;
    }
    if b[i] == b'"' {
        let mut name = String::new();
        let mut j = i + 1;
        loop {
            let close = sql[j..].find('"')? + j;
            name.push_str(&sql[j..close]);
            if b.get(close + 1) == Some(&b'"') {
                name.push('"');
                j = close + 2;
            } else {
                return Some(Word {
                    raw: &sql[start..=close],
                    quoted: Some(name),
                    end: close + 1,
                });
            }
        }
    }
    if b[i] == b'-' || b[i] == b'+' {
        i += 1;
    }
    while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] >= 0x80) {
        i += 1;
    }
    (i > start).then(|| Word {
        raw: &sql[start..i],
        quoted: None,
        end: i,
    })
}

fn syntax(message: impl Into<String>) -> PgError {
    PgError::new(sqlstate::SYNTAX_ERROR, message)
}

/// Recognise DECLARE … CURSOR, FETCH, MOVE and CLOSE; `None` for any other statement.
/// `keywords`: the statement's leading keywords, as `leading_keywords` gives them.
pub fn parse(sql: &str, keywords: &[String]) -> Option<Result<CursorCommand, PgError>> {
    let parsed = match keywords.first().map(String::as_str)? {
        "DECLARE" => parse_declare(sql),
        "FETCH" => parse_fetch(sql, false),
        "MOVE" => parse_fetch(sql, true),
        "CLOSE" => parse_close(sql),
        _ => return None,
    };
    Some(parsed)
}

/// The words of `sql` after its first keyword, up to the end (or, for DECLARE, up to FOR).
fn words_after_verb(sql: &str) -> Vec<Word<'_>> {
    let mut at = keyword_spans(sql, 1).first().map_or(0, |&(_, end)| end);
    let mut words = Vec::new();
    while let Some(word) = next_word(sql, at) {
        at = word.end;
        let is_for = word.keyword().as_deref() == Some("FOR");
        words.push(word);
        if is_for {
            break;
        }
    }
    words
}

fn rest_is_empty(sql: &str, at: usize) -> bool {
    sql[at..].trim().trim_end_matches(';').trim().is_empty()
}

fn parse_declare(sql: &str) -> Result<CursorCommand, PgError> {
    let words = words_after_verb(sql);
    let Some((name_word, options)) = words.split_first() else {
        return Err(syntax("syntax error at end of input"));
    };
    let mut binary = false;
    let mut hold = false;
    let mut query_at = None;
    let mut i = 0;
    while i < options.len() {
        let keyword = options[i].keyword().unwrap_or_default();
        match keyword.as_str() {
            "BINARY" => binary = true,
            "ASENSITIVE" | "INSENSITIVE" | "CURSOR" => {}
            "NO" if options.get(i + 1).and_then(Word::keyword).as_deref() == Some("SCROLL") => i += 1,
            "SCROLL" => {
                return Err(PgError::new(
                    sqlstate::FEATURE_NOT_SUPPORTED,
                    "scrollable cursors are not supported",
                )
                .with_hint("pgwire's cursors read forward only; declare the cursor NO SCROLL."))
            }
            "WITH" | "WITHOUT" if options.get(i + 1).and_then(Word::keyword).as_deref() == Some("HOLD") => {
                hold = keyword == "WITH";
                i += 1;
            }
            "FOR" => {
                query_at = Some(options[i].end);
                break;
            }
            _ => return Err(syntax(format!("syntax error at or near \"{}\"", options[i].raw))),
        }
        i += 1;
    }
    let Some(at) = query_at else {
        return Err(syntax("DECLARE needs CURSOR FOR a query"));
    };
    let query = sql[at..].trim().trim_end_matches(';').trim().to_string();
    if query.is_empty() {
        return Err(syntax("syntax error at end of input"));
    }
    Ok(CursorCommand::Declare(Declare {
        name: name_word.name(),
        binary,
        hold,
        query,
        table: None,
    }))
}

fn parse_fetch(sql: &str, move_only: bool) -> Result<CursorCommand, PgError> {
    let words = words_after_verb(sql);
    let keyword = |i: usize| words.get(i).and_then(Word::keyword).unwrap_or_default();
    let number = |i: usize| words.get(i).and_then(Word::number);
    let (direction, used) = match (keyword(0).as_str(), number(0)) {
        (_, Some(n)) => (Direction::Forward(n), 1),
        ("NEXT", _) => (Direction::Forward(1), 1),
        ("PRIOR" | "LAST", _) => (Direction::Backward, 1),
        ("FIRST", _) => (Direction::First, 1),
        ("ALL", _) => (Direction::All, 1),
        ("ABSOLUTE", _) => (
            Direction::Absolute(number(1).ok_or_else(|| syntax("ABSOLUTE needs a count"))?),
            2,
        ),
        ("RELATIVE", _) => (
            Direction::Relative(number(1).ok_or_else(|| syntax("RELATIVE needs a count"))?),
            2,
        ),
        ("FORWARD", _) => match (keyword(1).as_str(), number(1)) {
            (_, Some(n)) => (Direction::Forward(n), 2),
            ("ALL", _) => (Direction::All, 2),
            _ => (Direction::Forward(1), 1),
        },
        ("BACKWARD", _) => (
            Direction::Backward,
            if number(1).is_some() || keyword(1) == "ALL" {
                2
            } else {
                1
            },
        ),
        _ => (Direction::Forward(1), 0),
    };
    let mut rest = &words[used.min(words.len())..];
    if matches!(
        rest.first().and_then(Word::keyword).as_deref(),
        Some("FROM" | "IN")
    ) {
        rest = &rest[1..];
    }
    match rest {
        [name] if rest_is_empty(sql, name.end) => Ok(CursorCommand::Fetch(Fetch {
            name: name.name(),
            direction,
            move_only,
        })),
        _ => Err(syntax("FETCH and MOVE need [direction] [FROM | IN] cursor_name")),
    }
}

fn parse_close(sql: &str) -> Result<CursorCommand, PgError> {
    let words = words_after_verb(sql);
    match words.as_slice() {
        [all] if all.keyword().as_deref() == Some("ALL") => Ok(CursorCommand::Close(None)),
        [name] if rest_is_empty(sql, name.end) => Ok(CursorCommand::Close(Some(name.name()))),
        _ => Err(syntax("CLOSE needs a cursor name or ALL")),
    }
}

/// What a cursor adds to its portal.
pub struct CursorState {
    hold: bool,
    /// The temporary table a WITH HOLD cursor's rows were materialised into.
    table: Option<String>,
    /// Rows read (fetched or moved over) so far.
    position: u64,
    binary: bool,
}

fn no_cursor(name: &str) -> Stop {
    Stop::Failed(PgError::new(
        INVALID_CURSOR_NAME,
        format!("cursor \"{name}\" does not exist"),
    ))
}

fn forward_only() -> Stop {
    Stop::Failed(
        PgError::new(OBJECT_NOT_IN_PREREQUISITE_STATE, "cursor can only scan forward")
            .with_hint("pgwire's cursors read forward only."),
    )
}

impl Extended {
    /// Run a cursor statement. `formats`: Bind's result formats in the extended protocol
    /// (`None` in the simple protocol, where FETCH also sends the RowDescription).
    pub(super) fn run_cursor(
        &mut self,
        conn: &Connection,
        command: &CursorCommand,
        txn: TxnState,
        formats: Option<&[i16]>,
        out: &mut Output,
    ) -> Result<(), Stop> {
        match command {
            CursorCommand::Declare(declare) => {
                self.check_declare(declare, txn)?;
                // DuckDB prepares nothing while a result is open.
                self.close_open_results(None);
                let mut declare = declare.clone();
                let sql = self.declare_source(&mut declare);
                // A workspace session's cursor query passes its gateway like any statement.
                let prepared = self
                    .prepare_client(conn, &sql)?
                    .prepared
                    .ok_or_else(|| Stop::Failed(syntax("DECLARE CURSOR needs a query")))?;
                self.open_cursor(conn, &declare, &prepared, txn, out)
            }
            CursorCommand::Fetch(fetch) => self.fetch(conn, fetch, formats, out),
            CursorCommand::Close(name) => {
                match name {
                    Some(name) if self.cursor(name).is_some() => self.drop_cursor(conn, name),
                    Some(name) => return Err(no_cursor(name)),
                    None => self.close_all_cursors(conn),
                }
                out.command_complete("CLOSE CURSOR".into());
                Ok(())
            }
        }
    }

    fn cursor(&self, name: &str) -> Option<&Portal> {
        self.portals.get(name).filter(|p| p.cursor.is_some())
    }

    fn cursor_names(&self, keep: impl Fn(&CursorState) -> bool) -> Vec<String> {
        self.portals
            .iter()
            .filter(|(_, p)| p.cursor.as_ref().is_some_and(&keep))
            .map(|(name, _)| name.clone())
            .collect()
    }

    /// CLOSE ALL (and DISCARD ALL).
    pub(super) fn close_all_cursors(&mut self, conn: &Connection) {
        for name in self.cursor_names(|_| true) {
            self.drop_cursor(conn, &name);
        }
    }

    fn drop_cursor(&mut self, conn: &Connection, name: &str) {
        if let Some(portal) = self.portals.remove(name) {
            if let Some(table) = portal.cursor.and_then(|c| c.table) {
                drop(portal.rows);
                let _ = conn.execute(&format!("DROP TABLE IF EXISTS temp.main.{}", quote_ident(&table)));
            }
        }
    }

    /// The transaction ended: cursors WITHOUT HOLD end with it.
    pub(super) fn end_transaction_cursors(&mut self) {
        self.portals
            .retain(|_, p| p.cursor.as_ref().is_some_and(|c| c.hold));
    }

    /// The columns of a cursor's result, for Describe of a FETCH.
    pub(super) fn cursor_columns(&self, name: &str) -> Option<Vec<(String, crate::db::DuckType)>> {
        self.cursor(name).and_then(|p| p.statement.columns.clone())
    }

    /// The statement a DECLARE prepares: its query, or for a cursor WITH HOLD the query's rows
    /// materialised into a temporary table, named here.
    pub(super) fn declare_source(&mut self, d: &mut Declare) -> String {
        if !d.hold {
            return d.query.clone();
        }
        self.cursor_tables += 1;
        let table = format!("pgwire_cursor_{}", self.cursor_tables);
        self.leftovers.untracked();
        let sql = format!("CREATE TEMP TABLE {} AS {}", quote_ident(&table), d.query);
        d.table = Some(table);
        sql
    }

    /// Can this DECLARE open its cursor here?
    fn check_declare(&self, d: &Declare, txn: TxnState) -> Result<(), Stop> {
        if !d.hold && txn != TxnState::InBlock {
            return Err(Stop::Failed(PgError::new(
                sqlstate::NO_ACTIVE_SQL_TRANSACTION,
                "DECLARE CURSOR can only be used in transaction blocks",
            )));
        }
        if self.portals.contains_key(&d.name) {
            return Err(Stop::Failed(PgError::new(
                DUPLICATE_CURSOR,
                format!("cursor \"{}\" already exists", d.name),
            )));
        }
        Ok(())
    }

    /// Open a cursor by running `prepared` (from [`Self::declare_source`], parameters bound).
    pub(super) fn open_cursor(
        &mut self,
        conn: &Connection,
        d: &Declare,
        prepared: &Prepared,
        txn: TxnState,
        out: &mut Output,
    ) -> Result<(), Stop> {
        self.check_declare(d, txn)?;
        self.close_open_results(None);
        let keywords = leading_keywords(&d.query, 8);
        let materialised;
        let source = match &d.table {
            Some(table) => {
                let mut created = prepared.execute_streaming()?;
                while created.next_chunk()?.is_some() {}
                let select = format!("SELECT * FROM temp.main.{}", quote_ident(table));
                materialised = conn.prepare(&select)?.expect("one statement");
                &materialised
            }
            None => prepared,
        };
        let kind = source.kind();
        if !returns_rows(kind, &source.columns()) {
            return Err(Stop::Failed(PgError::new(
                INVALID_CURSOR_DEFINITION,
                "cannot open a cursor on a statement that returns no rows",
            )));
        }
        let formats = if d.binary { vec![1] } else { Vec::new() };
        let rows = Rows::start(source.execute_streaming()?, kind, &keywords, &formats)?;
        // Taken from the result: with parameters, DuckDB may type the columns only once bound.
        let columns = rows.columns().map(<[_]>::to_vec).unwrap_or_default();
        let statement = Statement::described(kind, keywords, columns);
        let mut portal = Portal::new(Arc::new(statement), Vec::new(), Vec::new(), formats);
        portal.rows = Some(rows);
        portal.cursor = Some(CursorState {
            hold: d.hold,
            table: d.table.clone(),
            position: 0,
            binary: d.binary,
        });
        self.portals.insert(d.name.clone(), portal);
        out.command_complete("DECLARE CURSOR".into());
        Ok(())
    }

    fn fetch(
        &mut self,
        conn: &Connection,
        f: &Fetch,
        formats: Option<&[i16]>,
        out: &mut Output,
    ) -> Result<(), Stop> {
        let portal = self
            .portals
            .get(&f.name)
            .filter(|p| p.cursor.is_some())
            .ok_or_else(|| no_cursor(&f.name))?;
        let position = portal.cursor.as_ref().map_or(0, |c| c.position);
        // (rows to pass over, rows to return at most)
        let (skip, take) = match f.direction {
            Direction::Forward(n) if n > 0 => (0, n as u64),
            Direction::All => (0, u64::MAX),
            Direction::First if position == 0 => (0, 1),
            Direction::Absolute(n) if n > 0 && n as u64 > position => (n as u64 - 1 - position, 1),
            Direction::Relative(n) if n > 0 => (n as u64 - 1, 1),
            _ => return Err(forward_only()),
        };
        if portal.rows.is_none() && portal.interrupted {
            self.reopen(conn, &f.name)?;
        }
        let portal = self.portals.get_mut(&f.name).expect("checked above");
        let cursor = portal.cursor.as_mut().expect("checked above");
        let describe = formats.is_none() && !f.move_only;
        let formats = match formats {
            Some(formats) => formats.to_vec(),
            None if cursor.binary => vec![1],
            None => Vec::new(),
        };
        if describe {
            // The simple protocol describes FETCH's rows; the extended one did at Describe.
            if let Some(columns) = &portal.statement.columns {
                out.row_description(columns, &formats);
            }
        }
        let mut count = 0;
        if let Some(rows) = portal.rows.as_mut() {
            rows.set_formats(&formats)?;
            let skipped = rows.skip(skip)?;
            cursor.position += skipped;
            let exhausted = if skipped < skip {
                true
            } else if f.move_only {
                count = rows.skip(take)?;
                count < take
            } else {
                let (sent, complete) = rows.send_rows(out, Some(take))?;
                count = sent;
                complete
            };
            cursor.position += count;
            if exhausted {
                portal.rows = None;
            }
        }
        let verb = if f.move_only { "MOVE" } else { "FETCH" };
        out.command_complete(format!("{verb} {count}"));
        Ok(())
    }

    /// Resume a WITH HOLD cursor whose result another statement closed, from its position.
    fn reopen(&mut self, conn: &Connection, name: &str) -> Result<(), Stop> {
        let portal = self.portals.get_mut(name).expect("a cursor");
        let cursor = portal.cursor.as_ref().expect("a cursor");
        let Some(table) = &cursor.table else {
            return Err(Stop::Failed(
                PgError::new(
                    OBJECT_NOT_IN_PREREQUISITE_STATE,
                    format!("cursor \"{name}\" was closed: another statement ran before it was read to the end"),
                )
                .with_hint("DuckDB keeps one open result per connection; declare the cursor WITH HOLD to interleave statements."),
            ));
        };
        let sql = format!(
            "SELECT * FROM temp.main.{} WHERE rowid >= {}",
            quote_ident(table),
            cursor.position
        );
        let prepared = conn.prepare(&sql)?.expect("one statement");
        let result = prepared.execute_streaming()?;
        let keywords = portal.statement.keywords.clone();
        portal.rows = Some(Rows::start(result, StatementKind::Select, &keywords, &[])?);
        portal.interrupted = false;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_sql(sql: &str) -> Option<Result<CursorCommand, PgError>> {
        parse(sql, &leading_keywords(sql, 8))
    }

    fn fetch(sql: &str) -> Fetch {
        match parse_sql(sql) {
            Some(Ok(CursorCommand::Fetch(f))) => f,
            other => panic!("{sql}: {other:?}"),
        }
    }

    #[test]
    fn declare() {
        let d = match parse_sql("declare \"My \"\"c\" binary no scroll cursor with hold for select 1;") {
            Some(Ok(CursorCommand::Declare(d))) => d,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            d,
            Declare {
                name: "My \"c".into(),
                binary: true,
                hold: true,
                query: "select 1".into(),
                table: None
            }
        );
        assert!(matches!(
            parse_sql("DECLARE c SCROLL CURSOR FOR SELECT 1"),
            Some(Err(_))
        ));
        assert!(matches!(parse_sql("DECLARE c CURSOR FOR "), Some(Err(_))));
        assert!(parse_sql("SELECT 1").is_none());
        match parse_sql("/* declare x */ DECLARE c CURSOR FOR SELECT 1") {
            Some(Ok(CursorCommand::Declare(d))) => {
                assert_eq!((d.name.as_str(), d.query.as_str()), ("c", "SELECT 1"))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn fetch_directions() {
        assert_eq!(
            fetch("FETCH FORWARD 2000 FROM \"c\"").direction,
            Direction::Forward(2000)
        );
        assert_eq!(fetch("fetch c").direction, Direction::Forward(1));
        assert_eq!(fetch("fetch all in C").name, "c");
        assert_eq!(fetch("FETCH -3 c").direction, Direction::Forward(-3));
        assert_eq!(fetch("FETCH backward 2 FROM c").direction, Direction::Backward);
        assert_eq!(fetch("FETCH ABSOLUTE 5 c").direction, Direction::Absolute(5));
        assert!(fetch("MOVE 5 IN c").move_only);
        assert!(matches!(parse_sql("FETCH 5 FROM c d"), Some(Err(_))));
        assert_eq!(
            parse_sql("CLOSE ALL").unwrap().unwrap(),
            CursorCommand::Close(None)
        );
    }
}
