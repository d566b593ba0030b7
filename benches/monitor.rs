//! Queue-monitor figures: chart render time for a day of 5-second samples, requests per
//! cycle for 20 queues, and resident memory after a simulated 1 h and 24 h of polling.
//!
//! `cargo bench --bench monitor` (writes the rendered charts to target/bench-charts/)
//!
//! Polling runs on tokio's paused clock against the in-process Sandbox over real HTTP, so
//! a simulated day of 5-second cycles takes seconds, not a day.

use std::time::{Duration, Instant};

use webmsg_desk::chart::{render_png, render_svg, ChartOptions};
use webmsg_desk::genesys::{Client, ConnectionConfig, Environment};
use webmsg_desk::monitor::callbacks::Callbacks;
use webmsg_desk::monitor::poller::{Poller, PollerSettings, WatchedQueue};
use webmsg_desk::monitor::{history, Directives, QueueSample};
use webmsg_desk::sandbox::{RunningSandbox, SandboxOptions, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET};
use webmsg_desk::store::Store;

fn resident_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn day_of_samples() -> Vec<QueueSample> {
    let mut rng = fastrand::Rng::with_seed(3);
    let mut waiting = 3.0f64;
    (0..17_280)
        .map(|i| {
            waiting = (waiting + rng.f64() * 2.0 - 1.0).clamp(0.0, 60.0);
            let peak = if (9_000..9_050).contains(&i) { 900 } else { 0 };
            QueueSample {
                queue_id: "q".into(),
                at_ms: 1_700_000_000_000 + i * 5_000,
                waiting: waiting as u32,
                interacting: 5,
                agents_on_queue: 7,
                agents_idle: 2,
                longest_wait_seconds: (waiting * 20.0) as u64 + peak,
                estimated_wait_seconds: Some((waiting * 15.0) as u64),
                smoothed_wait_seconds: Some(waiting * 15.0),
            }
        })
        .collect()
}

fn chart_figures() -> anyhow::Result<()> {
    let samples = day_of_samples();
    let options = ChartOptions {
        title: "24 h of 5-second samples".into(),
        max_wait_seconds: Some(300),
        max_depth: Some(40),
        ..ChartOptions::default()
    };
    let folder = std::path::Path::new("target/bench-charts");
    std::fs::create_dir_all(folder)?;
    let runs = 10;
    let started = Instant::now();
    let mut svg = String::new();
    for _ in 0..runs {
        svg = render_svg(&samples, &options)?;
    }
    let svg_ms = started.elapsed().as_secs_f64() * 1000.0 / f64::from(runs);
    let started = Instant::now();
    let mut png = Vec::new();
    for _ in 0..runs {
        png = render_png(&samples, &options)?;
    }
    let png_ms = started.elapsed().as_secs_f64() * 1000.0 / f64::from(runs);
    let unreduced = ChartOptions {
        max_points: usize::MAX,
        max_svg_bytes: usize::MAX,
        ..options.clone()
    };
    let dark = ChartOptions {
        theme: webmsg_desk::chart::Theme::Dark,
        ..options.clone()
    };
    std::fs::write(folder.join("day-dark.svg"), render_svg(&samples, &dark)?)?;
    std::fs::write(folder.join("day-dark.png"), render_png(&samples, &dark)?)?;
    // The same shapes over other ranges: 15 min and 1 h of 5-second samples, a week
    // of 35-second samples.
    let week: Vec<_> = samples
        .iter()
        .cloned()
        .enumerate()
        .map(|(i, mut sample)| {
            sample.at_ms = 1_700_000_000_000 + i as i64 * 35_000;
            sample
        })
        .collect();
    for (name, slice) in [
        ("15min", &samples[..180]),
        ("1h", &samples[..720]),
        ("7d", &week[..]),
    ] {
        let options = ChartOptions {
            title: format!("{name} of samples"),
            ..options.clone()
        };
        std::fs::write(
            folder.join(format!("{name}.png")),
            render_png(slice, &options)?,
        )?;
    }
    let full_svg = render_svg(&samples, &unreduced)?;
    std::fs::write(folder.join("day.svg"), &svg)?;
    std::fs::write(folder.join("day.png"), &png)?;
    println!(
        "chart of 17,280 points per series (3 series, LTTB to the {} KiB budget, at most {} points):",
        options.max_svg_bytes / 1024,
        options.max_points
    );
    println!(
        "  SVG render:  {svg_ms:.1} ms, {} KiB (without downsampling: {} KiB)",
        svg.len() / 1024,
        full_svg.len() / 1024
    );
    println!(
        "  PNG render:  {png_ms:.1} ms incl. encoding, {} KiB",
        png.len() / 1024
    );
    Ok(())
}

fn polling_figures() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()?;
    runtime.block_on(async {
        let sandbox = RunningSandbox::start(SandboxOptions { extra_queues: 16, history_hours: 1, rate_limit_per_minute: 100_000, ..SandboxOptions::default() }, 0).await?;
        let environment = Environment::parse(&sandbox.base_url())?;
        let client = Client::new(ConnectionConfig::new(environment, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET.to_string().into()))?;
        let folder = tempfile::tempdir()?;
        let store = Store::open(&folder.path().join("desk.sqlite3"))?;
        let queues: Vec<WatchedQueue> = client
            .queues()
            .list_all(None)
            .await?
            .into_iter()
            .map(|q| WatchedQueue {
                id: q.id.unwrap_or_default(),
                name: q.name.unwrap_or_default(),
                directives: Directives { max_depth: Some(20), max_wait_seconds: Some(300), min_agents: Some(2) },
            })
            .collect();
        let settings = PollerSettings { interval: Duration::from_secs(5), estimate_every: 12, ..PollerSettings::default() };
        let mut poller = Poller::new(client.clone(), store.clone(), queues, settings, Callbacks::none(), None).map_err(anyhow::Error::msg)?;
        let cycles_per_hour = 720;
        let mut requests = 0u64;
        let mut observation_cycles = 0u64;
        let started = Instant::now();
        let mut rss_after_hour = 0;
        for cycle in 1..=24 * cycles_per_hour {
            let report = poller.cycle().await;
            if !report.ok {
                anyhow::bail!("cycle {cycle} failed: {:?}", report.error);
            }
            requests += report.requests;
            observation_cycles += 1;
            tokio::time::advance(Duration::from_secs(5)).await;
            if cycle == cycles_per_hour {
                rss_after_hour = resident_kib();
            }
        }
        let rss_after_day = resident_kib();
        let stored: u64 = history::counts(&store)?.iter().map(|c| c.samples).sum();
        println!("polling 20 queues every 5 s (estimates every 12th cycle), simulated 24 h:");
        println!("  cycles:                    {observation_cycles} in {:.1} s real time", started.elapsed().as_secs_f64());
        println!("  requests per cycle:        {:.2} (1 observations request + {:.2} estimates on average)", requests as f64 / observation_cycles as f64, requests as f64 / observation_cycles as f64 - 1.0);
        println!("  samples stored:            {stored}");
        println!("  resident memory after 1 h: {} MiB", rss_after_hour / 1024);
        println!("  resident memory after 24 h:{} MiB", rss_after_day / 1024);
        sandbox.shutdown().await;
        Ok::<(), anyhow::Error>(())
    })
}

fn main() -> anyhow::Result<()> {
    chart_figures()?;
    polling_figures()
}
