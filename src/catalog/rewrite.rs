//! PostgreSQL's SQL where DuckDB cannot run it as sent, rewritten on sqlparser's syntax tree.
//!
//! Only statements that need it are touched: a lexical look first ([`might_need`]) lets every
//! other statement through without parsing, and a statement sqlparser cannot read is sent as it
//! came (DuckDB then gives its own error). What is rewritten:
//! - relations of `pg_catalog` and `information_schema` (qualified or not) to ours, under
//!   the same name as an alias so that `pg_class.relname` still resolves;
//! - the functions clients call on them to our macros, and `pg_catalog.` dropped from others;
//! - facts of the session (`version()`, `pg_backend_pid()`, `current_user`, a parameter of
//!   ours read with `current_setting`) to their values;
//! - casts to `regclass`, `regtype`, `regnamespace`, `regproc` (a name to an OID, an OID to its
//!   name), to `name` and `"char"`; PostgreSQL's array text `'{1,2}'::int[]` to DuckDB's;
//! - `OPERATOR(pg_catalog.~)` to `~`, and `COLLATE pg_catalog.default` (or "C") dropped.
//!
//! Each rewrite is made twice: for running (our live catalog) and for the isolation gateway to
//! check (empty tables of the same shape, see `install`), identical but for that schema.

use std::ops::ControlFlow;

use sqlparser::ast::{
    BinaryOperator, DataType, Expr, Function, FunctionArg, FunctionArgExpr, FunctionArguments, Ident,
    ObjectName, ObjectNamePart, Statement, TableAlias, TableFactor, Value, VisitMut, VisitorMut,
};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;

use super::expressions::{any_of_parameter, plain_operator, vector_subscript};
use super::{CATALOG, INFO_RELATIONS, LIVE, PG_FUNCTIONS, PG_RELATIONS, WORKSPACE};

/// What a session knows about itself, for the functions that answer with it.
pub struct Facts<'a> {
    pub user: &'a str,
    pub pid: i32,
    /// A workspace's session: the catalog hides definitions (`WORKSPACE`).
    pub workspace: bool,
    /// A parameter of the session's own store, by name (`current_setting`).
    pub setting: &'a dyn Fn(&str) -> Option<String>,
    /// The database the session started in: `"db".pg_catalog.x` names ours when `db` is it
    /// (as PostgreSQL reads only its current database's); another database's stays as written.
    pub database: &'a str,
}

/// A statement rewritten: the text to run, and the text the isolation gateway checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rewritten {
    pub run: String,
    pub check: String,
}

/// Words that make a statement worth parsing: catalog schemas and relations, the functions and
/// types rewritten, `OPERATOR`, `COLLATE`. Anything else passes untouched, unparsed.
fn is_trigger(word: &str) -> bool {
    const WORDS: &[&str] = &[
        "pg_catalog",
        "information_schema",
        "operator",
        "collate",
        "regclass",
        "regtype",
        "regproc",
        "regprocedure",
        "regnamespace",
        "regrole",
        "version",
        "pg_backend_pid",
        "current_setting",
        "current_user",
        "session_user",
        "current_role",
        "current_schemas",
        "json_build_object",
        "jsonb_build_object",
        "json_build_array",
        "json_agg",
        // `x = ANY($1)`: an array parameter whose type only PostgreSQL would infer.
        "any",
        "pg_advisory_lock",
        "pg_advisory_lock_shared",
        "pg_try_advisory_lock",
        "pg_try_advisory_lock_shared",
        "pg_advisory_unlock",
        "pg_advisory_unlock_shared",
        "pg_advisory_unlock_all",
        "pg_advisory_xact_lock",
        "pg_advisory_xact_lock_shared",
        "pg_try_advisory_xact_lock",
        "pg_try_advisory_xact_lock_shared",
    ];
    static TRIGGERS: std::sync::OnceLock<std::collections::HashSet<&'static str>> =
        std::sync::OnceLock::new();
    // Every word of every statement comes here: lower-case it on the stack, look it up once.
    let mut buf = [0u8; 64];
    if word.len() > buf.len() {
        return false;
    }
    let lower = &mut buf[..word.len()];
    lower.copy_from_slice(word.as_bytes());
    lower.make_ascii_lowercase();
    let Ok(lower) = std::str::from_utf8(lower) else {
        return false;
    };
    TRIGGERS
        .get_or_init(|| {
            WORDS
                .iter()
                .chain(PG_RELATIONS)
                .chain(PG_FUNCTIONS)
                .chain(super::from_items::SCALAR_FUNCTIONS)
                .copied()
                .collect()
        })
        .contains(lower)
}

