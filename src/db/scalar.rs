//! Scalar SQL functions of ours: `SELECT pgwire_start(5432)`, the form users type first, beside
//! the table function of the same name (DuckDB keeps the two kinds apart).
//!
//! A scalar function runs once per input row. Ours have side effects, so they are volatile
//! (never folded into a constant at planning) and each row is one call.

use duckdb::core::{DataChunkHandle, Inserter, LogicalTypeHandle};
use duckdb::vscalar::{ScalarFunctionSignature, VScalar};
use duckdb::vtab::arrow::WritableVector;

use super::extension::{Cell, ColumnKind};

/// A scalar function of ours, given the per-database state `S`.
pub trait SqlScalar<S>: Send + Sync + 'static {
    /// The accepted argument lists (each an overload), all INTEGER or VARCHAR.
    fn signatures() -> &'static [&'static [ColumnKind]];
    /// The result's type: VARCHAR, BOOLEAN or BIGINT.
    fn returns() -> ColumnKind;
    /// One call, for one row's arguments (`Cell::Null` for a NULL argument).
    fn call(state: &S, args: &[Cell]) -> Result<Cell, String>;
}

/// Adapts a [`SqlScalar`] to DuckDB's scalar function interface.
pub struct ScalarFn<F, S>(std::marker::PhantomData<(F, S)>);

impl<F: SqlScalar<S>, S: Clone + Send + Sync + 'static> VScalar for ScalarFn<F, S> {
    type State = S;

    fn invoke(
        state: &S,
        input: &mut DataChunkHandle,
        output: &mut dyn WritableVector,
    ) -> Result<(), Box<dyn std::error::Error>> {
        let rows = input.len();
        let columns = input.num_columns();
        let mut out = output.flat_vector();
        for row in 0..rows {
            let args = (0..columns).map(|c| read_cell(input, c, row)).collect::<Vec<_>>();
            match (F::call(state, &args)?, F::returns()) {
                (Cell::Text(s), ColumnKind::Varchar) => out.insert(row, s.as_str()),
                // SAFETY: a BOOLEAN vector holds one `bool` per row, and `row` < the chunk's rows.
                (Cell::Bool(b), ColumnKind::Boolean) => unsafe { out.as_mut_slice::<bool>()[row] = b },
                // SAFETY: a BIGINT vector holds one `i64` per row, and `row` < the chunk's rows.
                (Cell::Int(v), ColumnKind::BigInt) => unsafe { out.as_mut_slice::<i64>()[row] = v },
                _ => out.set_null(row),
            }
        }
        Ok(())
    }

    fn signatures() -> Vec<ScalarFunctionSignature> {
        F::signatures()
            .iter()
            .map(|params| {
                ScalarFunctionSignature::exact(
                    params
                        .iter()
                        .map(|k| k.logical_type())
                        .collect::<Vec<LogicalTypeHandle>>(),
                    F::returns().logical_type(),
                )
            })
            .collect()
    }

    fn volatile() -> bool {
        true
    }
}

fn read_cell(input: &DataChunkHandle, col: usize, row: usize) -> Cell {
    let vector = input.flat_vector(col);
    if vector.row_is_null(row as u64) {
        return Cell::Null;
    }
    match vector.logical_type().id() {
        // SAFETY: an INTEGER vector holds one `i32` per row; `row` < the chunk's rows.
        duckdb::core::LogicalTypeId::Integer => Cell::Int(unsafe { vector.as_slice::<i32>()[row] } as i64),
        duckdb::core::LogicalTypeId::Varchar => {
            // SAFETY: a VARCHAR vector holds one `duckdb_string_t` per row; `row` < the rows.
            let raw = unsafe { vector.as_slice::<libduckdb_sys::duckdb_string_t>()[row] };
            Cell::Text(duckdb::types::DuckString::new(&mut { raw }).as_str().into_owned())
        }
        _ => Cell::Null,
    }
}

/// Register `F` under `name`, reaching `state` from every call.
pub fn register_scalar_function<F: SqlScalar<S>, S: Clone + Send + Sync + 'static>(
    conn: &duckdb::Connection,
    name: &str,
    state: &S,
) -> Result<(), duckdb::Error> {
    conn.register_scalar_function_with_state::<ScalarFn<F, S>>(name, state)
}
