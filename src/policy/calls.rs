//! Which functions a workspace statement may call. Shared by both syntax-tree walks (DuckDB's
//! for queries, sqlparser's for the rest), so that a call is judged the same wherever it is.
//!
//! Table functions are an allow-list: the few that compute rows from their arguments alone.
//! Every other one reads something (files, URLs, DuckDB's catalogs and settings, other
//! statements' text) and is refused. Scalar functions compute from their arguments; the few that
//! reach the instance instead (settings beyond the session's own, the process environment, its log, the server, a
//! sequence by name) are listed here and refused or checked.

use super::names::{split_qualified, Naming, Scope};
use super::refused;
use crate::error::PgError;

/// Table functions a workspace may use.
const TABLE_FUNCTIONS: [&str; 3] = ["range", "generate_series", "unnest"];

/// Scalar functions whose answer is not a function of their arguments but of the instance.
const INSTANCE_FUNCTIONS: [&str; 5] = [
    // the CLI's: the process environment
    "getenv",
    "write_log",
    // ours: starting or stopping the server is the operator's
    "pgwire_start",
    "pgwire_stop",
    // DuckDB's serialized-plan runner (a statement inside a string)
    "json_execute_serialized_sql",
];

/// Settings `current_setting` may read: the session's own limits and formats. The others
/// include the host's paths (home, temp, extension and secret directories, allowed paths).
const READABLE_SETTINGS: [&str; 11] = [
    "timezone",
    "calendar",
    "operator_memory_limit",
    "max_execution_time",
    "memory_limit",
    "threads",
    "search_path",
    "schema",
    "default_order",
    "default_null_order",
    "max_expression_depth",
];

/// Functions that name a sequence in their first argument (a string, resolved at run time).
const SEQUENCE_FUNCTIONS: [&str; 3] = ["nextval", "currval", "setval"];

/// A call as the walkers see it.
pub struct Call<'a> {
    pub catalog: &'a str,
    pub schema: &'a str,
    pub name: &'a str,
    /// The first argument when it is a string constant; `None` when it is anything else or
    /// missing.
    pub first_string: Option<&'a str>,
}

fn is(name: &str, list: &[&str]) -> bool {
    list.iter().any(|n| n.eq_ignore_ascii_case(name))
}

/// Is this one of the table functions a workspace may call?
pub fn is_allowed_table_function(name: &str) -> bool {
    is(name, &TABLE_FUNCTIONS)
}

/// Judge a table function in FROM.
pub fn table_function(scope: &Scope, call: &Call<'_>) -> Result<(), PgError> {
    qualifier(scope, call)?;
    // The workspace's own table macros are checked where they expand (in the plan), and
    // were checked when they were created.
    if is_allowed_table_function(call.name) || scope.is_own_table_macro(call.name) {
        return Ok(());
    }
    // The catalog's table macros, in the shape the statement is checked in.
    if super::names::is_checkable_catalog(call.catalog, call.schema) {
        return Ok(());
    }
    Err(refused(format!("function {}", call.name)))
}

/// Judge a scalar, aggregate or window function (or a macro) call.
pub fn scalar_function(scope: &Scope, call: &Call<'_>) -> Result<(), PgError> {
    qualifier(scope, call)?;
    if is(call.name, &INSTANCE_FUNCTIONS) || call.name.to_ascii_lowercase().starts_with("pgwire_") {
        return Err(refused(format!("function {}", call.name)));
    }
    if call.name.eq_ignore_ascii_case("current_setting")
        && !call.first_string.is_some_and(|s| is(s, &READABLE_SETTINGS))
    {
        return Err(refused("function current_setting of that setting".to_string()));
    }
    if is(call.name, &SEQUENCE_FUNCTIONS) {
        // The sequence is named by a string DuckDB resolves when it runs: only a constant that
        // names the workspace's own sequence will do.
        let sequence = call.first_string.and_then(split_qualified);
        let allowed = sequence.is_some_and(|parts| {
            let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
            scope.may_name(&parts) == Naming::Allowed
        });
        if !allowed {
            return Err(refused(format!("function {} on that sequence", call.name)));
        }
    }
    Ok(())
}

fn qualifier(scope: &Scope, call: &Call<'_>) -> Result<(), PgError> {
    match scope.may_call(call.catalog, call.schema) {
        Naming::Allowed => Ok(()),
        _ => Err(refused(format!("function {}", written(call)))),
    }
}

fn written(call: &Call<'_>) -> String {
    [call.catalog, call.schema, call.name]
        .iter()
        .filter(|p| !p.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(".")
}
