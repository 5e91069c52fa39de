//! The extension's metadata tables, in schema `pgwire` of the host's default catalog: users
//! (argon2id hashes), workspaces and grants (`workspaces`), upgraded in place (`schema`).
//!
//! Reached through one internal connection of the pool's instance, behind a mutex: metadata work
//! is small and rare next to queries.

pub mod grants;
pub mod history;
pub mod password;
mod schema;
mod verified;
pub mod workspaces;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
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
    /// The user's own or its workspace's validity has run out: login is refused.
    pub expired: bool,
}

/// A user as `pgwire_users()` lists it (never the hash).
#[derive(Debug, Clone)]
pub struct UserListing {
    pub name: String,
    pub workspace: Option<String>,
    pub created_at: Option<String>,
    pub valid_until: Option<String>,
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
    /// Where workspace files go (see `workspaces`).
    data_dir: Mutex<PathBuf>,
    /// The tables are known to be at this build's version.
    ready: AtomicBool,
}

impl Metadata {
    /// `data_dir`: the default home of workspace files (beside the host database).
    pub fn new(conn: Connection, catalog: &str, data_dir: PathBuf) -> Metadata {
        Metadata {
            conn: Mutex::new(Some(conn)),
            schema: format!("{}.pgwire", quote_ident(catalog)),
            verified: verified::VerifiedPasswords::new(),
            decoy_hash: password::hash(&password::generate()).unwrap_or_default(),
            data_dir: Mutex::new(data_dir),
            ready: AtomicBool::new(false),
        }
    }

