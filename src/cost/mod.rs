//! What a design costs per month, from the catalog's list prices
//! (`catalog::prices`: AWS us-east-1, on-demand, USD) and the scenario's
//! workload. Assumptions:
//!
//! * A month is [`HOURS_PER_MONTH`] = 730 hours (8,760 h / 12), running
//!   around the clock; no free tier, savings plan or reserved discount.
//! * A tier is costed at its desired size at the start: an Auto
//!   Scaling group at its initial size (scaling out is not priced), and the
//!   group itself has no charge.
//! * A volume without `size_gb` is 100 GB. A tier's volume is one EBS
//!   volume per instance at the volume preset's price. A managed database's
//!   storage is priced at the database preset's storage rate (RDS storage is
//!   not billed as EBS); the volume's `size_gb` gives its size. A database
//!   that runs on a tier's instance (`host:`) adds only its EBS volume.
//! * Managed databases: the preset's deployment price (Multi-AZ = twice the
//!   instance and the storage); each read replica is one more instance with
//!   its own storage. The instance class each preset stands for is listed
//!   in `catalog::prices`.
//! * Traffic: the scenario's `rate` (the peak of a diurnal profile, the base
//!   of a step profile) sustained all month, split by the class shares (the
//!   scenario's `mix` if it has one); retries are not counted. Each request
//!   moves [`BYTES_PER_REQUEST`] (request and response together) on every
//!   hop; 1 GB = 10^9 bytes.
//! * Load balancers: each request opens a new connection (clients are not
//!   assumed to reuse them), so ALB capacity units are the larger of
//!   requests/s ÷ 25 and GB processed per hour ÷ 1 (active connections and
//!   rule evaluations are assumed never to dominate).
//! * Object storage holds [`OBJECT_STORE_GB`] and is charged per GET and
//!   PUT; transfer between EC2 and S3 in a region is free.
//! * Cross-zone transfer costs $0.01/GB out of one zone and $0.01/GB into
//!   the other. A hop crosses zones with the probability that caller and
//!   callee sit in different zones, with both spread evenly over their
//!   zones (a database's primary takes writes; reads go to the replicas
//!   when `read_from: replicas`). The caller of a step is the last tier in
//!   the path before it. Free, as AWS bills them: load balancer to target
//!   for ALB and CLB (charged for NLB with cross-zone on), and replication
//!   to a Multi-AZ standby or a read replica. A database read on a cache
//!   miss is weighted by the miss ratio. Internet egress is not priced.
//! * `cost_per_month` in the model file replaces everything the catalog
//!   would price for that component (instances, volumes, traffic).
//! * A component with neither a priced preset nor `cost_per_month` (and a
//!   volume with no priced preset) costs 0 and is listed as unpriced.

use crate::catalog::generic;
use crate::catalog::prices::{self, LoadBalancerBilling, PresetPrice, Price};
use crate::config::{
    ComponentConfig, ComponentKind, DatabaseConfig, ModelConfig, Op, ReadFrom, ScenarioConfig,
    ZoneIndex,
};
pub use crate::metrics::{CostItem, CostSummary, PriceSource};

/// Hours in the month every price is multiplied by: 8,760 / 12.
pub const HOURS_PER_MONTH: f64 = 730.0;
const SECONDS_PER_MONTH: f64 = HOURS_PER_MONTH * 3_600.0;
/// Assumption: request plus response on one hop, 10 kB.
pub const BYTES_PER_REQUEST: f64 = 10_000.0;
/// Assumption: data kept in an object store.
pub const OBJECT_STORE_GB: f64 = 100.0;
const BYTES_PER_GB: f64 = 1e9;

pub use crate::metrics::cost::{nines, NINES_CAP};

/// What each extra nine of availability costs when moving from design `a`
/// to design `b`: (cost_b − cost_a) / (nines_b − nines_a), in USD per
/// month per nine (nines as from [`nines`]). `None` when `b` does not add
/// availability (nines_b ≤ nines_a) or a figure is not finite. Negative
/// when `b` is both more available and cheaper: `a` buys nothing.
pub fn cost_per_extra_nine(cost_a: f64, nines_a: f64, cost_b: f64, nines_b: f64) -> Option<f64> {
    let all_finite = [cost_a, nines_a, cost_b, nines_b]
        .iter()
        .all(|x| x.is_finite());
    if !all_finite || nines_b <= nines_a {
        return None;
    }
    Some((cost_b - cost_a) / (nines_b - nines_a))
}

