//! The check of a statement before DuckDB binds anything, on sqlparser's syntax tree (DuckDB's
//! dialect, then PostgreSQL's). Its answer is only the first word: after preparing, DuckDB's
//! own statement type must agree, and DuckDB's plan decides what is read — unless `Reading`
//! shows there is nothing a plan could add (see `Gateway::needs_plan`). A query sqlparser
//! cannot read goes to DuckDB's own parser (`duckdb_ast`); any other statement is refused.

use std::ops::ControlFlow;

use sqlparser::ast::{
    Expr, FunctionArg, FunctionArgExpr, FunctionArguments, ObjectName, ObjectNamePart, ObjectType, Statement,
    TableFactor, Value, Visit, Visitor,
};
use sqlparser::dialect::{DuckDbDialect, PostgreSqlDialect};
use sqlparser::parser::Parser;

use super::calls::{self, Call};
use super::names::{looks_like_a_path, Naming, Scope};
use super::refused;
use crate::error::PgError;

/// What kind of statement it is, as far as the gateway cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Class {
    /// A query sqlparser read although json_serialize_sql did not (`WITH ... INSERT`, ...).
    Query,
    /// INSERT, UPDATE, DELETE, MERGE, TRUNCATE.
    Write,
    /// CREATE, DROP, ALTER of tables, views, indexes, sequences, types, schemas and macros.
    /// `view`: the name of a view it creates, checked again once it exists.
    Define { view: Option<String> },
    /// COMMENT ON: DuckDB cannot EXPLAIN it; it changes only a comment.
    Comment,
    /// BEGIN, COMMIT, ROLLBACK.
    Transaction,
    /// EXPLAIN [ANALYZE] of another statement, which is checked on its own.
    Explain,
}

/// What a query names, as written: enough to tell whether binding could expand anything.
#[derive(Debug, Default)]
pub struct Reading {
    /// Relations in FROM (table functions excluded), parts as written.
    pub relations: Vec<Vec<String>>,
    /// Names of the query's common table expressions.
    pub ctes: Vec<String>,
    /// Functions called, unqualified.
    pub functions: Vec<String>,
    /// Something a plan must look at: a qualified call, a table function that may be a macro.
    pub opaque: bool,
    /// Read by DuckDB's own parser: only then may the plan be skipped (sqlparser may read a
    /// text differently from DuckDB, which would hide a relation).
    pub authoritative: bool,
    /// The macro a CREATE MACRO defines, unqualified.
    pub defines_macro: Option<String>,
}

/// Parse `sql`; `None` when sqlparser cannot read it.
pub fn parse(sql: &str) -> Option<Statement> {
    // DuckDB's dialect first; PostgreSQL's for what sqlparser's DuckDB dialect lacks (COMMENT
    // ON, ...). Either way DuckDB's own statement type must agree after preparing.
    let statements = Parser::parse_sql(&DuckDbDialect {}, sql)
        .or_else(|_| Parser::parse_sql(&PostgreSqlDialect {}, sql))
        .ok()?;
    match <[Statement; 1]>::try_from(statements) {
        Ok([statement]) => Some(statement),
        Err(_) => None,
    }
}

/// Classify and check a parsed statement.
pub fn check_parsed(scope: &Scope, statement: &Statement) -> Result<(Class, Reading), PgError> {
    let class = classify(statement).ok_or_else(|| refused(describe(statement)))?;
    let mut walker = Walker {
        scope,
        reading: Reading::default(),
    };
    if let ControlFlow::Break(e) = statement.visit(&mut walker) {
        return Err(e);
    }
    if let Statement::CreateMacro { name, .. } = statement {
        walker.reading.defines_macro = parts(name).and_then(|p| p.last().cloned());
    }
    Ok((class, walker.reading))
}

/// Classify and check `sql`, a single statement.
#[cfg(test)]
pub fn check(scope: &Scope, sql: &str) -> Result<Class, PgError> {
    // DuckDB's dialect first; PostgreSQL's for what sqlparser's DuckDB dialect lacks (COMMENT
    // ON, ...). Either way DuckDB's own statement type must agree after preparing.
    let statement = parse(sql).ok_or_else(|| refused("this statement".to_string()))?;
    check_parsed(scope, &statement).map(|(class, _)| class)
}

