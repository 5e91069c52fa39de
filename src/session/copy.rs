//! `COPY table | (query) TO STDOUT`: rows go out as CopyData in PostgreSQL's text, CSV or
//! binary COPY format, encoded by the same encoders as query results.
//!
//! COPY to or from a file stays DuckDB's own statement. `COPY ... FROM STDIN` is parsed here
//! and loaded by `copy_in`.

use bytes::{BufMut, BytesMut};

use crate::error::{sqlstate, PgError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CopyFormat {
    Text,
    Csv,
    Binary,
}

/// A parsed `COPY ... TO STDOUT` or `COPY ... FROM STDIN`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyOut {
    /// The query whose rows are copied out.
    pub query: String,
    /// The table, as written (possibly qualified and quoted), when the source is a table.
    pub table: Option<String>,
    /// The column list after the table (empty: all columns), unquoted.
    pub columns: Vec<String>,
    pub format: CopyFormat,
    pub delimiter: u8,
    pub null: String,
    pub header: bool,
    pub quote: u8,
}

/// What kind of COPY a statement is, as far as the protocol is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Copy {
    Out(CopyOut),
    /// COPY table FROM STDIN.
    In(CopyOut),
}

fn syntax(message: impl Into<String>) -> PgError {
    PgError::new(sqlstate::SYNTAX_ERROR, message)
}

