//! The dispatcher's side of dynamic scaling: samples each group with
//! policies every second and applies the desired capacity its policies
//! ask for (`scaling_policy.rs` decides it, `auto_scaling.rs` acts on it).

use super::World;
use crate::model::event::{Event, TierId};
use crate::model::scaling_policy::{group_metrics, SAMPLE_INTERVAL};

impl World {
    /// Starts the metric sampling of every group with policies.
    pub(super) fn schedule_scaling_samples(&mut self) {
        for t in self.tiers.ids() {
            let has = self.tiers[t]
                .asg
                .as_ref()
                .is_some_and(|a| a.scaling.is_some());
            if has {
                self.engine
                    .schedule_after(SAMPLE_INTERVAL, Event::ScalingSample { tier: t });
            }
        }
    }

    /// One metric sample; closes the datapoints whose period ended and
    /// lets their policies act, one after the other.
    pub(crate) fn on_scaling_sample(&mut self, tier: TierId) {
        self.engine
            .schedule_after(SAMPLE_INTERVAL, Event::ScalingSample { tier });
        let now = self.now();
        let metrics = group_metrics(&self.tiers[tier], &self.servers);
        let Some(count) = self.tiers[tier]
            .asg
            .as_ref()
            .and_then(|a| a.scaling.as_ref())
            .map(|s| s.policies())
        else {
            return;
        };
        for p in 0..count {
            let asg = self.tiers[tier].asg.as_mut().expect("checked");
            let (desired, launching) = (asg.desired, asg.launching);
            let scaling = asg.scaling.as_mut().expect("checked");
            if let Some(wanted) = scaling.sample(p, now, metrics, desired, launching) {
                self.asg_set_desired(tier, wanted);
            }
        }
    }
}
