//! Small internal queries (pool resets, DISCARD, metadata, watchdog) whose results we read as
//! text, with the same encoder that writes values to clients.

use bytes::BytesMut;

use crate::db::{Connection, DbError, ErrorKind, QueryResult};
use crate::types::{Encoder, Format, TextStyle};

pub type Rows = Vec<Vec<Option<String>>>;

/// Run `sql` and collect every row of its last statement, each value in PostgreSQL text form.
pub fn query_rows(conn: &Connection, sql: &str) -> Result<Rows, DbError> {
    rows_of(conn.query(sql)?)
}

/// Collect every row of a result, each value in PostgreSQL text form.
pub fn rows_of(mut result: QueryResult) -> Result<Rows, DbError> {
    let columns = result.column_count();
    let encoders = (0..columns)
        .map(|c| Encoder::new(&result.column_type(c), Format::Text))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| DbError::new(ErrorKind::Other, e.message))?;
    let mut rows = Vec::new();
    let mut buf = BytesMut::new();
    while let Some(chunk) = result.next_chunk()? {
        let vectors: Vec<_> = (0..columns).map(|c| chunk.vector(c)).collect();
        for row in 0..chunk.len() {
            let values = vectors
                .iter()
                .zip(&encoders)
                .map(|(v, enc)| {
                    v.is_valid(row).then(|| {
                        buf.clear();
                        enc.write(v, row, &mut buf, &TextStyle::default());
                        String::from_utf8_lossy(&buf).into_owned()
                    })
                })
                .collect();
            rows.push(values);
        }
    }
    Ok(rows)
}

/// A SQL string literal.
pub fn quote_literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// A SQL identifier, always quoted.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// What a session can leave behind on its DuckDB connection, for [`drop_session_objects`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionObjects {
    /// Temporary tables, views, sequences, macros and types (PostgreSQL's DISCARD TEMP).
    Temporary,
    /// Those, DuckDB's variables and its SQL-level prepared statements (a pool reset,
    /// DISCARD ALL).
    All,
}

/// Drop what the session created on the connection: views and macros before the tables they
/// may depend on.
pub fn drop_session_objects(conn: &Connection, which: SessionObjects) -> Result<(), DbError> {
    let everything = which == SessionObjects::All;
    let leftovers = query_rows(
        conn,
        &format!(
            "SELECT 1, 'VIEW', schema_name, view_name FROM duckdb_views()
               WHERE database_name = 'temp' AND NOT internal
             UNION ALL
             SELECT 2, CASE function_type WHEN 'table_macro' THEN 'MACRO TABLE' ELSE 'MACRO' END,
                    schema_name, function_name FROM duckdb_functions()
               WHERE database_name = 'temp' AND function_type IN ('macro', 'table_macro')
             UNION ALL
             SELECT 3, 'TABLE', schema_name, table_name FROM duckdb_tables() WHERE database_name = 'temp'
             UNION ALL
             SELECT 4, 'SEQUENCE', schema_name, sequence_name FROM duckdb_sequences() WHERE database_name = 'temp'
             UNION ALL
             SELECT 5, 'TYPE', schema_name, type_name FROM duckdb_types() WHERE database_name = 'temp' AND NOT internal
             UNION ALL
             SELECT 6, 'VARIABLE', NULL, name FROM duckdb_variables() WHERE {everything}
             UNION ALL
             SELECT 7, 'PREPARED', NULL, name FROM duckdb_prepared_statements() WHERE {everything}
             ORDER BY 1"
        ),
    )?;
    for row in leftovers {
        let (kind, schema, name) = (
            row[1].as_deref().unwrap_or(""),
            row[2].as_deref().unwrap_or(""),
            row[3].as_deref().unwrap_or(""),
        );
        let (schema, name) = (quote_ident(schema), quote_ident(name));
        let sql = match kind {
            "VARIABLE" => format!("RESET VARIABLE {name}"),
            "PREPARED" => format!("DEALLOCATE {name}"),
            "TABLE" | "VIEW" | "SEQUENCE" => format!("DROP {kind} IF EXISTS temp.{schema}.{name} CASCADE"),
            _ => format!("DROP {kind} IF EXISTS temp.{schema}.{name}"),
        };
        conn.execute(&sql)?;
    }
    Ok(())
}
