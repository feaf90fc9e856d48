//! Databases and volumes in the fluid mode: primary loss, failover,
//! endpoint staleness, volume loss and the writes it costs (the
//! assumptions are listed in `infra.rs`; the request-level model is
//! `model/database.rs` and `model/volume.rs`).
//!
//! Approximations: the failover candidate is the standby if up, else (when
//! allowed) the replica with the smallest mean lag; a promoted replica
//! loses one lag draw of writes at the current successful write rate; a
//! lost primary volume with no failover target loses the writes since the
//! later of the last completed snapshot's start (snapshot duration taken
//! at its mean) and the last shipped logs.

use rand::RngExt;

use super::infra::{Failover, Infra};
use super::FluidEvent;
use crate::config::DownMode;
use crate::engine::Engine;
use crate::model::database::{failover_candidate, Role};
use crate::model::id::ServerId;
use crate::model::node::Cause;
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
        let db = &mut self.dbs[d];
        db.epoch += 1;
        let epoch = db.epoch;
        if self.failover_candidate(d).is_some() {
            self.dbs[d].failover = Failover::Detecting;
            let detection = self.dbs[d].config.failover.detection.sample(&mut self.rng);
            e.schedule_after(
                detection,
                FluidEvent::DbFailoverStart {
                    db: d as u16,
                    epoch,
                },
            );
        } else {
            self.dbs[d].failover = Failover::Idle;
        }
    }

    pub(super) fn db_node_up(&mut self, _e: &mut Engine<FluidEvent>, s: ServerId) {
        let Some((d, n)) = self.db_of(s) else { return };
        if self.dbs[d].primary == n {
            // The primary is back before (or without) a failover.
            let db = &mut self.dbs[d];
            db.failover = Failover::Idle;
            db.epoch += 1;
        }
    }

    /// The request level's failover rule (`model/database.rs`), with each
    /// replica's mean lag.
    fn failover_candidate(&self, d: usize) -> Option<usize> {
        let db = &self.dbs[d];
        failover_candidate(
            db.servers.len(),
            |n| db.roles[n],
            |n| self.servers[db.servers[n]].is_up(),
            db.config.failover.promote_replicas,
            0.0,
            |n| db.lags[n].map_or(0.0, |l| l.mean_s()),
        )
        .map(|(n, _)| n)
    }

    pub fn on_failover_start(&mut self, e: &mut Engine<FluidEvent>, d: usize, epoch: u32) {
        if self.dbs[d].epoch != epoch || self.dbs[d].failover != Failover::Detecting {
            return;
        }
        let fails = {
            let p = self.dbs[d].config.failover.failure_probability;
            let u: f64 = self.rng.random();
            self.dbs[d].blocked > 0 || u < p
        };
        match self.failover_candidate(d) {
            Some(candidate) if !fails => {
                self.dbs[d].failover = Failover::Promoting { candidate };
                let promotion = self.dbs[d].config.failover.promotion.sample(&mut self.rng);
                e.schedule_after(
                    promotion,
                    FluidEvent::DbFailoverDone {
                        db: d as u16,
                        epoch,
                    },
                );
            }
            _ => {
                // The database waits for the old primary to come back.
                self.dbs[d].failover = Failover::Idle;
            }
        }
    }

    pub fn on_failover_done(&mut self, e: &mut Engine<FluidEvent>, d: usize, epoch: u32) {
        let Failover::Promoting { candidate } = self.dbs[d].failover else {
            return;
        };
        if self.dbs[d].epoch != epoch {
            return;
        }
        let db = &mut self.dbs[d];
        if db.roles[candidate] == Role::Replica {
            // Asynchronous: the writes inside the replica's lag are lost.
            let lag_s = match db.lags[candidate] {
                Some(l) => l.sample(&mut self.rng).as_secs_f64(),
                None => 0.0,
            };
            let db = &mut self.dbs[d];
            db.writes_lost += db.write_rate_per_s * lag_s;
            db.rpo_s = db.rpo_s.max(lag_s);
        }
        let db = &mut self.dbs[d];
        let old = db.primary;
        db.roles.swap(old, candidate);
        db.lags.swap(old, candidate);
        db.primary = candidate;
        db.previous_primary = old;
        db.failover = Failover::Idle;
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
            if is_primary && self.failover_candidate(d).is_none() {
                let rpo_s = self.restore_gap_s(v, d, now);
                let db = &mut self.dbs[d];
                db.writes_lost += db.write_rate_per_s * rpo_s;
                db.rpo_s = db.rpo_s.max(rpo_s);
            }
        }
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
        self.server_up(e, owner, Cause::Volume);
    }
}
