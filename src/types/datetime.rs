//! Calendar arithmetic and PostgreSQL's text forms of dates, times and intervals.
//!
//! DuckDB counts days and microseconds from 1970-01-01; PostgreSQL writes the proleptic Gregorian
//! calendar with "BC" for years before 1 and `infinity`/`-infinity` for the infinite values.

use bytes::{BufMut, BytesMut};

pub const MICROS_PER_SEC: i64 = 1_000_000;
pub const MICROS_PER_DAY: i64 = 86_400 * MICROS_PER_SEC;

/// DuckDB's infinite DATE values.
pub const DATE_INFINITY: i32 = i32::MAX;
pub const DATE_NEG_INFINITY: i32 = -i32::MAX;
/// DuckDB's infinite TIMESTAMP values (all precisions).
pub const TIMESTAMP_INFINITY: i64 = i64::MAX;
pub const TIMESTAMP_NEG_INFINITY: i64 = -i64::MAX;

/// (year, month, day) of a day count from 1970-01-01 (Howard Hinnant's civil_from_days).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn put_padded(out: &mut BytesMut, value: u64, width: usize) {
    let mut buf = itoa::Buffer::new();
    let s = buf.format(value);
    for _ in s.len()..width {
        out.put_u8(b'0');
    }
    out.put_slice(s.as_bytes());
}

/// `YYYY-MM-DD` for the calendar part; the caller appends " BC" where [`is_bc`] says so.
fn put_ymd(out: &mut BytesMut, days: i64) -> bool {
    let (y, m, d) = civil_from_days(days);
    // Year 0 is 1 BC in PostgreSQL's numbering.
    let (year, bc) = if y <= 0 { (1 - y, true) } else { (y, false) };
    put_padded(out, year as u64, 4);
    out.put_u8(b'-');
    put_padded(out, m as u64, 2);
    out.put_u8(b'-');
    put_padded(out, d as u64, 2);
    bc
}

/// `HH:MM:SS[.ffffff]` with trailing zeros of the fraction dropped, as PostgreSQL writes it.
pub fn put_time_of_day(out: &mut BytesMut, micros: i64) {
    let secs = micros / MICROS_PER_SEC;
    let frac = (micros % MICROS_PER_SEC) as u64;
    put_padded(out, (secs / 3600) as u64, 2);
    out.put_u8(b':');
    put_padded(out, (secs / 60 % 60) as u64, 2);
    out.put_u8(b':');
    put_padded(out, (secs % 60) as u64, 2);
    put_fraction(out, frac);
}

fn put_fraction(out: &mut BytesMut, frac: u64) {
    if frac == 0 {
        return;
    }
    let mut digits = 6;
    let mut f = frac;
    while f.is_multiple_of(10) {
        f /= 10;
        digits -= 1;
    }
    out.put_u8(b'.');
    put_padded(out, f, digits);
}

pub fn put_date(out: &mut BytesMut, days: i32) {
    match days {
        DATE_INFINITY => out.put_slice(b"infinity"),
        DATE_NEG_INFINITY => out.put_slice(b"-infinity"),
        _ => {
            if put_ymd(out, days as i64) {
                out.put_slice(b" BC");
            }
        }
    }
}

/// A time in another unit as microseconds (`mul`/`div`): nanoseconds round to the nearest
/// microsecond, as DuckDB's own casts and PostgreSQL's input do.
pub fn to_micros(value: i64, mul: i64, div: i64) -> i64 {
    value.saturating_mul(mul).saturating_add(div / 2).div_euclid(div)
}

/// A timestamp in microseconds; a timestamptz is shown at `offset` seconds east of UTC, with
/// that offset written after it.
pub fn put_timestamp(out: &mut BytesMut, micros: i64, offset: Option<i32>) {
    match micros {
        TIMESTAMP_INFINITY => out.put_slice(b"infinity"),
        TIMESTAMP_NEG_INFINITY => out.put_slice(b"-infinity"),
        _ => {
            let local = micros.saturating_add(offset.unwrap_or(0) as i64 * 1_000_000);
            let days = local.div_euclid(MICROS_PER_DAY);
            let bc = put_ymd(out, days);
            out.put_u8(b' ');
            put_time_of_day(out, local.rem_euclid(MICROS_PER_DAY));
            if let Some(offset) = offset {
                put_utc_offset(out, offset);
            }
            if bc {
                out.put_slice(b" BC");
            }
        }
    }
}

/// A UTC offset as PostgreSQL writes it: `+05`, `-03:30`, `+05:45:10`.
pub fn put_utc_offset(out: &mut BytesMut, offset_secs: i32) {
    out.put_u8(if offset_secs < 0 { b'-' } else { b'+' });
    let s = offset_secs.unsigned_abs() as u64;
    put_padded(out, s / 3600, 2);
    if !s.is_multiple_of(3600) {
        out.put_u8(b':');
        put_padded(out, s / 60 % 60, 2);
        if !s.is_multiple_of(60) {
            out.put_u8(b':');
            put_padded(out, s % 60, 2);
        }
    }
}

