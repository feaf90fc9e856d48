//! The check's Markdown summary (for a pull-request comment or a CI job
//! summary such as `$GITHUB_STEP_SUMMARY`) and its terminal lines. Fixed
//! number formats, no wall-clock values: two checks of the same inputs give
//! the same bytes.

use std::fmt::Write as _;

use super::baseline::RegressionCheck;
use super::{slo_message, CheckResult};

/// One regression check in words.
pub fn regression_message(r: &RegressionCheck) -> String {
    let unit = |v: f64| match r.metric {
        "availability_request" => format!("{:.4} %", v * 100.0),
        "latency_p99_ms" => format!("{v:.3} ms"),
        "writes_lost" => format!("{v:.2}"),
        _ => format!("{v:.3} s"),
    };
    let delta = crate::report::format::signed_unit(r.metric);
    let interval = if r.difference.ci95.0.is_nan() {
        String::new()
    } else {
        format!(
            " [95 % CI {}, {}]",
            delta(r.difference.ci95.0),
            delta(r.difference.ci95.1)
        )
    };
    format!(
        "{}: baseline {} → now {}, change {}{interval} ({}); {}",
        r.metric,
        unit(r.baseline_mean),
        unit(r.current_mean),
        delta(r.difference.mean),
        if r.paired {
            "paired by seed"
        } else {
            "unpaired, Welch"
        },
        if r.regressed {
            format!(
                "REGRESSED (worse beyond noise and the {} tolerance)",
                unit_abs(r)
            )
        } else {
            "within noise or tolerance".into()
        }
    )
}

fn unit_abs(r: &RegressionCheck) -> String {
    match r.metric {
        "availability_request" => format!("{:.4} pp", r.tolerance * 100.0),
        "latency_p99_ms" => format!("{:.3} ms", r.tolerance),
        "writes_lost" => format!("{:.2}", r.tolerance),
        _ => format!("{:.3} s", r.tolerance),
    }
}

pub fn render(result: &CheckResult) -> String {
    let mut out = String::new();
    let failed = result.cases.iter().filter(|c| !c.passed()).count();
    let _ = writeln!(out, "# firedrill check: {}\n", result.suite);
    let _ = writeln!(
        out,
        "**{}**\n",
        if failed == 0 {
            format!("✅ all {} cases passed", result.cases.len())
        } else {
            format!("❌ {failed} of {} cases failed", result.cases.len())
        }
    );
    let _ = writeln!(
        out,
        "SLOs are judged on the mean over each case's runs (run i uses seed base + i).{}\n",
        match &result.baseline {
            Some(b) => format!(
                " Compared with baseline `{b}`: a regression is a change whose 95 % interval \
                 lies on the worse side and exceeds the figure's tolerance."
            ),
            None => String::new(),
        }
    );
    let _ = writeln!(
        out,
        "| case | check | result | measured |\n|---|---|:---:|---|"
    );
    for case in &result.cases {
        for slo in &case.slos {
            let _ = writeln!(
                out,
                "| {} | SLO {} | {} | {} |",
                cell(&case.name),
                slo.name,
                if slo.pass { "✅" } else { "❌" },
                cell(&slo_message(case, slo))
            );
        }
        for r in &case.regressions {
            let _ = writeln!(
                out,
                "| {} | regression {} | {} | {} |",
                cell(&case.name),
                r.metric,
                if r.regressed { "❌" } else { "✅" },
                cell(&regression_message(r))
            );
        }
        if case.slos.is_empty() && case.regressions.is_empty() {
            let _ = writeln!(out, "| {} | (no SLOs set) | ✅ | |", cell(&case.name));
        }
    }
    out.push('\n');
    let failing: Vec<_> = result.cases.iter().filter(|c| !c.passed()).collect();
    if !failing.is_empty() {
        let _ = writeln!(out, "## Reproduce\n\n```sh");
        for case in failing {
            let _ = writeln!(out, "{}", case.reproduce());
        }
        let _ = writeln!(out, "```");
    }
    out
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// The terminal lines: one per check, failures with their command.
pub fn terminal(result: &CheckResult) -> String {
    let mut out = String::new();
    for case in &result.cases {
        let word = if case.passed() { "PASS" } else { "FAIL" };
        let _ = writeln!(out, "{word}  {} ({} runs)", case.name, case.runs);
        for slo in &case.slos {
            let mark = if slo.pass { "ok  " } else { "FAIL" };
            let _ = writeln!(out, "  {mark} {}", slo_message(case, slo));
        }
        for r in &case.regressions {
            let mark = if r.regressed { "FAIL" } else { "ok  " };
            let _ = writeln!(out, "  {mark} {}", regression_message(r));
        }
        if let Some(reason) = case.experiment_failure() {
            let _ = writeln!(out, "  FAIL experiment failed: {reason}");
        }
        if !case.passed() {
            let _ = writeln!(out, "  reproduce: {}", case.reproduce());
            let _ = writeln!(
                out,
                "  worst run alone: {}",
                case.reproduce().replace(
                    &format!("--seed {} --runs {}", case.seed, case.runs),
                    &format!("--seed {}", case.worst_seed())
                )
            );
        }
    }
    let failed = result.cases.iter().filter(|c| !c.passed()).count();
    let _ = writeln!(
        out,
        "\nresult: {}",
        if failed == 0 {
            format!("all {} cases passed", result.cases.len())
        } else {
            format!("{failed} of {} cases failed", result.cases.len())
        }
    );
    out
}