/// The design's monthly cost, line by line in model order. Without a
/// scenario there is no traffic, so traffic-dependent lines are left out.
pub fn monthly(model: &ModelConfig, scenario: Option<&ScenarioConfig>) -> CostSummary {
    let traffic = Traffic::of(model, scenario);
    let mut summary = CostSummary::default();
    for (index, component) in model.components.iter().enumerate() {
        let mut lines = Lines {
            component: &component.name,
            items: Vec::new(),
            unpriced: Vec::new(),
        };
        match component.cost_per_month {
            Some(usd) => lines.push("cost_per_month (model file)", 1.0, "month", usd, None),
            None => price_component(component, &traffic.per_component[index], &mut lines),
        }
        summary.items.append(&mut lines.items);
        summary.unpriced.append(&mut lines.unpriced);
    }
    summary.total_usd_per_month = summary.items.iter().map(|i| i.usd_per_month).sum();
    summary.prices_as_of = summary
        .items
        .iter()
        .filter_map(|i| i.source.map(|s| s.as_of))
        .max();
    summary
}

/// The lines of one component being priced.
struct Lines<'a> {
    component: &'a str,
    items: Vec<CostItem>,
    unpriced: Vec<String>,
}

impl Lines<'_> {
    fn push(
        &mut self,
        item: &str,
        quantity: f64,
        unit: &str,
        unit_price_usd: f64,
        source: Option<PriceSource>,
    ) {
        self.items.push(CostItem {
            component: self.component.to_string(),
            item: item.to_string(),
            quantity,
            unit: unit.to_string(),
            unit_price_usd,
            usd_per_month: quantity * unit_price_usd,
            source,
        });
    }

    fn priced(&mut self, item: &str, quantity: f64, unit: &str, price: Price) {
        let source = PriceSource {
            url: price.source.url,
            as_of: price.source.as_of,
        };
        self.push(item, quantity, unit, price.usd, Some(source));
    }

    /// A traffic line: only when there is traffic.
    fn traffic(&mut self, item: &str, quantity: f64, unit: &str, price: Price) {
        if quantity > 0.0 {
            self.priced(item, quantity, unit, price);
        }
    }

    fn unpriced(&mut self, part: Option<&str>) {
        self.unpriced.push(match part {
            Some(part) => format!("{}.{part}", self.component),
            None => self.component.to_string(),
        });
    }

    fn cross_zone(&mut self, gb_per_month: f64) {
        let price = prices::CROSS_ZONE_PER_GB_EACH_DIRECTION;
        let both_ways = Price {
            usd: 2.0 * price.usd,
            source: price.source,
        };
        self.traffic(
            "cross-zone transfer ($0.01/GB out + $0.01/GB in)",
            gb_per_month,
            "GB",
            both_ways,
        );
    }
}

fn preset_price(component: &ComponentConfig) -> Option<PresetPrice> {
    component.preset.as_deref().and_then(prices::lookup)
}

fn price_component(component: &ComponentConfig, traffic: &ComponentTraffic, lines: &mut Lines) {
    let preset = component.preset.as_deref().unwrap_or("");
    match &component.kind {
        ComponentKind::Tier(tier) => {
            let count = f64::from(tier.initial_instances());
            match preset_price(component) {
                Some(PresetPrice::Instance { hour }) => lines.priced(
                    &format!("{preset} instances ×{count}"),
                    count * HOURS_PER_MONTH,
                    "instance-hour",
                    hour,
                ),
                _ => lines.unpriced(None),
            }
            if let Some(volume) = &tier.volume {
                let gb = count * f64::from(volume.size_gb);
                ebs_volume(volume.volume_type.as_deref(), gb, count, lines);
            }
        }
        ComponentKind::LoadBalancer(_) => match preset_price(component) {
            Some(PresetPrice::LoadBalancer { hour, billing }) => {
                lines.priced(&format!("{preset} hours"), HOURS_PER_MONTH, "LB-hour", hour);
                let gb_per_hour =
                    traffic.requests_per_s * BYTES_PER_REQUEST * 3_600.0 / BYTES_PER_GB;
                match billing {
                    LoadBalancerBilling::CapacityUnits {
                        unit_hour,
                        new_connections_per_s,
                        gb_per_hour: gb_per_unit,
                    } => {
                        let units = (traffic.requests_per_s / new_connections_per_s)
                            .max(gb_per_hour / gb_per_unit);
                        lines.traffic(
                            &format!("capacity units ({units:.3} at the workload rate)"),
                            units * HOURS_PER_MONTH,
                            "LCU-hour",
                            unit_hour,
                        );
                    }
                    LoadBalancerBilling::PerGb(per_gb) => lines.traffic(
                        "data processed",
                        gb_per_hour * HOURS_PER_MONTH,
                        "GB",
                        per_gb,
                    ),
                }
            }
            _ => lines.unpriced(None),
        },
        ComponentKind::Database(db) => database(component, db, lines),
        ComponentKind::Cache(cache) => match preset_price(component) {
            Some(PresetPrice::CacheNode { hour }) => {
                let nodes = cache.zones.len() as f64 * f64::from(cache.nodes_per_zone);
                lines.priced(
                    &format!("{preset} nodes ×{nodes}"),
                    nodes * HOURS_PER_MONTH,
                    "node-hour",
                    hour,
                );
            }
            _ => lines.unpriced(None),
        },
        ComponentKind::ObjectStore(_) => match preset_price(component) {
            Some(PresetPrice::ObjectStore {
                gb_month,
                get_per_1000,
                put_per_1000,
            }) => {
                lines.priced(
                    "storage (assumed 100 GB)",
                    OBJECT_STORE_GB,
                    "GB-month",
                    gb_month,
                );
                let month = SECONDS_PER_MONTH / 1_000.0;
                let gets = traffic.object_gets_per_s * month;
                let puts = traffic.object_puts_per_s * month;
                lines.traffic("GET requests", gets, "1,000 requests", get_per_1000);
                lines.traffic("PUT requests", puts, "1,000 requests", put_per_1000);
            }
            _ => lines.unpriced(None),
        },
        ComponentKind::External(_) => lines.unpriced(None),
    }
    lines.cross_zone(traffic.cross_zone_bytes_per_s * SECONDS_PER_MONTH / BYTES_PER_GB);
}

