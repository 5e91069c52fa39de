//! Statements: extraction, preparation, streaming execution.

use std::ffi::CStr;
use std::ptr;

use libduckdb_sys as ffi;

use std::sync::Arc;

use super::chunk::DataChunk;
use super::connection::{Connection, RawConnection};
use super::error::{DbError, ErrorKind};
use super::gate;
use super::logical_type::{DuckType, LogicalType};

/// What kind of statement DuckDB's planner says a prepared statement is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatementKind {
    Select,
    Insert,
    Update,
    Delete,
    Explain,
    Prepare,
    Create,
    Execute,
    Alter,
    Transaction,
    Copy,
    Analyze,
    VariableSet,
    CreateFunction,
    Drop,
    Export,
    Pragma,
    Vacuum,
    Call,
    Set,
    Load,
    Relation,
    Extension,
    LogicalPlan,
    Attach,
    Detach,
    Multi,
    CopyDatabase,
    UpdateExtensions,
    MergeInto,
    Invalid,
}

impl StatementKind {
    fn from_raw(t: ffi::duckdb_statement_type) -> StatementKind {
        use StatementKind::*;
        match t {
            ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_SELECT => Select,
            ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_INSERT => Insert,
            ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_UPDATE => Update,
            ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_EXPLAIN => Explain,
            ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_DELETE => Delete,
            ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_PREPARE => Prepare,
            ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_CREATE => Create,
            ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_EXECUTE => Execute,
            ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_ALTER => Alter,
            ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_TRANSACTION => Transaction,
            ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_COPY => Copy,
            ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_ANALYZE => Analyze,
            ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_VARIABLE_SET => VariableSet,
            ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_CREATE_FUNC => CreateFunction,
            ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_DROP => Drop,
            ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_EXPORT => Export,
            ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_PRAGMA => Pragma,
            ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_VACUUM => Vacuum,
            ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_CALL => Call,
            ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_SET => Set,
            ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_LOAD => Load,
            ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_RELATION => Relation,
            ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_EXTENSION => Extension,
            ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_LOGICAL_PLAN => LogicalPlan,
            ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_ATTACH => Attach,
            ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_DETACH => Detach,
            ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_MULTI => Multi,
            ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_COPY_DATABASE => CopyDatabase,
            ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_UPDATE_EXTENSIONS => UpdateExtensions,
            ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_MERGE_INTO => MergeInto,
            _ => Invalid,
        }
    }
}

fn c_string(ptr: *const std::os::raw::c_char) -> Option<String> {
    // SAFETY: DuckDB returns either NULL or a NUL-terminated string it owns.
    (!ptr.is_null()).then(|| unsafe { CStr::from_ptr(ptr) }.to_string_lossy().into_owned())
}

/// The statements DuckDB's parser found in one query text.
pub struct Extracted<'c> {
    conn: &'c Connection,
    raw: ffi::duckdb_extracted_statements,
    count: usize,
}

impl<'c> Extracted<'c> {
    pub(crate) fn new(conn: &'c Connection, raw: ffi::duckdb_extracted_statements, count: usize) -> Self {
        Extracted { conn, raw, count }
    }

