//! The check of a query before DuckDB binds it, on DuckDB's own syntax tree
//! (`json_serialize_sql`, which parses and serializes SELECT-class statements and binds
//! nothing): every relation it names, every table function and every call.

use serde_json::Value;

use super::calls::{self, Call};
use super::names::{looks_like_a_path, Naming, Scope};
use super::refused;
use super::sql_ast::Reading;
use crate::error::PgError;

/// Check the serialized statement. `Ok(false)`: it is not a query (json_serialize_sql took
/// another kind of statement as an error); the caller parses it another way.
/// Check the serialized statement and say what it reads. `Ok(None)`: it is not a query
/// (json_serialize_sql took another kind of statement as an error).
pub fn check(scope: &Scope, serialized: &str) -> Result<Option<Reading>, PgError> {
    let tree: Value = serde_json::from_str(serialized)
        .map_err(|_| refused("a statement the gateway cannot read".to_string()))?;
    if tree.get("error").and_then(Value::as_bool) != Some(false) {
        return Ok(None);
    }
    match tree.get("statements").and_then(Value::as_array) {
        Some(statements) if statements.len() == 1 => {
            let mut reading = Reading {
                authoritative: true,
                ..Reading::default()
            };
            walk(scope, &statements[0], &mut reading)?;
            Ok(Some(reading))
        }
        _ => Err(refused("several statements in one".to_string())),
    }
}

/// FROM items whose meaning the syntax tree shows in full.
const PLAIN_FROM_ITEMS: [&str; 6] = [
    "BASE_TABLE",
    "JOIN",
    "SUBQUERY",
    "EMPTY",
    "EXPRESSION_LIST",
    "TABLE_FUNCTION",
];

fn text<'a>(node: &'a Value, key: &str) -> &'a str {
    node.get(key).and_then(Value::as_str).unwrap_or("")
}

fn walk(scope: &Scope, node: &Value, reading: &mut Reading) -> Result<(), PgError> {
    match node {
        Value::Array(items) => items.iter().try_for_each(|item| walk(scope, item, reading)),
        Value::Object(map) => {
            match text(node, "type") {
                "BASE_TABLE" => reading.relations.push(base_table(scope, node)?),
                "TABLE_FUNCTION" => {
                    let function = node.get("function").unwrap_or(&Value::Null);
                    let call = call(function);
                    calls::table_function(scope, &call)?;
                    if scope.is_own_table_macro(call.name)
                        || !call.catalog.is_empty()
                        || !call.schema.is_empty()
                    {
                        reading.opaque = true;
                    }
                    // Its arguments are expressions like any other.
                    if let Value::Object(parts) = function {
                        parts.values().try_for_each(|value| walk(scope, value, reading))?;
                    }
                    for (key, value) in map {
                        if key != "function" {
                            walk(scope, value, reading)?;
                        }
                    }
                    return Ok(());
                }
                _ => {}
            }
            if text(node, "class") == "FUNCTION" {
                let call = call(node);
                calls::scalar_function(scope, &call)?;
                if call.catalog.is_empty() && call.schema.is_empty() {
                    reading.functions.push(call.name.to_ascii_lowercase());
                } else {
                    reading.opaque = true;
                }
            }
            // Only these kinds of FROM item are plain enough to skip the plan; any other
            // (SHOW, DESCRIBE, PIVOT, ...) binds into something the syntax does not show.
            let items: &[&str] = if text(node, "type") == "JOIN" {
                &["left", "right"]
            } else {
                &["from_table"]
            };
            for key in items {
                if let Some(item) = node.get(*key).filter(|v| v.is_object()) {
                    if !PLAIN_FROM_ITEMS.contains(&text(item, "type")) {
                        reading.opaque = true;
                    }
                }
            }
            if let Some(ctes) = node.pointer("/cte_map/map").and_then(Value::as_array) {
                reading.ctes.extend(
                    ctes.iter()
                        .filter_map(|c| c.get("key")?.as_str())
                        .map(str::to_string),
                );
            }
            map.values().try_for_each(|value| walk(scope, value, reading))
        }
        _ => Ok(()),
    }
}

/// A relation in FROM: its parts as written, once it may be named.
fn base_table(scope: &Scope, node: &Value) -> Result<Vec<String>, PgError> {
    // 2.0 also gives the name as written, part by part; where it does, that is what counts.
    let path: Option<Vec<&str>> = node
        .pointer("/qualified_name/path")
        .and_then(Value::as_array)
        .map(|parts| parts.iter().map(|p| p.as_str().unwrap_or("")).collect());
    let parts: Vec<&str> = match path {
        Some(path) if !path.is_empty() => path,
        _ => ["catalog_name", "schema_name", "table_name"]
            .iter()
            .map(|key| text(node, key))
            .filter(|part| !part.is_empty())
            .collect(),
    };
    let written = parts.join(".");
    if looks_like_a_path(text(node, "table_name")) {
        return Err(refused(format!("reading \"{written}\" as a file")));
    }
    match scope.may_name(&parts) {
        Naming::Allowed => Ok(parts.iter().map(|p| p.to_string()).collect()),
        _ => Err(refused(format!("relation \"{written}\""))),
    }
}

/// A call's names and first string argument. DuckDB 1.5 serializes arguments as `children`
/// with typed `value`s, 2.0 as `arguments` with `literal`s: both are read.
fn call(function: &Value) -> Call<'_> {
    let v15 = function
        .pointer("/children/0")
        .filter(|arg| text(arg, "class") == "CONSTANT")
        .and_then(|arg| arg.get("value"))
        .filter(|value| value.pointer("/type/id").and_then(Value::as_str) == Some("VARCHAR"))
        .and_then(|value| value.get("value"));
    let v20 = function
        .pointer("/arguments/0/expression")
        .filter(|arg| text(arg, "class") == "CONSTANT")
        .and_then(|arg| arg.get("literal"))
        .filter(|literal| text(literal, "kind") == "STRING")
        .and_then(|literal| literal.get("text"));
    let first_string = v15.or(v20).and_then(Value::as_str);
    Call {
        catalog: text(function, "catalog"),
        schema: text(function, "schema"),
        name: text(function, "function_name"),
        first_string,
    }
}
