//! The PostgreSQL parameters a session keeps itself (`settings`): names, defaults, which are
//! reported with ParameterStatus, which are the server's and read-only.

use crate::error::PgError;

/// A parameter we keep: its canonical name, default, and whether a change is reported to the
/// client with ParameterStatus (PostgreSQL's GUC_REPORT).
pub(super) struct Guc {
    pub(super) name: &'static str,
    pub(super) default: &'static str,
    pub(super) report: bool,
}

const GUCS: &[Guc] = &[
    Guc {
        name: "application_name",
        default: "",
        report: true,
    },
    Guc {
        name: "client_encoding",
        default: "UTF8",
        report: true,
    },
    Guc {
        name: "DateStyle",
        default: "ISO, MDY",
        report: true,
    },
    Guc {
        name: "IntervalStyle",
        default: "postgres",
        report: true,
    },
    Guc {
        name: "standard_conforming_strings",
        default: "on",
        report: true,
    },
    Guc {
        name: "TimeZone",
        default: "UTC",
        report: true,
    },
    // PostgreSQL's schema search path, kept as the client wrote it and given to DuckDB's own
    // search_path mapped (settings.rs's duckdb_search_path).
    Guc {
        name: "search_path",
        default: "main",
        report: false,
    },
    Guc {
        name: "extra_float_digits",
        default: "1",
        report: false,
    },
    Guc {
        name: "statement_timeout",
        default: "0",
        report: false,
    },
    Guc {
        name: "lock_timeout",
        default: "0",
        report: false,
    },
    Guc {
        name: "idle_in_transaction_session_timeout",
        default: "0",
        report: false,
    },
    Guc {
        name: "transaction_isolation",
        default: "serializable",
        report: false,
    },
    Guc {
        name: "default_transaction_isolation",
        default: "serializable",
        report: false,
    },
    Guc {
        name: "transaction_read_only",
        default: "off",
        report: false,
    },
    Guc {
        name: "default_transaction_read_only",
        default: "off",
        report: true,
    },
    Guc {
        name: "server_encoding",
        default: "UTF8",
        report: true,
    },
    Guc {
        name: "integer_datetimes",
        default: "on",
        report: true,
    },
    Guc {
        name: "max_identifier_length",
        default: "63",
        report: false,
    },
    Guc {
        name: "jit",
        default: "off",
        report: false,
    },
    Guc {
        name: "bytea_output",
        default: "hex",
        report: false,
    },
    Guc {
        name: "client_min_messages",
        default: "notice",
        report: false,
    },
    Guc {
        name: "lc_messages",
        default: "C",
        report: false,
    },
    Guc {
        name: "lc_monetary",
        default: "C",
        report: false,
    },
    Guc {
        name: "lc_numeric",
        default: "C",
        report: false,
    },
    Guc {
        name: "lc_time",
        default: "C",
        report: false,
    },
    Guc {
        name: "synchronous_commit",
        default: "on",
        report: false,
    },
    Guc {
        name: "row_security",
        default: "on",
        report: false,
    },
    Guc {
        name: "escape_string_warning",
        default: "on",
        report: false,
    },
    Guc {
        name: "server_version",
        default: crate::catalog::SERVER_VERSION,
        report: true,
    },
    Guc {
        name: "server_version_num",
        default: crate::catalog::SERVER_VERSION_NUM,
        report: false,
    },
    Guc {
        name: "lc_collate",
        default: "C",
        report: false,
    },
    Guc {
        name: "lc_ctype",
        default: "C",
        report: false,
    },
    Guc {
        name: "block_size",
        default: "8192",
        report: false,
    },
    Guc {
        name: "max_index_keys",
        default: "32",
        report: false,
    },
];

/// Parameters that describe the server: SHOW answers them, SET and RESET may not change them.
pub(super) const READ_ONLY: &[&str] = &[
    "server_version",
    "server_version_num",
    "server_encoding",
    "integer_datetimes",
    "max_identifier_length",
    "lc_collate",
    "lc_ctype",
    "block_size",
    "max_index_keys",
];

pub(super) fn read_only(name: &str) -> PgError {
    PgError::new("55P02", format!("parameter \"{name}\" cannot be changed"))
}

pub(super) fn find(name: &str) -> Option<&'static Guc> {
    GUCS.iter().find(|g| g.name.eq_ignore_ascii_case(name))
}
