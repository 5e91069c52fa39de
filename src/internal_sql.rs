//! Small internal queries (pool resets, metadata, watchdog) whose results we read as text, with
//! the same encoder that writes values to clients.

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