/// DuckDB's TIME WITH TIME ZONE: 40 bits of microseconds, 24 bits of encoded offset.
pub fn put_time_tz(out: &mut BytesMut, bits: u64) {
    const MAX_OFFSET: i64 = 16 * 60 * 60 - 1;
    let micros = (bits >> 24) as i64;
    let offset = MAX_OFFSET - (bits & 0xFF_FFFF) as i64;
    put_time_of_day(out, micros);
    put_utc_offset(out, offset as i32);
}

/// An interval in PostgreSQL's default `postgres` IntervalStyle: `1 year 2 mons -3 days 04:05:06`.
pub fn put_interval(out: &mut BytesMut, months: i32, days: i32, micros: i64) {
    let mut is_before = false;
    let mut is_zero = true;
    let mut field = |out: &mut BytesMut, value: i64, unit: &str| {
        if value == 0 {
            return;
        }
        if !is_zero {
            out.put_u8(b' ');
        }
        if is_before && value > 0 {
            out.put_u8(b'+');
        }
        let mut buf = itoa::Buffer::new();
        out.put_slice(buf.format(value).as_bytes());
        out.put_u8(b' ');
        out.put_slice(unit.as_bytes());
        if value != 1 {
            out.put_u8(b's');
        }
        is_before = value < 0;
        is_zero = false;
    };
    field(out, (months / 12) as i64, "year");
    field(out, (months % 12) as i64, "mon");
    field(out, days as i64, "day");
    if is_zero || micros != 0 {
        if !is_zero {
            out.put_u8(b' ');
        }
        if micros < 0 {
            out.put_u8(b'-');
        } else if is_before {
            out.put_u8(b'+');
        }
        let abs = micros.unsigned_abs();
        let secs = abs / MICROS_PER_SEC as u64;
        put_padded(out, secs / 3600, 2);
        out.put_u8(b':');
        put_padded(out, secs / 60 % 60, 2);
        out.put_u8(b':');
        put_padded(out, secs % 60, 2);
        put_fraction(out, abs % MICROS_PER_SEC as u64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(f: impl FnOnce(&mut BytesMut)) -> String {
        let mut b = BytesMut::new();
        f(&mut b);
        String::from_utf8(b.to_vec()).unwrap()
    }

    #[test]
    fn dates() {
        assert_eq!(s(|b| put_date(b, 0)), "1970-01-01");
        assert_eq!(s(|b| put_date(b, 19_723)), "2024-01-01");
        assert_eq!(s(|b| put_date(b, -719_162)), "0001-01-01");
        assert_eq!(s(|b| put_date(b, -719_163)), "0001-12-31 BC"); // year 0 is 1 BC
        assert_eq!(s(|b| put_date(b, DATE_INFINITY)), "infinity");
        assert_eq!(s(|b| put_date(b, DATE_NEG_INFINITY)), "-infinity");
    }

    #[test]
    fn timestamps() {
        assert_eq!(s(|b| put_timestamp(b, 1_500_000, None)), "1970-01-01 00:00:01.5");
        assert_eq!(s(|b| put_timestamp(b, -1, None)), "1969-12-31 23:59:59.999999");
        assert_eq!(s(|b| put_timestamp(b, 0, Some(0))), "1970-01-01 00:00:00+00");
        assert_eq!(
            s(|b| put_timestamp(b, 0, Some(19800))),
            "1970-01-01 05:30:00+05:30"
        );
    }

    #[test]
    fn intervals_as_postgres_writes_them() {
        assert_eq!(s(|b| put_interval(b, 0, 0, 0)), "00:00:00");
        assert_eq!(
            s(|b| put_interval(b, 14, 3, 4 * 3_600_000_000 + 5_000_000)),
            "1 year 2 mons 3 days 04:00:05"
        );
        assert_eq!(s(|b| put_interval(b, -12, 0, 0)), "-1 years");
        assert_eq!(s(|b| put_interval(b, 0, 1, -3_600_000_000)), "1 day -01:00:00");
        assert_eq!(s(|b| put_interval(b, 0, -1, 3_600_000_000)), "-1 days +01:00:00");
        assert_eq!(s(|b| put_interval(b, 1, 0, 1_500_000)), "1 mon 00:00:01.5");
    }

    #[test]
    fn offsets() {
        assert_eq!(s(|b| put_utc_offset(b, 0)), "+00");
        assert_eq!(s(|b| put_utc_offset(b, -12_600)), "-03:30");
    }
}
