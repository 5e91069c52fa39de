//! The SQL surface: table functions that start, stop and inspect the server.
//!
//! Each function is a small [`SqlFunction`] impl; [`TableFn`] adapts it to DuckDB's table
//! function interface. Side effects happen in the execute step, once: some hosts (Python's
//! `con.sql()`) bind a table function twice.

mod advisory;
mod catalog;
mod lifecycle;
mod sessions;
mod users;
mod workspaces;

use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use duckdb::core::DataChunkHandle;
use duckdb::vtab::{BindInfo, InitInfo, TableFunctionInfo, VTab};

use crate::db::{
    register_scalar_function, register_table_function, write_cell, Cell, ColumnKind, TableFunctionExtra,
};
use crate::error::PgError;
use crate::server::Instance;

/// Named parameters as the user wrote them, as text (`NULL` is absent).
pub type Params = HashMap<String, String>;

/// A table function of ours.
pub trait SqlFunction: Send + Sync + 'static {
    const NAME: &'static str;
    fn columns() -> &'static [(&'static str, ColumnKind)];
    fn named_parameters() -> &'static [(&'static str, ColumnKind)] {
        &[]
    }
    /// Positional parameters, in order.
    fn parameters() -> &'static [ColumnKind] {
        &[]
    }
    /// Do the work and return the rows. Runs once per query.
    fn run(instance: &Instance, params: &Params, args: &[String]) -> Result<Vec<Vec<Cell>>, PgError>;
}

pub struct Bound {
    params: Params,
    args: Vec<String>,
}

/// Rows computed on the first execute call, then handed out chunk by chunk.
pub struct Produced {
    rows: Mutex<Option<Vec<Vec<Cell>>>>,
    next: AtomicUsize,
}

pub struct TableFn<F: SqlFunction>(PhantomData<F>);

const CHUNK_ROWS: usize = 2048;

impl<F: SqlFunction> VTab for TableFn<F> {
    type InitData = Produced;
    type BindData = Bound;

    fn bind(bind: &BindInfo) -> Result<Bound, Box<dyn std::error::Error>> {
        for (name, kind) in F::columns() {
            bind.add_result_column(name, kind.logical_type());
        }
        let mut params = Params::new();
        for (name, _) in F::named_parameters() {
            if let Some(value) = bind.get_named_parameter(name) {
                if !value.is_null() {
                    params.insert(name.to_string(), value.to_string());
                }
            }
        }
        let args = (0..bind.get_parameter_count())
            .map(|i| bind.get_parameter(i).to_string())
            .collect();
        Ok(Bound { params, args })
    }

    fn init(_: &InitInfo) -> Result<Produced, Box<dyn std::error::Error>> {
        Ok(Produced {
            rows: Mutex::new(None),
            next: AtomicUsize::new(0),
        })
    }

    fn func(
        info: &TableFunctionInfo<Self>,
        output: &mut DataChunkHandle,
    ) -> Result<(), Box<dyn std::error::Error>> {
        let produced = info.get_init_data();
        let mut rows = produced.rows.lock().unwrap_or_else(|e| e.into_inner());
        if rows.is_none() {
            let instance: &Arc<Instance> = info.extra();
            let bound = info.get_bind_data();
            let result = F::run(instance, &bound.params, &bound.args).map_err(|e| host_message(&e))?;
            *rows = Some(result);
        }
        let all = rows.as_ref().map(Vec::as_slice).unwrap_or_default();
        let start = produced.next.load(Ordering::Relaxed).min(all.len());
        let batch = &all[start..(start + CHUNK_ROWS).min(all.len())];
        for (r, row) in batch.iter().enumerate() {
            for (c, ((_, kind), cell)) in F::columns().iter().zip(row).enumerate() {
                write_cell(output, c, *kind, r, cell);
            }
        }
        output.set_len(batch.len());
        produced.next.store(start + batch.len(), Ordering::Relaxed);
        Ok(())
    }

