//! One encoder per result column: the column's DuckDB type and the format the client asked for.

use bytes::BytesMut;

use super::{binary, text, TextStyle};
use crate::db::{DuckType, Vector};
use crate::error::PgError;

/// Wire format of a column or parameter (PostgreSQL's format codes 0 and 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Binary,
}

impl Format {
    /// The format of column `index` from Bind's format codes: none means all text, one applies
    /// to every column, otherwise one per column.
    pub fn for_column(codes: &[i16], index: usize) -> Format {
        let code = match codes {
            [] => 0,
            [one] => *one,
            many => many.get(index).copied().unwrap_or(0),
        };
        if code == 1 {
            Format::Binary
        } else {
            Format::Text
        }
    }
}

#[derive(Debug, Clone)]
pub struct Encoder {
    ty: DuckType,
    format: Format,
}

impl Encoder {
    /// An encoder for `ty` in `format`, or 0A000 for a type we cannot send yet.
    pub fn new(ty: &DuckType, format: Format) -> Result<Encoder, PgError> {
        text::check_supported(ty)?;
        debug_assert!(format == Format::Text || binary::supported(ty));
        Ok(Encoder {
            ty: ty.clone(),
            format,
        })
    }

    /// Is the text of a value its stored bytes as they are (VARCHAR, JSON)?
    pub fn is_stored_text(&self) -> bool {
        self.format == Format::Text && matches!(self.ty, DuckType::Varchar | DuckType::Json)
    }

    /// Does the text of every value consist of letters, digits, spaces and `. : + -` only (so
    /// that COPY never needs to escape or quote it)?
    pub fn is_plain_text(&self) -> bool {
        use DuckType::*;
        self.format == Format::Text
            && (self.ty.is_exact_number()
                || matches!(
                    self.ty,
                    Boolean
                        | Float
                        | Double
                        | Date
                        | Time
                        | TimeNs
                        | TimeTz
                        | Timestamp
                        | TimestampS
                        | TimestampMs
                        | TimestampNs
                        | TimestampTz
                        | TimestampTzNs
                        | Interval
                        | Uuid
                ))
    }

    /// Write the value at `row`, which the caller has checked is not NULL.
    #[inline]
    pub fn write(&self, v: &Vector<'_>, row: usize, out: &mut BytesMut, style: &TextStyle) {
        match self.format {
            Format::Text => text::write_value(&self.ty, v, row, out, style),
            Format::Binary => binary::write(&self.ty, v, row, out, style),
        }
    }
}
