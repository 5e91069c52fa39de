//! Functions in FROM, as PostgreSQL reads them.
//!
//! PostgreSQL lets any function stand in FROM: a set-returning one gives a row per value, a
//! scalar one a single row, and either's one column is named after the alias (`FROM
//! generate_series(1, 3) AS i` has a column `i`). DuckDB takes only table functions there and
//! names their column after the function. Grafana's table list, for one, reads
//! `FROM generate_series(...) AS i, string_to_array(current_setting('search_path'), ',') s`.

use sqlparser::ast::{
    FunctionArg, ObjectName, SetExpr, Statement, TableAlias, TableAliasColumnDef, TableFactor,
};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;

use super::rewrite::{folded, Rewriter};

/// Set-returning functions whose one column PostgreSQL names after the alias.
const SET_FUNCTIONS: &[&str] = &["generate_series", "generate_subscripts", "unnest"];

/// Scalar functions clients put in FROM (DuckDB has no table function of these names); a
/// statement naming one is parsed (`rewrite::might_need`).
pub(super) const SCALAR_FUNCTIONS: &[&str] = &[
    "string_to_array",
    "regexp_split_to_array",
    "current_schemas",
    "parse_ident",
    "current_setting",
];

impl Rewriter<'_, '_> {
    /// `generate_series(...) s` gets its column named `s`, as PostgreSQL names it.
    pub(super) fn name_function_column(&mut self, name: &ObjectName, alias: &mut Option<TableAlias>) {
        let set_function = folded(name)
            .last()
            .is_some_and(|n| SET_FUNCTIONS.contains(&n.as_str()));
        if let (true, Some(alias)) = (set_function, alias.as_mut()) {
            if alias.columns.is_empty() {
                alias.columns = vec![TableAliasColumnDef::from_name(alias.name.value.clone())];
                self.changed = true;
            }
        }
    }
}

/// `FROM string_to_array(x, ',') s` as `FROM (SELECT string_to_array(x, ',') AS s) s`: the one
/// row PostgreSQL gives, its column named after the alias (or the function, without one).
pub(super) fn scalar_as_relation(factor: &TableFactor) -> Option<TableFactor> {
    let TableFactor::Table {
        name,
        alias,
        args: Some(args),
        with_ordinality: false,
        ..
    } = factor
    else {
        return None;
    };
    let parts = folded(name);
    let function = parts.last()?;
    let qualified_elsewhere = parts.len() > 2 || (parts.len() == 2 && parts[0] != "pg_catalog");
    if qualified_elsewhere || !SCALAR_FUNCTIONS.contains(&function.as_str()) {
        return None;
    }
    let column = match alias {
        Some(a) => a.columns.first().map_or(&a.name.value, |c| &c.name.value),
        None => function,
    };
    let relation = alias.as_ref().map_or(function, |a| &a.name.value);
    let call_args: Vec<String> = args.args.iter().map(FunctionArg::to_string).collect();
    let sql = format!(
        "SELECT * FROM (SELECT {function}({}) AS {}) AS {}",
        call_args.join(", "),
        quoted(column),
        quoted(relation)
    );
    let statement = Parser::parse_sql(&PostgreSqlDialect {}, &sql).ok()?.pop()?;
    let Statement::Query(query) = statement else {
        return None;
    };
    let SetExpr::Select(select) = *query.body else {
        return None;
    };
    select.from.into_iter().next().map(|from| from.relation)
}

fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
