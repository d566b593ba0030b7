//! `guest drive` and `guest run`: be the website visitor, once or from a scenario file;
//! and `channel live`, `channel snippet`, `channel check-page`.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand};

use crate::application::visitor::{
    self, DriveReport, DriveRequest, Line, Outcome, ScenarioResult, ScenarioRunRequest, Voice,
    MAX_PARALLEL,
};

use super::Connected;
use super::{CliError, ExitKind, OutputFormat};

#[derive(Debug, Subcommand)]
pub enum GuestCommand {
    /// One conversation as a website visitor: its transcript streamed, then a summary.
    Drive(DriveArgs),
    /// Run a scenario file (YAML or JSON) of scripted conversations, e.g. in CI.
    Run(RunArgs),
    /// Synthetic conversations (tagged wmdSynthetic=true) still open; `--end` ends them.
    Leftovers(LeftoversArgs),
}

#[derive(Debug, Args)]
pub struct LeftoversArgs {
    /// How far back to look (`24h`, `7d`).
    #[arg(long, default_value = visitor::DEFAULT_LEFTOVERS_SPAN)]
    pub since: String,
    /// Disconnect the customer of each one found.
    #[arg(long)]
    pub end: bool,
}

#[derive(Debug, Args)]
pub struct DriveArgs {
    #[arg(long)]
    pub deployment: String,
    /// The page origin the visitor comes from (default: the first allowed domain).
    #[arg(long)]
    pub origin: Option<String>,
    /// A message to send; repeat for several, in order.
    #[arg(long = "say")]
    pub says: Vec<String>,
    /// Fail unless the conversation reaches a queue.
    #[arg(long = "expect-routed")]
    pub expect_routed: bool,
    /// Seconds to wait for routing and an agent.
    #[arg(long, default_value_t = 120)]
    pub timeout: u64,
    /// A custom attribute for the flow (`KEY=VALUE`); repeat for several.
    #[arg(long = "attr", value_name = "KEY=VALUE")]
    pub attributes: Vec<String>,
    /// Leave the conversation in its queue (by default the customer is disconnected
    /// through the API at the end, so no agent is offered it).
    #[arg(long = "keep-conversation")]
    pub keep_conversation: bool,
    /// A file to send after the messages, through the guest attachment flow; repeat
    /// for several.
    #[arg(long = "upload", value_name = "FILE")]
    pub uploads: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The scenario file.
    pub file: PathBuf,
    /// Deployment id (wins over the file's `deployment`).
    #[arg(long)]
    pub deployment: Option<String>,
    /// Page origin (wins over the file's `origin`).
    #[arg(long)]
    pub origin: Option<String>,
    /// Scenarios run at once.
    #[arg(long, default_value_t = 4)]
    pub parallel: usize,
    /// A custom attribute for every scenario (`KEY=VALUE`, over the file's); repeat.
    #[arg(long = "attr", value_name = "KEY=VALUE")]
    pub attributes: Vec<String>,
    /// Leave each conversation in its queue (by default each is disconnected through
    /// the API at its end).
    #[arg(long = "keep-conversations")]
    pub keep_conversations: bool,
    /// Write JUnit XML here (of the last round, for a canary).
    #[arg(long)]
    pub junit: Option<PathBuf>,
    /// Run again every SPAN (`15m`) as a canary; results go to the history database.
    #[arg(long, value_name = "SPAN")]
    pub repeat: Option<String>,
    /// How long the canary runs (`8h`); Ctrl-C or SIGTERM end it after the round in flight.
    #[arg(
        long = "for",
        value_name = "SPAN",
        requires = "repeat",
        default_value = "8h"
    )]
    pub run_for: String,
}

fn exit_for(failed: usize, errored: usize, total: usize) -> Result<(), CliError> {
    if errored > 0 {
        return Err(CliError {
            kind: ExitKind::Api,
            message: format!("{errored} of {total} conversation(s) could not be had"),
        });
    }
    if failed > 0 {
        return Err(CliError {
            kind: ExitKind::ExpectationFailed,
            message: format!("{failed} of {total} scenario(s) failed"),
        });
    }
    Ok(())
}