    pub(crate) fn with_conn<T>(&self, f: impl FnOnce(&Connection) -> PgResult<T>) -> PgResult<T> {
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

    /// Create or upgrade the tables (once per LOAD), and attach the workspaces and granted
    /// files they name that are not attached yet.
    pub fn ensure_tables(&self) -> PgResult<()> {
        if self.ready.load(Ordering::SeqCst) {
            return Ok(());
        }
        self.with_conn(|c| schema::upgrade(c, &self.schema))?;
        self.ready.store(true, Ordering::SeqCst);
        self.attach_all()
    }

    /// Remembered passwords go whenever a password changes or a user goes.
    fn forget_verified(&self) {
        if let Some(v) = &self.verified {
            v.forget_all();
        }
    }

    pub fn user_count(&self) -> PgResult<u64> {
        self.ensure_tables()?;
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

    /// Store a new user with an argon2id hash of `password`; an owner when `workspace` is None.
    pub fn create_user(
        &self,
        name: &str,
        password: &str,
        workspace: Option<&str>,
        valid_until: Option<&str>,
    ) -> PgResult<()> {
        self.ensure_tables()?;
        workspaces::check_object_name("user name", name)?;
        check_password(password)?;
        if let Some(w) = workspace {
            if self.find_workspace(w)?.is_none() {
                return Err(PgError::new(
                    sqlstate::INVALID_CATALOG_NAME,
                    format!("workspace \"{w}\" does not exist"),
                ));
            }
        }
        if self.find_user(name)?.is_some() {
            return Err(PgError::new(
                sqlstate::DUPLICATE_OBJECT,
                format!("role \"{name}\" already exists"),
            ));
        }
        let hash = password::hash(password).map_err(PgError::internal)?;
        let optional = |v: Option<&str>| v.map(quote_literal).unwrap_or_else(|| "NULL".into());
        self.with_conn(|c| {
            c.execute(&format!(
                "INSERT INTO {}.users (name, password_hash, workspace, valid_until)
                 VALUES ({}, {}, {}, CAST({} AS TIMESTAMPTZ))",
                self.schema,
                quote_literal(name),
                quote_literal(&hash),
                optional(workspace),
                optional(valid_until)
            ))
            .map_err(PgError::from)
        })
    }

    /// Replace a user's password.
    pub fn set_password(&self, name: &str, password: &str) -> PgResult<()> {
        self.ensure_tables()?;
        check_password(password)?;
        if self.find_user(name)?.is_none() {
            return Err(no_such_role(name));
        }
        let hash = password::hash(password).map_err(PgError::internal)?;
        self.with_conn(|c| {
            c.execute(&format!(
                "UPDATE {}.users SET password_hash = {} WHERE name = {}",
                self.schema,
                quote_literal(&hash),
                quote_literal(name)
            ))
            .map_err(PgError::from)
        })?;
        self.forget_verified();
        Ok(())
    }

    pub fn drop_user(&self, name: &str) -> PgResult<()> {
        self.ensure_tables()?;
        if self.find_user(name)?.is_none() {
            return Err(no_such_role(name));
        }
        self.with_conn(|c| {
            c.execute(&format!(
                "DELETE FROM {}.users WHERE name = {}",
                self.schema,
                quote_literal(name)
            ))
            .map_err(PgError::from)
        })?;
        self.forget_verified();
        Ok(())
    }

    pub fn users(&self) -> PgResult<Vec<UserListing>> {
        self.ensure_tables()?;
        let rows = self.with_conn(|c| {
            Ok(query_rows(
                c,
                &format!(
                    "SELECT name, workspace, created_at::VARCHAR, valid_until::VARCHAR FROM {}.users ORDER BY name",
                    self.schema
                ),
            )?)
        })?;
        Ok(rows
            .into_iter()
            .map(|mut r| UserListing {
                valid_until: r[3].take(),
                created_at: r[2].take(),
                workspace: r[1].take(),
                name: r[0].take().unwrap_or_default(),
            })
            .collect())
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

    /// The catalog a session of `user` starts in, given the database its client asked for:
    /// a workspace user's own workspace (asked for by its name, the user's name, or nothing),
    /// an owner's any attached catalog (the host's by default); `postgres` is the default for
    /// both. Anything else is 3D000, the same whether or not it exists.
    pub fn session_catalog(
        &self,
        user: &UserRecord,
        requested: &str,
        host_catalog: &str,
    ) -> PgResult<String> {
        let default = requested.is_empty() || requested == user.name;
        let unknown = || {
            PgError::fatal(
                sqlstate::INVALID_CATALOG_NAME,
                format!("database \"{requested}\" does not exist"),
            )
        };
        // `postgres` is PostgreSQL's maintenance database, which tools connect to before they
        // know any other (pgcli --list, DBeaver, pgAdmin): the session's default here, unless
        // an owner attached a database of that name.
        let maintenance = requested == "postgres";
        match &user.workspace {
            Some(w) if default || maintenance || requested == w => Ok(w.clone()),
            Some(_) => Err(unknown()),
            None if default || requested == host_catalog => Ok(host_catalog.to_string()),
            None => {
                let rows = self.with_conn(|c| {
                    Ok(query_rows(
                        c,
                        &format!(
                            "SELECT database_name FROM duckdb_databases()
                              WHERE database_name = {} AND NOT internal AND database_name NOT LIKE 'pgwire\\_source\\_%' ESCAPE '\\'",
                            quote_literal(requested)
                        ),
                    )?)
                })?;
                match rows.into_iter().next().and_then(|mut r| r[0].take()) {
                    Some(attached) => Ok(attached),
                    None if maintenance => Ok(host_catalog.to_string()),
                    None => Err(unknown()),
                }
            }
        }
    }

    pub fn find_user(&self, name: &str) -> PgResult<Option<UserRecord>> {
        let rows = self.with_conn(|c| {
            Ok(query_rows(
                c,
                &format!(
                    "SELECT u.name, u.password_hash, u.workspace,
                            (coalesce(u.valid_until < now(), false) OR coalesce(w.expires_at < now(), false)
                             OR (u.workspace IS NOT NULL AND w.name IS NULL))::VARCHAR
                       FROM {s}.users u LEFT JOIN {s}.workspaces w ON w.name = u.workspace
                      WHERE u.name = {}",
                    quote_literal(name),
                    s = self.schema
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

/// A password must be something: PostgreSQL's clients cannot even send an empty one.
fn check_password(password: &str) -> PgResult<()> {
    if password.is_empty() {
        return Err(PgError::new(
            sqlstate::INVALID_PARAMETER_VALUE,
            "the password must not be empty",
        ));
    }
    Ok(())
}

fn no_such_role(name: &str) -> PgError {
    PgError::new(
        sqlstate::UNDEFINED_OBJECT,
        format!("role \"{name}\" does not exist"),
    )
}

/// The error a client gets for any failed login: the same for an unknown user and a wrong
/// password, so that user names cannot be probed.
pub fn login_failed(user: &str) -> PgError {
    PgError::fatal(
        sqlstate::INVALID_PASSWORD,
        format!("password authentication failed for user \"{user}\""),
    )
}