/// `count` EBS volumes holding `gb` in all.
fn ebs_volume(volume_type: Option<&str>, gb: f64, count: f64, lines: &mut Lines) {
    match volume_type.and_then(prices::lookup) {
        Some(PresetPrice::Volume { gb_month }) => lines.priced(
            &format!("{} volumes ×{count}", volume_type.unwrap_or("")),
            gb,
            "GB-month",
            gb_month,
        ),
        _ => lines.unpriced(Some("volume")),
    }
}

fn database(component: &ComponentConfig, db: &DatabaseConfig, lines: &mut Lines) {
    let size_gb = db
        .volume
        .as_ref()
        .map_or(generic::VOLUME_SIZE_GB, |v| v.size_gb);
    if db.host.is_some() {
        // The instance is the host tier's, priced there.
        if let Some(volume) = &db.volume {
            ebs_volume(
                volume.volume_type.as_deref(),
                f64::from(size_gb),
                1.0,
                lines,
            );
        }
        return;
    }
    let preset = component.preset.as_deref().unwrap_or("");
    let Some(PresetPrice::Database {
        hour,
        storage_gb_month,
        replica_hour,
        replica_storage_gb_month,
    }) = preset_price(component)
    else {
        lines.unpriced(None);
        return;
    };
    lines.priced(
        &format!("{preset} instance"),
        HOURS_PER_MONTH,
        "instance-hour",
        hour,
    );
    lines.priced(
        &format!("{preset} storage"),
        f64::from(size_gb),
        "GB-month",
        storage_gb_month,
    );
    let replicas = db.replicas.len() as f64;
    if replicas > 0.0 {
        lines.priced(
            &format!("read replicas ×{replicas}"),
            replicas * HOURS_PER_MONTH,
            "instance-hour",
            replica_hour,
        );
        if replica_storage_gb_month.usd > 0.0 {
            lines.priced(
                "read replica storage",
                replicas * f64::from(size_gb),
                "GB-month",
                replica_storage_gb_month,
            );
        }
    }
}

/// Traffic reaching one component, per second, at the workload rate.
#[derive(Clone, Debug, Default)]
struct ComponentTraffic {
    /// Requests passing through (load balancers).
    requests_per_s: f64,
    object_gets_per_s: f64,
    object_puts_per_s: f64,
    /// Bytes per second crossing zones on hops into this component.
    cross_zone_bytes_per_s: f64,
}

struct Traffic {
    per_component: Vec<ComponentTraffic>,
}

