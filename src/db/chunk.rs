//! Data chunks and vectors: typed, bounds-checked views of DuckDB's columnar result data.

use std::marker::PhantomData;

use libduckdb_sys as ffi;

use super::logical_type::LogicalType;

/// A chunk of up to 2048 rows of a result, owned until dropped. It owns its data, so it may
/// outlive the result it came from (a suspended portal keeps one).
pub struct DataChunk {
    raw: ffi::duckdb_data_chunk,
    len: usize,
}

// SAFETY: a chunk owns its data and is used by one thread at a time.
unsafe impl Send for DataChunk {}

impl DataChunk {
    pub(crate) fn from_raw(raw: ffi::duckdb_data_chunk) -> Self {
        // SAFETY: live chunk handed over by duckdb_fetch_chunk.
        let len = unsafe { ffi::duckdb_data_chunk_get_size(raw) } as usize;
        DataChunk { raw, len }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn column_count(&self) -> usize {
        // SAFETY: live chunk.
        unsafe { ffi::duckdb_data_chunk_get_column_count(self.raw) as usize }
    }

    /// Column `col` of the chunk. Panics if `col` is out of range.
    pub fn vector(&self, col: usize) -> Vector<'_> {
        assert!(col < self.column_count(), "column {col} out of range");
        // SAFETY: col is in range; the vector lives as long as the chunk.
        let raw = unsafe { ffi::duckdb_data_chunk_get_vector(self.raw, col as u64) };
        Vector::new(raw, self.len)
    }
}

impl Drop for DataChunk {
    fn drop(&mut self) {
        // At process exit the chunk is leaked (see `gate`).
        let Some(_entered) = super::gate::try_enter() else {
            return;
        };
        // SAFETY: owned chunk, destroyed once.
        unsafe { ffi::duckdb_destroy_data_chunk(&mut self.raw) };
    }
}

/// One list value: where its elements start in the child vector, and how many there are.
#[derive(Debug, Clone, Copy)]
#[repr(C)]
pub struct ListEntry {
    pub offset: u64,
    pub length: u64,
}

/// Plain values that DuckDB stores in a vector's data buffer, one per row.
///
/// # Safety
/// Implementors must be `repr(C)`/primitive types whose every bit pattern DuckDB may write is a
/// valid value (booleans are read as `u8`).
pub unsafe trait Plain: Copy {}
macro_rules! plain {
    ($($t:ty),*) => { $(unsafe impl Plain for $t {})* };
}
plain!(i8, i16, i32, i64, i128, u8, u16, u32, u64, u128, f32, f64, ListEntry, [u8; 16]);

/// Interval as DuckDB stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C)]
pub struct Interval {
    pub months: i32,
    pub days: i32,
    pub micros: i64,
}
unsafe impl Plain for Interval {}

/// A column (or a nested child) of a chunk: `len` rows of data plus a validity mask.
#[derive(Clone, Copy)]
pub struct Vector<'c> {
    raw: ffi::duckdb_vector,
    len: usize,
    validity: *const u64,
    /// The data buffer, fetched once: encoders read it for every value.
    data: *const u8,
    /// Bytes per value in the data buffer (0 where the data buffer holds no plain values).
    width: usize,
    _chunk: PhantomData<&'c ()>,
}

impl<'c> Vector<'c> {
    fn new(raw: ffi::duckdb_vector, len: usize) -> Self {
        // SAFETY: live vector; NULL validity means all rows are valid.
        let validity = unsafe { ffi::duckdb_vector_get_validity(raw) } as *const u64;
        // SAFETY: live vector; its data buffer lives as long as the chunk.
        let data = unsafe { ffi::duckdb_vector_get_data(raw) } as *const u8;
        Vector {
            raw,
            len,
            validity,
            data,
            width: physical_width(raw),
            _chunk: PhantomData,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Is row `row` non-NULL?
    #[inline]
    pub fn is_valid(&self, row: usize) -> bool {
        assert!(row < self.len);
        if self.validity.is_null() {
            return true;
        }
        // SAFETY: the validity mask has a bit for each of the `len` rows.
        let word = unsafe { *self.validity.add(row / 64) };
        word & (1u64 << (row % 64)) != 0
    }

    /// The vector's data as `len` values of `T`. The caller picks `T` from the column's type.
    #[inline]
    pub fn values<T: Plain>(&self) -> &'c [T] {
        if self.len == 0 {
            return &[];
        }
        assert_eq!(
            std::mem::size_of::<T>(),
            self.width,
            "vector read with a type of the wrong width"
        );
        // SAFETY: a flat vector holds `len` values of its physical type, whose width we checked;
        // `T: Plain` makes any bit pattern of that width a valid value.
        unsafe { std::slice::from_raw_parts(self.data as *const T, self.len) }
    }

    /// The bytes of a VARCHAR / BLOB / BIT / BIGNUM value at `row`.
    #[inline]
    pub fn bytes_at(&self, row: usize) -> &'c [u8] {
        let strings = self.values::<[u8; 16]>();
        let s = &strings[row];
        let len = u32::from_le_bytes([s[0], s[1], s[2], s[3]]) as usize;
        if len <= 12 {
            &s[4..4 + len]
        } else {
            let ptr = usize::from_le_bytes(s[8..16].try_into().unwrap()) as *const u8;
            // SAFETY: a non-inlined duckdb_string_t points at `len` bytes owned by the vector.
            unsafe { std::slice::from_raw_parts(ptr, len) }
        }
    }

