//! Names as the gateway compares them: qualified names split into their parts, and the scope of
//! one workspace — which catalogs, schemas and tables its statements may name and read.
//!
//! DuckDB compares identifiers without regard to case, quoted or not, so the scope does too.

use std::sync::Mutex;

/// Split a qualified name as DuckDB renders it (`ws.main."secret"`) or a user writes it inside a
/// string (`nextval('ws.main.seq')`) into its unquoted parts. `None` when it is not a well-formed
/// name (an unterminated quote, an empty part).
pub fn split_qualified(text: &str) -> Option<Vec<String>> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut chars = text.trim().chars().peekable();
    let mut quoted_part = false;
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                quoted_part = true;
                loop {
                    match chars.next()? {
                        '"' if chars.peek() == Some(&'"') => {
                            chars.next();
                            current.push('"');
                        }
                        '"' => break,
                        other => current.push(other),
                    }
                }
            }
            '.' => {
                if current.is_empty() && !quoted_part {
                    return None;
                }
                parts.push(std::mem::take(&mut current));
                quoted_part = false;
            }
            c => current.push(c),
        }
    }
    if current.is_empty() && !quoted_part {
        return None;
    }
    parts.push(current);
    Some(parts)
}

fn same(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// DuckDB's own catalogs that every connection has: its temporary objects and the built-ins.
pub const TEMP_CATALOG: &str = "temp";
const SYSTEM_CATALOG: &str = "system";
/// Schemas of the built-in catalog that hold functions a query may call by qualified name.
const SYSTEM_SCHEMAS: [&str; 2] = ["main", "pg_catalog"];

/// What one workspace session may name and read.
pub struct Scope {
    /// The workspace's catalog (read-write).
    pub catalog: String,
    /// Schemas of the workspace's catalog and of `temp`, as last looked up (refreshed when a
    /// name is not found in them: another session may have created a schema meanwhile).
    schemas: Mutex<Vec<String>>,
    /// Tables the workspace's grants read, `[catalog, schema, table]`.
    sources: Mutex<Vec<[String; 3]>>,
    /// Table macros of the workspace and `temp` (those not named like a built-in), looked up
    /// with the schemas.
    table_macros: Mutex<Vec<String>>,
}

impl Scope {
    pub fn new(catalog: String, schemas: Vec<String>, sources: Vec<[String; 3]>) -> Scope {
        Scope {
            catalog,
            schemas: Mutex::new(schemas),
            sources: Mutex::new(sources),
            table_macros: Mutex::new(Vec::new()),
        }
    }

    pub fn set_table_macros(&self, names: Vec<String>) {
        *self.table_macros.lock().unwrap_or_else(|e| e.into_inner()) = names;
    }

    /// Is this (unqualified or own-qualified) table function one of the workspace's macros?
    pub fn is_own_table_macro(&self, name: &str) -> bool {
        self.table_macros
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .any(|m| same(m, name))
    }

    pub fn set_schemas(&self, schemas: Vec<String>) {
        *self.schemas.lock().unwrap_or_else(|e| e.into_inner()) = schemas;
    }

    pub fn set_sources(&self, sources: Vec<[String; 3]>) {
        *self.sources.lock().unwrap_or_else(|e| e.into_inner()) = sources;
    }

    /// The catalogs the workspace's grants read.
    pub fn source_catalogs(&self) -> Vec<String> {
        let mut catalogs: Vec<String> = self
            .sources
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|[c, _, _]| c.clone())
            .collect();
        catalogs.sort();
        catalogs.dedup();
        catalogs
    }

    pub fn is_own_catalog(&self, name: &str) -> bool {
        same(name, &self.catalog) || same(name, TEMP_CATALOG)
    }

    pub fn has_schema(&self, name: &str) -> bool {
        self.schemas
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .any(|s| same(s, name))
    }

    /// May a statement name this relation (parts as written)? One part always (it resolves in
    /// the session's search path, which is the workspace's); `a.b` when `a` is the workspace, a
    /// schema of it, or `temp`; `a.b.c` when `a` is the workspace or `temp`. Whether the
    /// relation then turns out to exist is for DuckDB to say; what it reads, for the plan.
    pub fn may_name(&self, parts: &[&str]) -> Naming {
        match parts {
            [catalog, schema, _] if is_checkable_catalog(catalog, schema) => Naming::Allowed,
            [_] => Naming::Allowed,
            [first, _] if self.is_own_catalog(first) => Naming::Allowed,
            [schema, _] if self.has_schema(schema) => Naming::Allowed,
            [_, _] => Naming::UnknownSchema,
            [catalog, _, _] if self.is_own_catalog(catalog) => Naming::Allowed,
            _ => Naming::Outside,
        }
    }

    /// May a statement call a function qualified like this (`[catalog, schema]`, empty when
    /// not written)?
    pub fn may_call(&self, catalog: &str, schema: &str) -> Naming {
        if is_checkable_catalog(catalog, schema) {
            return Naming::Allowed;
        }
        if !catalog.is_empty() {
            if self.is_own_catalog(catalog) {
                return Naming::Allowed;
            }
            let builtin = same(catalog, SYSTEM_CATALOG) && SYSTEM_SCHEMAS.iter().any(|s| same(s, schema));
            return if builtin { Naming::Allowed } else { Naming::Outside };
        }
        if schema.is_empty() || SYSTEM_SCHEMAS.iter().any(|s| same(s, schema)) || self.has_schema(schema) {
            return Naming::Allowed;
        }
        Naming::UnknownSchema
    }

    /// May the statement read this table, as the plan names it (`catalog.schema.table`)?
    pub fn may_read(&self, table: &str) -> bool {
        let Some(parts) = split_qualified(table) else {
            return false;
        };
        let [catalog, schema, name] = parts.as_slice() else {
            return false;
        };
        if self.is_own_catalog(catalog) || is_checkable_catalog(catalog, schema) {
            return true;
        }
        self.sources
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .any(|[c, s, t]| same(c, catalog) && same(s, schema) && same(t, name))
    }
}

