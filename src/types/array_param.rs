//! Array parameters. PostgreSQL clients send arrays as `{1,2,NULL}` text or in the binary
//! array format; DuckDB casts lists from its own text form, `["1", "2", NULL]`. Both arrive
//! here and leave as that text, which DuckDB then casts to the parameter's list type.

use bytes::BytesMut;

use super::params::{Slot, Value};
use super::{datetime, text};
use crate::error::{sqlstate, PgError};

fn malformed(slot: Slot, text: &str) -> PgError {
    PgError::new(
        sqlstate::INVALID_TEXT_REPRESENTATION,
        format!("malformed array literal in {slot}: \"{text}\""),
    )
}

/// One element of DuckDB's list text: quoted, with `"` and `\` escaped.
fn put_element(out: &mut String, element: Option<&str>) {
    let Some(element) = element else {
        return out.push_str("NULL");
    };
    out.push('"');
    for c in element.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
}

/// PostgreSQL's array text (`{a,"b c",NULL,{1,2}}`, optionally after `[1:2]=`) as DuckDB list
/// text.
pub fn from_text(slot: Slot, literal: &str) -> Result<String, PgError> {
    let body = match literal.trim_start().strip_prefix('[') {
        // Explicit bounds: `[1:3]={...}`; DuckDB lists start at 1 anyway.
        Some(_) => literal
            .split_once('=')
            .map(|(_, b)| b)
            .ok_or_else(|| malformed(slot, literal))?,
        None => literal,
    };
    let chars: Vec<char> = body.trim().chars().collect();
    let mut out = String::with_capacity(body.len() + 8);
    let mut i = 0;
    parse_level(&chars, &mut i, &mut out).ok_or_else(|| malformed(slot, literal))?;
    if i != chars.len() {
        return Err(malformed(slot, literal));
    }
    Ok(out)
}

/// Parse `{...}` at `chars[*i]` into `out`; `None` if malformed.
fn parse_level(chars: &[char], i: &mut usize, out: &mut String) -> Option<()> {
    if chars.get(*i) != Some(&'{') {
        return None;
    }
    *i += 1;
    out.push('[');
    let skip_space = |i: &mut usize| {
        while chars.get(*i).is_some_and(|c| c.is_whitespace()) {
            *i += 1;
        }
    };
    skip_space(i);
    if chars.get(*i) == Some(&'}') {
        *i += 1;
        out.push(']');
        return Some(());
    }
    let mut first = true;
    loop {
        skip_space(i);
        if !first {
            out.push_str(", ");
        }
        first = false;
        match chars.get(*i)? {
            '{' => parse_level(chars, i, out)?,
            '"' => {
                *i += 1;
                let mut element = String::new();
                loop {
                    match chars.get(*i)? {
                        '\\' => {
                            element.push(*chars.get(*i + 1)?);
                            *i += 2;
                        }
                        '"' => {
                            *i += 1;
                            break;
                        }
                        c => {
                            element.push(*c);
                            *i += 1;
                        }
                    }
                }
                put_element(out, Some(&element));
            }
            _ => {
                let mut element = String::new();
                while let Some(&c) = chars.get(*i) {
                    if c == ',' || c == '}' {
                        break;
                    }
                    if c == '\\' {
                        element.push(*chars.get(*i + 1)?);
                        *i += 2;
                        continue;
                    }
                    element.push(c);
                    *i += 1;
                }
                let element = element.trim_end();
                if element.is_empty() {
                    return None;
                }
                put_element(out, (!element.eq_ignore_ascii_case("NULL")).then_some(element));
            }
        }
        skip_space(i);
        match chars.get(*i)? {
            ',' => *i += 1,
            '}' => {
                *i += 1;
                out.push(']');
                return Some(());
            }
            _ => return None,
        }
    }
}

