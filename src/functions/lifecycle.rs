//! `pgwire_start`, `pgwire_stop`, `pgwire_status`.

use std::sync::Arc;
use std::time::Duration;

use super::{bool_param, host_message, invalid, opt_text, text, timestamp, Params, SqlFunction};
use crate::db::{Cell, ColumnKind, SqlScalar};
use crate::error::{sqlstate, PgError};
use crate::server::config::parse_duration;
use crate::server::{Instance, ServerConfig};

pub struct Start;

/// A duration option (`'30 s'`, `'5 minutes'`, …), when given.
fn duration_param(params: &Params, name: &str) -> Result<Option<Duration>, PgError> {
    params
        .get(name)
        .map(|t| parse_duration(t).map_err(|e| PgError::new(sqlstate::INVALID_PARAMETER_VALUE, e)))
        .transpose()
}

impl SqlFunction for Start {
    const NAME: &'static str = "pgwire_start";

    fn columns() -> &'static [(&'static str, ColumnKind)] {
        &[
            ("host", ColumnKind::Varchar),
            ("port", ColumnKind::Integer),
            ("tls", ColumnKind::Boolean),
            ("user", ColumnKind::Varchar),
            ("password", ColumnKind::Varchar),
            ("connection_string", ColumnKind::Varchar),
        ]
    }

    /// The port is positional (`pgwire_start(5432)`): DuckDB's C API registers one signature per
    /// table function name, so there is no second, named-only form.
    fn parameters() -> &'static [ColumnKind] {
        &[ColumnKind::Integer]
    }

    fn named_parameters() -> &'static [(&'static str, ColumnKind)] {
        &[
            ("host", ColumnKind::Varchar),
            ("max_connections", ColumnKind::Integer),
            ("connect_timeout", ColumnKind::Varchar),
            ("allow_plain_password_remote", ColumnKind::Boolean),
            ("user", ColumnKind::Varchar),
            ("password", ColumnKind::Varchar),
            ("data_dir", ColumnKind::Varchar),
            ("tls_cert", ColumnKind::Varchar),
            ("tls_key", ColumnKind::Varchar),
            ("require_tls", ColumnKind::Boolean),
            ("statement_timeout", ColumnKind::Varchar),
            ("idle_timeout", ColumnKind::Varchar),
            ("idle_in_transaction_timeout", ColumnKind::Varchar),
            ("log_queries", ColumnKind::Boolean),
            ("max_queries_per_minute", ColumnKind::BigInt),
            ("max_connections_per_workspace", ColumnKind::Integer),
            ("max_connections_per_address", ColumnKind::Integer),
        ]
    }

    fn run(instance: &Instance, params: &Params, args: &[String]) -> Result<Vec<Vec<Cell>>, PgError> {
        let mut config = ServerConfig::default();
        if let Some(port) = args.first() {
            config.port = port.parse().map_err(|_| invalid("port", port))?;
        }
        if let Some(host) = params.get("host") {
            config.host = host.clone();
        }
        // A count that must be positive, when given.
        let positive = |name: &str| -> Result<Option<u64>, PgError> {
            params
                .get(name)
                .map(|n| {
                    n.parse::<u64>()
                        .ok()
                        .filter(|n| *n > 0)
                        .ok_or_else(|| invalid(name, n))
                })
                .transpose()
        };
        if let Some(n) = positive("max_connections")? {
            config.max_connections = n as usize;
        }
        if let Some(t) = duration_param(params, "connect_timeout")? {
            config.connect_timeout = t;
        }
        // 0 turns a timeout off.
        let optional = |name: &str, default: Option<Duration>| {
            Ok::<_, PgError>(duration_param(params, name)?.map_or(default, |d| (!d.is_zero()).then_some(d)))
        };
        config.statement_timeout = optional("statement_timeout", config.statement_timeout)?;
        config.idle_timeout = optional("idle_timeout", config.idle_timeout)?;
        config.idle_in_transaction_timeout =
            optional("idle_in_transaction_timeout", config.idle_in_transaction_timeout)?;
        if let Some(n) = positive("max_connections_per_workspace")? {
            config.max_connections_per_workspace = n as usize;
        }
        if let Some(n) = positive("max_connections_per_address")? {
            config.max_connections_per_address = n as usize;
        }
        if let Some(dir) = params.get("data_dir") {
            let dir = std::path::Path::new(dir);
            std::fs::create_dir_all(dir)
                .and_then(|()| dir.canonicalize())
                .map(|d| instance.metadata.set_data_dir(d))
                .map_err(|e| {
                    PgError::new(
                        sqlstate::INVALID_PARAMETER_VALUE,
                        format!("invalid data_dir \"{}\": {e}", dir.display()),
                    )
                })?;
        }
        config.allow_plain_password_remote = bool_param(params, "allow_plain_password_remote", false)?;
        config.tls = match (params.get("tls_cert"), params.get("tls_key")) {
            (Some(cert), Some(key)) => Some(crate::server::tls::load(cert, key)?),
            (None, None) => None,
            _ => {
                return Err(PgError::new(
                    sqlstate::INVALID_PARAMETER_VALUE,
                    "tls_cert and tls_key go together",
                ))
            }
        };
        config.require_tls = bool_param(params, "require_tls", false)?;
        config.log_queries = bool_param(params, "log_queries", false)?;
        config.max_queries_per_minute = positive("max_queries_per_minute")?;
        if config.require_tls && config.tls.is_none() {
            return Err(PgError::new(
                sqlstate::INVALID_PARAMETER_VALUE,
                "require_tls needs tls_cert and tls_key",
            ));
        }
        let owner = params.get("user").cloned().unwrap_or_else(|| "duckdb".into());
        let report = instance.start(config, (owner, params.get("password").cloned()))?;
        Ok(vec![vec![
            text(report.host),
            Cell::Int(report.port as i64),
            Cell::Bool(report.tls),
            opt_text(report.user),
            opt_text(report.password),
            text(report.connection_string),
        ]])
    }
}

