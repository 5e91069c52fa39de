//! PostgreSQL's text format, written straight from DuckDB vectors into the output buffer.

use super::zone::TextStyle;
use bytes::{BufMut, BytesMut};

use super::datetime;
use super::oid::array_oid;
use crate::db::{DecimalStorage, DuckType, EnumStorage, Interval as DuckInterval, ListEntry, Vector};
use crate::error::{sqlstate, PgError};

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Can `ty` be written (in text, and so in binary)? 0A000 where not yet.
pub fn check_supported(ty: &DuckType) -> Result<(), PgError> {
    let unsupported = |name: &str| {
        Err(PgError::new(
            sqlstate::FEATURE_NOT_SUPPORTED,
            format!("results of type {name} cannot be sent yet"),
        )
        .with_hint("Cast the column to VARCHAR."))
    };
    match ty {
        DuckType::Other(name) => unsupported(name),
        DuckType::BigNum => unsupported("BIGNUM"),
        DuckType::Unresolved => unsupported("UNKNOWN"),
        DuckType::List(c) | DuckType::Array(c, _) => check_supported(c),
        DuckType::Map(k, v) => check_supported(k).and(check_supported(v)),
        DuckType::Struct(fields) | DuckType::Union(fields) => {
            fields.iter().try_for_each(|(_, t)| check_supported(t))
        }
        _ => Ok(()),
    }
}

fn put_int(out: &mut BytesMut, v: impl itoa::Integer) {
    let mut buf = itoa::Buffer::new();
    out.put_slice(buf.format(v).as_bytes());
}

/// The top-level text form of a value (not NULL).
pub fn write_value(ty: &DuckType, v: &Vector<'_>, row: usize, out: &mut BytesMut, style: &TextStyle) {
    match ty {
        DuckType::List(elem) => {
            let entry = v.values::<ListEntry>()[row];
            write_list(
                elem,
                &v.list_child(),
                entry.offset as usize,
                entry.length as usize,
                out,
                style,
            );
        }
        DuckType::Array(elem, size) => {
            write_list(elem, &v.array_child(*size), row * size, *size, out, style);
        }
        DuckType::Struct(_) | DuckType::Map(..) | DuckType::Union(_) => write_json(ty, v, row, out, style),
        _ => write_scalar(ty, v, row, out, style),
    }
}

/// A list: PostgreSQL array syntax when its elements are scalars, JSON otherwise.
fn write_list(
    elem: &DuckType,
    child: &Vector<'_>,
    offset: usize,
    len: usize,
    out: &mut BytesMut,
    style: &TextStyle,
) {
    if array_oid(elem).is_none() {
        return write_json_list(elem, child, offset, len, out, style);
    }
    out.put_u8(b'{');
    let mut scratch = BytesMut::new();
    for i in offset..offset + len {
        if i > offset {
            out.put_u8(b',');
        }
        if !child.is_valid(i) {
            out.put_slice(b"NULL");
            continue;
        }
        scratch.clear();
        write_scalar(elem, child, i, &mut scratch, style);
        put_array_element(out, &scratch);
    }
    out.put_u8(b'}');
}

/// An array element, quoted as PostgreSQL's array_out quotes it.
fn put_array_element(out: &mut BytesMut, s: &[u8]) {
    let needs_quotes = s.is_empty()
        || s.eq_ignore_ascii_case(b"NULL")
        || s.iter().any(|c| {
            matches!(
                c,
                b'"' | b'\\' | b'{' | b'}' | b',' | b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c
            )
        });
    if !needs_quotes {
        out.put_slice(s);
        return;
    }
    out.put_u8(b'"');
    for &c in s {
        if c == b'"' || c == b'\\' {
            out.put_u8(b'\\');
        }
        out.put_u8(c);
    }
    out.put_u8(b'"');
}

