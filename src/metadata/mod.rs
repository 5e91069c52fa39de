//! The extension's metadata tables, in schema `pgwire` of the host's default catalog:
//! users (argon2id hashes) and, as later issues add them, workspaces, grants and logs.
//!
//! Reached through one internal connection of the pool's instance, behind a mutex: metadata work
//! is small and rare next to queries.

pub mod password;
mod verified;

use std::sync::Mutex;

use crate::db::Connection;
use crate::error::{sqlstate, PgError, PgResult};
use crate::internal_sql::{query_rows, quote_ident, quote_literal};

/// A user as login needs it.
#[derive(Debug, Clone)]
pub struct UserRecord {
    pub name: String,
    pub password_hash: String,
    /// `None` for owners (full access to the host instance).
    pub workspace: Option<String>,
    /// Login is refused after this instant (text as stored), when set.
    pub expired: bool,
}

pub struct Metadata {
    /// `None` once released (the host closed the database).
    conn: Mutex<Option<Connection>>,
    /// `"catalog".pgwire`, the qualified schema of the metadata tables.
    schema: String,
    /// Passwords argon2id accepted before (`None` if no random key could be drawn).
    verified: Option<verified::VerifiedPasswords>,
    /// An argon2id hash of nothing anybody knows: checked against for unknown users, so that a
    /// failed login takes as long whether or not the user exists.
    decoy_hash: String,
}

impl Metadata {
    pub fn new(conn: Connection, catalog: &str) -> Metadata {
        Metadata {
            conn: Mutex::new(Some(conn)),
            schema: format!("{}.pgwire", quote_ident(catalog)),
            verified: verified::VerifiedPasswords::new(),
            decoy_hash: password::hash(&password::generate()).unwrap_or_default(),
        }
    }

    fn with_conn<T>(&self, f: impl FnOnce(&Connection) -> PgResult<T>) -> PgResult<T> {
        let conn = self.conn.lock().unwrap_or_else(|e| e.into_inner());
        match conn.as_ref() {
            Some(c) => f(c),
            None => Err(PgError::new(
                sqlstate::CONNECTION_FAILURE,
                "the database is closing",
            )),
        }
    }

    /// Let go of the metadata connection (the host is closing the database).
    pub fn release(&self) {
        self.conn.lock().unwrap_or_else(|e| e.into_inner()).take();
    }

    /// Create the schema and tables if they are missing.
    pub fn ensure_tables(&self) -> PgResult<()> {
        let s = &self.schema;
        self.with_conn(|c| {
            c.execute(&format!(
                "CREATE SCHEMA IF NOT EXISTS {s};
                 CREATE TABLE IF NOT EXISTS {s}.users (
                     name VARCHAR PRIMARY KEY,
                     password_hash VARCHAR NOT NULL,
                     workspace VARCHAR,
                     created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
                     valid_until TIMESTAMPTZ
                 );"
            ))
            .map_err(|e| {
                PgError::from(e).with_hint(
                    "pgwire keeps its users in schema pgwire of the host's database, which must be writable",
                )
            })
        })
    }

    pub fn user_count(&self) -> PgResult<u64> {
        let rows = self.with_conn(|c| {
            Ok(query_rows(
                c,
                &format!("SELECT count(*) FROM {}.users", self.schema),
            )?)
        })?;
        Ok(rows
            .first()
            .and_then(|r| r[0].as_deref())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0))
    }

    /// Store a new user with an argon2id hash of `password`.
    pub fn create_user(&self, name: &str, password: &str, workspace: Option<&str>) -> PgResult<()> {
        let hash = password::hash(password).map_err(PgError::internal)?;
        let workspace = workspace.map(quote_literal).unwrap_or_else(|| "NULL".into());
        self.with_conn(|c| {
            c.execute(&format!(
                "INSERT INTO {}.users (name, password_hash, workspace) VALUES ({}, {}, {workspace})",
                self.schema,
                quote_literal(name),
                quote_literal(&hash)
            ))
            .map_err(PgError::from)
        })
    }

    /// The oldest owner user, to name in `pgwire_start`'s report.
    pub fn first_owner(&self) -> PgResult<Option<String>> {
        let rows = self.with_conn(|c| {
            Ok(query_rows(
                c,
                &format!(
                    "SELECT name FROM {}.users WHERE workspace IS NULL ORDER BY created_at, name LIMIT 1",
                    self.schema
                ),
            )?)
        })?;
        Ok(rows.into_iter().next().and_then(|mut r| r[0].take()))
    }

    /// The user, if `password` is theirs and their login has not expired. Slow on purpose
    /// (argon2id) unless the same password was accepted before against the same stored hash.
    pub fn authenticate(&self, name: &str, password: &str) -> PgResult<Option<UserRecord>> {
        let record = match self.find_user(name)? {
            Some(record) if !record.expired => record,
            _ => {
                password::verify(password, &self.decoy_hash);
                return Ok(None);
            }
        };
        if let Some(v) = &self.verified {
            if v.knows(&record.name, &record.password_hash, password) {
                return Ok(Some(record));
            }
        }
        if !password::verify(password, &record.password_hash) {
            return Ok(None);
        }
        if let Some(v) = &self.verified {
            v.remember(&record.name, &record.password_hash, password);
        }
        Ok(Some(record))
    }

    pub fn find_user(&self, name: &str) -> PgResult<Option<UserRecord>> {
        let rows = self.with_conn(|c| {
            Ok(query_rows(
                c,
                &format!(
                    "SELECT name, password_hash, workspace, (valid_until IS NOT NULL AND valid_until < now())::VARCHAR
                       FROM {}.users WHERE name = {}",
                    self.schema,
                    quote_literal(name)
                ),
            )?)
        })?;
        Ok(rows.into_iter().next().map(|mut r| UserRecord {
            expired: r[3].as_deref() == Some("true") || r[3].as_deref() == Some("t"),
            workspace: r[2].take(),
            password_hash: r[1].take().unwrap_or_default(),
            name: r[0].take().unwrap_or_default(),
        }))
    }
}

/// The error a client gets for any failed login: the same for an unknown user and a wrong
/// password, so that user names cannot be probed.
pub fn login_failed(user: &str) -> PgError {
    PgError::fatal(
        sqlstate::INVALID_PASSWORD,
        format!("password authentication failed for user \"{user}\""),
    )
}