fn print_line(line: &Line) {
    let who = match line.voice {
        Voice::Guest => "you",
        Voice::Bot => "bot",
        Voice::Agent => "agent",
        Voice::Event => "··",
    };
    outln!(
        "{:>7.1}s  {who:>5}  {}",
        line.at_ms as f64 / 1000.0,
        line.text
    );
}

fn seconds(ms: Option<u64>) -> String {
    ms.map(|ms| format!("{:.1} s", ms as f64 / 1000.0))
        .unwrap_or_else(|| "—".into())
}

fn summary(report: &DriveReport) -> String {
    let t = &report.timings;
    let mut text = String::new();
    text.push_str(&match &report.outcome {
        Outcome::Passed => "PASSED".to_string(),
        Outcome::Failed {
            step,
            step_text,
            reason,
        } => format!("FAILED at step {step} ({step_text}): {reason}"),
        Outcome::Error { message } => format!("ERROR: {message}"),
        Outcome::Cancelled => "CANCELLED".to_string(),
    });
    text.push('\n');
    text.push_str(&format!(
        "connect {}  session {}  first reply {}  routed {}  agent joined {}  total {}\n",
        seconds(t.connect_ms),
        seconds(t.session_ms),
        seconds(t.first_reply_ms),
        seconds(t.routed_ms),
        seconds(t.agent_joined_ms),
        seconds(Some(t.total_ms)),
    ));
    if let Some(routed) = &report.routed {
        text.push_str(&format!(
            "queue {}",
            routed.queue_name.as_deref().unwrap_or(&routed.queue_id)
        ));
        if !report.positions.is_empty() {
            let positions: Vec<String> = report
                .positions
                .iter()
                .map(|p| p.position.to_string())
                .collect();
            text.push_str(&format!("  positions {}", positions.join(" → ")));
        }
        if let Some(waited) = report.waited_seconds {
            text.push_str(&format!("  waited {waited} s"));
        }
        text.push('\n');
    }
    if let Some(conversation) = &report.conversation_id {
        text.push_str(&format!("conversation {conversation}\n"));
    }
    text.trim_end().to_string()
}

fn stop_token() -> tokio_util::sync::CancellationToken {
    let token = tokio_util::sync::CancellationToken::new();
    let child = token.clone();
    tokio::spawn(async move {
        crate::application::stop_signal().await;
        eprintln!("closing the guest session…");
        child.cancel();
    });
    token
}

pub async fn guest_command(connected: &Connected, command: GuestCommand) -> Result<(), CliError> {
    match command {
        GuestCommand::Drive(args) => drive(connected, args).await,
        GuestCommand::Run(args) => run(connected, args).await,
        GuestCommand::Leftovers(args) => leftovers(connected, args).await,
    }
}

async fn leftovers(connected: &Connected, args: LeftoversArgs) -> Result<(), CliError> {
    let found = visitor::leftovers(&connected.session, &args.since, args.end).await?;
    match connected.output {
        OutputFormat::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&found).unwrap_or_default()
        ),
        OutputFormat::Table => {
            for leftover in &found.synthetic {
                let conversation = &leftover.conversation;
                let fate = match (leftover.ended, &leftover.problem) {
                    (_, Some(problem)) => format!("  left open: {problem}"),
                    (Some(true), None) => "  ended".into(),
                    (Some(false), None) => "  already ended".into(),
                    (None, None) => String::new(),
                };
                outln!(
                    "{}  started {}  queue {}{fate}",
                    conversation.conversation_id,
                    conversation.started.as_deref().unwrap_or("?"),
                    leftover
                        .queue_name
                        .as_deref()
                        .or(conversation.queue_id.as_deref())
                        .unwrap_or("none"),
                );
            }
            outln!(
                "{} synthetic conversation(s) open among {} open web messaging conversation(s) since {}{}",
                found.synthetic.len(),
                found.searched,
                args.since,
                if args.end || found.synthetic.is_empty() {
                    ""
                } else {
                    "; --end ends them"
                }
            );
        }
    }
    let unended = found
        .synthetic
        .iter()
        .filter(|l| l.problem.is_some())
        .count();
    if unended > 0 {
        return Err(CliError {
            kind: ExitKind::Api,
            message: format!("{unended} synthetic conversation(s) could not be ended"),
        });
    }
    Ok(())
}

