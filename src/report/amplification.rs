//! The amplification section (`metrics/amplification.rs`): attempts each
//! component received per client request, over the run and per minute, for
//! the Markdown and HTML reports ([`section`]) and the terminal digest
//! ([`rows`]). Runs without per-hop policies have no such section.

use super::document::{Align::Right, KeyValue, Section, Table};
use super::format;
use crate::metrics::amplification::{per_request, AmplificationBucket, AmplificationSummary};

/// Most rows of the per-minute table: longer runs merge neighbouring
/// buckets (sums, so ratios stay exact) until they fit.
const MAX_ROWS: usize = 60;

fn ratio(attempts: u64, requests: u64) -> String {
    format!("{:.2}", per_request(attempts, requests))
}

/// "Amplification": the overall table, then the per-minute one.
pub fn section(a: &AmplificationSummary) -> Section {
    let mut s = Section::new(2, "Amplification (attempts per client request)");
    let mut t = Table::new(&[
        ("component", super::document::Align::Left),
        ("attempts received", Right),
        ("per client request", Right),
    ]);
    for c in &a.components {
        t.row(vec![
            format!("`{}`", c.name),
            format::count(c.attempts),
            ratio(c.attempts, a.requests),
        ]);
    }
    s.table(t);
    s.paragraph(format!(
        "{} client requests after the warm-up. An attempt counts where a caller sends it, whether or not the component is up to answer; retries at several layers multiply (3 layers of 3 attempts send 27 to the innermost).",
        format::count(a.requests)
    ));
    let (width_s, buckets) = merged(a);
    if !buckets.is_empty() {
        let mut t = Table::new(&[("from", Right), ("client requests", Right)]);
        for c in &a.components {
            t.column(format!("`{}`", c.name), Right);
        }
        for b in &buckets {
            let mut row = vec![
                format::duration(b.start_s as f64),
                format::count(b.requests),
            ];
            row.extend(b.attempts.iter().map(|&x| ratio(x, b.requests)));
            t.row(row);
        }
        let title = format!(
            "Attempts per client request, per {}:",
            if width_s == 60 {
                "minute".to_string()
            } else {
                format::duration(width_s as f64)
            }
        );
        s.paragraph(title.clone());
        s.table(t.titled(title));
    }
    s
}

/// The buckets, merged in runs of neighbours until at most [`MAX_ROWS`].
fn merged(a: &AmplificationSummary) -> (u64, Vec<AmplificationBucket>) {
    let Some(last) = a.buckets.last() else {
        return (a.bucket_s, Vec::new());
    };
    let span = last.start_s / a.bucket_s.max(1) + 1;
    let factor = span.div_ceil(MAX_ROWS as u64).max(1);
    let width = a.bucket_s * factor;
    let mut out: Vec<AmplificationBucket> = Vec::new();
    for b in &a.buckets {
        let start_s = b.start_s / width * width;
        match out.last_mut() {
            Some(o) if o.start_s == start_s => {
                o.requests += b.requests;
                for (x, y) in o.attempts.iter_mut().zip(&b.attempts) {
                    *x += y;
                }
            }
            _ => out.push(AmplificationBucket {
                start_s,
                ..b.clone()
            }),
        }
    }
    (width, out)
}

/// The terminal digest's rows: each component's attempts per request, with
/// its busiest bucket.
pub fn rows(a: &AmplificationSummary) -> Vec<KeyValue> {
    a.components
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let peak = a
                .buckets
                .iter()
                .filter(|b| b.requests > 0)
                .map(|b| (per_request(b.attempts[i], b.requests), b.start_s))
                .fold(None, |best: Option<(f64, u64)>, x| match best {
                    Some(b) if b.0 >= x.0 => Some(b),
                    _ => Some(x),
                });
            let remark = match peak {
                Some((value, start_s)) => format!(
                    "peak {value:.2} in the {} from {}",
                    if a.bucket_s == 60 {
                        "minute".to_string()
                    } else {
                        format::duration(a.bucket_s as f64)
                    },
                    format::duration(start_s as f64)
                ),
                None => String::new(),
            };
            KeyValue::plain(
                c.name.clone(),
                format!("{} attempts/req", ratio(c.attempts, a.requests)),
                remark,
            )
        })
        .collect()
}
