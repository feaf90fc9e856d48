//! Stop conditions end scripted faults early, as an AWS FIS alarm does.

use crate::common;

use common::*;
use firedrill::config::*;
use firedrill::dist::Dist;
use firedrill::run::run;

#[test]
fn a_stop_condition_ends_a_zone_outage_early() {
    // One instance in zone a, 100 req/s, client timeout 1 s; zone a goes
    // dark (blackhole) at 300 s for 600 s of a 1,200 s run.
    // - Without a stop condition about half the requests fail:
    //   availability ≈ 1 - 600/1200 = 0.5.
    // - With `availability below 95 % over 60 s`, the window's last 60 s
    //   cross 5 % failures about 3 s after the first timeouts (which come
    //   1 s after the outage starts): the outage ends near 304 s. About
    //   4 s · 100/s + the hanging attempts fail: availability > 0.99.
    let m = model(
        &["a", "b"],
        vec![component(
            "web",
            tier(vec![0], 1, 64, Dist::Constant(ms(1))),
        )],
        vec![class("r", 1.0, &[(0, Op::Serve)])],
    );
    let mut s = scenario(secs(1_200), 100.0);
    s.client.timeout = Some(secs(1));
    s.faults.push(fault(
        "az",
        FaultAction::ZoneOutage {
            mode: DownMode::Blackhole,
        },
        target(None, Some("a")),
        secs(300),
        Some(secs(600)),
    ));
    let baseline = run(&m, &s, 3).unwrap();
    s.stop_conditions.push(StopCondition {
        metric: StopMetric::AvailabilityBelow(0.95),
        window: secs(60),
        pos: SourcePos::default(),
    });
    let stopped = run(&m, &s, 3).unwrap();
    let record = stopped.detail.stopped.clone().expect("the condition trips");
    eprintln!(
        "stop condition: tripped at {} s ({}); availability {:.4} vs {:.4} without",
        record.at_s,
        record.description,
        stopped.availability.request,
        baseline.availability.request
    );
    assert!(baseline.detail.stopped.is_none());
    assert!((baseline.availability.request - 0.5).abs() < 0.01);
    assert!((302.0..=306.0).contains(&record.at_s), "{}", record.at_s);
    assert!(stopped.availability.request > 0.99);
    // Failures ≈ 100/s over the ≈ 4-5 s between the outage and the stop.
    let failed = stopped.requests.failed;
    assert!((300..=700).contains(&failed), "{failed}");
    // The report's fault window ends where the stop condition ended it.
    assert_eq!(baseline.availability.recoveries[0].end_s, Some(900.0));
    assert_eq!(
        stopped.availability.recoveries[0].end_s,
        Some(record.at_s.floor())
    );
}

#[test]
fn a_tripped_condition_keeps_later_faults_from_starting() {
    // The second outage would start at 600 s; the condition tripped during
    // the first, so the run only loses the first few seconds.
    let m = one_web_instance();
    let mut s = scenario(secs(900), 50.0);
    s.client.timeout = Some(secs(1));
    for (id, at) in [("first", 120), ("second", 600)] {
        s.faults.push(fault(
            id,
            FaultAction::InstanceCrash {
                mode: DownMode::Refuse,
            },
            target(Some("web"), None),
            secs(at),
            Some(secs(120)),
        ));
    }
    s.stop_conditions.push(StopCondition {
        metric: StopMetric::ErrorRateAbove(0.02),
        window: secs(30),
        pos: SourcePos::default(),
    });
    let r = run(&m, &s, 5).unwrap();
    // Refused requests fail at once: 2 % of 30 s × 50/s = 30 failures trip
    // it within the first second or so.
    eprintln!(
        "error-rate stop: {} failed, recoveries {:?}",
        r.requests.failed,
        r.availability.recoveries.len()
    );
    assert!(r.detail.stopped.is_some());
    assert!(r.requests.failed < 200, "{}", r.requests.failed);
    assert_eq!(
        r.availability.recoveries.len(),
        1,
        "the second never started"
    );
}
