//! Promotes every channel of one Sandbox org into another (seeded differently, so every
//! id is remapped) at a given per-token rate limit, and prints wall time, requests and
//! 429s on each side, and the ratio to the rate-window floor of the busier side:
//! `(⌈requests / (allowed × (1 − reserve))⌉ − 1) × 60 s`.
//!
//! `cargo bench --bench promote_all -- [--channels 100] [--rate-limit 300]`

use std::time::{Duration, Instant};

use webmsg_desk::application::channels::PublishOptions;
use webmsg_desk::application::promotion::{self, PlanOptions, Selection};
use webmsg_desk::application::safety::Confirmation;
use webmsg_desk::application::{Operation, Session};
use webmsg_desk::genesys::{Client, ConnectionConfig, Environment};
use webmsg_desk::sandbox::{RunningSandbox, SandboxOptions, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET};
use webmsg_desk::store::Store;

fn session(sandbox: &RunningSandbox, profile: &str) -> anyhow::Result<Session> {
    let client = Client::new(ConnectionConfig::new(
        Environment::parse(&sandbox.base_url())?,
        DEMO_CLIENT_ID,
        DEMO_CLIENT_SECRET.to_string().into(),
    ))?;
    Ok(Session::new(client, Store::in_memory()?, profile))
}

fn argument(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.windows(2)
        .find(|pair| pair[0] == name)
        .and_then(|pair| pair[1].parse().ok())
        .unwrap_or(default)
}

/// The least time a client that keeps its reserve needs for `requests`.
fn floor_seconds(requests: u64, allowed: u32) -> f64 {
    let reserve = webmsg_desk::genesys::pacer::PacerSettings::default().reserve;
    let per_window = (f64::from(allowed) * (1.0 - reserve)).floor();
    let windows = (requests as f64 / per_window).ceil();
    ((windows - 1.0) * 60.0).max(0.0)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let channels = argument("--channels", 100) as usize;
    let rate_limit = argument("--rate-limit", 300) as u32;
    let org = |seed| SandboxOptions {
        rate_limit_per_minute: rate_limit,
        history_hours: 1,
        lifecycle_delay: Duration::ZERO,
        cdn_delay: Duration::ZERO,
        seed,
        ..SandboxOptions::default()
    };
    let source = RunningSandbox::start(
        SandboxOptions {
            channels: channels.saturating_sub(1),
            ..org(7)
        },
        0,
    )
    .await?;
    let target = RunningSandbox::start(org(2), 0).await?;
    let (from, to) = (session(&source, "dev")?, session(&target, "prod")?);
    println!("promote_all: {channels} channels, rate limit {rate_limit}/min per token and org");

    let started = Instant::now();
    let plan = promotion::plan(&from, &to, &Selection::All, &PlanOptions::default()).await?;
    let planned = started.elapsed();
    anyhow::ensure!(!plan.is_blocked(), "the plan is blocked");
    let progress = |_| {};
    let cancel = tokio_util::sync::CancellationToken::new();
    let operation = Operation::new(&to, cancel, &progress);
    let report = Box::pin(promotion::promote(
        &operation,
        plan,
        &PublishOptions {
            deadline: Duration::from_secs(600),
            ..PublishOptions::default()
        },
        &Confirmation::None,
    ))
    .await?;
    let wall = started.elapsed().as_secs_f64();
    let promoted = report
        .channels
        .iter()
        .filter(|c| matches!(c.result.as_str(), "created" | "updated"))
        .count();
    let side = |sandbox: &RunningSandbox| {
        let stats = sandbox.state().org().stats.clone();
        (stats.api_requests, stats.rate_limited)
    };
    let ((source_requests, source_429), (target_requests, target_429)) =
        (side(&source), side(&target));
    let floor =
        floor_seconds(source_requests, rate_limit).max(floor_seconds(target_requests, rate_limit));
    println!(
        "  promoted:                  {promoted}/{}",
        report.channels.len()
    );
    println!(
        "  plan (both orgs read):     {:.1} s",
        planned.as_secs_f64()
    );
    println!("  wall time:                 {wall:.1} s");
    println!("  requests, source / target: {source_requests} / {target_requests}");
    println!("  window floor:              {floor:.1} s");
    if floor > 0.0 {
        println!("  ratio to the floor:        {:.3}", wall / floor);
    }
    println!("  429s, source / target:     {source_429} / {target_429}");
    source.shutdown().await;
    target.shutdown().await;
    anyhow::ensure!(
        promoted == report.channels.len(),
        "not every channel was promoted"
    );
    Ok(())
}