fn write_scalar(ty: &DuckType, v: &Vector<'_>, row: usize, out: &mut BytesMut, style: &TextStyle) {
    use DuckType::*;
    match ty {
        Boolean => out.put_u8(if v.values::<u8>()[row] != 0 { b't' } else { b'f' }),
        TinyInt => put_int(out, v.values::<i8>()[row]),
        SmallInt => put_int(out, v.values::<i16>()[row]),
        Integer => put_int(out, v.values::<i32>()[row]),
        BigInt => put_int(out, v.values::<i64>()[row]),
        UTinyInt => put_int(out, v.values::<u8>()[row]),
        USmallInt => put_int(out, v.values::<u16>()[row]),
        UInteger => put_int(out, v.values::<u32>()[row]),
        UBigInt => put_int(out, v.values::<u64>()[row]),
        HugeInt => put_int(out, v.values::<i128>()[row]),
        UHugeInt => put_int(out, v.values::<u128>()[row]),
        Float => put_float(out, v.values::<f32>()[row] as f64, true, style.extra_float_digits),
        Double => put_float(out, v.values::<f64>()[row], false, style.extra_float_digits),
        Decimal { scale, physical, .. } => {
            put_decimal(out, decimal_value(*physical, v, row), *scale as usize)
        }
        Varchar | Json => out.put_slice(v.bytes_at(row)),
        Blob => {
            let bytes = v.bytes_at(row);
            out.reserve(2 + bytes.len() * 2);
            out.put_slice(b"\\x");
            for b in bytes {
                out.put_u8(HEX[(b >> 4) as usize]);
                out.put_u8(HEX[(b & 15) as usize]);
            }
        }
        Bit => put_bits(out, v.bytes_at(row)),
        Date => datetime::put_date(out, v.values::<i32>()[row]),
        Time => datetime::put_time_of_day(out, v.values::<i64>()[row]),
        TimeNs => datetime::put_time_of_day(out, datetime::to_micros(v.values::<i64>()[row], 1, 1000)),
        TimeTz => datetime::put_time_tz(out, v.values::<u64>()[row]),
        Timestamp => datetime::put_timestamp(out, v.values::<i64>()[row], None),
        TimestampS => {
            datetime::put_timestamp(out, scale_timestamp(v.values::<i64>()[row], 1_000_000, 1), None)
        }
        TimestampMs => datetime::put_timestamp(out, scale_timestamp(v.values::<i64>()[row], 1000, 1), None),
        TimestampNs => datetime::put_timestamp(out, scale_timestamp(v.values::<i64>()[row], 1, 1000), None),
        TimestampTz => put_timestamptz(out, v.values::<i64>()[row], style),
        TimestampTzNs => put_timestamptz(out, scale_timestamp(v.values::<i64>()[row], 1, 1000), style),
        Interval => {
            let i = v.values::<DuckInterval>()[row];
            datetime::put_interval(out, i.months, i.days, i.micros);
        }
        Uuid => put_uuid(out, v.values::<i128>()[row]),
        Enum {
            storage, dictionary, ..
        } => out.put_slice(enum_label(*storage, dictionary, v, row)),
        Null => {}
        List(_) | Array(..) | Struct(_) | Map(..) | Union(_) => write_value(ty, v, row, out, style),
        Other(_) | BigNum | Unresolved => unreachable!("rejected by Encoder::new"),
    }
}

/// A DECIMAL's unscaled value, whatever its storage width.
pub(super) fn decimal_value(physical: DecimalStorage, v: &Vector<'_>, row: usize) -> i128 {
    match physical {
        DecimalStorage::I16 => v.values::<i16>()[row] as i128,
        DecimalStorage::I32 => v.values::<i32>()[row] as i128,
        DecimalStorage::I64 => v.values::<i64>()[row] as i128,
        DecimalStorage::I128 => v.values::<i128>()[row],
    }
}

/// An ENUM value's label.
pub(super) fn enum_label<'d>(
    storage: EnumStorage,
    dictionary: &'d [String],
    v: &Vector<'_>,
    row: usize,
) -> &'d [u8] {
    let index = match storage {
        EnumStorage::U8 => v.values::<u8>()[row] as usize,
        EnumStorage::U16 => v.values::<u16>()[row] as usize,
        EnumStorage::U32 => v.values::<u32>()[row] as usize,
    };
    dictionary.get(index).map(String::as_bytes).unwrap_or_default()
}

/// Convert a timestamp of another unit to microseconds, keeping the infinities infinite.
fn scale_timestamp(value: i64, mul: i64, div: i64) -> i64 {
    if value == datetime::TIMESTAMP_INFINITY || value == datetime::TIMESTAMP_NEG_INFINITY {
        return value;
    }
    datetime::to_micros(value, mul, div)
}

fn put_decimal(out: &mut BytesMut, value: i128, scale: usize) {
    if value < 0 {
        out.put_u8(b'-');
    }
    let mut buf = itoa::Buffer::new();
    let digits = buf.format(value.unsigned_abs()).as_bytes();
    if scale == 0 {
        out.put_slice(digits);
        return;
    }
    if digits.len() <= scale {
        out.put_slice(b"0.");
        for _ in digits.len()..scale {
            out.put_u8(b'0');
        }
        out.put_slice(digits);
    } else {
        let point = digits.len() - scale;
        out.put_slice(&digits[..point]);
        out.put_u8(b'.');
        out.put_slice(&digits[point..]);
    }
}