    pub(crate) fn empty(conn: &'c Connection) -> Self {
        Extracted {
            conn,
            raw: ptr::null_mut(),
            count: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Prepare statement `index`. Binding happens here: unknown tables and columns fail now.
    pub fn prepare(&self, index: usize) -> Result<Prepared, DbError> {
        assert!(index < self.count);
        let mut raw: ffi::duckdb_prepared_statement = ptr::null_mut();
        let _entered = gate::enter()?;
        // SAFETY: index is in range, both handles are live; `raw` is destroyed by Prepared.
        let state = unsafe {
            ffi::duckdb_prepare_extracted_statement(self.conn.raw(), self.raw, index as u64, &mut raw)
        };
        let prepared = Prepared {
            names: None,
            named_enums: None,
            raw,
            _conn: self.conn.shared_raw(),
        };
        if state != ffi::duckdb_state_DuckDBSuccess {
            // SAFETY: a failed prepare still yields a handle that carries the error.
            let msg = c_string(unsafe { ffi::duckdb_prepare_error(raw) })
                .unwrap_or_else(|| "prepare failed".into());
            return Err(DbError::from_message(msg));
        }
        Ok(prepared)
    }
}

impl Drop for Extracted<'_> {
    fn drop(&mut self) {
        // At process exit the handle is leaked (see `gate`).
        if let (false, Some(_entered)) = (self.raw.is_null(), gate::try_enter()) {
            // SAFETY: created by duckdb_extract_statements, destroyed once.
            unsafe { ffi::duckdb_destroy_extracted(&mut self.raw) };
        }
    }
}

/// A prepared statement on a connection. It keeps its connection's handle alive, so it can be
/// kept across protocol messages (named statements) together with the connection.
pub struct Prepared {
    raw: ffi::duckdb_prepared_statement,
    _conn: Arc<RawConnection>,
    /// The column names clients see, when they differ from DuckDB's (PostgreSQL's naming):
    /// one list for the statement's description and every result of it, so the two agree.
    names: Option<Arc<[String]>>,
    /// The labels of the ENUM types the catalog names (see [`Prepared::show_named_enums`]).
    named_enums: Option<Arc<[Vec<String>]>>,
}

// SAFETY: used by the thread that currently owns the session's connection, one at a time.
unsafe impl Send for Prepared {}

impl Prepared {
    pub fn kind(&self) -> StatementKind {
        // SAFETY: live prepared statement.
        StatementKind::from_raw(unsafe { ffi::duckdb_prepared_statement_type(self.raw) })
    }

    pub fn param_count(&self) -> usize {
        // SAFETY: live prepared statement.
        unsafe { ffi::duckdb_nparams(self.raw) as usize }
    }

    /// The type DuckDB inferred for parameter `index` (0-based); `None` where it is unresolved.
    pub fn param_type(&self, index: usize) -> Option<DuckType> {
        // SAFETY: live statement; parameter indexes are 1-based in the C API; the logical type
        // (NULL when out of range) is owned by LogicalType.
        let raw = unsafe { ffi::duckdb_param_logical_type(self.raw, index as u64 + 1) };
        if raw.is_null() {
            return None;
        }
        match LogicalType::from_raw(raw).to_duck_type() {
            DuckType::Other(_) | DuckType::Null | DuckType::Unresolved => None,
            mut ty => {
                if let Some(named) = &self.named_enums {
                    ty.mark_named_enums(named);
                }
                Some(ty)
            }
        }
    }

    /// Name the result's columns (`names[i]` for column `i`) in its description and results.
    pub fn rename_columns(&mut self, names: Vec<String>) {
        self.names = Some(names.into());
    }

    /// Show ENUMs with these labels as the named types they are (in parameters, the
    /// description and every result of the statement); others stay unnamed.
    pub fn show_named_enums(&mut self, named: Vec<Vec<String>>) {
        self.named_enums = Some(named.into());
    }

    fn renamed(&self, col: usize) -> Option<&str> {
        self.names.as_ref().and_then(|n| n.get(col)).map(String::as_str)
    }

    /// DuckDB's names of the columns the statement will return (not renamed), without their
    /// types: what deciding on PostgreSQL's names needs, for every statement prepared.
    pub fn duckdb_column_names(&self) -> Vec<String> {
        // SAFETY: live statement; each name is ours to free.
        unsafe {
            let n = ffi::duckdb_prepared_statement_column_count(self.raw);
            (0..n)
                .map(|i| {
                    let name_ptr = ffi::duckdb_prepared_statement_column_name(self.raw, i);
                    let name = c_string(name_ptr).unwrap_or_default();
                    if !name_ptr.is_null() {
                        ffi::duckdb_free(name_ptr as *mut std::ffi::c_void);
                    }
                    name
                })
                .collect()
        }
    }

    /// The types of the columns the statement will return (DuckDB's, not marked by
    /// [`Prepared::show_named_enums`]), without their names: what looking for ENUMs needs, for
    /// every statement prepared.
    pub fn column_types(&self) -> Vec<DuckType> {
        // SAFETY: live statement; each logical type is owned and destroyed by LogicalType.
        unsafe {
            let n = ffi::duckdb_prepared_statement_column_count(self.raw);
            (0..n)
                .map(|i| {
                    LogicalType::from_raw(ffi::duckdb_prepared_statement_column_logical_type(self.raw, i))
                        .to_duck_type()
                })
                .collect()
        }
    }

