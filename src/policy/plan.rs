//! The check after binding, on DuckDB's unoptimized logical plan (`EXPLAIN (FORMAT json)` with
//! `explain_output = 'all'`): views and macros are expanded there and every subquery is still
//! a node (the optimizer may fold one into a constant and hide its scan), and every scan names
//! its table fully qualified, as DuckDB resolved it.

use serde_json::Value;

use super::names::Scope;
use super::refused;
use crate::error::PgError;

/// Operators that only combine, filter or compute rows, or write the workspace's own catalog
/// (where a write lands is the write fence's to decide). Anything else — a table function's
/// scan (`READ_CSV`, `DUCKDB_TABLES`), PRAGMA, COPY, ATTACH, SET, an extension's operator — is
/// refused.
const OPERATORS: [&str; 48] = [
    "PROJECTION",
    "FILTER",
    "AGGREGATE",
    "WINDOW",
    "UNNEST",
    "LIMIT",
    "LIMIT_PERCENT",
    "ORDER_BY",
    "TOP_N",
    "DISTINCT",
    "SAMPLE",
    "PIVOT",
    "UNPIVOT",
    "DUMMY_SCAN",
    "EXPRESSION_GET",
    "CHUNK_GET",
    "DELIM_GET",
    "EMPTY_RESULT",
    "CTE",
    "CTE_SCAN",
    "REC_CTE",
    "REC_KEY_CTE",
    "MATERIALIZED_CTE",
    "CROSS_PRODUCT",
    "COMPARISON_JOIN",
    "ANY_JOIN",
    "DELIM_JOIN",
    "DEPENDENT_JOIN",
    "ASOF_JOIN",
    "POSITIONAL_JOIN",
    "UNION",
    "EXCEPT",
    "INTERSECT",
    "INSERT",
    "UPDATE",
    "DELETE",
    "MERGE_INTO",
    "CREATE_TABLE",
    "CREATE_INDEX",
    "CREATE_SEQUENCE",
    "CREATE_VIEW",
    "CREATE_SCHEMA",
    "CREATE_MACRO",
    "CREATE_TYPE",
    "DROP",
    "ALTER",
    "TRANSACTION",
    "EXPLAIN",
];

/// Table functions whose scan a workspace may run (the same as `calls`' list).
const SCANS: [&str; 3] = ["RANGE", "GENERATE_SERIES", "UNNEST"];

/// Why a plan was refused.
pub enum Refusal {
    /// It scans a table outside the workspace (or of a grant given since we looked).
    Table,
    Other(PgError),
}

impl From<PgError> for Refusal {
    fn from(e: PgError) -> Self {
        Refusal::Other(e)
    }
}

/// Check the unoptimized plan in EXPLAIN's `logical_plan` row.
pub fn check(scope: &Scope, plan: &str) -> Result<(), Refusal> {
    let tree: Value =
        serde_json::from_str(plan).map_err(|_| refused("a statement the gateway cannot read".to_string()))?;
    walk(scope, &tree)
}

fn walk(scope: &Scope, node: &Value) -> Result<(), Refusal> {
    match node {
        Value::Array(nodes) => nodes.iter().try_for_each(|n| walk(scope, n)),
        Value::Object(_) => {
            let name = node.get("name").and_then(Value::as_str).unwrap_or("");
            if name == "SEQ_SCAN" {
                match node.pointer("/extra_info/Table").and_then(Value::as_str) {
                    Some(table) if scope.may_read(table) => {}
                    Some(_) => return Err(Refusal::Table),
                    None => return Err(refused("that scan".to_string()).into()),
                }
            } else if !OPERATORS.contains(&name) && !SCANS.contains(&name) {
                return Err(refused(format!("{} in a workspace", name.to_ascii_lowercase())).into());
            }
            match node.get("children") {
                Some(children) => walk(scope, children),
                None => Ok(()),
            }
        }
        _ => Err(refused("a statement the gateway cannot read".to_string()).into()),
    }
}
