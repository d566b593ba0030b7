//! Exports every channel of a Sandbox org seeded with N channels, at a given per-token
//! rate limit, and prints wall time, requests, 429s, and the ratio to the window floor:
//! `(⌈requests / (allowed × (1 − reserve))⌉ − 1) × window`, the least time a client that
//! keeps its reserve can take when each window is spent the moment it opens.
//!
//! `cargo bench --bench export_all -- [--channels 500] [--rate-limit 300] [--concurrency 16]`

use std::time::Duration;

use webmsg_desk::sandbox::{RunningSandbox, SandboxOptions, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET};
use webmsg_desk::store::Store;
use webmsg_desk::transfer::{export_all, ExportAllOptions};

fn argument(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.windows(2)
        .find(|pair| pair[0] == name)
        .and_then(|pair| pair[1].parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let channels = argument("--channels", 500);
    let rate_limit = argument("--rate-limit", 300) as u32;
    let concurrency = argument("--concurrency", 16);
    let options = SandboxOptions {
        channels: channels.saturating_sub(1),
        rate_limit_per_minute: rate_limit,
        history_hours: 1,
        lifecycle_delay: Duration::ZERO,
        ..SandboxOptions::default()
    };
    let sandbox = RunningSandbox::start(options, 0).await?;
    let environment = webmsg_desk::genesys::Environment::parse(&sandbox.base_url())?;
    let client = webmsg_desk::genesys::Client::new(webmsg_desk::genesys::ConnectionConfig::new(
        environment,
        DEMO_CLIENT_ID,
        DEMO_CLIENT_SECRET.to_string().into(),
    ))?;
    let store = Store::in_memory()?;
    let folder = tempfile::tempdir()?;
    println!("export_all: {channels} channels, rate limit {rate_limit}/min per token, concurrency {concurrency}");
    let summary = export_all(
        &client,
        &store,
        folder.path(),
        &ExportAllOptions { concurrency },
        &|done, total| {
            if done % 100 == 0 || done == total {
                eprintln!("  {done}/{total}");
            }
        },
    )
    .await?;
    let served_429 = sandbox.state().org().stats.rate_limited;
    println!("  wall time:                 {:.1} s", summary.wall_seconds);
    println!(
        "  files written:             {} (+ index.json)",
        summary.files.len()
    );
    println!("  requests made:             {}", summary.requests);
    let reserve = webmsg_desk::genesys::pacer::PacerSettings::default().reserve;
    let per_window = (f64::from(rate_limit) * (1.0 - reserve)).floor();
    let windows = (summary.requests as f64 / per_window).ceil();
    let floor = ((windows - 1.0) * 60.0).max(0.0);
    println!(
        "  window floor:              {floor:.1} s ({windows} windows of {per_window} requests)"
    );
    if floor > 0.0 {
        println!(
            "  ratio to the floor:        {:.3}",
            summary.wall_seconds / floor
        );
    }
    println!(
        "  requests/min over limit:   {:.1} %",
        summary.budget_used.unwrap_or(0.0) * 100.0
    );
    println!(
        "  429s met (waited out):     {} (server counted {served_429})",
        summary.rate_limited_responses
    );
    println!("  429s surfaced to the user: {}", summary.failed.len());
    sandbox.shutdown().await;
    Ok(())
}
