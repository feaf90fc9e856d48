//! A progress bar on stderr for studies and comparisons, shown only to a
//! person at a terminal: hidden when stderr is not a terminal (indicatif
//! does that) and when `CI` is set, so CI logs stay line-oriented. It only
//! observes counts; nothing it does reaches a report.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A bar over `total` runs, or a hidden one.
pub fn bar(total: u64, what: &str) -> ProgressBar {
    let visible = std::env::var_os("CI").is_none();
    let bar = ProgressBar::with_draw_target(
        Some(total),
        if visible {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        },
    );
    let style = ProgressStyle::with_template(
        "{msg} [{bar:30}] {pos}/{len} runs  {elapsed} elapsed, ~{eta} left",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar())
    .progress_chars("=> ");
    bar.set_style(style);
    bar.set_message(what.to_string());
    bar
}

/// A bar over one run's simulated time (0 to 1000 ‰), or a hidden one.
pub fn time_bar(what: &str) -> ProgressBar {
    let bar = self::bar(1000, what);
    let style = ProgressStyle::with_template(
        "{msg} [{bar:30}] {percent}% of simulated time  {elapsed} elapsed, ~{eta} left",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar())
    .progress_chars("=> ");
    bar.set_style(style);
    bar
}
