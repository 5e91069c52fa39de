//! Settings of a running server, from `pgwire_start`'s named parameters.

use std::time::Duration;

/// Server settings. Defaults are DESIGN.md's.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub host: String,
    pub port: u16,
    pub max_connections: usize,
    pub connect_timeout: Duration,
    /// Allow cleartext passwords on plain TCP from a non-loopback address.
    pub allow_plain_password_remote: bool,
    /// How long `pgwire_stop()` lets running statements finish before cancelling them.
    pub stop_grace: Duration,
    /// Sessions one workspace may have at once, unless the workspace says otherwise.
    pub max_connections_per_workspace: usize,
    /// Sessions from one client address at once.
    pub max_connections_per_address: usize,
    /// The server's certificate and key, when it offers TLS.
    pub tls: Option<std::sync::Arc<rustls::ServerConfig>>,
    /// Refuse clients that do not use TLS.
    pub require_tls: bool,
    /// The longest a statement may run (DuckDB's max_execution_time); sessions may lower it.
    pub statement_timeout: Option<Duration>,
    /// A session waiting this long for its client's next command is closed (57P05).
    pub idle_timeout: Option<Duration>,
    /// A session idle this long inside a transaction is closed (25P03), its transaction rolled back.
    pub idle_in_transaction_timeout: Option<Duration>,
    /// The query log keeps statement texts.
    pub log_queries: bool,
    /// Statements one workspace may run per minute.
    pub max_queries_per_minute: Option<u64>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            host: "127.0.0.1".into(),
            port: 5432,
            max_connections: 100,
            connect_timeout: Duration::from_secs(30),
            allow_plain_password_remote: false,
            stop_grace: Duration::from_secs(5),
            max_connections_per_workspace: 5,
            max_connections_per_address: 20,
            tls: None,
            require_tls: false,
            statement_timeout: Some(Duration::from_secs(300)),
            idle_timeout: Some(Duration::from_secs(3600)),
            idle_in_transaction_timeout: Some(Duration::from_secs(600)),
            log_queries: false,
            max_queries_per_minute: None,
        }
    }
}

/// Parse a duration written as DuckDB or PostgreSQL users write them: `30 s`, `5 minutes`,
/// `1 hour`, `250ms`, or a bare number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("invalid duration \"{text}\""))?;
    let seconds = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "s" | "sec" | "secs" | "second" | "seconds" => value,
        "ms" | "millisecond" | "milliseconds" => value / 1000.0,
        "min" | "mins" | "minute" | "minutes" => value * 60.0,
        "h" | "hour" | "hours" => value * 3600.0,
        "d" | "day" | "days" => value * 86400.0,
        other => return Err(format!("invalid duration unit \"{other}\" in \"{text}\"")),
    };
    if !seconds.is_finite() || seconds < 0.0 {
        return Err(format!("invalid duration \"{text}\""));
    }
    Ok(Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30 s").unwrap(), Duration::from_secs(30));
        assert_eq!(parse_duration("5 minutes").unwrap(), Duration::from_secs(300));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("2").unwrap(), Duration::from_secs(2));
        assert!(parse_duration("soon").is_err());
    }
}
