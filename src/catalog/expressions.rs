//! Expressions PostgreSQL writes that DuckDB reads otherwise or not at all: casts to the
//! catalog's types (regclass, regtype, ...), PostgreSQL's array text, type names qualified by
//! `pg_catalog`, 0-based subscripts of int2vector columns, `OPERATOR(pg_catalog.~)`.

use sqlparser::ast::{BinaryOperator, CastKind, DataType, Expr, Value};

use super::rewrite::{custom_type, folded, literal_text, snippet, string, Rewriter};

impl Rewriter<'_, '_> {
    /// A cast DuckDB lacks the type for, rewritten or `None` when it stays.
    pub(super) fn cast(&mut self, expr: &Expr, data_type: &DataType) -> Option<Expr> {
        let mut unqualified = data_type.clone();
        if strip_pg_catalog(&mut unqualified) {
            let inner = self.cast(expr, &unqualified);
            return Some(inner.unwrap_or_else(|| Expr::Cast {
                kind: CastKind::DoubleColon,
                expr: Box::new(expr.clone()),
                data_type: unqualified,
                format: None,
            }));
        }
        if let DataType::Array(element) = data_type {
            // `$1::oid[]`, `'{1,2}'::regclass[]`: arrays of OIDs are lists of UINTEGER.
            let oids = element_type(element)
                .and_then(custom_type)
                .is_some_and(|t| is_oid_type(&t));
            let target = if oids { uinteger_array() } else { data_type.clone() };
            let array_text = literal_text(expr).filter(|t| t.starts_with('{'));
            let value = match array_text {
                Some(text) => string(&crate::types::array_text_to_list(text)?),
                None if oids => expr.clone(),
                None => return None,
            };
            return Some(Expr::Cast {
                kind: CastKind::DoubleColon,
                expr: Box::new(value),
                data_type: target,
                format: None,
            });
        }
        let ty = custom_type(data_type)?;
        let literal = literal_text(expr);
        let name_part = |s: &str| -> String {
            match s.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
                Some(quoted) => quoted.replace("\"\"", "\""),
                None => s.to_ascii_lowercase(),
            }
        };
        // An OID written as a string: `'16431'::regclass`.
        if let Some(digits) = literal.filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit())) {
            if matches!(
                ty.as_str(),
                "regclass" | "regtype" | "regnamespace" | "regproc" | "oid"
            ) {
                return snippet(digits);
            }
        }
        Some(match (ty.as_str(), literal) {
            ("regclass", Some(text)) => {
                let (schema, relation) = match text.split_once('.') {
                    Some((s, r)) => (Some(name_part(s)), name_part(r)),
                    None => (None, name_part(text)),
                };
                let schema = schema.map_or(Expr::Value(Value::Null.into()), |s| string(&s));
                self.call("regclass_oid", vec![schema, string(&relation)])
            }
            // A parameter is a name (or an OID) known only when bound: `$1::regtype::oid`.
            ("regclass", None) if is_placeholder(expr) => self.call("regclass_lookup", vec![expr.clone()]),
            ("regtype", None) if is_placeholder(expr) => self.call("regtype_lookup", vec![expr.clone()]),
            ("regclass", None) => self.call("regclass_name", vec![expr.clone()]),
            // `'pg_catalog.trigger'::regtype`: the type's own name (ours are unqualified).
            ("regtype", Some(text)) => {
                let name = text.to_ascii_lowercase();
                let name = name.strip_prefix("pg_catalog.").unwrap_or(&name).to_string();
                self.call("regtype_oid", vec![string(&name)])
            }
            ("regtype", None) => self.call("regtype_name", vec![expr.clone()]),
            ("regnamespace", Some(text)) => self.call("regnamespace_oid", vec![string(&name_part(text))]),
            ("regnamespace", None) => self.call("regnamespace_name", vec![expr.clone()]),
            ("regproc" | "regprocedure", None) => self.call("regproc_name", vec![expr.clone()]),
            // `typinput = 'pg_catalog.array_in'::regproc` (pgjdbc): the function's OID.
            ("regproc" | "regprocedure", Some(text)) => {
                let name = name_part(text.strip_prefix("pg_catalog.").unwrap_or(text));
                let name = name.split('(').next().unwrap_or(&name).trim().to_string();
                self.call("regproc_oid", vec![string(&name)])
            }
            ("regrole", None) => string(self.facts.user),
            ("name" | "char" | "text" | "bpchar" | "varchar", _) => Expr::Cast {
                kind: CastKind::DoubleColon,
                expr: Box::new(expr.clone()),
                data_type: DataType::Varchar(None),
                format: None,
            },
            // An OID is a UINTEGER here (PostgreSQL's oid on the wire).
            ("oid", _) => Expr::Cast {
                kind: CastKind::DoubleColon,
                expr: Box::new(expr.clone()),
                data_type: uinteger(),
                format: None,
            },
            _ => return None,
        })
    }
}

