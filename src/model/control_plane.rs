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
use super::world::World;
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

impl World {
    pub fn control_plane_outage(&mut self, blocked: Blocked) {
        self.trace_control_plane("control_plane_outage", blocked);
        let cp = &mut self.control_plane;
        cp.launch_blocked += u32::from(blocked.launch);
        cp.attach_blocked += u32::from(blocked.attach);
        cp.dns_blocked += u32::from(blocked.dns);
    }

    /// Ends one outage; what it alone was holding back happens now.
    pub fn control_plane_restored(&mut self, blocked: Blocked) {
        self.trace_control_plane("control_plane_restored", blocked);
        let cp = &mut self.control_plane;
        if blocked.attach {
            cp.attach_blocked = cp.attach_blocked.saturating_sub(1);
            if cp.attach_blocked == 0 {
                for (v, incarnation) in std::mem::take(&mut cp.deferred_restores) {
                    self.on_volume_restored(v, incarnation);
                }
            }
        }
        let cp = &mut self.control_plane;
        if blocked.dns {
            cp.dns_blocked = cp.dns_blocked.saturating_sub(1);
            if cp.dns_blocked == 0 {
                for (lb, node, in_dns) in std::mem::take(&mut cp.deferred_lb_dns) {
                    self.on_lb_dns_update(lb, node, in_dns);
                }
                for db in &mut self.dbs {
                    db.endpoint = db.primary;
                }
            }
        }
        let cp = &mut self.control_plane;
        if blocked.launch {
            cp.launch_blocked = cp.launch_blocked.saturating_sub(1);
            if cp.launch_blocked == 0 {
                self.asg_pass_all();
            }
        }
    }

    fn trace_control_plane(&mut self, event: &'static str, blocked: Blocked) {
        self.trace(|w| {
            let mut what = Vec::new();
            for (on, name) in [
                (blocked.launch, "launches"),
                (blocked.attach, "volume attaches"),
                (blocked.dns, "DNS changes"),
            ] {
                if on {
                    what.push(name);
                }
            }
            crate::metrics::trace::TraceEvent::new(w.now(), event, "control_plane")
                .cause("control_plane")
                .detail(what.join(", "))
        });
    }

    /// Holds a finished restore while volumes cannot be attached; true if
    /// it was deferred.
    pub fn defer_restore(&mut self, v: VolumeId, incarnation: u32) -> bool {
        let cp = &mut self.control_plane;
        if cp.attach_blocked == 0 {
            return false;
        }
        cp.deferred_restores.push((v, incarnation));
        true
    }

    /// Holds a load-balancer DNS change while DNS is frozen; true if it was
    /// deferred.
    pub fn defer_lb_dns(&mut self, lb: LbId, node: u16, in_dns: bool) -> bool {
        let cp = &mut self.control_plane;
        if cp.dns_blocked == 0 {
            return false;
        }
        cp.deferred_lb_dns.push((lb, node, in_dns));
        true
    }

    /// Whether a promoted database may have its endpoint record flipped.
    pub fn dns_changes_propagate(&self) -> bool {
        self.control_plane.dns_blocked == 0
    }

    /// Limits launches in `zones` to `instances` more; returns the previous
    /// limits so the end can restore them.
    pub fn capacity_limit(&mut self, zones: &[ZoneIndex], instances: u32) -> Vec<Option<u32>> {
        let left = &mut self.control_plane.capacity_left;
        let before: Vec<Option<u32>> = zones.iter().map(|&z| left[z]).collect();
        for &z in zones {
            left[z] = Some(left[z].map_or(instances, |l| l.min(instances)));
        }
        before
    }

    pub fn capacity_restored(&mut self, zones: &[ZoneIndex], before: &[Option<u32>]) {
        for (&z, &b) in zones.iter().zip(before) {
            self.control_plane.capacity_left[z] = b;
        }
        self.asg_pass_all();
    }
}
