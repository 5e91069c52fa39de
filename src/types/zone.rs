//! The session's TimeZone: the UTC offset timestamptz values are shown with, as PostgreSQL
//! shows them in the session's zone. (DuckDB's own TimeZone setting, kept equal, governs casts.)

use jiff::tz::{Offset, TimeZone};

#[derive(Debug, Clone)]
pub struct SessionZone {
    /// As the client named it (what SHOW TimeZone answers).
    name: String,
    /// The same zone as DuckDB's `SET TimeZone` takes it.
    duckdb_name: String,
    tz: TimeZone,
}

impl Default for SessionZone {
    fn default() -> Self {
        SessionZone {
            name: "UTC".into(),
            duckdb_name: "UTC".into(),
            tz: TimeZone::UTC,
        }
    }
}

impl SessionZone {
    /// A zone from `SET TimeZone`: an IANA name (`Europe/Berlin`), `UTC`/`GMT`/`Z`, or whole
    /// hours east of UTC (`SET TIME ZONE -7`, as PostgreSQL reads a number).
    pub fn parse(value: &str) -> Option<SessionZone> {
        let value = value.trim();
        if matches!(
            value.to_ascii_uppercase().as_str(),
            "UTC" | "GMT" | "Z" | "ETC/UTC" | "UCT" | "ZULU"
        ) {
            return Some(SessionZone {
                name: value.into(),
                ..Default::default()
            });
        }
        if let Ok(hours) = value.parse::<i8>() {
            if !(-15..=15).contains(&hours) {
                return None;
            }
            // IANA's Etc/GMT zones count the other way round: Etc/GMT+7 is seven hours west.
            let duckdb_name = match hours {
                0 => "UTC".to_string(),
                h => format!("Etc/GMT{:+}", -h),
            };
            let tz = TimeZone::fixed(Offset::from_hours(hours).ok()?);
            return Some(SessionZone {
                name: value.into(),
                duckdb_name,
                tz,
            });
        }
        // Names only: the database lookup must not read a path the client chose.
        if value.is_empty() || value.contains("..") || value.starts_with('/') {
            return None;
        }
        let tz = TimeZone::get(value).ok()?;
        Some(SessionZone {
            name: value.into(),
            duckdb_name: value.into(),
            tz,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn duckdb_name(&self) -> &str {
        &self.duckdb_name
    }

    /// The offset east of UTC, in seconds, at the instant `micros` after 1970-01-01 UTC.
    pub fn offset_at(&self, micros: i64) -> i32 {
        if self.duckdb_name == "UTC" {
            return 0;
        }
        match jiff::Timestamp::from_microsecond(micros) {
            Ok(at) => self.tz.to_offset(at).seconds(),
            Err(_) => 0,
        }
    }
}

/// How values are written in text: the session's choices that PostgreSQL's output follows.
#[derive(Debug, Clone)]
pub struct TextStyle {
    pub zone: SessionZone,
    /// `extra_float_digits`: above 0, floats are the shortest exact text; otherwise
    /// 15 (6 for float4) plus this many significant digits.
    pub extra_float_digits: i32,
}

impl Default for TextStyle {
    fn default() -> Self {
        TextStyle {
            zone: SessionZone::default(),
            extra_float_digits: 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones() {
        let berlin = SessionZone::parse("Europe/Berlin").unwrap();
        // 2024-06-01 12:00 UTC is summer time; 2024-01-01 is not.
        assert_eq!(berlin.offset_at(1_717_243_200_000_000), 7200);
        assert_eq!(berlin.offset_at(1_704_067_200_000_000), 3600);
        let west = SessionZone::parse("-7").unwrap();
        assert_eq!((west.offset_at(0), west.duckdb_name()), (-7 * 3600, "Etc/GMT+7"));
        assert!(SessionZone::parse("Mars/Olympus").is_none());
        assert!(SessionZone::parse("../../etc/passwd").is_none());
        assert_eq!(SessionZone::parse("utc").unwrap().offset_at(0), 0);
    }
}
