//! Client arrivals: a Poisson process whose rate follows a profile, and the
//! request-class mix.
//!
//! Assumptions:
//! - Arrivals are Poisson; a time-varying rate is simulated by thinning (draw
//!   at the peak rate, keep each arrival with probability rate(t)/peak),
//!   which is exact for a non-homogeneous Poisson process.
//! - Each request comes from one of `clients` clients, uniformly; a client
//!   key drives consistent hashing and per-client DNS caches.
//! - The diurnal profile is a sinusoid over 24 h; the run starts at midnight.
//! - Load faults multiply the rate (a spike: every class; a surge: one
//!   class). When they change, the next arrival is redrawn from that moment,
//!   which is exact for a Poisson process (it has no memory).

use rand::RngExt;

use crate::config::{ClassIndex, Profile, WorkloadConfig};
use crate::dist::exp1;
use crate::rng::SimRng;
use crate::time::{SimDuration, SimTime};

pub struct Workload {
    rate_per_s: f64,
    profile: Profile,
    /// The highest factor the profile reaches (thinning draws at it).
    peak_factor: f64,
    /// The model's (or the scenario's) class shares, normalised.
    shares: Vec<f64>,
    /// Cumulative class weights (shares × surges); the last is 1.
    class_cdf: Vec<f64>,
    /// Active spikes and surges: (fault, class or `None` for all, factor).
    load_faults: Vec<(u16, Option<ClassIndex>, f64)>,
    /// The rate multiplier all load faults give together.
    load_factor: f64,
    /// Bumped when the rate changes: an `Arrival` from before is stale.
    pub epoch: u32,
    clients: u32,
    rng: SimRng,
}

impl Workload {
    pub fn new(config: &WorkloadConfig, class_shares: &[f64], rng: SimRng) -> Self {
        let peak_factor = match &config.profile {
            Profile::Constant | Profile::Diurnal { .. } => 1.0,
            Profile::Step { steps } => steps.iter().map(|(_, f)| *f).fold(1.0, f64::max),
        };
        let total: f64 = class_shares.iter().sum();
        let mut workload = Workload {
            rate_per_s: config.rate_per_s,
            profile: config.profile.clone(),
            peak_factor,
            shares: class_shares.iter().map(|s| s / total).collect(),
            class_cdf: Vec::new(),
            load_faults: Vec::new(),
            load_factor: 1.0,
            epoch: 0,
            clients: config.clients.max(1),
            rng,
        };
        workload.reweigh();
        workload
    }

    /// Starts (`Some(factor)`) or ends (`None`) load fault `fault` on one
    /// class or all; returns the new epoch.
    pub fn set_load_fault(
        &mut self,
        fault: u16,
        class: Option<ClassIndex>,
        factor: Option<f64>,
    ) -> u32 {
        self.load_faults.retain(|(f, _, _)| *f != fault);
        if let Some(factor) = factor {
            self.load_faults.push((fault, class, factor));
        }
        self.reweigh();
        self.epoch = self.epoch.wrapping_add(1);
        self.epoch
    }

    /// Recomputes the class mix and the rate multiplier from the shares and
    /// the active load faults.
    fn reweigh(&mut self) {
        let weights: Vec<f64> = (0..self.shares.len())
            .map(|c| {
                self.load_faults
                    .iter()
                    .filter(|(_, class, _)| class.is_none_or(|k| k == c))
                    .fold(self.shares[c], |w, (_, _, f)| w * f)
            })
            .collect();
        let total: f64 = weights.iter().sum();
        self.load_factor = total;
        let mut acc = 0.0;
        self.class_cdf = weights
            .iter()
            .map(|w| {
                acc += if total > 0.0 { w / total } else { 0.0 };
                acc
            })
            .collect();
        if let Some(last) = self.class_cdf.last_mut() {
            *last = 1.0;
        }
    }

    /// The rate factor at `t` (1 = the configured rate).
    pub fn factor_at(&self, t: SimTime) -> f64 {
        match &self.profile {
            Profile::Constant => 1.0,
            Profile::Diurnal {
                trough_factor,
                peak_at,
            } => {
                const DAY_S: f64 = 86_400.0;
                let phase = (t.as_secs_f64() - peak_at.as_secs_f64()) / DAY_S;
                let wave = libm::cos(2.0 * std::f64::consts::PI * phase); // 1 at the peak
                trough_factor + (1.0 - trough_factor) * (wave + 1.0) / 2.0
            }
            Profile::Step { steps } => steps
                .iter()
                .filter(|(at, _)| SimTime(at.as_nanos()) <= t)
                .map(|(_, f)| *f)
                .next_back()
                .unwrap_or(1.0),
        }
    }

