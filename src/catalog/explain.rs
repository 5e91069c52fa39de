//! `EXPLAIN (VERBOSE, FORMAT JSON) EXECUTE name(...)` of a statement the client prepared with
//! Parse, as sqlx sends it to learn a statement's result (its `describe`, which `query!`
//! relies on). DuckDB's plans are not PostgreSQL's, and its EXECUTE knows only SQL-level
//! PREPAREs, so the answer is the plan PostgreSQL gives a statement it cannot see into: one
//! Result node whose Output lists the result's columns. It names no join, so a client infers
//! nothing about nullability from it (sqlx then keeps what pg_attribute told it).

use sqlparser::ast::{Expr, Statement};

/// The protocol-level statement an `EXPLAIN ... EXECUTE name(...)` explains, if `sql` is one.
pub fn explained_statement(sql: &str) -> Option<String> {
    let first = sql.trim_start().get(..7)?;
    if !first.eq_ignore_ascii_case("EXPLAIN") {
        return None;
    }
    let Statement::Explain { statement, .. } = super::rewrite::parse(sql)? else {
        return None;
    };
    let Statement::Execute { name, parameters, .. } = *statement else {
        return None;
    };
    // Only parameters a plan does not depend on: sqlx sends NULLs.
    if !parameters.iter().all(|p| matches!(p, Expr::Value(_))) {
        return None;
    }
    let name = name?;
    let [part] = name.0.as_slice() else {
        return None;
    };
    let ident = part.as_ident()?;
    Some(match ident.quote_style {
        Some(_) => ident.value.clone(),
        None => ident.value.to_ascii_lowercase(),
    })
}

/// A query answering the EXPLAIN with a Result node that outputs `columns` (none: a
/// statement without a result).
pub fn result_plan_query(columns: &[String]) -> String {
    let plan = serde_json::json!([{
        "Plan": {
            "Node Type": "Result",
            "Parallel Aware": false,
            "Async Capable": false,
            "Startup Cost": 0.0,
            "Total Cost": 0.0,
            "Plan Rows": 1,
            "Plan Width": 0,
            "Output": columns,
        }
    }]);
    let text = plan.to_string().replace('\'', "''");
    format!("SELECT '{text}'::JSON AS \"QUERY PLAN\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_statement_sqlx_explains() {
        let sql = "EXPLAIN (VERBOSE, FORMAT JSON) EXECUTE sqlx_s_3(NULL, NULL)";
        assert_eq!(explained_statement(sql).as_deref(), Some("sqlx_s_3"));
        assert_eq!(
            explained_statement("EXPLAIN EXECUTE \"S1\"").as_deref(),
            Some("S1")
        );
        assert_eq!(explained_statement("EXPLAIN SELECT 1"), None);
        assert_eq!(explained_statement("SELECT 1"), None);
    }

    #[test]
    fn the_plan_is_json_with_the_columns() {
        let sql = result_plan_query(&["id".into(), "it's".into()]);
        assert!(sql.contains(r#""Output":["id","it''s"]"#), "{sql}");
    }
}