    fn named_parameters() -> Option<Vec<(String, duckdb::core::LogicalTypeHandle)>> {
        Some(
            F::named_parameters()
                .iter()
                .map(|(n, k)| (n.to_string(), k.logical_type()))
                .collect(),
        )
    }

    fn parameters() -> Option<Vec<duckdb::core::LogicalTypeHandle>> {
        Some(F::parameters().iter().map(|k| k.logical_type()).collect())
    }
}

/// Register every SQL function, each reaching `instance` as its extra info.
pub fn register(conn: &duckdb::Connection, instance: &Arc<Instance>) -> Result<(), duckdb::Error> {
    fn table<F: SqlFunction>(
        conn: &duckdb::Connection,
        instance: &Arc<Instance>,
    ) -> Result<(), duckdb::Error> {
        register_table_function::<TableFn<F>, _>(conn, F::NAME, instance)
    }
    table::<lifecycle::Start>(conn, instance)?;
    table::<lifecycle::Stop>(conn, instance)?;
    table::<lifecycle::Status>(conn, instance)?;
    table::<sessions::Sessions>(conn, instance)?;
    table::<sessions::Cancel>(conn, instance)?;
    table::<sessions::Terminate>(conn, instance)?;
    table::<workspaces::CreateWorkspace>(conn, instance)?;
    table::<workspaces::DropWorkspace>(conn, instance)?;
    table::<workspaces::Workspaces>(conn, instance)?;
    table::<workspaces::Grant>(conn, instance)?;
    table::<workspaces::Revoke>(conn, instance)?;
    table::<workspaces::Grants>(conn, instance)?;
    table::<users::CreateUser>(conn, instance)?;
    table::<users::SetPassword>(conn, instance)?;
    table::<users::DropUser>(conn, instance)?;
    table::<users::Users>(conn, instance)?;
    register_scalar_function::<lifecycle::StartScalar, _>(conn, lifecycle::Start::NAME, instance)?;
    register_scalar_function::<lifecycle::StopScalar, _>(conn, lifecycle::Stop::NAME, instance)?;
    register_scalar_function::<catalog::EnumOid, _>(conn, catalog::ENUM_OID, instance)?;
    register_scalar_function::<advisory::Advisory, _>(conn, advisory::ADVISORY, instance)?;
    Ok(())
}

/// Positional argument `i`, which must be given (DuckDB passes NULL as the text `NULL`).
pub fn required<'a>(args: &'a [String], i: usize, what: &str) -> Result<&'a str, PgError> {
    args.get(i)
        .map(String::as_str)
        .filter(|v| *v != "NULL")
        .ok_or_else(|| {
            PgError::new(
                crate::error::sqlstate::INVALID_PARAMETER_VALUE,
                format!("{what} must be given"),
            )
        })
}

/// A BOOLEAN named parameter.
pub fn bool_param(params: &Params, name: &str, default: bool) -> Result<bool, PgError> {
    match params.get(name).map(|v| v.to_ascii_lowercase()) {
        None => Ok(default),
        Some(v) if v == "true" => Ok(true),
        Some(v) if v == "false" => Ok(false),
        Some(v) => Err(invalid(name, &v)),
    }
}

pub fn invalid(name: &str, value: &str) -> PgError {
    PgError::new(
        crate::error::sqlstate::INVALID_PARAMETER_VALUE,
        format!("invalid value for {name}: \"{value}\""),
    )
}

/// An error as the host shows it: DuckDB takes a message only, so the hint goes in brackets.
pub fn host_message(e: &PgError) -> String {
    match &e.hint {
        Some(hint) => format!("{} ({})", e.message, hint),
        None => e.message.clone(),
    }
}

/// Microseconds since the epoch, as TIMESTAMPTZ cells hold them.
pub fn timestamp(t: SystemTime) -> Cell {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => Cell::Timestamp(d.as_micros() as i64),
        Err(_) => Cell::Null,
    }
}

pub fn text(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

pub fn opt_text(s: Option<impl Into<String>>) -> Cell {
    s.map(|s| Cell::Text(s.into())).unwrap_or(Cell::Null)
}
