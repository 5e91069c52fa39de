//! Parameters from Bind: decoded from PostgreSQL's text or binary format and bound to a DuckDB
//! prepared statement. Values travel to DuckDB as text where DuckDB's own cast is exact (numbers,
//! dates, uuids), so every DuckDB parameter type accepts them.

use bytes::BytesMut;

use super::array_param;
use super::datetime;
use super::oid;
use super::PgType;
use crate::db::{DuckType, Prepared};
use crate::error::{sqlstate, PgError};

/// Days and microseconds between PostgreSQL's epoch (2000-01-01) and DuckDB's (1970-01-01).
const PG_EPOCH_DAYS: i64 = 10_957;
const PG_EPOCH_MICROS: i64 = PG_EPOCH_DAYS * datetime::MICROS_PER_DAY;

fn invalid(slot: Slot, what: &str) -> PgError {
    // A malformed binary value in COPY is bad data (22P03); in Bind, a bad parameter (22023).
    let code = match slot {
        Slot::Parameter(_) => sqlstate::INVALID_PARAMETER_VALUE,
        Slot::Field(_) => "22P03",
    };
    PgError::new(code, format!("invalid binary value for {slot} ({what})"))
}

fn utf8(slot: Slot, bytes: &[u8]) -> Result<&str, PgError> {
    std::str::from_utf8(bytes).map_err(|_| {
        PgError::new(
            "22021",
            format!("invalid byte sequence for encoding \"UTF8\" in {slot}"),
        )
    })
}

fn fixed<const N: usize>(slot: Slot, bytes: &[u8], what: &str) -> Result<[u8; N], PgError> {
    bytes.try_into().map_err(|_| invalid(slot, what))
}

/// PostgreSQL's text form of bytea: `\x` + hex (the escape form is decoded too).
pub fn decode_bytea_text(slot: Slot, text: &str) -> Result<Vec<u8>, PgError> {
    if let Some(hex) = text.strip_prefix("\\x") {
        let digits = hex.as_bytes();
        if digits.len() % 2 != 0 {
            return Err(PgError::new(
                sqlstate::INVALID_TEXT_REPRESENTATION,
                "invalid hexadecimal data: odd number of digits",
            ));
        }
        return digits
            .chunks(2)
            .map(|p| {
                u8::from_str_radix(std::str::from_utf8(p).unwrap_or("zz"), 16).map_err(|_| {
                    PgError::new(
                        sqlstate::INVALID_TEXT_REPRESENTATION,
                        format!("invalid hexadecimal digit in {slot}"),
                    )
                })
            })
            .collect();
    }
    let mut out = Vec::with_capacity(text.len());
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' {
            if b.get(i + 1) == Some(&b'\\') {
                out.push(b'\\');
                i += 2;
                continue;
            }
            let octal = b
                .get(i + 1..i + 4)
                .and_then(|d| u8::from_str_radix(std::str::from_utf8(d).ok()?, 8).ok());
            match octal {
                Some(v) => {
                    out.push(v);
                    i += 4;
                    continue;
                }
                None => {
                    return Err(PgError::new(
                        sqlstate::INVALID_TEXT_REPRESENTATION,
                        "invalid input syntax for type bytea",
                    ))
                }
            }
        }
        out.push(b[i]);
        i += 1;
    }
    Ok(out)
}

/// Where a value came from, for error messages.
#[derive(Debug, Clone, Copy)]
pub enum Slot {
    /// A Bind parameter (0-based).
    Parameter(usize),
    /// A field of a COPY FROM STDIN row (0-based).
    Field(usize),
}

impl std::fmt::Display for Slot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Slot::Parameter(i) => write!(f, "parameter ${}", i + 1),
            Slot::Field(i) => write!(f, "column {}", i + 1),
        }
    }
}

/// A value decoded from the wire, ready for DuckDB. Most travel as text, which DuckDB casts
/// exactly to whatever type the target has; the others are typed where text would lose meaning.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Text(String),
    Blob(Vec<u8>),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// Days since 1970-01-01 (DuckDB's epoch), or DuckDB's infinities.
    Date(i32),
    /// Microseconds since 1970-01-01, or DuckDB's infinities.
    Timestamp {
        micros: i64,
        with_zone: bool,
    },
}

