//! Simulated time: integer nanoseconds, never floating point.
//!
//! `SimTime` is an instant since the start of a run; `SimDuration` a span.
//! Strings such as `250ms` are parsed at the file boundary (`spec`), never here.

use std::fmt;
use std::ops::{Add, AddAssign, Sub};

/// Nanoseconds per unit, for conversions at the edges.
pub const NANOS_PER_MICRO: u64 = 1_000;
pub const NANOS_PER_MILLI: u64 = 1_000_000;
pub const NANOS_PER_SECOND: u64 = 1_000_000_000;

/// An instant of simulated time, in nanoseconds since the run started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(pub u64);

/// A span of simulated time, in nanoseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimDuration(pub u64);

impl SimTime {
    pub const ZERO: SimTime = SimTime(0);
    pub const MAX: SimTime = SimTime(u64::MAX);

    pub fn as_nanos(self) -> u64 {
        self.0
    }
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / NANOS_PER_SECOND as f64
    }
    /// Whole seconds since start (floor).
    pub fn whole_seconds(self) -> u64 {
        self.0 / NANOS_PER_SECOND
    }
    /// The span from `earlier` to `self`, zero if `earlier` is later.
    pub fn since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }
}

impl SimDuration {
    pub const ZERO: SimDuration = SimDuration(0);
    pub const MAX: SimDuration = SimDuration(u64::MAX);

    pub const fn from_nanos(n: u64) -> Self {
        SimDuration(n)
    }
    pub const fn from_micros(n: u64) -> Self {
        SimDuration(n * NANOS_PER_MICRO)
    }
    pub const fn from_millis(n: u64) -> Self {
        SimDuration(n * NANOS_PER_MILLI)
    }
    pub const fn from_secs(n: u64) -> Self {
        SimDuration(n * NANOS_PER_SECOND)
    }
    /// Rounds a non-negative number of seconds to whole nanoseconds,
    /// saturating at the largest representable span.
    pub fn from_secs_f64(secs: f64) -> Self {
        let nanos = secs * NANOS_PER_SECOND as f64;
        // `as` saturates (infinity to u64::MAX) and maps NaN to 0; adding
        // one half rounds to nearest without a libm call on the hot path.
        if nanos > 0.0 {
            SimDuration((nanos + 0.5) as u64)
        } else {
            SimDuration::ZERO
        }
    }
    pub fn as_nanos(self) -> u64 {
        self.0
    }
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / NANOS_PER_SECOND as f64
    }
    pub fn as_millis_f64(self) -> f64 {
        self.0 as f64 / NANOS_PER_MILLI as f64
    }
    pub fn is_zero(self) -> bool {
        self.0 == 0
    }
    pub fn saturating_mul(self, k: u64) -> Self {
        SimDuration(self.0.saturating_mul(k))
    }
}

impl Add<SimDuration> for SimTime {
    type Output = SimTime;
    fn add(self, d: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }
}

impl AddAssign<SimDuration> for SimTime {
    fn add_assign(&mut self, d: SimDuration) {
        self.0 = self.0.saturating_add(d.0);
    }
}

impl Add for SimDuration {
    type Output = SimDuration;
    fn add(self, d: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_add(d.0))
    }
}

impl Sub for SimTime {
    type Output = SimDuration;
    fn sub(self, earlier: SimTime) -> SimDuration {
        self.since(earlier)
    }
}

impl fmt::Display for SimDuration {
    /// Human form with the largest unit that keeps it short: `250ms`, `90s`, `2h`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const UNITS: [(u64, &str); 7] = [
            (86_400 * NANOS_PER_SECOND, "d"),
            (3_600 * NANOS_PER_SECOND, "h"),
            (60 * NANOS_PER_SECOND, "m"),
            (NANOS_PER_SECOND, "s"),
            (NANOS_PER_MILLI, "ms"),
            (NANOS_PER_MICRO, "us"),
            (1, "ns"),
        ];
        if self.0 == 0 {
            return write!(f, "0s");
        }
        for (size, unit) in UNITS {
            if self.0.is_multiple_of(size) {
                return write!(f, "{}{}", self.0 / size, unit);
            }
        }
        write!(f, "{}ns", self.0)
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "t={:.3}s", self.as_secs_f64())
    }
}

/// A wall-clock instant written in a scenario file (RFC 3339 with a UTC
/// offset, such as `2011-04-21T00:47:00-07:00`): seconds and nanoseconds
/// since the Unix epoch, and the offset it was written with, kept so times
/// print in the operator's own zone. Never read from the system clock: a
/// run only ever adds simulated offsets to a timestamp from its file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timestamp {
    pub unix_seconds: i64,
    /// 0..1e9.
    pub nanos: u32,
    /// East of UTC: `-07:00` is -420.
    pub offset_minutes: i16,
}

