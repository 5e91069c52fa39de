//! PostgreSQL's binary format, written straight from DuckDB vectors.

use super::zone::TextStyle;
use bytes::{BufMut, BytesMut};

use super::datetime::{
    DATE_INFINITY, DATE_NEG_INFINITY, MICROS_PER_DAY, TIMESTAMP_INFINITY, TIMESTAMP_NEG_INFINITY,
};
use super::oid::array_oid;
use super::text;
use crate::db::{DuckType, Interval as DuckInterval, ListEntry, Vector};

/// Days between PostgreSQL's epoch (2000-01-01) and DuckDB's (1970-01-01).
const PG_EPOCH_DAYS: i64 = 10_957;

/// Can this type be sent in binary? (Everything PostgreSQL would send as a scalar or an array of
/// scalars; nested values travel as json, whose binary form is its text.)
pub fn supported(ty: &DuckType) -> bool {
    !matches!(ty, DuckType::Other(_) | DuckType::BigNum | DuckType::Unresolved)
}

/// Write the value at `row` (not NULL) in binary format.
/// `style`: for the nested values sent as JSON text.
pub fn write(ty: &DuckType, v: &Vector<'_>, row: usize, out: &mut BytesMut, style: &TextStyle) {
    use DuckType::*;
    match ty {
        Boolean => out.put_u8((v.values::<u8>()[row] != 0) as u8),
        TinyInt => out.put_i16(v.values::<i8>()[row] as i16),
        UTinyInt => out.put_i16(v.values::<u8>()[row] as i16),
        SmallInt => out.put_i16(v.values::<i16>()[row]),
        USmallInt => out.put_i32(v.values::<u16>()[row] as i32),
        Integer => out.put_i32(v.values::<i32>()[row]),
        UInteger => out.put_u32(v.values::<u32>()[row]),
        BigInt => out.put_i64(v.values::<i64>()[row]),
        UBigInt => put_numeric(out, v.values::<u64>()[row] as i128, 0),
        HugeInt => put_numeric(out, v.values::<i128>()[row], 0),
        UHugeInt => {
            let value = v.values::<u128>()[row];
            match i128::try_from(value) {
                Ok(x) => put_numeric(out, x, 0),
                // Above i128: only via text digits.
                Err(_) => put_numeric_digits(out, &value.to_string(), false, 0),
            }
        }
        Decimal { scale, physical, .. } => {
            put_numeric(out, text::decimal_value(*physical, v, row), *scale as usize)
        }
        Float => out.put_f32(v.values::<f32>()[row]),
        Double => out.put_f64(v.values::<f64>()[row]),
        Varchar | Json | Blob => out.put_slice(v.bytes_at(row)),
        Enum {
            storage, dictionary, ..
        } => match text::enum_label(*storage, dictionary, v, row) {
            // "char" is always one byte: its empty value is a zero byte (PostgreSQL's charsend).
            b"" if super::oid::is_char_labels(dictionary) => out.put_u8(0),
            label => out.put_slice(label),
        },
        Bit => {
            let data = v.bytes_at(row);
            let (padding, bytes) = data
                .split_first()
                .map(|(p, b)| (*p as usize, b))
                .unwrap_or((0, &[]));
            let bits = bytes.len() * 8 - padding.min(bytes.len() * 8);
            out.put_i32(bits as i32);
            // Shift the padding away so that bit 0 is the first bit of the first byte.
            let mut acc: u16 = 0;
            let mut have = 0;
            let mut emitted = 0;
            for (i, byte) in bytes.iter().enumerate() {
                let (b, n) = if i == 0 {
                    ((*byte as u16) & (0xFF >> padding), 8 - padding)
                } else {
                    (*byte as u16, 8)
                };
                acc = (acc << n) | b;
                have += n;
                while have >= 8 {
                    out.put_u8((acc >> (have - 8)) as u8);
                    have -= 8;
                    emitted += 8;
                }
            }
            if emitted < bits {
                out.put_u8((acc << (8 - have)) as u8);
            }
        }
        Date => {
            let days = v.values::<i32>()[row];
            out.put_i32(match days {
                DATE_INFINITY => i32::MAX,
                DATE_NEG_INFINITY => i32::MIN,
                d => (d as i64 - PG_EPOCH_DAYS) as i32,
            });
        }
        Time => out.put_i64(v.values::<i64>()[row]),
        TimeNs => out.put_i64(super::datetime::to_micros(v.values::<i64>()[row], 1, 1000)),
        TimeTz => {
            const MAX_OFFSET: i64 = 16 * 60 * 60 - 1;
            let bits = v.values::<u64>()[row];
            out.put_i64((bits >> 24) as i64);
            // PostgreSQL stores the zone as seconds west of UTC.
            let offset = MAX_OFFSET - (bits & 0xFF_FFFF) as i64;
            out.put_i32(-offset as i32);
        }
        Timestamp | TimestampTz => put_timestamp(out, v.values::<i64>()[row], 1, 1),
        TimestampS => put_timestamp(out, v.values::<i64>()[row], 1_000_000, 1),
        TimestampMs => put_timestamp(out, v.values::<i64>()[row], 1000, 1),
        TimestampNs | TimestampTzNs => put_timestamp(out, v.values::<i64>()[row], 1, 1000),
        Interval => {
            let i = v.values::<DuckInterval>()[row];
            out.put_i64(i.micros);
            out.put_i32(i.days);
            out.put_i32(i.months);
        }
        Uuid => out.put_slice(&((v.values::<i128>()[row] as u128) ^ (1u128 << 127)).to_be_bytes()),
        List(elem) if array_oid(elem).is_some() => {
            let entry = v.values::<ListEntry>()[row];
            put_array(
                out,
                elem,
                &v.list_child(),
                entry.offset as usize,
                entry.length as usize,
                style,
            );
        }
        Array(elem, size) if array_oid(elem).is_some() => {
            put_array(out, elem, &v.array_child(*size), row * size, *size, style)
        }
        // Nested values are json, whose binary format is its text.
        List(_) | Array(..) | Struct(_) | Map(..) | Union(_) => text::write_value(ty, v, row, out, style),
        Null => {}
        Other(_) | BigNum | Unresolved => unreachable!("rejected by Encoder::new"),
    }
}

