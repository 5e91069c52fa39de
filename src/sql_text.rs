//! Lexical helpers over query text: statement boundaries and leading keywords.
//!
//! DuckDB's parser decides what a statement is and does; this only recovers what the C API does
//! not return: the text of each statement (for `pgwire_sessions()` and logs) and its leading
//! keywords (for PostgreSQL's command tags and transaction-control semantics). It understands
//! quotes, dollar quotes and comments so that a `;` inside them never splits.

/// Split a query into statements, dropping empty ones (only whitespace, comments or `;`).
pub fn split_statements(sql: &str) -> Vec<&str> {
    let bytes = sql.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    let mut has_token = false;
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b';' => {
                if has_token {
                    out.push(sql[start..i].trim());
                }
                start = i + 1;
                has_token = false;
                i += 1;
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                i = skip_line_comment(bytes, i);
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = skip_block_comment(bytes, i);
            }
            b'\'' => {
                let escapes =
                    i > 0 && matches!(bytes[i - 1], b'e' | b'E') && !is_ident_byte_before(bytes, i - 1);
                i = skip_quoted(bytes, i, b'\'', escapes);
                has_token = true;
            }
            b'"' => {
                i = skip_quoted(bytes, i, b'"', false);
                has_token = true;
            }
            b'$' => {
                i = skip_dollar_quoted(bytes, i);
                has_token = true;
            }
            c if c.is_ascii_whitespace() => i += 1,
            _ => {
                has_token = true;
                i += 1;
            }
        }
    }
    if has_token {
        out.push(sql[start..].trim());
    }
    out
}

fn is_ident_byte_before(bytes: &[u8], i: usize) -> bool {
    i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_')
}

fn skip_line_comment(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && bytes[i] != b'\n' {
        i += 1;
    }
    i
}

fn skip_block_comment(bytes: &[u8], mut i: usize) -> usize {
    // PostgreSQL block comments nest.
    let mut depth = 0;
    while i < bytes.len() {
        if bytes[i] == b'/' && bytes.get(i + 1) == Some(&b'*') {
            depth += 1;
            i += 2;
        } else if bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/') {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    i
}

fn skip_quoted(bytes: &[u8], mut i: usize, quote: u8, backslash_escapes: bool) -> usize {
    i += 1;
    while i < bytes.len() {
        let c = bytes[i];
        if backslash_escapes && c == b'\\' {
            i += 2;
            continue;
        }
        if c == quote {
            if bytes.get(i + 1) == Some(&quote) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    i
}

/// `$tag$ ... $tag$`; a `$` that does not open a dollar quote (e.g. `$1`) is a plain byte.
fn skip_dollar_quoted(bytes: &[u8], i: usize) -> usize {
    if is_ident_byte_before(bytes, i) {
        return i + 1;
    }
    let mut j = i + 1;
    while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_') {
        j += 1;
    }
    if j >= bytes.len() || bytes[j] != b'$' || bytes.get(i + 1).is_some_and(u8::is_ascii_digit) {
        return i + 1;
    }
    let tag = &bytes[i..=j];
    let mut k = j + 1;
    while k + tag.len() <= bytes.len() {
        if &bytes[k..k + tag.len()] == tag {
            return k + tag.len();
        }
        k += 1;
    }
    bytes.len()
}

/// The first `n` words of a statement, upper-cased, skipping comments.
pub fn leading_keywords(sql: &str, n: usize) -> Vec<String> {
    keyword_spans(sql, n)
        .into_iter()
        .map(|(start, end)| sql[start..end].to_ascii_uppercase())
        .collect()
}

/// Where the first `n` words of a statement are (byte ranges), skipping comments.
pub fn keyword_spans(sql: &str, n: usize) -> Vec<(usize, usize)> {
    let bytes = sql.as_bytes();
    let mut words = Vec::new();
    let mut i = 0;
    while i < bytes.len() && words.len() < n {
        let c = bytes[i];
        if c == b'-' && bytes.get(i + 1) == Some(&b'-') {
            i = skip_line_comment(bytes, i);
        } else if c == b'/' && bytes.get(i + 1) == Some(&b'*') {
            i = skip_block_comment(bytes, i);
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            words.push((start, i));
        } else if c.is_ascii_whitespace() || c == b'(' {
            i += 1;
        } else {
            break;
        }
    }
    words
}

/// Is there a word (an identifier, unquoted or in double quotes) for which `word` holds, or a
/// string literal for which `literal` holds, outside comments? A lexical look only: used to
/// skip parsing statements that cannot need it.
pub fn any_word_or_literal(sql: &str, word: impl Fn(&str) -> bool, literal: impl Fn(&str) -> bool) -> bool {
    let bytes = sql.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'-' if bytes.get(i + 1) == Some(&b'-') => i = skip_line_comment(bytes, i),
            b'/' if bytes.get(i + 1) == Some(&b'*') => i = skip_block_comment(bytes, i),
            b'\'' => {
                let escapes =
                    i > 0 && matches!(bytes[i - 1], b'e' | b'E') && !is_ident_byte_before(bytes, i - 1);
                let end = skip_quoted(bytes, i, b'\'', escapes);
                if literal(&sql[i + 1..end.saturating_sub(1).max(i + 1)]) {
                    return true;
                }
                i = end;
            }
            b'"' => {
                let end = skip_quoted(bytes, i, b'"', false);
                if word(&sql[i + 1..end.saturating_sub(1).max(i + 1)]) {
                    return true;
                }
                i = end;
            }
            b'$' => i = skip_dollar_quoted(bytes, i),
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let start = i;
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] == b'$')
                {
                    i += 1;
                }
                if word(&sql[start..i]) {
                    return true;
                }
            }
            _ => i += 1,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_on_semicolons_outside_quotes_and_comments() {
        let q = "select 'a;b'; select \"x;y\" from t -- c;\n; /* ; /* ; */ */ select $$;$$ ; ;";
        assert_eq!(
            split_statements(q),
            vec![
                "select 'a;b'",
                "select \"x;y\" from t -- c;",
                "/* ; /* ; */ */ select $$;$$"
            ]
        );
    }

    #[test]
    fn empty_queries() {
        assert!(split_statements("").is_empty());
        assert!(split_statements(" ; ;\n").is_empty());
        assert!(split_statements("-- only a comment").is_empty());
    }

    #[test]
    fn escape_strings_and_parameters() {
        assert_eq!(
            split_statements(r"select E'\';x'; select $1"),
            vec![r"select E'\';x'", "select $1"]
        );
        assert_eq!(split_statements("select 'it''s;'"), vec!["select 'it''s;'"]);
    }

    #[test]
    fn words_and_literals_outside_comments() {
        let pg = |w: &str| w.eq_ignore_ascii_case("pg_class");
        let brace = |l: &str| l.starts_with('{');
        assert!(any_word_or_literal("select * from PG_CLASS", pg, brace));
        assert!(any_word_or_literal("select * from \"pg_class\"", pg, brace));
        assert!(!any_word_or_literal("select 'pg_class' -- pg_class", pg, brace));
        assert!(any_word_or_literal("select '{1}'::int[]", pg, brace));
        assert!(!any_word_or_literal("select 'x{'", pg, brace));
    }

    #[test]
    fn keywords() {
        assert_eq!(
            leading_keywords("/* x */ create or replace temp table t", 5),
            vec!["CREATE", "OR", "REPLACE", "TEMP", "TABLE"]
        );
        assert_eq!(leading_keywords("  begin;", 2), vec!["BEGIN"]);
    }
}
