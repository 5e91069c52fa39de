//! Result column names as PostgreSQL gives them. DuckDB names an unaliased expression by its
//! text (`count_star()`, `"version"()`, `CAST(x AS INTEGER)`, `1`); PostgreSQL by a rule
//! (FigureColname): a column's name, a function's name, a cast's argument or else its type,
//! `case`, `array`, `exists`, and `?column?` for everything else. Tools and ORMs read these.

use sqlparser::ast::{DataType, Expr, ObjectNamePart, SelectItem, SetExpr, Statement};

/// Does DuckDB's name look like one it made up from an expression? Names that are plain
/// identifiers are kept without parsing (almost every column of every result).
pub fn looks_generated(name: &str) -> bool {
    let mut chars = name.chars();
    let plain = chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '$');
    !plain
}

/// PostgreSQL's names for the columns of a query (`None` when it is not a plain SELECT list
/// without `*`, or the count differs from `columns`).
pub fn postgres_names(statement: &Statement, duckdb_names: &[String]) -> Option<Vec<String>> {
    let Statement::Query(query) = statement else {
        return None;
    };
    let mut body = query.body.as_ref();
    // A set operation is named by its first branch, as in PostgreSQL.
    while let SetExpr::SetOperation { left, .. } = body {
        body = left;
    }
    let SetExpr::Select(select) = body else {
        return None;
    };
    if select.projection.len() != duckdb_names.len() {
        return None;
    }
    select
        .projection
        .iter()
        .zip(duckdb_names)
        .map(|(item, duckdb)| match item {
            SelectItem::UnnamedExpr(expr) => Some(if looks_generated(duckdb) {
                figure(expr).unwrap_or_else(|| "?column?".to_string())
            } else {
                duckdb.clone()
            }),
            SelectItem::ExprWithAlias { alias, .. } => Some(alias.value.clone()),
            _ => None,
        })
        .collect()
}

/// Alias the unnamed items of a subquery's select list with PostgreSQL's names, where DuckDB
/// would name them otherwise (calls, casts, CASE); not where two would share a name. Whether
/// any changed.
pub fn name_items_as_postgres(items: &mut [SelectItem]) -> bool {
    let mut taken: Vec<String> = items
        .iter()
        .filter_map(|item| match item {
            SelectItem::ExprWithAlias { alias, .. } => Some(alias.value.to_ascii_lowercase()),
            SelectItem::UnnamedExpr(Expr::Identifier(i)) => Some(i.value.to_ascii_lowercase()),
            SelectItem::UnnamedExpr(Expr::CompoundIdentifier(p)) => {
                p.last().map(|i| i.value.to_ascii_lowercase())
            }
            _ => None,
        })
        .collect();
    let mut changed = false;
    for item in items.iter_mut() {
        let SelectItem::UnnamedExpr(expr) = item else {
            continue;
        };
        if !matches!(expr, Expr::Function(_) | Expr::Cast { .. } | Expr::Case { .. }) {
            continue;
        }
        let Some(name) = figure(expr) else {
            continue;
        };
        if taken.contains(&name.to_ascii_lowercase()) {
            continue;
        }
        taken.push(name.to_ascii_lowercase());
        *item = SelectItem::ExprWithAlias {
            expr: expr.clone(),
            alias: sqlparser::ast::Ident::new(name),
        };
        changed = true;
    }
    changed
}

fn figure(expr: &Expr) -> Option<String> {
    figure_with_strength(expr).map(|(name, _)| name)
}

/// PostgreSQL's FigureColnameInternal: a name and whether it is strong (a column's, a
/// function's) or weak (a cast's type, `case`), which an outer cast replaces:
/// `1::int8::text` is `text`, `'int4'::regtype::oid` is `oid`, `x::text` is `x`.
fn figure_with_strength(expr: &Expr) -> Option<(String, bool)> {
    let strong = |name: String| Some((name, true));
    match expr {
        Expr::Identifier(ident) => strong(ident.value.clone()),
        Expr::CompoundIdentifier(parts) => parts.last().and_then(|i| strong(i.value.clone())),
        Expr::Function(f) => f.name.0.last().and_then(|p| {
            strong(match p {
                ObjectNamePart::Identifier(i) => i.value.to_ascii_lowercase(),
                ObjectNamePart::Function(f) => f.name.value.to_ascii_lowercase(),
            })
        }),
        Expr::Cast { expr, data_type, .. } => match figure_with_strength(expr) {
            Some((name, true)) => Some((name, true)),
            _ => Some((type_name(data_type), false)),
        },
        Expr::Nested(inner) => figure_with_strength(inner),
        Expr::Case { .. } => Some(("case".into(), false)),
        Expr::Array(_) => strong("array".into()),
        Expr::Exists { .. } => strong("exists".into()),
        Expr::Subquery(query) => match query.body.as_ref() {
            SetExpr::Select(select) => match select.projection.first() {
                Some(SelectItem::UnnamedExpr(e)) => figure_with_strength(e),
                Some(SelectItem::ExprWithAlias { alias, .. }) => strong(alias.value.clone()),
                _ => None,
            },
            _ => None,
        },
        Expr::Collate { expr, .. } => figure_with_strength(expr),
        Expr::CompoundFieldAccess { root, .. } => figure_with_strength(root),
        _ => None,
    }
}

