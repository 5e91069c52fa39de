//! Users from SQL: `pgwire_create_user`, `pgwire_set_password`, `pgwire_drop_user`,
//! `pgwire_users` (never the hashes).

use rand::RngExt;

use super::{opt_text, required as positional, text, Params, SqlFunction};
use crate::db::{Cell, ColumnKind};
use crate::error::{sqlstate, PgError};
use crate::metadata::password;
use crate::server::Instance;

/// A user name for a workspace: `ws_<workspace>_<4 random>` (`<workspace>_…` when the
/// workspace's name already starts with `ws_`).
fn generated_name(workspace: &str) -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
    let mut rng = rand::rng();
    let suffix: String = (0..4)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    if workspace.starts_with("ws_") {
        format!("{workspace}_{suffix}")
    } else {
        format!("ws_{workspace}_{suffix}")
    }
}

pub struct CreateUser;

impl SqlFunction for CreateUser {
    const NAME: &'static str = "pgwire_create_user";

    fn columns() -> &'static [(&'static str, ColumnKind)] {
        &[
            ("name", ColumnKind::Varchar),
            ("password", ColumnKind::Varchar),
            ("workspace", ColumnKind::Varchar),
            ("valid_until", ColumnKind::Varchar),
        ]
    }

    fn named_parameters() -> &'static [(&'static str, ColumnKind)] {
        &[
            ("workspace", ColumnKind::Varchar),
            ("name", ColumnKind::Varchar),
            ("password", ColumnKind::Varchar),
            ("valid_until", ColumnKind::Varchar),
        ]
    }

    /// The password is returned when it was generated (once: only its hash is kept).
    fn run(instance: &Instance, params: &Params, _: &[String]) -> Result<Vec<Vec<Cell>>, PgError> {
        let workspace = params.get("workspace").map(String::as_str);
        let valid_until = params.get("valid_until").map(String::as_str);
        let given = params.get("password").cloned();
        let password = given.clone().unwrap_or_else(password::generate);
        let name = match (params.get("name"), workspace) {
            (Some(name), _) => name.clone(),
            (None, Some(w)) => {
                // A generated name that happens to be taken: draw again.
                let mut name = generated_name(w);
                for _ in 0..8 {
                    if instance.metadata.find_user(&name)?.is_none() {
                        break;
                    }
                    name = generated_name(w);
                }
                name
            }
            (None, None) => {
                return Err(PgError::new(
                    sqlstate::INVALID_PARAMETER_VALUE,
                    "an owner (a user without a workspace) needs a name",
                ))
            }
        };
        instance
            .metadata
            .create_user(&name, &password, workspace, valid_until)?;
        Ok(vec![vec![
            text(name),
            opt_text(given.is_none().then_some(password)),
            opt_text(workspace),
            opt_text(valid_until),
        ]])
    }
}

pub struct SetPassword;

impl SqlFunction for SetPassword {
    const NAME: &'static str = "pgwire_set_password";

    fn columns() -> &'static [(&'static str, ColumnKind)] {
        &[("name", ColumnKind::Varchar)]
    }

    /// `(name, password)`.
    fn parameters() -> &'static [ColumnKind] {
        &[ColumnKind::Varchar, ColumnKind::Varchar]
    }

    fn run(instance: &Instance, _: &Params, args: &[String]) -> Result<Vec<Vec<Cell>>, PgError> {
        let name = positional(args, 0, "the user name")?;
        instance
            .metadata
            .set_password(name, positional(args, 1, "the password")?)?;
        Ok(vec![vec![text(name)]])
    }
}

pub struct DropUser;

impl SqlFunction for DropUser {
    const NAME: &'static str = "pgwire_drop_user";

    fn columns() -> &'static [(&'static str, ColumnKind)] {
        &[
            ("name", ColumnKind::Varchar),
            ("sessions_ended", ColumnKind::BigInt),
        ]
    }

    fn parameters() -> &'static [ColumnKind] {
        &[ColumnKind::Varchar]
    }

    fn run(instance: &Instance, _: &Params, args: &[String]) -> Result<Vec<Vec<Cell>>, PgError> {
        let name = positional(args, 0, "the user name")?;
        instance.metadata.drop_user(name)?;
        let ended = instance.end_sessions(|s| s.user == name);
        Ok(vec![vec![text(name), Cell::Int(ended as i64)]])
    }
}

pub struct Users;

impl SqlFunction for Users {
    const NAME: &'static str = "pgwire_users";

    fn columns() -> &'static [(&'static str, ColumnKind)] {
        &[
            ("name", ColumnKind::Varchar),
            ("workspace", ColumnKind::Varchar),
            ("created_at", ColumnKind::Varchar),
            ("valid_until", ColumnKind::Varchar),
        ]
    }

    fn run(instance: &Instance, _: &Params, _: &[String]) -> Result<Vec<Vec<Cell>>, PgError> {
        Ok(instance
            .metadata
            .users()?
            .into_iter()
            .map(|u| {
                vec![
                    text(u.name),
                    opt_text(u.workspace),
                    opt_text(u.created_at),
                    opt_text(u.valid_until),
                ]
            })
            .collect())
    }
}
