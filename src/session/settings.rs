//! PostgreSQL's run-time parameters (GUCs) that DuckDB does not have: `SET`, `SHOW` and `RESET` of
//! them are answered from the session's own store. `TimeZone` is ours and DuckDB's: kept here for
//! the text of timestamptz values and passed on for DuckDB's casts. Other parameters DuckDB
//! knows (`search_path`, `threads`, ...) and unknown names go to DuckDB unchanged.

use std::collections::BTreeMap;

use crate::error::{sqlstate, PgError};
use crate::server::config::parse_duration;
use crate::types::{SessionZone, TextStyle};

use super::gucs::{find, read_only, READ_ONLY};

/// A SET/RESET/SHOW of one of our parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `SET name TO value` (`None`: `DEFAULT`).
    Set(&'static str, Option<String>),
    Reset(&'static str),
    ResetAll,
    Show(&'static str),
    /// SET TRANSACTION / SET SESSION CHARACTERISTICS: DuckDB has one isolation level.
    TransactionMode,
    /// LISTEN, UNLISTEN, NOTIFY (the tag): accepted as by a server on which nothing is ever
    /// notified (DuckDB has no channels); the command tag is PostgreSQL's.
    Notification(&'static str),
    /// `SELECT set_config('name', 'value', is_local)`: a SET that answers the new value as a
    /// row (pg_dump, psql scripts, ORMs set search_path so).
    SetConfig(&'static str, String),
}

/// What applying a command asks the caller to do.
#[derive(Debug, Default)]
pub struct Effects {
    /// (name, value) to send as ParameterStatus.
    pub report: Vec<(String, String)>,
    /// DuckDB statements to run on the connection (e.g. statement_timeout), with the name of
    /// the DuckDB setting each changes.
    pub duckdb: Vec<(&'static str, String)>,
    /// SHOW's answer: (column, value).
    pub show: Option<(String, String)>,
}

fn tokens(sql: &str) -> Vec<String> {
    let b = sql.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() || c == b';' {
            i += 1;
        } else if c == b'\'' || c == b'"' {
            let quote = c;
            let mut s = String::new();
            i += 1;
            while i < b.len() {
                if b[i] == quote {
                    if b.get(i + 1) == Some(&quote) {
                        s.push(quote as char);
                        i += 2;
                        continue;
                    }
                    i += 1;
                    break;
                }
                let ch = sql[i..].chars().next().unwrap_or(' ');
                s.push(ch);
                i += ch.len_utf8();
            }
            // Quoted: keep the quote kind so that names and strings stay apart.
            out.push(format!("{}{s}", quote as char));
        } else if c == b'=' || c == b',' {
            out.push((c as char).to_string());
            i += 1;
        } else {
            let start = i;
            while i < b.len()
                && !b[i].is_ascii_whitespace()
                && !matches!(b[i], b'=' | b',' | b';' | b'\'' | b'"')
            {
                i += 1;
            }
            out.push(sql[start..i].to_string());
        }
    }
    out
}

fn unquote(token: &str) -> String {
    token
        .strip_prefix('\'')
        .or_else(|| token.strip_prefix('"'))
        .unwrap_or(token)
        .to_string()
}

/// Recognize a statement about one of our parameters; `None` for everything else.
pub fn parse(sql: &str) -> Option<Command> {
    // Every statement passes here: look at its first word before tokenizing it whole.
    let first = crate::sql_text::leading_keywords(sql, 1);
    match first.first().map(String::as_str) {
        Some("SET" | "RESET" | "SHOW") => {}
        Some("SELECT") => return set_config(sql),
        Some("LISTEN") => return Some(Command::Notification("LISTEN")),
        Some("UNLISTEN") => return Some(Command::Notification("UNLISTEN")),
        Some("NOTIFY") => return Some(Command::Notification("NOTIFY")),
        _ => return None,
    }
    let t = tokens(sql);
    let upper = |i: usize| t.get(i).map(|s| s.to_ascii_uppercase()).unwrap_or_default();
    match upper(0).as_str() {
        "SET" => {
            let mut i = 1;
            if matches!(upper(1).as_str(), "SESSION" | "LOCAL") {
                if upper(2) == "CHARACTERISTICS" {
                    return Some(Command::TransactionMode);
                }
                i = 2;
            }
            if upper(i) == "TRANSACTION" {
                return Some(Command::TransactionMode);
            }
            if upper(i) == "TIME" && upper(i + 1) == "ZONE" {
                let value = t.get(i + 2).map(|v| unquote(v))?;
                let default =
                    t[i + 2].eq_ignore_ascii_case("local") || t[i + 2].eq_ignore_ascii_case("default");
                return Some(Command::Set("TimeZone", (!default).then_some(value)));
            }
            if upper(i) == "NAMES" {
                return Some(Command::Set("client_encoding", t.get(i + 1).map(|v| unquote(v))));
            }
            let guc = find(&unquote(t.get(i)?))?;
            if !matches!(upper(i + 1).as_str(), "TO" | "=") {
                return None;
            }
            let values: Vec<String> = t[i + 2..]
                .iter()
                .filter(|v| *v != ",")
                .map(|v| unquote(v))
                .collect();
            if values.is_empty() {
                return None;
            }
            if values.len() == 1 && values[0].eq_ignore_ascii_case("default") && !t[i + 2].starts_with('\'') {
                return Some(Command::Set(guc.name, None));
            }
            Some(Command::Set(guc.name, Some(values.join(", "))))
        }
        "RESET" => match upper(1).as_str() {
            "ALL" if t.len() == 2 => Some(Command::ResetAll),
            _ if t.len() == 2 => find(&unquote(&t[1])).map(|g| Command::Reset(g.name)),
            _ => None,
        },
        "SHOW" => {
            if upper(1) == "TRANSACTION" && upper(2) == "ISOLATION" {
                return Some(Command::Show("transaction_isolation"));
            }
            // PostgreSQL's spelling of SHOW TimeZone (pgcli sends it on connect).
            if upper(1) == "TIME" && upper(2) == "ZONE" && t.len() == 3 {
                return find("TimeZone").map(|g| Command::Show(g.name));
            }
            (t.len() == 2)
                .then(|| find(&unquote(&t[1])).map(|g| Command::Show(g.name)))
                .flatten()
        }
        _ => None,
    }
}

/// `SELECT [pg_catalog.]set_config('name', 'value', is_local)` with literals, and nothing else,
/// as a command; other SELECTs are `None` (a set_config among other expressions is not ours).
fn set_config(sql: &str) -> Option<Command> {
    use sqlparser::ast::{
        Expr, FunctionArg, FunctionArgExpr, FunctionArguments, SelectItem, SetExpr, Statement, Value,
    };
    let named = |w: &str| w.eq_ignore_ascii_case("set_config");
    if !crate::sql_text::any_word_or_literal(sql, named, |_| false) {
        return None;
    }
    let statement = crate::catalog::parse_one(sql)?;
    let Statement::Query(query) = statement else {
        return None;
    };
    let SetExpr::Select(select) = query.body.as_ref() else {
        return None;
    };
    let [SelectItem::UnnamedExpr(Expr::Function(f))] = select.projection.as_slice() else {
        return None;
    };
    let called = f.name.0.last()?.as_ident()?.value.to_ascii_lowercase();
    if called != "set_config" || !select.from.is_empty() || select.selection.is_some() {
        return None;
    }
    let FunctionArguments::List(list) = &f.args else {
        return None;
    };
    let text = |arg: &FunctionArg| match arg {
        FunctionArg::Unnamed(FunctionArgExpr::Expr(Expr::Value(v))) => match &v.value {
            Value::SingleQuotedString(s) => Some(s.clone()),
            _ => None,
        },
        _ => None,
    };
    let [name, value, _is_local] = list.args.as_slice() else {
        return None;
    };
    let guc = find(&text(name)?)?;
    Some(Command::SetConfig(guc.name, text(value)?))
}

/// DuckDB's statement for PostgreSQL's `search_path` value: `public` is DuckDB's `main`;
/// `$user` (no schema per user here), pg_catalog and information_schema (searched anyway)
/// are left out.
pub fn duckdb_search_path(value: &str) -> String {
    let mut schemas: Vec<String> = Vec::new();
    for part in value.split(',') {
        let part = part.trim().trim_matches('"').trim();
        let schema = match part.to_ascii_lowercase().as_str() {
            "" | "$user" | "pg_catalog" | "information_schema" => continue,
            "public" => "main".to_string(),
            _ => part.to_string(),
        };
        if !schemas.contains(&schema) {
            schemas.push(schema);
        }
    }
    match schemas.is_empty() {
        true => "RESET search_path".into(),
        false => format!(
            "SET search_path = {}",
            crate::internal_sql::quote_literal(&schemas.join(","))
        ),
    }
}

/// A parameter's value among `values` (as [`Settings::values`] gives them), its default where
/// unset; `None` for a name that is not one of ours.
pub fn value_of(values: &BTreeMap<&'static str, String>, name: &str) -> Option<String> {
    let guc = find(name)?;
    Some(
        values
            .get(guc.name)
            .cloned()
            .unwrap_or_else(|| guc.default.to_string()),
    )
}

/// The deepest expressions a session may ask DuckDB for (its default). DuckDB parses and binds
/// recursively on the session's thread; raised far enough, `max_expression_depth` lets a
/// statement overflow that stack, which takes the host process down (measured on an 8 MB stack:
/// a chain of 3,000 additions passes, 10,000 crash).
pub const MAX_EXPRESSION_DEPTH: i64 = 1000;

/// Refuse `SET [SESSION|LOCAL|GLOBAL] max_expression_depth` and `PRAGMA max_expression_depth`
/// above [`MAX_EXPRESSION_DEPTH`]; other statements pass.
pub fn check_duckdb_setting(sql: &str) -> Result<(), PgError> {
    let first = crate::sql_text::leading_keywords(sql, 1);
    if !matches!(first.first().map(String::as_str), Some("SET" | "PRAGMA")) {
        return Ok(());
    }
    let t: Vec<String> = tokens(&sql.replace(['(', ')'], " "));
    let mut i = 1;
    if t.get(1).is_some_and(|w| {
        ["SESSION", "LOCAL", "GLOBAL"]
            .iter()
            .any(|s| w.eq_ignore_ascii_case(s))
    }) {
        i = 2;
    }
    if !t
        .get(i)
        .is_some_and(|name| unquote(name).eq_ignore_ascii_case("max_expression_depth"))
    {
        return Ok(());
    }
    let value = t[i + 1..]
        .iter()
        .find(|v| !v.eq_ignore_ascii_case("to") && *v != "=")
        .map(|v| unquote(v));
    match value.as_deref().map(str::parse::<i64>) {
        Some(Ok(depth)) if depth > MAX_EXPRESSION_DEPTH => Err(PgError::new(
            sqlstate::INVALID_PARAMETER_VALUE,
            format!("max_expression_depth above {MAX_EXPRESSION_DEPTH} is not allowed over pgwire"),
        )
        .with_hint("Deeper expressions could overflow the session thread's stack.")),
        _ => Ok(()),
    }
}

/// The session's values of our parameters (defaults are not stored).
#[derive(Debug, Default)]
pub struct Settings {
    values: BTreeMap<&'static str, String>,
    /// What the startup packet set: RESET goes back to these, as in PostgreSQL (a session's
    /// default is its connection's, not the server's).
    startup: BTreeMap<&'static str, String>,
    /// What of them decides how values are written, ready for the encoders.
    style: TextStyle,
    /// The server's statement timeout in ms (0: none): a session may lower it, never lift it.
    statement_timeout_cap: u64,
}

fn invalid(name: &str, value: &str) -> PgError {
    PgError::new(
        sqlstate::INVALID_PARAMETER_VALUE,
        format!("invalid value for parameter \"{name}\": \"{value}\""),
    )
}

/// Check (and normalize) a value; refuse what we cannot honour rather than pretend.
fn validate(name: &'static str, value: &str) -> Result<String, PgError> {
    let lower = value.to_ascii_lowercase();
    match name {
        "client_encoding" => match lower.replace(['-', '_'], "").as_str() {
            "utf8" | "unicode" => Ok("UTF8".into()),
            _ => Err(invalid(name, value).with_hint("Only UTF8 is supported.")),
        },
        "DateStyle" => {
            if !lower.contains("iso")
                && !lower.contains("mdy")
                && !lower.contains("dmy")
                && !lower.contains("ymd")
            {
                return Err(invalid(name, value).with_hint("Dates are written in ISO style."));
            }
            let order = if lower.contains("dmy") {
                "DMY"
            } else if lower.contains("ymd") {
                "YMD"
            } else {
                "MDY"
            };
            Ok(format!("ISO, {order}"))
        }
        "IntervalStyle" if lower != "postgres" => {
            Err(invalid(name, value).with_hint("Intervals are written in the postgres style."))
        }
        "standard_conforming_strings" if !matches!(lower.as_str(), "on" | "true" | "1") => {
            Err(invalid(name, value).with_hint("DuckDB strings are always standard conforming."))
        }
        "TimeZone" => SessionZone::parse(value)
            .map(|z| z.name().to_string())
            .ok_or_else(|| {
                invalid(name, value).with_hint("Give an IANA zone name, UTC, or whole hours east of UTC.")
            }),
        "extra_float_digits" => match value.trim().parse::<i32>() {
            Ok(n) if (-15..=3).contains(&n) => Ok(n.to_string()),
            _ => Err(invalid(name, value)),
        },
        "statement_timeout" | "lock_timeout" | "idle_in_transaction_session_timeout" => timeout_ms(value)
            .map(|ms| ms.to_string())
            .ok_or_else(|| invalid(name, value)),
        "application_name" => Ok(value.chars().filter(|c| !c.is_control()).collect()),
        _ => Ok(value.to_string()),
    }
}

/// PostgreSQL durations: a bare number is milliseconds.
fn timeout_ms(value: &str) -> Option<u64> {
    let v = value.trim();
    if let Ok(ms) = v.parse::<u64>() {
        return Some(ms);
    }
    parse_duration(v).ok().map(|d| d.as_millis() as u64)
}

impl Settings {
    pub fn style(&self) -> &TextStyle {
        &self.style
    }

    /// Set the server's statement timeout; returns the DuckDB statement that enforces it.
    pub fn cap_statement_timeout(&mut self, cap_ms: u64) -> String {
        self.statement_timeout_cap = cap_ms;
        self.duckdb_statement_timeout()
    }

    /// What the session's statement timeout (or the server's, whichever is lower) is in DuckDB.
    fn duckdb_statement_timeout(&self) -> String {
        let own = self.get("statement_timeout").parse::<u64>().unwrap_or(0);
        match (own, self.statement_timeout_cap) {
            (0, 0) => "RESET max_execution_time".to_string(),
            (0, cap) => format!("SET max_execution_time = {cap}"),
            (own, 0) => format!("SET max_execution_time = {own}"),
            (own, cap) => format!("SET max_execution_time = {}", own.min(cap)),
        }
    }

    /// The session's own idle_in_transaction_session_timeout, if it set one.
    pub fn idle_in_transaction_timeout(&self) -> Option<std::time::Duration> {
        match self.get("idle_in_transaction_session_timeout").parse::<u64>() {
            Ok(ms) if ms > 0 => Some(std::time::Duration::from_millis(ms)),
            _ => None,
        }
    }

    /// The SQL that gives a fresh DuckDB connection this session's TimeZone.
    pub fn duckdb_time_zone(&self) -> String {
        format!(
            "SET TimeZone = '{}'",
            self.style.zone.duckdb_name().replace('\'', "''")
        )
    }

    /// The values set (defaults are not stored).
    pub fn values(&self) -> BTreeMap<&'static str, String> {
        self.values.clone()
    }

    pub fn get(&self, name: &'static str) -> String {
        if name == "server_version" {
            return crate::catalog::server_version();
        }
        self.values
            .get(name)
            .cloned()
            .unwrap_or_else(|| find(name).map(|g| g.default.to_string()).unwrap_or_default())
    }

    /// Apply a startup-packet parameter, if it is one of ours.
    pub fn apply_startup(&mut self, name: &str, value: &str) -> Result<(), PgError> {
        match find(name) {
            Some(guc) => {
                // Some drivers quote the value (asyncpg: client_encoding='utf-8').
                let value = value.trim();
                let value = value
                    .strip_prefix('\'')
                    .and_then(|v| v.strip_suffix('\''))
                    .unwrap_or(value);
                let value = validate(guc.name, value)?;
                self.startup.insert(guc.name, value.clone());
                self.values.insert(guc.name, value);
                self.restyle(guc.name);
                Ok(())
            }
            None => Ok(()),
        }
    }

    pub fn apply(&mut self, command: &Command) -> Result<Effects, PgError> {
        let mut effects = Effects::default();
        if let Command::Set(name, _) | Command::Reset(name) | Command::SetConfig(name, _) = command {
            if READ_ONLY.contains(name) {
                return Err(read_only(name));
            }
        }
        match command {
            Command::Set(name, Some(value)) => {
                let value = validate(name, value)?;
                self.changed(name, Some(value), &mut effects);
            }
            Command::SetConfig(name, value) => {
                let value = validate(name, value)?;
                self.changed(name, Some(value), &mut effects);
                effects.show = Some(("set_config".to_string(), self.get(name)));
            }
            Command::Set(name, None) | Command::Reset(name) => self.changed(name, None, &mut effects),
            Command::ResetAll => {
                let names: Vec<&'static str> = self
                    .values
                    .keys()
                    .copied()
                    .filter(|n| !READ_ONLY.contains(n))
                    .collect();
                for name in names {
                    self.changed(name, None, &mut effects);
                }
            }
            Command::Show(name) => effects.show = Some((name.to_string(), self.get(name))),
            Command::TransactionMode | Command::Notification(_) => {}
        }
        Ok(effects)
    }

    /// Bring the text style up to date after `name` changed.
    fn restyle(&mut self, name: &str) {
        match name {
            "TimeZone" => self.style.zone = SessionZone::parse(&self.get("TimeZone")).unwrap_or_default(),
            "extra_float_digits" => {
                self.style.extra_float_digits = self.get("extra_float_digits").parse().unwrap_or(1)
            }
            _ => {}
        }
    }

    fn changed(&mut self, name: &'static str, value: Option<String>, effects: &mut Effects) {
        match value.or_else(|| self.startup.get(name).cloned()) {
            Some(v) => self.values.insert(name, v),
            None => self.values.remove(name),
        };
        let current = self.get(name);
        self.restyle(name);
        if name == "TimeZone" {
            effects.duckdb.push(("TimeZone", self.duckdb_time_zone()));
        }
        if find(name).is_some_and(|g| g.report) {
            effects.report.push((name.to_string(), current.clone()));
        }
        if name == "search_path" {
            effects.duckdb.push(("search_path", duckdb_search_path(&current)));
        }
        if name == "statement_timeout" {
            effects
                .duckdb
                .push(("max_execution_time", self.duckdb_statement_timeout()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expression_depth_is_capped() {
        assert!(check_duckdb_setting("SET max_expression_depth TO 100000").is_err());
        assert!(check_duckdb_setting("set global max_expression_depth = '5000'").is_err());
        assert!(check_duckdb_setting("PRAGMA max_expression_depth=2000").is_err());
        assert!(check_duckdb_setting("pragma max_expression_depth(2000)").is_err());
        assert!(check_duckdb_setting("SET max_expression_depth TO 500").is_ok());
        assert!(check_duckdb_setting("SET threads TO 100000").is_ok());
        assert!(check_duckdb_setting("SELECT 'SET max_expression_depth TO 100000'").is_ok());
    }

    #[test]
    fn recognizes_our_parameters_only() {
        assert_eq!(
            parse("SET application_name = 'psql'"),
            Some(Command::Set("application_name", Some("psql".into())))
        );
        assert_eq!(
            parse("set session extra_float_digits to 3"),
            Some(Command::Set("extra_float_digits", Some("3".into())))
        );
        assert_eq!(
            parse("SET DateStyle TO ISO, DMY"),
            Some(Command::Set("DateStyle", Some("ISO, DMY".into())))
        );
        assert_eq!(
            parse("SET statement_timeout TO DEFAULT"),
            Some(Command::Set("statement_timeout", None))
        );
        assert_eq!(
            parse("SHOW transaction isolation level"),
            Some(Command::Show("transaction_isolation"))
        );
        assert_eq!(parse("RESET ALL"), Some(Command::ResetAll));
        assert_eq!(
            parse("SET NAMES 'UTF8'"),
            Some(Command::Set("client_encoding", Some("UTF8".into())))
        );
        assert_eq!(
            parse("SET search_path TO \"$user\", public"),
            Some(Command::Set("search_path", Some("$user, public".into())))
        );
        assert_eq!(duckdb_search_path("$user, public"), "SET search_path = 'main'");
        assert_eq!(
            duckdb_search_path("sales, PUBLIC, main"),
            "SET search_path = 'sales,main'"
        );
        assert_eq!(duckdb_search_path("\"$user\""), "RESET search_path");
        assert_eq!(parse("show time zone"), Some(Command::Show("TimeZone")));
        assert_eq!(
            parse("SELECT pg_catalog.set_config('search_path', '', false)"),
            Some(Command::SetConfig("search_path", String::new()))
        );
        assert_eq!(parse("SELECT set_config('search_path', 'a', false), 1"), None);
        assert_eq!(parse("SELECT set_config(name, 'a', false) FROM t"), None);
        assert_eq!(parse("SET threads = 4"), None);
    }

    #[test]
    fn values_are_checked() {
        let mut s = Settings::default();
        assert!(s
            .apply(&Command::Set("client_encoding", Some("LATIN1".into())))
            .is_err());
        let e = s
            .apply(&Command::Set("statement_timeout", Some("5s".into())))
            .unwrap();
        assert_eq!(
            e.duckdb,
            vec![("max_execution_time", "SET max_execution_time = 5000".to_string())]
        );
        assert_eq!(s.get("statement_timeout"), "5000");
        let e = s.apply(&Command::ResetAll).unwrap();
        assert_eq!(
            e.duckdb,
            vec![("max_execution_time", "RESET max_execution_time".to_string())]
        );
        let e = s
            .apply(&Command::Set("application_name", Some("app".into())))
            .unwrap();
        assert_eq!(
            e.report,
            vec![("application_name".to_string(), "app".to_string())]
        );
    }
}
