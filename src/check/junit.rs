//! JUnit XML for CI systems (GitHub, GitLab, Jenkins render it): one test
//! suite per case, one test case per SLO and per regression check, each
//! with the measured value in its message and the reproduction command in
//! its description. Written with `quick-junit` (the JUnit writer
//! cargo-nextest uses) rather than by hand: it escapes XML correctly. No
//! timestamps or durations are set, so the file is reproducible.

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use super::{slo_message, CheckResult};

pub fn render(result: &CheckResult) -> String {
    let mut report = Report::new("firedrill check");
    for case in &result.cases {
        let mut suite = TestSuite::new(case.name.as_str());
        for slo in &case.slos {
            let message = slo_message(case, slo);
            let status = if slo.pass {
                TestCaseStatus::success()
            } else {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                s.set_message(message.as_str())
                    .set_type("slo")
                    .set_description(format!(
                        "{message}\nreproduce: {}\nworst run alone: --seed {} --runs 1",
                        case.reproduce(),
                        case.worst_seed()
                    ));
                s
            };
            let mut test = TestCase::new(format!("slo {}", slo.name), status);
            test.set_classname(case.name.as_str());
            if slo.pass {
                test.set_system_out(message);
            }
            suite.add_test_case(test);
        }
        if let Some(reason) = case.experiment_failure() {
            let message = format!("experiment failed: {reason}");
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            status
                .set_message(message.as_str())
                .set_type("experiment")
                .set_description(format!("{message}\nreproduce: {}", case.reproduce()));
            let mut test = TestCase::new("experiment", status);
            test.set_classname(case.name.as_str());
            suite.add_test_case(test);
        }
        for r in &case.regressions {
            let message = super::markdown::regression_message(r);
            let status = if r.regressed {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                s.set_message(message.as_str())
                    .set_type("regression")
                    .set_description(format!("{message}\nreproduce: {}", case.reproduce()));
                s
            } else {
                TestCaseStatus::success()
            };
            let mut test = TestCase::new(format!("regression {}", r.metric), status);
            test.set_classname(case.name.as_str());
            if !r.regressed {
                test.set_system_out(message);
            }
            suite.add_test_case(test);
        }
        report.add_test_suite(suite);
    }
    report
        .to_string()
        .unwrap_or_else(|e| unreachable!("JUnit serialisation into a string failed: {e}"))
}