/// `SELECT pgwire_start(5432)`: the table function's work with its defaults, answering with the
/// connection string (which carries the generated password on the first start).
pub struct StartScalar;

impl SqlScalar<Arc<Instance>> for StartScalar {
    fn signatures() -> &'static [&'static [ColumnKind]] {
        &[&[], &[ColumnKind::Integer]]
    }

    fn returns() -> ColumnKind {
        ColumnKind::Varchar
    }

    fn call(instance: &Arc<Instance>, args: &[Cell]) -> Result<Cell, String> {
        let args = match args.first() {
            Some(Cell::Int(port)) => vec![port.to_string()],
            Some(_) => return Err("pgwire_start: the port must not be NULL".into()),
            None => vec![],
        };
        let rows = Start::run(instance, &Params::new(), &args).map_err(|e| host_message(&e))?;
        Ok(rows
            .into_iter()
            .next()
            .and_then(|r| r.into_iter().nth(5))
            .unwrap_or(Cell::Null))
    }
}

pub struct Stop;

impl SqlFunction for Stop {
    const NAME: &'static str = "pgwire_stop";

    fn columns() -> &'static [(&'static str, ColumnKind)] {
        &[("stopped", ColumnKind::Boolean)]
    }

    fn named_parameters() -> &'static [(&'static str, ColumnKind)] {
        &[("grace", ColumnKind::Varchar)]
    }

    fn run(instance: &Instance, params: &Params, _: &[String]) -> Result<Vec<Vec<Cell>>, PgError> {
        if !instance.stop(duration_param(params, "grace")?) {
            return Err(
                PgError::new(sqlstate::INVALID_PARAMETER_VALUE, "pgwire is not running")
                    .with_hint("Start it with pgwire_start()."),
            );
        }
        Ok(vec![vec![Cell::Bool(true)]])
    }
}

/// `SELECT pgwire_stop()`.
pub struct StopScalar;

impl SqlScalar<Arc<Instance>> for StopScalar {
    fn signatures() -> &'static [&'static [ColumnKind]] {
        &[&[]]
    }

    fn returns() -> ColumnKind {
        ColumnKind::Boolean
    }

    fn call(instance: &Arc<Instance>, _: &[Cell]) -> Result<Cell, String> {
        Stop::run(instance, &Params::new(), &[]).map_err(|e| host_message(&e))?;
        Ok(Cell::Bool(true))
    }
}

pub struct Status;

impl SqlFunction for Status {
    const NAME: &'static str = "pgwire_status";

    fn columns() -> &'static [(&'static str, ColumnKind)] {
        &[
            ("running", ColumnKind::Boolean),
            ("host", ColumnKind::Varchar),
            ("port", ColumnKind::Integer),
            ("started_at", ColumnKind::TimestampTz),
            ("live_sessions", ColumnKind::BigInt),
            ("connections_accepted", ColumnKind::BigInt),
            ("connections_refused", ColumnKind::BigInt),
            ("queries", ColumnKind::BigInt),
            ("bytes_sent", ColumnKind::BigInt),
            ("pool_idle", ColumnKind::BigInt),
            ("pool_retired", ColumnKind::BigInt),
            ("logins_failed", ColumnKind::BigInt),
            ("logins_throttled", ColumnKind::BigInt),
            ("history_dropped", ColumnKind::BigInt),
            ("max_connections", ColumnKind::BigInt),
            ("max_connections_per_workspace", ColumnKind::BigInt),
            ("max_connections_per_address", ColumnKind::BigInt),
            ("max_queries_per_minute", ColumnKind::BigInt),
        ]
    }

    fn run(instance: &Instance, _: &Params, _: &[String]) -> Result<Vec<Vec<Cell>>, PgError> {
        let s = instance.status();
        let count = |n: Option<usize>| n.map_or(Cell::Null, |n| Cell::Int(n as i64));
        // The running server's limits; NULL when it is not running (or the limit is unset).
        let limits = match &s.config {
            Some(c) => [
                count(Some(c.max_connections)),
                count(Some(c.max_connections_per_workspace)),
                count(Some(c.max_connections_per_address)),
                count(c.max_queries_per_minute.map(|n| n as usize)),
            ],
            None => [Cell::Null, Cell::Null, Cell::Null, Cell::Null],
        };
        Ok(vec![vec![
            Cell::Bool(s.running),
            opt_text(s.host),
            s.port.map(|p| Cell::Int(p as i64)).unwrap_or(Cell::Null),
            s.started_at.map(timestamp).unwrap_or(Cell::Null),
            Cell::Int(s.live_sessions as i64),
            Cell::Int(s.accepted as i64),
            Cell::Int(s.refused as i64),
            Cell::Int(s.queries as i64),
            Cell::Int(s.bytes_sent as i64),
            Cell::Int(instance.pool.idle_count() as i64),
            Cell::Int(instance.pool.retired() as i64),
            Cell::Int(s.logins_failed as i64),
            Cell::Int(s.logins_throttled as i64),
            Cell::Int(
                instance
                    .history
                    .dropped
                    .load(std::sync::atomic::Ordering::Relaxed) as i64,
            ),
        ]
        .into_iter()
        .chain(limits)
        .collect()])
    }
}
