//! Connections to the host's database instance.

use std::cell::Cell;
use std::ffi::{CStr, CString};
use std::marker::PhantomData;
use std::ptr;
use std::sync::Arc;

use libduckdb_sys as ffi;

use super::error::{DbError, ErrorKind};
use super::gate;
use super::statement::{Extracted, Prepared, QueryResult};

/// The host's database instance, valid only while the extension is being loaded: DuckDB frees the
/// handle it gives the entrypoint when LOAD returns. Every connection the extension will ever use
/// is therefore opened from here, during LOAD.
pub struct Database<'load> {
    raw: ffi::duckdb_database,
    _load: PhantomData<&'load ()>,
}

impl<'load> Database<'load> {
    /// # Safety
    /// `raw` must be a live database handle for at least `'load`.
    pub(crate) unsafe fn from_raw(raw: ffi::duckdb_database) -> Self {
        Database {
            raw,
            _load: PhantomData,
        }
    }

    /// Open a new connection on the instance.
    pub fn connect(&self) -> Result<Connection, DbError> {
        let mut conn: ffi::duckdb_connection = ptr::null_mut();
        let _entered = gate::enter()?;
        // SAFETY: `self.raw` is live during LOAD (type invariant); `conn` is a valid out pointer.
        let state = unsafe { ffi::duckdb_connect(self.raw, &mut conn) };
        if state != ffi::duckdb_state_DuckDBSuccess || conn.is_null() {
            return Err(DbError::new(
                ErrorKind::Other,
                "could not open a DuckDB connection",
            ));
        }
        let raw = Arc::new(RawConnection(conn));
        gate::track(&raw);
        Ok(Connection {
            raw,
            _not_sync: PhantomData,
        })
    }
}

pub(crate) struct RawConnection(ffi::duckdb_connection);

// SAFETY: a DuckDB connection may be used from any thread, one thread at a time (guaranteed by
// `Connection` being !Sync and owned by one session); `duckdb_interrupt`, the only call made
// through a shared reference, is thread-safe by design.
unsafe impl Send for RawConnection {}
unsafe impl Sync for RawConnection {}

impl RawConnection {
    /// Interrupt from the exit hook, which has closed the gate to everyone else.
    pub(crate) fn interrupt_at_exit(&self) {
        // SAFETY: the handle is alive while `self` is; duckdb_interrupt is thread-safe.
        unsafe { ffi::duckdb_interrupt(self.0) };
    }
}

impl Drop for RawConnection {
    fn drop(&mut self) {
        // At process exit DuckDB is being torn down: leak rather than disconnect.
        let Some(_entered) = gate::try_enter() else {
            return;
        };
        // SAFETY: the handle came from duckdb_connect and this is its last owner.
        unsafe { ffi::duckdb_disconnect(&mut self.0) };
    }
}

/// One DuckDB connection. Moves between threads, is used by one at a time.
pub struct Connection {
    raw: Arc<RawConnection>,
    _not_sync: PhantomData<Cell<()>>,
}

/// Interrupts whatever the connection is running, from any thread. Holding it keeps the
/// connection's handle alive, so a late cancel never touches freed memory.
#[derive(Clone)]
pub struct InterruptHandle {
    raw: Arc<RawConnection>,
}

impl InterruptHandle {
    pub fn interrupt(&self) {
        // Exit interrupts every connection itself.
        let Some(_entered) = gate::try_enter() else {
            return;
        };
        // SAFETY: the handle is alive while `raw` is; duckdb_interrupt is thread-safe.
        unsafe { ffi::duckdb_interrupt(self.raw.0) };
    }
}

impl Connection {
    pub(crate) fn raw(&self) -> ffi::duckdb_connection {
        self.raw.0
    }

    pub(crate) fn shared_raw(&self) -> Arc<RawConnection> {
        Arc::clone(&self.raw)
    }

    pub fn interrupt_handle(&self) -> InterruptHandle {
        InterruptHandle {
            raw: Arc::clone(&self.raw),
        }
    }

    /// Run one or more statements and discard their results.
    pub fn execute(&self, sql: &str) -> Result<(), DbError> {
        self.query(sql).map(drop)
    }

    /// Run one or more statements and return the (materialized) result of the last one.
    pub fn query(&self, sql: &str) -> Result<QueryResult, DbError> {
        let sql = CString::new(sql)
            .map_err(|_| DbError::new(ErrorKind::InvalidInput, "query text contains a NUL byte"))?;
        let mut result = QueryResult::empty(self.shared_raw());
        let _entered = gate::enter()?;
        // SAFETY: connection and C string are valid; `result` is an out parameter that must be
        // destroyed even on failure, which QueryResult's Drop does.
        let state = unsafe { ffi::duckdb_query(self.raw(), sql.as_ptr(), result.raw_mut()) };
        if state != ffi::duckdb_state_DuckDBSuccess {
            return Err(result.error());
        }
        Ok(result)
    }

    /// Prepare exactly one statement (the extended protocol's Parse): several are an error.
    pub fn prepare(&self, sql: &str) -> Result<Option<Prepared>, DbError> {
        let extracted = self.extract(sql)?;
        match extracted.len() {
            0 => Ok(None),
            1 => extracted.prepare(0).map(Some),
            _ => Err(DbError::new(
                ErrorKind::Syntax,
                "Syntax Error: cannot insert multiple commands into a prepared statement",
            )),
        }
    }

    /// Split a query into DuckDB statements (DuckDB's own parser decides).
    pub fn extract(&self, sql: &str) -> Result<Extracted<'_>, DbError> {
        let sql = CString::new(sql)
            .map_err(|_| DbError::new(ErrorKind::InvalidInput, "query text contains a NUL byte"))?;
        let mut raw: ffi::duckdb_extracted_statements = ptr::null_mut();
        let _entered = gate::enter()?;
        // SAFETY: valid connection and C string; `raw` is destroyed by Extracted (or below).
        let count = unsafe { ffi::duckdb_extract_statements(self.raw(), sql.as_ptr(), &mut raw) };
        if count == 0 {
            // SAFETY: `raw` is valid (possibly carrying an error) until destroyed here.
            let message = unsafe {
                let msg = ffi::duckdb_extract_statements_error(raw);
                let text = if msg.is_null() {
                    None
                } else {
                    Some(CStr::from_ptr(msg).to_string_lossy().into_owned())
                };
                ffi::duckdb_destroy_extracted(&mut raw);
                text
            };
            return match message {
                Some(m) => Err(DbError::from_message(m)),
                None => Ok(Extracted::empty(self)),
            };
        }
        Ok(Extracted::new(self, raw, count as usize))
    }
}