/// Bind one parameter. `declared` is the OID the client gave in Parse (0: none), `inferred` the
/// type DuckDB found for the parameter.
pub fn bind(
    prepared: &Prepared,
    index: usize,
    declared: u32,
    inferred: Option<&DuckType>,
    binary: bool,
    value: Option<&[u8]>,
) -> Result<(), PgError> {
    let type_oid = match declared {
        0 | oid::UNKNOWN => inferred.map(|t| PgType::from_duck(t).oid).unwrap_or(oid::TEXT),
        other => other,
    };
    // Where DuckDB could not infer the type, the client's declared type decides it: bind a
    // typed value, so that `SELECT $1` with an int4 parameter returns a number, not text.
    let typed = inferred.is_none() && declared != 0;
    let value = decode(Slot::Parameter(index), type_oid, typed, binary, value)?;
    let bound = match value {
        Value::Null => prepared.bind_null(index),
        Value::Text(text) => prepared.bind_text(index, &text),
        Value::Blob(bytes) => prepared.bind_blob(index, &bytes),
        Value::Int(v) => prepared.bind_i64(index, v),
        Value::Float(v) => prepared.bind_f64(index, v),
        Value::Bool(v) => prepared.bind_bool(index, v),
        Value::Date(days) => prepared.bind_date(index, days),
        Value::Timestamp { micros, with_zone } => prepared.bind_timestamp(index, micros, with_zone),
    };
    bound.map_err(PgError::from)
}

