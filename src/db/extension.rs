//! The extension's entrypoint and table-function registration: the FFI boundary with the host.

use std::ffi::CString;
use std::panic::{catch_unwind, AssertUnwindSafe};

use duckdb::vtab::{BindInfo, InitInfo, TableFunctionInfo, VTab};
use libduckdb_sys as ffi;

use super::connection::Database;

/// The C API version we are built against; DuckDB refuses to load us into older hosts.
const C_API_VERSION: &str = "v1.5.6";

/// DuckDB calls this on `LOAD pgwire`. It must never unwind into DuckDB: every failure and
/// every panic becomes an error that DuckDB reports for the LOAD statement.
///
/// # Safety
/// Called by DuckDB with valid `info` and `access` pointers.
#[no_mangle]
pub unsafe extern "C" fn pgwire_init_c_api(
    info: ffi::duckdb_extension_info,
    access: *const ffi::duckdb_extension_access,
) -> bool {
    let outcome = catch_unwind(AssertUnwindSafe(|| unsafe { init(info, access) }));
    let error = match outcome {
        Ok(Ok(loaded)) => return loaded,
        Ok(Err(e)) => e,
        Err(_) => "pgwire: panic while loading the extension".to_string(),
    };
    if let (false, Some(set_error)) = (
        access.is_null(),
        unsafe { access.as_ref() }.and_then(|a| a.set_error),
    ) {
        let msg = CString::new(error.replace('\0', " ")).unwrap_or_default();
        unsafe { set_error(info, msg.as_ptr()) };
    }
    false
}

unsafe fn init(
    info: ffi::duckdb_extension_info,
    access: *const ffi::duckdb_extension_access,
) -> Result<bool, String> {
    // SAFETY: pointers come from DuckDB; the API struct init fills the function table we call.
    unsafe {
        if !ffi::duckdb_rs_extension_api_init(info, access, C_API_VERSION)? {
            return Ok(false);
        }
        let get_database = (*access).get_database.ok_or("DuckDB gave no get_database")?;
        let db_ptr = get_database(info);
        if db_ptr.is_null() {
            return Ok(false);
        }
        let database = Database::from_raw(*db_ptr);
        let registrar = duckdb::Connection::open_from_raw(*db_ptr).map_err(|e| e.to_string())?;
        crate::on_load(&database, &registrar).map_err(|e| e.to_string())?;
    }
    Ok(true)
}

/// Run `hook` when the process exits (`atexit`), before the destructors of statics that were
/// constructed earlier (DuckDB's).
pub fn at_process_exit(hook: extern "C" fn()) {
    // SAFETY: registering a plain function pointer; failure only means no hook.
    unsafe { libc::atexit(hook) };
}

/// Register a table function whose callbacks can reach `extra` (the per-database state).
/// Callback panics and errors are contained by the `duckdb` crate and become query errors.
pub fn register_table_function<T: VTab, E: Clone + Send + Sync + 'static>(
    conn: &duckdb::Connection,
    name: &str,
    extra: &E,
) -> Result<(), duckdb::Error> {
    conn.register_table_function_with_extra_info::<T, E>(name, extra)
}

/// Access to the state registered with [`register_table_function`] from inside its callbacks.
pub trait TableFunctionExtra {
    /// The registered extra info. `E` must be the type it was registered with.
    fn extra<E>(&self) -> &E;
}

impl TableFunctionExtra for BindInfo {
    fn extra<E>(&self) -> &E {
        // SAFETY: every table function of ours is registered with its extra info of type E,
        // which lives in DuckDB's catalog for as long as the function can be called.
        unsafe { &*self.get_extra_info::<E>() }
    }
}

impl TableFunctionExtra for InitInfo {
    fn extra<E>(&self) -> &E {
        // SAFETY: as for BindInfo.
        unsafe { &*self.get_extra_info::<E>() }
    }
}

impl<T: VTab> TableFunctionExtra for TableFunctionInfo<T> {
    fn extra<E>(&self) -> &E {
        // SAFETY: as for BindInfo.
        unsafe { &*self.get_extra_info::<E>() }
    }
}

/// Column types our table functions return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    Varchar,
    Integer,
    BigInt,
    Boolean,
    TimestampTz,
}

impl ColumnKind {
    pub fn logical_type(self) -> duckdb::core::LogicalTypeHandle {
        use duckdb::core::{LogicalTypeHandle, LogicalTypeId};
        LogicalTypeHandle::from(match self {
            ColumnKind::Varchar => LogicalTypeId::Varchar,
            ColumnKind::Integer => LogicalTypeId::Integer,
            ColumnKind::BigInt => LogicalTypeId::Bigint,
            ColumnKind::Boolean => LogicalTypeId::Boolean,
            ColumnKind::TimestampTz => LogicalTypeId::TimestampTZ,
        })
    }
}

/// One value of a table function's output row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Text(String),
    Int(i64),
    Bool(bool),
    /// Microseconds since the Unix epoch.
    Timestamp(i64),
}

/// Write `cell` into column `col` (declared as `kind`) at `row`. A cell that does not fit the
/// column's kind is written as NULL rather than as reinterpreted bytes.
pub fn write_cell(
    output: &mut duckdb::core::DataChunkHandle,
    col: usize,
    kind: ColumnKind,
    row: usize,
    cell: &Cell,
) {
    use duckdb::core::Inserter;
    let mut vector = output.flat_vector(col);
    // SAFETY (typed writes): each arm writes the physical type DuckDB uses for `kind`
    // (INTEGER i32, BIGINT i64, BOOLEAN bool, TIMESTAMPTZ i64) at a row below the chunk's
    // capacity, which the caller guarantees (at most one standard vector size of rows).
    match (kind, cell) {
        (ColumnKind::Varchar, Cell::Text(s)) => vector.insert(row, s.as_str()),
        (ColumnKind::Integer, Cell::Int(v)) => unsafe { vector.as_mut_slice::<i32>()[row] = *v as i32 },
        (ColumnKind::BigInt, Cell::Int(v)) => unsafe { vector.as_mut_slice::<i64>()[row] = *v },
        (ColumnKind::Boolean, Cell::Bool(b)) => unsafe { vector.as_mut_slice::<bool>()[row] = *b },
        (ColumnKind::TimestampTz, Cell::Timestamp(t)) => unsafe { vector.as_mut_slice::<i64>()[row] = *t },
        _ => vector.set_null(row),
    }
}
