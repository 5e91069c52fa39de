//! `ALTER TABLE v RENAME TO w` of a view, which PostgreSQL accepts (and dbt sends for every
//! view model it swaps in) and DuckDB 1.5 refuses ("Can only modify view with ALTER VIEW
//! statement"): run as `ALTER VIEW` when the relation is a view.

use sqlparser::ast::{AlterTableOperation, RenameTableNameKind, Statement};

use crate::db::Connection;
use crate::internal_sql::{query_rows, quote_literal};

/// The `ALTER VIEW` to run instead of `sql`, when `sql` renames a view with ALTER TABLE.
pub fn view_renamed_as_table(conn: &Connection, sql: &str) -> Option<String> {
    let keywords = crate::sql_text::leading_keywords(sql, 2);
    if keywords.first().map(String::as_str) != Some("ALTER")
        || keywords.get(1).map(String::as_str) != Some("TABLE")
    {
        return None;
    }
    let Statement::AlterTable(alter) = super::rewrite::parse(sql)? else {
        return None;
    };
    let [AlterTableOperation::RenameTable {
        table_name: RenameTableNameKind::To(new_name),
    }] = alter.operations.as_slice()
    else {
        return None;
    };
    let parts = super::rewrite::folded(&alter.name);
    let (database, schema, view) = match parts.as_slice() {
        [v] => (None, None, v),
        [s, v] => (None, Some(s), v),
        [d, s, v] => (Some(d), Some(s), v),
        _ => return None,
    };
    let lookup = format!(
        "SELECT 1 FROM duckdb_views() WHERE NOT internal AND view_name = {} \
         AND database_name = {} AND schema_name = {}",
        quote_literal(view),
        database.map_or("current_database()".to_string(), |d| quote_literal(d)),
        schema.map_or("current_schema()".to_string(), |s| quote_literal(s)),
    );
    let is_view = query_rows(conn, &lookup).ok()?.into_iter().next().is_some();
    let if_exists = if alter.if_exists { "IF EXISTS " } else { "" };
    is_view.then(|| format!("ALTER VIEW {if_exists}{} RENAME TO {new_name}", alter.name))
}
