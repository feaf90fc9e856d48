//! The regional control plane (launching instances, creating and attaching
//! volumes, propagating DNS changes) and the zones' spare capacity.
//!
//! Assumptions (behaviour.md; the December 2021 us-east-1 and April 2011
//! EBS incidents in cloud-figures.md):
//! - The data plane keeps working while the control plane is out: running
//!   instances serve, DNS answers with the records it has, load balancers
//!   route. Only changes wait.
//! - `launch` blocked: Auto Scaling launches wait until it ends (then the
//!   groups act at once, without waiting for their next status check).
//! - `attach` blocked: a volume restore that finishes while it holds waits
//!   (the restored volume cannot be created or attached) and completes when
//!   it ends.
//! - `dns` blocked: a database failover completes (the standby is promoted
//!   and accepts writes) but the endpoint record keeps naming the old
//!   primary until the end; load-balancer node DNS changes (removal of a
//!   dark zone's node, its return) wait too.
//! - Outages nest: each kind holds while any fault blocking it is active.
//! - Capacity: while a `capacity_limit` holds on a zone, at most its
//!   remaining number of instances can be launched there; overlapping
//!   limits keep the smaller remainder. Without one, capacity is unlimited.

use super::event::{LbId, VolumeId};
use crate::config::ZoneIndex;

#[derive(Default)]
pub struct ControlPlane {
    pub launch_blocked: u32,
    pub attach_blocked: u32,
    pub dns_blocked: u32,
    /// Volume restores waiting for `attach`: (volume, incarnation).
    deferred_restores: Vec<(VolumeId, u32)>,
    /// Load-balancer node DNS changes waiting for `dns`.
    deferred_lb_dns: Vec<(LbId, u16, bool)>,
    /// Per zone: launches left while a capacity limit holds.
    capacity_left: Vec<Option<u32>>,
}

/// What a control-plane outage blocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Blocked {
    pub launch: bool,
    pub attach: bool,
    pub dns: bool,
}

impl ControlPlane {
    pub fn new(zones: usize) -> Self {
        ControlPlane {
            capacity_left: vec![None; zones],
            ..ControlPlane::default()
        }
    }

    pub fn capacity_allows(&self, zone: ZoneIndex) -> bool {
        self.capacity_left[zone] != Some(0)
    }

    pub fn took_capacity(&mut self, zone: ZoneIndex) {
        if let Some(left) = &mut self.capacity_left[zone] {
            *left = left.saturating_sub(1);
        }
    }
}

impl ControlPlane {
    /// An outage starts, blocking what `blocked` says.
    pub fn outage(&mut self, blocked: Blocked) {
        self.launch_blocked += u32::from(blocked.launch);
        self.attach_blocked += u32::from(blocked.attach);
        self.dns_blocked += u32::from(blocked.dns);
    }

    /// An outage that blocked attaches (`on`) ends: the restores it alone
    /// held back, to complete now.
    pub fn end_attach_block(&mut self, on: bool) -> Vec<(VolumeId, u32)> {
        if !on {
            return Vec::new();
        }
        self.attach_blocked = self.attach_blocked.saturating_sub(1);
        if self.attach_blocked > 0 {
            return Vec::new();
        }
        std::mem::take(&mut self.deferred_restores)
    }

    /// An outage that blocked DNS changes (`on`) ends: `Some` with the
    /// load-balancer DNS changes it alone held back if DNS is free again.
    pub fn end_dns_block(&mut self, on: bool) -> Option<Vec<(LbId, u16, bool)>> {
        if !on {
            return None;
        }
        self.dns_blocked = self.dns_blocked.saturating_sub(1);
        if self.dns_blocked > 0 {
            return None;
        }
        Some(std::mem::take(&mut self.deferred_lb_dns))
    }

    /// An outage that blocked launches (`on`) ends: true if launches are
    /// free again.
    pub fn end_launch_block(&mut self, on: bool) -> bool {
        if !on {
            return false;
        }
        self.launch_blocked = self.launch_blocked.saturating_sub(1);
        self.launch_blocked == 0
    }

    /// Holds a finished restore while volumes cannot be attached; true if
    /// it was deferred.
    pub fn defer_restore(&mut self, v: VolumeId, incarnation: u32) -> bool {
        if self.attach_blocked == 0 {
            return false;
        }
        self.deferred_restores.push((v, incarnation));
        true
    }

    /// Holds a load-balancer DNS change while DNS is frozen; true if it was
    /// deferred.
    pub fn defer_lb_dns(&mut self, lb: LbId, node: u16, in_dns: bool) -> bool {
        if self.dns_blocked == 0 {
            return false;
        }
        self.deferred_lb_dns.push((lb, node, in_dns));
        true
    }

    /// Whether a promoted database may have its endpoint record flipped.
    pub fn dns_changes_propagate(&self) -> bool {
        self.dns_blocked == 0
    }

    /// Limits launches in `zones` to `instances` more; returns the previous
    /// limits so the end can restore them.
    pub fn capacity_limit(&mut self, zones: &[ZoneIndex], instances: u32) -> Vec<Option<u32>> {
        let left = &mut self.capacity_left;
        let before: Vec<Option<u32>> = zones.iter().map(|&z| left[z]).collect();
        for &z in zones {
            left[z] = Some(left[z].map_or(instances, |l| l.min(instances)));
        }
        before
    }

    /// A capacity limit ends: the zones' previous limits hold again.
    pub fn capacity_restored(&mut self, zones: &[ZoneIndex], before: &[Option<u32>]) {
        for (&z, &b) in zones.iter().zip(before) {
            self.capacity_left[z] = b;
        }
    }
}