/// A timestamptz in the session's zone, with its offset.
fn put_timestamptz(out: &mut BytesMut, micros: i64, style: &TextStyle) {
    datetime::put_timestamp(out, micros, Some(style.zone.offset_at(micros)));
}

/// Floats as PostgreSQL 12+ writes them. With `extra_float_digits` above 0 (the default 1):
/// the shortest text that reads back to the same value; otherwise `%g` with 15 (float4: 6)
/// plus `extra_float_digits` significant digits. Exponent form outside [1e-4, 1e15) (1e6
/// for float4; 1e<digits> with `%g`).
pub fn put_float(out: &mut BytesMut, value: f64, single: bool, extra_float_digits: i32) {
    if value.is_nan() {
        return out.put_slice(b"NaN");
    }
    if value.is_infinite() {
        return out.put_slice(if value > 0.0 { b"Infinity" } else { b"-Infinity" });
    }
    let mut shortest = zmij::Buffer::new();
    let mut fixed = String::new();
    let (text, max_exp) = if extra_float_digits > 0 {
        let text = if single {
            shortest.format_finite(value as f32)
        } else {
            shortest.format_finite(value)
        };
        (text, if single { 6 } else { 15 })
    } else {
        use std::fmt::Write;
        let precision = ((if single { 6 } else { 15 }) + extra_float_digits).max(1);
        let _ = write!(fixed, "{:.*e}", precision as usize - 1, value);
        (fixed.as_str(), precision)
    };
    if extra_float_digits > 0 && fixed_in_postgres(value, single) && !ends_in_exponent(text) {
        // Most values: the shortest digits are already in PostgreSQL's form, but for "12.0".
        return out.put_slice(text.strip_suffix(".0").unwrap_or(text).as_bytes());
    }
    let negative = text.starts_with('-');
    let (digits, exp) = scientific_digits(text.trim_start_matches('-'));
    if negative {
        out.put_u8(b'-');
    }
    if exp < -4 || exp >= max_exp {
        out.put_u8(digits[0]);
        if digits.len() > 1 {
            out.put_u8(b'.');
            out.put_slice(&digits[1..]);
        }
        out.put_u8(b'e');
        out.put_u8(if exp < 0 { b'-' } else { b'+' });
        if exp.abs() < 10 {
            out.put_u8(b'0');
        }
        put_int(out, exp.abs());
    } else if exp >= 0 {
        let int_len = exp as usize + 1;
        if digits.len() <= int_len {
            out.put_slice(&digits);
            for _ in digits.len()..int_len {
                out.put_u8(b'0');
            }
        } else {
            out.put_slice(&digits[..int_len]);
            out.put_u8(b'.');
            out.put_slice(&digits[int_len..]);
        }
    } else {
        out.put_slice(b"0.");
        for _ in 0..(-exp - 1) {
            out.put_u8(b'0');
        }
        out.put_slice(&digits);
    }
}

/// Does PostgreSQL write this value's shortest digits in fixed notation: 0, or from 1e-4 up
/// to 1e15 (float4: 1e6)? (A double at or above the double nearest 1e-4 has shortest digits of
/// at least 0.0001.)
fn fixed_in_postgres(value: f64, single: bool) -> bool {
    let magnitude = value.abs();
    let limit = if single { 1e6 } else { 1e15 };
    magnitude == 0.0 || (1e-4..limit).contains(&magnitude)
}

/// Is the shortest text in exponent form ("1e+16", "2.5e-10")? The exponent is at its end.
fn ends_in_exponent(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes[bytes.len().saturating_sub(5)..].contains(&b'e')
}

/// The significant digits of a decimal number's text (`1.25`, `0.001`, `1e100`, `2.5e-10`) and
/// the power of ten of the first one: 0.00125 is (b"125", -3).
fn scientific_digits(text: &str) -> (Vec<u8>, i32) {
    let (mantissa, exp) = match text.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.parse::<i32>().unwrap_or(0)),
        None => (text, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all: Vec<u8> = int.bytes().chain(frac.bytes()).collect();
    let Some(first) = all.iter().position(|&d| d != b'0') else {
        return (vec![b'0'], 0);
    };
    let mut digits = all[first..].to_vec();
    while digits.len() > 1 && digits.last() == Some(&b'0') {
        digits.pop();
    }
    (digits, exp + int.len() as i32 - 1 - first as i32)
}

