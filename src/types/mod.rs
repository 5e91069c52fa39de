//! DuckDB ↔ PostgreSQL types: which OID a DuckDB column is shown as, and how its values are
//! written. Each result column gets one [`Encoder`]; every code path that sends
//! values (simple query, extended query, COPY) uses it.

pub mod array_param;
pub mod binary;
pub mod datetime;
pub mod encoder;
pub mod oid;
pub mod params;
pub mod text;
pub mod zone;

pub use encoder::{Encoder, Format};
pub use oid::PgType;
pub use zone::{SessionZone, TextStyle};

/// PostgreSQL's array text (`{1,"a b",NULL}`) as DuckDB's list text, which DuckDB casts to a
/// list type; `None` when it is not array text.
pub fn array_text_to_list(text: &str) -> Option<String> {
    array_param::from_text(params::Slot::Parameter(0), text).ok()
}