/// Could `sql` need a rewrite? A lexical look, no parse: true for a trigger word or a string
/// literal that opens like PostgreSQL's array text.
pub fn might_need(sql: &str) -> bool {
    crate::sql_text::any_word_or_literal(sql, is_trigger, |literal| literal.starts_with('{'))
}

/// Rewrite `sql` (one statement) where DuckDB needs it; `None` when nothing changes.
pub fn rewrite(sql: &str, facts: &Facts) -> Option<Rewritten> {
    if !might_need(sql) {
        return None;
    }
    let statement = parse(sql)?;
    let live = if facts.workspace { WORKSPACE } else { LIVE };
    let run = rewritten(statement.clone(), facts, live)?;
    let check = rewritten(statement, facts, super::SHAPE)?;
    Some(Rewritten {
        run: run.to_string(),
        check: check.to_string(),
    })
}

/// `sql` as PostgreSQL reads it; `None` when that is not one statement.
pub fn parse(sql: &str) -> Option<Statement> {
    let statements = Parser::parse_sql(&PostgreSqlDialect {}, sql).ok()?;
    match <[Statement; 1]>::try_from(statements) {
        Ok([statement]) => Some(statement),
        Err(_) => None,
    }
}

fn rewritten(mut statement: Statement, facts: &Facts, schemas: Schemas) -> Option<Statement> {
    let mut rewriter = Rewriter {
        facts,
        schemas,
        changed: false,
        depth: 0,
    };
    let _ = statement.visit(&mut rewriter);
    rewriter.changed.then_some(statement)
}

/// Where a rewrite points: the schemas of our catalog for pg_catalog and information_schema.
#[derive(Clone, Copy)]
pub struct Schemas {
    pub pg: &'static str,
    pub info: &'static str,
}

pub(super) struct Rewriter<'a, 'f> {
    pub(super) facts: &'a Facts<'f>,
    pub(super) schemas: Schemas,
    pub(super) changed: bool,
    /// How many queries deep the visit is (0: outside the statement's own query).
    pub(super) depth: usize,
}

/// The parts of a name, unquoted ones lower-cased (as PostgreSQL folds them).
pub(super) fn folded(name: &ObjectName) -> Vec<String> {
    name.0
        .iter()
        .map(|part| match part {
            ObjectNamePart::Identifier(ident) if ident.quote_style.is_none() => {
                ident.value.to_ascii_lowercase()
            }
            ObjectNamePart::Identifier(ident) => ident.value.clone(),
            ObjectNamePart::Function(f) => f.name.value.clone(),
        })
        .collect()
}

pub(super) fn ours(schema: &str, name: &str) -> ObjectName {
    ObjectName::from(vec![Ident::new(CATALOG), Ident::new(schema), Ident::new(name)])
}

pub(super) fn string(value: &str) -> Expr {
    Expr::Value(Value::SingleQuotedString(value.to_string()).into())
}

pub(super) fn snippet(sql: &str) -> Option<Expr> {
    Parser::new(&PostgreSqlDialect {})
        .try_with_sql(sql)
        .ok()?
        .parse_expr()
        .ok()
}

pub(super) fn literal_text(expr: &Expr) -> Option<&str> {
    match expr {
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(s) | Value::EscapedStringLiteral(s) => Some(s),
            Value::DollarQuotedString(d) => Some(&d.value),
            _ => None,
        },
        _ => None,
    }
}

/// The last part of a type name, lower-cased: `pg_catalog.regclass` → `regclass`.
pub(super) fn custom_type(data_type: &DataType) -> Option<String> {
    match data_type {
        DataType::Custom(name, _) => folded(name).pop(),
        DataType::Regclass => Some("regclass".into()),
        _ => None,
    }
}

impl Rewriter<'_, '_> {
    pub(super) fn call(&self, function: &str, args: Vec<Expr>) -> Expr {
        Expr::Function(Function {
            name: ours(self.schemas.pg, function),
            uses_odbc_syntax: false,
            parameters: FunctionArguments::None,
            args: FunctionArguments::List(sqlparser::ast::FunctionArgumentList {
                duplicate_treatment: None,
                args: args
                    .into_iter()
                    .map(|e| FunctionArg::Unnamed(FunctionArgExpr::Expr(e)))
                    .collect(),
                clauses: vec![],
            }),
            filter: None,
            null_treatment: None,
            over: None,
            within_group: vec![],
        })
    }