    /// The columns the statement will return, without running it.
    pub fn columns(&self) -> Vec<(String, DuckType)> {
        // SAFETY: live statement; names are ours to free; types are owned by LogicalType.
        unsafe {
            let n = ffi::duckdb_prepared_statement_column_count(self.raw);
            (0..n)
                .map(|i| {
                    let name_ptr = ffi::duckdb_prepared_statement_column_name(self.raw, i);
                    let name = match self.renamed(i as usize) {
                        Some(name) => name.to_string(),
                        None => c_string(name_ptr).unwrap_or_default(),
                    };
                    if !name_ptr.is_null() {
                        ffi::duckdb_free(name_ptr as *mut std::ffi::c_void);
                    }
                    let ty = LogicalType::from_raw(ffi::duckdb_prepared_statement_column_logical_type(
                        self.raw, i,
                    ));
                    let mut ty = ty.to_duck_type();
                    if let Some(named) = &self.named_enums {
                        ty.mark_named_enums(named);
                    }
                    (name, ty)
                })
                .collect()
        }
    }

    /// Bind parameter `index` (0-based) to NULL.
    pub fn bind_null(&self, index: usize) -> Result<(), DbError> {
        let _entered = gate::enter()?;
        // SAFETY: live statement; DuckDB checks the index.
        let state = unsafe { ffi::duckdb_bind_null(self.raw, index as u64 + 1) };
        self.bound(state, index)
    }

    /// Bind parameter `index` to text; DuckDB casts it to the parameter's type.
    pub fn bind_text(&self, index: usize, text: &str) -> Result<(), DbError> {
        let _entered = gate::enter()?;
        // SAFETY: live statement; the pointer and length describe `text`, which DuckDB copies.
        let state = unsafe {
            ffi::duckdb_bind_varchar_length(
                self.raw,
                index as u64 + 1,
                text.as_ptr().cast(),
                text.len() as u64,
            )
        };
        self.bound(state, index)
    }

    /// Bind parameter `index` to a BIGINT.
    pub fn bind_i64(&self, index: usize, value: i64) -> Result<(), DbError> {
        let _entered = gate::enter()?;
        // SAFETY: live statement; DuckDB checks the index.
        let state = unsafe { ffi::duckdb_bind_int64(self.raw, index as u64 + 1, value) };
        self.bound(state, index)
    }

    /// Bind parameter `index` to a DOUBLE.
    pub fn bind_f64(&self, index: usize, value: f64) -> Result<(), DbError> {
        let _entered = gate::enter()?;
        // SAFETY: live statement; DuckDB checks the index.
        let state = unsafe { ffi::duckdb_bind_double(self.raw, index as u64 + 1, value) };
        self.bound(state, index)
    }

    /// Bind parameter `index` to a BOOLEAN.
    pub fn bind_bool(&self, index: usize, value: bool) -> Result<(), DbError> {
        let _entered = gate::enter()?;
        // SAFETY: live statement; DuckDB checks the index.
        let state = unsafe { ffi::duckdb_bind_boolean(self.raw, index as u64 + 1, value) };
        self.bound(state, index)
    }

    /// Bind parameter `index` to a DATE (days since 1970-01-01).
    pub fn bind_date(&self, index: usize, days: i32) -> Result<(), DbError> {
        let _entered = gate::enter()?;
        // SAFETY: live statement; DuckDB checks the index.
        let state = unsafe { ffi::duckdb_bind_date(self.raw, index as u64 + 1, ffi::duckdb_date { days }) };
        self.bound(state, index)
    }

    /// Bind parameter `index` to a TIMESTAMP, or a TIMESTAMPTZ when `with_zone` (microseconds
    /// since 1970-01-01 UTC).
    pub fn bind_timestamp(&self, index: usize, micros: i64, with_zone: bool) -> Result<(), DbError> {
        let value = ffi::duckdb_timestamp { micros };
        let _entered = gate::enter()?;
        // SAFETY: live statement; DuckDB checks the index.
        let state = unsafe {
            if with_zone {
                ffi::duckdb_bind_timestamp_tz(self.raw, index as u64 + 1, value)
            } else {
                ffi::duckdb_bind_timestamp(self.raw, index as u64 + 1, value)
            }
        };
        self.bound(state, index)
    }