impl Rewriter<'_, '_> {
    /// A comparison of reg* values compares OIDs, as in PostgreSQL: `p.prorettype::regtype !=
    /// 'trigger'::regtype`. A column's cast shows the name here (`regtype_name(x)`), a
    /// literal's is the OID, so the column side goes back to its OID and a bare string
    /// literal on the other side is read as a name of that kind.
    pub(super) fn reg_comparison(&mut self, left: &Expr, op: &BinaryOperator, right: &Expr) -> Option<Expr> {
        use BinaryOperator as B;
        if !matches!(op, B::Eq | B::NotEq | B::Lt | B::LtEq | B::Gt | B::GtEq) {
            return None;
        }
        let (kind, oid, other, flipped) = match (shown_reg_name(left), shown_reg_name(right)) {
            (Some((kind, oid)), _) => (kind, oid, right, false),
            (None, Some((kind, oid))) => (kind, oid, left, true),
            (None, None) => return None,
        };
        let other = match (shown_reg_name(other), literal_text(other)) {
            (Some((_, other_oid)), _) => other_oid.clone(),
            (None, Some(_)) if !matches!(other, Expr::Cast { .. }) => {
                let data_type = DataType::Custom(
                    sqlparser::ast::ObjectName::from(vec![sqlparser::ast::Ident::new(kind)]),
                    vec![],
                );
                self.cast(other, &data_type)?
            }
            _ => other.clone(),
        };
        let (left, right) = match flipped {
            false => (oid.clone(), other),
            true => (other, oid.clone()),
        };
        Some(Expr::BinaryOp {
            left: Box::new(left),
            op: op.clone(),
            right: Box::new(right),
        })
    }
}

/// `regtype_name(x)` (what `x::regtype` became): ("regtype", x).
fn shown_reg_name(expr: &Expr) -> Option<(&'static str, &Expr)> {
    let Expr::Function(f) = expr else {
        return None;
    };
    let parts = super::rewrite::folded(&f.name);
    if parts.len() != 3 || parts[0] != super::CATALOG {
        return None;
    }
    let kind = match parts[2].as_str() {
        "regclass_name" => "regclass",
        "regtype_name" => "regtype",
        "regnamespace_name" => "regnamespace",
        "regproc_name" => "regproc",
        _ => return None,
    };
    match &f.args {
        sqlparser::ast::FunctionArguments::List(list) => match list.args.as_slice() {
            [sqlparser::ast::FunctionArg::Unnamed(sqlparser::ast::FunctionArgExpr::Expr(e))] => {
                Some((kind, e))
            }
            _ => None,
        },
        _ => None,
    }
}

/// The catalog's columns PostgreSQL types int2vector or oidvector (0-based). Here they are
/// lists (1-based), but for indoption, which clients also read whole as its text ("0 0").
const VECTOR_COLUMNS: &[&str] = &[
    "indkey",
    "indclass",
    "indcollation",
    "proargtypes",
    "conkey",
    "confkey",
];

/// `root[i]` of a vector column, counted as PostgreSQL counts.
pub(super) fn vector_subscript(root: &Expr, access: &sqlparser::ast::AccessExpr) -> Option<Expr> {
    let column = match root {
        Expr::Identifier(i) => i.value.to_ascii_lowercase(),
        Expr::CompoundIdentifier(parts) => parts.last()?.value.to_ascii_lowercase(),
        _ => return None,
    };
    let sqlparser::ast::AccessExpr::Subscript(sqlparser::ast::Subscript::Index { index }) = access else {
        return None;
    };
    // pgjdbc selects it as I_INDOPTION in a subquery and subscripts that.
    if column == "indoption" || column == "i_indoption" {
        return snippet(&format!(
            "CAST(string_split({root}, ' ')[({index}) + 1] AS SMALLINT)"
        ));
    }
    if column.starts_with("con") {
        // conkey and confkey are real arrays in PostgreSQL too (1-based): as they are.
        return None;
    }
    VECTOR_COLUMNS
        .contains(&column.as_str())
        .then(|| snippet(&format!("({root})[({index}) + 1]")))
        .flatten()
}

