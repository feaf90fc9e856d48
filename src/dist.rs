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

impl Dist {
    /// Squared coefficient of variation (variance / mean²); 0 for a
    /// constant or a zero mean.
    pub fn cv2(&self) -> f64 {
        match *self {
            Dist::Constant(_) => 0.0,
            Dist::Exponential { .. } => 1.0,
            Dist::LogNormal { sigma, .. } => libm::exp(sigma * sigma) - 1.0,
            Dist::Uniform { min_s, max_s } => {
                let mean = (min_s + max_s) / 2.0;
                if mean > 0.0 {
                    (max_s - min_s) * (max_s - min_s) / 12.0 / (mean * mean)
                } else {
                    0.0
                }
            }
            Dist::Weibull { shape, .. } => {
                let g1 = gamma(1.0 + 1.0 / shape);
                gamma(1.0 + 2.0 / shape) / (g1 * g1) - 1.0
            }
        }
    }

    /// The `u`-quantile (0 < u < 1) in seconds: the inverse CDF, for
    /// stratified sampling (the fluid mode's latency quadrature).
    pub fn quantile_s(&self, u: f64) -> f64 {
        let u = u.clamp(1e-12, 1.0 - 1e-12);
        match *self {
            Dist::Constant(d) => d.as_secs_f64(),
            Dist::Exponential { mean_s } => -mean_s * libm::log1p(-u),
            Dist::LogNormal { mu, sigma } => libm::exp(mu + sigma * normal_quantile(u)),
            Dist::Uniform { min_s, max_s } => min_s + u * (max_s - min_s),
            Dist::Weibull { shape, scale_s } => scale_s * libm::pow(-libm::log1p(-u), 1.0 / shape),
        }
    }
}

/// Φ⁻¹(p), the standard normal quantile (Acklam's rational approximation,
/// relative error < 1.2e-9).
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    const LOW: f64 = 0.024_25;
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < LOW {
        tail(libm::sqrt(-2.0 * libm::log(p)))
    } else if p > 1.0 - LOW {
        -tail(libm::sqrt(-2.0 * libm::log(1.0 - p)))
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
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
    fn quantiles_invert_the_distributions() {
        assert!((normal_quantile(0.99) - Z_P99).abs() < 1e-8);
        assert!((normal_quantile(0.5)).abs() < 1e-12);
        assert!((normal_quantile(0.001) + 3.090_232_306).abs() < 1e-7);
        let d = Dist::lognormal_from_median_p99(
            SimDuration::from_millis(20),
            SimDuration::from_millis(150),
        );
        assert!((d.quantile_s(0.99) - 0.150).abs() < 1e-8);
        let e = Dist::exponential(SimDuration::from_secs(2));
        assert!((e.quantile_s(1.0 - (-1.0f64).exp()) - 2.0).abs() < 1e-9);
        // Weibull with shape 1 is exponential: CV² = 1.
        let w = Dist::Weibull {
            shape: 1.0,
            scale_s: 3.0,
        };
        assert!((w.cv2() - 1.0).abs() < 1e-9);
    }

    #[test]
    fn gamma_matches_known_values() {
        assert!((gamma(5.0) - 24.0).abs() < 1e-9);
        assert!((gamma(0.5) - std::f64::consts::PI.sqrt()).abs() < 1e-9);
    }
}
