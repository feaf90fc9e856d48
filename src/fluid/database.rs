//! Databases and volumes in the fluid mode: primary loss, failover,
//! endpoint staleness, volume loss and the writes it costs (the
//! assumptions are listed in `infra.rs`; the request-level model is
//! `model/database.rs` and `model/volume.rs`).
//!
//! Failover is the request level's (`model/database_events.rs`): detection
//! when a primary with a failover target goes down (aborted if it returns
//! first), then the first live standby or (when allowed) the live replica
//! with the least drawn lag, promotion, and the failure coin, each drawn
//! from the database's own stream (`db/<name>`) in the same order, so a
//! seed fails over at the same instants at both fidelities.
//!
//! Approximations: a promoted replica loses its drawn lag's worth of writes
//! at the current successful write rate; a
//! lost primary volume with no failover target loses the writes since the
//! later of the last completed snapshot's start (snapshot duration taken
//! at its mean) and the last shipped logs.

use rand::RngExt;

use super::infra::{Failover, Infra};
use super::FluidEvent;
use crate::config::DownMode;
use crate::engine::Engine;
use crate::metrics::trace::TraceEvent;
use crate::model::database::{failover_candidate, Role};
use crate::model::id::ServerId;
use crate::model::node::Cause;
use crate::model::trace_records::volume_event;
use crate::time::{SimDuration, SimTime};

impl Infra {
    fn db_of(&self, s: ServerId) -> Option<(usize, usize)> {
        self.dbs
            .iter()
            .enumerate()
            .find_map(|(d, db)| db.servers.iter().position(|&x| x == s).map(|n| (d, n)))
    }

    pub(super) fn db_node_down(&mut self, e: &mut Engine<FluidEvent>, s: ServerId) {
        let Some((d, n)) = self.db_of(s) else { return };
        if self.dbs[d].primary != n {
            return;
        }
        // The request level's rule (`model/database_events.rs`): a database
        // with a failover target starts detecting, unless a failover is
        // already under way; the detection time is the database's first
        // draw of this failover from its own stream.
        if !self.has_failover_target(d) || self.dbs[d].failover != Failover::Idle {
            return;
        }
        let db = &mut self.dbs[d];
        db.epoch += 1;
        let epoch = db.epoch;
        db.failover = Failover::Detecting;
        let detection = db.config.failover.detection.sample(&mut db.rng);
        e.schedule_after(
            detection,
            FluidEvent::DbFailoverStart {
                db: d as u16,
                epoch,
            },
        );
        let at = e.now();
        self.trace_db(at, d, n, "failover_started", |label| {
            format!(
                "primary {label} lost; detection takes {:.3} s",
                detection.as_secs_f64()
            )
        });
    }

    pub(super) fn db_node_up(&mut self, e: &mut Engine<FluidEvent>, s: ServerId) {
        let Some((d, n)) = self.db_of(s) else { return };
        if self.dbs[d].primary == n && self.dbs[d].failover == Failover::Detecting {
            // Back before anyone noticed: no failover. A promotion under
            // way goes on (the request level's rule).
            let db = &mut self.dbs[d];
            db.failover = Failover::Idle;
            db.epoch += 1;
            let at = e.now();
            self.trace_db(at, d, n, "failover_aborted", |label| {
                format!("the primary {label} came back before detection")
            });
        }
    }

    fn has_failover_target(&self, d: usize) -> bool {
        let db = &self.dbs[d];
        db.roles.iter().any(|&r| {
            r == Role::Standby || (r == Role::Replica && db.config.failover.promote_replicas)
        })
    }

    /// Whether a failover could promote a node now (no draw).
    fn has_live_candidate(&self, d: usize) -> bool {
        let db = &self.dbs[d];
        (0..db.servers.len()).any(|n| {
            let role = db.roles[n];
            self.servers[db.servers[n]].is_up()
                && (role == Role::Standby
                    || (role == Role::Replica && db.config.failover.promote_replicas))
        })
    }

    /// The request level's failover rule (`model/database.rs`): the first
    /// live standby, else (when allowed) the live replica with the least
    /// lag, each replica's lag drawn from the database's stream.
    fn failover_candidate(&mut self, d: usize) -> Option<(usize, SimDuration)> {
        let (servers, db) = (&self.servers, &mut self.dbs[d]);
        let (roles, lags, rng) = (&db.roles, &db.lags, &mut db.rng);
        failover_candidate(
            db.servers.len(),
            |n| roles[n],
            |n| servers[db.servers[n]].is_up(),
            db.config.failover.promote_replicas,
            SimDuration::ZERO,
            |n| lags[n].map_or(SimDuration::ZERO, |l| l.sample(rng)),
        )
    }

    pub fn on_failover_start(&mut self, e: &mut Engine<FluidEvent>, d: usize, epoch: u32) {
        if self.dbs[d].epoch != epoch || self.dbs[d].failover != Failover::Detecting {
            return;
        }
        let at = e.now();
        let primary = self.dbs[d].primary;
        match self.failover_candidate(d) {
            Some((candidate, lag)) => {
                let db = &mut self.dbs[d];
                db.failover = Failover::Promoting { candidate, lag };
                let promotion = db.config.failover.promotion.sample(&mut db.rng);
                e.schedule_after(
                    promotion,
                    FluidEvent::DbFailoverDone {
                        db: d as u16,
                        epoch,
                    },
                );
                self.trace_db(at, d, candidate, "failover_detected", move |label| {
                    format!(
                        "promoting {label} (lag {:.3} s); promotion takes {:.3} s",
                        lag.as_secs_f64(),
                        promotion.as_secs_f64()
                    )
                });
            }
            None => {
                // The database waits for the old primary to come back.
                self.dbs[d].failover = Failover::Idle;
                self.trace_db(at, d, primary, "failover_no_candidate", |label| {
                    format!("primary {label} lost and no standby or replica is up to promote")
                });
            }
        }
    }