fn is_placeholder(expr: &Expr) -> bool {
    matches!(expr, Expr::Value(v) if matches!(v.value, Value::Placeholder(_)))
}

/// Types that are OIDs here (UINTEGER, PostgreSQL's oid on the wire).
fn is_oid_type(name: &str) -> bool {
    matches!(
        name,
        "oid" | "regclass" | "regtype" | "regproc" | "regprocedure" | "regnamespace" | "regrole"
    )
}

fn element_type(element: &sqlparser::ast::ArrayElemTypeDef) -> Option<&DataType> {
    use sqlparser::ast::ArrayElemTypeDef as E;
    match element {
        E::SquareBracket(inner, _) | E::AngleBracket(inner) | E::Parenthesis(inner) => Some(inner),
        _ => None,
    }
}

fn uinteger() -> DataType {
    DataType::Custom(
        sqlparser::ast::ObjectName::from(vec![sqlparser::ast::Ident::new("UINTEGER")]),
        vec![],
    )
}

fn uinteger_array() -> DataType {
    DataType::Array(sqlparser::ast::ArrayElemTypeDef::SquareBracket(
        Box::new(uinteger()),
        None,
    ))
}

/// Drop `pg_catalog.` from a type name (also an array's element type): DuckDB's types are not
/// in its pg_catalog. Whether anything was dropped.
fn strip_pg_catalog(data_type: &mut DataType) -> bool {
    match data_type {
        DataType::Custom(name, _) if name.0.len() == 2 && folded(name)[0] == "pg_catalog" => {
            let last = name.0.pop().expect("two parts");
            name.0 = vec![last];
            true
        }
        DataType::Array(
            sqlparser::ast::ArrayElemTypeDef::SquareBracket(inner, _)
            | sqlparser::ast::ArrayElemTypeDef::AngleBracket(inner)
            | sqlparser::ast::ArrayElemTypeDef::Parenthesis(inner),
        ) => strip_pg_catalog(inner),
        _ => false,
    }
}

/// `OPERATOR(pg_catalog.~)` and its kin as the plain operator.
pub(super) fn plain_operator(parts: &[String]) -> Option<BinaryOperator> {
    let op = match parts {
        [schema, op] if schema.eq_ignore_ascii_case("pg_catalog") => op.as_str(),
        [op] => op.as_str(),
        _ => return None,
    };
    Some(match op {
        "~" => BinaryOperator::PGRegexMatch,
        "~*" => BinaryOperator::PGRegexIMatch,
        "!~" => BinaryOperator::PGRegexNotMatch,
        "!~*" => BinaryOperator::PGRegexNotIMatch,
        "=" => BinaryOperator::Eq,
        "<>" | "!=" => BinaryOperator::NotEq,
        "<" => BinaryOperator::Lt,
        "<=" => BinaryOperator::LtEq,
        ">" => BinaryOperator::Gt,
        ">=" => BinaryOperator::GtEq,
        "||" => BinaryOperator::StringConcat,
        "+" => BinaryOperator::Plus,
        "-" => BinaryOperator::Minus,
        _ => return None,
    })
}

/// `x = ANY($1)` and `x <> ALL($1)` where the parameter is bare, or an array's text without a
/// cast (`x = ANY('{r,v}')`, as psycopg's sql.Literal writes a list). PostgreSQL infers an
/// array of x's type for it; DuckDB infers nothing and binds the array's text as a string.
/// Here the array is read as text[] and compared with x as text (`list_contains`): exact for
/// the ids, names, kinds and uuids such lists hold (psycopg sends a Python list of str
/// untyped; pgcli, pgspecial, node-postgres); a typed array (`$1::int[]`) keeps DuckDB's own
/// comparison.
pub(super) fn any_of_parameter(left: &Expr, op: &BinaryOperator, right: &Expr, any: bool) -> Option<Expr> {
    let array_text = literal_text(right)
        .filter(|t| t.starts_with('{'))
        .and_then(crate::types::array_text_to_list)
        .map(|list| string(&list));
    let parameter = match (right, &array_text) {
        (_, Some(list)) => list,
        (_, None) if is_placeholder(right) => right,
        (Expr::Nested(inner), _) if is_placeholder(inner) => inner.as_ref(),
        _ => return None,
    };
    let negated = match (op, any) {
        (BinaryOperator::Eq, true) => "",
        (BinaryOperator::NotEq, false) => "NOT ",
        _ => return None,
    };
    snippet(&format!(
        "{negated}list_contains(CAST(({parameter}) AS VARCHAR[]), CAST(({left}) AS VARCHAR))"
    ))
}