    /// Bind parameter `index` to bytes (a BLOB).
    pub fn bind_blob(&self, index: usize, bytes: &[u8]) -> Result<(), DbError> {
        let _entered = gate::enter()?;
        // SAFETY: live statement; DuckDB copies the bytes.
        let state = unsafe {
            ffi::duckdb_bind_blob(
                self.raw,
                index as u64 + 1,
                bytes.as_ptr().cast(),
                bytes.len() as u64,
            )
        };
        self.bound(state, index)
    }

    fn bound(&self, state: ffi::duckdb_state, index: usize) -> Result<(), DbError> {
        if state == ffi::duckdb_state_DuckDBSuccess {
            Ok(())
        } else {
            Err(DbError::new(
                ErrorKind::Conversion,
                format!("invalid value for parameter ${}", index + 1),
            ))
        }
    }

    /// Execute to the end and return the whole (materialized) result: for small internal
    /// queries, where streaming's pending-result round trips cost more than the rows.
    pub fn execute(&self) -> Result<QueryResult, DbError> {
        let mut result = QueryResult::empty(Arc::clone(&self._conn));
        result.names = self.names.clone();
        result.named_enums = self.named_enums.clone();
        let _entered = gate::enter()?;
        // SAFETY: live prepared statement; `result` is destroyed by QueryResult even on failure.
        let state = unsafe { ffi::duckdb_execute_prepared(self.raw, result.raw_mut()) };
        if state != ffi::duckdb_state_DuckDBSuccess {
            return Err(result.error());
        }
        Ok(result)
    }

    /// Execute and return a result that is fetched chunk by chunk as the client reads it.
    pub fn execute_streaming(&self) -> Result<QueryResult, DbError> {
        let mut pending: ffi::duckdb_pending_result = ptr::null_mut();
        let _entered = gate::enter()?;
        // SAFETY: live prepared statement; `pending` is destroyed below on every path.
        let state = unsafe { ffi::duckdb_pending_prepared_streaming(self.raw, &mut pending) };
        if state != ffi::duckdb_state_DuckDBSuccess {
            // SAFETY: `pending` carries the error until destroyed.
            let msg = c_string(unsafe { ffi::duckdb_pending_error(pending) });
            unsafe { ffi::duckdb_destroy_pending(&mut pending) };
            return Err(DbError::from_message(
                msg.unwrap_or_else(|| "execution failed".into()),
            ));
        }
        let mut result = QueryResult::empty(Arc::clone(&self._conn));
        result.names = self.names.clone();
        result.named_enums = self.named_enums.clone();
        // SAFETY: `pending` is live; `result` is destroyed by QueryResult even on failure.
        let state = unsafe { ffi::duckdb_execute_pending(pending, result.raw_mut()) };
        unsafe { ffi::duckdb_destroy_pending(&mut pending) };
        if state != ffi::duckdb_state_DuckDBSuccess {
            return Err(result.error());
        }
        Ok(result)
    }
}

impl Drop for Prepared {
    fn drop(&mut self) {
        // At process exit the handle is leaked (see `gate`).
        let Some(_entered) = gate::try_enter() else {
            return;
        };
        // SAFETY: created by duckdb_prepare_extracted_statement, destroyed once (NULL-safe).
        unsafe { ffi::duckdb_destroy_prepare(&mut self.raw) };
    }
}

/// What a result carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultShape {
    /// Rows for the client (SELECT, RETURNING, PRAGMA, ...).
    Rows,
    /// A count of rows inserted, updated or deleted.
    ChangedRows,
    /// Nothing (DDL, SET, transaction control).
    Nothing,
}

/// A query result. Streaming results pull chunks from the running query on `next_chunk`;
/// dropping the result before the end stops the query.
pub struct QueryResult {
    raw: Box<ffi::duckdb_result>,
    _conn: Arc<RawConnection>,
    /// The statement's renamed columns (see [`Prepared::rename_columns`]).
    names: Option<Arc<[String]>>,
    /// The statement's named ENUMs (see [`Prepared::show_named_enums`]).
    named_enums: Option<Arc<[Vec<String>]>>,
}

