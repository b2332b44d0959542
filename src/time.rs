//! Verification time: `UnixTime` and the calendar arithmetic to read RFC 3339 (trusted roots)
//! and ASN.1 GeneralizedTime with fractions (RFC 3161 `genTime`, RFC 5280 §4.1.2.5.2).
//!
//! The core never reads a clock: every check takes the time as an argument.

use alloc::string::ToString;

use crate::error::{Error, Result};

/// A point in time: seconds since the Unix epoch plus nanoseconds. Ordered. Serialized as an
/// RFC 3339 UTC timestamp (`2024-03-19T17:26:26Z`, with a fraction when there is one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnixTime {
    secs: i64,
    nanos: u32,
}

impl UnixTime {
    /// A whole-second time.
    #[must_use]
    pub const fn from_secs(secs: i64) -> Self {
        Self { secs, nanos: 0 }
    }

    /// Seconds and nanoseconds; `nanos` is clamped below one second.
    #[must_use]
    pub const fn new(secs: i64, nanos: u32) -> Self {
        let nanos = if nanos > 999_999_999 { 999_999_999 } else { nanos };
        Self { secs, nanos }
    }

    /// Whole seconds since the epoch (fraction dropped).
    #[must_use]
    pub const fn secs(self) -> i64 {
        self.secs
    }

    /// Parses an RFC 3339 timestamp as protobuf JSON writes `google.protobuf.Timestamp`
    /// (`2022-12-31T23:59:59.999Z`, or with a numeric offset).
    pub fn parse_rfc3339(s: &str) -> Result<Self> {
        let bad = || Error::Time { what: "RFC 3339 timestamp", value: s.to_string() };
        let b = s.as_bytes();
        if b.len() < 20 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') || b.get(13) != Some(&b':') || b.get(16) != Some(&b':') {
            return Err(bad());
        }
        if !matches!(b.get(10), Some(b'T' | b't')) {
            return Err(bad());
        }
        let year = digits(b, 0, 4).ok_or_else(bad)?;
        let month = digits(b, 5, 2).ok_or_else(bad)?;
        let day = digits(b, 8, 2).ok_or_else(bad)?;
        let hour = digits(b, 11, 2).ok_or_else(bad)?;
        let min = digits(b, 14, 2).ok_or_else(bad)?;
        let sec = digits(b, 17, 2).ok_or_else(bad)?;
        let (nanos, mut rest) = fraction(b, 19).ok_or_else(bad)?;
        let offset = match b.get(rest) {
            Some(b'Z' | b'z') => {
                rest += 1;
                0
            }
            Some(sign @ (b'+' | b'-')) => {
                if b.get(rest + 3) != Some(&b':') {
                    return Err(bad());
                }
                let oh = digits(b, rest + 1, 2).ok_or_else(bad)?;
                let om = digits(b, rest + 4, 2).ok_or_else(bad)?;
                rest += 6;
                let o = (oh * 3600 + om * 60) as i64;
                if *sign == b'+' { o } else { -o }
            }
            _ => return Err(bad()),
        };
        if rest != b.len() {
            return Err(bad());
        }
        let secs = civil_to_unix(year, month, day, hour, min, sec).ok_or_else(bad)? - offset;
        Ok(Self { secs, nanos })
    }

    /// Parses the content of an ASN.1 GeneralizedTime in the DER profile
    /// (`YYYYMMDDHHMMSS[.f+]Z`), as RFC 3161 `genTime` carries it.
    pub fn parse_generalized_time(bytes: &[u8]) -> Result<Self> {
        let bad = || Error::Time { what: "GeneralizedTime", value: alloc::string::String::from_utf8_lossy(bytes).into_owned() };
        if bytes.len() < 15 {
            return Err(bad());
        }
        let year = digits(bytes, 0, 4).ok_or_else(bad)?;
        let month = digits(bytes, 4, 2).ok_or_else(bad)?;
        let day = digits(bytes, 6, 2).ok_or_else(bad)?;
        let hour = digits(bytes, 8, 2).ok_or_else(bad)?;
        let min = digits(bytes, 10, 2).ok_or_else(bad)?;
        let sec = digits(bytes, 12, 2).ok_or_else(bad)?;
        let (nanos, rest) = fraction(bytes, 14).ok_or_else(bad)?;
        // DER: a fraction has no trailing zero, and the time ends in Z.
        if rest != 14 && bytes.get(rest - 1) == Some(&b'0') {
            return Err(bad());
        }
        if bytes.get(rest) != Some(&b'Z') || rest + 1 != bytes.len() {
            return Err(bad());
        }
        let secs = civil_to_unix(year, month, day, hour, min, sec).ok_or_else(bad)?;
        Ok(Self { secs, nanos })
    }
}

#[cfg(feature = "std")]
impl UnixTime {
    /// The system clock's current time. The core never calls this: surfaces read the clock
    /// once and pass the time in.
    #[must_use]
    pub fn now() -> Self {
        Self::from(std::time::SystemTime::now())
    }
}

#[cfg(feature = "std")]
impl From<std::time::SystemTime> for UnixTime {
    /// Times before 1970 are counted backwards (negative seconds).
    fn from(t: std::time::SystemTime) -> Self {
        match t.duration_since(std::time::UNIX_EPOCH) {
            Ok(d) => Self::new(i64::try_from(d.as_secs()).unwrap_or(i64::MAX), d.subsec_nanos()),
            Err(e) => {
                let d = e.duration();
                let secs = i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
                if d.subsec_nanos() == 0 { Self::from_secs(-secs) } else { Self::new(-secs - 1, 1_000_000_000 - d.subsec_nanos()) }
            }
        }
    }
}

