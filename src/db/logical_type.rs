//! DuckDB logical types, read once into a plain Rust tree.

use std::ffi::CStr;

use libduckdb_sys as ffi;

/// A DuckDB column type as a value: no C handles, cheap to clone, shareable between threads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DuckType {
    Boolean,
    TinyInt,
    SmallInt,
    Integer,
    BigInt,
    UTinyInt,
    USmallInt,
    UInteger,
    UBigInt,
    HugeInt,
    UHugeInt,
    Float,
    Double,
    Decimal {
        width: u8,
        scale: u8,
        physical: DecimalStorage,
    },
    Varchar,
    /// VARCHAR with the JSON alias.
    Json,
    Blob,
    Bit,
    BigNum,
    Date,
    Time,
    TimeNs,
    TimeTz,
    Timestamp,
    TimestampS,
    TimestampMs,
    TimestampNs,
    TimestampTz,
    TimestampTzNs,
    Interval,
    Uuid,
    Enum {
        storage: EnumStorage,
        dictionary: Vec<String>,
        /// Whether the labels are those of a type in the catalog clients read (set by
        /// [`crate::db::Prepared::show_named_enums`]; DuckDB's type carries no name).
        named: bool,
    },
    List(Box<DuckType>),
    Array(Box<DuckType>, usize),
    Struct(Vec<(String, DuckType)>),
    Map(Box<DuckType>, Box<DuckType>),
    Union(Vec<(String, DuckType)>),
    Null,
    /// Not known yet: a prepared statement whose parameters decide its result types.
    Unresolved,
    /// A type we do not read natively (GEOMETRY, VARIANT, ...), by DuckDB's name.
    Other(String),
}

impl DuckType {
    /// Integers of every width and decimals: numbers written exactly, as plain digits.
    pub fn is_exact_number(&self) -> bool {
        use DuckType::*;
        matches!(
            self,
            TinyInt
                | SmallInt
                | Integer
                | BigInt
                | UTinyInt
                | USmallInt
                | UInteger
                | UBigInt
                | HugeInt
                | UHugeInt
                | Decimal { .. }
        )
    }
}

/// How a DECIMAL's values are stored in a vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecimalStorage {
    I16,
    I32,
    I64,
    I128,
}

impl DuckType {
    /// The ENUM types in this type (itself, or a list's elements), but for `skip`'s.
    pub fn enum_labels<'a>(&'a self, skip: &dyn Fn(&[String]) -> bool, out: &mut Vec<&'a [String]>) {
        match self {
            DuckType::Enum { dictionary, .. } if !skip(dictionary) => out.push(dictionary),
            DuckType::List(child) | DuckType::Array(child, _) => child.enum_labels(skip, out),
            _ => {}
        }
    }

    /// Mark the ENUMs whose labels are among `named` as named (see `DuckType::Enum`).
    pub fn mark_named_enums(&mut self, named: &[Vec<String>]) {
        match self {
            DuckType::Enum {
                dictionary,
                named: is_named,
                ..
            } => *is_named = named.iter().any(|n| n == dictionary),
            DuckType::List(child) | DuckType::Array(child, _) => child.mark_named_enums(named),
            _ => {}
        }
    }
}

/// How an ENUM's dictionary indexes are stored in a vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnumStorage {
    U8,
    U16,
    U32,
}

/// An owned `duckdb_logical_type`.
pub(crate) struct LogicalType(ffi::duckdb_logical_type);

impl Drop for LogicalType {
    fn drop(&mut self) {
        // At process exit the handle is leaked (see `gate`).
        let Some(_entered) = super::gate::try_enter() else {
            return;
        };
        // SAFETY: owned handle, destroyed once.
        unsafe { ffi::duckdb_destroy_logical_type(&mut self.0) };
    }
}

fn take_c_string(ptr: *mut std::os::raw::c_char) -> String {
    if ptr.is_null() {
        return String::new();
    }
    // SAFETY: DuckDB allocated the string for us; we copy and free it.
    unsafe {
        let s = CStr::from_ptr(ptr).to_string_lossy().into_owned();
        ffi::duckdb_free(ptr.cast());
        s
    }
}

