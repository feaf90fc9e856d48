//! Units at the file boundary: durations (`250ms`, `1h30m`), rates (`200/s`),
//! probabilities (`99.9%` or `0.999`) and FIS-style selections (`count(2)`).
//!
//! Each parser is a plain `&str` function (easy to unit-test and fuzz); the
//! newtypes below wrap them in `Deserialize` impls so a bad value is reported
//! by the YAML parser at the exact line and column of the value.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

use crate::config::Selection;
use crate::time::{SimDuration, NANOS_PER_SECOND};

/// What a duration looks like, repeated in every duration error.
const DURATION_HELP: &str =
    "expected a duration such as `250ms`, `90s`, `1h30m` or `0` (units: ns, us, ms, s, m, h, d)";

/// Parses `250ms`, `1.5s`, `1h30m`, `0`. Whitespace between parts is allowed.
pub fn parse_duration(text: &str) -> Result<SimDuration, String> {
    let text = text.trim();
    if text == "0" {
        return Ok(SimDuration::ZERO);
    }
    let bad = || format!("`{text}` is not a duration: {DURATION_HELP}");
    let mut rest = text;
    let mut total_nanos: f64 = 0.0;
    if rest.is_empty() {
        return Err(bad());
    }
    while !rest.is_empty() {
        rest = rest.trim_start();
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if number_len == 0 {
            return Err(bad());
        }
        let number: f64 = rest[..number_len].parse().map_err(|_| bad())?;
        rest = &rest[number_len..];
        let unit_len = rest
            .find(|c: char| !c.is_alphabetic())
            .unwrap_or(rest.len());
        let nanos_per_unit = match &rest[..unit_len] {
            "ns" => 1.0,
            "us" | "µs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" | "min" => 60e9,
            "h" => 3_600e9,
            "d" => 86_400e9,
            "" => {
                return Err(format!(
                    "`{text}` has a number without a unit: {DURATION_HELP}"
                ))
            }
            _ => return Err(bad()),
        };
        rest = &rest[unit_len..];
        total_nanos += number * nanos_per_unit;
    }
    if !total_nanos.is_finite() || total_nanos >= u64::MAX as f64 {
        return Err(format!("`{text}` is too long a duration"));
    }
    Ok(SimDuration::from_secs_f64(
        total_nanos / NANOS_PER_SECOND as f64,
    ))
}

/// Parses `200/s`, `12000/min`, `5/h`, `3/d`, or a bare number (per second).
pub fn parse_rate(text: &str) -> Result<f64, String> {
    let text = text.trim();
    let help = "expected a rate such as `200/s`, `12000/min`, `5/h` or a number per second";
    let (number, per_s) = match text.split_once('/') {
        None => (text, 1.0),
        Some((number, unit)) => {
            let seconds_per_unit = match unit.trim() {
                "s" | "sec" => 1.0,
                "m" | "min" => 60.0,
                "h" => 3_600.0,
                "d" => 86_400.0,
                _ => return Err(format!("`{text}` has an unknown rate unit: {help}")),
            };
            (number.trim(), seconds_per_unit)
        }
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a rate: {help}"))?;
    check_rate(value / per_s).map_err(|e| format!("`{text}`: {e}"))
}

/// The highest arrival rate a scenario may ask for: ten million requests
/// per second is far past any single design firedrill models, and a rate
/// beyond it is almost surely a typo that would run for hours.
pub const MAX_RATE_PER_S: f64 = 1e7;

fn check_rate(rate_per_s: f64) -> Result<f64, String> {
    if rate_per_s.is_finite() && (0.0..=MAX_RATE_PER_S).contains(&rate_per_s) {
        Ok(rate_per_s)
    } else {
        Err(format!(
            "a rate must be a number from 0 to {MAX_RATE_PER_S:.0} per second"
        ))
    }
}

/// Parses `99.9%` (a percentage) or `0.999` (a fraction) into [0, 1].
pub fn parse_probability(text: &str) -> Result<f64, String> {
    let text = text.trim();
    let value = match text.strip_suffix('%') {
        Some(percent) => percent
            .trim()
            .parse::<f64>()
            .map(|p| p / 100.0)
            .map_err(|_| format!("`{text}` is not a percentage such as `99.9%`"))?,
        None => text.parse::<f64>().map_err(|_| {
            format!("`{text}` is not a probability: expected a number in [0, 1] or a percentage such as `99.9%`")
        })?,
    };
    check_probability(value).map_err(|e| format!("`{text}`: {e}"))
}

fn check_probability(value: f64) -> Result<f64, String> {
    if (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(format!(
            "{value} is outside [0, 1]: expected a number in [0, 1] or a percentage in [0%, 100%]"
        ))
    }
}

/// Parses `all`, `count(n)` or `percent(p)`, case-insensitively (like AWS FIS
/// `ALL`, `COUNT(n)`, `PERCENT(n)`).
pub fn parse_selection(text: &str) -> Result<Selection, String> {
    let lower = text.trim().to_ascii_lowercase();
    let help = "expected `all`, `count(n)` or `percent(p)`";
    if lower == "all" {
        return Ok(Selection::All);
    }
    let inner = |prefix: &str| {
        lower
            .strip_prefix(prefix)
            .and_then(|r| r.strip_suffix(')'))
            .map(str::trim)
    };
    if let Some(n) = inner("count(") {
        return match n.parse::<u32>() {
            Ok(n) if n > 0 => Ok(Selection::Count(n)),
            _ => Err(format!("`{text}`: count needs a whole number ≥ 1")),
        };
    }
    if let Some(p) = inner("percent(") {
        return match p.trim_end_matches('%').parse::<f64>() {
            Ok(p) if p > 0.0 && p <= 100.0 => Ok(Selection::Percent(p)),
            _ => Err(format!("`{text}`: percent needs a number in (0, 100]")),
        };
    }
    Err(format!("`{text}` is not a selection: {help}"))
}

/// A YAML/JSON scalar as text, whatever its type: lets `0`, `0.5` and `5ms`
/// go through the same string parsers.
pub(crate) struct ScalarText(pub String);

impl<'de> Deserialize<'de> for ScalarText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ScalarVisitor("a scalar"))
    }
}

