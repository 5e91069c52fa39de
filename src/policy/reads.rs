//! Step 2 of the gateway: what a statement reads, decided from DuckDB's unoptimized plan —
//! or, for a query whose syntax tree (DuckDB's own) shows only base tables of the workspace and
//! built-in functions, from that alone, since binding it expands nothing.

use super::plan;
use super::sql_ast::{Class, Reading};
use super::{outside, refused, Gateway};
use crate::db::Connection;
use crate::error::PgError;
use crate::internal_sql::rows_of;

impl Gateway {
    /// Step 2 where it is needed: where a statement writes is the fence's to decide; what it
    /// reads, the plan's, unless the syntax shows binding has nothing to expand.
    pub(super) fn check_reads(
        &self,
        conn: &Connection,
        sql: &str,
        class: &Class,
        reading: Option<&Reading>,
        params: usize,
    ) -> Result<(), PgError> {
        let plan = match (class, reading) {
            (Class::Query | Class::Write | Class::Define { .. }, Some(reading)) => {
                self.needs_plan(conn, reading)?
            }
            (Class::Query | Class::Write | Class::Define { .. }, None) => true,
            _ => false,
        };
        if plan {
            self.check_plan(conn, sql, params)?;
        }
        Ok(())
    }

    /// Must the plan be checked, or is it plain from the syntax that binding expands nothing:
    /// every relation a base table of the workspace, every call a built-in function, no CTE? A view or macro (the workspace's, a grant, the owner's) always goes
    /// to the plan.
    fn needs_plan(&self, conn: &Connection, reading: &Reading) -> Result<bool, PgError> {
        // A CTE's name is in scope only inside its query: the same name outside it is a table
        // or view, and telling the two apart is the binder's job. CTEs go to the plan.
        if !reading.authoritative
            || reading.opaque
            || !reading.ctes.is_empty()
            || !reading.functions.iter().all(|f| self.builtins.contains(f))
        {
            return Ok(true);
        }
        if reading.relations.is_empty() {
            return Ok(false);
        }
        let tables = self.snapshot(conn)?.tables;
        let base = |schema: &str, table: &str| {
            tables.contains(&(schema.to_ascii_lowercase(), table.to_ascii_lowercase()))
        };
        let plain = reading.relations.iter().all(|parts| match parts.as_slice() {
            [t] => base("main", t),
            [first, t] if self.scope.is_own_catalog(first) => base("main", t),
            [schema, t] => self.scope.has_schema(schema) && base(schema, t),
            [catalog, schema, t] => self.scope.is_own_catalog(catalog) && base(schema, t),
            _ => false,
        });
        Ok(!plain)
    }

    /// Step 2: every scan of the unoptimized plan, views and macros expanded.
    fn check_plan(&self, conn: &Connection, sql: &str, params: usize) -> Result<(), PgError> {
        let explain = conn
            .prepare(&format!("EXPLAIN (FORMAT json) {sql}"))
            .map_err(|e| self.sanitize(e.into()))?
            .ok_or_else(|| refused("this statement".to_string()))?;
        // Parameters do not change what a statement reads: plan it with NULLs.
        for i in 0..params {
            explain.bind_null(i)?;
        }
        let rows = rows_of(explain.execute().map_err(|e| self.sanitize(e.into()))?)?;
        let logical = rows
            .into_iter()
            .find(|r| r.first().and_then(|k| k.as_deref()) == Some("logical_plan"))
            .and_then(|mut r| r.pop().flatten())
            .ok_or_else(|| refused("this statement".to_string()))?;
        match plan::check(&self.scope, &logical) {
            Ok(()) => Ok(()),
            Err(plan::Refusal::Other(e)) => Err(e),
            Err(plan::Refusal::Table) => {
                // A grant given since the session began reads a source we do not know yet.
                self.reload_sources()?;
                match plan::check(&self.scope, &logical) {
                    Ok(()) => Ok(()),
                    Err(plan::Refusal::Other(e)) => Err(e),
                    Err(plan::Refusal::Table) => Err(outside()),
                }
            }
        }
    }

    /// A view the workspace just created may read only what the workspace may read.
    pub fn check_view(&self, conn: &Connection, view: &str) -> Result<(), PgError> {
        self.check_plan(conn, &format!("SELECT * FROM {view}"), 0)
    }
}