fn warn_real_org(connected: &Connected) {
    if !connected.session.client.environment().is_sandbox() {
        eprintln!(
            "note: this conversation reaches {} — real agents may answer it. It is tagged \
             wmdSynthetic=true so flows can divert it.",
            connected.session.client.environment()
        );
    }
}

async fn drive(connected: &Connected, args: DriveArgs) -> Result<(), CliError> {
    let attributes = visitor::custom_attributes(&args.attributes)?;
    warn_real_org(connected);
    let request = DriveRequest {
        attributes,
        keep_conversation: args.keep_conversation,
        uploads: args.uploads,
        confirmation: super::confirmation(
            connected,
            &args.deployment,
            "sending a synthetic visitor to it",
        )
        .await?,
        deployment_id: args.deployment,
        origin: args.origin,
        says: args.says,
        expect_routed: args.expect_routed,
        timeout: Duration::from_secs(args.timeout),
    };
    let streaming = connected.output == OutputFormat::Table;
    let on_line = move |line: &Line| {
        if streaming {
            print_line(line);
        }
    };
    let report = visitor::drive(&connected.session, &request, stop_token(), &on_line).await?;
    match connected.output {
        OutputFormat::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        ),
        OutputFormat::Table => outln!("\n{}", summary(&report)),
    }
    let failed = usize::from(matches!(report.outcome, Outcome::Failed { .. }));
    let errored = usize::from(matches!(
        report.outcome,
        Outcome::Error { .. } | Outcome::Cancelled
    ));
    exit_for(failed, errored, 1)
}

async fn run(connected: &Connected, args: RunArgs) -> Result<(), CliError> {
    let file = visitor::read_scenario_file(&args.file)?;
    if args.parallel == 0 || args.parallel > MAX_PARALLEL {
        return Err(CliError::invalid(format!(
            "--parallel must be from 1 to {MAX_PARALLEL}"
        )));
    }
    warn_real_org(connected);
    let visited = args.deployment.clone().or(file.deployment.clone());
    let confirmation = match &visited {
        Some(deployment) => {
            super::confirmation(connected, deployment, "sending synthetic visitors to it").await?
        }
        None => Default::default(),
    };
    let request = ScenarioRunRequest {
        attributes: visitor::custom_attributes(&args.attributes)?,
        keep_conversations: args.keep_conversations,
        deployment_id: args.deployment.clone(),
        origin: args.origin.clone(),
        parallel: args.parallel,
        confirmation,
    };
    if let Some(every) = &args.repeat {
        let schedule = visitor::canary_schedule(every, &args.run_for)?;
        return canary(connected, &args, &file, &request, schedule).await;
    }
    let table = connected.output == OutputFormat::Table;
    let on_done = move |result: &ScenarioResult| {
        if table {
            let mark = if result.report.passed() { "✓" } else { "✗" };
            outln!(
                "{mark} {}  ({:.1} s)",
                result.name,
                result.report.timings.total_ms as f64 / 1000.0
            );
        }
    };
    let results =
        visitor::run_scenarios(&connected.session, &file, &request, &stop_token(), &on_done)
            .await?;
    if let Some(path) = &args.junit {
        let suite = args
            .file
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_else(|| "scenarios".into());
        visitor::write_junit(path, &suite, &results)?;
    }
    match connected.output {
        OutputFormat::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&results).unwrap_or_default()
        ),
        OutputFormat::Table => {
            for result in results.iter().filter(|r| !r.report.passed()) {
                outln!("\n{}\n{}", result.name, summary(&result.report));
            }
            let passed = results.iter().filter(|r| r.report.passed()).count();
            outln!("\n{passed} of {} scenario(s) passed", results.len());
        }
    }
    let failed = results
        .iter()
        .filter(|r| matches!(r.report.outcome, Outcome::Failed { .. }))
        .count();
    let errored = results
        .iter()
        .filter(|r| matches!(r.report.outcome, Outcome::Error { .. } | Outcome::Cancelled))
        .count();
    exit_for(failed, errored, results.len())
}

