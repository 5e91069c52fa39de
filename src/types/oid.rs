//! The PostgreSQL type a DuckDB type is shown as (DESIGN.md "Types").

use crate::db::DuckType;

pub const BOOL: u32 = 16;
pub const BYTEA: u32 = 17;
pub const INT8: u32 = 20;
pub const INT2: u32 = 21;
pub const INT4: u32 = 23;
pub const TEXT: u32 = 25;
pub const OID: u32 = 26;
pub const JSON: u32 = 114;
pub const FLOAT4: u32 = 700;
pub const FLOAT8: u32 = 701;
pub const UNKNOWN: u32 = 705;
pub const VARCHAR: u32 = 1043;
pub const DATE: u32 = 1082;
pub const TIME: u32 = 1083;
pub const TIMESTAMP: u32 = 1114;
pub const TIMESTAMPTZ: u32 = 1184;
pub const INTERVAL: u32 = 1186;
pub const TIMETZ: u32 = 1266;
pub const VARBIT: u32 = 1562;
pub const NUMERIC: u32 = 1700;
pub const UUID: u32 = 2950;

/// A PostgreSQL type as RowDescription describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PgType {
    pub oid: u32,
    /// `pg_type.typlen`: bytes for fixed-size types, -1 for variable length.
    pub size: i16,
    /// `atttypmod`: -1 unless the type has a modifier (numeric precision and scale).
    pub modifier: i32,
}

impl PgType {
    const fn of(oid: u32, size: i16) -> PgType {
        PgType {
            oid,
            size,
            modifier: -1,
        }
    }

    /// The PostgreSQL type shown for a DuckDB type.
    pub fn from_duck(ty: &DuckType) -> PgType {
        use DuckType::*;
        match ty {
            Boolean => PgType::of(BOOL, 1),
            TinyInt | SmallInt | UTinyInt => PgType::of(INT2, 2),
            Integer | USmallInt => PgType::of(INT4, 4),
            BigInt => PgType::of(INT8, 8),
            // PostgreSQL's oid is an unsigned 32-bit integer: exactly DuckDB's UINTEGER (the
            // catalog's OIDs are UINTEGERs, so drivers see oid and oid[] where PostgreSQL has them).
            UInteger => PgType::of(OID, 4),
            UBigInt | HugeInt | UHugeInt | BigNum => PgType::of(NUMERIC, -1),
            Decimal { width, scale, .. } => PgType {
                oid: NUMERIC,
                size: -1,
                modifier: ((*width as i32) << 16 | *scale as i32) + 4,
            },
            Float => PgType::of(FLOAT4, 4),
            Double => PgType::of(FLOAT8, 8),
            Varchar | Enum { .. } | Null | Unresolved | Other(_) => PgType::of(TEXT, -1),
            Json | Struct(_) | Map(..) | Union(_) => PgType::of(JSON, -1),
            Blob => PgType::of(BYTEA, -1),
            Bit => PgType::of(VARBIT, -1),
            Date => PgType::of(DATE, 4),
            Time | TimeNs => PgType::of(TIME, 8),
            TimeTz => PgType::of(TIMETZ, 12),
            Timestamp | TimestampS | TimestampMs | TimestampNs => PgType::of(TIMESTAMP, 8),
            TimestampTz | TimestampTzNs => PgType::of(TIMESTAMPTZ, 8),
            Interval => PgType::of(INTERVAL, 16),
            Uuid => PgType::of(UUID, 16),
            List(child) | Array(child, _) => match array_oid(child) {
                Some(oid) => PgType::of(oid, -1),
                None => PgType::of(JSON, -1),
            },
        }
    }
}

/// The array type of a scalar element type, or None where the list is shown as JSON.
pub fn array_oid(element: &DuckType) -> Option<u32> {
    let element_oid = match element {
        DuckType::List(_)
        | DuckType::Array(..)
        | DuckType::Struct(_)
        | DuckType::Map(..)
        | DuckType::Union(_) => return None,
        other => PgType::from_duck(other).oid,
    };
    ARRAYS.iter().find(|(e, _)| *e == element_oid).map(|(_, a)| *a)
}

/// The element type of a PostgreSQL array type, for the arrays we know.
pub fn element_oid(array: u32) -> Option<u32> {
    ARRAYS.iter().find(|(_, a)| *a == array).map(|(e, _)| *e)
}

/// (element OID, array OID), from PostgreSQL's pg_type.
const ARRAYS: &[(u32, u32)] = &[
    (BOOL, 1000),
    (BYTEA, 1001),
    (INT2, 1005),
    (INT4, 1007),
    (INT8, 1016),
    (TEXT, 1009),
    (OID, 1028),
    (JSON, 199),
    (FLOAT4, 1021),
    (FLOAT8, 1022),
    (VARCHAR, 1015),
    (DATE, 1182),
    (TIME, 1183),
    (TIMESTAMP, 1115),
    (TIMESTAMPTZ, 1185),
    (INTERVAL, 1187),
    (TIMETZ, 1270),
    (VARBIT, 1563),
    (NUMERIC, 1231),
    (UUID, 2951),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::DecimalStorage;

    #[test]
    fn numeric_typmod_matches_postgres() {
        let t = PgType::from_duck(&DuckType::Decimal {
            width: 18,
            scale: 3,
            physical: DecimalStorage::I64,
        });
        assert_eq!(t.oid, NUMERIC);
        assert_eq!(t.modifier, (18 << 16 | 3) + 4);
    }

    #[test]
    fn lists_of_scalars_are_arrays() {
        assert_eq!(
            PgType::from_duck(&DuckType::List(Box::new(DuckType::Integer))).oid,
            1007
        );
        assert_eq!(
            PgType::from_duck(&DuckType::List(Box::new(DuckType::Varchar))).oid,
            1009
        );
        let nested = DuckType::List(Box::new(DuckType::List(Box::new(DuckType::Integer))));
        assert_eq!(PgType::from_duck(&nested).oid, JSON);
    }
}
