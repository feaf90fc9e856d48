//! Queueing approximations for one server pool in the fluid mode.
//!
//! Assumptions and approximations:
//! - Each instance (or database node) is an M/M/c station: Poisson arrivals
//!   at its share of the tier's rate, `c` = its concurrency, exponential
//!   holding times with the mean of the real ones (its own service plus,
//!   for a tier, the downstream calls it waits on while holding its slot).
//!   The waiting time is then 0 with probability 1 − C(c, A) and
//!   exponential with rate cμ − λ otherwise (Erlang C).
//! - With a queue limit K the station is M/M/c/K: arrivals that find the
//!   queue full are shed (blocking probability from the stationary
//!   distribution); past saturation the wait is taken as a full queue,
//!   K / (cμ).
//! - Without a queue limit a saturated station is modelled as serving
//!   c/A of its load; the rest time out at the client.
//! - Behind a round-robin or least-outstanding balancer over n instances an
//!   instance's arrivals are about Erlang-n (every n-th of a Poisson
//!   stream), far more regular than Poisson: the station is then GI/M/c,
//!   whose wait given a wait is exponential with rate cμ(1 − σ), σ the root
//!   of σ = A*(cμ(1 − σ)) (A* the interarrival transform); the probability
//!   of waiting is taken as C(c, A)·σ/ρ (exact for c = 1 and for Poisson
//!   arrivals, where σ = ρ).
//! - Service that is not exponential scales the probability of waiting by
//!   (1 + cs²)/2 (the Allen–Cunneen factor, cs² the service time's squared
//!   coefficient of variation).

/// The wait a saturated station adds when the client sets no timeout: the
/// requests it cannot serve would hang until something gives up; taken as
/// 10 s, the connect timeout of the generic and AWS load balancer presets
/// (ELB's back-end connect timeout), as no client deadline applies. A fluid
/// approximation, not an infrastructure rule.
pub const SATURATED_WAIT_S: f64 = 10.0;

/// What a station does with its load in a state.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Station {
    /// Probability an admitted request waits.
    pub wait_probability: f64,
    /// Rate of the exponential wait, per second (given a wait).
    pub wait_rate_per_s: f64,
    /// Fraction of arrivals shed (queue full) or timing out (saturated,
    /// unbounded queue).
    pub shed_fraction: f64,
    /// Whether the shed arrivals time out (unbounded queue) rather than
    /// being refused with `overload`.
    pub shed_by_timeout: bool,
}

impl Station {
    pub const IDLE: Station = Station {
        wait_probability: 0.0,
        wait_rate_per_s: 0.0,
        shed_fraction: 0.0,
        shed_by_timeout: false,
    };
}

/// Erlang C: probability an arrival waits in M/M/c with offered load
/// `a` = λ/μ Erlangs (`a` < c), by the stable Erlang B recursion.
pub fn erlang_c(c: u32, a: f64) -> f64 {
    if a <= 0.0 {
        return 0.0;
    }
    let c_f = f64::from(c);
    if a >= c_f {
        return 1.0;
    }
    let mut b = 1.0;
    for k in 1..=c {
        b = a * b / (f64::from(k) + a * b);
    }
    b / (1.0 - (a / c_f) * (1.0 - b))
}

/// Blocking probability of M/M/c/K (K waiting places) at load `a`.
pub fn mmck_blocking(c: u32, k: u32, a: f64) -> f64 {
    if a <= 0.0 {
        return 0.0;
    }
    // Unnormalised stationary probabilities, scaled as we go to avoid
    // overflow: p_n = a^n/n! for n ≤ c, then × (a/c) per waiting place.
    let c_f = f64::from(c);
    let mut p = 1.0f64;
    let mut sum = 1.0f64;
    for n in 1..=(c + k) {
        p *= if n <= c { a / f64::from(n) } else { a / c_f };
        sum += p;
        if sum > 1e250 {
            p /= 1e200;
            sum /= 1e200;
        }
    }
    p / sum
}

/// The station of `c` servers, mean holding time `hold_s`, arrival rate
/// `rate_per_s` and queue limit `queue_limit`.
pub fn station(c: u32, hold_s: f64, rate_per_s: f64, queue_limit: Option<u32>) -> Station {
    station_gg(c, hold_s, rate_per_s, queue_limit, 1.0, 1.0)
}

