//! Absolute time in scenarios: a `start:` timestamp (RFC 3339 with a UTC
//! offset), an optional `end:` instead of `horizon:`, named `phases:`, and
//! fault times given as a duration from the start, a timestamp, or a phase
//! (`phase:power-lost`, `phase:power-lost+10m`). Everything becomes a
//! [`SimDuration`] offset from the start here, at the file boundary.
//!
//! Timestamps are parsed by hand rather than with a date crate: RFC 3339 is
//! a fixed-width format, a run never needs a time-zone database (the offset
//! is written in the file) and never reads the wall clock, and a 60-line
//! parser keeps the dependency tree and the build time where they are.

use std::fmt;

use serde::de::{self, Deserializer};
use serde::Deserialize;
use serde_saphyr::Spanned;

use super::diagnostics::Diagnostic;
use super::units::{parse_duration, ScalarVisitor};
use crate::config::Phase;
use crate::time::{days_from_civil, SimDuration, Timestamp};

const TIMESTAMP_HELP: &str =
    "expected an RFC 3339 timestamp with a UTC offset, such as `2011-04-21T00:47:00-07:00` or `2017-01-31T23:27:00Z`";

const TIME_HELP: &str = "expected a duration from the start (`30m`), a timestamp with a UTC offset (`2012-06-14T20:57:00-07:00`) or a phase (`phase:power-lost`, `phase:power-lost+10m`)";

/// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`.
pub fn parse_timestamp(text: &str) -> Result<Timestamp, String> {
    let text = text.trim();
    let bad = |why: &str| format!("`{text}` is not a timestamp ({why}): {TIMESTAMP_HELP}");
    let b = text.as_bytes();
    if b.len() < 19 || !text.is_ascii() {
        return Err(bad("too short"));
    }
    let digits = |from: usize, len: usize| -> Result<u32, String> {
        let part = &text[from..from + len];
        if part.bytes().all(|c| c.is_ascii_digit()) {
            Ok(part.parse().unwrap_or(0))
        } else {
            Err(bad("digits expected"))
        }
    };
    let separators_ok = b[4] == b'-'
        && b[7] == b'-'
        && matches!(b[10], b'T' | b't' | b' ')
        && b[13] == b':'
        && b[16] == b':';
    if !separators_ok {
        return Err(bad("the layout is YYYY-MM-DDTHH:MM:SS"));
    }
    let (year, month, day) = (digits(0, 4)?, digits(5, 2)?, digits(8, 2)?);
    let (hour, minute, second) = (digits(11, 2)?, digits(14, 2)?, digits(17, 2)?);
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return Err(bad("no such date"));
    }
    if hour > 23 || minute > 59 || second > 59 {
        return Err(bad("no such time of day"));
    }
    let mut rest = &text[19..];
    let mut nanos = 0u32;
    if let Some(fraction) = rest.strip_prefix('.') {
        let len = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if len == 0 || len > 9 {
            return Err(bad("a fraction of a second has 1 to 9 digits"));
        }
        nanos = fraction[..len].parse::<u32>().unwrap_or(0) * 10u32.pow(9 - len as u32);
        rest = &fraction[len..];
    }
    let offset_minutes: i32 = match rest {
        "Z" | "z" => 0,
        "" => {
            return Err(bad(
                "a UTC offset such as `Z` or `-07:00` is required: a local time is ambiguous",
            ))
        }
        _ => {
            let o = rest.as_bytes();
            let sign = match o[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return Err(bad("the UTC offset is `Z` or ±HH:MM")),
            };
            if o.len() != 6 || o[3] != b':' {
                return Err(bad("the UTC offset is `Z` or ±HH:MM"));
            }
            let (h, m) = (digits(text.len() - 5, 2)?, digits(text.len() - 2, 2)?);
            if h > 23 || m > 59 {
                return Err(bad("no such UTC offset"));
            }
            sign * (h * 60 + m) as i32
        }
    };
    let days = days_from_civil(year as i64, month, day);
    let local = days * 86_400 + (hour * 3_600 + minute * 60 + second) as i64;
    Ok(Timestamp {
        unix_seconds: local - offset_minutes as i64 * 60,
        nanos,
        offset_minutes: offset_minutes as i16,
    })
}