fn definable(object: &ObjectType) -> bool {
    matches!(
        object,
        ObjectType::Table
            | ObjectType::View
            | ObjectType::Index
            | ObjectType::Schema
            | ObjectType::Sequence
            | ObjectType::Type
    )
}

pub fn classify(statement: &Statement) -> Option<Class> {
    use Statement as S;
    let define = Class::Define { view: None };
    Some(match statement {
        S::Query(_) => Class::Query,
        S::Insert(_) | S::Update(_) | S::Delete(_) | S::Merge(_) | S::Truncate(_) => Class::Write,
        S::CreateTable(_) | S::CreateIndex(_) | S::CreateSequence { .. } | S::CreateType { .. } => define,
        S::CreateSchema { .. } | S::CreateMacro { .. } | S::AlterTable(_) | S::AlterView(_) => define,
        S::CreateView(view) if !view.materialized => Class::Define {
            view: Some(view.name.to_string()),
        },
        S::Drop { object_type, .. } if definable(object_type) => define,
        S::Comment { .. } => Class::Comment,
        S::StartTransaction { .. } | S::Commit { .. } | S::Rollback { savepoint: None, .. } => {
            Class::Transaction
        }
        S::Explain { .. } => Class::Explain,
        _ => return None,
    })
}

/// How a refused statement is named: its first words, as PostgreSQL names commands.
fn describe(statement: &Statement) -> String {
    let text = statement.to_string();
    let words: Vec<&str> = text.split_whitespace().take(2).collect();
    let command = match words.as_slice() {
        [first, second] if ["CREATE", "DROP", "ALTER"].contains(first) => format!("{first} {second}"),
        [first, ..] => first.to_string(),
        [] => "this statement".into(),
    };
    format!("{command} in a workspace")
}

struct Walker<'a> {
    scope: &'a Scope,
    reading: Reading,
}

fn parts(name: &ObjectName) -> Option<Vec<String>> {
    name.0
        .iter()
        .map(|part| match part {
            ObjectNamePart::Identifier(ident) => Some(ident.value.clone()),
            ObjectNamePart::Function(_) => None,
        })
        .collect()
}

fn first_string(args: &FunctionArguments) -> Option<&str> {
    let FunctionArguments::List(list) = args else {
        return None;
    };
    match list.args.first()? {
        FunctionArg::Unnamed(FunctionArgExpr::Expr(Expr::Value(v))) => match &v.value {
            Value::SingleQuotedString(s) => Some(s),
            _ => None,
        },
        _ => None,
    }
}

/// `[catalog, schema, name]` of a function as written.
fn function_parts(name: &ObjectName) -> Result<[String; 3], PgError> {
    let written = parts(name).ok_or_else(|| refused(format!("function {name}")))?;
    Ok(match written.as_slice() {
        [n] => [String::new(), String::new(), n.clone()],
        [s, n] => [String::new(), s.clone(), n.clone()],
        [c, s, n] => [c.clone(), s.clone(), n.clone()],
        _ => return Err(refused(format!("function {name}"))),
    })
}

impl Walker<'_> {
    fn table_function(&self, name: &ObjectName) -> Result<(), PgError> {
        let [catalog, schema, name] = function_parts(name)?;
        calls::table_function(
            self.scope,
            &Call {
                catalog: &catalog,
                schema: &schema,
                name: &name,
                first_string: None,
            },
        )
    }
}

