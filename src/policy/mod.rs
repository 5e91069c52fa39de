//! The isolation gateway: what a workspace session may run. Every statement of a workspace
//! session passes `Gateway::prepare` instead of being prepared directly; owner sessions never
//! come here and pay nothing.
//!
//! DuckDB has no privileges and every catalog is visible to every connection, so the decision
//! is ours, and it is made from DuckDB's own answers, failing closed at each step:
//!
//! 1. **Before binding** (binding `read_csv` already opens the file): the first word must be
//!    known, DuckDB's parser must see one statement, and reads it first (`json_serialize_sql`);
//!    what it does not serialize as a query is read by sqlparser. Every relation named must be
//!    in the workspace (its catalog, one of its schemas, or `temp`), no name may look like a
//!    file, table functions come from a short allow-list, and the few scalar functions that
//!    reach the instance are refused (`calls`). Only an allow-list of statement kinds passes.
//! 2. **After binding** (`reads`): DuckDB's statement type must be what step 1 took it for, and
//!    the unoptimized logical plan (views and macros expanded, subqueries still there) may hold
//!    only known operators and scans of the workspace's own tables or its grants' sources
//!    (`plan`) — unless DuckDB's syntax tree shows binding has nothing to expand. A verdict is
//!    kept for statements run again only while the workspace's definitions stay the same
//!    (`snapshot`).
//! 3. **While running**: a statement that writes runs in a transaction that has first written
//!    the workspace (a no-op `CREATE SCHEMA IF NOT EXISTS`), and DuckDB refuses any transaction
//!    that writes to a second database — so no write lands outside the workspace, whatever the
//!    checks above missed. A view the workspace creates is planned once it exists.
//!
//! Errors shown to the workspace name only what its statement wrote; DuckDB's "did you mean"
//! suggestions, which may name tables of other catalogs, are dropped.

mod calls;
mod duckdb_ast;
pub mod names;
mod plan;
mod reads;
mod snapshot;
mod sql_ast;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use crate::db::{Connection, Prepared, StatementKind};
use crate::error::{sqlstate, PgError};
use crate::internal_sql::{query_rows, quote_ident, quote_literal, rows_of};
use crate::metadata::Metadata;
use names::{split_qualified, Naming, Scope};
use sql_ast::{Class, Reading};

/// The words a workspace's statement may begin with. Only a first filter: what the statement is
/// and does is decided by DuckDB's parser, binder and planner below.
const LEADING_WORDS: [&str; 25] = [
    "SELECT",
    "WITH",
    "FROM",
    "VALUES",
    "TABLE",
    "INSERT",
    "UPDATE",
    "DELETE",
    "MERGE",
    "CREATE",
    "DROP",
    "ALTER",
    "TRUNCATE",
    "COMMENT",
    "BEGIN",
    "START",
    "COMMIT",
    "END",
    "ROLLBACK",
    "ABORT",
    "EXPLAIN",
    "SHOW",
    "DESCRIBE",
    "SUMMARIZE",
    "PIVOT",
];

/// A refusal: 42501, naming only what the statement itself wrote.
pub fn refused(what: String) -> PgError {
    PgError::new(
        sqlstate::INSUFFICIENT_PRIVILEGE,
        format!("permission denied for {what}"),
    )
}

fn outside() -> PgError {
    PgError::new(
        sqlstate::INSUFFICIENT_PRIVILEGE,
        "permission denied: the statement reads a relation outside this workspace",
    )
}

/// A statement that passed the gateway, ready to run.
pub struct Checked {
    /// `None` for an empty statement.
    pub prepared: Option<Prepared>,
    /// It creates this view: `Gateway::check_view` once it ran, before its transaction ends.
    pub view: Option<String>,
}

/// What every gateway of a server shares: DuckDB's built-in functions that are not macros
/// (a call to one expands into nothing a plan could show), looked up once.
#[derive(Default)]
pub struct Shared {
    builtins: OnceLock<Arc<HashSet<String>>>,
    snapshots: snapshot::Snapshots,
}