// SAFETY: a result belongs to one connection and is used by the thread that owns the connection.
unsafe impl Send for QueryResult {}

impl QueryResult {
    pub(crate) fn empty(conn: Arc<RawConnection>) -> Self {
        // SAFETY: duckdb_result is a plain C struct for which all-zero is the "no result" value
        // that duckdb_destroy_result accepts.
        QueryResult {
            raw: Box::new(unsafe { std::mem::zeroed() }),
            _conn: conn,
            names: None,
            named_enums: None,
        }
    }

    pub(crate) fn raw_mut(&mut self) -> *mut ffi::duckdb_result {
        &mut *self.raw
    }

    pub(crate) fn error(&mut self) -> DbError {
        // SAFETY: the result struct is initialized (possibly zeroed) and owned by us.
        let kind = ErrorKind::from_raw(unsafe { ffi::duckdb_result_error_type(self.raw_mut()) });
        let msg = c_string(unsafe { ffi::duckdb_result_error(self.raw_mut()) })
            .unwrap_or_else(|| "query failed".to_string());
        let mut err = DbError::from_message(msg);
        if kind != ErrorKind::Other {
            err.kind = kind;
        }
        err
    }

    pub fn column_count(&mut self) -> usize {
        // SAFETY: live result.
        unsafe { ffi::duckdb_column_count(self.raw_mut()) as usize }
    }

    pub fn column_name(&mut self, col: usize) -> String {
        if let Some(name) = self.names.as_ref().and_then(|n| n.get(col)) {
            return name.clone();
        }
        // SAFETY: live result; col < column_count (DuckDB returns NULL otherwise).
        c_string(unsafe { ffi::duckdb_column_name(self.raw_mut(), col as u64) }).unwrap_or_default()
    }

    pub fn column_type(&mut self, col: usize) -> DuckType {
        // SAFETY: live result; the logical type is owned and destroyed by LogicalType.
        let lt =
            LogicalType::from_raw(unsafe { ffi::duckdb_column_logical_type(self.raw_mut(), col as u64) });
        let mut ty = lt.to_duck_type();
        if let Some(named) = &self.named_enums {
            ty.mark_named_enums(named);
        }
        ty
    }

    pub fn kind(&self) -> StatementKind {
        // SAFETY: live result (passed by value, as the C API takes it).
        StatementKind::from_raw(unsafe { ffi::duckdb_result_statement_type(*self.raw) })
    }

    pub fn shape(&self) -> ResultShape {
        // SAFETY: live result (passed by value, as the C API takes it).
        match unsafe { ffi::duckdb_result_return_type(*self.raw) } {
            ffi::duckdb_result_type_DUCKDB_RESULT_TYPE_CHANGED_ROWS => ResultShape::ChangedRows,
            ffi::duckdb_result_type_DUCKDB_RESULT_TYPE_QUERY_RESULT => ResultShape::Rows,
            _ => ResultShape::Nothing,
        }
    }

    /// Rows inserted, updated or deleted (for DML statements).
    pub fn rows_changed(&mut self) -> u64 {
        // SAFETY: live result.
        unsafe { ffi::duckdb_rows_changed(self.raw_mut()) }
    }

    /// The next chunk of rows, `None` at the end. An error raised while the query runs (including
    /// an interrupt) surfaces here.
    pub fn next_chunk(&mut self) -> Result<Option<DataChunk>, DbError> {
        let entered = gate::enter()?;
        // SAFETY: live result; the chunk is owned by DataChunk and destroyed there.
        let chunk = unsafe { ffi::duckdb_fetch_chunk(*self.raw) };
        drop(entered);
        if chunk.is_null() {
            // SAFETY: live result.
            let has_error = !unsafe { ffi::duckdb_result_error(self.raw_mut()) }.is_null();
            return if has_error { Err(self.error()) } else { Ok(None) };
        }
        Ok(Some(DataChunk::from_raw(chunk)))
    }
}

impl Drop for QueryResult {
    fn drop(&mut self) {
        // At process exit the result is leaked (see `gate`).
        let Some(_entered) = gate::try_enter() else {
            return;
        };
        // SAFETY: owned result, destroyed once; all-zero results are accepted.
        unsafe { ffi::duckdb_destroy_result(self.raw_mut()) };
    }
}
