//! CommandComplete tags as PostgreSQL writes them.

use crate::db::StatementKind;

/// Words that may stand between CREATE and the kind of object created.
const CREATE_MODIFIERS: &[&str] = &[
    "OR",
    "REPLACE",
    "TEMP",
    "TEMPORARY",
    "UNIQUE",
    "PERSISTENT",
    "GLOBAL",
    "LOCAL",
    "UNLOGGED",
];

/// `CREATE TABLE`, `DROP VIEW`, `ALTER TABLE`, ... from the statement's leading keywords.
fn object_tag(verb: &str, keywords: &[String]) -> String {
    let object = keywords
        .iter()
        .skip(1)
        .find(|w| !CREATE_MODIFIERS.contains(&w.as_str()))
        .map(String::as_str)
        .unwrap_or("");
    match object {
        "" => verb.to_string(),
        "MATERIALIZED" => format!("{verb} MATERIALIZED VIEW"),
        other => format!("{verb} {other}"),
    }
}

/// The tag for a statement DuckDB classified as `kind`, whose text starts with `keywords`
/// (upper-cased), and which returned or changed `rows` rows.
pub fn command_tag(kind: StatementKind, keywords: &[String], rows: u64) -> String {
    let first = keywords.first().map(String::as_str).unwrap_or("");
    use StatementKind as K;
    match kind {
        K::Select => match first {
            "SHOW" => "SHOW".into(),
            _ => format!("SELECT {rows}"),
        },
        K::Insert => format!("INSERT 0 {rows}"),
        K::Update => format!("UPDATE {rows}"),
        K::Delete => format!("DELETE {rows}"),
        K::MergeInto => format!("MERGE {rows}"),
        K::Copy => format!("COPY {rows}"),
        K::Create | K::CreateFunction => {
            // CREATE TABLE ... AS reports the rows it stored, as PostgreSQL's "SELECT n".
            if keywords.iter().any(|w| w == "AS") && keywords.iter().any(|w| w == "TABLE") {
                format!("SELECT {rows}")
            } else {
                object_tag("CREATE", keywords)
            }
        }
        K::Drop => object_tag("DROP", keywords),
        K::Alter => object_tag("ALTER", keywords),
        K::Transaction => match first {
            "BEGIN" => "BEGIN".into(),
            "START" => "START TRANSACTION".into(),
            "COMMIT" | "END" => "COMMIT".into(),
            "ROLLBACK" | "ABORT" => "ROLLBACK".into(),
            other => other.to_string(),
        },
        K::Set | K::VariableSet => match first {
            "RESET" => "RESET".into(),
            _ => "SET".into(),
        },
        K::Explain => "EXPLAIN".into(),
        K::Prepare => "PREPARE".into(),
        K::Execute => format!("SELECT {rows}"),
        K::Call => "CALL".into(),
        K::Pragma => "PRAGMA".into(),
        K::Attach => "ATTACH".into(),
        K::Detach => "DETACH".into(),
        K::Load => "LOAD".into(),
        K::Vacuum => "VACUUM".into(),
        K::Analyze => "ANALYZE".into(),
        K::Export => "EXPORT".into(),
        K::CopyDatabase => "COPY".into(),
        _ => first.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kw(s: &str) -> Vec<String> {
        crate::sql_text::leading_keywords(s, 8)
    }

    #[test]
    fn tags() {
        assert_eq!(command_tag(StatementKind::Select, &kw("select 1"), 1), "SELECT 1");
        assert_eq!(
            command_tag(StatementKind::Insert, &kw("insert into t values (1)"), 3),
            "INSERT 0 3"
        );
        assert_eq!(
            command_tag(
                StatementKind::Create,
                &kw("create or replace temp table t (x int)"),
                0
            ),
            "CREATE TABLE"
        );
        assert_eq!(
            command_tag(StatementKind::Create, &kw("create table t as select 1"), 1),
            "SELECT 1"
        );
        assert_eq!(
            command_tag(StatementKind::Drop, &kw("drop view v"), 0),
            "DROP VIEW"
        );
        assert_eq!(
            command_tag(StatementKind::Transaction, &kw("start transaction"), 0),
            "START TRANSACTION"
        );
        assert_eq!(command_tag(StatementKind::Transaction, &kw("end"), 0), "COMMIT");
    }
}