impl UnixTime {
    /// The time as RFC 3339 UTC (`YYYY-MM-DDTHH:MM:SS[.fffffffff]Z`); `None` outside years
    /// 0000–9999.
    #[must_use]
    pub fn to_rfc3339(self) -> Option<alloc::string::String> {
        let days = self.secs.div_euclid(86_400);
        let rem = self.secs.rem_euclid(86_400);
        let (y, m, d) = unix_days_to_civil(days);
        if !(0..=9999).contains(&y) {
            return None;
        }
        let (hh, mm, ss) = (rem / 3600, rem % 3600 / 60, rem % 60);
        let mut out = alloc::format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}");
        if self.nanos != 0 {
            let frac = alloc::format!("{:09}", self.nanos);
            out.push('.');
            out.push_str(frac.trim_end_matches('0'));
        }
        out.push('Z');
        Some(out)
    }
}

impl serde::Serialize for UnixTime {
    fn serialize<S: serde::Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        match self.to_rfc3339() {
            Some(t) => s.serialize_str(&t),
            None => s.serialize_i64(self.secs),
        }
    }
}

impl core::fmt::Display for UnixTime {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.to_rfc3339() {
            Some(t) => f.write_str(&t),
            None => write!(f, "{}", self.secs),
        }
    }
}

/// Civil-from-days (proleptic Gregorian): the inverse of [`civil_to_unix`]'s day count.
fn unix_days_to_civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn digits(b: &[u8], at: usize, n: usize) -> Option<u32> {
    let s = b.get(at..at + n)?;
    s.iter().try_fold(0u32, |acc, &c| c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0')))
}

/// Reads an optional `.ddd…` fraction starting at `at`; returns nanoseconds and the next index.
fn fraction(b: &[u8], at: usize) -> Option<(u32, usize)> {
    if b.get(at) != Some(&b'.') {
        return Some((0, at));
    }
    let mut i = at + 1;
    let mut nanos = 0u32;
    let mut scale = 100_000_000u32;
    while let Some(c) = b.get(i).filter(|c| c.is_ascii_digit()) {
        nanos += u32::from(c - b'0') * scale;
        scale /= 10;
        i += 1;
        if i - at > 10 {
            return None;
        }
    }
    (i > at + 1).then_some((nanos, i))
}

/// Days-from-civil (proleptic Gregorian), then seconds. Rejects out-of-range fields.
fn civil_to_unix(year: u32, month: u32, day: u32, hour: u32, min: u32, sec: u32) -> Option<i64> {
    if !(1..=12).contains(&month) || day == 0 || hour > 23 || min > 59 || sec > 59 {
        return None;
    }
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let mdays = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if day > *mdays.get(month as usize - 1)? {
        return None;
    }
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + i64::from(hour) * 3600 + i64::from(min) * 60 + i64::from(sec))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339() {
        assert_eq!(UnixTime::parse_rfc3339("1970-01-01T00:00:00Z").unwrap(), UnixTime::from_secs(0));
        assert_eq!(UnixTime::parse_rfc3339("2021-01-12T11:53:27Z").unwrap().secs(), 1_610_452_407);
        let t = UnixTime::parse_rfc3339("2022-12-31T23:59:59.999Z").unwrap();
        assert_eq!(t, UnixTime::new(1_672_531_199, 999_000_000));
        assert_eq!(UnixTime::parse_rfc3339("2021-01-12T12:53:27+01:00").unwrap().secs(), 1_610_452_407);
        for bad in ["2021-02-30T00:00:00Z", "2021-01-12 11:53:27Z", "2021-01-12T11:53:27", "2021-01-12T11:53:27.Z", "x"] {
            assert!(UnixTime::parse_rfc3339(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn rfc3339_output_round_trips() {
        for (secs, nanos, text) in [
            (0, 0, "1970-01-01T00:00:00Z"),
            (1_610_452_407, 0, "2021-01-12T11:53:27Z"),
            (1_672_531_199, 999_000_000, "2022-12-31T23:59:59.999Z"),
            (951_782_400, 0, "2000-02-29T00:00:00Z"),
            (-1, 500_000_000, "1969-12-31T23:59:59.5Z"),
            (253_402_300_799, 0, "9999-12-31T23:59:59Z"),
        ] {
            let t = UnixTime::new(secs, nanos);
            assert_eq!(t.to_rfc3339().as_deref(), Some(text));
            assert_eq!(UnixTime::parse_rfc3339(text).unwrap(), t, "{text}");
        }
        assert!(UnixTime::from_secs(253_402_300_800).to_rfc3339().is_none());
        assert_eq!(serde_json::to_string(&UnixTime::from_secs(0)).unwrap(), r#""1970-01-01T00:00:00Z""#);
    }

    #[cfg(feature = "std")]
    #[test]
    fn from_system_time() {
        let t = std::time::UNIX_EPOCH + core::time::Duration::new(1_610_452_407, 5);
        assert_eq!(UnixTime::from(t), UnixTime::new(1_610_452_407, 5));
        let before = std::time::UNIX_EPOCH - core::time::Duration::new(1, 250_000_000);
        assert_eq!(UnixTime::from(before), UnixTime::new(-2, 750_000_000));
        assert!(UnixTime::now() > UnixTime::from_secs(1_700_000_000));
    }

    #[test]
    fn generalized_time() {
        assert_eq!(UnixTime::parse_generalized_time(b"20240319172626Z").unwrap().secs(), 1_710_869_186);
        assert_eq!(UnixTime::parse_generalized_time(b"20240319172626.5Z").unwrap(), UnixTime::new(1_710_869_186, 500_000_000));
        assert!(UnixTime::parse_generalized_time(b"20240319172626.50Z").is_err());
        assert!(UnixTime::parse_generalized_time(b"20240319172626").is_err());
    }
}