/// Decode a value of PostgreSQL type `type_oid` from its text or binary form. `typed`: keep
/// numbers, booleans and times typed (where the target's type is not known to DuckDB yet);
/// otherwise they travel as text.
pub fn decode(
    slot: Slot,
    type_oid: u32,
    typed: bool,
    binary: bool,
    value: Option<&[u8]>,
) -> Result<Value, PgError> {
    let Some(bytes) = value else {
        return Ok(Value::Null);
    };
    if !binary {
        let text = utf8(slot, bytes)?;
        let bad = |ty: &str| {
            PgError::new(
                sqlstate::INVALID_TEXT_REPRESENTATION,
                format!("invalid input syntax for type {ty}: \"{text}\""),
            )
        };
        return Ok(match type_oid {
            oid::BYTEA => Value::Blob(decode_bytea_text(slot, text)?),
            array if oid::element_oid(array).is_some() => Value::Text(array_param::from_text(slot, text)?),
            oid::INT2 | oid::INT4 | oid::INT8 if typed => {
                Value::Int(text.trim().parse().map_err(|_| bad("integer"))?)
            }
            oid::FLOAT4 | oid::FLOAT8 if typed => {
                Value::Float(text.trim().parse().map_err(|_| bad("double precision"))?)
            }
            oid::BOOL if typed => Value::Bool(match text.trim().to_ascii_lowercase().as_str() {
                "t" | "true" | "yes" | "on" | "1" | "y" => true,
                "f" | "false" | "no" | "off" | "0" | "n" => false,
                _ => return Err(bad("boolean")),
            }),
            // pgjdbc sends dates with a zone ("2024-02-01 +00"), which PostgreSQL ignores.
            oid::DATE => Value::Text(strip_zone(text).to_string()),
            _ => Value::Text(text.to_string()),
        });
    }
    let date = |days: i32| match days {
        i32::MAX => datetime::DATE_INFINITY,
        i32::MIN => datetime::DATE_NEG_INFINITY,
        d => (d as i64 + PG_EPOCH_DAYS) as i32,
    };
    let timestamp = |micros: i64| match micros {
        i64::MAX => datetime::TIMESTAMP_INFINITY,
        i64::MIN => datetime::TIMESTAMP_NEG_INFINITY,
        m => m.saturating_add(PG_EPOCH_MICROS),
    };
    if typed {
        match type_oid {
            oid::INT2 => return Ok(Value::Int(i16::from_be_bytes(fixed(slot, bytes, "int2")?) as i64)),
            oid::INT4 => return Ok(Value::Int(i32::from_be_bytes(fixed(slot, bytes, "int4")?) as i64)),
            oid::INT8 => return Ok(Value::Int(i64::from_be_bytes(fixed(slot, bytes, "int8")?))),
            oid::FLOAT4 => {
                return Ok(Value::Float(
                    f32::from_be_bytes(fixed(slot, bytes, "float4")?) as f64
                ))
            }
            oid::FLOAT8 => return Ok(Value::Float(f64::from_be_bytes(fixed(slot, bytes, "float8")?))),
            oid::BOOL if bytes.len() == 1 => return Ok(Value::Bool(bytes[0] != 0)),
            _ => {}
        }
    }
    let text: String = match type_oid {
        oid::BYTEA => return Ok(Value::Blob(bytes.to_vec())),
        array if oid::element_oid(array).is_some() => {
            array_param::from_binary(slot, bytes, |element, value| {
                decode(slot, element, false, true, Some(value))
            })?
        }
        oid::TEXT | oid::VARCHAR | oid::JSON | oid::UNKNOWN | 19 | 1042 => utf8(slot, bytes)?.to_string(),
        oid::CHAR => match bytes {
            [0] | [] => String::new(),
            [c] => (*c as char).to_string(),
            _ => return Err(invalid(slot, "char")),
        },
        // An enum's binary form is its label's text (PostgreSQL's enum_send).
        label if oid::is_enum(label) => utf8(slot, bytes)?.to_string(),
        oid::BOOL => match bytes {
            [0] => "false".into(),
            [1] => "true".into(),
            _ => return Err(invalid(slot, "bool")),
        },
        oid::INT2 => i16::from_be_bytes(fixed(slot, bytes, "int2")?).to_string(),
        oid::INT4 => i32::from_be_bytes(fixed(slot, bytes, "int4")?).to_string(),
        oid::INT8 => i64::from_be_bytes(fixed(slot, bytes, "int8")?).to_string(),
        oid::OID => u32::from_be_bytes(fixed(slot, bytes, "oid")?).to_string(),
        oid::FLOAT4 => float_text(f32::from_be_bytes(fixed(slot, bytes, "float4")?) as f64),
        oid::FLOAT8 => float_text(f64::from_be_bytes(fixed(slot, bytes, "float8")?)),
        oid::UUID => {
            let b: [u8; 16] = fixed(slot, bytes, "uuid")?;
            let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
            format!(
                "{}-{}-{}-{}-{}",
                &hex[..8],
                &hex[8..12],
                &hex[12..16],
                &hex[16..20],
                &hex[20..]
            )
        }
        oid::DATE => return Ok(Value::Date(date(i32::from_be_bytes(fixed(slot, bytes, "date")?)))),
        oid::TIMESTAMP | oid::TIMESTAMPTZ => {
            return Ok(Value::Timestamp {
                micros: timestamp(i64::from_be_bytes(fixed(slot, bytes, "timestamp")?)),
                with_zone: type_oid == oid::TIMESTAMPTZ,
            })
        }
        oid::NUMERIC => decode_numeric(bytes).ok_or_else(|| invalid(slot, "numeric"))?,
        oid::TIME => {
            let mut out = BytesMut::new();
            datetime::put_time_of_day(&mut out, i64::from_be_bytes(fixed(slot, bytes, "time")?));
            String::from_utf8_lossy(&out).into_owned()
        }
        oid::TIMETZ => {
            // Microseconds of the day, then the zone as seconds *west* of UTC.
            let b: [u8; 12] = fixed(slot, bytes, "timetz")?;
            let micros = i64::from_be_bytes(b[..8].try_into().unwrap_or_default());
            let west = i32::from_be_bytes(b[8..].try_into().unwrap_or_default());
            let mut out = BytesMut::new();
            datetime::put_time_of_day(&mut out, micros);
            datetime::put_utc_offset(&mut out, -west);
            String::from_utf8_lossy(&out).into_owned()
        }
        oid::VARBIT => {
            // The number of bits, then the bits, most significant first.
            let count = bytes
                .get(..4)
                .map(|n| i32::from_be_bytes([n[0], n[1], n[2], n[3]]));
            let bits = &bytes[4.min(bytes.len())..];
            match count {
                Some(n) if n >= 0 && (n as usize).div_ceil(8) == bits.len() => (0..n as usize)
                    .map(|i| {
                        if bits[i / 8] & (0x80 >> (i % 8)) != 0 {
                            '1'
                        } else {
                            '0'
                        }
                    })
                    .collect(),
                _ => return Err(invalid(slot, "varbit")),
            }
        }
        oid::INTERVAL => {
            let b: [u8; 16] = fixed(slot, bytes, "interval")?;
            let micros = i64::from_be_bytes(b[..8].try_into().unwrap_or_default());
            let days = i32::from_be_bytes(b[8..12].try_into().unwrap_or_default());
            let months = i32::from_be_bytes(b[12..].try_into().unwrap_or_default());
            format!("{months} months {days} days {micros} microseconds")
        }
        other => {
            return Err(PgError::new(
                sqlstate::FEATURE_NOT_SUPPORTED,
                format!("binary format for {slot} of type {other} is not supported yet"),
            ))
        }
    };
    Ok(Value::Text(text))
}

