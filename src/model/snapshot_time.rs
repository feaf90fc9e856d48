//! How long a volume snapshot takes, from its start (the point in time it
//! captures) to its completion (when it becomes a restore point). One rule
//! for both fidelities: the request-level world counts the writes changed
//! since the last completed snapshot, the fluid one assumes a steady rate.
//!
//! Assumptions:
//! - EBS snapshots are incremental: each copies the blocks changed since
//!   the previous completed snapshot of the volume, and AWS says the time
//!   depends on that delta (and on the volume's size, load and backend
//!   bandwidth) and cannot be predicted (AWS re:Post Knowledge Center,
//!   "Why does my incremental EBS snapshot take as long as a full one?";
//!   EBS User Guide, "How snapshots work"). So a snapshot takes a fixed
//!   `overhead` plus the changed data at a copy rate.
//! - Changed data = acknowledged writes since the last completed snapshot
//!   × `kib_per_write`, capped at the volume's size (a block changed twice
//!   is copied once; a volume cannot change more than all of itself).
//! - The run starts just after a completed snapshot (the consistent copy
//!   every restore falls back to), so the first snapshot is incremental
//!   too. A snapshot that never completed is not a base: the next one
//!   copies everything since the last completed one.
//! - AWS publishes no copy rate and no fixed cost, so the defaults are
//!   assumptions, stated where they are set (`catalog::generic`): 1 min of
//!   overhead, 100 MiB/s, 16 KiB per write (one InnoDB page; PostgreSQL's
//!   are 8 KiB, and the log record is smaller still). Set them from your
//!   own snapshot history, or give a `snapshot_duration` to fix the time.

use crate::config::{IncrementalSnapshot, SnapshotTime};
use crate::rng::SimRng;
use crate::time::SimDuration;

const KIB_PER_GIB: f64 = 1024.0 * 1024.0;

impl SnapshotTime {
    /// The time a snapshot takes when `changed_writes` writes were
    /// acknowledged since the last completed one on a `size_gb` volume.
    pub fn sample(&self, changed_writes: f64, size_gb: u32, rng: &mut SimRng) -> SimDuration {
        match self {
            SnapshotTime::Fixed(d) => d.sample(rng),
            SnapshotTime::Incremental(_) => {
                SimDuration::from_secs_f64(self.mean_s(changed_writes, size_gb))
            }
        }
    }

    /// The mean of [`SnapshotTime::sample`], in seconds (incremental
    /// snapshots are deterministic given the delta).
    pub fn mean_s(&self, changed_writes: f64, size_gb: u32) -> f64 {
        match *self {
            SnapshotTime::Fixed(d) => d.mean_s(),
            SnapshotTime::Incremental(IncrementalSnapshot {
                overhead,
                mib_per_s,
                kib_per_write,
            }) => {
                let changed_kib =
                    (changed_writes.max(0.0) * kib_per_write).min(f64::from(size_gb) * KIB_PER_GIB);
                overhead.as_secs_f64() + changed_kib / 1024.0 / mib_per_s
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::Dist;
    use crate::rng::stream;

    fn incremental() -> SnapshotTime {
        SnapshotTime::Incremental(IncrementalSnapshot {
            overhead: SimDuration::from_secs(60),
            mib_per_s: 100.0,
            kib_per_write: 16.0,
        })
    }

    #[test]
    fn an_incremental_snapshot_copies_the_changed_data_at_its_rate() {
        let s = incremental();
        // Nothing changed: the overhead alone.
        assert_eq!(s.mean_s(0.0, 100), 60.0);
        // An hour at 100 writes/s: 360,000 × 16 KiB = 5,625 MiB → 56.25 s.
        assert!((s.mean_s(360_000.0, 100) - 116.25).abs() < 1e-9);
        // The delta cannot exceed the volume: 10 GiB at 100 MiB/s = 102.4 s.
        assert!((s.mean_s(1e12, 10) - (60.0 + 102.4)).abs() < 1e-9);
        let mut rng = stream(1, "snapshot");
        assert_eq!(
            s.sample(360_000.0, 100, &mut rng),
            SimDuration::from_secs_f64(116.25)
        );
    }

    #[test]
    fn a_fixed_duration_ignores_the_delta() {
        let s = SnapshotTime::Fixed(Dist::Constant(SimDuration::from_secs(600)));
        assert_eq!(s.mean_s(0.0, 100), 600.0);
        assert_eq!(s.mean_s(1e9, 100), 600.0);
    }
}
