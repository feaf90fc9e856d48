//! Bundled models priced by hand, overrides, unpriced parts and the nines
//! arithmetic. Every expected figure has its arithmetic next to it.

use super::*;
use crate::spec;

const STEADY: &str = include_str!("../../scenarios/steady-state.yaml");
const SINGLE: &str = include_str!("../../models/wordpress-single-instance.yaml");
const MULTI_AZ: &str = include_str!("../../models/wordpress-multi-az.yaml");
const THREE_TIER: &str = include_str!("../../models/three-tier-web.yaml");
const BENCH: &str = include_str!("../../models/bench-reference.yaml");

fn model(text: &str) -> ModelConfig {
    spec::load_model_str(text, "model.yaml").unwrap_or_else(|d| panic!("{d}"))
}

/// steady-state: 200 requests/s.
fn steady() -> ScenarioConfig {
    spec::load_scenario_str(STEADY, "steady-state.yaml").unwrap_or_else(|d| panic!("{d}"))
}

fn assert_cents(actual: f64, expected: f64) {
    assert!(
        (actual - expected).abs() < 0.005,
        "{actual} is not {expected} to the cent"
    );
}

fn item<'a>(cost: &'a CostSummary, component: &str, starts: &str) -> &'a CostItem {
    cost.items
        .iter()
        .find(|i| i.component == component && i.item.starts_with(starts))
        .unwrap_or_else(|| panic!("no `{starts}` line for {component}: {:#?}", cost.items))
}

#[test]
fn single_instance_costs_one_t3_medium_and_its_volume() {
    let cost = monthly(&model(SINGLE), Some(&steady()));
    // web: 1 × t3.medium, 730 h × $0.0416 = $30.368.
    assert_cents(item(&cost, "web", "aws/t3.medium").usd_per_month, 30.368);
    // db runs on web: only its 100 GB gp3 volume, 100 × $0.08 = $8.00.
    assert_cents(item(&cost, "db", "aws/gp3").usd_per_month, 8.0);
    // One zone: no cross-zone transfer. Total $38.368.
    assert_eq!(cost.items.len(), 2, "{:#?}", cost.items);
    assert_cents(cost.total_usd_per_month, 38.368);
    assert!(cost.unpriced.is_empty());
    assert_eq!(cost.prices_as_of, Some(crate::catalog::prices::AS_OF));
}

#[test]
fn multi_az_costs_what_the_hand_sum_says_and_more_than_one_instance() {
    let cost = monthly(&model(MULTI_AZ), Some(&steady()));
    // lb: 730 h × $0.0225 = $16.425. Through it: 200/s × (0.85 + 0.10) =
    // 190/s; LCUs = max(190 / 25, 190 × 10 kB × 3,600 s / 1 GB) =
    // max(7.6, 6.84) = 7.6; 7.6 × 730 × $0.008 = $44.384.
    assert_cents(item(&cost, "lb", "aws/alb hours").usd_per_month, 16.425);
    assert_cents(item(&cost, "lb", "capacity units").usd_per_month, 44.384);
    // web: 4 × m5.large, 4 × 730 × $0.096 = $280.32.
    assert_cents(item(&cost, "web", "aws/m5.large").usd_per_month, 280.32);
    // cache: 2 nodes, 2 × 730 × $0.156 = $227.76. web → cache crosses
    // zones half the time: page views 170/s × 0.5 × 10 kB × 2,628,000 s =
    // 2,233.8 GB × $0.02 = $44.676.
    assert_cents(
        item(&cost, "cache", "aws/elasticache").usd_per_month,
        227.76,
    );
    assert_cents(item(&cost, "cache", "cross-zone").usd_per_month, 44.676);
    // db: Multi-AZ doubles db.m5.large, 730 × $0.342 = $249.66; storage
    // 100 GB × $0.23 = $23.00. web → db (primary in a) crosses half the
    // time: (170/s × 0.1 misses + 20/s comments) × 0.5 × 10 kB ×
    // 2,628,000 s = 486.18 GB × $0.02 = $9.7236.
    assert_cents(
        item(&cost, "db", "aws/rds-multi-az instance").usd_per_month,
        249.66,
    );
    assert_cents(
        item(&cost, "db", "aws/rds-multi-az storage").usd_per_month,
        23.0,
    );
    assert_cents(item(&cost, "db", "cross-zone").usd_per_month, 9.7236);
    // media: 100 GB × $0.023 = $2.30; 10/s × 2,628,000 s = 26,280 thousand
    // GETs × $0.0004 = $10.512.
    assert_cents(item(&cost, "media", "storage").usd_per_month, 2.3);
    assert_cents(item(&cost, "media", "GET").usd_per_month, 10.512);
    // Sum: $908.7606.
    assert_cents(cost.total_usd_per_month, 908.7606);
    assert_eq!(cost.items.len(), 10, "{:#?}", cost.items);
    let single = monthly(&model(SINGLE), Some(&steady()));
    assert!(cost.total_usd_per_month > single.total_usd_per_month);
}