    /// The time of the next arrival after `now`, or `None` if the rate is 0.
    pub fn next_arrival(&mut self, now: SimTime) -> Option<SimTime> {
        let peak_rate = self.rate_per_s * self.peak_factor * self.load_factor;
        if peak_rate <= 0.0 {
            return None;
        }
        let mut t = now;
        // Thinning: a bounded number of rejections keeps a profile that sits
        // at zero for long from spinning; 10^6 rejections at the peak rate
        // is far beyond any profile a file can express.
        for _ in 0..1_000_000 {
            let gap = exp1(&mut self.rng);
            t += SimDuration::from_secs_f64(gap / peak_rate);
            if matches!(self.profile, Profile::Constant) {
                return Some(t);
            }
            let keep: f64 = self.rng.random();
            if keep * self.peak_factor < self.factor_at(t) {
                return Some(t);
            }
        }
        None
    }

    /// Draws the class and the client of a new request.
    pub fn draw_request(&mut self) -> (ClassIndex, u32) {
        let class = if self.class_cdf.len() == 1 {
            0
        } else {
            let u: f64 = self.rng.random();
            self.class_cdf
                .iter()
                .position(|c| u < *c)
                .unwrap_or(self.class_cdf.len() - 1)
        };
        let client = self.rng.random_range(0..self.clients);
        (class, client)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;

    fn workload(profile: Profile) -> Workload {
        let config = WorkloadConfig {
            rate_per_s: 100.0,
            profile,
            mix: None,
            clients: 10,
            session_length: None,
        };
        Workload::new(&config, &[3.0, 1.0], stream(1, "workload-test"))
    }

    /// Arrivals in [from, to) seconds.
    fn count(w: &mut Workload, from: u64, to: u64) -> usize {
        let (from, to) = (SimTime(from * 1_000_000_000), SimTime(to * 1_000_000_000));
        let mut t = SimTime::ZERO;
        let mut n = 0;
        while let Some(next) = w.next_arrival(t) {
            if next >= to {
                break;
            }
            if next >= from {
                n += 1;
            }
            t = next;
        }
        n
    }

    #[test]
    fn step_profile_changes_the_rate_at_each_step() {
        let stepped = || {
            workload(Profile::Step {
                steps: vec![
                    (SimDuration::from_secs(100), 3.0),
                    (SimDuration::from_secs(200), 0.5),
                ],
            })
        };
        let before = count(&mut stepped(), 0, 100) as f64;
        let mut w = stepped();
        let during = count(&mut w, 100, 200) as f64;
        // 10,000 and 30,000 expected; Poisson sd 100 and 173.
        assert!((before - 10_000.0).abs() < 500.0, "{before}");
        assert!((during - 30_000.0).abs() < 900.0, "{during}");
        assert_eq!(w.factor_at(SimTime(250_000_000_000)), 0.5);
    }

    #[test]
    fn diurnal_profile_peaks_when_asked_and_bottoms_out_twelve_hours_later() {
        let w = workload(Profile::Diurnal {
            trough_factor: 0.3,
            peak_at: SimDuration::from_secs(14 * 3600),
        });
        let at_h = |h: u64| w.factor_at(SimTime(h * 3_600_000_000_000));
        assert!((at_h(14) - 1.0).abs() < 1e-9);
        assert!((at_h(2) - 0.3).abs() < 1e-9);
        assert!((at_h(8) - 0.65).abs() < 1e-9);
    }

    #[test]
    fn class_mix_follows_the_shares() {
        let mut w = workload(Profile::Constant);
        let firsts = (0..40_000).filter(|_| w.draw_request().0 == 0).count();
        // Shares 3:1, so 30,000 expected; binomial sd ≈ 87.
        assert!((firsts as i64 - 30_000).abs() < 400, "{firsts}");
    }
}

#[cfg(test)]
mod load_fault_tests {
    use super::*;
    use crate::rng::stream;

    #[test]
    fn spikes_and_surges_reweigh_rate_and_mix() {
        let config = WorkloadConfig {
            rate_per_s: 100.0,
            profile: Profile::Constant,
            mix: None,
            clients: 10,
            session_length: None,
        };
        let mut w = Workload::new(&config, &[3.0, 1.0], stream(1, "load"));
        assert!((w.load_factor - 1.0).abs() < 1e-12);
        // Surge class 1 ×5: weights 0.75 and 1.25, total 2.
        w.set_load_fault(0, Some(1), Some(5.0));
        assert!((w.load_factor - 2.0).abs() < 1e-12);
        assert!((w.class_cdf[0] - 0.375).abs() < 1e-12);
        // A spike ×3 on top multiplies everything.
        let e = w.set_load_fault(1, None, Some(3.0));
        assert!((w.load_factor - 6.0).abs() < 1e-12);
        assert_eq!(e, w.epoch);
        w.set_load_fault(0, Some(1), None);
        w.set_load_fault(1, None, None);
        assert!((w.load_factor - 1.0).abs() < 1e-12);
        assert!((w.class_cdf[0] - 0.75).abs() < 1e-12);
    }
}