impl Visitor for Walker<'_> {
    type Break = PgError;

    fn pre_visit_relation(&mut self, relation: &ObjectName) -> ControlFlow<PgError> {
        let Some(written) = parts(relation) else {
            return ControlFlow::Break(refused(format!("relation {relation}")));
        };
        if written.last().is_some_and(|n| looks_like_a_path(n)) {
            return ControlFlow::Break(refused(format!("reading \"{relation}\" as a file")));
        }
        let written: Vec<&str> = written.iter().map(String::as_str).collect();
        match self.scope.may_name(&written) {
            Naming::Allowed => ControlFlow::Continue(()),
            _ => ControlFlow::Break(refused(format!("relation \"{}\"", written.join(".")))),
        }
    }

    fn pre_visit_query(&mut self, query: &sqlparser::ast::Query) -> ControlFlow<PgError> {
        if let Some(with) = &query.with {
            let names = with.cte_tables.iter().map(|cte| cte.alias.name.value.clone());
            self.reading.ctes.extend(names);
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<PgError> {
        match factor {
            TableFactor::Table { name, args: None, .. } => match parts(name) {
                Some(written) => self.reading.relations.push(written),
                None => self.reading.opaque = true,
            },
            TableFactor::Table { name, .. } | TableFactor::Function { name, .. } => {
                let builtin = matches!(function_parts(name), Ok([c, s, _]) if c.is_empty() && s.is_empty());
                let own_macro = parts(name)
                    .and_then(|p| p.last().cloned())
                    .is_some_and(|n| self.scope.is_own_table_macro(&n));
                if !builtin || own_macro {
                    self.reading.opaque = true;
                }
            }
            TableFactor::Derived { .. } | TableFactor::NestedJoin { .. } => {}
            _ => self.reading.opaque = true,
        }
        let verdict = match factor {
            TableFactor::Table {
                name, args: Some(_), ..
            }
            | TableFactor::Function { name, .. } => self.table_function(name),
            TableFactor::TableFunction { .. }
            | TableFactor::JsonTable { .. }
            | TableFactor::OpenJsonTable { .. }
            | TableFactor::MatchRecognize { .. } => Err(refused("that table function".to_string())),
            _ => Ok(()),
        };
        match verdict {
            Ok(()) => ControlFlow::Continue(()),
            Err(e) => ControlFlow::Break(e),
        }
    }

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<PgError> {
        let Expr::Function(function) = expr else {
            return ControlFlow::Continue(());
        };
        if let Ok([catalog, schema, name]) = function_parts(&function.name) {
            if catalog.is_empty() && schema.is_empty() {
                self.reading.functions.push(name.to_ascii_lowercase());
            } else {
                self.reading.opaque = true;
            }
        }
        let verdict = function_parts(&function.name).and_then(|[catalog, schema, name]| {
            calls::scalar_function(
                self.scope,
                &Call {
                    catalog: &catalog,
                    schema: &schema,
                    name: &name,
                    first_string: first_string(&function.args),
                },
            )
        });
        match verdict {
            Ok(()) => ControlFlow::Continue(()),
            Err(e) => ControlFlow::Break(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope() -> Scope {
        Scope::new("ws_a".into(), vec!["main".into(), "mine".into()], Vec::new())
    }

    #[test]
    fn classifies_what_a_workspace_may_run() {
        let s = scope();
        for (sql, class) in [
            ("INSERT INTO t VALUES (1)", Class::Write),
            ("UPDATE t SET x = 1", Class::Write),
            ("DELETE FROM t", Class::Write),
            ("TRUNCATE t", Class::Write),
            ("CREATE TABLE t (x INTEGER)", Class::Define { view: None }),
            ("CREATE TEMP TABLE t AS SELECT 1", Class::Define { view: None }),
            ("CREATE MACRO m(a) AS a + 1", Class::Define { view: None }),
            (
                "CREATE VIEW v AS SELECT 1",
                Class::Define {
                    view: Some("v".into()),
                },
            ),
            ("DROP TABLE mine.t", Class::Define { view: None }),
            ("ALTER TABLE t ADD COLUMN y INTEGER", Class::Define { view: None }),
            ("COMMENT ON TABLE mine.t2 IS 'scratch'", Class::Comment),
            ("BEGIN", Class::Transaction),
            ("EXPLAIN INSERT INTO t VALUES (1)", Class::Explain),
        ] {
            assert_eq!(check(&s, sql).map_err(|e| e.message), Ok(class), "{sql}");
        }
    }

    #[test]
    fn refuses_what_it_may_not() {
        let s = scope();
        for sql in [
            "ATTACH 'x.duckdb' AS y",
            "SET threads = 1",
            "PRAGMA version",
            "COPY t TO 'x.csv'",
            "INSERT INTO t SELECT * FROM read_csv('x')",
            "INSERT INTO ws_b.main.t VALUES (1)",
            "INSERT INTO t SELECT current_setting('home_directory')",
            "CREATE MACRO m() AS getenv('HOME')",
            "SELECT 1; SELECT 2",
        ] {
            assert!(check(&s, sql).is_err(), "{sql}");
        }
    }
}