impl Traffic {
    fn of(model: &ModelConfig, scenario: Option<&ScenarioConfig>) -> Traffic {
        let mut per_component = vec![ComponentTraffic::default(); model.components.len()];
        let rate = scenario.map_or(0.0, |s| s.workload.rate_per_s.max(0.0));
        let shares = class_shares(model, scenario);
        let zones = model.zones.len();
        for (class, share) in model.request_classes.iter().zip(shares) {
            let class_rate = rate * share;
            if class_rate <= 0.0 {
                continue;
            }
            // The zone spread of the component making the next call, and
            // whether it is a load balancer handing to its target.
            let mut caller: Option<(usize, Vec<f64>)> = None;
            let mut miss_ratio = 1.0;
            for step in &class.steps {
                let component = &model.components[step.component];
                let mut weight = 1.0;
                if step.op == Op::ReadOnMiss {
                    weight = miss_ratio;
                }
                let traffic = &mut per_component[step.component];
                match step.op {
                    Op::Route => traffic.requests_per_s += class_rate,
                    Op::ObjectGet => traffic.object_gets_per_s += class_rate,
                    Op::ObjectPut => traffic.object_puts_per_s += class_rate,
                    _ => {}
                }
                let callee = spread(model, component, step.op, zones);
                if let (Some((from, from_spread)), Some(to_spread)) = (&caller, &callee) {
                    let crossing = crossing_fraction(from_spread, to_spread);
                    let charged = match &model.components[*from].kind {
                        ComponentKind::LoadBalancer(lb) => {
                            lb.cross_zone
                                && model.components[*from].preset.as_deref() == Some("aws/nlb")
                        }
                        _ => true,
                    };
                    if charged {
                        // Attributed to the component that pays for the hop:
                        // the callee (or the NLB handing to its target).
                        let payer = match &model.components[*from].kind {
                            ComponentKind::LoadBalancer(_) => *from,
                            _ => step.component,
                        };
                        per_component[payer].cross_zone_bytes_per_s +=
                            class_rate * weight * crossing * BYTES_PER_REQUEST;
                    }
                }
                match &component.kind {
                    ComponentKind::Tier(_) | ComponentKind::LoadBalancer(_) => {
                        caller = callee.map(|s| (step.component, s));
                    }
                    ComponentKind::Cache(cache) if step.op == Op::Get => {
                        miss_ratio = 1.0 - cache.hit_ratio;
                    }
                    _ => {}
                }
            }
        }
        Traffic { per_component }
    }
}

/// Each class's share of the traffic: the scenario's mix if it has one,
/// otherwise the model's shares; normalised to sum to 1.
fn class_shares(model: &ModelConfig, scenario: Option<&ScenarioConfig>) -> Vec<f64> {
    let mut shares: Vec<f64> = model.request_classes.iter().map(|c| c.share).collect();
    if let Some(mix) = scenario.and_then(|s| s.workload.mix.as_ref()) {
        shares = model
            .request_classes
            .iter()
            .map(|c| {
                mix.iter()
                    .find(|(name, _, _)| *name == c.name)
                    .map_or(0.0, |(_, share, _)| *share)
            })
            .collect();
    }
    let total: f64 = shares.iter().sum();
    if total > 0.0 {
        shares.iter_mut().for_each(|s| *s /= total);
    }
    shares
}

/// How a component's nodes serving `op` are spread over the zones (sums to
/// 1), or `None` for components outside the zones (object storage,
/// external services).
fn spread(
    model: &ModelConfig,
    component: &ComponentConfig,
    op: Op,
    zones: usize,
) -> Option<Vec<f64>> {
    match &component.kind {
        ComponentKind::Tier(tier) => Some(even(&tier.zones, zones)),
        ComponentKind::LoadBalancer(lb) => Some(even(&lb.zones, zones)),
        ComponentKind::Cache(cache) => Some(even(&cache.zones, zones)),
        ComponentKind::Database(db) => {
            if let Some(host) = db.host {
                return spread(model, &model.components[host], Op::Serve, zones);
            }
            let reads = matches!(op, Op::Read | Op::ReadOnMiss);
            if reads && db.read_from == ReadFrom::Replicas && !db.replicas.is_empty() {
                let replica_zones: Vec<ZoneIndex> = db.replicas.iter().map(|r| r.zone).collect();
                return Some(even(&replica_zones, zones));
            }
            Some(even(&[db.primary_zone], zones))
        }
        ComponentKind::ObjectStore(_) | ComponentKind::External(_) => None,
    }
}

/// An even spread over `members` (a zone listed twice counts twice).
fn even(members: &[ZoneIndex], zones: usize) -> Vec<f64> {
    let mut spread = vec![0.0; zones];
    for &z in members {
        if z < zones {
            spread[z] += 1.0 / members.len() as f64;
        }
    }
    spread
}

/// The chance that a caller and a callee picked independently from their
/// spreads are in different zones.
fn crossing_fraction(from: &[f64], to: &[f64]) -> f64 {
    let same: f64 = from.iter().zip(to).map(|(a, b)| a * b).sum();
    (1.0 - same).max(0.0)
}

#[cfg(test)]
mod tests;