    /// A relation of pg_catalog or information_schema, as ours.
    fn relation(&mut self, name: &mut ObjectName, alias: &mut Option<TableAlias>, args_given: bool) {
        let mut parts = folded(name);
        // `"memory".information_schema.columns` (dbt): PostgreSQL reads a database name only as
        // the current database's, which is what ours show.
        if parts.len() == 3
            && matches!(parts[1].as_str(), "pg_catalog" | "information_schema")
            && parts[0] == self.facts.database
        {
            parts.remove(0);
        }
        let (schema, relation) = match parts.as_slice() {
            [schema, relation] if schema == "pg_catalog" && PG_RELATIONS.contains(&relation.as_str()) => {
                (self.schemas.pg, relation.clone())
            }
            [relation] if PG_RELATIONS.contains(&relation.as_str()) => (self.schemas.pg, relation.clone()),
            [schema, relation]
                if schema == "information_schema" && INFO_RELATIONS.contains(&relation.as_str()) =>
            {
                (self.schemas.info, relation.clone())
            }
            // A table function of pg_catalog: `pg_catalog.pg_get_keywords()`.
            [schema, function]
                if schema == "pg_catalog" && args_given && PG_FUNCTIONS.contains(&function.as_str()) =>
            {
                (self.schemas.pg, function.clone())
            }
            [function] if args_given && PG_FUNCTIONS.contains(&function.as_str()) => {
                (self.schemas.pg, function.clone())
            }
            [schema, function]
                if schema == "information_schema" && args_given && function == "_pg_expandarray" =>
            {
                (self.schemas.pg, function.clone())
            }
            _ => return,
        };
        *name = ours(schema, &relation);
        if alias.is_none() {
            *alias = Some(TableAlias {
                explicit: true,
                name: Ident::new(relation),
                columns: vec![],
                at: None,
            });
        }
        self.changed = true;
    }

    /// A function call, rewritten or `None` when it stays.
    fn function(&mut self, function: &mut Function) -> Option<Expr> {
        let parts = folded(&function.name);
        let (qualified, name) = match parts.as_slice() {
            [name] => (false, name.as_str()),
            [schema, name] if schema == "pg_catalog" => (true, name.as_str()),
            [schema, name] if schema == "information_schema" && name == "_pg_expandarray" => {
                (true, name.as_str())
            }
            _ => return None,
        };
        let args = match &function.args {
            FunctionArguments::List(list) => list
                .args
                .iter()
                .map(|a| match a {
                    FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e.clone()),
                    _ => None,
                })
                .collect::<Option<Vec<_>>>(),
            FunctionArguments::None => Some(vec![]),
            FunctionArguments::Subquery(_) => None,
        };
        let no_args = args.as_ref().is_some_and(Vec::is_empty);
        if super::advisory::is_advisory(name) {
            return self.advisory(name, args.as_deref()?);
        }
        match name {
            "version" if no_args => return Some(string(&super::version())),
            "pg_backend_pid" if no_args => return snippet(&self.facts.pid.to_string()),
            "current_user" | "session_user" | "user" | "current_role" if no_args => {
                return Some(string(self.facts.user))
            }
            "pg_get_userbyid" => return Some(string(self.facts.user)),
            "current_schemas" => {
                let include = args?.into_iter().next()?;
                return snippet(&format!(
                    "CASE WHEN {include} THEN ['pg_catalog', current_schema()] ELSE [current_schema()] END"
                ));
            }
            "current_setting" => {
                let args = args?;
                let value = literal_text(args.first()?).and_then(|n| (self.facts.setting)(n));
                if let Some(value) = value {
                    return Some(string(&value));
                }
            }
            _ => {}
        }
        // PostgreSQL's names for functions DuckDB has under another.
        let duckdb_name = match name {
            "json_build_object" | "jsonb_build_object" => Some("json_object"),
            "json_build_array" | "jsonb_build_array" => Some("json_array"),
            "json_agg" | "jsonb_agg" => Some("json_group_array"),
            _ => None,
        };
        if let Some(duckdb_name) = duckdb_name {
            function.name = ObjectName::from(vec![Ident::new(duckdb_name)]);
            self.changed = true;
            return None;
        }
        if PG_FUNCTIONS.contains(&name) {
            function.name = ours(self.schemas.pg, name);
            self.changed = true;
        } else if qualified {
            // DuckDB's own functions live outside its pg_catalog: `pg_catalog.lower(x)`.
            function.name = ObjectName::from(vec![Ident::new(name)]);
            self.changed = true;
        }
        None
    }
}