impl Shared {
    fn builtins(&self, conn: &Connection) -> Result<Arc<HashSet<String>>, PgError> {
        if let Some(b) = self.builtins.get() {
            return Ok(Arc::clone(b));
        }
        let rows = query_rows(
            conn,
            "SELECT DISTINCT function_name FROM duckdb_functions() WHERE database_name = 'system'
             AND function_type IN ('scalar', 'aggregate', 'window') AND function_name NOT IN
             (SELECT function_name FROM duckdb_functions() WHERE function_type IN ('macro', 'table_macro'))",
        )?;
        let mut names: HashSet<String> = rows
            .into_iter()
            .filter_map(|mut r| r.remove(0))
            .map(|n| n.to_ascii_lowercase())
            .collect();
        // Special forms sqlparser reads as calls.
        names.insert("coalesce".into());
        Ok(Arc::clone(self.builtins.get_or_init(|| Arc::new(names))))
    }
}

/// One workspace session's gateway.
pub struct Gateway {
    workspace: String,
    scope: Scope,
    metadata: Arc<Metadata>,
    shared: Arc<Shared>,
    builtins: Arc<HashSet<String>>,
    /// Statements checked before, with the fingerprint of the snapshot they were checked
    /// under: run again from a cache or a prepared statement, they are checked again only when
    /// the workspace's definitions changed since.
    verified: Mutex<HashMap<String, u64>>,
    /// `SELECT json_serialize_sql(?)`, prepared once for the session.
    serializer: Mutex<Option<Prepared>>,
    /// When the workspace's table macros were last listed.
    macros_listed: Mutex<Option<Instant>>,
}

/// Verdicts a session remembers (its statement cache keeps 64 statements).
const VERIFIED_CAPACITY: usize = 256;

impl Gateway {
    /// Open the gateway of a session on `conn`, which is already in the workspace's catalog.
    pub fn open(
        conn: &Connection,
        shared: Arc<Shared>,
        metadata: Arc<Metadata>,
        workspace: &str,
        catalog: &str,
    ) -> Result<Gateway, PgError> {
        // The plan check reads the unoptimized plan, which EXPLAIN shows only with this set.
        conn.execute("SET explain_output = 'all'")?;
        let gateway = Gateway {
            workspace: workspace.to_string(),
            scope: Scope::new(catalog.to_string(), Vec::new(), Vec::new()),
            metadata,
            builtins: shared.builtins(conn)?,
            shared,
            verified: Mutex::new(HashMap::new()),
            serializer: Mutex::new(None),
            macros_listed: Mutex::new(None),
        };
        gateway.reload_schemas(conn)?;
        gateway.reload_sources()?;
        Ok(gateway)
    }

    fn reload_schemas(&self, conn: &Connection) -> Result<(), PgError> {
        let rows = query_rows(
            conn,
            &format!(
                "SELECT schema_name FROM duckdb_schemas() WHERE database_name IN ({}, 'temp')",
                quote_literal(&self.scope.catalog)
            ),
        )?;
        self.scope
            .set_schemas(rows.into_iter().filter_map(|mut r| r.remove(0)).collect());
        Ok(())
    }

    /// The workspace's table macros (calls to them pass step 1; the plan checks what they
    /// expand into). Listing them takes `duckdb_functions()`, tens of milliseconds: done only
    /// when a call to an unknown table function is about to be refused, at most once a second.
    fn reload_table_macros(&self, conn: &Connection) -> Result<(), PgError> {
        let mut listed = self.macros_listed.lock().unwrap_or_else(|e| e.into_inner());
        if listed.is_some_and(|at| at.elapsed() < Duration::from_secs(1)) {
            return Ok(());
        }
        // One named like a built-in is not taken for the workspace's own: DuckDB might bind
        // the built-in.
        let macros = query_rows(
            conn,
            &format!(
                "SELECT function_name FROM duckdb_functions() GROUP BY function_name
                 HAVING bool_or(database_name IN ({}, 'temp') AND function_type = 'table_macro')
                 AND NOT bool_or(database_name = 'system')",
                quote_literal(&self.scope.catalog)
            ),
        )?;
        self.scope
            .set_table_macros(macros.into_iter().filter_map(|mut r| r.remove(0)).collect());
        *listed = Some(Instant::now());
        Ok(())
    }

