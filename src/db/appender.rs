//! DuckDB's appender: the bulk path COPY FROM STDIN loads through.

use std::ffi::{CStr, CString};
use std::ptr;

use libduckdb_sys as ffi;

use super::connection::Connection;
use super::error::{DbError, ErrorKind};
use super::gate::{self, Entered};
use super::logical_type::{DuckType, LogicalType};

/// Appends rows to one table of the connection's current transaction.
pub struct Appender<'c> {
    raw: ffi::duckdb_appender,
    _conn: &'c Connection,
    /// Held from a row's first value to its end: one pass of the exit gate per row rather than
    /// per value (rows are whole before they are appended, so no client is waited for).
    row: Option<Entered>,
}

fn c_str(s: &str) -> Result<CString, DbError> {
    CString::new(s).map_err(|_| DbError::new(ErrorKind::InvalidInput, "name contains a NUL byte"))
}

impl<'c> Appender<'c> {
    /// An appender for `schema.table` (the current schema when `None`), filling `columns` (all
    /// columns, in order, when empty).
    pub fn new(
        conn: &'c Connection,
        schema: Option<&str>,
        table: &str,
        columns: &[String],
    ) -> Result<Self, DbError> {
        let schema = schema.map(c_str).transpose()?;
        let table = c_str(table)?;
        let mut raw: ffi::duckdb_appender = ptr::null_mut();
        let _entered = gate::enter()?;
        // SAFETY: valid connection and C strings; `raw` is destroyed by Drop even on failure.
        let state = unsafe {
            ffi::duckdb_appender_create_ext(
                conn.raw(),
                ptr::null(),
                schema.as_ref().map_or(ptr::null(), |s| s.as_ptr()),
                table.as_ptr(),
                &mut raw,
            )
        };
        let appender = Appender {
            raw,
            _conn: conn,
            row: None,
        };
        if state != ffi::duckdb_state_DuckDBSuccess {
            return Err(appender.error());
        }
        for column in columns {
            let name = c_str(column)?;
            // SAFETY: live appender, valid C string.
            if unsafe { ffi::duckdb_appender_add_column(appender.raw, name.as_ptr()) }
                != ffi::duckdb_state_DuckDBSuccess
            {
                return Err(appender.error());
            }
        }
        Ok(appender)
    }

    fn error(&self) -> DbError {
        // SAFETY: the appender (possibly failed) is live; the message is owned by it.
        let msg = unsafe {
            let p = ffi::duckdb_appender_error(self.raw);
            if p.is_null() {
                "appender failed".to_string()
            } else {
                CStr::from_ptr(p).to_string_lossy().into_owned()
            }
        };
        DbError::from_message(msg)
    }

    /// Let the current row's values into DuckDB (see `row`).
    fn in_row(&mut self) -> Result<(), DbError> {
        if self.row.is_none() {
            self.row = Some(gate::enter()?);
        }
        Ok(())
    }

    fn check(&mut self, state: ffi::duckdb_state) -> Result<(), DbError> {
        if state == ffi::duckdb_state_DuckDBSuccess {
            Ok(())
        } else {
            // A failed row ends the load: exit must not wait for whatever the caller does next.
            self.row = None;
            Err(self.error())
        }
    }

    /// How many columns each row has.
    pub fn column_count(&self) -> usize {
        // SAFETY: live appender.
        unsafe { ffi::duckdb_appender_column_count(self.raw) as usize }
    }

    /// The types of the columns each row fills, in order.
    pub fn column_types(&self) -> Vec<DuckType> {
        (0..self.column_count())
            .map(|i| {
                // SAFETY: live appender, index in range; the type is destroyed by LogicalType.
                LogicalType::from_raw(unsafe { ffi::duckdb_appender_column_type(self.raw, i as u64) })
                    .to_duck_type()
            })
            .collect()
    }

