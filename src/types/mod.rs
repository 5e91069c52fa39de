//! DuckDB ↔ PostgreSQL types: which OID a DuckDB column is shown as, and how its values are
//! written. Each DuckDB type has one encoder ([`text::TextEncoder`]); every code path that sends
//! values (simple query, extended query, COPY) uses it.

pub mod datetime;
pub mod oid;
pub mod params;
pub mod text;

pub use oid::PgType;
pub use text::TextEncoder;
