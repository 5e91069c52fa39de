//! The PostgreSQL type a DuckDB type is shown as (DESIGN.md "Types").

use crate::db::DuckType;

pub const BOOL: u32 = 16;
pub const BYTEA: u32 = 17;
/// PostgreSQL's one-byte "char" (the catalogs' typtype, relkind, ...).
pub const CHAR: u32 = 18;
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
            Enum { dictionary, .. } if is_char_labels(dictionary) => PgType::of(CHAR, 1),
            // An ENUM that pg_type shows (a type of the session's database) is that type; other
            // ENUMs (an ENUM(...) cast, another database's type) are text, as drivers find no
            // type for an OID that pg_type does not have.
            Enum {
                dictionary,
                named: true,
                ..
            } => PgType::of(enum_oid(dictionary), 4),
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
        DuckType::Enum {
            dictionary,
            named: true,
            ..
        } if !is_char_labels(dictionary) => return Some(enum_oid(dictionary) + ENUM_ARRAY_OFFSET),
        other => PgType::from_duck(other).oid,
    };
    ARRAYS.iter().find(|(e, _)| *e == element_oid).map(|(_, a)| *a)
}

/// The element type of a PostgreSQL array type, for the arrays we know.
pub fn element_oid(array: u32) -> Option<u32> {
    if is_enum_array(array) {
        return Some(array - ENUM_ARRAY_OFFSET);
    }
    ARRAYS.iter().find(|(_, a)| *a == array).map(|(e, _)| *e)
}

/// Enum types' OIDs lie in [ENUM_FIRST, ENUM_FIRST + ENUM_SPAN), their array types' the same
/// span higher: above every OID DuckDB's catalog gives out, below 2^31 (pgjdbc reads OIDs as
/// Java ints).
const ENUM_FIRST: u32 = 0x4000_0000;
const ENUM_SPAN: u32 = 0x1000_0000;
const ENUM_ARRAY_OFFSET: u32 = 0x2000_0000;

/// The OID an ENUM type is shown with, on the wire and in pg_type.
///
/// A result's ENUM type carries its labels but not the name it was created under (DuckDB keeps
/// no alias), so the OID is made from the labels: a hash of the type as DuckDB writes it
/// (`ENUM('sad', 'ok')`, as in duckdb_columns().data_type), which the catalog computes from the
/// same text with `pgwire_enum_oid` (functions/catalog.rs). Stable across restarts, so drivers
/// that cache types by OID stay right; two enum types with the same labels share one OID.
pub fn enum_oid(labels: &[String]) -> u32 {
    enum_oid_of_type_name(&enum_type_name(labels))
}

/// DuckDB's text for an ENUM type: its labels quoted SQL-style, separated by ", ".
pub fn enum_type_name(labels: &[String]) -> String {
    let quoted: Vec<String> = labels
        .iter()
        .map(|l| format!("'{}'", l.replace('\'', "''")))
        .collect();
    format!("ENUM({})", quoted.join(", "))
}

/// The enum OID for DuckDB's text of an ENUM type (FNV-1a, folded into the enum span).
pub fn enum_oid_of_type_name(type_name: &str) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in type_name.bytes() {
        hash ^= byte as u32;
        hash = hash.wrapping_mul(0x0100_0193);
    }
    ENUM_FIRST + hash % ENUM_SPAN
}

/// Whether an ENUM's labels are the catalog's stand-in for "char" (catalog/pg_pure.sql's
/// pg_char): '' and the printable ASCII characters, in order.
pub fn is_char_labels(labels: &[String]) -> bool {
    labels.len() == 96
        && labels[0].is_empty()
        && labels[1..]
            .iter()
            .zip(b' '..=b'~')
            .all(|(label, c)| label.len() == 1 && label.as_bytes()[0] == c)
}

/// Whether an OID is one of the enum types' (whose values travel as their labels' text).
pub fn is_enum(oid: u32) -> bool {
    (ENUM_FIRST..ENUM_FIRST + ENUM_SPAN).contains(&oid)
}

fn is_enum_array(oid: u32) -> bool {
    is_enum(oid.wrapping_sub(ENUM_ARRAY_OFFSET))
}

/// (element OID, array OID), from PostgreSQL's pg_type.
const ARRAYS: &[(u32, u32)] = &[
    (BOOL, 1000),
    (CHAR, 1002),
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

    #[test]
    fn enums_have_stable_oids_from_their_labels() {
        let labels = vec!["it's".to_string(), "ok".to_string()];
        assert_eq!(enum_type_name(&labels), "ENUM('it''s', 'ok')");
        let mut ty = DuckType::Enum {
            storage: crate::db::EnumStorage::U8,
            dictionary: labels.clone(),
            named: false,
        };
        assert_eq!(PgType::from_duck(&ty).oid, TEXT);
        assert_eq!(array_oid(&ty), Some(1009));
        ty.mark_named_enums(std::slice::from_ref(&labels));
        let oid = PgType::from_duck(&ty).oid;
        assert!(is_enum(oid) && oid < 0x8000_0000);
        assert_eq!(oid, enum_oid_of_type_name("ENUM('it''s', 'ok')"));
        assert_ne!(oid, enum_oid(&["ok".to_string(), "it's".to_string()]));
        let array = array_oid(&ty).unwrap();
        assert!(!is_enum(array));
        assert_eq!(element_oid(array), Some(oid));
    }

    #[test]
    fn the_catalogs_char_enum_is_postgres_char() {
        let labels: Vec<String> = std::iter::once(String::new())
            .chain((b' '..=b'~').map(|c| (c as char).to_string()))
            .collect();
        let ty = DuckType::Enum {
            storage: crate::db::EnumStorage::U8,
            dictionary: labels,
            named: false,
        };
        assert_eq!(PgType::from_duck(&ty), PgType::of(CHAR, 1));
        assert_eq!(array_oid(&ty), Some(1002));
    }
}