fn put_timestamp(out: &mut BytesMut, value: i64, mul: i64, div: i64) {
    out.put_i64(match value {
        TIMESTAMP_INFINITY => i64::MAX,
        TIMESTAMP_NEG_INFINITY => i64::MIN,
        v => super::datetime::to_micros(v, mul, div) - PG_EPOCH_DAYS * MICROS_PER_DAY,
    });
}

/// A one-dimensional array with lower bound 1, as PostgreSQL's array_send writes it.
fn put_array(
    out: &mut BytesMut,
    elem: &DuckType,
    child: &Vector<'_>,
    offset: usize,
    len: usize,
    style: &TextStyle,
) {
    let has_null = (offset..offset + len).any(|i| !child.is_valid(i));
    out.put_i32(if len == 0 { 0 } else { 1 });
    out.put_i32(has_null as i32);
    out.put_u32(
        array_oid(elem)
            .map(|_| super::PgType::from_duck(elem).oid)
            .unwrap_or(super::oid::TEXT),
    );
    if len == 0 {
        return;
    }
    out.put_i32(len as i32);
    out.put_i32(1);
    for i in offset..offset + len {
        if !child.is_valid(i) {
            out.put_i32(-1);
            continue;
        }
        let at = out.len();
        out.put_i32(0);
        write(elem, child, i, out, style);
        let n = (out.len() - at - 4) as i32;
        out[at..at + 4].copy_from_slice(&n.to_be_bytes());
    }
}

/// NUMERIC in binary: base-10000 digits with a weight, a sign and the display scale.
fn put_numeric(out: &mut BytesMut, value: i128, scale: usize) {
    let mut buf = itoa::Buffer::new();
    put_numeric_digits(out, buf.format(value.unsigned_abs()), value < 0, scale);
}

fn put_numeric_digits(out: &mut BytesMut, digits: &str, negative: bool, scale: usize) {
    let digits = digits.as_bytes();
    // Split into integer and fraction digits, the fraction padded to `scale`.
    let (int_part, frac_part): (Vec<u8>, Vec<u8>) = if digits.len() > scale {
        (
            digits[..digits.len() - scale].to_vec(),
            digits[digits.len() - scale..].to_vec(),
        )
    } else {
        let mut frac = vec![b'0'; scale - digits.len()];
        frac.extend_from_slice(digits);
        (Vec::new(), frac)
    };
    // Integer digits grouped from the right, fraction digits from the left.
    let mut groups: Vec<i16> = Vec::new();
    let lead = int_part.len() % 4;
    let mut int_groups = 0i16;
    let mut i = 0;
    if lead > 0 {
        groups.push(to_group(&int_part[..lead]));
        int_groups += 1;
        i = lead;
    }
    while i < int_part.len() {
        groups.push(to_group(&int_part[i..i + 4]));
        int_groups += 1;
        i += 4;
    }
    let mut j = 0;
    while j < frac_part.len() {
        let end = (j + 4).min(frac_part.len());
        let mut chunk = frac_part[j..end].to_vec();
        chunk.resize(4, b'0');
        groups.push(to_group(&chunk));
        j += 4;
    }
    let mut weight = int_groups - 1;
    // Leading zero groups only shift the weight; trailing ones are implied by the scale.
    let first = groups.iter().position(|&g| g != 0);
    let groups: Vec<i16> = match first {
        None => {
            weight = 0;
            Vec::new()
        }
        Some(f) => {
            weight -= f as i16;
            let last = groups.iter().rposition(|&g| g != 0).unwrap_or(f);
            groups[f..=last].to_vec()
        }
    };
    out.put_i16(groups.len() as i16);
    out.put_i16(weight);
    out.put_u16(if negative && !groups.is_empty() { 0x4000 } else { 0 });
    out.put_i16(scale as i16);
    for g in groups {
        out.put_i16(g);
    }
}

fn to_group(digits: &[u8]) -> i16 {
    digits.iter().fold(0i16, |acc, d| acc * 10 + (d - b'0') as i16)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numeric(value: i128, scale: usize) -> Vec<i16> {
        let mut b = BytesMut::new();
        put_numeric(&mut b, value, scale);
        b.chunks(2).map(|c| i16::from_be_bytes([c[0], c[1]])).collect()
    }

    #[test]
    fn numeric_binary_matches_postgres() {
        // ndigits, weight, sign, dscale, digits...
        assert_eq!(numeric(12345678, 2), vec![3, 1, 0, 2, 12, 3456, 7800]); // 123456.78
        assert_eq!(numeric(0, 2), vec![0, 0, 0, 2]);
        assert_eq!(numeric(-5, 3), vec![1, -1, 0x4000, 3, 50]); // -0.005
        assert_eq!(numeric(10000, 0), vec![1, 1, 0, 0, 1]); // 10000
        assert_eq!(numeric(1, 0), vec![1, 0, 0, 0, 1]);
    }
}
