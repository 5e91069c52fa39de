//! Which ENUMs in a statement are types pg_type shows.
//!
//! DuckDB's result types carry an ENUM's labels but not its name, and a driver that meets an OID
//! it cannot find in pg_type fails (tokio-postgres, asyncpg) where it would have read text. So a
//! result's ENUM gets its type's OID (types::oid::enum_oid) only when the session's database has
//! a type with those labels, which is what pg_type lists; other ENUMs (`'a'::ENUM('a', 'b')`,
//! another database's type, a granted table's) travel as text.

use crate::db::{Connection, DuckType, Prepared};
use crate::internal_sql::query_rows;
use crate::types::oid::is_char_labels;

/// The current database's ENUM types' labels, in order.
const NAMED_ENUMS: &str = "SELECT t.type_oid, l.label FROM duckdb_types() t, \
     unnest(t.labels) WITH ORDINALITY AS l(label, n) \
     WHERE t.database_name = current_database() AND t.logical_type = 'ENUM' AND NOT t.internal \
     ORDER BY t.type_oid, l.n";

/// Mark the statement's ENUMs (in its result columns and parameters) that are types of the
/// session's database. Looks the types up only for a statement that has an ENUM.
pub fn name_enums(conn: &Connection, prepared: &mut Prepared) {
    let skip = |labels: &[String]| is_char_labels(labels);
    let types: Vec<DuckType> = (0..prepared.param_count())
        .filter_map(|i| prepared.param_type(i))
        .chain(prepared.column_types())
        .collect();
    let mut found = Vec::new();
    for ty in &types {
        ty.enum_labels(&skip, &mut found);
    }
    if found.is_empty() {
        return;
    }
    // A failed lookup leaves every ENUM unnamed: text, which every driver reads.
    let Ok(rows) = query_rows(conn, NAMED_ENUMS) else {
        return;
    };
    let mut named: Vec<(Option<String>, Vec<String>)> = Vec::new();
    for row in rows {
        let mut cells = row.into_iter();
        let (oid, label) = (cells.next().flatten(), cells.next().flatten().unwrap_or_default());
        match named.last_mut() {
            Some((last, labels)) if *last == oid => labels.push(label),
            _ => named.push((oid, vec![label])),
        }
    }
    prepared.show_named_enums(named.into_iter().map(|(_, labels)| labels).collect());
}