#[test]
fn items_follow_model_order_and_repeat_exactly() {
    let m = model(THREE_TIER);
    let cost = monthly(&m, Some(&steady()));
    let mut seen: Vec<&str> = cost.items.iter().map(|i| i.component.as_str()).collect();
    seen.dedup();
    let order: Vec<&str> = m.components.iter().map(|c| c.name.as_str()).collect();
    let positions: Vec<usize> = seen
        .iter()
        .map(|c| order.iter().position(|o| o == c).unwrap())
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{seen:?}");
    assert_eq!(cost, monthly(&m, Some(&steady())));
    // The payment provider has no price: listed, costed at 0.
    assert_eq!(cost.unpriced, ["payments"]);
    // Read replica: one more db.m5.large, 730 × $0.171 = $124.83.
    assert_cents(item(&cost, "db", "read replicas").usd_per_month, 124.83);
}

#[test]
fn cost_per_month_replaces_the_catalog_price_of_its_component() {
    let text = MULTI_AZ.replace(
        "    preset: aws/m5.large\n",
        "    preset: aws/m5.large\n    cost_per_month: 120.5\n",
    );
    let priced = monthly(&model(&text), Some(&steady()));
    let web: Vec<&CostItem> = priced
        .items
        .iter()
        .filter(|i| i.component == "web")
        .collect();
    assert_eq!(web.len(), 1);
    assert_eq!(web[0].usd_per_month, 120.5);
    assert_eq!(web[0].source, None);
    let list = monthly(&model(MULTI_AZ), Some(&steady()));
    // $908.7606 − $280.32 + $120.50.
    assert_cents(
        priced.total_usd_per_month,
        list.total_usd_per_month - 280.32 + 120.5,
    );
}

#[test]
fn components_without_price_are_listed_as_unpriced_and_cost_nothing() {
    let cost = monthly(&model(BENCH), Some(&steady()));
    assert_eq!(cost.unpriced, ["lb", "web"]);
    assert_eq!(cost.total_usd_per_month, 0.0);
    assert_eq!(cost.prices_as_of, None);
    // A priced override takes a component off the list.
    let text = BENCH.replace(
        "    kind: tier\n",
        "    kind: tier\n    cost_per_month: 0\n",
    );
    assert_eq!(monthly(&model(&text), None).unpriced, ["lb"]);
}

#[test]
fn without_a_scenario_only_fixed_lines_remain() {
    let cost = monthly(&model(MULTI_AZ), None);
    // $908.7606 − LCUs $44.384 − transfer $44.676 − $9.7236 − GETs $10.512.
    assert_cents(cost.total_usd_per_month, 799.465);
    assert!(cost.items.iter().all(|i| !i.item.starts_with("cross-zone")));
}

#[test]
fn bad_prices_are_rejected_at_their_position() {
    for bad in ["-5", ".nan", "lots"] {
        let text = SINGLE.replace(
            "    kind: tier\n",
            &format!("    kind: tier\n    cost_per_month: {bad}\n"),
        );
        let error = spec::load_model_str(&text, "m.yaml")
            .expect_err(bad)
            .to_string();
        assert!(error.starts_with("m.yaml:12:"), "{bad}: {error}");
    }
}

#[test]
fn nines_are_capped_and_monotone() {
    assert!((nines(0.999) - 3.0).abs() < 1e-9);
    assert!((nines(0.9995) - 3.30103).abs() < 1e-5);
    assert_eq!(nines(1.0), NINES_CAP);
    assert_eq!(nines(0.0), 0.0);
    assert_eq!(nines(-1.0), 0.0);
    assert!(nines(f64::NAN).is_nan());
}

#[test]
fn cost_per_extra_nine_edge_cases() {
    // $38.37 at 2 nines to $908.76 at 3.5 nines: $870.39 / 1.5 = $580.26.
    let per_nine = cost_per_extra_nine(38.37, 2.0, 908.76, 3.5).unwrap();
    assert_cents(per_nine, 580.26);
    // No extra nine, or fewer: no figure.
    assert_eq!(cost_per_extra_nine(10.0, 3.0, 20.0, 3.0), None);
    assert_eq!(cost_per_extra_nine(10.0, 3.0, 20.0, 2.0), None);
    assert_eq!(cost_per_extra_nine(10.0, f64::NAN, 20.0, 4.0), None);
    // Cheaper and better: negative.
    assert_eq!(cost_per_extra_nine(20.0, 3.0, 10.0, 4.0), Some(-10.0));
    // From the capped nines of a perfect run.
    assert_eq!(
        cost_per_extra_nine(0.0, nines(0.99), 7.0, nines(1.0)),
        Some(1.0)
    );
}
