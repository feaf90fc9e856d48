//! Up/down state shared by every kind of node.
//!
//! A node is down while any cause holds. Causes are independent: an instance
//! that crashed during a zone outage stays down after the zone returns until
//! its own repair. Each cause remembers how the node looks to callers while
//! it holds (refusing or blackholing); a zone outage's mode wins over the
//! others because nothing in a dark zone answers at all.

use crate::config::DownMode;

/// The independent reasons a node can be down.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cause {
    /// Its own crash (scripted or random).
    Crash = 0,
    /// Its zone is out.
    Zone = 1,
    /// The instance it runs on is down (a database on a host).
    Host = 2,
    /// Its volume is lost or being restored.
    Volume = 3,
    /// The whole region is out (`region_outage`).
    Region = 4,
    /// No instance runs in this slot: never launched, launching, terminated
    /// by its Auto Scaling group or reclaimed (spot).
    NotRunning = 5,
    /// A correlated burst (rack or power domain) started by a neighbour's
    /// random failure: kept apart from `Crash` so the node's own repair
    /// does not end it.
    Burst = 6,
    /// Stopping, stopped, rebooting or booting after a start or a recovery
    /// (`model/lifecycle.rs`).
    Stopped = 7,
    /// Its database engine is restarting on request: a reboot
    /// (`database_reboot`) or a read-replica promotion.
    Reboot = 8,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NodeState {
    causes: u16,
    /// Mode of each cause, indexed by `Cause as usize` (true = blackhole).
    blackhole: u16,
    /// Bumped each time the node goes down: events from an earlier life are
    /// stale.
    pub incarnation: u32,
}

/// What changed when a cause was set or cleared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transition {
    WentDown,
    CameUp,
    Unchanged,
}

impl NodeState {
    pub fn is_up(&self) -> bool {
        self.causes == 0
    }

    pub fn has(&self, cause: Cause) -> bool {
        self.causes & (1 << cause as u16) != 0
    }

    /// How the node looks to callers while down (`Refuse` if it is up).
    pub fn mode(&self) -> DownMode {
        let order = [
            Cause::Region,
            Cause::Zone,
            Cause::Crash,
            Cause::Burst,
            Cause::Host,
            Cause::Volume,
            Cause::Stopped,
            Cause::NotRunning,
            Cause::Reboot,
        ];
        for cause in order {
            if self.has(cause) {
                return if self.blackhole & (1 << cause as u16) != 0 {
                    DownMode::Blackhole
                } else {
                    DownMode::Refuse
                };
            }
        }
        DownMode::Refuse
    }

    pub fn set(&mut self, cause: Cause, mode: DownMode) -> Transition {
        let was_up = self.is_up();
        let bit = 1 << cause as u16;
        self.causes |= bit;
        match mode {
            DownMode::Blackhole => self.blackhole |= bit,
            DownMode::Refuse => self.blackhole &= !bit,
        }
        if was_up {
            self.incarnation = self.incarnation.wrapping_add(1);
            Transition::WentDown
        } else {
            Transition::Unchanged
        }
    }

    /// A new instance in a slot that held another: only the slot's zone
    /// state and `NotRunning` carry over; the old instance's crash, host
    /// and volume causes went with it.
    pub fn reset_for_launch(&mut self) {
        let keep = (1 << Cause::Zone as u16) | (1 << Cause::NotRunning as u16);
        self.causes &= keep;
        self.blackhole &= keep;
    }

    pub fn clear(&mut self, cause: Cause) -> Transition {
        let was_up = self.is_up();
        self.causes &= !(1 << cause as u16);
        if !was_up && self.is_up() {
            Transition::CameUp
        } else {
            Transition::Unchanged
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_is_down_while_any_cause_holds() {
        let mut n = NodeState::default();
        assert_eq!(
            n.set(Cause::Zone, DownMode::Blackhole),
            Transition::WentDown
        );
        assert_eq!(n.set(Cause::Crash, DownMode::Refuse), Transition::Unchanged);
        assert_eq!(n.mode(), DownMode::Blackhole);
        assert_eq!(n.clear(Cause::Zone), Transition::Unchanged);
        assert_eq!(n.mode(), DownMode::Refuse);
        assert_eq!(n.clear(Cause::Crash), Transition::CameUp);
        assert_eq!(n.incarnation, 1);
    }
}
