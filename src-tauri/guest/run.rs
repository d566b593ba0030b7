//! Many visitors at once: a scenario file's scenarios run in parallel, each its own guest
//! session, with their results written as JUnit for CI.

use std::time::Duration;

use futures::StreamExt;
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use crate::genesys::Client;

use super::drive::{drive, end_visit, DrivePlan, DriveReport, DriveTarget, Line, Outcome, Voice};
use super::finder::Finder;
use super::steps::{Scenario, Step};

/// Most scenarios run at once.
pub const MAX_PARALLEL: usize = 200;
/// Conversations ended at once after a run (each a read and a disconnect, paced).
const ENDED_AT_ONCE: usize = 16;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScenarioResult {
    pub name: String,
    pub report: DriveReport,
}

/// Which deployment the scenarios visit, from where, and how many at once.
#[derive(Clone, Copy)]
pub struct Visit<'a> {
    pub socket_url: &'a url::Url,
    pub client: Option<&'a Client>,
    pub deployment_id: &'a str,
    pub origin: Option<&'a str>,
    pub parallel: usize,
    /// Each visitor's conversation is disconnected through the API at its end.
    pub end_conversations: bool,
}

/// Runs every scenario, `visit.parallel` at a time; results come back in file order.
/// `on_done` hears each result as it finishes.
pub async fn run_scenarios(
    visit: &Visit<'_>,
    scenarios: &[Scenario],
    cancel: &CancellationToken,
    on_done: &(dyn Fn(&ScenarioResult) + Send + Sync),
) -> Vec<ScenarioResult> {
    let Visit {
        socket_url,
        client,
        deployment_id,
        origin,
        parallel,
        end_conversations,
    } = *visit;
    let parallel = parallel.clamp(1, MAX_PARALLEL);
    let quiet = |_: &Line| {};
    // Owned jobs: a stream whose closure borrowed each scenario would not be `Send` for
    // every lifetime, and the window runs canaries on spawned tasks.
    let jobs: Vec<(usize, String, DrivePlan)> = scenarios
        .iter()
        .enumerate()
        .map(|(index, scenario)| {
            let plan = DrivePlan {
                deployment_id: deployment_id.to_string(),
                origin: origin.map(str::to_string),
                steps: scenario.steps.clone(),
                timeout: Step::budget(&scenario.steps),
                attributes: scenario.attributes.clone(),
                linger: Duration::ZERO,
                follow_queue: false,
                // Ended together once every visitor is done, below.
                end_conversation: false,
            };
            (index, scenario.name.clone(), plan)
        })
        .collect();
    let quiet = &quiet;
    // One finder follows every visitor, so they share the rate window instead of each
    // spending it on its own lookups.
    let finder = client.map(Finder::new);
    let finder = finder.as_ref();
    let stop = CancellationToken::new();
    let drives = futures::stream::iter(jobs)
        .map(|(index, name, plan)| {
            let target = DriveTarget {
                socket_url: socket_url.clone(),
                client,
                finder,
            };
            let cancel = cancel.child_token();
            async move {
                let report = drive(target, &plan, cancel, quiet).await;
                let result = ScenarioResult { name, report };
                on_done(&result);
                (index, result)
            }
        })
        .buffer_unordered(parallel)
        .collect::<Vec<(usize, ScenarioResult)>>();
    let following = async {
        if let Some(finder) = finder {
            finder.run(&stop).await;
        }
    };
    let (mut results, ()) = tokio::join!(
        async {
            let results = drives.await;
            stop.cancel();
            results
        },
        following
    );
    results.sort_by_key(|(index, _)| *index);
    if let (Some(client), true) = (client, end_conversations) {
        // After every visitor is done, so ending conversations (two requests each) never
        // takes the rate window from visitors still being followed into their queue.
        futures::stream::iter(results.iter_mut())
            .for_each_concurrent(ENDED_AT_ONCE, |(_, result)| {
                end_visit(client, &mut result.report)
            })
            .await;
    }
    results.into_iter().map(|(_, result)| result).collect()
}

fn transcript_text(lines: &[Line]) -> String {
    lines
        .iter()
        .map(|line| {
            let who = match line.voice {
                Voice::Guest => "guest",
                Voice::Bot => "bot",
                Voice::Agent => "agent",
                Voice::Event => "--",
            };
            format!(
                "{:>8.1}s {who:>5}  {}\n",
                line.at_ms as f64 / 1000.0,
                line.text
            )
        })
        .collect()
}

/// JUnit XML of the results: one test case per scenario, a failure naming its step.
pub fn junit_xml(suite_name: &str, results: &[ScenarioResult]) -> String {
    let mut suite = TestSuite::new(suite_name);
    for result in results {
        let status = match &result.report.outcome {
            Outcome::Passed => TestCaseStatus::success(),
            Outcome::Failed {
                step,
                step_text,
                reason,
            } => {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                status
                    .set_message(format!("step {step} ({step_text}) failed: {reason}"))
                    .set_type("expectation");
                status
            }
            Outcome::Error { message } => {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
                status.set_message(message.clone()).set_type("error");
                status
            }
            Outcome::Cancelled => {
                let mut status = TestCaseStatus::skipped();
                status.set_message("cancelled");
                status
            }
        };
        let mut case = TestCase::new(result.name.clone(), status);
        case.set_classname(suite_name)
            .set_time(Duration::from_millis(result.report.timings.total_ms))
            .set_system_out(transcript_text(&result.report.transcript));
        suite.add_test_case(case);
    }
    let mut report = Report::new("webmsg-desk guest run");
    report.add_test_suite(suite);
    report
        .to_string()
        .unwrap_or_else(|e| format!("<!-- the JUnit report could not be written: {e} -->"))
}
