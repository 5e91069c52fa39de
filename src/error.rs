//! Errors that carry a PostgreSQL SQLSTATE.
//!
//! Everything a client can be told goes through [`PgError`]: the protocol layer turns it into an
//! ErrorResponse, the SQL functions into a DuckDB error. DuckDB's own errors are classified here,
//! once, from the error type the C API reports plus the message where the type is too coarse.

use std::fmt;

use crate::db::DbError;

/// SQLSTATE codes we use, named as PostgreSQL's errcodes appendix names them.
pub mod sqlstate {
    pub const SUCCESSFUL_COMPLETION: &str = "00000";
    pub const FEATURE_NOT_SUPPORTED: &str = "0A000";
    pub const PROTOCOL_VIOLATION: &str = "08P01";
    pub const CONNECTION_FAILURE: &str = "08006";
    pub const SYNTAX_ERROR: &str = "42601";
    pub const UNDEFINED_TABLE: &str = "42P01";
    pub const UNDEFINED_COLUMN: &str = "42703";
    pub const UNDEFINED_FUNCTION: &str = "42883";
    pub const UNDEFINED_OBJECT: &str = "42704";
    pub const UNDEFINED_SCHEMA: &str = "3F000";
    pub const INVALID_CATALOG_NAME: &str = "3D000";
    pub const DUPLICATE_TABLE: &str = "42P07";
    pub const DUPLICATE_OBJECT: &str = "42710";
    pub const DATATYPE_MISMATCH: &str = "42804";
    pub const AMBIGUOUS_COLUMN: &str = "42702";
    pub const INVALID_TEXT_REPRESENTATION: &str = "22P02";
    pub const DIVISION_BY_ZERO: &str = "22012";
    pub const NUMERIC_VALUE_OUT_OF_RANGE: &str = "22003";
    pub const DATA_EXCEPTION: &str = "22000";
    pub const INVALID_PARAMETER_VALUE: &str = "22023";
    pub const UNIQUE_VIOLATION: &str = "23505";
    pub const NOT_NULL_VIOLATION: &str = "23502";
    pub const FOREIGN_KEY_VIOLATION: &str = "23503";
    pub const CHECK_VIOLATION: &str = "23514";
    pub const INTEGRITY_CONSTRAINT_VIOLATION: &str = "23000";
    pub const ACTIVE_SQL_TRANSACTION: &str = "25001";
    pub const NO_ACTIVE_SQL_TRANSACTION: &str = "25P01";
    pub const IN_FAILED_SQL_TRANSACTION: &str = "25P02";
    pub const READ_ONLY_SQL_TRANSACTION: &str = "25006";
    pub const SERIALIZATION_FAILURE: &str = "40001";
    pub const QUERY_CANCELED: &str = "57014";
    pub const ADMIN_SHUTDOWN: &str = "57P01";
    pub const INSUFFICIENT_PRIVILEGE: &str = "42501";
    pub const TOO_MANY_CONNECTIONS: &str = "53300";
    pub const OUT_OF_MEMORY: &str = "53200";
    pub const INVALID_PASSWORD: &str = "28P01";
    pub const INVALID_AUTHORIZATION: &str = "28000";
    pub const IO_ERROR: &str = "58030";
    pub const INVALID_PARAMETER: &str = "42P02";
    pub const CONFIG_FILE_ERROR: &str = "F0000";
    pub const INTERNAL_ERROR: &str = "XX000";
}

/// Severity of an error as the client sees it: FATAL ends the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Fatal,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "ERROR",
            Severity::Fatal => "FATAL",
        }
    }
}

/// An error with a SQLSTATE, ready to be shown to a PostgreSQL client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgError {
    pub severity: Severity,
    pub code: &'static str,
    pub message: String,
    pub detail: Option<String>,
    pub hint: Option<String>,
}

pub type PgResult<T> = Result<T, PgError>;

impl PgError {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        PgError {
            severity: Severity::Error,
            code,
            message: message.into(),
            detail: None,
            hint: None,
        }
    }

    pub fn fatal(code: &'static str, message: impl Into<String>) -> Self {
        PgError {
            severity: Severity::Fatal,
            ..PgError::new(code, message)
        }
    }

    pub fn internal(message: impl Into<String>) -> Self {
        PgError::new(sqlstate::INTERNAL_ERROR, message)
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

impl fmt::Display for PgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message)
    }
}

