//! Thin safe wrappers over the DuckDB C API. This module is the only place with `unsafe`.
//!
//! Raw handles are wrapped once in RAII types (as rusqlite does): a [`Connection`] disconnects
//! when the last reference goes, a [`QueryResult`] destroys its result, a [`DataChunk`] its chunk.
//! Everything above this module sees plain Rust values: [`DuckType`] trees, typed slices of
//! vector data, and [`DbError`]s with DuckDB's error kind.

mod appender;
mod chunk;
mod connection;
mod error;
mod extension;
mod gate;
mod logical_type;
mod scalar;
mod statement;

pub use appender::Appender;
pub use chunk::Interval;
pub use chunk::{DataChunk, ListEntry, Vector};
pub use connection::{Connection, Database, InterruptHandle};
pub use error::{DbError, ErrorKind};
pub use extension::{
    at_process_exit, register_table_function, write_cell, Cell, ColumnKind, TableFunctionExtra,
};
pub use gate::{begin_exit, exiting};
pub use logical_type::{DecimalStorage, DuckType, EnumStorage};
pub use scalar::{register_scalar_function, SqlScalar};
pub use statement::{Extracted, Prepared, QueryResult, ResultShape, StatementKind};
