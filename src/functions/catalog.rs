//! `pgwire_enum_oid(type_name)`: the OID an ENUM type is shown with. The catalog views
//! (src/catalog/pg_live.sql) call it with DuckDB's text of the type, the wire computes the same
//! from a result's labels (types::oid::enum_oid), so pg_type, pg_attribute and RowDescription
//! agree without a lookup per result.

use std::sync::Arc;

use crate::db::{Cell, ColumnKind, SqlScalar};
use crate::server::Instance;
use crate::types::oid;

pub const ENUM_OID: &str = "pgwire_enum_oid";

pub struct EnumOid;

impl SqlScalar<Arc<Instance>> for EnumOid {
    fn signatures() -> &'static [&'static [ColumnKind]] {
        &[&[ColumnKind::Varchar]]
    }

    fn returns() -> ColumnKind {
        ColumnKind::BigInt
    }

    fn call(_: &Arc<Instance>, args: &[Cell]) -> Result<Cell, String> {
        Ok(match args.first() {
            Some(Cell::Text(type_name)) => Cell::Int(oid::enum_oid_of_type_name(type_name) as i64),
            _ => Cell::Null,
        })
    }
}
