//! Duration distributions: what a service time, a repair time or a failover
//! delay may be in a model or scenario file.
//!
//! Sampling happens in `f64` and is rounded to whole nanoseconds before it
//! leaves this module, so simulated time stays integer.
//!
//! Every transcendental function here comes from the `libm` crate, never
//! from `f64::ln` and friends (which call the platform's C library and may
//! differ in the last bit between systems): the same seed must give the
//! same report on any machine.

use crate::rng::SimRng;
use crate::time::SimDuration;
use rand::RngExt;

/// z-score of the 99th percentile of the standard normal distribution.
pub const Z_P99: f64 = 2.326_347_874_040_841;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Dist {
    /// Always the same span.
    Constant(SimDuration),
    /// Exponential with this mean (memoryless; M/M/c service, MTTR defaults).
    Exponential { mean_s: f64 },
    /// Lognormal given by the parameters of the underlying normal, in seconds.
    /// Files give it as a median and a p99, which fix `mu` and `sigma`.
    LogNormal { mu: f64, sigma: f64 },
    /// Uniform between two spans.
    Uniform { min_s: f64, max_s: f64 },
    /// Weibull with shape `k` and scale `lambda` (seconds); k < 1 gives the
    /// decreasing hazard seen in disk and server failure data.
    Weibull { shape: f64, scale_s: f64 },
}

impl Dist {
    /// Lognormal with the given median and 99th percentile (p99 > median > 0).
    pub fn lognormal_from_median_p99(median: SimDuration, p99: SimDuration) -> Dist {
        let median_s = median.as_secs_f64();
        let sigma = libm::log(p99.as_secs_f64() / median_s) / Z_P99;
        Dist::LogNormal {
            mu: libm::log(median_s),
            sigma,
        }
    }

    /// Lognormal with the given mean and sigma (mu = ln(mean) - sigma²/2).
    pub fn lognormal_from_mean(mean: SimDuration, sigma: f64) -> Dist {
        Dist::LogNormal {
            mu: libm::log(mean.as_secs_f64()) - sigma * sigma / 2.0,
            sigma,
        }
    }

    /// Weibull with shape `k` whose mean is `mean` (scale = mean / Γ(1 + 1/k)).
    pub fn weibull_from_mean(shape: f64, mean: SimDuration) -> Dist {
        Dist::Weibull {
            shape,
            scale_s: mean.as_secs_f64() / gamma(1.0 + 1.0 / shape),
        }
    }

    /// Exponential time to failure for an annual failure probability `p`
    /// (0 < p < 1): rate = -ln(1 - p) per year, so P(fail within a year) = p.
    pub fn from_annual_failure_rate(p: f64) -> Dist {
        const YEAR_S: f64 = 365.0 * 86_400.0;
        Dist::Exponential {
            mean_s: YEAR_S / -libm::log1p(-p),
        }
    }

    /// Exponential with the given mean.
    pub fn exponential(mean: SimDuration) -> Dist {
        Dist::Exponential {
            mean_s: mean.as_secs_f64(),
        }
    }

    pub fn sample(&self, rng: &mut SimRng) -> SimDuration {
        match *self {
            Dist::Constant(d) => d,
            Dist::Exponential { mean_s } => SimDuration::from_secs_f64(exp1(rng) * mean_s),
            Dist::LogNormal { mu, sigma } => {
                SimDuration::from_secs_f64(libm::exp(mu + sigma * standard_normal(rng)))
            }
            Dist::Uniform { min_s, max_s } => {
                let u: f64 = rng.random();
                SimDuration::from_secs_f64(min_s + u * (max_s - min_s))
            }
            Dist::Weibull { shape, scale_s } => {
                // Inverse transform: F^-1(u) = lambda * (-ln(1-u))^(1/k).
                SimDuration::from_secs_f64(scale_s * libm::pow(exp1(rng), 1.0 / shape))
            }
        }
    }

