//! Keyed caches (`model/keyed_cache.rs`): the hit ratio of a Zipf key space
//! emerges from fills; a flush sends a stampede of misses to the database;
//! coalescing bounds it by the distinct keys in flight; leases space fills.

use crate::common::*;
use firedrill::config::*;
use firedrill::dist::Dist;
use firedrill::model::id::DbId;
use firedrill::run::{run_with, Fidelity, Simulation};
use firedrill::spec::load_model_str;
use firedrill::time::SimTime;

fn keys(count: u32, capacity: u32, zipf: f64, coalescing: bool) -> KeySpace {
    KeySpace {
        count,
        zipf,
        capacity,
        ttl: None,
        coalescing,
        lease: None,
    }
}

/// web → keyed cache (one node) → db.read_on_miss, the database with
/// `db_slots` slots of `read` each.
fn keyed_model(space: KeySpace, db_slots: u32, read: Dist) -> ModelConfig {
    let cache = ComponentKind::Cache(CacheConfig {
        zones: vec![0],
        nodes_per_zone: 1,
        hit_ratio: 0.0,
        warmup: secs(0),
        service_time: Dist::Constant(ms(1)),
        replace_time: Dist::Constant(secs(300)),
        keys: Some(space),
    });
    let mut db = database(0, None, vec![]);
    db.concurrency = db_slots;
    db.read_time = read;
    model(
        &["a"],
        vec![
            component("web", tier(vec![0], 1, 100_000, Dist::Constant(ms(1)))),
            component("cache", cache),
            component("db", ComponentKind::Database(db)),
        ],
        vec![class(
            "read",
            1.0,
            &[(0, Op::Serve), (1, Op::Get), (2, Op::ReadOnMiss)],
        )],
    )
}

fn flush_at(s: &mut ScenarioConfig, at: u64) {
    s.faults.push(fault(
        "flush",
        FaultAction::CacheFlush { warmup: None },
        target(Some("cache"), None),
        secs(at),
        None,
    ));
}

/// Database reads arrived (started or queued) and queued at `t_ms`.
fn db_at(sim: &mut Simulation, t_ms: u64) -> (f64, usize) {
    sim.run_until(SimTime(ms(t_ms).as_nanos()));
    let server = sim.world.dbs()[DbId(0)].nodes[0].server;
    let s = &sim.world.servers()[server];
    ((s.admitted as usize + s.queue.len()) as f64, s.queue.len())
}

fn web_at(sim: &Simulation) -> f64 {
    sim.world.servers()[firedrill::model::event::ServerId(0)].admitted as f64
}

#[test]
fn a_warm_zipf_cache_hits_the_popularity_mass_of_the_keys_it_holds() {
    // 10,000 keys, Zipf s = 0.8, the cache holds 5,000 and evicts the least
    // popular: warm, it holds the top 5,000, so its hit ratio is
    // H(5000, 0.8) / H(10000, 0.8) = 23.04 / 27.05 ≈ 0.852 (summed below).
    // Over [60 s, 120 s) at 2,000 reads/s, n = 120,000 lookups: the hit
    // fraction's sd is √(0.852 × 0.148 / 120000) ≈ 0.001; the tolerance is 5
    // sd plus 0.002 for keys near the boundary not yet read by 60 s
    // (rank 5,000 is read 0.08 times/s: unseen for 60 s with p ≈ e^−4.8).
    let h = |n: u32| (1..=n).map(|i| f64::from(i).powf(-0.8)).sum::<f64>();
    let expected = h(5_000) / h(10_000);
    let m = keyed_model(keys(10_000, 5_000, 0.8, false), 64, Dist::Constant(ms(2)));
    let s = scenario(secs(120), 2_000.0);
    let mut sim = Simulation::new(&m, &s, 3).unwrap();
    let (db60, _) = db_at(&mut sim, 60_000);
    let web60 = web_at(&sim);
    let (db120, _) = db_at(&mut sim, 120_000);
    let web120 = web_at(&sim);
    let hit = 1.0 - (db120 - db60) / (web120 - web60);
    eprintln!("keyed hit ratio {hit:.4} (closed form {expected:.4})");
    assert!((hit - expected).abs() < 0.007, "{hit} vs {expected}");
    assert!((firedrill::model::keyed_cache::top_mass(10_000, 0.8, 5_000) - expected).abs() < 1e-9);
}