/// Is this schema of our PostgreSQL catalog one a workspace's statement is checked against
/// (empty tables of the live views' shape, PostgreSQL's built-in types; see `catalog`)?
pub fn is_checkable_catalog(catalog: &str, schema: &str) -> bool {
    same(catalog, crate::catalog::CATALOG)
        && crate::catalog::CHECKABLE_SCHEMAS.iter().any(|s| same(s, schema))
}

/// The answer to "may this be named here".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Naming {
    Allowed,
    /// Qualified by something that is not (yet, as far as we know) a schema of the workspace:
    /// look the schemas up again before refusing.
    UnknownSchema,
    Outside,
}

/// Could DuckDB take this table name for a file and scan it (a replacement scan: `FROM
/// 'data.csv'`, `FROM 's3://b/k'`)? Such names never reach DuckDB from a workspace.
pub fn looks_like_a_path(name: &str) -> bool {
    name.contains(['.', '/', '\\', ':', '*', '?', '~', '$', '{'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_rendered_and_written_names() {
        assert_eq!(
            split_qualified("ws_b.main.\"secret\"").unwrap(),
            ["ws_b", "main", "secret"]
        );
        assert_eq!(split_qualified("\"a.b\".\"c\"\"d\"").unwrap(), ["a.b", "c\"d"]);
        assert_eq!(split_qualified("seq").unwrap(), ["seq"]);
        assert_eq!(split_qualified("\"\"").unwrap(), [""]);
        assert!(split_qualified("a..b").is_none());
        assert!(split_qualified("\"open").is_none());
        assert!(split_qualified("a.").is_none());
    }

    #[test]
    fn scope_decides_by_catalog_schema_and_grant() {
        let scope = Scope::new(
            "ws_a".into(),
            vec!["main".into(), "in_c_sales".into()],
            vec![["proj".into(), "main".into(), "orders".into()]],
        );
        assert_eq!(scope.may_name(&["t"]), Naming::Allowed);
        assert_eq!(scope.may_name(&["WS_A", "t"]), Naming::Allowed);
        assert_eq!(scope.may_name(&["in_c_sales", "orders"]), Naming::Allowed);
        assert_eq!(scope.may_name(&["ws_b", "secret"]), Naming::UnknownSchema);
        assert_eq!(scope.may_name(&["ws_b", "main", "secret"]), Naming::Outside);
        assert_eq!(scope.may_name(&["temp", "main", "x"]), Naming::Allowed);
        assert!(scope.may_read("ws_a.main.\"t\""));
        assert!(scope.may_read("proj.main.\"ORDERS\""));
        assert!(!scope.may_read("proj.main.\"customers\""));
        assert!(!scope.may_read("ws_b.main.secret"));
        assert!(!scope.may_read("garbage"));
        assert_eq!(scope.may_call("", ""), Naming::Allowed);
        assert_eq!(scope.may_call("ws_b", "main"), Naming::Outside);
        assert_eq!(scope.may_call("system", "pg_catalog"), Naming::Allowed);
        assert!(looks_like_a_path("data.csv") && looks_like_a_path("s3://x") && !looks_like_a_path("orders"));
    }
}