/// [`station`] with Erlang-`erlang_k` arrivals (1 = Poisson) and the
/// service-variability factor (1 + cs²)/2.
pub fn station_gg(
    c: u32,
    hold_s: f64,
    rate_per_s: f64,
    queue_limit: Option<u32>,
    variability: f64,
    erlang_k: f64,
) -> Station {
    if rate_per_s <= 0.0 || hold_s <= 0.0 || c == 0 {
        return Station::IDLE;
    }
    let a = rate_per_s * hold_s;
    let c_f = f64::from(c);
    let mu = 1.0 / hold_s;
    // Below 98 % utilisation Erlang C is used as is; the queue limit only
    // sheds the (tiny) blocking probability.
    if a < 0.98 * c_f {
        let rho = a / c_f;
        let sigma = gi_sigma(rho, erlang_k);
        let wait_probability = (erlang_c(c, a) * sigma / rho * variability).min(1.0);
        // Blocking is at most P(wait)·ρ^K: skip the sum when negligible.
        let shed = queue_limit.map_or(0.0, |k| {
            if wait_probability * libm::pow(a / c_f, f64::from(k)) < 1e-12 {
                0.0
            } else {
                mmck_blocking(c, k, a)
            }
        });
        return Station {
            wait_probability,
            wait_rate_per_s: c_f * mu * (1.0 - sigma),
            shed_fraction: shed,
            shed_by_timeout: false,
        };
    }
    match queue_limit {
        Some(k) => Station {
            wait_probability: 1.0,
            // A full queue: K places drained at cμ (mean K/(cμ)).
            wait_rate_per_s: c_f * mu / f64::from(k.max(1)),
            shed_fraction: mmck_blocking(c, k, a).max(1.0 - c_f / a).max(0.0),
            shed_by_timeout: false,
        },
        None => Station {
            wait_probability: 1.0,
            wait_rate_per_s: 0.0, // unbounded: taken as the client timeout
            shed_fraction: (1.0 - 0.98 * c_f / a).max(0.0),
            shed_by_timeout: true,
        },
    }
}

/// The root σ in (0, 1) of σ = A*(cμ(1 − σ)) for Erlang-k interarrivals
/// at utilisation ρ: A*(s) = (kλ/(kλ + s))^k, so with x = cμ(1 − σ)/λ =
/// (1 − σ)/ρ, σ = (k/(k + (1 − σ)/ρ))^k. Poisson (k = 1) gives σ = ρ.
fn gi_sigma(rho: f64, k: f64) -> f64 {
    if k <= 1.0 || rho <= 0.0 {
        return rho;
    }
    let mut sigma = rho;
    for _ in 0..200 {
        let next = libm::pow(k / (k + (1.0 - sigma) / rho), k);
        if (next - sigma).abs() < 1e-12 {
            return next;
        }
        sigma = next;
    }
    sigma
}

/// The `q`-quantile of the waiting time (seconds) at a station.
pub fn wait_quantile_s(s: &Station, q: f64, saturated_wait_s: f64) -> f64 {
    if s.wait_probability <= 0.0 || q <= 1.0 - s.wait_probability {
        return 0.0;
    }
    if s.wait_rate_per_s <= 0.0 {
        return saturated_wait_s;
    }
    // P(W > w) = Pw·exp(−r·w) = 1 − q.
    libm::log(s.wait_probability / (1.0 - q).max(1e-300)) / s.wait_rate_per_s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erlang_c_matches_the_textbook_value() {
        // M/M/4 at ρ = 0.8 (A = 3.2): C = 0.5964 (README's closed form).
        assert!((erlang_c(4, 3.2) - 0.5964).abs() < 1e-3);
        // M/M/1: C = ρ.
        assert!((erlang_c(1, 0.8) - 0.8).abs() < 1e-12);
    }

    #[test]
    fn erlang_arrivals_make_a_single_server_wait_less() {
        // E12/M/1 at ρ = 0.6: σ ≈ 0.37 (iterating by hand), below ρ.
        let s = gi_sigma(0.6, 12.0);
        assert!((0.35..0.39).contains(&s), "{s}");
        assert!((gi_sigma(0.6, 1.0) - 0.6).abs() < 1e-12);
        let st = station_gg(1, 0.01, 60.0, None, 1.0, 12.0);
        assert!((st.wait_probability - s).abs() < 1e-9);
        assert!((st.wait_rate_per_s - 100.0 * (1.0 - s)).abs() < 1e-9);
    }

    #[test]
    fn mm1k_blocking_is_geometric() {
        // M/M/1/K with K waiting places (K + 1 in system), ρ = 0.5:
        // P_block = ρ^(K+1)(1 − ρ)/(1 − ρ^(K+2)).
        let (rho, k) = (0.5f64, 3u32);
        let want = rho.powi(4) * (1.0 - rho) / (1.0 - rho.powi(5));
        assert!((mmck_blocking(1, k, rho) - want).abs() < 1e-12);
    }
}