impl Timestamp {
    /// Nanoseconds since the Unix epoch.
    pub fn unix_nanos(self) -> i128 {
        self.unix_seconds as i128 * NANOS_PER_SECOND as i128 + self.nanos as i128
    }

    /// The span from `self` to `later`; `None` if `later` is earlier or the
    /// span does not fit a `SimDuration`.
    pub fn until(self, later: Timestamp) -> Option<SimDuration> {
        let span = later.unix_nanos() - self.unix_nanos();
        u64::try_from(span).ok().map(SimDuration)
    }

    /// `self` plus a simulated span, in the same offset.
    pub fn plus(self, offset: SimDuration) -> Timestamp {
        let nanos = self.unix_nanos() + offset.0 as i128;
        Timestamp {
            unix_seconds: nanos.div_euclid(NANOS_PER_SECOND as i128) as i64,
            nanos: nanos.rem_euclid(NANOS_PER_SECOND as i128) as u32,
            offset_minutes: self.offset_minutes,
        }
    }
}

impl fmt::Display for Timestamp {
    /// RFC 3339 in the timestamp's own offset: `2011-04-21T00:47:00-07:00`,
    /// `2017-01-31T23:27:00Z`; a fraction only when there is one.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let local = self.unix_seconds + self.offset_minutes as i64 * 60;
        let (year, month, day) = civil_from_days(local.div_euclid(86_400));
        let second_of_day = local.rem_euclid(86_400);
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
            second_of_day / 3_600,
            second_of_day % 3_600 / 60,
            second_of_day % 60
        )?;
        if self.nanos != 0 {
            let fraction = format!("{:09}", self.nanos);
            write!(f, ".{}", fraction.trim_end_matches('0'))?;
        }
        if self.offset_minutes == 0 {
            return f.write_str("Z");
        }
        let sign = if self.offset_minutes < 0 { '-' } else { '+' };
        let minutes = self.offset_minutes.unsigned_abs();
        write!(f, "{sign}{:02}:{:02}", minutes / 60, minutes % 60)
    }
}

/// The wall-clock time `offset` after a scenario's `start`, in ISO 8601 with
/// the scenario's own UTC offset (`2012-06-14T20:57:00-07:00`): the `time`
/// field of a replay trace, or an absolute time next to an offset in a
/// report.
pub fn format_absolute(start: Timestamp, offset: SimDuration) -> String {
    start.plus(offset).to_string()
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
/// `days_from_civil`, exact for every `i64` year that fits).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let m = month as i64;
    let day_of_year = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i64 - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date of a day count since 1970-01-01 (inverse of [`days_from_civil`]).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_picks_the_largest_exact_unit() {
        assert_eq!(SimDuration::from_millis(250).to_string(), "250ms");
        assert_eq!(SimDuration::from_secs(90).to_string(), "90s");
        assert_eq!(SimDuration::from_secs(7200).to_string(), "2h");
        assert_eq!(SimDuration::from_secs(60).to_string(), "1m");
    }

    #[test]
    fn float_seconds_round_to_nanos_and_saturate() {
        assert_eq!(SimDuration::from_secs_f64(1.5).0, 1_500_000_000);
        assert_eq!(SimDuration::from_secs_f64(-3.0), SimDuration::ZERO);
        assert_eq!(SimDuration::from_secs_f64(f64::INFINITY), SimDuration::MAX);
    }

    #[test]
    fn civil_dates_round_trip_and_match_known_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
        for days in [-800_000, -1, 0, 59, 60, 11_016, 15_085, 20_000, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn absolute_times_print_in_the_scenario_offset() {
        // 2011-04-21T00:47:00-07:00 is 07:47 UTC: 15085 days + 28020 s.
        let start = Timestamp {
            unix_seconds: 15_085 * 86_400 + 7 * 3_600 + 47 * 60,
            nanos: 0,
            offset_minutes: -420,
        };
        assert_eq!(start.to_string(), "2011-04-21T00:47:00-07:00");
        // 23h13m later crosses midnight local time.
        let later = format_absolute(start, SimDuration::from_secs(23 * 3_600 + 13 * 60));
        assert_eq!(later, "2011-04-22T00:00:00-07:00");
        assert_eq!(
            format_absolute(start, SimDuration::from_millis(1_500)),
            "2011-04-21T00:47:01.5-07:00"
        );
        let utc = Timestamp {
            offset_minutes: 0,
            ..start
        };
        assert_eq!(utc.to_string(), "2011-04-21T07:47:00Z");
        assert_eq!(
            start.until(start.plus(SimDuration::from_secs(5))),
            Some(SimDuration::from_secs(5))
        );
        assert_eq!(start.plus(SimDuration::from_secs(5)).until(start), None);
    }
}
