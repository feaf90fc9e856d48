//! `trace.jsonl`: the replay's event trace, one JSON object per line with
//! a fixed key order (`t_s`, `time`, `event`, `component`, `zone`, `cause`,
//! `detail`), `t_s` with three decimals.
//!
//! Memory: lines stream through a buffered writer into a temporary file in
//! the report directory, renamed over `trace.jsonl` when the replay ends
//! (the same atomic replace as [`super::write_atomic`]); nothing is held in
//! memory but the buffer and the timeline's fixed-size fold.

use std::io::{BufWriter, Write as _};
use std::path::Path;

use crate::metrics::state_timeline::StateTimeline;
use crate::metrics::trace::{TraceEvent, TraceSink};
use crate::time::{format_absolute, SimDuration, Timestamp};

pub const TRACE_FILE: &str = "trace.jsonl";

/// One trace line (without the newline). `start`: the scenario's
/// absolute start, when it has one (`time` is null otherwise), printed in
/// the scenario's own UTC offset.
pub fn line(e: &TraceEvent, start: Option<Timestamp>) -> String {
    let text = |s: &str| serde_json::to_string(s).expect("strings serialise");
    let time = match start {
        Some(start) => text(&format_absolute(start, SimDuration(e.at.0))),
        None => "null".to_string(),
    };
    let zone = e.zone.as_deref().map_or_else(|| "null".to_string(), text);
    format!(
        "{{\"t_s\":{:.3},\"time\":{},\"event\":{},\"component\":{},\"zone\":{},\"cause\":{},\"detail\":{}}}",
        e.at.as_secs_f64(),
        time,
        text(e.event),
        text(&e.component),
        zone,
        text(&e.cause),
        text(&e.detail),
    )
}

/// `2026-03-01T14:30:05.250Z` for nanoseconds since the Unix epoch
/// (proleptic Gregorian, UTC, milliseconds).
pub fn iso8601(unix_ns: i128) -> String {
    let ms = unix_ns.div_euclid(1_000_000);
    let days = ms.div_euclid(86_400_000) as i64;
    let ms_of_day = ms.rem_euclid(86_400_000) as i64;
    // Howard Hinnant's days-to-civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        ms_of_day / 3_600_000,
        ms_of_day / 60_000 % 60,
        ms_of_day / 1_000 % 60,
        ms_of_day % 1_000
    )
}

/// Streams the trace to a temporary file and folds it into the timeline.
pub struct TraceWriter {
    out: BufWriter<tempfile::NamedTempFile>,
    pub timeline: StateTimeline,
    start: Option<Timestamp>,
    pub events: u64,
    error: Option<std::io::Error>,
}

impl TraceWriter {
    pub fn create(
        dir: &Path,
        timeline: StateTimeline,
        start: Option<Timestamp>,
    ) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let mut builder = tempfile::Builder::new();
        builder.prefix(".firedrill-trace-").suffix(".tmp");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            builder.permissions(std::fs::Permissions::from_mode(0o666));
        }
        Ok(TraceWriter {
            out: BufWriter::with_capacity(64 * 1024, builder.tempfile_in(dir)?),
            timeline,
            start,
            events: 0,
            error: None,
        })
    }

    /// Takes the writer back from a world's sink.
    pub fn from_sink(sink: Box<dyn TraceSink>) -> Option<Box<TraceWriter>> {
        let any: Box<dyn std::any::Any> = sink;
        any.downcast::<TraceWriter>().ok()
    }

    /// Flushes and renames the trace over `path`; the timeline back.
    pub fn persist(self, path: &Path) -> std::io::Result<(StateTimeline, u64)> {
        if let Some(error) = self.error {
            return Err(error);
        }
        let file = self.out.into_inner().map_err(|e| e.into_error())?;
        file.as_file().sync_all()?;
        file.persist(path).map_err(|e| e.error)?;
        let mut timeline = self.timeline;
        timeline.finish();
        Ok((timeline, self.events))
    }
}

impl TraceSink for TraceWriter {
    fn record(&mut self, event: TraceEvent) {
        self.timeline.record(&event);
        self.events += 1;
        if self.error.is_none() {
            let mut text = line(&event, self.start);
            text.push('\n');
            if let Err(e) = self.out.write_all(text.as_bytes()) {
                self.error = Some(e);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::SimTime;

    #[test]
    fn lines_have_fixed_keys_and_decimals() {
        let e = TraceEvent::new(SimTime(1_800_000_000_000), "node_down", "web")
            .zone(Some("a"))
            .cause("zone")
            .detail("web-a-1 down \"x\"");
        assert_eq!(
            line(&e, None),
            r#"{"t_s":1800.000,"time":null,"event":"node_down","component":"web","zone":"a","cause":"zone","detail":"web-a-1 down \"x\""}"#
        );
    }

    #[test]
    fn iso_times_are_utc() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
        // 2012-06-14T20:00:00Z (the us-east-1 power event)
        assert_eq!(
            iso8601(1_339_704_000 * 1_000_000_000),
            "2012-06-14T20:00:00.000Z"
        );
    }
}
