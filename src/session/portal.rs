//! Statements and portals of the extended protocol (and of cursors, which are portals): what
//! Parse made of a query and what Bind made of a statement.

use std::sync::Arc;

use super::copy::Copy;
use super::cursor::{CursorCommand, CursorState};
use super::executor::{Rows, Stop};
use super::settings::Command;
use super::statement_cache::SharedPrepared;
use crate::db::{DuckType, Prepared, StatementKind};
use crate::error::{sqlstate, PgError};
use crate::types::{params, PgType};

/// A parsed statement.
pub struct Statement {
    /// `None` for an empty query. Portals share statements (`Arc`); the mutex makes the shared
    /// DuckDB handle safe to move between threads with them.
    pub(super) prepared: Option<SharedPrepared>,
    pub(super) kind: StatementKind,
    pub(super) keywords: Vec<String>,
    /// OIDs the client declared (0 where it left the type to us).
    pub(super) declared: Vec<u32>,
    /// Types DuckDB inferred for the parameters.
    pub(super) inferred: Vec<Option<DuckType>>,
    /// Result columns, when the statement returns rows.
    pub(super) columns: Option<Vec<(String, DuckType)>>,
    /// A statement the session answers itself rather than DuckDB.
    pub(super) own: Option<Own>,
    /// The view it creates, which a workspace's gateway checks once it exists.
    pub(super) view: Option<String>,
    /// In a workspace session, the text the gateway checked, to check again before an Execute
    /// if the workspace's definitions changed since.
    pub(super) checked_sql: Option<String>,
}

/// Statements the session answers itself.
#[derive(Debug, Clone)]
pub(super) enum Own {
    /// SET/RESET/SHOW of a PostgreSQL parameter.
    Setting(Command),
    /// DECLARE/FETCH/MOVE/CLOSE.
    Cursor(CursorCommand),
    /// COPY ... TO STDOUT / FROM STDIN.
    Copy(Copy),
    /// DISCARD ALL / PLANS / SEQUENCES / TEMP.
    Discard(super::discard::Discard),
}

impl Statement {
    /// A statement DuckDB prepared (`None`: an empty query), with the parameter types the
    /// client declared.
    pub(super) fn prepared(
        prepared: Option<SharedPrepared>,
        keywords: Vec<String>,
        type_oids: Vec<u32>,
    ) -> Result<Statement, Stop> {
        let Some(prepared) = prepared else {
            return Ok(Statement {
                prepared: None,
                kind: StatementKind::Invalid,
                keywords,
                declared: type_oids,
                inferred: Vec::new(),
                columns: None,
                own: None,
                view: None,
                checked_sql: None,
            });
        };
        let shared = Arc::clone(&prepared);
        let prepared = prepared.lock().unwrap_or_else(|e| e.into_inner());
        let count = prepared.param_count();
        let mut declared = type_oids;
        if declared.len() > count {
            return Err(Stop::Failed(PgError::new(
                sqlstate::SYNTAX_ERROR,
                format!("could not determine data type of parameter ${}", count + 1),
            )));
        }
        declared.resize(count, 0);
        let inferred = (0..count).map(|i| prepared.param_type(i)).collect();
        let kind = prepared.kind();
        let columns = prepared.columns();
        let columns = returns_rows(kind, &columns).then_some(columns);
        Ok(Statement {
            prepared: Some(shared),
            kind,
            keywords,
            declared,
            inferred,
            columns,
            own: None,
            view: None,
            checked_sql: None,
        })
    }

    /// A statement known only by its result (a cursor's query).
    pub(super) fn described(
        kind: StatementKind,
        keywords: Vec<String>,
        columns: Vec<(String, DuckType)>,
    ) -> Statement {
        Statement {
            prepared: None,
            kind,
            keywords,
            declared: Vec::new(),
            inferred: Vec::new(),
            columns: Some(columns),
            own: None,
            view: None,
            checked_sql: None,
        }
    }

    /// Does DuckDB need the parameters' values before it can tell the result types?
    pub(super) fn unresolved(&self) -> bool {
        self.columns
            .as_ref()
            .is_some_and(|c| c.iter().any(|(_, t)| *t == DuckType::Unresolved))
    }

    pub(super) fn parameter_oids(&self) -> Vec<u32> {
        self.declared
            .iter()
            .zip(&self.inferred)
            .map(|(&declared, inferred)| match declared {
                // PostgreSQL resolves a parameter nothing constrains as text; so do we.
                0 => inferred
                    .as_ref()
                    .map(|t| PgType::from_duck(t).oid)
                    .unwrap_or(crate::types::oid::TEXT),
                oid => oid,
            })
            .collect()
    }
}

/// A bound statement, possibly part-way through its result.
pub struct Portal {
    pub(super) statement: Arc<Statement>,
    pub(super) params: Vec<Option<bytes::Bytes>>,
    pub(super) param_formats: Vec<i16>,
    pub(super) result_formats: Vec<i16>,
    /// The result while a row limit keeps it open between Executes.
    pub(super) rows: Option<Rows>,
    pub(super) done: bool,
    /// Its open result was closed because another statement had to run first.
    pub(super) interrupted: bool,
    /// Set when the portal is a cursor a DECLARE opened.
    pub(super) cursor: Option<CursorState>,
}

impl Portal {
    /// Give the statement this portal's parameter values.
    pub(super) fn bind_parameters(&self, prepared: &Prepared) -> Result<(), Stop> {
        for (i, value) in self.params.iter().enumerate() {
            let binary = match self.param_formats.as_slice() {
                [] => false,
                [one] => *one == 1,
                many => many[i] == 1,
            };
            params::bind(
                prepared,
                i,
                self.statement.declared[i],
                self.statement.inferred[i].as_ref(),
                binary,
                value.as_deref(),
            )?;
        }
        Ok(())
    }

    pub(super) fn new(
        statement: Arc<Statement>,
        params: Vec<Option<bytes::Bytes>>,
        param_formats: Vec<i16>,
        result_formats: Vec<i16>,
    ) -> Portal {
        Portal {
            statement,
            params,
            param_formats,
            result_formats,
            rows: None,
            done: false,
            interrupted: false,
            cursor: None,
        }
    }
}

/// Does a statement of this kind with these prepared columns send rows?
pub(super) fn returns_rows(kind: StatementKind, columns: &[(String, DuckType)]) -> bool {
    use StatementKind as K;
    match kind {
        // DuckDB describes DML without RETURNING as one BIGINT column "Count".
        K::Insert | K::Update | K::Delete | K::MergeInto => {
            !(columns.len() == 1 && columns[0].0 == "Count" && columns[0].1 == DuckType::BigInt)
        }
        K::Select | K::Explain | K::Pragma | K::Call | K::Execute | K::Relation | K::LogicalPlan => {
            !columns.is_empty()
        }
        _ => false,
    }
}