#[test]
fn a_flush_stampedes_the_database_and_its_queue_grows() {
    // The warm cache above misses 14.8 % of 2,000 reads/s: ≈ 296 reads/s on
    // a database of one 2 ms slot (500/s, utilisation 0.6). Flushed at 120 s,
    // every read misses until its key is refilled: the first 50 ms send ≈ 100
    // reads (2,000/s, 4× the database's capacity) instead of ≈ 15, and the
    // queue grows by the excess while the hit ratio climbs back.
    let m = keyed_model(keys(10_000, 5_000, 0.8, false), 1, Dist::Constant(ms(2)));
    let mut s = scenario(secs(125), 2_000.0);
    flush_at(&mut s, 120);
    let mut sim = Simulation::new(&m, &s, 5).unwrap();
    let (a, _) = db_at(&mut sim, 60_000);
    let (b, steady_queue) = db_at(&mut sim, 120_000);
    let (c, _) = db_at(&mut sim, 120_050);
    let (_, storm_queue) = db_at(&mut sim, 121_000);
    let steady = (b - a) / 60.0 * 0.05;
    let burst = c - b;
    eprintln!(
        "stampede: db reads per 50 ms {steady:.1} -> {burst:.0}; queue {steady_queue} -> {storm_queue}"
    );
    assert!((steady / 0.05 - 296.0).abs() < 30.0, "{steady}");
    assert!(burst > 4.0 * steady, "{burst} vs {steady}");
    assert!(
        steady_queue < 20 && storm_queue > 200,
        "{steady_queue} {storm_queue}"
    );
}

#[test]
fn coalescing_bounds_the_stampede_by_the_distinct_keys_in_flight() {
    // 10 keys, all cached (capacity 10), uniform popularity (s = 0), 100
    // reads/s, a database read that takes 1 s. Warm, nothing reaches the
    // database. Flushed at 30 s: for the second the fills take, every read
    // misses. Without coalescing each miss reads the database: ≈ 100 reads
    // over [30 s, 32 s). With coalescing one fill per key is in flight, so
    // at most 10 reads (= distinct keys); and every key is read in that
    // second (P(a key is missed by 100 reads) = 0.9^100 ≈ 3e-5): exactly 10.
    let burst = |coalescing: bool| {
        let m = keyed_model(
            keys(10, 10, 0.0, coalescing),
            1_000,
            Dist::Constant(secs(1)),
        );
        let mut s = scenario(secs(32), 100.0);
        flush_at(&mut s, 30);
        let mut sim = Simulation::new(&m, &s, 9).unwrap();
        let (before, _) = db_at(&mut sim, 29_000);
        let (at, _) = db_at(&mut sim, 30_000);
        let (after, _) = db_at(&mut sim, 32_000);
        assert_eq!(at, before, "a warm cache of every key sends no reads");
        after - at
    };
    let (naive, coalesced) = (burst(false), burst(true));
    eprintln!("flush burst: {naive} db reads without coalescing, {coalesced} with");
    assert!((naive - 100.0).abs() < 35.0, "{naive}");
    assert_eq!(coalesced, 10.0);
}

#[test]
fn a_lease_spaces_a_failing_keys_fills() {
    // One key, coalescing, no client timeout; the database (no standby)
    // fails at 10 s, when the cache is flushed: every fill fails at once.
    // With plain coalescing the next waiter takes the fill at once, so each
    // of the 100 reads/s from 10 s reaches the dead database and fails:
    // ≈ 100 × 30 = 3,000 failures by 40 s. With a 10 s lease a token is
    // handed over only 10 s after the previous one, at 10, 20 and 30 s: 3
    // fills tried, 3 failures; the other readers wait for the key.
    let failed = |lease: Option<u64>| {
        let mut k = keys(1, 1, 0.0, true);
        k.lease = lease.map(secs);
        let m = keyed_model(k, 64, Dist::Constant(ms(2)));
        let mut s = scenario(secs(40), 100.0);
        s.faults.push(fault(
            "db",
            FaultAction::DatabasePrimaryFailure,
            target(Some("db"), None),
            secs(10),
            None,
        ));
        flush_at(&mut s, 10);
        let r = run_with(&m, &s, 4, Fidelity::Request).unwrap();
        r.requests.failed
    };
    let (coalesced, leased) = (failed(None), failed(Some(10)));
    eprintln!(
        "dead database: {coalesced} failed fills with coalescing, {leased} with a 10 s lease"
    );
    assert!((coalesced as f64 - 3_000.0).abs() < 300.0, "{coalesced}");
    assert_eq!(leased, 3);
}