impl std::error::Error for PgError {}

impl From<DbError> for PgError {
    fn from(e: DbError) -> Self {
        classify(&e)
    }
}

/// Split DuckDB's "Kind Error: message\n\nLINE 1: ..." into the message and the rest.
fn split_duckdb_message(raw: &str) -> (String, Option<String>) {
    let (head, tail) = match raw.find("\n\nLINE ") {
        Some(i) => (&raw[..i], Some(raw[i + 2..].trim_end().to_string())),
        None => (raw, None),
    };
    // Drop DuckDB's "Parser Error: " style prefix; PostgreSQL messages carry no kind.
    let head = match head.find(" Error: ") {
        Some(i) if i < 40 && !head[..i].contains('\n') => &head[i + 8..],
        _ => head,
    };
    let (message, hint) = match head.split_once('\n') {
        Some((m, rest)) => (m.trim_end().to_string(), Some(rest.trim().to_string())),
        None => (head.trim_end().to_string(), None),
    };
    let extra = match (hint, tail) {
        (Some(h), _) if !h.is_empty() => Some(h),
        (_, t) => t,
    };
    (message, extra)
}

/// Map a DuckDB error to the SQLSTATE PostgreSQL would report for the same failure.
fn classify(e: &DbError) -> PgError {
    use crate::db::ErrorKind as K;
    use sqlstate::*;
    let (message, extra) = split_duckdb_message(&e.message);
    let lower = message.to_ascii_lowercase();
    // DuckDB refuses writes to a view in these words; a workspace's grants are views over
    // read-only sources, so this is how a write to a grant fails.
    let writes_to_view = matches!(e.kind, K::Binder | K::Catalog)
        && (lower.starts_with("can only update base table")
            || lower.starts_with("can only delete from base table")
            || lower.ends_with("is not an table"));
    let code = match e.kind {
        // DuckDB reports it under several error types.
        _ if lower.contains("division by zero") => DIVISION_BY_ZERO,
        _ if writes_to_view => READ_ONLY_SQL_TRANSACTION,
        K::Parser | K::Syntax => SYNTAX_ERROR,
        K::Catalog => {
            if lower.contains("unrecognized configuration parameter") {
                UNDEFINED_OBJECT
            } else if lower.contains("already exists") {
                if lower.starts_with("table") || lower.starts_with("view") {
                    DUPLICATE_TABLE
                } else {
                    DUPLICATE_OBJECT
                }
            } else if lower.contains("function") || lower.contains("macro") {
                UNDEFINED_FUNCTION
            } else if lower.starts_with("schema") {
                UNDEFINED_SCHEMA
            } else if lower.starts_with("catalog") {
                INVALID_CATALOG_NAME
            } else if lower.starts_with("type") {
                UNDEFINED_OBJECT
            } else {
                UNDEFINED_TABLE
            }
        }
        K::Binder => {
            if lower.contains("referenced column") || lower.contains("column") && lower.contains("not found")
            {
                UNDEFINED_COLUMN
            } else if lower.contains("ambiguous") {
                AMBIGUOUS_COLUMN
            } else if lower.contains("no function matches")
                || lower.contains("could not choose a best candidate")
            {
                UNDEFINED_FUNCTION
            } else if lower.contains("table") && lower.contains("does not exist") {
                UNDEFINED_TABLE
            } else {
                SYNTAX_ERROR
            }
        }
        // "value is out of range for the destination type": PostgreSQL's 22003, not bad syntax.
        K::Conversion if lower.contains("out of range") => NUMERIC_VALUE_OUT_OF_RANGE,
        K::Conversion => INVALID_TEXT_REPRESENTATION,
        K::OutOfRange | K::Decimal => NUMERIC_VALUE_OUT_OF_RANGE,
        K::DivideByZero => DIVISION_BY_ZERO,
        K::MismatchType | K::InvalidType | K::UnknownType => DATATYPE_MISMATCH,
        K::Constraint => {
            if lower.contains("not null") {
                NOT_NULL_VIOLATION
            } else if lower.contains("foreign key") {
                FOREIGN_KEY_VIOLATION
            } else if lower.contains("check constraint") {
                CHECK_VIOLATION
            } else if lower.contains("unique")
                || lower.contains("primary key")
                || lower.contains("duplicate key")
            {
                UNIQUE_VIOLATION
            } else {
                INTEGRITY_CONSTRAINT_VIOLATION
            }
        }
        K::Transaction => {
            if lower.contains("transaction is aborted") {
                IN_FAILED_SQL_TRANSACTION
            } else if lower.contains("conflict") {
                SERIALIZATION_FAILURE
            } else if lower.contains("read-only") || lower.contains("read only") {
                READ_ONLY_SQL_TRANSACTION
            } else if lower.contains("no transaction is active") {
                NO_ACTIVE_SQL_TRANSACTION
            } else if lower.contains("within a transaction") {
                ACTIVE_SQL_TRANSACTION
            } else {
                SERIALIZATION_FAILURE
            }
        }
        K::Interrupt => QUERY_CANCELED,
        K::NotImplemented => FEATURE_NOT_SUPPORTED,
        K::Permission => INSUFFICIENT_PRIVILEGE,
        K::OutOfMemory => OUT_OF_MEMORY,
        K::Io => IO_ERROR,
        K::InvalidInput => {
            // The catalog's casts to regclass, regtype, regnamespace and regproc raise these (catalog/).
            let missing = lower.ends_with("\" does not exist");
            if lower.contains("read-only") || lower.contains("read only") {
                READ_ONLY_SQL_TRANSACTION
            } else if missing && lower.starts_with("relation \"") {
                UNDEFINED_TABLE
            } else if missing && lower.starts_with("type \"") {
                UNDEFINED_OBJECT
            } else if missing && lower.starts_with("schema \"") {
                UNDEFINED_SCHEMA
            } else if missing && lower.starts_with("function \"") {
                UNDEFINED_FUNCTION
            } else {
                INVALID_PARAMETER_VALUE
            }
        }
        K::ParameterNotResolved | K::ParameterNotAllowed => INVALID_PARAMETER,
        K::Dependency => "2BP01",
        K::Sequence => "2200H",
        K::Settings => "22023",
        K::Exiting => ADMIN_SHUTDOWN,
        K::Other => INTERNAL_ERROR,
    };
    // Our advisory locks' waits end so (server/advisory.rs), inside a DuckDB function call.
    let code = if lower.contains("canceling statement due to lock timeout") {
        "55P03"
    } else if lower.contains("canceling statement due to user request") {
        QUERY_CANCELED
    } else {
        code
    };
    let message = if code == QUERY_CANCELED && lower.contains("maximum execution time") {
        "canceling statement due to statement timeout".to_string()
    } else if code == QUERY_CANCELED {
        "canceling statement due to user request".to_string()
    } else if writes_to_view {
        "cannot change a view or a read-only grant".to_string()
    } else {
        message
    };
    let mut err = PgError::new(code, message);
    err.detail = extra;
    err
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{DbError, ErrorKind};

    #[test]
    fn strips_prefix_and_line_context() {
        let e = DbError::new(
            ErrorKind::Parser,
            "Parser Error: syntax error at or near \"selec\"\n\nLINE 1: selec\n        ^",
        );
        let pg = PgError::from(e);
        assert_eq!(pg.code, sqlstate::SYNTAX_ERROR);
        assert_eq!(pg.message, "syntax error at or near \"selec\"");
        assert!(pg.detail.unwrap().starts_with("LINE 1"));
    }

    #[test]
    fn catalog_errors_split_by_object() {
        let t = PgError::from(DbError::new(
            ErrorKind::Catalog,
            "Catalog Error: Table with name x does not exist!",
        ));
        assert_eq!(t.code, sqlstate::UNDEFINED_TABLE);
        let f = PgError::from(DbError::new(
            ErrorKind::Catalog,
            "Catalog Error: Scalar Function with name f does not exist!",
        ));
        assert_eq!(f.code, sqlstate::UNDEFINED_FUNCTION);
        let d = PgError::from(DbError::new(
            ErrorKind::Catalog,
            "Catalog Error: Table with name \"t\" already exists!",
        ));
        assert_eq!(d.code, sqlstate::DUPLICATE_TABLE);
    }
}
