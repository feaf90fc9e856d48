//! The dispatcher's side of admission control (`model/admission.rs`): a
//! request offered to a server with an `admission:` block, and queued work
//! taken from it, dropped at the head when it expired or was abandoned.
//! Servers without the block never come here.

use super::World;
use crate::model::admission::{self, Drop, Offer};
use crate::model::event::{AttemptId, ErrorCause, ServerId};
use crate::model::path::Flow;

impl World {
    /// Offers attempt `a` to a server under admission control.
    pub(super) fn offer_controlled(&mut self, a: AttemptId, server: ServerId) -> Flow {
        let class = self.attempts.get(a).class;
        let now = self.now();
        match admission::offer(&mut self.servers[server], a, class, now) {
            Offer::Start => self.start_service(a, server),
            Offer::Queued => {}
            Offer::Evicted(victim) => self.fail_attempt(victim, ErrorCause::Overload),
            Offer::Throttled => self.fail_attempt(a, ErrorCause::Throttled),
            Offer::Shed => self.fail_attempt(a, ErrorCause::Overload),
        }
        Flow::Wait
    }

    /// Frees a slot of a server under admission control (see
    /// `Server::release` for the incarnation rule) and fills it.
    pub(super) fn release_controlled(&mut self, server: ServerId, incarnation: u32) {
        let s = &mut self.servers[server];
        if incarnation != s.node.incarnation || s.busy == 0 {
            return;
        }
        s.busy -= 1;
        self.admit_controlled(server);
    }

    /// Fills the free slots of a server under admission control from its
    /// queue, by its discipline, dropping what expired or was abandoned.
    pub(super) fn admit_controlled(&mut self, server: ServerId) {
        while let Some((a, entered)) = admission::take(&mut self.servers[server]) {
            let now = self.now();
            let live = self.is_live(self.attempts.get(a));
            let Some(c) = self.servers[server].control.as_deref_mut() else {
                unreachable!("admit_controlled() on a server without admission control")
            };
            let Some(drop) = c.verdict(entered, now, live) else {
                self.start_service(a, server);
                continue;
            };
            admission::untake(&mut self.servers[server]);
            // An abandoned attempt's caller already counted its failure: the
            // cause is never recorded.
            let cause = match drop {
                Drop::Expired => ErrorCause::QueueTimeout,
                Drop::Abandoned => ErrorCause::Timeout,
            };
            // Failing it may release slots upstream (and, on a path that
            // passes this server twice, here): the queue is consistent.
            self.fail_attempt(a, cause);
        }
    }
}