/// The name PostgreSQL gives a cast's column: its type's internal name.
fn type_name(data_type: &DataType) -> String {
    use DataType as T;
    match data_type {
        T::Int(_) | T::Integer(_) | T::Int4(_) => "int4",
        T::BigInt(_) | T::Int8(_) => "int8",
        T::SmallInt(_) | T::Int2(_) => "int2",
        T::Text | T::String(_) => "text",
        T::Varchar(_) | T::CharacterVarying(_) | T::CharVarying(_) => "varchar",
        T::Char(_) | T::Character(_) => "bpchar",
        T::Boolean | T::Bool => "bool",
        T::Numeric(_) | T::Decimal(_) | T::Dec(_) => "numeric",
        T::Real | T::Float4 => "float4",
        T::Double(_) | T::DoublePrecision | T::Float8 | T::Float(_) => "float8",
        T::Date => "date",
        T::Timestamp(_, tz) => match tz {
            sqlparser::ast::TimezoneInfo::WithTimeZone | sqlparser::ast::TimezoneInfo::Tz => "timestamptz",
            _ => "timestamp",
        },
        T::Time(_, tz) => match tz {
            sqlparser::ast::TimezoneInfo::WithTimeZone | sqlparser::ast::TimezoneInfo::Tz => "timetz",
            _ => "time",
        },
        T::Interval { .. } => "interval",
        T::Uuid => "uuid",
        T::JSON => "json",
        T::JSONB => "jsonb",
        T::Bytea => "bytea",
        T::Array(element) => {
            return match element {
                sqlparser::ast::ArrayElemTypeDef::SquareBracket(inner, _)
                | sqlparser::ast::ArrayElemTypeDef::AngleBracket(inner)
                | sqlparser::ast::ArrayElemTypeDef::Parenthesis(inner) => type_name(inner),
                _ => "?column?".into(),
            }
        }
        T::Custom(name, _) => {
            return name
                .0
                .last()
                .map(|p| p.to_string().trim_matches('"').to_ascii_lowercase())
                .unwrap_or_else(|| "?column?".into())
        }
        _ => return data_type.to_string().to_ascii_lowercase(),
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(sql: &str, duck: &[&str]) -> Option<Vec<String>> {
        let statement = super::super::rewrite::parse(sql)?;
        postgres_names(
            &statement,
            &duck.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        )
    }

    #[test]
    fn figures_names_as_postgres_does() {
        assert_eq!(
            names(
                "SELECT count(*), version(), 1, x::int, 1::int, 'a'::text, a + b, CASE WHEN true THEN 1 END, t.y, pg_catalog.now() AS \"When\"",
                &["count_star()", "\"version\"()", "1", "CAST(x AS INTEGER)", "CAST(1 AS INTEGER)", "CAST('a' AS VARCHAR)", "(a + b)", "CASE  WHEN (true) THEN (1) ELSE NULL END", "y", "When"]
            )
            .unwrap(),
            ["count", "version", "?column?", "x", "int4", "text", "?column?", "case", "y", "When"]
        );
        assert_eq!(
            names(
                "SELECT 1::int8::text, 'int4'::regtype::oid, x::int8::text, (CASE WHEN a THEN 1 END)::int2",
                &[
                    "CAST(CAST(1 AS BIGINT) AS VARCHAR)",
                    "CAST(r AS UINTEGER)",
                    "CAST(CAST(x AS BIGINT) AS VARCHAR)",
                    "CAST(CASE  WHEN (a) THEN (1) ELSE NULL END AS SMALLINT)"
                ]
            )
            .unwrap(),
            ["text", "oid", "x", "int2"]
        );
        assert_eq!(names("SELECT * FROM t", &["a"]), None);
        assert!(!looks_generated("relname") && looks_generated("count_star()") && looks_generated("1"));
    }
}