impl LogicalType {
    pub(crate) fn from_raw(raw: ffi::duckdb_logical_type) -> Self {
        LogicalType(raw)
    }

    pub(crate) fn raw(&self) -> ffi::duckdb_logical_type {
        self.0
    }

    pub(crate) fn to_duck_type(&self) -> DuckType {
        // SAFETY (whole block): `self.0` is a live logical type; child types returned by the
        // accessors are owned and wrapped in LogicalType so they are destroyed.
        unsafe {
            let raw = self.0;
            let id = ffi::duckdb_get_type_id(raw);
            if id == ffi::DUCKDB_TYPE_DUCKDB_TYPE_VARCHAR {
                let alias = take_c_string(ffi::duckdb_logical_type_get_alias(raw));
                return if alias.eq_ignore_ascii_case("json") {
                    DuckType::Json
                } else {
                    DuckType::Varchar
                };
            }
            match id {
                ffi::DUCKDB_TYPE_DUCKDB_TYPE_BOOLEAN => DuckType::Boolean,
                ffi::DUCKDB_TYPE_DUCKDB_TYPE_TINYINT => DuckType::TinyInt,
                ffi::DUCKDB_TYPE_DUCKDB_TYPE_SMALLINT => DuckType::SmallInt,
                ffi::DUCKDB_TYPE_DUCKDB_TYPE_INTEGER => DuckType::Integer,
                ffi::DUCKDB_TYPE_DUCKDB_TYPE_BIGINT => DuckType::BigInt,
                ffi::DUCKDB_TYPE_DUCKDB_TYPE_UTINYINT => DuckType::UTinyInt,
                ffi::DUCKDB_TYPE_DUCKDB_TYPE_USMALLINT => DuckType::USmallInt,
                ffi::DUCKDB_TYPE_DUCKDB_TYPE_UINTEGER => DuckType::UInteger,
                ffi::DUCKDB_TYPE_DUCKDB_TYPE_UBIGINT => DuckType::UBigInt,
                ffi::DUCKDB_TYPE_DUCKDB_TYPE_HUGEINT => DuckType::HugeInt,
                ffi::DUCKDB_TYPE_DUCKDB_TYPE_UHUGEINT => DuckType::UHugeInt,
                ffi::DUCKDB_TYPE_DUCKDB_TYPE_FLOAT => DuckType::Float,
                ffi::DUCKDB_TYPE_DUCKDB_TYPE_DOUBLE => DuckType::Double,
                ffi::DUCKDB_TYPE_DUCKDB_TYPE_DECIMAL => {
                    let physical = match ffi::duckdb_decimal_internal_type(raw) {
                        ffi::DUCKDB_TYPE_DUCKDB_TYPE_SMALLINT => DecimalStorage::I16,
                        ffi::DUCKDB_TYPE_DUCKDB_TYPE_INTEGER => DecimalStorage::I32,
                        ffi::DUCKDB_TYPE_DUCKDB_TYPE_BIGINT => DecimalStorage::I64,
                        _ => DecimalStorage::I128,
                    };
                    DuckType::Decimal {
                        width: ffi::duckdb_decimal_width(raw),
                        scale: ffi::duckdb_decimal_scale(raw),
                        physical,
                    }
                }
                ffi::DUCKDB_TYPE_DUCKDB_TYPE_BLOB => DuckType::Blob,
                ffi::DUCKDB_TYPE_DUCKDB_TYPE_BIT => DuckType::Bit,
                ffi::DUCKDB_TYPE_DUCKDB_TYPE_BIGNUM => DuckType::BigNum,
                ffi::DUCKDB_TYPE_DUCKDB_TYPE_DATE => DuckType::Date,
                ffi::DUCKDB_TYPE_DUCKDB_TYPE_TIME => DuckType::Time,
                ffi::DUCKDB_TYPE_DUCKDB_TYPE_TIME_NS => DuckType::TimeNs,
                ffi::DUCKDB_TYPE_DUCKDB_TYPE_TIME_TZ => DuckType::TimeTz,
                ffi::DUCKDB_TYPE_DUCKDB_TYPE_TIMESTAMP => DuckType::Timestamp,
                ffi::DUCKDB_TYPE_DUCKDB_TYPE_TIMESTAMP_S => DuckType::TimestampS,
                ffi::DUCKDB_TYPE_DUCKDB_TYPE_TIMESTAMP_MS => DuckType::TimestampMs,
                ffi::DUCKDB_TYPE_DUCKDB_TYPE_TIMESTAMP_NS => DuckType::TimestampNs,
                ffi::DUCKDB_TYPE_DUCKDB_TYPE_TIMESTAMP_TZ => DuckType::TimestampTz,
                ffi::DUCKDB_TYPE_DUCKDB_TYPE_TIMESTAMP_TZ_NS => DuckType::TimestampTzNs,
                ffi::DUCKDB_TYPE_DUCKDB_TYPE_INTERVAL => DuckType::Interval,
                ffi::DUCKDB_TYPE_DUCKDB_TYPE_UUID => DuckType::Uuid,
                ffi::DUCKDB_TYPE_DUCKDB_TYPE_SQLNULL => DuckType::Null,
                ffi::DUCKDB_TYPE_DUCKDB_TYPE_ENUM => {
                    let storage = match ffi::duckdb_enum_internal_type(raw) {
                        ffi::DUCKDB_TYPE_DUCKDB_TYPE_UTINYINT => EnumStorage::U8,
                        ffi::DUCKDB_TYPE_DUCKDB_TYPE_USMALLINT => EnumStorage::U16,
                        _ => EnumStorage::U32,
                    };
                    let size = ffi::duckdb_enum_dictionary_size(raw);
                    let dictionary = (0..size)
                        .map(|i| take_c_string(ffi::duckdb_enum_dictionary_value(raw, i as u64)))
                        .collect();
                    DuckType::Enum {
                        storage,
                        dictionary,
                        named: false,
                    }
                }
                ffi::DUCKDB_TYPE_DUCKDB_TYPE_LIST => {
                    let child = LogicalType(ffi::duckdb_list_type_child_type(raw));
                    DuckType::List(Box::new(child.to_duck_type()))
                }
                ffi::DUCKDB_TYPE_DUCKDB_TYPE_ARRAY => {
                    let child = LogicalType(ffi::duckdb_array_type_child_type(raw));
                    let size = ffi::duckdb_array_type_array_size(raw) as usize;
                    DuckType::Array(Box::new(child.to_duck_type()), size)
                }
                ffi::DUCKDB_TYPE_DUCKDB_TYPE_MAP => {
                    let key = LogicalType(ffi::duckdb_map_type_key_type(raw));
                    let value = LogicalType(ffi::duckdb_map_type_value_type(raw));
                    DuckType::Map(Box::new(key.to_duck_type()), Box::new(value.to_duck_type()))
                }
                ffi::DUCKDB_TYPE_DUCKDB_TYPE_STRUCT => {
                    let n = ffi::duckdb_struct_type_child_count(raw);
                    DuckType::Struct(
                        (0..n)
                            .map(|i| {
                                let name = take_c_string(ffi::duckdb_struct_type_child_name(raw, i));
                                let ty = LogicalType(ffi::duckdb_struct_type_child_type(raw, i));
                                (name, ty.to_duck_type())
                            })
                            .collect(),
                    )
                }
                ffi::DUCKDB_TYPE_DUCKDB_TYPE_UNION => {
                    let n = ffi::duckdb_union_type_member_count(raw);
                    DuckType::Union(
                        (0..n)
                            .map(|i| {
                                let name = take_c_string(ffi::duckdb_union_type_member_name(raw, i));
                                let ty = LogicalType(ffi::duckdb_union_type_member_type(raw, i));
                                (name, ty.to_duck_type())
                            })
                            .collect(),
                    )
                }
                ffi::DUCKDB_TYPE_DUCKDB_TYPE_INVALID | ffi::DUCKDB_TYPE_DUCKDB_TYPE_ANY => {
                    DuckType::Unresolved
                }
                ffi::DUCKDB_TYPE_DUCKDB_TYPE_GEOMETRY => DuckType::Other("GEOMETRY".into()),
                ffi::DUCKDB_TYPE_DUCKDB_TYPE_VARIANT => DuckType::Other("VARIANT".into()),
                other => DuckType::Other(format!("type {other}")),
            }
        }
    }
}
