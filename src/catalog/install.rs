//! Creating our catalog in the host instance (once per server start; every statement is
//! `CREATE OR REPLACE`, so starting again brings it up to date).

use crate::db::{Connection, DbError};
use crate::internal_sql::{query_rows, quote_literal};

const STATIC: &str = include_str!("pg_static.sql");
const PURE: &str = include_str!("pg_pure.sql");
const PG_VIEWS: &str = include_str!("pg_live.sql");
const FUNCTIONS: &str = include_str!("pg_functions.sql");
const INFO_VIEWS: &str = include_str!("info_live.sql");

/// The statements of one of our SQL files, `{s}` replaced by `schema`.
fn statements(file: &str, schema: &str) -> Vec<String> {
    file.replace("{s}", schema)
        .split("\n;\n")
        .filter(|s| {
            s.lines()
                .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with("--"))
        })
        .map(str::to_string)
        .collect()
}

/// What is installed, told apart from another build's catalog: a hash of every file.
fn fingerprint() -> String {
    // FNV-1a: stable across builds and platforms (std's hasher is not).
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in [STATIC, PURE, PG_VIEWS, FUNCTIONS, INFO_VIEWS].concat().bytes() {
        hash = (hash ^ byte as u64).wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// Attach `pgwire_catalog` (in memory) and create its views, tables and macros, unless this
/// build's are there already (a server started again). Order matters: DuckDB binds a macro's
/// body and a view's query when it is created. One transaction: a half-made catalog is never
/// seen.
pub fn install(conn: &Connection) -> Result<(), DbError> {
    let catalog = super::CATALOG;
    let fingerprint = fingerprint();
    conn.execute(&format!("ATTACH IF NOT EXISTS ':memory:' AS {catalog}"))?;
    let installed = query_rows(
        conn,
        &format!(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = {} AND schema_name = 'pg_static' \
             AND table_name = 'installed'",
            quote_literal(catalog)
        ),
    )?;
    if installed.first().and_then(|r| r[0].as_deref()) == Some("1") {
        let rows = query_rows(
            conn,
            &format!("SELECT fingerprint FROM {catalog}.pg_static.installed"),
        )?;
        if rows.first().and_then(|r| r[0].as_deref()) == Some(fingerprint.as_str()) {
            return Ok(());
        }
    }
    conn.execute("BEGIN TRANSACTION")?;
    let created = create_all(conn).and_then(|()| {
        conn.execute(&format!(
            "CREATE OR REPLACE TABLE {catalog}.pg_static.installed AS SELECT {} AS fingerprint",
            quote_literal(&fingerprint)
        ))
    });
    match created {
        Ok(()) => conn.execute("COMMIT"),
        Err(e) => {
            let _ = conn.execute("ROLLBACK");
            Err(e)
        }
    }
}

fn create_all(conn: &Connection) -> Result<(), DbError> {
    let catalog = super::CATALOG;
    for schema in [
        "pg_static",
        "pg_live",
        "pg_shape",
        "info_live",
        "info_shape",
        "pg_ws",
        "info_ws",
    ] {
        conn.execute(&format!("CREATE SCHEMA IF NOT EXISTS {catalog}.{schema}"))?;
    }
    for sql in statements(STATIC, "") {
        conn.execute(&sql)?;
    }
    // The owners' views, then the workspaces' (the same, definitions hidden).
    for (pg, info) in [("pg_live", "info_live"), ("pg_ws", "info_ws")] {
        let in_schemas = |sql: String| {
            sql.replace("pgwire_catalog.pg_live.", &format!("{catalog}.{pg}."))
                .replace("pgwire_catalog.info_live.", &format!("{catalog}.{info}."))
        };
        let mut pure = statements(PURE, pg);
        if pg == "pg_ws" {
            pure.push(format!(
                "CREATE OR REPLACE MACRO {catalog}.pg_ws.shown_definition(arg_sql) AS NULL::VARCHAR"
            ));
            pure.push(format!(
                "CREATE OR REPLACE MACRO {catalog}.pg_ws.shown_session(arg_workspace) AS \
                 coalesce(arg_workspace = current_database(), false)"
            ));
            // Fail closed: a workspace sees the settings that describe its own session's
            // formats only (others can show the host's paths, memory, extensions).
            pure.push(format!(
                "CREATE OR REPLACE MACRO {catalog}.pg_ws.shown_setting(arg_name) AS arg_name IN \
                 ('TimeZone', 'Calendar', 'default_order', 'default_null_order', 'preserve_insertion_order')"
            ));
        }
        // Advisory locks reach the server's lock table (catalog/advisory.rs).
        pure.push(format!(
            "CREATE OR REPLACE MACRO {catalog}.{pg}.advisory(a, s, d, k, t) AS pgwire_advisory(a, s, d, k, t)"
        ));
        let views = [
            pure,
            statements(PG_VIEWS, ""),
            statements(FUNCTIONS, pg),
            statements(INFO_VIEWS, ""),
        ];
        for sql in views.into_iter().flatten().map(in_schemas) {
            conn.execute(&sql)?;
        }
    }
    for (live, shape) in [("pg_live", "pg_shape"), ("info_live", "info_shape")] {
        let relations = query_rows(
            conn,
            &format!(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = {c} AND schema_name = {s}
                 UNION ALL
                 SELECT view_name FROM duckdb_views() WHERE database_name = {c} AND schema_name = {s}",
                c = quote_literal(catalog),
                s = quote_literal(live)
            ),
        )?;
        for name in relations
            .into_iter()
            .filter_map(|r| r.into_iter().next().flatten())
        {
            conn.execute(&format!(
                "CREATE OR REPLACE TABLE {catalog}.{shape}.\"{name}\" AS SELECT * FROM {catalog}.{live}.\"{name}\" LIMIT 0"
            ))?;
        }
    }
    for sql in statements(PURE, "pg_shape")
        .iter()
        .chain(&statements(FUNCTIONS, "pg_shape"))
    {
        conn.execute(sql)?;
    }
    // What a workspace's gateway checks calls no lock: the same type, nothing done.
    conn.execute(&format!(
        "CREATE OR REPLACE MACRO {catalog}.pg_shape.advisory(a, s, d, k, t) AS CAST(NULL AS VARCHAR)"
    ))?;
    Ok(())
}