/// DuckDB stores a UUID as a HUGEINT with the top bit flipped (so that it sorts as unsigned).
fn put_uuid(out: &mut BytesMut, stored: i128) {
    let value = (stored as u128) ^ (1u128 << 127);
    let bytes = value.to_be_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.put_u8(b'-');
        }
        out.put_u8(HEX[(b >> 4) as usize]);
        out.put_u8(HEX[(b & 15) as usize]);
    }
}

/// DuckDB's BIT: a first byte counting the padding bits at the start of the second byte.
fn put_bits(out: &mut BytesMut, data: &[u8]) {
    let Some((&padding, bits)) = data.split_first() else {
        return;
    };
    for (i, byte) in bits.iter().enumerate() {
        let start = if i == 0 { padding as usize } else { 0 };
        for bit in start..8 {
            out.put_u8(if byte & (0x80 >> bit) != 0 { b'1' } else { b'0' });
        }
    }
}

// ---- JSON, for the nested values PostgreSQL has no type for --------------------------------

fn put_json_string(out: &mut BytesMut, s: &[u8]) {
    out.put_u8(b'"');
    for &c in s {
        match c {
            b'"' => out.put_slice(b"\\\""),
            b'\\' => out.put_slice(b"\\\\"),
            b'\n' => out.put_slice(b"\\n"),
            b'\r' => out.put_slice(b"\\r"),
            b'\t' => out.put_slice(b"\\t"),
            c if c < 0x20 => {
                out.put_slice(b"\\u00");
                out.put_u8(HEX[(c >> 4) as usize]);
                out.put_u8(HEX[(c & 15) as usize]);
            }
            c => out.put_u8(c),
        }
    }
    out.put_u8(b'"');
}

fn write_json_list(
    elem: &DuckType,
    child: &Vector<'_>,
    offset: usize,
    len: usize,
    out: &mut BytesMut,
    style: &TextStyle,
) {
    out.put_u8(b'[');
    for i in offset..offset + len {
        if i > offset {
            out.put_u8(b',');
        }
        write_json(elem, child, i, out, style);
    }
    out.put_u8(b']');
}

