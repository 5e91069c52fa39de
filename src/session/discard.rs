//! `DISCARD { ALL | PLANS | SEQUENCES | TEMP }`: PostgreSQL's reset of session state, which
//! connection pools send before handing a server connection to the next client (PgBouncer's
//! `server_reset_query`, pgpool, many application pools). DuckDB's parser has no DISCARD.

use crate::db::Connection;
use crate::error::PgError;
use crate::internal_sql::{drop_session_objects, SessionObjects};

use super::executor::{apply_setting_quietly, Stop};
use super::extended::Extended;
use super::output::Output;
use super::settings::{Command, Settings};
use super::TxnState;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Discard {
    /// Everything below, and RESET ALL, DEALLOCATE ALL, CLOSE ALL, UNLISTEN *,
    /// pg_advisory_unlock_all().
    All,
    /// Cached plans: our statement cache.
    Plans,
    /// Sequence state: DuckDB keeps none a session could discard (currval is the sequence's).
    Sequences,
    /// Temporary tables, views, sequences, macros and types.
    Temp,
}

/// `DISCARD ...` from its leading keywords; `None` when the statement is not a DISCARD.
pub fn parse(keywords: &[String]) -> Option<Result<Discard, PgError>> {
    if keywords.first().map(String::as_str) != Some("DISCARD") {
        return None;
    }
    Some(match keywords.get(1..).unwrap_or_default() {
        [what] if what == "ALL" => Ok(Discard::All),
        [what] if what == "PLANS" => Ok(Discard::Plans),
        [what] if what == "SEQUENCES" => Ok(Discard::Sequences),
        [what] if what == "TEMP" || what == "TEMPORARY" => Ok(Discard::Temp),
        _ => Err(PgError::new(
            "42601",
            "syntax error: DISCARD needs ALL, PLANS, SEQUENCES or TEMP",
        )),
    })
}

impl Extended {
    /// Run a DISCARD for the session and answer its command tag.
    pub(super) fn discard(
        &mut self,
        conn: &Connection,
        what: Discard,
        txn: TxnState,
        settings: &mut Settings,
        out: &mut Output,
    ) -> Result<(), Stop> {
        self.cache.clear();
        let tag = match what {
            Discard::All => {
                if txn != TxnState::Idle {
                    return Err(Stop::Failed(PgError::new(
                        "25001",
                        "DISCARD ALL cannot run inside a transaction block",
                    )));
                }
                self.close_all_cursors(conn);
                self.close_open_results(None);
                // Every prepared statement but the unnamed one, as DEALLOCATE ALL.
                self.statements.retain(|name, _| name.is_empty());
                self.portals.retain(|name, _| name.is_empty());
                drop_session_objects(conn, SessionObjects::All)?;
                if let Some(unlock) = self.rewritten("SELECT pg_advisory_unlock_all()") {
                    conn.execute(&unlock.run)?;
                }
                apply_setting_quietly(conn, &Command::ResetAll, settings, &mut self.leftovers, out)?;
                self.settings_changed(settings);
                "DISCARD ALL"
            }
            Discard::Plans => "DISCARD PLANS",
            Discard::Sequences => "DISCARD SEQUENCES",
            Discard::Temp => {
                self.close_open_results(None);
                drop_session_objects(conn, SessionObjects::Temporary)?;
                "DISCARD TEMP"
            }
        };
        if what != Discard::Plans && what != Discard::Sequences {
            // Temporary objects were dropped: the reset at the session's end checks it all.
            self.leftovers.untracked();
        }
        out.command_complete(tag.into());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(sql: &str) -> Vec<String> {
        sql.split_whitespace().map(str::to_ascii_uppercase).collect()
    }

    #[test]
    fn reads_each_form_and_refuses_others() {
        assert_eq!(parse(&words("discard all")).unwrap().unwrap(), Discard::All);
        assert_eq!(
            parse(&words("DISCARD TEMPORARY")).unwrap().unwrap(),
            Discard::Temp
        );
        assert_eq!(parse(&words("DISCARD PLANS")).unwrap().unwrap(), Discard::Plans);
        assert_eq!(parse(&words("DISCARD")).unwrap().unwrap_err().code, "42601");
        assert_eq!(
            parse(&words("DISCARD ALL PLANS")).unwrap().unwrap_err().code,
            "42601"
        );
        assert!(parse(&words("SELECT 1")).is_none());
    }
}