    fn reload_sources(&self) -> Result<(), PgError> {
        let sources = self
            .metadata
            .grants(Some(&self.workspace))?
            .into_iter()
            .filter_map(|g| match split_qualified(&g.source_table)?.as_slice() {
                [c, s, t] => Some([c.clone(), s.clone(), t.clone()]),
                _ => None,
            })
            .collect();
        self.scope.set_sources(sources);
        Ok(())
    }

    /// Check `check` (one statement, as the session split it) and prepare `run`: the same
    /// statement, but for the relations and functions of PostgreSQL's catalog, which `check`
    /// names as empty tables of their shape and `run` as the live views (`catalog`).
    pub fn prepare(&self, conn: &Connection, run: &str, check: &str) -> Result<Checked, PgError> {
        let sql = check;
        // Not even DuckDB's parser may see a statement that starts otherwise: parsing IMPORT
        // DATABASE already reads the files it names (measured on 1.5.6).
        let first = crate::sql_text::leading_keywords(sql, 1);
        match first.first() {
            Some(word) if LEADING_WORDS.contains(&word.as_str()) => {}
            Some(word) => return Err(refused(format!("{word} in a workspace"))),
            None => {}
        }
        let extracted = conn.extract(sql).map_err(|e| self.sanitize(e.into()))?;
        match extracted.len() {
            0 => {
                return Ok(Checked {
                    prepared: None,
                    view: None,
                })
            }
            1 => {}
            _ => return Err(refused("several statements in one".to_string())),
        }
        let fingerprint = self.snapshot(conn)?.fingerprint;
        let (class, reading) = self.classify(conn, sql)?;
        if class == Class::Explain {
            let inner =
                explained_statement(sql).ok_or_else(|| refused("EXPLAIN with options".to_string()))?;
            let checked = self.prepare(conn, inner, inner)?;
            if checked.view.is_some() {
                return Err(refused("EXPLAIN of CREATE VIEW".to_string()));
            }
        }
        let extracted = if run == check {
            extracted
        } else {
            let run_extracted = conn.extract(run).map_err(|e| self.sanitize(e.into()))?;
            if run_extracted.len() != 1 {
                return Err(refused("several statements in one".to_string()));
            }
            run_extracted
        };
        let prepared = extracted.prepare(0).map_err(|e| self.sanitize(e.into()))?;
        let kind = prepared.kind();
        let expected: &[StatementKind] = match class {
            Class::Query => &[StatementKind::Select],
            Class::Write => &[
                StatementKind::Insert,
                StatementKind::Update,
                StatementKind::Delete,
                StatementKind::MergeInto,
            ],
            Class::Define { .. } => &[
                StatementKind::Create,
                StatementKind::CreateFunction,
                StatementKind::Drop,
                StatementKind::Alter,
            ],
            Class::Comment => &[StatementKind::Alter],
            Class::Transaction => &[StatementKind::Transaction],
            Class::Explain => &[StatementKind::Explain],
        };
        if !expected.contains(&kind) {
            return Err(refused("this statement".to_string()));
        }
        // A macro shadows the built-in function of its name (measured), which would make a
        // call the gateway takes for the built-in expand into the macro's body.
        if let Some(name) = reading.as_ref().and_then(|r| r.defines_macro.as_deref()) {
            if self.builtins.contains(&name.to_ascii_lowercase()) || calls::is_allowed_table_function(name) {
                return Err(refused(format!(
                    "creating macro {name}: it would hide the built-in function"
                )));
            }
        }
        self.check_reads(conn, sql, &class, reading.as_ref(), prepared.param_count())?;
        self.remember(sql, reading.as_ref(), fingerprint);
        Ok(Checked {
            view: match class {
                Class::Define { view } => view,
                _ => None,
            },
            prepared: Some(prepared),
        })
    }

    /// A statement of the session changed definitions (it ran): the workspace's snapshot is
    /// listed again before the next verdict relies on it.
    pub fn definitions_changed(&self) {
        self.shared.snapshots.invalidate(&self.scope.catalog);
    }

