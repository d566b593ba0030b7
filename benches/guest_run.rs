//! Scenario-run figures: 50 and 200 synthetic visitors at once against the in-process
//! Sandbox over real WebSockets and HTTP, with p50/p95 of each timing and the memory the
//! run took.
//!
//! `cargo bench --bench guest_run`

use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;
use webmsg_desk::genesys::{Client, ConnectionConfig, Environment};
use webmsg_desk::guest::{parse_scenario_file, run_scenarios, ScenarioResult, Visit};
use webmsg_desk::sandbox::{RunningSandbox, SandboxOptions, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET};

fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn percentile(values: &mut [u64], share: f64) -> Option<u64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let index = ((values.len() as f64 - 1.0) * share).round() as usize;
    Some(values[index])
}

fn show(name: &str, mut values: Vec<u64>) {
    let count = values.len();
    match (percentile(&mut values, 0.5), percentile(&mut values, 0.95)) {
        (Some(p50), Some(p95)) => {
            println!("  {name:<14} p50 {p50:>6} ms   p95 {p95:>6} ms   (n={count})")
        }
        _ => println!("  {name:<14} none"),
    }
}

async fn run(visitors: usize, deployment_id: &str, sandbox: &RunningSandbox) -> anyhow::Result<()> {
    let mut text = format!("deployment: {deployment_id}\nscenarios:\n");
    for n in 0..visitors {
        text.push_str(&format!(
            "  Visitor {n:03}:\n    - say: hi\n    - expect-reply: {{ contains: help, within: 30 }}\n    - say: I need an agent\n    - expect-routed: {{ queue: Support, within: 60 }}\n"
        ));
    }
    let file = parse_scenario_file(&text).map_err(anyhow::Error::msg)?;
    let environment = Environment::parse(&sandbox.base_url())?;
    let client = Client::new(ConnectionConfig::new(
        environment.clone(),
        DEMO_CLIENT_ID,
        DEMO_CLIENT_SECRET.into(),
    ))?;
    let socket_url = environment.guest_socket_url(deployment_id);
    let rss_before = status_kib("VmRSS:");
    let started = Instant::now();
    let visit = Visit {
        socket_url: &socket_url,
        client: Some(&client),
        deployment_id,
        origin: Some("https://www.example.com"),
        parallel: visitors,
        // As `guest run` does by default: every visitor's conversation is ended.
        end_conversations: true,
    };
    let results: Vec<ScenarioResult> =
        run_scenarios(&visit, &file.scenarios, &CancellationToken::new(), &|_| {}).await;
    let wall = started.elapsed();
    let passed = results.iter().filter(|r| r.report.passed()).count();
    println!(
        "{visitors} visitors at once: {passed}/{visitors} passed in {:.1} s; RSS {} → {} MiB (peak {} MiB); {} API requests",
        wall.as_secs_f64(),
        rss_before / 1024,
        status_kib("VmRSS:") / 1024,
        status_kib("VmHWM:") / 1024,
        client.api_requests(),
    );
    let mut reasons: Vec<String> = results
        .iter()
        .filter(|r| !r.report.passed())
        .map(|r| format!("{:?}", r.report.outcome))
        .collect();
    reasons.sort();
    reasons.dedup();
    for reason in reasons.iter().take(3) {
        println!("  failed: {reason}");
    }
    let timing = |pick: fn(&ScenarioResult) -> Option<u64>| {
        results.iter().filter_map(pick).collect::<Vec<_>>()
    };
    show("connect", timing(|r| r.report.timings.connect_ms));
    show("session", timing(|r| r.report.timings.session_ms));
    show("first reply", timing(|r| r.report.timings.first_reply_ms));
    show("routed", timing(|r| r.report.timings.routed_ms));
    show("total", timing(|r| Some(r.report.timings.total_ms)));
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let sandbox = RunningSandbox::start(
        SandboxOptions {
            history_hours: 1,
            // The per-token limit is per client; one client follows every visitor.
            rate_limit_per_minute: 300,
            ..SandboxOptions::default()
        },
        0,
    )
    .await?;
    let deployment_id = {
        let org = sandbox.state().org();
        org.deployments[0].id.clone()
    };
    for visitors in [50, 200] {
        run(visitors, &deployment_id, &sandbox).await?;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    sandbox.shutdown().await;
    Ok(())
}