    pub fn on_failover_done(&mut self, e: &mut Engine<FluidEvent>, d: usize, epoch: u32) {
        let Failover::Promoting { candidate, lag } = self.dbs[d].failover else {
            return;
        };
        if self.dbs[d].epoch != epoch {
            return;
        }
        let at = e.now();
        let candidate_up = self.servers[self.dbs[d].servers[candidate]].is_up();
        let db = &mut self.dbs[d];
        db.failover = Failover::Idle;
        db.epoch += 1;
        // Drawn once per attempt, as the request level's `failover_fails`.
        let fails = db.blocked > 0 || {
            let p = db.config.failover.failure_probability;
            candidate_up && p > 0.0 && db.rng.random::<f64>() < p
        };
        if !candidate_up || fails {
            self.trace_db(at, d, candidate, "failover_failed", |label| {
                format!("promotion of {label} did not complete; waits for the old primary")
            });
            return;
        }
        let db = &mut self.dbs[d];
        if db.roles[candidate] == Role::Replica {
            // Asynchronous: the writes inside the replica's lag (drawn
            // when it was chosen) are lost.
            let lag_s = lag.as_secs_f64();
            db.writes_lost += db.write_rate_per_s * lag_s;
            db.rpo_s = db.rpo_s.max(lag_s);
        }
        let old = db.primary;
        db.roles.swap(old, candidate);
        db.lags.swap(old, candidate);
        db.primary = candidate;
        db.previous_primary = old;
        db.endpoint_stale = true;
        db.epoch += 1;
        let epoch = db.epoch;
        self.dirty = true;
        let ttl = self.dbs[d].config.endpoint_ttl;
        e.schedule_after(
            ttl,
            FluidEvent::DbDnsSettled {
                db: d as u16,
                epoch,
            },
        );
        self.trace_db(at, d, candidate, "failover_promoted", |label| {
            format!("{label} is the primary")
        });
    }

    /// A volume record, worded as the request level does.
    fn trace_volume(&mut self, at: SimTime, v: usize, event: &'static str) {
        let owner = self.volumes[v].owner;
        let id = crate::model::id::VolumeId(v as u32);
        self.record(|l| volume_event(at, event, l.server_label(owner), &l.volumes[id].name));
    }

    /// A failover record about node `n` of database `d`, worded as the
    /// request level does.
    fn trace_db(
        &mut self,
        at: SimTime,
        d: usize,
        n: usize,
        event: &'static str,
        detail: impl FnOnce(&str) -> String,
    ) {
        let s = self.dbs[d].servers[n];
        self.record(|l| {
            let (component, zone, label) = l.server_label(s);
            TraceEvent::new(at, event, component)
                .zone(Some(&zone))
                .cause("failover")
                .detail(detail(&label))
        });
    }

    pub fn on_db_dns_settled(&mut self, d: usize, _epoch: u32) {
        if self.dbs[d].endpoint_stale {
            self.dbs[d].endpoint_stale = false;
            self.dirty = true;
        }
    }

    /// A volume's data is gone: its node is down until the restore.
    pub fn volume_lost(&mut self, e: &mut Engine<FluidEvent>, v: usize, restore: SimDuration) {
        if self.volumes[v].lost {
            return;
        }
        let now = e.now();
        let vol = &mut self.volumes[v];
        vol.lost = true;
        vol.generation += 1;
        let generation = vol.generation;
        let owner = vol.owner;
        if let Some(d) = vol.db {
            let is_primary = self.dbs[d].servers[self.dbs[d].primary] == owner;
            if is_primary && !self.has_live_candidate(d) {
                let rpo_s = self.restore_gap_s(v, d, now);
                let db = &mut self.dbs[d];
                db.writes_lost += db.write_rate_per_s * rpo_s;
                db.rpo_s = db.rpo_s.max(rpo_s);
            }
        }
        let at = e.now();
        self.trace_volume(at, v, "volume_lost");
        self.server_down(e, owner, Cause::Volume, DownMode::Refuse);
        e.schedule_after(
            restore,
            FluidEvent::VolumeRestored {
                volume: v as u32,
                generation,
            },
        );
    }

    /// Seconds of writes since the latest restore point: the later of the
    /// last completed snapshot's start and the last shipped logs.
    fn restore_gap_s(&self, v: usize, d: usize, now: SimTime) -> f64 {
        let now_s = now.as_secs_f64();
        let vol = &self.volumes[v].config;
        let mut point_s: f64 = 0.0;
        if let Some(every) = vol.snapshot_every {
            let every_s = every.as_secs_f64();
            // Steady writes: each snapshot copies one period's changes.
            let changed = self.dbs[d].write_rate_per_s * every_s;
            let took_s = vol.snapshot_duration.mean_s(changed, vol.size_gb);
            // Snapshot k starts at k·every (k ≥ 1) and completes took later.
            let k = libm::floor((now_s - took_s) / every_s);
            if k >= 1.0 {
                point_s = k * every_s;
            }
        }
        if let Some(logs) = self.dbs[d].config.log_upload_every {
            let l = logs.as_secs_f64();
            point_s = point_s.max(libm::floor(now_s / l) * l);
        }
        (now_s - point_s).max(0.0)
    }

    pub fn on_volume_restored(&mut self, e: &mut Engine<FluidEvent>, v: usize, generation: u32) {
        let vol = &mut self.volumes[v];
        if vol.generation != generation || !vol.lost {
            return;
        }
        vol.lost = false;
        let owner = vol.owner;
        let at = e.now();
        self.trace_volume(at, v, "volume_restored");
        self.server_up(e, owner, Cause::Volume);
    }
}