    /// The distribution's mean, in seconds.
    pub fn mean_s(&self) -> f64 {
        match *self {
            Dist::Constant(d) => d.as_secs_f64(),
            Dist::Exponential { mean_s } => mean_s,
            Dist::LogNormal { mu, sigma } => libm::exp(mu + sigma * sigma / 2.0),
            Dist::Uniform { min_s, max_s } => (min_s + max_s) / 2.0,
            Dist::Weibull { shape, scale_s } => scale_s * gamma(1.0 + 1.0 / shape),
        }
    }

    /// An upper bound that samples exceed with probability at most about 1e-4,
    /// in seconds: used to size bounded look-back windows.
    pub fn high_quantile_s(&self) -> f64 {
        match *self {
            Dist::Constant(d) => d.as_secs_f64(),
            Dist::Exponential { mean_s } => mean_s * 9.22, // -ln(1e-4)
            Dist::LogNormal { mu, sigma } => libm::exp(mu + 3.72 * sigma),
            Dist::Uniform { max_s, .. } => max_s,
            Dist::Weibull { shape, scale_s } => scale_s * libm::pow(9.22, 1.0 / shape),
        }
    }

    /// True when every sample is zero (lets hot paths skip a hop event).
    pub fn is_zero(&self) -> bool {
        matches!(self, Dist::Constant(d) if d.is_zero())
    }
}

/// A standard exponential variate (ziggurat; see `ziggurat.rs`).
pub fn exp1(rng: &mut SimRng) -> f64 {
    crate::ziggurat::exp1(rng)
}

/// A standard normal variate (ziggurat; see `ziggurat.rs`).
pub fn standard_normal(rng: &mut SimRng) -> f64 {
    crate::ziggurat::standard_normal(rng)
}

/// Lanczos approximation of the gamma function (|error| < 1e-13 for x > 0.5).
fn gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        std::f64::consts::PI / (libm::sin(std::f64::consts::PI * x) * gamma(1.0 - x))
    } else {
        let x = x - 1.0;
        let t = x + G + 0.5;
        let series = C[1..]
            .iter()
            .enumerate()
            .fold(C[0], |acc, (i, c)| acc + c / (x + i as f64 + 1.0));
        libm::sqrt(2.0 * std::f64::consts::PI) * libm::pow(t, x + 0.5) * libm::exp(-t) * series
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;

    fn sample_mean(d: &Dist, n: usize) -> f64 {
        let mut rng = stream(1, "dist-test");
        (0..n)
            .map(|_| d.sample(&mut rng).as_secs_f64())
            .sum::<f64>()
            / n as f64
    }

    #[test]
    fn sample_means_match_closed_forms() {
        let cases = [
            Dist::exponential(SimDuration::from_millis(10)),
            Dist::lognormal_from_median_p99(
                SimDuration::from_millis(20),
                SimDuration::from_millis(150),
            ),
            Dist::Uniform {
                min_s: 1.0,
                max_s: 3.0,
            },
            Dist::Weibull {
                shape: 0.7,
                scale_s: 2.0,
            },
        ];
        for d in cases {
            let m = sample_mean(&d, 400_000);
            let rel = (m - d.mean_s()).abs() / d.mean_s();
            assert!(rel < 0.02, "{d:?}: sample mean {m} vs {}", d.mean_s());
        }
    }

    #[test]
    fn lognormal_p99_lands_where_asked() {
        let d = Dist::lognormal_from_median_p99(
            SimDuration::from_millis(20),
            SimDuration::from_millis(150),
        );
        let mut rng = stream(3, "p99");
        let mut xs: Vec<u64> = (0..200_000).map(|_| d.sample(&mut rng).0).collect();
        xs.sort_unstable();
        let p50 = xs[100_000] as f64 / 1e6;
        let p99 = xs[198_000] as f64 / 1e6;
        assert!((p50 - 20.0).abs() < 0.5, "p50 {p50}");
        assert!((p99 - 150.0).abs() < 6.0, "p99 {p99}");
    }

    #[test]
    fn gamma_matches_known_values() {
        assert!((gamma(5.0) - 24.0).abs() < 1e-9);
        assert!((gamma(0.5) - std::f64::consts::PI.sqrt()).abs() < 1e-9);
    }
}