/// Skip a quoted run starting at `i` (the quote); returns the index after it.
fn skip_quoted(b: &[u8], mut i: usize) -> usize {
    let q = b[i];
    i += 1;
    while i < b.len() {
        if b[i] == q {
            if b.get(i + 1) == Some(&q) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    i
}

/// The text up to the parenthesis matching the one at `open`.
fn parenthesized(sql: &str, open: usize) -> Option<(&str, usize)> {
    let b = sql.as_bytes();
    let mut depth = 0;
    let mut i = open;
    while i < b.len() {
        match b[i] {
            b'\'' | b'"' => {
                i = skip_quoted(b, i);
                continue;
            }
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return Some((&sql[open + 1..i], i + 1));
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Words and quoted strings of the option list, upper-cased words, strings unquoted.
fn option_tokens(text: &str) -> Vec<(bool, String)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            c if c.is_ascii_whitespace() || c == b',' || c == b'(' || c == b')' || c == b';' => i += 1,
            b'\'' | b'"' => {
                let end = skip_quoted(b, i);
                let q = b[i] as char;
                let inner = &text[i + 1..end.saturating_sub(1).max(i + 1)];
                out.push((true, inner.replace(&format!("{q}{q}"), &q.to_string())));
                i = end;
            }
            _ => {
                let start = i;
                while i < b.len()
                    && !b[i].is_ascii_whitespace()
                    && !matches!(b[i], b',' | b'(' | b')' | b';' | b'\'')
                {
                    i += 1;
                }
                out.push((false, text[start..i].to_ascii_uppercase()));
            }
        }
    }
    out
}

/// A column list's names, unquoted (`a, "B c"` → `a`, `B c`).
fn option_tokens_raw(list: &str) -> Vec<String> {
    list.split(',')
        .map(|c| {
            let c = c.trim();
            match c.strip_prefix('"').and_then(|c| c.strip_suffix('"')) {
                Some(quoted) => quoted.replace("\"\"", "\""),
                None => c.to_ascii_lowercase(),
            }
        })
        .filter(|c| !c.is_empty())
        .collect()
}

/// Split a table name as written into (schema, table), unquoted.
pub fn split_table(name: &str) -> (Option<String>, String) {
    let mut parts = Vec::new();
    let b = name.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'"' {
            i = skip_quoted(b, i);
            continue;
        }
        if b[i] == b'.' {
            parts.push(&name[start..i]);
            start = i + 1;
        }
        i += 1;
    }
    parts.push(&name[start..]);
    let unquote = |p: &str| match p.strip_prefix('"').and_then(|p| p.strip_suffix('"')) {
        Some(q) => q.replace("\"\"", "\""),
        None => p.to_string(),
    };
    let table = unquote(parts.pop().unwrap_or_default());
    (parts.pop().map(unquote), table)
}

fn single_byte(name: &str, value: &str) -> Result<u8, PgError> {
    match value.as_bytes() {
        [b] if b.is_ascii() => Ok(*b),
        _ => Err(PgError::new(
            sqlstate::FEATURE_NOT_SUPPORTED,
            format!("COPY {name} must be a single one-byte character"),
        )),
    }
}

/// Recognize `COPY ... TO STDOUT` / `COPY ... FROM STDIN`; `None` for any other statement
/// (including DuckDB's COPY to and from files).
pub fn parse(sql: &str) -> Result<Option<Copy>, PgError> {
    let trimmed = sql.trim_start();
    if trimmed.len() < 5
        || !trimmed[..4].eq_ignore_ascii_case("copy")
        || !trimmed.as_bytes()[4].is_ascii_whitespace()
    {
        return Ok(None);
    }
    let rest = trimmed[4..].trim_start();
    let offset = trimmed.len() - rest.len();
    let mut source_table = None;
    let mut column_list = Vec::new();
    let (query, after) = if rest.starts_with('(') {
        let (inner, end) = parenthesized(trimmed, offset).ok_or_else(|| syntax("unterminated COPY query"))?;
        (inner.trim().to_string(), &trimmed[end..])
    } else {
        // A table name, possibly qualified and quoted, then an optional column list.
        let b = rest.as_bytes();
        let mut i = 0;
        while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'(' {
            i = if b[i] == b'"' { skip_quoted(b, i) } else { i + 1 };
        }
        let table = &rest[..i];
        let mut tail = rest[i..].trim_start();
        let mut columns = "*".to_string();
        if tail.starts_with('(') {
            let (list, end) =
                parenthesized(tail, 0).ok_or_else(|| syntax("unterminated COPY column list"))?;
            columns = list.trim().to_string();
            column_list = option_tokens_raw(list);
            tail = &tail[end..];
        }
        source_table = Some(table.to_string());
        (format!("SELECT {columns} FROM {table}"), tail)
    };
    let words = option_tokens(after);
    let word = |i: usize| {
        words
            .get(i)
            .filter(|(quoted, _)| !quoted)
            .map(|(_, w)| w.as_str())
    };
    let incoming = match (word(0), word(1)) {
        (Some("TO"), Some("STDOUT")) => false,
        (Some("FROM"), Some("STDIN")) => true,
        _ => return Ok(None),
    };
    if incoming && source_table.is_none() {
        return Err(syntax("COPY FROM STDIN needs a table, not a query"));
    }
    let mut copy = CopyOut {
        query,
        table: source_table,
        columns: column_list,
        format: CopyFormat::Text,
        delimiter: b'\t',
        null: "\\N".into(),
        header: false,
        quote: b'"',
    };
    let mut delimiter = None;
    let mut null = None;
    let mut i = 2;
    let value = |i: usize| words.get(i).map(|(_, v)| v.clone());
    while i < words.len() {
        let (quoted, w) = &words[i];
        if *quoted {
            return Err(syntax(format!("unexpected '{w}' in COPY options")));
        }
        match w.as_str() {
            "WITH" | "AS" => {}
            "FORMAT" => {
                i += 1;
                copy.format = match value(i).map(|v| v.to_ascii_lowercase()).as_deref() {
                    Some("text") => CopyFormat::Text,
                    Some("csv") => CopyFormat::Csv,
                    Some("binary") => CopyFormat::Binary,
                    other => {
                        return Err(syntax(format!(
                            "COPY format \"{}\" not recognized",
                            other.unwrap_or("")
                        )))
                    }
                };
            }
            "CSV" => copy.format = CopyFormat::Csv,
            "BINARY" => copy.format = CopyFormat::Binary,
            "HEADER" => {
                copy.header = true;
                if matches!(word(i + 1), Some("TRUE" | "ON" | "1")) {
                    i += 1;
                } else if matches!(word(i + 1), Some("FALSE" | "OFF" | "0")) {
                    copy.header = false;
                    i += 1;
                }
            }
            "DELIMITER" | "NULL" | "QUOTE" | "ESCAPE" | "ENCODING" => {
                i += 1;
                if word(i) == Some("AS") {
                    i += 1;
                }
                let v = value(i).ok_or_else(|| syntax(format!("COPY {w} needs a value")))?;
                match w.as_str() {
                    "DELIMITER" => delimiter = Some(single_byte("delimiter", &v)?),
                    "NULL" => null = Some(v),
                    "QUOTE" => copy.quote = single_byte("quote", &v)?,
                    "ESCAPE" if v != "\"" && v != "\\" => {
                        return Err(PgError::new(
                            sqlstate::FEATURE_NOT_SUPPORTED,
                            "COPY ESCAPE other than the quote is not supported",
                        ))
                    }
                    "ENCODING" if !v.eq_ignore_ascii_case("utf8") && !v.eq_ignore_ascii_case("utf-8") => {
                        return Err(PgError::new(
                            sqlstate::FEATURE_NOT_SUPPORTED,
                            "COPY supports only UTF8",
                        ))
                    }
                    _ => {}
                }
            }
            other => {
                return Err(syntax(format!(
                    "option \"{}\" not recognized",
                    other.to_ascii_lowercase()
                )))
            }
        }
        i += 1;
    }
    if copy.format == CopyFormat::Csv {
        copy.delimiter = delimiter.unwrap_or(b',');
        copy.null = null.unwrap_or_default();
    } else {
        copy.delimiter = delimiter.unwrap_or(b'\t');
        copy.null = null.unwrap_or_else(|| "\\N".into());
    }
    if copy.header && copy.format != CopyFormat::Csv {
        return Err(PgError::new(
            sqlstate::FEATURE_NOT_SUPPORTED,
            "COPY HEADER available only in CSV mode",
        ));
    }
    Ok(Some(if incoming { Copy::In(copy) } else { Copy::Out(copy) }))
}

impl CopyOut {
    /// Can values made of letters, digits, spaces and `. : + -` go into a line as they are?
    pub fn plain_text_is_safe(&self) -> bool {
        self.format != CopyFormat::Binary
            && matches!(self.delimiter, b'\t' | b',' | b'|' | b';')
            && (self.null == "\\N" || self.null.is_empty())
    }

    /// Append one field (already in PostgreSQL text form) to a text/CSV line.
    pub fn put_field(&self, line: &mut BytesMut, value: Option<&[u8]>) {
        let Some(value) = value else {
            line.put_slice(self.null.as_bytes());
            return;
        };
        match self.format {
            CopyFormat::Csv => {
                let needs_quotes = value == self.null.as_bytes()
                    || value.is_empty() && self.null.is_empty()
                    || value
                        .iter()
                        .any(|&c| c == self.delimiter || c == self.quote || c == b'\n' || c == b'\r');
                if !needs_quotes {
                    line.put_slice(value);
                    return;
                }
                line.put_u8(self.quote);
                for &c in value {
                    if c == self.quote {
                        line.put_u8(self.quote);
                    }
                    line.put_u8(c);
                }
                line.put_u8(self.quote);
            }
            _ => {
                let delimiter = self.delimiter;
                // Most values need no escape: one pass without branches tells.
                let needs_escape = value.iter().fold(false, |any, &c| {
                    any | (c < 0x20) | (c == b'\\') | (c == delimiter)
                });
                if !needs_escape {
                    line.put_slice(value);
                    return;
                }
                // Runs that need no escape are copied whole.
                let mut start = 0;
                for (i, &c) in value.iter().enumerate() {
                    let pair = [b'\\', c];
                    let escaped: &[u8] = match c {
                        b'\\' => b"\\\\",
                        // PostgreSQL escapes these control characters; others go as they are.
                        b'\x08' => b"\\b",
                        b'\x0c' => b"\\f",
                        b'\n' => b"\\n",
                        b'\r' => b"\\r",
                        b'\t' => b"\\t",
                        b'\x0b' => b"\\v",
                        c if c == delimiter => &pair,
                        _ => continue,
                    };
                    line.put_slice(&value[start..i]);
                    line.put_slice(escaped);
                    start = i + 1;
                }
                line.put_slice(&value[start..]);
            }
        }
    }

    /// The CSV header line.
    pub fn header_line(&self, names: &[String]) -> BytesMut {
        let mut line = BytesMut::new();
        for (i, name) in names.iter().enumerate() {
            if i > 0 {
                line.put_u8(self.delimiter);
            }
            self.put_field(&mut line, Some(name.as_bytes()));
        }
        line.put_u8(b'\n');
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn out(sql: &str) -> CopyOut {
        match parse(sql).unwrap() {
            Some(Copy::Out(c)) => c,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn parses_the_forms_clients_send() {
        let c = out("COPY items TO STDOUT");
        assert_eq!(
            (c.query.as_str(), c.format, c.delimiter),
            ("SELECT * FROM items", CopyFormat::Text, b'\t')
        );
        let c = out("copy (select 1, ';') to stdout with (format csv, header true, delimiter ';')");
        assert_eq!(
            (c.query.as_str(), c.format, c.delimiter, c.header),
            ("select 1, ';'", CopyFormat::Csv, b';', true)
        );
        let c = out("COPY public.\"My T\" (a, b) TO STDOUT WITH CSV HEADER NULL 'x'");
        assert_eq!(
            (c.query.as_str(), c.null.as_str(), c.header),
            ("SELECT a, b FROM public.\"My T\"", "x", true)
        );
        assert_eq!(out("COPY t TO STDOUT (FORMAT binary)").format, CopyFormat::Binary);
        assert!(
            matches!(parse("COPY t FROM STDIN").unwrap(), Some(Copy::In(c)) if c.table.as_deref() == Some("t"))
        );
        assert_eq!(
            split_table("s.\"My T\""),
            (Some("s".to_string()), "My T".to_string())
        );
        assert_eq!(parse("COPY t TO 'file.csv'").unwrap(), None);
        assert_eq!(parse("SELECT 1").unwrap(), None);
        assert!(parse("COPY t TO STDOUT (FORMAT xml)").is_err());
    }

    #[test]
    fn text_and_csv_escaping() {
        let text = out("COPY t TO STDOUT");
        let mut line = BytesMut::new();
        text.put_field(&mut line, Some(b"a\tb\\c\nd"));
        assert_eq!(&line[..], b"a\\tb\\\\c\\nd");
        let mut line = BytesMut::new();
        text.put_field(&mut line, Some(b"plain text"));
        text.put_field(&mut line, Some(b"\x08\x0b\x0c\r\x01"));
        assert_eq!(&line[..], b"plain text\\b\\v\\f\\r\x01");
        let piped = out("COPY t TO STDOUT (DELIMITER '|')");
        let mut line = BytesMut::new();
        piped.put_field(&mut line, Some(b"a|b\tc"));
        assert_eq!(&line[..], b"a\\|b\\tc");
        let csv = out("COPY t TO STDOUT (FORMAT csv)");
        let mut line = BytesMut::new();
        csv.put_field(&mut line, Some(b"say \"hi\", ok"));
        csv.put_field(&mut line, Some(b""));
        csv.put_field(&mut line, None);
        assert_eq!(&line[..], b"\"say \"\"hi\"\", ok\"\"\"");
    }
}