    /// Before a statement checked earlier runs again (from the statement cache, or a prepared
    /// statement's Execute): check it again if the workspace's definitions changed since.
    pub fn revalidate(&self, conn: &Connection, sql: &str, params: usize) -> Result<(), PgError> {
        let fingerprint = self.snapshot(conn)?.fingerprint;
        let known = self
            .verified
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(sql)
            .copied();
        if known == Some(fingerprint) {
            return Ok(());
        }
        let (class, reading) = self.classify(conn, sql)?;
        if class == Class::Explain {
            let inner =
                explained_statement(sql).ok_or_else(|| refused("EXPLAIN with options".to_string()))?;
            self.revalidate(conn, inner, 0)?;
        }
        self.check_reads(conn, sql, &class, reading.as_ref(), params)?;
        self.remember(sql, reading.as_ref(), fingerprint);
        Ok(())
    }

    /// Keep a verdict for as long as the snapshot stays the same — unless the statement calls
    /// a macro (or anything sqlparser did not show us), whose definition the snapshot does not
    /// cover: such a statement is checked again at each execution.
    fn remember(&self, sql: &str, reading: Option<&Reading>, fingerprint: u64) {
        let calls_only_builtins =
            reading.is_some_and(|r| !r.opaque && r.functions.iter().all(|f| self.builtins.contains(f)));
        if !calls_only_builtins {
            return;
        }
        let mut verified = self.verified.lock().unwrap_or_else(|e| e.into_inner());
        if verified.len() >= VERIFIED_CAPACITY {
            verified.clear();
        }
        verified.insert(sql.to_string(), fingerprint);
    }

    fn snapshot(&self, conn: &Connection) -> Result<snapshot::Snapshot, PgError> {
        let sources = self.scope.source_catalogs();
        self.shared.snapshots.current(conn, &self.scope.catalog, &sources)
    }

    /// Step 1, with one second look at the workspace's schemas before a refusal.
    fn classify(&self, conn: &Connection, sql: &str) -> Result<(Class, Option<Reading>), PgError> {
        match self.before_binding(conn, sql) {
            Err(e) if e.code == sqlstate::INSUFFICIENT_PRIVILEGE => {
                // A schema (or table macro) created since we looked, by this or another
                // session of the workspace, is not outside it: look again once before refusing.
                self.reload_schemas(conn)?;
                if e.message.starts_with("permission denied for function") {
                    self.reload_table_macros(conn)?;
                }
                self.before_binding(conn, sql)
            }
            other => other,
        }
    }

    /// Step 1: what the statement names, before DuckDB binds any of it. A query is read by
    /// DuckDB's own parser (json_serialize_sql), so that what the gateway reads is what DuckDB
    /// will run; other statements by sqlparser, and then always planned.
    fn before_binding(&self, conn: &Connection, sql: &str) -> Result<(Class, Option<Reading>), PgError> {
        // What DuckDB serializes as a query is a query, whatever its first word.
        let serialized = self.serialize(conn, sql)?;
        if let Some(reading) = duckdb_ast::check(&self.scope, &serialized)? {
            return Ok((Class::Query, Some(reading)));
        }
        // Anything else: sqlparser's reading, checked; the plan decides what it reads, and
        // DuckDB's statement type must agree with sqlparser's after preparing.
        let statement = sql_ast::parse(sql).ok_or_else(|| refused("this statement".to_string()))?;
        let (class, reading) = sql_ast::check_parsed(&self.scope, &statement)?;
        if class == Class::Query {
            // sqlparser took for a query what DuckDB does not serialize as one.
            return Err(refused("this statement".to_string()));
        }
        Ok((class, Some(reading)))
    }

    fn serialize(&self, conn: &Connection, sql: &str) -> Result<String, PgError> {
        let mut serializer = self.serializer.lock().unwrap_or_else(|e| e.into_inner());
        if serializer.is_none() {
            *serializer = conn.prepare("SELECT json_serialize_sql($1::VARCHAR)")?;
        }
        let prepared = serializer
            .as_ref()
            .ok_or_else(|| refused("this statement".to_string()))?;
        prepared.bind_text(0, sql)?;
        let rows = rows_of(prepared.execute()?)?;
        rows.into_iter()
            .next()
            .and_then(|mut r| r.remove(0))
            .ok_or_else(|| refused("this statement".to_string()))
    }