    /// The child vector of a LIST column (all elements of all rows).
    pub fn list_child(&self) -> Vector<'c> {
        // SAFETY: called on a LIST vector; the child lives as long as the parent.
        unsafe {
            let child = ffi::duckdb_list_vector_get_child(self.raw);
            let size = ffi::duckdb_list_vector_get_size(self.raw) as usize;
            Vector::new(child, size)
        }
    }

    /// The child vector of an ARRAY column of fixed size `size`.
    pub fn array_child(&self, size: usize) -> Vector<'c> {
        // SAFETY: called on an ARRAY vector; the child holds `len * size` elements.
        unsafe { Vector::new(ffi::duckdb_array_vector_get_child(self.raw), self.len * size) }
    }

    /// Field `index` of a STRUCT column (also MAP entries and UNION members, which DuckDB
    /// stores as structs).
    pub fn struct_child(&self, index: usize) -> Vector<'c> {
        // SAFETY: called on a STRUCT-backed vector with a field `index`.
        unsafe {
            Vector::new(
                ffi::duckdb_struct_vector_get_child(self.raw, index as u64),
                self.len,
            )
        }
    }
}

/// Width in bytes of one value of the vector's physical type.
fn physical_width(raw: ffi::duckdb_vector) -> usize {
    // SAFETY: live vector; the logical type is owned (and destroyed) by LogicalType.
    let owned = LogicalType::from_raw(unsafe { ffi::duckdb_vector_get_column_type(raw) });
    let ty = owned.raw();
    // SAFETY: `ty` is live while `owned` is.
    unsafe {
        let id = ffi::duckdb_get_type_id(ty);
        match id {
            ffi::DUCKDB_TYPE_DUCKDB_TYPE_BOOLEAN
            | ffi::DUCKDB_TYPE_DUCKDB_TYPE_TINYINT
            | ffi::DUCKDB_TYPE_DUCKDB_TYPE_UTINYINT => 1,
            ffi::DUCKDB_TYPE_DUCKDB_TYPE_SMALLINT | ffi::DUCKDB_TYPE_DUCKDB_TYPE_USMALLINT => 2,
            ffi::DUCKDB_TYPE_DUCKDB_TYPE_INTEGER
            | ffi::DUCKDB_TYPE_DUCKDB_TYPE_UINTEGER
            | ffi::DUCKDB_TYPE_DUCKDB_TYPE_FLOAT
            | ffi::DUCKDB_TYPE_DUCKDB_TYPE_DATE => 4,
            ffi::DUCKDB_TYPE_DUCKDB_TYPE_BIGINT
            | ffi::DUCKDB_TYPE_DUCKDB_TYPE_UBIGINT
            | ffi::DUCKDB_TYPE_DUCKDB_TYPE_DOUBLE
            | ffi::DUCKDB_TYPE_DUCKDB_TYPE_TIME
            | ffi::DUCKDB_TYPE_DUCKDB_TYPE_TIME_NS
            | ffi::DUCKDB_TYPE_DUCKDB_TYPE_TIME_TZ
            | ffi::DUCKDB_TYPE_DUCKDB_TYPE_TIMESTAMP
            | ffi::DUCKDB_TYPE_DUCKDB_TYPE_TIMESTAMP_S
            | ffi::DUCKDB_TYPE_DUCKDB_TYPE_TIMESTAMP_MS
            | ffi::DUCKDB_TYPE_DUCKDB_TYPE_TIMESTAMP_NS
            | ffi::DUCKDB_TYPE_DUCKDB_TYPE_TIMESTAMP_TZ
            | ffi::DUCKDB_TYPE_DUCKDB_TYPE_TIMESTAMP_TZ_NS => 8,
            ffi::DUCKDB_TYPE_DUCKDB_TYPE_HUGEINT
            | ffi::DUCKDB_TYPE_DUCKDB_TYPE_UHUGEINT
            | ffi::DUCKDB_TYPE_DUCKDB_TYPE_INTERVAL
            | ffi::DUCKDB_TYPE_DUCKDB_TYPE_UUID
            | ffi::DUCKDB_TYPE_DUCKDB_TYPE_VARCHAR
            | ffi::DUCKDB_TYPE_DUCKDB_TYPE_BLOB
            | ffi::DUCKDB_TYPE_DUCKDB_TYPE_BIT
            | ffi::DUCKDB_TYPE_DUCKDB_TYPE_BIGNUM
            | ffi::DUCKDB_TYPE_DUCKDB_TYPE_LIST
            | ffi::DUCKDB_TYPE_DUCKDB_TYPE_MAP => 16,
            ffi::DUCKDB_TYPE_DUCKDB_TYPE_DECIMAL => match ffi::duckdb_decimal_internal_type(ty) {
                ffi::DUCKDB_TYPE_DUCKDB_TYPE_SMALLINT => 2,
                ffi::DUCKDB_TYPE_DUCKDB_TYPE_INTEGER => 4,
                ffi::DUCKDB_TYPE_DUCKDB_TYPE_BIGINT => 8,
                _ => 16,
            },
            ffi::DUCKDB_TYPE_DUCKDB_TYPE_ENUM => match ffi::duckdb_enum_internal_type(ty) {
                ffi::DUCKDB_TYPE_DUCKDB_TYPE_UTINYINT => 1,
                ffi::DUCKDB_TYPE_DUCKDB_TYPE_USMALLINT => 2,
                _ => 4,
            },
            _ => 0,
        }
    }
}