fn days_in_month(year: u32, month: u32) -> u32 {
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A time as a scenario file writes it.
#[derive(Clone, Debug, PartialEq)]
pub enum TimeSpec {
    /// A duration from the start of the run.
    Offset(SimDuration),
    /// A wall-clock instant (needs `start:`).
    Absolute(Timestamp),
    /// A named phase, plus an optional duration.
    Phase { name: String, plus: SimDuration },
}

/// Parses a fault or phase time: `30m`, a timestamp, or `phase:NAME[+DURATION]`.
pub fn parse_time(text: &str) -> Result<TimeSpec, String> {
    let text = text.trim();
    if let Some(reference) = text.strip_prefix("phase:") {
        let (name, plus) = match reference.split_once('+') {
            Some((name, plus)) => (name.trim(), parse_duration(plus)?),
            None => (reference.trim(), SimDuration::ZERO),
        };
        if name.is_empty() {
            return Err(format!("`{text}` names no phase: {TIME_HELP}"));
        }
        return Ok(TimeSpec::Phase {
            name: name.to_owned(),
            plus,
        });
    }
    let b = text.as_bytes();
    let looks_like_date = b.len() >= 10 && b[4] == b'-' && b[..4].iter().all(u8::is_ascii_digit);
    if looks_like_date {
        return parse_timestamp(text).map(TimeSpec::Absolute);
    }
    parse_duration(text)
        .map(TimeSpec::Offset)
        .map_err(|_| format!("`{text}` is not a time: {TIME_HELP}"))
}

/// A time field (`at:`, `until:`, a phase's `at:`).
#[derive(Clone, Debug, PartialEq)]
pub struct Time(pub TimeSpec);

impl<'de> Deserialize<'de> for Time {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = deserializer.deserialize_any(ScalarVisitor("a time such as `30m`"))?;
        parse_time(&text.0).map(Time).map_err(de::Error::custom)
    }
}

/// A `start:` or `end:` field.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TimestampField(pub Timestamp);

impl<'de> Deserialize<'de> for TimestampField {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = deserializer.deserialize_any(ScalarVisitor("a timestamp"))?;
        parse_timestamp(&text.0)
            .map(TimestampField)
            .map_err(de::Error::custom)
    }
}

impl fmt::Display for TimeSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimeSpec::Offset(d) => write!(f, "{d}"),
            TimeSpec::Absolute(t) => write!(f, "{t}"),
            TimeSpec::Phase { name, plus } if plus.is_zero() => write!(f, "phase:{name}"),
            TimeSpec::Phase { name, plus } => write!(f, "phase:{name}+{plus}"),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPhase {
    pub name: Spanned<String>,
    pub at: Spanned<Time>,
}

/// The scenario's clock: where time 0 is on the wall, how long the run is,
/// and its named phases, for turning file times into offsets.
pub struct Clock {
    pub start: Option<Timestamp>,
    pub horizon: SimDuration,
    pub phases: Vec<Phase>,
}

impl Clock {
    /// Resolves the horizon (`horizon:` or `end:`) and the phases.
    pub fn new(
        file: &str,
        start: Option<&Spanned<TimestampField>>,
        horizon: Option<&Spanned<super::units::Duration>>,
        end: Option<&Spanned<TimestampField>>,
        at_file_start: &Spanned<String>,
        raw_phases: &[Spanned<RawPhase>],
    ) -> Result<Clock, Diagnostic> {
        let start_at = start.map(|s| s.value.0);
        let horizon = match (horizon, end) {
            (Some(h), None) => {
                if h.value.0.is_zero() {
                    return Err(Diagnostic::at_value(file, h, "horizon must be > 0"));
                }
                h.value.0
            }
            (None, Some(e)) => {
                let Some(start) = start_at else {
                    return Err(Diagnostic::at_value(
                        file,
                        e,
                        "`end:` is a timestamp: it needs `start:` too",
                    ));
                };
                match start.until(e.value.0) {
                    Some(h) if !h.is_zero() => h,
                    _ => {
                        return Err(Diagnostic::at_value(
                            file,
                            e,
                            format!("`end: {}` must be after `start: {start}`", e.value.0),
                        ))
                    }
                }
            }
            (Some(_), Some(e)) => {
                return Err(Diagnostic::at_value(
                    file,
                    e,
                    "give `horizon:` (a duration) or `end:` (a timestamp), not both",
                ))
            }
            (None, None) => {
                return Err(Diagnostic::at_value(
                    file,
                    at_file_start,
                    "a scenario needs `horizon:` (a duration such as `2h`) or `end:` (a timestamp, with `start:`)",
                ))
            }
        };
        let mut clock = Clock {
            start: start_at,
            horizon,
            phases: Vec::with_capacity(raw_phases.len()),
        };
        for raw in raw_phases {
            let p = &raw.value;
            if p.name.value.trim().is_empty() || p.name.value.contains(['+', ' ']) {
                return Err(Diagnostic::at_value(
                    file,
                    &p.name,
                    "a phase name is a non-empty word without spaces or `+`",
                ));
            }
            if clock.phases.iter().any(|q| q.name == p.name.value) {
                return Err(Diagnostic::at_value(
                    file,
                    &p.name,
                    format!("phase `{}` is named twice", p.name.value),
                ));
            }
            if matches!(p.at.value.0, TimeSpec::Phase { .. }) {
                return Err(Diagnostic::at_value(
                    file,
                    &p.at,
                    "a phase's `at` is a duration from the start or a timestamp, not another phase",
                ));
            }
            let at = clock.resolve(file, &p.at, "phase")?;
            if let Some(previous) = clock.phases.last() {
                if at < previous.at {
                    return Err(Diagnostic::at_value(
                        file,
                        &p.at,
                        format!(
                            "phases must be in time order: `{}` comes before `{}` ({} < {})",
                            p.name.value, previous.name, at, previous.at
                        ),
                    ));
                }
            }
            clock.phases.push(Phase {
                name: p.name.value.clone(),
                at,
            });
        }
        Ok(clock)
    }

