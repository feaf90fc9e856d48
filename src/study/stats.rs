//! Interval estimates for a study: Student t for continuous figures, Wilson
//! for a pooled proportion. Sums run in a fixed order (the runs' order), so
//! the result does not depend on how many threads ran the runs.

use crate::metrics::Estimate;

/// Two-sided 95 % normal quantile, z(0.975).
pub const Z_975: f64 = 1.959_963_984_540_054;

/// t(0.975) for 1..=30 degrees of freedom (standard tables, 6 decimals).
const T_975: [f64; 30] = [
    12.706_205, 4.302_653, 3.182_446, 2.776_445, 2.570_582, 2.446_912, 2.364_624, 2.306_004,
    2.262_157, 2.228_139, 2.200_985, 2.178_813, 2.160_369, 2.144_787, 2.131_450, 2.119_905,
    2.109_816, 2.100_922, 2.093_024, 2.085_963, 2.079_614, 2.073_873, 2.068_658, 2.063_899,
    2.059_539, 2.055_529, 2.051_831, 2.048_407, 2.045_230, 2.042_272,
];

/// The 0.975 quantile of Student's t with `df` degrees of freedom (`df` ≥
/// 1): a table up to 30, then the Cornish-Fisher expansion in 1/df (four
/// terms; error about 2e-6 at df = 31 and falling as df grows, where the
/// tail is already close to normal). Only powers and sums: same bits everywhere.
pub fn t_quantile_975(df: u32) -> f64 {
    assert!(df >= 1, "t quantile needs at least one degree of freedom");
    if let Some(&t) = T_975.get(df as usize - 1) {
        return t;
    }
    let z = Z_975;
    let n = f64::from(df);
    let (z2, z3) = (z * z, z * z * z);
    let (z5, z7, z9) = (z3 * z2, z3 * z2 * z2, z3 * z3 * z3);
    z + (z3 + z) / (4.0 * n)
        + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * n * n)
        + (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / (384.0 * n * n * n)
        + (79.0 * z9 + 776.0 * z7 + 1482.0 * z5 - 1920.0 * z3 - 945.0 * z)
            / (92_160.0 * n * n * n * n)
}

/// Mean and Student-t 95 % interval of `values`, summed in order. With one
/// value the interval is `(NaN, NaN)`: one run says nothing about spread.
/// An empty slice gives `None`.
pub fn mean_ci(values: &[f64]) -> Option<Estimate> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    let ci95 = if n < 2 {
        (f64::NAN, f64::NAN)
    } else {
        let ss: f64 = values.iter().map(|v| (v - mean) * (v - mean)).sum();
        let sd = (ss / (n - 1) as f64).sqrt();
        let half = t_quantile_975(n as u32 - 1) * sd / (n as f64).sqrt();
        (mean - half, mean + half)
    };
    Some(Estimate {
        mean,
        ci95,
        n: n as u32,
    })
}

/// Wilson score 95 % interval for `successes` out of `trials`: unlike the
/// normal approximation it stays inside [0, 1] and behaves at 0 and 1,
/// where availabilities live. `None` without trials.
pub fn wilson95(successes: u64, trials: u64) -> Option<(f64, f64)> {
    if trials == 0 {
        return None;
    }
    let n = trials as f64;
    let p = successes as f64 / n;
    let z2 = Z_975 * Z_975;
    let denominator = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denominator;
    let half = Z_975 / denominator * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    // At 0 and at n successes the bound is exactly 0 or 1; the formula
    // only gets there to within rounding.
    let lo = if successes == 0 {
        0.0
    } else {
        (centre - half).max(0.0)
    };
    let hi = if successes == trials {
        1.0
    } else {
        (centre + half).min(1.0)
    };
    Some((lo, hi))
}