impl VisitorMut for Rewriter<'_, '_> {
    type Break = ();

    /// Subqueries and CTEs name their columns as PostgreSQL does (`count`, not `count(1)`):
    /// the query around them refers to those names. The statement's own result is named by
    /// `Prepared::rename_columns` instead.
    fn pre_visit_query(&mut self, query: &mut sqlparser::ast::Query) -> ControlFlow<()> {
        if self.depth > 0 {
            if let sqlparser::ast::SetExpr::Select(select) = query.body.as_mut() {
                self.changed |= super::names::name_items_as_postgres(&mut select.projection);
            }
        }
        self.depth += 1;
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, _: &mut sqlparser::ast::Query) -> ControlFlow<()> {
        self.depth -= 1;
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, factor: &mut TableFactor) -> ControlFlow<()> {
        if let TableFactor::Table {
            name,
            alias,
            args,
            with_ordinality,
            ..
        } = factor
        {
            let had_args = args.is_some();
            self.relation(name, alias, had_args);
            if had_args {
                self.name_function_column(name, alias);
            }
            // Our pg_partition_ancestors gives its ordinality itself.
            if *with_ordinality && name.0.len() == 3 && folded(name)[2] == "pg_partition_ancestors" {
                *with_ordinality = false;
            }
            // DuckDB's table functions live outside its pg_catalog: `pg_catalog.generate_series`.
            let parts = folded(name);
            if had_args && parts.len() == 2 && parts[0] == "pg_catalog" {
                *name = ObjectName::from(vec![Ident::new(&parts[1])]);
                self.changed = true;
            }
            // Our pg_get_keywords is a table, not a function.
            if had_args && folded(name).last().is_some_and(|n| n == "pg_get_keywords") && name.0.len() == 3 {
                *args = None;
            }
        }
        // `FROM string_to_array(...) s`: a scalar function as a one-row relation.
        if let Some(derived) = super::from_items::scalar_as_relation(factor) {
            *factor = derived;
            self.changed = true;
        }
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        // PostgreSQL's LIKE escapes with a backslash unless told otherwise; DuckDB's has no
        // escape (pgjdbc writes `relname LIKE 'my\_table'`).
        if let Expr::Like { escape_char, .. } | Expr::ILike { escape_char, .. } = expr {
            if escape_char.is_none() {
                *escape_char = Some(Box::new(string("\\")));
                self.changed = true;
            }
        }
        let replacement = match expr {
            // PostgreSQL's int2vector and oidvector columns count from 0: `i.indkey[0]`.
            Expr::CompoundFieldAccess { root, access_chain } => match access_chain.as_slice() {
                [access] => vector_subscript(root, access),
                // `i.indkey[0]` reads as `i` . `indkey` [0].
                [sqlparser::ast::AccessExpr::Dot(Expr::Identifier(column)), access] => match root.as_ref() {
                    Expr::Identifier(table) => vector_subscript(
                        &Expr::CompoundIdentifier(vec![table.clone(), column.clone()]),
                        access,
                    ),
                    _ => None,
                },
                _ => None,
            },
            // `pg_catalog.pg_class.relname`: the relation is ours now, under its own name.
            Expr::CompoundIdentifier(parts) if parts.len() == 3 => {
                let schema = parts[0].value.to_ascii_lowercase();
                let relation = parts[1].value.to_ascii_lowercase();
                let ours = (schema == "pg_catalog" && PG_RELATIONS.contains(&relation.as_str()))
                    || (schema == "information_schema" && INFO_RELATIONS.contains(&relation.as_str()));
                ours.then(|| Expr::CompoundIdentifier(parts[1..].to_vec()))
            }
            Expr::Function(function) => self.function(function),
            Expr::Cast {
                expr: inner,
                data_type,
                ..
            } => {
                // `x::regclass::oid` is x itself.
                let oid_of_reg = custom_type(data_type).is_some_and(|t| t == "oid")
                    && matches!(inner.as_ref(), Expr::Function(f) if folded(&f.name).last().is_some_and(|n| n.ends_with("_name") && n.starts_with("reg")));
                if oid_of_reg {
                    match inner.as_ref() {
                        Expr::Function(f) => match &f.args {
                            FunctionArguments::List(list) => match list.args.first() {
                                Some(FunctionArg::Unnamed(FunctionArgExpr::Expr(e))) => Some(e.clone()),
                                _ => None,
                            },
                            _ => None,
                        },
                        _ => None,
                    }
                } else {
                    self.cast(inner, data_type)
                }
            }
            Expr::Collate {
                expr: inner,
                collation,
            } => {
                let parts = folded(collation);
                let ignorable = matches!(
                    parts.last().map(String::as_str),
                    Some("default" | "C" | "POSIX" | "c")
                );
                ignorable.then(|| Expr::Nested(inner.clone()))
            }
            Expr::BinaryOp {
                left,
                op: BinaryOperator::PGCustomBinaryOperator(parts),
                right,
            } => plain_operator(parts).map(|op| Expr::BinaryOp {
                left: left.clone(),
                op,
                right: right.clone(),
            }),
            Expr::BinaryOp { left, op, right } => self.reg_comparison(left, op, right),
            Expr::AnyOp {
                left,
                compare_op,
                right,
                ..
            } => any_of_parameter(left, compare_op, right, true),
            Expr::AllOp {
                left,
                compare_op,
                right,
            } => any_of_parameter(left, compare_op, right, false),
            _ => None,
        };
        if let Some(new) = replacement {
            *expr = new;
            self.changed = true;
        }
        ControlFlow::Continue(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> Facts<'static> {
        Facts {
            user: "alice",
            pid: 42,
            workspace: false,
            setting: &|name| (name == "server_version_num").then(|| "150000".to_string()),
            database: "memory",
        }
    }

    fn run(sql: &str) -> Option<String> {
        rewrite(sql, &facts()).map(|r| r.run)
    }

    #[test]
    fn like_escapes_with_a_backslash_as_in_postgres() {
        let sql = run(
            "SELECT relname FROM pg_class WHERE relname LIKE 'a\\_b' AND relname NOT ILIKE 'c%' ESCAPE '!'",
        )
        .unwrap();
        assert!(sql.contains("LIKE 'a\\_b' ESCAPE '\\'"), "{sql}");
        assert!(sql.contains("NOT ILIKE 'c%' ESCAPE '!'"), "{sql}");
    }

    #[test]
    fn statements_without_postgres_only_parts_pass_unparsed() {
        assert!(!might_need("SELECT a, count(*) FROM t GROUP BY a"));
        assert!(!might_need("SELECT 'pg_class' FROM t"));
        assert_eq!(run("SELECT * FROM t"), None);
        assert_eq!(run("SELECT * FROM read_parquet('x') -- pg_class"), None);
    }

    #[test]
    fn catalog_relations_and_functions_become_ours() {
        let sql = run("SELECT c.relname, pg_catalog.format_type(a.atttypid, a.atttypmod) FROM pg_catalog.pg_class c JOIN pg_attribute ON true").unwrap();
        assert!(sql.contains("pgwire_catalog.pg_live.pg_class c"), "{sql}");
        assert!(
            sql.contains("pgwire_catalog.pg_live.pg_attribute AS pg_attribute"),
            "{sql}"
        );
        assert!(
            sql.contains("pgwire_catalog.pg_live.format_type(a.atttypid, a.atttypmod)"),
            "{sql}"
        );
        let check = rewrite("SELECT * FROM information_schema.tables", &facts())
            .unwrap()
            .check;
        assert!(check.contains("pgwire_catalog.info_shape.tables"), "{check}");
    }

    #[test]
    fn session_facts_and_casts() {
        assert_eq!(run("SELECT pg_backend_pid()").unwrap(), "SELECT 42");
        assert_eq!(
            run("SELECT current_setting('server_version_num')").unwrap(),
            "SELECT '150000'"
        );
        assert!(run("SELECT version()").unwrap().contains("PostgreSQL 15"));
        let sql = run("SELECT * FROM pg_attribute WHERE attrelid = 'public.\"T\"'::regclass").unwrap();
        assert!(sql.contains("regclass_oid('public', 'T')"), "{sql}");
        assert_eq!(
            run("SELECT '{1,2}'::int[]").unwrap(),
            "SELECT '[\"1\", \"2\"]'::INT[]"
        );
        let sql = run("SELECT relname FROM pg_class WHERE relname OPERATOR(pg_catalog.~) '^(t)$' COLLATE pg_catalog.default").unwrap();
        assert!(sql.contains("relname ~ ('^(t)$')"), "{sql}");
    }
}