    pub fn append_blob(&mut self, bytes: &[u8]) -> Result<(), DbError> {
        self.in_row()?;
        // SAFETY: live appender; DuckDB copies the bytes.
        self.check(unsafe { ffi::duckdb_append_blob(self.raw, bytes.as_ptr().cast(), bytes.len() as u64) })
    }

    pub fn append_i64(&mut self, value: i64) -> Result<(), DbError> {
        self.in_row()?;
        // SAFETY: live appender.
        self.check(unsafe { ffi::duckdb_append_int64(self.raw, value) })
    }

    pub fn append_f64(&mut self, value: f64) -> Result<(), DbError> {
        self.in_row()?;
        // SAFETY: live appender.
        self.check(unsafe { ffi::duckdb_append_double(self.raw, value) })
    }

    pub fn append_bool(&mut self, value: bool) -> Result<(), DbError> {
        self.in_row()?;
        // SAFETY: live appender.
        self.check(unsafe { ffi::duckdb_append_bool(self.raw, value) })
    }

    /// Days since 1970-01-01.
    pub fn append_date(&mut self, days: i32) -> Result<(), DbError> {
        self.in_row()?;
        // SAFETY: live appender.
        self.check(unsafe { ffi::duckdb_append_date(self.raw, ffi::duckdb_date { days }) })
    }

    /// Microseconds since 1970-01-01 (UTC for a column WITH TIME ZONE).
    pub fn append_timestamp(&mut self, micros: i64) -> Result<(), DbError> {
        self.in_row()?;
        // SAFETY: live appender.
        self.check(unsafe { ffi::duckdb_append_timestamp(self.raw, ffi::duckdb_timestamp { micros }) })
    }

    /// Append a value given as text; DuckDB casts it to the column's type.
    pub fn append_text(&mut self, text: &str) -> Result<(), DbError> {
        self.in_row()?;
        // SAFETY: live appender; DuckDB copies the bytes.
        self.check(unsafe {
            ffi::duckdb_append_varchar_length(self.raw, text.as_ptr().cast(), text.len() as u64)
        })
    }

    /// Append a value given as text, cast by DuckDB's full cast rules: the appender's own
    /// text conversion lacks some types (INTERVAL, for one).
    pub fn append_text_cast(&mut self, text: &str) -> Result<(), DbError> {
        self.in_row()?;
        // SAFETY: DuckDB copies the bytes into a value we own and destroy here; the appender
        // copies the value.
        unsafe {
            let mut value = ffi::duckdb_create_varchar_length(text.as_ptr().cast(), text.len() as u64);
            let state = ffi::duckdb_append_value(self.raw, value);
            ffi::duckdb_destroy_value(&mut value);
            self.check(state)
        }
    }

    pub fn append_null(&mut self) -> Result<(), DbError> {
        self.in_row()?;
        // SAFETY: live appender.
        self.check(unsafe { ffi::duckdb_append_null(self.raw) })
    }

    pub fn end_row(&mut self) -> Result<(), DbError> {
        self.in_row()?;
        // SAFETY: live appender.
        let ended = self.check(unsafe { ffi::duckdb_appender_end_row(self.raw) });
        self.row = None;
        ended
    }

    /// Write the appended rows into the table (constraints are checked here).
    pub fn flush(&mut self) -> Result<(), DbError> {
        let _entered = gate::enter()?;
        // SAFETY: live appender.
        self.check(unsafe { ffi::duckdb_appender_flush(self.raw) })
    }
}

impl Drop for Appender<'_> {
    fn drop(&mut self) {
        // At process exit the appender is leaked (see `gate`).
        self.row = None;
        let Some(_entered) = gate::try_enter() else {
            return;
        };
        // SAFETY: owned appender, destroyed once (it flushes what is left; callers that failed
        // roll the transaction back, so nothing partial is committed).
        unsafe { ffi::duckdb_appender_destroy(&mut self.raw) };
    }
}