/// PostgreSQL's binary array (dimensions, then each element as length and binary value) as
/// DuckDB list text; `element` decodes one element of the array's element type.
pub fn from_binary(
    slot: Slot,
    bytes: &[u8],
    element: impl Fn(u32, &[u8]) -> Result<Value, PgError>,
) -> Result<String, PgError> {
    let bad = || PgError::new("22P03", format!("invalid binary array in {slot}"));
    let mut at = 0usize;
    let int = |at: &mut usize| -> Result<i32, PgError> {
        let v = bytes.get(*at..*at + 4).ok_or_else(bad)?;
        *at += 4;
        Ok(i32::from_be_bytes([v[0], v[1], v[2], v[3]]))
    };
    let dims = int(&mut at)?;
    let _has_nulls = int(&mut at)?;
    let element_oid = int(&mut at)? as u32;
    if !(0..=6).contains(&dims) {
        return Err(bad());
    }
    let mut lengths = Vec::with_capacity(dims as usize);
    for _ in 0..dims {
        let length = int(&mut at)?;
        let _lower_bound = int(&mut at)?;
        if length < 0 {
            return Err(bad());
        }
        lengths.push(length as usize);
    }
    let mut out = String::new();
    if lengths.is_empty() {
        out.push_str("[]");
        return Ok(out);
    }
    write_dimension(&lengths, &mut at, bytes, element_oid, &element, &mut out, slot)?;
    if at != bytes.len() {
        return Err(bad());
    }
    Ok(out)
}

fn write_dimension(
    lengths: &[usize],
    at: &mut usize,
    bytes: &[u8],
    element_oid: u32,
    element: &impl Fn(u32, &[u8]) -> Result<Value, PgError>,
    out: &mut String,
    slot: Slot,
) -> Result<(), PgError> {
    let bad = || PgError::new("22P03", format!("invalid binary array in {slot}"));
    out.push('[');
    for n in 0..lengths[0] {
        if n > 0 {
            out.push_str(", ");
        }
        if lengths.len() > 1 {
            write_dimension(&lengths[1..], at, bytes, element_oid, element, out, slot)?;
            continue;
        }
        let len = bytes.get(*at..*at + 4).ok_or_else(bad)?;
        let len = i32::from_be_bytes([len[0], len[1], len[2], len[3]]);
        *at += 4;
        if len < 0 {
            put_element(out, None);
            continue;
        }
        let value = bytes.get(*at..*at + len as usize).ok_or_else(bad)?;
        *at += len as usize;
        put_element(out, Some(&value_text(element(element_oid, value)?)));
    }
    out.push(']');
    Ok(())
}

/// A decoded element as the text DuckDB casts from.
fn value_text(value: Value) -> String {
    let mut buf = BytesMut::new();
    match value {
        Value::Null => return "NULL".into(),
        Value::Text(s) => return s,
        Value::Int(v) => return v.to_string(),
        Value::Float(v) => text::put_float(&mut buf, v, false, 1),
        Value::Bool(v) => return v.to_string(),
        Value::Blob(bytes) => {
            // DuckDB's BLOB text: printable ASCII as is, other bytes as \xHH.
            let mut s = String::new();
            for b in bytes {
                if b.is_ascii_graphic() && b != b'\\' && b != b'"' && b != b'\'' {
                    s.push(b as char);
                } else {
                    s.push_str(&format!("\\x{b:02X}"));
                }
            }
            return s;
        }
        Value::Date(days) => datetime::put_date(&mut buf, days),
        Value::Timestamp { micros, with_zone } => {
            datetime::put_timestamp(&mut buf, micros, with_zone.then_some(0))
        }
    }
    String::from_utf8_lossy(&buf).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_arrays() {
        let t = |s: &str| from_text(Slot::Parameter(0), s).unwrap();
        assert_eq!(t("{1,2,NULL}"), r#"["1", "2", NULL]"#);
        assert_eq!(
            t(r#"{a,"b c","NULL","x\"y\\z", spaced out }"#),
            r#"["a", "b c", "NULL", "x\"y\\z", "spaced out"]"#
        );
        assert_eq!(t("{{1,2},{3,4}}"), r#"[["1", "2"], ["3", "4"]]"#);
        assert_eq!(t("{}"), "[]");
        assert_eq!(t("[0:1]={5,6}"), r#"["5", "6"]"#);
        assert!(from_text(Slot::Parameter(0), "{1,2").is_err());
        assert!(from_text(Slot::Parameter(0), "1,2}").is_err());
    }

    #[test]
    fn binary_arrays() {
        let mut b = Vec::new();
        for v in [1i32, 0, 23, 2, 1] {
            b.extend_from_slice(&v.to_be_bytes());
        }
        b.extend_from_slice(&4i32.to_be_bytes());
        b.extend_from_slice(&7i32.to_be_bytes());
        b.extend_from_slice(&(-1i32).to_be_bytes());
        let decoded = from_binary(Slot::Parameter(0), &b, |_, v| {
            Ok(Value::Int(i32::from_be_bytes(v.try_into().unwrap()) as i64))
        });
        assert_eq!(decoded.unwrap(), r#"["7", NULL]"#);
    }
}
