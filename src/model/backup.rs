//! Restore points kept in object storage: the last few completed snapshots
//! of a database's primary volume, each possibly found corrupt at restore.
//!
//! Assumptions:
//! - Only the newest `KEPT` snapshots are retained (a retention policy;
//!   memory stays bounded): a restore that finds all of them unusable
//!   restores nothing, and every write since the start of the run is lost.
//! - A snapshot is unusable when it was marked corrupt (`backup_corrupt`),
//!   or when it was taken after the volume's data was silently corrupted
//!   (`volume_corruption`: the snapshot copied the bad blocks).
//! - Shipped transaction logs are logical: block corruption does not reach
//!   them, so a point-in-time restore still replays them on an older base.

use super::database::Point;
use crate::time::SimTime;

/// Snapshots retained, newest first.
pub const KEPT: usize = 3;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// The data the snapshot holds (as of its start).
    pub point: Point,
    /// Found corrupt when restored from.
    pub corrupt: bool,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Snapshots {
    newest_first: [Option<Snapshot>; KEPT],
}

impl Snapshots {
    /// A snapshot completed and reached object storage.
    pub fn completed(&mut self, point: Point) {
        self.newest_first.rotate_right(1);
        self.newest_first[0] = Some(Snapshot {
            point,
            corrupt: false,
        });
    }

    /// The newest snapshot, usable or not (`Point::default()` if none).
    pub fn newest(&self) -> Point {
        self.newest_first[0].map_or(Point::default(), |s| s.point)
    }

    /// Marks the newest snapshot corrupt; false if there is none.
    pub fn mark_newest_corrupt(&mut self) -> bool {
        match &mut self.newest_first[0] {
            Some(s) => {
                s.corrupt = true;
                true
            }
            None => false,
        }
    }

    /// The newest usable snapshot taken before `corrupted_at` (if the data
    /// went bad then), else the empty start of the run.
    pub fn restorable(&self, corrupted_at: Option<SimTime>) -> Point {
        self.newest_first
            .iter()
            .flatten()
            .find(|s| !s.corrupt && corrupted_at.is_none_or(|t| s.point.time < t))
            .map_or(Point::default(), |s| s.point)
    }

    /// The data rolled back to `kept`: a snapshot holding later writes now
    /// restores only to `kept` (a write is never lost twice).
    pub fn clamp(&mut self, kept: Point) {
        for s in self.newest_first.iter_mut().flatten() {
            if s.point.acked > kept.acked {
                s.point = kept;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(s: u64, acked: u64) -> Point {
        Point {
            time: SimTime(s * 1_000_000_000),
            acked,
        }
    }

    #[test]
    fn restores_fall_back_past_corrupt_and_post_corruption_snapshots() {
        let mut snaps = Snapshots::default();
        assert_eq!(snaps.restorable(None), Point::default());
        for (s, acked) in [(10, 100), (20, 200), (30, 300), (40, 400)] {
            snaps.completed(point(s, acked));
        }
        assert_eq!(snaps.restorable(None), point(40, 400));
        assert!(snaps.mark_newest_corrupt());
        assert_eq!(snaps.restorable(None), point(30, 300));
        assert_eq!(snaps.restorable(Some(point(25, 0).time)), point(20, 200));
        // Only three are kept: the one at 10 s has expired.
        assert_eq!(snaps.restorable(Some(point(15, 0).time)), Point::default());
    }
}
