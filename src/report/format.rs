//! Number and text formatting shared by the report document builders (and
//! HTML escaping for the writers that draw SVG and HTML). `report.json`
//! does not use these: it keeps raw values.

use std::fmt::Write as _;

use crate::metrics::Estimate;

/// Average month (365.25 / 12 days), the usual base for "downtime per month".
pub const MONTH_S: f64 = 365.25 / 12.0 * 86_400.0;

/// `1234567` → `1,234,567`: counts people can read at a glance.
pub fn count(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// Dollars to the cent with thousands separators: `$1,234.56`.
pub fn usd(value: f64) -> String {
    if !value.is_finite() {
        return "n/a".to_string();
    }
    let cents = (value.abs() * 100.0).round() as u64;
    let sign = if value < 0.0 && cents > 0 { "-" } else { "" };
    format!("{sign}${}.{:02}", count(cents / 100), cents % 100)
}

/// A unit price, which may be a fraction of a cent: `$0.0004`, `$0.096`,
/// `$0.02` (at least two decimals, at most six, trailing zeros dropped).
pub fn unit_usd(value: f64) -> String {
    if !value.is_finite() {
        return "n/a".to_string();
    }
    let text = format!("{:.6}", value.abs());
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let fraction = fraction.trim_end_matches('0');
    let padding = "0".repeat(2usize.saturating_sub(fraction.len()));
    let whole = count(whole.parse().unwrap_or(0));
    let sign = if value < 0.0 { "-" } else { "" };
    format!("{sign}${whole}.{fraction}{padding}")
}

/// A quantity with thousands separators and at most three decimals:
/// `2,920`, `2,233.8`, `5,548`.
pub fn quantity(value: f64) -> String {
    if !value.is_finite() {
        return "n/a".to_string();
    }
    let thousandths = (value.abs() * 1_000.0).round() as u64;
    let sign = if value < 0.0 && thousandths > 0 {
        "-"
    } else {
        ""
    };
    let fraction = format!("{:03}", thousandths % 1_000);
    let fraction = fraction.trim_end_matches('0');
    let dot = if fraction.is_empty() { "" } else { "." };
    format!("{sign}{}{dot}{fraction}", count(thousandths / 1_000))
}

/// A fraction as a percentage with enough decimals to tell 99.9 % from
/// 99.99 %: four decimals, trailing zeros kept so columns line up.
pub fn percent(fraction: f64) -> String {
    if !fraction.is_finite() {
        return "n/a".to_string();
    }
    format!("{:.4} %", fraction * 100.0)
}

/// Availability as "nines": 0.999 → 3.0, 0.9995 → 3.3. Capped at 9 so a
/// perfect run prints a number instead of infinity.
pub fn nines(fraction: f64) -> String {
    if !fraction.is_finite() {
        return "n/a".to_string();
    }
    let n = crate::metrics::cost::nines(fraction);
    if n >= crate::metrics::cost::NINES_CAP {
        return "≥ 9".to_string();
    }
    format!("{n:.1}")
}

/// A change in availability, in percentage points: `+0.0140 pp`.
pub fn signed_points(change: f64) -> String {
    signed(change, |v| format!("{:+.4} pp", v * 100.0))
}

pub fn signed_seconds(change: f64) -> String {
    signed(change, |v| format!("{v:+.3} s"))
}

pub fn signed_ms(change: f64) -> String {
    signed(change, |v| format!("{v:+.3} ms"))
}

/// A change in a count (writes, requests): `+2.10`.
pub fn signed_count(change: f64) -> String {
    signed(change, |v| format!("{v:+.2}"))
}

/// How a change in a figure named like the report's keys reads:
/// availabilities in points, `_ms` in milliseconds, `_s` in seconds,
/// anything else as a count.
pub fn signed_unit(metric: &str) -> fn(f64) -> String {
    match metric {
        m if m.starts_with("availability") => signed_points,
        m if m.ends_with("_ms") => signed_ms,
        m if m.ends_with("_s") => signed_seconds,
        _ => signed_count,
    }
}

fn signed(value: f64, text: impl FnOnce(f64) -> String) -> String {
    if value.is_finite() {
        text(value)
    } else {
        "n/a".into()
    }
}

/// The downtime per month the same unavailability would add up to.
pub fn downtime_per_month(fraction: f64) -> String {
    if !fraction.is_finite() {
        return "n/a".to_string();
    }
    duration((1.0 - fraction).max(0.0) * MONTH_S)
}

/// Seconds in the largest units that keep it short: `45.2 s`, `21 min 54 s`,
/// `3 h 02 min`, `2 d 04 h`.
pub fn duration(seconds: f64) -> String {
    if !seconds.is_finite() {
        return "n/a".to_string();
    }
    if seconds < 60.0 {
        return format!("{seconds:.1} s");
    }
    let whole = seconds.round() as u64;
    let (days, hours, minutes, secs) = (
        whole / 86_400,
        whole % 86_400 / 3_600,
        whole % 3_600 / 60,
        whole % 60,
    );
    let mut out = String::new();
    if days > 0 {
        let _ = write!(out, "{days} d {hours:02} h");
    } else if hours > 0 {
        let _ = write!(out, "{hours} h {minutes:02} min");
    } else {
        let _ = write!(out, "{minutes} min {secs:02} s");
    }
    out
}

/// Milliseconds with three decimals (microsecond resolution).
pub fn ms(value: f64) -> String {
    if !value.is_finite() {
        return "n/a".to_string();
    }
    format!("{value:.3} ms")
}

/// Seconds with three decimals.
pub fn seconds(value: f64) -> String {
    if !value.is_finite() {
        return "n/a".to_string();
    }
    format!("{value:.3} s")
}

/// An SLO value in the unit its name implies: availability SLOs are
/// fractions shown as percentages, `latency_*` are milliseconds,
/// `writes_*` are counts, `*_s` are seconds. Unknown names print plainly so a
/// new SLO never breaks a report.
pub fn slo_value(name: &str, value: f64) -> String {
    if !value.is_finite() {
        return "n/a".to_string();
    }
    if name.starts_with("availability") {
        percent(value)
    } else if name.starts_with("latency") {
        ms(value)
    } else if name.starts_with("writes") && value >= 0.0 && value.fract() == 0.0 {
        format!("{} writes", count(value as u64))
    } else if name.ends_with("_s") {
        seconds(value)
    } else {
        format!("{value}")
    }
}

/// Quotes a command-line argument for a POSIX shell, only when needed, so
/// the printed reproduction command can be pasted as is.
pub fn shell_quote(argument: &str) -> String {
    let safe = !argument.is_empty()
        && argument
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=+,@%".contains(c));
    if safe {
        argument.to_string()
    } else {
        format!("'{}'", argument.replace('\'', r"'\''"))
    }
}

/// `mean [low, high]`, or the mean alone when the interval is unknown.
pub fn estimate(e: &Estimate, unit: fn(f64) -> String) -> String {
    if e.ci95.0.is_finite() && e.ci95.1.is_finite() {
        format!("{} [{}, {}]", unit(e.mean), unit(e.ci95.0), unit(e.ci95.1))
    } else {
        unit(e.mean)
    }
}

/// A mean count such as writes lost per run with two decimals, or `n/a`.
pub fn mean_count(value: f64) -> String {
    if value.is_finite() {
        format!("{value:.2}")
    } else {
        "n/a".into()
    }
}

/// Escapes text for HTML element content and double-quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_get_thousands_separators() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1_000), "1,000");
        assert_eq!(count(1_234_567), "1,234,567");
    }

    #[test]
    fn money_and_quantities() {
        assert_eq!(usd(908.7606), "$908.76");
        assert_eq!(usd(1_234_567.891), "$1,234,567.89");
        assert_eq!(usd(0.0), "$0.00");
        assert_eq!(unit_usd(0.0004), "$0.0004");
        assert_eq!(unit_usd(0.342), "$0.342");
        assert_eq!(unit_usd(0.02), "$0.02");
        assert_eq!(unit_usd(120.0), "$120.00");
        assert_eq!(unit_usd(1_200.5), "$1,200.50");
        assert_eq!(quantity(2_233.8), "2,233.8");
        assert_eq!(quantity(5_548.0), "5,548");
        assert_eq!(quantity(0.0), "0");
    }

    #[test]
    fn nines_and_downtime() {
        assert_eq!(nines(0.999), "3.0");
        assert_eq!(nines(1.0), "≥ 9");
        // 0.1 % of an average month (2,629,800 s) is 2,629.8 s = 43 min 50 s.
        assert_eq!(downtime_per_month(0.999), "43 min 50 s");
        assert_eq!(duration(7_500.0), "2 h 05 min");
        assert_eq!(duration(12.34), "12.3 s");
    }

    #[test]
    fn shell_quoting() {
        assert_eq!(shell_quote("models/a.yaml"), "models/a.yaml");
        assert_eq!(shell_quote("my model.yaml"), "'my model.yaml'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }
}