/// Accepts strings and numbers as text; `expecting` names the value wanted.
pub(crate) struct ScalarVisitor(pub &'static str);

impl Visitor<'_> for ScalarVisitor {
    type Value = ScalarText;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.0)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<ScalarText, E> {
        Ok(ScalarText(v.to_owned()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<ScalarText, E> {
        Ok(ScalarText(v.to_string()))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<ScalarText, E> {
        Ok(ScalarText(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<ScalarText, E> {
        Ok(ScalarText(v.to_string()))
    }
}

/// Defines a newtype deserialized from a scalar through a string parser.
macro_rules! parsed_scalar {
    ($(#[$doc:meta])* $name:ident($inner:ty), $parse:path, $expecting:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq)]
        pub struct $name(pub $inner);

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = deserializer.deserialize_any(ScalarVisitor($expecting))?;
                $parse(&text.0).map($name).map_err(de::Error::custom)
            }
        }
    };
}

parsed_scalar!(
    /// A duration field (`250ms`).
    Duration(SimDuration),
    parse_duration,
    "a duration such as `250ms`"
);
parsed_scalar!(
    /// A rate field (`200/s`), in events per second.
    Rate(f64),
    parse_rate,
    "a rate such as `200/s`"
);
parsed_scalar!(
    /// A probability or fraction field (`99.9%` or `0.999`).
    Probability(f64),
    parse_probability,
    "a probability such as `0.9` or `90%`"
);
parsed_scalar!(
    /// A target selection (`all`, `count(1)`, `percent(25)`).
    SelectionSpec(Selection),
    parse_selection,
    "a selection such as `all` or `count(1)`"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_units_and_compounds() {
        let ms = SimDuration::from_millis;
        assert_eq!(parse_duration("250ms"), Ok(ms(250)));
        assert_eq!(parse_duration("90s"), Ok(SimDuration::from_secs(90)));
        assert_eq!(parse_duration("1h30m"), Ok(SimDuration::from_secs(5_400)));
        assert_eq!(
            parse_duration("30d"),
            Ok(SimDuration::from_secs(30 * 86_400))
        );
        assert_eq!(parse_duration("500us"), Ok(SimDuration::from_micros(500)));
        assert_eq!(parse_duration("10ns"), Ok(SimDuration::from_nanos(10)));
        assert_eq!(parse_duration("1.5s"), Ok(ms(1_500)));
        assert_eq!(parse_duration("0"), Ok(SimDuration::ZERO));
        assert_eq!(parse_duration("0s"), Ok(SimDuration::ZERO));
        for bad in [
            "",
            "20 parsecs",
            "5",
            "ms",
            "1h30",
            "-3s",
            "1..2s",
            "1e400s",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn rates_convert_to_per_second() {
        assert_eq!(parse_rate("200/s"), Ok(200.0));
        assert_eq!(parse_rate("12000/min"), Ok(200.0));
        assert_eq!(parse_rate("7200/h"), Ok(2.0));
        assert_eq!(parse_rate("720"), Ok(720.0));
        for bad in ["fast", "3/fortnight", "-1/s", "/s", "inf"] {
            assert!(parse_rate(bad).is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn probabilities_accept_percent_or_fraction_in_range() {
        assert_eq!(parse_probability("50%"), Ok(0.5));
        assert_eq!(parse_probability("0.25"), Ok(0.25));
        assert!((parse_probability("99.9%").unwrap() - 0.999).abs() < 1e-12);
        for bad in ["1.5", "101%", "-0.1", "half", "NaN"] {
            assert!(parse_probability(bad).is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn selections_are_case_insensitive() {
        assert_eq!(parse_selection("ALL"), Ok(Selection::All));
        assert_eq!(parse_selection("COUNT(2)"), Ok(Selection::Count(2)));
        assert_eq!(parse_selection("percent(25)"), Ok(Selection::Percent(25.0)));
        for bad in ["count(0)", "count(x)", "percent(150)", "some"] {
            assert!(parse_selection(bad).is_err(), "{bad:?} parsed");
        }
    }
}