fn write_json(ty: &DuckType, v: &Vector<'_>, row: usize, out: &mut BytesMut, style: &TextStyle) {
    use DuckType::*;
    if !v.is_valid(row) {
        return out.put_slice(b"null");
    }
    match ty {
        Struct(fields) => {
            out.put_u8(b'{');
            for (i, (name, fty)) in fields.iter().enumerate() {
                if i > 0 {
                    out.put_u8(b',');
                }
                put_json_string(out, name.as_bytes());
                out.put_u8(b':');
                write_json(fty, &v.struct_child(i), row, out, style);
            }
            out.put_u8(b'}');
        }
        Map(kty, vty) => {
            let entry = v.values::<ListEntry>()[row];
            let entries = v.list_child();
            let (keys, values) = (entries.struct_child(0), entries.struct_child(1));
            out.put_u8(b'{');
            let mut scratch = BytesMut::new();
            for i in entry.offset as usize..(entry.offset + entry.length) as usize {
                if i > entry.offset as usize {
                    out.put_u8(b',');
                }
                scratch.clear();
                if keys.is_valid(i) {
                    write_value(kty, &keys, i, &mut scratch, style);
                }
                put_json_string(out, &scratch);
                out.put_u8(b':');
                write_json(vty, &values, i, out, style);
            }
            out.put_u8(b'}');
        }
        Union(members) => {
            // Child 0 holds the tag; member i is child i + 1.
            let tag = v.struct_child(0).values::<u8>()[row] as usize;
            match members.get(tag) {
                Some((_, mty)) => write_json(mty, &v.struct_child(tag + 1), row, out, style),
                None => out.put_slice(b"null"),
            }
        }
        List(elem) => {
            let entry = v.values::<ListEntry>()[row];
            write_json_list(
                elem,
                &v.list_child(),
                entry.offset as usize,
                entry.length as usize,
                out,
                style,
            );
        }
        Array(elem, size) => write_json_list(elem, &v.array_child(*size), row * size, *size, out, style),
        Boolean => out.put_slice(if v.values::<u8>()[row] != 0 {
            b"true"
        } else {
            b"false"
        }),
        Json => out.put_slice(v.bytes_at(row)),
        exact if exact.is_exact_number() => write_scalar(ty, v, row, out, style),
        Float | Double => {
            let mut scratch = BytesMut::new();
            write_scalar(ty, v, row, &mut scratch, style);
            if scratch
                .iter()
                .all(|c| c.is_ascii_digit() || matches!(c, b'-' | b'.' | b'e' | b'+'))
            {
                out.put_slice(&scratch);
            } else {
                put_json_string(out, &scratch);
            }
        }
        _ => {
            let mut scratch = BytesMut::new();
            write_scalar(ty, v, row, &mut scratch, style);
            put_json_string(out, &scratch);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn float(v: f64, single: bool) -> String {
        let mut b = BytesMut::new();
        put_float(&mut b, v, single, 1);
        String::from_utf8(b.to_vec()).unwrap()
    }

    fn decimal(v: i128, scale: usize) -> String {
        let mut b = BytesMut::new();
        put_decimal(&mut b, v, scale);
        String::from_utf8(b.to_vec()).unwrap()
    }

    #[test]
    fn floats_as_postgres_writes_them() {
        assert_eq!(float(1.5, false), "1.5");
        assert_eq!(float(100.0, false), "100");
        assert_eq!(float(0.1, false), "0.1");
        assert_eq!(float(1e15, false), "1e+15");
        assert_eq!(float(123456789012345.0, false), "123456789012345");
        assert_eq!(float(0.0001, false), "0.0001");
        assert_eq!(float(0.00001, false), "1e-05");
        assert_eq!(float(-2.5e-10, false), "-2.5e-10");
        assert_eq!(float(1.0 / 3.0, false), "0.3333333333333333");
        assert_eq!(float(f64::NAN, false), "NaN");
        assert_eq!(float(f64::NEG_INFINITY, false), "-Infinity");
        assert_eq!(float(0.1f32 as f64, true), "0.1");
        assert_eq!(float(1e6, true), "1e+06");
        assert_eq!(float(-0.0, false), "-0");
        assert_eq!(float(0.0, false), "0");
        assert_eq!(float(0.00012, false), "0.00012");
        assert_eq!(float(999999999999999.0, false), "999999999999999");
        assert_eq!(float(1666666.3333333333, false), "1666666.3333333333");
        assert_eq!(float(123456.0, true), "123456");
        assert_eq!(float(1234567.0, true), "1.234567e+06");
    }

    /// Many values across the whole range: the text reads back to the same value, and it is in
    /// exponent form exactly where PostgreSQL uses it.
    #[test]
    fn floats_round_trip_in_postgres_notation() {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let check = |text: &str, back: f64, value: f64, max_exp: i32| {
            assert_eq!(back, value, "{text} does not read back");
            let digits = text.trim_start_matches('-');
            if let Some((_, e)) = digits.split_once('e') {
                assert!(
                    e.starts_with(['+', '-']) && e.len() >= 3,
                    "{text}: sign and two digits"
                );
                let e: i32 = e.parse().unwrap();
                assert!(!(-4..max_exp).contains(&e), "{text}: exponent form for 1e{e}");
            } else {
                assert!(!digits.ends_with(".0") && !digits.ends_with('.'), "{text}");
                // log10 may land on either side of a power of ten: allow one either way.
                let exp = value.abs().log10().floor() as i32;
                assert!(
                    value == 0.0 || (-5..=max_exp).contains(&exp),
                    "{text}: fixed form for 1e{exp}"
                );
            }
        };
        for _ in 0..200_000 {
            let bits = next();
            let double = f64::from_bits(bits);
            if double.is_finite() {
                let text = float(double, false);
                check(&text, text.parse::<f64>().unwrap(), double, 15);
            }
            let single = f32::from_bits(bits as u32);
            if single.is_finite() {
                let text = float(single as f64, true);
                check(&text, text.parse::<f32>().unwrap() as f64, single as f64, 6);
            }
            // Values of ordinary size, where fixed notation is the rule.
            let ordinary = (bits >> 11) as f64 / (1u64 << 20) as f64;
            let text = float(ordinary, false);
            check(&text, text.parse::<f64>().unwrap(), ordinary, 15);
        }
    }

    #[test]
    fn decimals() {
        assert_eq!(decimal(12345, 2), "123.45");
        assert_eq!(decimal(-5, 3), "-0.005");
        assert_eq!(decimal(0, 2), "0.00");
        assert_eq!(decimal(7, 0), "7");
    }

    #[test]
    fn array_elements_quoted_like_postgres() {
        let q = |s: &str| {
            let mut b = BytesMut::new();
            put_array_element(&mut b, s.as_bytes());
            String::from_utf8(b.to_vec()).unwrap()
        };
        assert_eq!(q("abc"), "abc");
        assert_eq!(q(""), "\"\"");
        assert_eq!(q("null"), "\"null\"");
        assert_eq!(q("a b"), "\"a b\"");
        assert_eq!(q("a\"b\\c"), "\"a\\\"b\\\\c\"");
    }
}