    /// The offset from the start a file time means. Timestamps and phases
    /// must fall inside [start, horizon]; a plain duration past the horizon
    /// keeps its old meaning (the fault never starts).
    pub fn resolve(
        &self,
        file: &str,
        time: &Spanned<Time>,
        what: &str,
    ) -> Result<SimDuration, Diagnostic> {
        let err = |m: String| Diagnostic::at_value(file, time, m);
        let offset = match &time.value.0 {
            TimeSpec::Offset(d) => {
                if what == "phase" && *d > self.horizon {
                    return Err(err(format!(
                        "phase at {d} is after the horizon ({})",
                        self.horizon
                    )));
                }
                return Ok(*d);
            }
            TimeSpec::Absolute(t) => {
                let Some(start) = self.start else {
                    return Err(err(format!(
                        "`{t}` is a timestamp: the scenario needs `start:` to place it"
                    )));
                };
                match start.until(*t) {
                    Some(d) => d,
                    None => {
                        return Err(err(format!(
                            "{what} time `{t}` is before the scenario's start ({start})"
                        )))
                    }
                }
            }
            TimeSpec::Phase { name, plus } => match self.phases.iter().find(|p| p.name == *name) {
                Some(p) => p.at + *plus,
                None => {
                    let names: Vec<&str> = self.phases.iter().map(|p| p.name.as_str()).collect();
                    return Err(err(format!(
                        "`phase:{name}` names no phase: the phases are {}",
                        if names.is_empty() {
                            "none (add `phases:`)".to_owned()
                        } else {
                            names.join(", ")
                        }
                    )));
                }
            },
        };
        if offset > self.horizon {
            let end = match self.start {
                Some(start) => format!("{} ({})", self.horizon, start.plus(self.horizon)),
                None => self.horizon.to_string(),
            };
            return Err(err(format!(
                "{what} time `{}` is after the horizon ends ({end} after the start)",
                time.value.0
            )));
        }
        Ok(offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(text: &str) -> Timestamp {
        parse_timestamp(text).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn timestamps_with_offsets_name_the_same_instant() {
        let pdt = ts("2011-04-21T00:47:00-07:00");
        let utc = ts("2011-04-21T07:47:00Z");
        assert_eq!(pdt.unix_seconds, utc.unix_seconds);
        assert_eq!(pdt.unix_seconds, 1_303_372_020);
        assert_eq!(pdt.offset_minutes, -420);
        assert_eq!(pdt.to_string(), "2011-04-21T00:47:00-07:00");
        assert_eq!(
            ts("2021-12-07T07:30:00-08:00").to_string(),
            "2021-12-07T07:30:00-08:00"
        );
        assert_eq!(
            ts("2017-01-31t23:27:00z").to_string(),
            "2017-01-31T23:27:00Z"
        );
        assert_eq!(ts("2020-02-29T12:00:00.25+05:30").nanos, 250_000_000);
        assert_eq!(ts("2020-02-29T12:00:00+05:30").offset_minutes, 330);
    }

    #[test]
    fn bad_timestamps_say_why() {
        for (bad, why) in [
            ("2011-04-21T00:47:00", "UTC offset"),
            ("2011-04-21", "too short"),
            ("2011-02-29T00:00:00Z", "no such date"),
            ("2011-13-01T00:00:00Z", "no such date"),
            ("2011-04-21T24:00:00Z", "no such time"),
            ("2011-04-21T00:47:00+7:00", "UTC offset"),
            ("2011-04-21T00:47:00-07:60", "no such UTC offset"),
            ("2011/04/21T00:47:00Z", "layout"),
            ("2011-04-21T00:47:00.Z", "fraction"),
            ("2011-04-21T0a:47:00Z", "digits"),
        ] {
            let e = parse_timestamp(bad).expect_err(bad);
            assert!(e.contains(why), "{bad}: {e}");
        }
    }

    #[test]
    fn times_are_durations_timestamps_or_phases() {
        assert_eq!(
            parse_time("90s"),
            Ok(TimeSpec::Offset(SimDuration::from_secs(90)))
        );
        assert_eq!(
            parse_time("2012-06-14T20:57:00-07:00"),
            Ok(TimeSpec::Absolute(ts("2012-06-14T20:57:00-07:00")))
        );
        assert_eq!(
            parse_time("phase:power-lost"),
            Ok(TimeSpec::Phase {
                name: "power-lost".into(),
                plus: SimDuration::ZERO
            })
        );
        assert_eq!(
            parse_time("phase:power-lost + 10m"),
            Ok(TimeSpec::Phase {
                name: "power-lost".into(),
                plus: SimDuration::from_secs(600)
            })
        );
        for bad in ["phase:", "soon", "2012-06-14", "phase:x+soon"] {
            assert!(parse_time(bad).is_err(), "{bad}");
        }
    }
}