/// A date's text without a trailing UTC offset (` +00`, ` -05:30`).
fn strip_zone(text: &str) -> &str {
    match text.trim().rsplit_once(' ') {
        Some((date, zone))
            if zone.starts_with(['+', '-']) && zone[1..].chars().all(|c| c.is_ascii_digit() || c == ':') =>
        {
            date
        }
        _ => text,
    }
}

/// NUMERIC's binary form (base-10000 digits, weight, sign, display scale) as decimal text.
fn decode_numeric(bytes: &[u8]) -> Option<String> {
    let word = |i: usize| -> Option<i16> { Some(i16::from_be_bytes(bytes.get(i..i + 2)?.try_into().ok()?)) };
    let (ndigits, weight, sign, dscale) = (
        word(0)? as usize,
        word(2)? as i32,
        word(4)? as u16,
        word(6)?.max(0) as usize,
    );
    match sign {
        0xC000 => return Some("NaN".into()),
        0xD000 => return Some("Infinity".into()),
        0xF000 => return Some("-Infinity".into()),
        0x0000 | 0x4000 => {}
        _ => return None,
    }
    let digits: Vec<i16> = (0..ndigits).map(|i| word(8 + 2 * i)).collect::<Option<_>>()?;
    if digits.iter().any(|d| !(0..10000).contains(d)) {
        return None;
    }
    // Integer part: groups with weight >= 0; fraction: the rest, to `dscale` decimal digits.
    let mut int_part = String::new();
    for w in 0..=weight.max(-1) {
        let d = digits.get(w as usize).copied().unwrap_or(0);
        if int_part.is_empty() {
            if d != 0 {
                int_part = d.to_string();
            }
        } else {
            int_part.push_str(&format!("{d:04}"));
        }
    }
    if int_part.is_empty() {
        int_part.push('0');
    }
    let mut frac = String::new();
    let mut g = weight + 1;
    while frac.len() < dscale {
        let d = if g < 0 {
            0
        } else {
            digits.get(g as usize).copied().unwrap_or(0)
        };
        frac.push_str(&format!("{d:04}"));
        g += 1;
    }
    frac.truncate(dscale);
    let sign = if sign == 0x4000 { "-" } else { "" };
    Some(if frac.is_empty() {
        format!("{sign}{int_part}")
    } else {
        format!("{sign}{int_part}.{frac}")
    })
}

/// A float as text DuckDB reads back exactly.
fn float_text(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        }
    } else {
        format!("{v:e}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytea_text_forms() {
        assert_eq!(
            decode_bytea_text(Slot::Parameter(0), "\\x00ff").unwrap(),
            vec![0, 255]
        );
        assert_eq!(
            decode_bytea_text(Slot::Parameter(0), "a\\\\b\\001").unwrap(),
            b"a\\b\x01".to_vec()
        );
        assert!(decode_bytea_text(Slot::Parameter(0), "\\x0").is_err());
    }

    #[test]
    fn numeric_binary_to_text() {
        let enc = |words: &[i16]| words.iter().flat_map(|w| w.to_be_bytes()).collect::<Vec<u8>>();
        assert_eq!(
            decode_numeric(&enc(&[3, 1, 0, 2, 12, 3456, 7800])).unwrap(),
            "123456.78"
        );
        assert_eq!(decode_numeric(&enc(&[1, -1, 0x4000, 3, 50])).unwrap(), "-0.005");
        assert_eq!(decode_numeric(&enc(&[0, 0, 0, 2])).unwrap(), "0.00");
        assert_eq!(decode_numeric(&enc(&[1, 1, 0, 0, 1])).unwrap(), "10000");
        assert_eq!(decode_numeric(&enc(&[2, 0, 0, 3, 123, 4560])).unwrap(), "123.456");
    }

    #[test]
    fn floats_round_trip_as_text() {
        assert_eq!(float_text(0.1).parse::<f64>().unwrap(), 0.1);
        assert_eq!(float_text(f64::NEG_INFINITY), "-Infinity");
    }
}
