//! `monitor watch|track|history|chart`.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand, ValueEnum};

use crate::application::monitoring::{
    self, AuditLog, CallbackSettings, Callbacks, ChartOptions, CycleReport, Directives,
    PollerSettings, Theme, WatchedQueue, Window, DEFAULT_MAX_BYTES,
};

use super::Connected;
use super::{CliError, OutputFormat};

#[derive(Debug, Args)]
pub struct WatchArgs {
    /// A queue to watch, by name or id; repeat for several (one request per cycle for all).
    #[arg(long = "queue", required = true)]
    pub queues: Vec<String>,
    /// Seconds between cycles (at least 5; slower when the rate budget runs low).
    #[arg(long, default_value_t = 10)]
    pub interval: u64,
    /// Stop after this long, e.g. 10m or 24h.
    #[arg(long = "for")]
    pub run_for: Option<String>,
    #[arg(long = "max-depth")]
    pub max_depth: Option<u32>,
    /// Seconds.
    #[arg(long = "max-wait")]
    pub max_wait: Option<u64>,
    #[arg(long = "min-agents")]
    pub min_agents: Option<u32>,
    /// POST every event as JSON to this URL. The environment variable keeps a URL that
    /// carries a token out of the process list.
    #[arg(long, env = "WEBMSG_DESK_WEBHOOK", hide_env_values = true)]
    pub webhook: Option<url::Url>,
    /// Run this command for every event, with the event JSON on stdin.
    #[arg(long = "exec", env = "WEBMSG_DESK_EXEC", hide_env_values = true)]
    pub command: Option<String>,
    /// Ask estimated waits every N cycles (0: never).
    #[arg(long = "estimate-every", default_value_t = 6)]
    pub estimate_every: u32,
    /// Weight of the newest estimate in the smoothed wait.
    #[arg(long, default_value_t = monitoring::DEFAULT_SMOOTHING)]
    pub smoothing: f64,
    /// Days of history to keep.
    #[arg(long = "retention-days", default_value_t = 30)]
    pub retention_days: u64,
    /// Always poll, even where the org can push observations over a notification
    /// channel (by default the monitor takes pushed observations and polls only while it
    /// cannot).
    #[arg(long = "no-push")]
    pub no_push: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HistoryFormat {
    Csv,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum MonitorCommand {
    /// Poll queues, record their history, raise flags and call trackers.
    Watch(WatchArgs),
    /// Follow one waiting conversation: position, estimated wait, accuracy.
    Track {
        #[arg(long)]
        queue: String,
        #[arg(long)]
        conversation: String,
        #[arg(long, default_value_t = 10)]
        interval: u64,
        #[arg(long = "for")]
        run_for: Option<String>,
    },
    /// Print recorded samples of a queue.
    History {
        #[arg(long)]
        queue: String,
        #[arg(long, default_value = "24h")]
        since: String,
        /// Bucket size, e.g. 1m or 15m (peaks are kept).
        #[arg(long)]
        resolution: Option<String>,
        #[arg(long, value_enum, default_value_t = HistoryFormat::Csv)]
        format: HistoryFormat,
    },
    /// Draw the wait-time chart of a queue to an .svg or .png file.
    Chart {
        #[arg(long)]
        queue: String,
        #[arg(long, default_value = "24h")]
        since: String,
        #[arg(long)]
        out: PathBuf,
        #[arg(long = "max-wait")]
        max_wait: Option<u64>,
        #[arg(long = "max-depth")]
        max_depth: Option<u32>,
        /// `light` (for pages and paper) or `dark`.
        #[arg(long, value_enum, default_value_t = ChartTheme::Light)]
        theme: ChartTheme,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ChartTheme {
    Light,
    Dark,
}

fn span(text: &str) -> Result<Duration, CliError> {
    crate::application::insight::parse_span(text).map_err(CliError::invalid)
}

const NO_DIRECTIVES: Directives = Directives {
    max_depth: None,
    max_wait_seconds: None,
    min_agents: None,
};

fn print_report(output: OutputFormat, names: &[(String, String)], report: &CycleReport) {
    if output == OutputFormat::Json {
        outln!("{}", serde_json::to_string(report).unwrap_or_default());
        return;
    }
    if let Some(error) = &report.error {
        outln!("{}  poll failed: {error}", report.at);
    }
    let source = if report.source == "push" { " push" } else { "" };
    for (sample, (_, flags)) in report.samples.iter().zip(&report.flags) {
        let name = names
            .iter()
            .find(|(id, _)| *id == sample.queue_id)
            .map(|(_, n)| n.as_str())
            .unwrap_or(&sample.queue_id);
        let mut marks = Vec::new();
        if flags.over_capacity {
            marks.push("OVER CAPACITY");
        }
        if flags.wait_exceeded {
            marks.push("WAIT EXCEEDED");
        }
        outln!(
            "{}  {:<18} waiting {:>3}  agents {:>2} ({} idle)  longest {:>4} s  est {:>5}  availability {:?}{}  ({} ms{source})",
            &report.at[11..19],
            name,
            sample.waiting,
            sample.agents_on_queue,
            sample.agents_idle,
            sample.longest_wait_seconds,
            sample.smoothed_wait_seconds.map(|s| format!("{s:.0} s")).unwrap_or_else(|| "-".into()),
            flags.availability,
            if marks.is_empty() { String::new() } else { format!("  [{}]", marks.join(", ")) },
            report.latency_ms
        );
    }
    for change in &report.changes {
        if change.before.is_some() {
            outln!(
                "  flags changed for {}: {}",
                change.queue_name,
                change.after.reasons.join("; ")
            );
        }
    }
    if let Some(tracking) = &report.tracking {
        outln!(
            "  conversation {}: {} position {} est {} s waited {} s accuracy {}",
            tracking.conversation_id,
            tracking.state,
            tracking
                .position
                .map(|p| p.to_string())
                .unwrap_or_else(|| "-".into()),
            tracking
                .estimated_wait_seconds
                .map(|s| s.to_string())
                .unwrap_or_else(|| "-".into()),
            tracking
                .waited_seconds
                .map(|s| s.to_string())
                .unwrap_or_else(|| "-".into()),
            tracking
                .position_accuracy
                .map(|a| format!("{:.0} %", a * 100.0))
                .unwrap_or_else(|| "-".into())
        );
    }
}

fn audit_log() -> Option<AuditLog> {
    let path = super::data_dir().ok()?.join("monitor.jsonl");
    match AuditLog::open(&path, DEFAULT_MAX_BYTES) {
        Ok(log) => Some(log),
        Err(error) => {
            eprintln!(
                "warning: the monitor audit log {} cannot be written: {error}",
                path.display()
            );
            None
        }
    }
}

const CALLBACK_FLUSH_BOUND: Duration = Duration::from_secs(15);

async fn run_poller(
    connected: &Connected,
    queues: Vec<WatchedQueue>,
    settings: PollerSettings,
    callbacks: Callbacks,
    run_for: Option<Duration>,
) -> Result<(), CliError> {
    let names: Vec<(String, String)> = queues
        .iter()
        .map(|q| (q.id.clone(), q.name.clone()))
        .collect();
    let mut poller =
        monitoring::poller(&connected.session, queues, settings, callbacks, audit_log())?;
    let cancel = tokio_util::sync::CancellationToken::new();
    let stop = cancel.clone();
    tokio::spawn(async move {
        crate::application::stop_signal().await;
        stop.cancel();
    });
    let output = connected.output;
    poller
        .run(&cancel, run_for, &|report| {
            print_report(output, &names, report)
        })
        .await;
    // Each delivery has its own timeout and retries; this bounds the whole tail.
    if !poller.callbacks().flush(CALLBACK_FLUSH_BOUND).await {
        eprintln!(
            "warning: some events had not reached the webhook or command after {} s and were left",
            CALLBACK_FLUSH_BOUND.as_secs()
        );
    }
    Ok(())
}

pub async fn monitor_command(
    connected: &Connected,
    command: MonitorCommand,
) -> Result<(), CliError> {
    match command {
        MonitorCommand::Watch(args) => watch(connected, args).await,
        MonitorCommand::Track {
            queue,
            conversation,
            interval,
            run_for,
        } => {
            let run_for = run_for.as_deref().map(span).transpose()?;
            let conversation = crate::application::channels::parse_uuid(&conversation)
                .map_err(|e| CliError::invalid(format!("--conversation: {e}")))?;
            let queues =
                monitoring::resolve_queues(&connected.session, &[queue], NO_DIRECTIVES).await?;
            let settings = PollerSettings {
                interval: Duration::from_secs(interval),
                track: Some((queues[0].id.clone(), conversation)),
                ..PollerSettings::default()
            };
            run_poller(connected, queues, settings, Callbacks::none(), run_for).await
        }
        MonitorCommand::History {
            queue,
            since,
            resolution,
            format,
        } => {
            let (id, _) = monitoring::resolve_queue(&connected.session, &queue).await?;
            let resolution = resolution.as_deref().map(span).transpose()?;
            let window = Window::last(span(&since)?, resolution, connected.session.client.now());
            let samples = monitoring::history(&connected.session, &id, window)?;
            match format {
                HistoryFormat::Csv => out!("{}", monitoring::history_csv(&samples)?),
                HistoryFormat::Json => outln!(
                    "{}",
                    serde_json::to_string_pretty(&samples).unwrap_or_default()
                ),
            }
            Ok(())
        }
        MonitorCommand::Chart {
            queue,
            since,
            out,
            max_wait,
            max_depth,
            theme,
        } => {
            let (id, name) = monitoring::resolve_queue(&connected.session, &queue).await?;
            let window = Window::last(span(&since)?, None, connected.session.client.now());
            let samples = monitoring::history(&connected.session, &id, window)?;
            let options = ChartOptions {
                title: format!("{name} — wait time, last {since}"),
                max_wait_seconds: max_wait,
                max_depth,
                theme: match theme {
                    ChartTheme::Light => Theme::Light,
                    ChartTheme::Dark => Theme::Dark,
                },
                ..ChartOptions::default()
            };
            monitoring::export_history(&out, &samples, &options)?;
            eprintln!("wrote {} ({} samples)", out.display(), samples.len());
            Ok(())
        }
    }
}

async fn watch(connected: &Connected, args: WatchArgs) -> Result<(), CliError> {
    let directives = Directives {
        max_depth: args.max_depth,
        max_wait_seconds: args.max_wait,
        min_agents: args.min_agents,
    };
    let run_for = args.run_for.as_deref().map(span).transpose()?;
    let queues = monitoring::resolve_queues(&connected.session, &args.queues, directives).await?;
    let settings = PollerSettings {
        interval: Duration::from_secs(args.interval),
        estimate_every: args.estimate_every,
        smoothing: args.smoothing,
        retention: Duration::from_secs(args.retention_days.max(1) * 86_400),
        track: None,
        push: !args.no_push,
    };
    let callbacks = Callbacks::start(CallbackSettings {
        webhook: args.webhook,
        command: args.command,
        timeout: Duration::from_secs(5),
        retries: 2,
    });
    run_poller(connected, queues, settings, callbacks, run_for).await
}