async fn canary(
    connected: &Connected,
    args: &RunArgs,
    file: &visitor::ScenarioFile,
    request: &ScenarioRunRequest,
    schedule: visitor::CanarySchedule,
) -> Result<(), CliError> {
    let output = connected.output;
    let on_round = move |round: &visitor::CanaryRound| match output {
        OutputFormat::Json => outln!("{}", serde_json::to_string(round).unwrap_or_default()),
        OutputFormat::Table => outln!(
            "{}  round {}: {} of {} passed  total p50 {}  p95 {}",
            round.at,
            round.round,
            round.passed,
            round.total,
            seconds(round.p50_total_ms),
            seconds(round.p95_total_ms),
        ),
    };
    let rounds = visitor::run_canary(
        &connected.session,
        file,
        request,
        schedule,
        &stop_token(),
        &on_round,
    )
    .await?;
    let Some(last) = rounds.last() else {
        return Ok(());
    };
    if let Some(path) = &args.junit {
        visitor::write_junit(path, "canary", &last.results)?;
    }
    let failed = last
        .results
        .iter()
        .filter(|r| matches!(r.report.outcome, Outcome::Failed { .. }))
        .count();
    let errored = last
        .results
        .iter()
        .filter(|r| matches!(r.report.outcome, Outcome::Error { .. }))
        .count();
    exit_for(failed, errored, last.total)
}

pub async fn live(connected: &Connected, deployment: &str) -> Result<(), CliError> {
    let report = visitor::live(&connected.session, deployment).await?;
    match connected.output {
        OutputFormat::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        ),
        OutputFormat::Table => {
            outln!("{} ({})", report.deployment_name, report.deployment_id);
            outln!(
                "served {}{}   deployment → {}   newest published {}   draft {}",
                report.served_version.as_deref().unwrap_or("none"),
                report
                    .served_since
                    .as_deref()
                    .map(|since| format!(" (published {since})"))
                    .unwrap_or_default(),
                report.deployment_version.as_deref().unwrap_or("?"),
                report.published_version.as_deref().unwrap_or("none"),
                if report.draft_changed {
                    "changed"
                } else {
                    "same as published"
                },
            );
            for finding in &report.findings {
                outln!("• {finding}");
            }
            for difference in &report.served_vs_published {
                outln!(
                    "  served≠published {}: {} → {}",
                    difference.path,
                    show(&difference.left),
                    show(&difference.right)
                );
            }
            for difference in &report.published_vs_draft {
                outln!(
                    "  draft {}: {} → {}",
                    difference.path,
                    show(&difference.left),
                    show(&difference.right)
                );
            }
        }
    }
    Ok(())
}

fn show(value: &Option<serde_json::Value>) -> String {
    value
        .as_ref()
        .map(|v| v.to_string())
        .unwrap_or_else(|| "(none)".into())
}

pub async fn snippet(connected: &Connected, deployment: &str, csp: bool) -> Result<(), CliError> {
    let info = visitor::embed_info(&connected.session, deployment).await?;
    match connected.output {
        OutputFormat::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&info).unwrap_or_default()
        ),
        OutputFormat::Table if csp => {
            for line in &info.csp_lines {
                outln!("{line}");
            }
        }
        OutputFormat::Table => outln!("{}", info.snippet),
    }
    Ok(())
}

pub async fn check_page(
    connected: &Connected,
    deployment: &str,
    url: &str,
) -> Result<(), CliError> {
    let check = visitor::check_page(&connected.session, deployment, url).await?;
    match connected.output {
        OutputFormat::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&check).unwrap_or_default()
        ),
        OutputFormat::Table => {
            outln!("{}", check.url);
            for item in &check.checks {
                outln!(
                    "{} {}: {}",
                    if item.ok { "✓" } else { "✗" },
                    item.what,
                    item.detail
                );
            }
        }
    }
    if check.passed() {
        Ok(())
    } else {
        Err(CliError {
            kind: ExitKind::ExpectationFailed,
            message: "the page cannot host this Messenger as it is".into(),
        })
    }
}