    /// Step 3: make the open transaction one that has written the workspace, so that DuckDB
    /// refuses any write to another database in it.
    pub fn fence(&self, conn: &Connection) -> Result<(), PgError> {
        conn.execute(&self.fence_sql())
            .map_err(|e| self.sanitize(e.into()))
    }

    /// BEGIN and the fence at once.
    pub fn begin_fenced(&self, conn: &Connection) -> Result<(), PgError> {
        let sql = format!("BEGIN TRANSACTION; {}", self.fence_sql());
        conn.execute(&sql).map_err(|e| {
            let _ = conn.execute("ROLLBACK");
            self.sanitize(e.into())
        })
    }

    /// A no-op DDL that still counts as writing the workspace (measured: DuckDB then refuses
    /// a write to any other database in the transaction); it needs no object of its own.
    fn fence_sql(&self) -> String {
        format!(
            "CREATE SCHEMA IF NOT EXISTS {}.main",
            quote_ident(&self.scope.catalog)
        )
    }

    /// May COPY FROM STDIN write into this table (its name as written, split)?
    pub fn check_copy_target(&self, conn: &Connection, parts: &[&str]) -> Result<(), PgError> {
        let allowed = match self.scope.may_name(parts) {
            Naming::UnknownSchema => {
                self.reload_schemas(conn)?;
                self.scope.may_name(parts)
            }
            n => n,
        };
        if allowed != Naming::Allowed {
            return Err(refused(format!("relation \"{}\"", parts.join("."))));
        }
        // A grant is a view: COPY into it is a write to a read-only source, as INSERT is.
        let (schema, name) = match parts {
            [name] => ("main", *name),
            [schema, name] | [_, schema, name] => (*schema, *name),
            _ => return Ok(()),
        };
        let views = query_rows(
            conn,
            &format!(
                "SELECT count(*) FROM duckdb_views() WHERE database_name = {} AND schema_name ILIKE {} AND view_name ILIKE {}",
                quote_literal(&self.scope.catalog),
                quote_literal(schema),
                quote_literal(name)
            ),
        )?;
        if views.first().and_then(|r| r[0].as_deref()) != Some("0") {
            return Err(PgError::new(
                sqlstate::READ_ONLY_SQL_TRANSACTION,
                "cannot change a view or a read-only grant",
            ));
        }
        Ok(())
    }

    /// What a workspace may be told of a DuckDB error.
    pub fn sanitize(&self, mut e: PgError) -> PgError {
        // DuckDB's suggestions come from every catalog of the instance.
        if let Some(i) = e.message.find("Did you mean") {
            e.message.truncate(i);
            e.message = e.message.trim_end().to_string();
        }
        for extra in [&mut e.hint, &mut e.detail] {
            if extra
                .as_deref()
                .is_some_and(|h| h.contains("Did you mean") || h.contains("Candidate"))
            {
                *extra = None;
            }
        }
        // The write fence at work: DuckDB names both databases.
        if e.message
            .contains("in a transaction that has already modified database")
        {
            return PgError::new(
                sqlstate::INSUFFICIENT_PRIVILEGE,
                "permission denied: a workspace session writes only to its own workspace",
            );
        }
        e
    }
}

/// The statement an `EXPLAIN [ANALYZE] ...` explains; `None` for EXPLAIN with options in
/// parentheses (DuckDB's are about output format, which the plan check has to control).
fn explained_statement(sql: &str) -> Option<&str> {
    let spans = crate::sql_text::keyword_spans(sql, 2);
    let (_, explain_end) = *spans.first()?;
    let mut rest = &sql[explain_end..];
    if let Some(&(start, end)) = spans.get(1) {
        if sql[start..end].eq_ignore_ascii_case("ANALYZE") {
            rest = &sql[end..];
        }
    }
    let rest = rest.trim_start();
    (!rest.starts_with('(') && !rest.is_empty()).then_some(rest)
}
