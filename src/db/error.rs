//! DuckDB's errors as the C API reports them: a kind and a message.

use libduckdb_sys as ffi;

/// DuckDB's error type (`duckdb_error_type`), reduced to the cases we distinguish.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    Parser,
    Syntax,
    Catalog,
    Binder,
    Conversion,
    OutOfRange,
    Decimal,
    DivideByZero,
    MismatchType,
    InvalidType,
    UnknownType,
    Constraint,
    Transaction,
    Interrupt,
    NotImplemented,
    Permission,
    OutOfMemory,
    Io,
    InvalidInput,
    ParameterNotResolved,
    ParameterNotAllowed,
    Dependency,
    Sequence,
    Settings,
    /// Not DuckDB's: the process is exiting and the call was not made (see `gate`).
    Exiting,
    Other,
}

impl ErrorKind {
    pub(crate) fn from_raw(t: ffi::duckdb_error_type) -> ErrorKind {
        use ErrorKind::*;
        match t {
            ffi::duckdb_error_type_DUCKDB_ERROR_PARSER => Parser,
            ffi::duckdb_error_type_DUCKDB_ERROR_SYNTAX => Syntax,
            ffi::duckdb_error_type_DUCKDB_ERROR_CATALOG => Catalog,
            ffi::duckdb_error_type_DUCKDB_ERROR_BINDER => Binder,
            ffi::duckdb_error_type_DUCKDB_ERROR_CONVERSION => Conversion,
            ffi::duckdb_error_type_DUCKDB_ERROR_OUT_OF_RANGE => OutOfRange,
            ffi::duckdb_error_type_DUCKDB_ERROR_DECIMAL => Decimal,
            ffi::duckdb_error_type_DUCKDB_ERROR_DIVIDE_BY_ZERO => DivideByZero,
            ffi::duckdb_error_type_DUCKDB_ERROR_MISMATCH_TYPE => MismatchType,
            ffi::duckdb_error_type_DUCKDB_ERROR_INVALID_TYPE => InvalidType,
            ffi::duckdb_error_type_DUCKDB_ERROR_UNKNOWN_TYPE => UnknownType,
            ffi::duckdb_error_type_DUCKDB_ERROR_CONSTRAINT => Constraint,
            ffi::duckdb_error_type_DUCKDB_ERROR_TRANSACTION => Transaction,
            ffi::duckdb_error_type_DUCKDB_ERROR_INTERRUPT => Interrupt,
            ffi::duckdb_error_type_DUCKDB_ERROR_NOT_IMPLEMENTED => NotImplemented,
            ffi::duckdb_error_type_DUCKDB_ERROR_PERMISSION => Permission,
            ffi::duckdb_error_type_DUCKDB_ERROR_OUT_OF_MEMORY => OutOfMemory,
            ffi::duckdb_error_type_DUCKDB_ERROR_IO => Io,
            ffi::duckdb_error_type_DUCKDB_ERROR_INVALID_INPUT => InvalidInput,
            ffi::duckdb_error_type_DUCKDB_ERROR_PARAMETER_NOT_RESOLVED => ParameterNotResolved,
            ffi::duckdb_error_type_DUCKDB_ERROR_PARAMETER_NOT_ALLOWED => ParameterNotAllowed,
            ffi::duckdb_error_type_DUCKDB_ERROR_DEPENDENCY => Dependency,
            ffi::duckdb_error_type_DUCKDB_ERROR_SEQUENCE => Sequence,
            ffi::duckdb_error_type_DUCKDB_ERROR_SETTINGS => Settings,
            _ => Other,
        }
    }
}

/// An error reported by DuckDB.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbError {
    pub kind: ErrorKind,
    pub message: String,
}

impl DbError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        DbError {
            kind,
            message: message.into(),
        }
    }

    /// An error whose kind DuckDB did not tell (prepare and extract report only a message).
    /// The message prefix ("Parser Error: ...") still tells the kind.
    pub(crate) fn from_message(message: String) -> Self {
        let kind = match message.split_once(" Error: ").map(|(k, _)| k) {
            Some("Parser") => ErrorKind::Parser,
            Some("Syntax") => ErrorKind::Syntax,
            Some("Catalog") => ErrorKind::Catalog,
            Some("Binder") => ErrorKind::Binder,
            Some("Conversion") => ErrorKind::Conversion,
            Some("Out of Range") => ErrorKind::OutOfRange,
            Some("Constraint") => ErrorKind::Constraint,
            Some("TransactionContext") => ErrorKind::Transaction,
            Some("Not implemented") => ErrorKind::NotImplemented,
            Some("Permission") => ErrorKind::Permission,
            Some("Invalid Input") => ErrorKind::InvalidInput,
            Some("INTERRUPT") | Some("Interrupt") => ErrorKind::Interrupt,
            Some("IO") => ErrorKind::Io,
            Some("Dependency") => ErrorKind::Dependency,
            Some("Invalid type") => ErrorKind::InvalidType,
            Some("Mismatch Type") => ErrorKind::MismatchType,
            Some("Out of Memory") => ErrorKind::OutOfMemory,
            _ => ErrorKind::Other,
        };
        DbError { kind, message }
    }
}

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DbError {}
