//! PostgreSQL's advisory lock functions, rewritten to the server's lock table
//! (server/advisory.rs) through the `advisory` macro of the session's catalog schema: the
//! statement that runs calls `pgwire_advisory` with the session's id and database; the one a
//! workspace's gateway checks reads the shape schema's macro, which calls nothing.

use sqlparser::ast::Expr;

use super::rewrite::{snippet, string, Rewriter};

/// The functions, and the action each is; `true` where the answer is a boolean.
const FUNCTIONS: &[(&str, &str, bool)] = &[
    ("pg_advisory_lock", "lock", false),
    ("pg_advisory_lock_shared", "lock_shared", false),
    ("pg_try_advisory_lock", "try", true),
    ("pg_try_advisory_lock_shared", "try_shared", true),
    ("pg_advisory_unlock", "unlock", true),
    ("pg_advisory_unlock_shared", "unlock_shared", true),
    ("pg_advisory_unlock_all", "unlock_all", false),
    ("pg_advisory_xact_lock", "xact_lock", false),
    ("pg_advisory_xact_lock_shared", "xact_lock_shared", false),
    ("pg_try_advisory_xact_lock", "xact_try", true),
    ("pg_try_advisory_xact_lock_shared", "xact_try_shared", true),
];

pub(super) fn is_advisory(name: &str) -> bool {
    FUNCTIONS.iter().any(|(f, ..)| *f == name)
}

impl Rewriter<'_, '_> {
    /// `pg_advisory_lock(k)`, `pg_try_advisory_lock(k1, k2)`, ...; `None` for other arities.
    pub(super) fn advisory(&self, name: &str, args: &[Expr]) -> Option<Expr> {
        let (_, action, boolean) = FUNCTIONS.iter().find(|(f, ..)| *f == name)?;
        // One bigint key, or two int keys (a key space of their own, as in PostgreSQL).
        let key = match (args, *action) {
            // Not NULL: DuckDB does not call a function with a NULL argument.
            ([], "unlock_all") => "''".to_string(),
            ([k], _) => format!("CAST(({k}) AS BIGINT)::VARCHAR"),
            ([a, b], _) => {
                format!("CAST(({a}) AS INTEGER)::VARCHAR || ',' || CAST(({b}) AS INTEGER)::VARCHAR")
            }
            _ => return None,
        };
        let timeout = (self.facts.setting)("lock_timeout")
            .and_then(|t| lock_timeout_ms(&t))
            .unwrap_or(0);
        let call = self.call(
            "advisory",
            vec![
                string(action),
                snippet(&self.facts.pid.to_string())?,
                string(self.facts.database),
                snippet(&key)?,
                snippet(&timeout.to_string())?,
            ],
        );
        match boolean {
            true => snippet(&format!("CAST({call} AS BOOLEAN)")),
            false => Some(call),
        }
    }
}

/// PostgreSQL's lock_timeout in milliseconds: a number (ms) or one with a unit.
fn lock_timeout_ms(value: &str) -> Option<i64> {
    let value = value.trim();
    let digits = value.trim_end_matches(|c: char| c.is_ascii_alphabetic()).trim();
    let n: i64 = digits.parse().ok()?;
    let unit = value[digits.len()..].trim().to_ascii_lowercase();
    Some(match unit.as_str() {
        "" | "ms" => n,
        "s" => n * 1000,
        "min" => n * 60_000,
        "h" => n * 3_600_000,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::lock_timeout_ms;

    #[test]
    fn lock_timeouts() {
        assert_eq!(lock_timeout_ms("0"), Some(0));
        assert_eq!(lock_timeout_ms("250"), Some(250));
        assert_eq!(lock_timeout_ms("2s"), Some(2000));
        assert_eq!(lock_timeout_ms("1 min"), Some(60_000));
        assert_eq!(lock_timeout_ms("soon"), None);
    }
}