#[test]
fn keyed_caches_are_deterministic_and_refused_by_the_fluid_fidelity() {
    let m = keyed_model(keys(1_000, 100, 0.8, true), 2, Dist::exponential(ms(3)));
    let mut s = scenario(secs(20), 500.0);
    flush_at(&mut s, 10);
    let once = firedrill::report::json::render(&run_with(&m, &s, 7, Fidelity::Request).unwrap());
    let twice = firedrill::report::json::render(&run_with(&m, &s, 7, Fidelity::Request).unwrap());
    assert_eq!(once, twice);
    let e = firedrill::fluid::unsupported_model(&m).expect("refused");
    assert!(e.message.contains("cache `cache`"), "{}", e.message);
    let long = scenario(secs(8 * 86_400), 10.0);
    assert_eq!(Fidelity::Auto.resolve_for(&m, &long), Fidelity::Request);
}

const MODEL: &str = "name: m
zones: [a, b]
components:
  web: { kind: tier, zones: [a], per_zone: 1, concurrency: 8, service_time: 1ms }
  cache:
    kind: cache
    service_time: 1ms
    keys: KEYS
  db: { kind: database, preset: aws/rds-multi-az, primary: a, standby: b }
requests:
  r: { share: 1, path: [web, cache, db.read_on_miss] }
";

#[test]
fn keys_are_parsed_and_checked_with_their_position() {
    let load = |k: &str| load_model_str(&MODEL.replace("KEYS", k), "m.yaml");
    let m = load("{ count: 1000, capacity: 100, coalescing: true, lease: 10s, ttl: 5m }").unwrap();
    let ComponentKind::Cache(c) = &m.components[1].kind else {
        panic!("a cache")
    };
    assert_eq!(
        c.keys,
        Some(KeySpace {
            count: 1000,
            zipf: 0.8,
            capacity: 100,
            ttl: Some(secs(300)),
            coalescing: true,
            lease: Some(secs(10)),
        })
    );
    // Each error names line 8 (the `keys:` line) and the column of the
    // offending value (or of the map, for a missing field).
    for (bad, what) in [
        ("{ count: 0, capacity: 1 }", "count"),
        ("{ count: 20000000, capacity: 1 }", "count"),
        ("{ count: 10, capacity: 11 }", "capacity"),
        ("{ count: 10, capacity: 5, zipf: -1 }", "zipf"),
        ("{ count: 10, capacity: 5, lease: 0s }", "lease"),
        ("{ count: 10 }", "capacity"),
        ("{ count: 10, capacity: 5, size: 3 }", "size"),
    ] {
        let e = load(bad).unwrap_err().to_string();
        // `    keys: ` is 10 characters: the map opens at column 11; a bad
        // value is named at its own column, an unknown key at the key's.
        let key_at = bad.find(&format!("{what}:"));
        let col = match key_at {
            None => 11,
            Some(i) if what == "size" => 11 + i,
            Some(i) => 11 + i + what.len() + 2,
        };
        assert!(e.contains(&format!("m.yaml:8:{col}:")), "{bad}: {e}");
        assert!(e.contains(what), "{bad}: {e}");
    }
    let e = load("{ count: 10, capacity: 5 }\n    hit_ratio: 0.9")
        .unwrap_err()
        .to_string();
    assert!(e.contains("m.yaml:9:") && e.contains("hit_ratio"), "{e}");
}
