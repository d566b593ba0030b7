//! `channel`, `fallback`, `metrics` and `audit` commands.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand};
use serde::Serialize;
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::channel::{self, ChannelError, ChannelInput, Progress, PublishOptions, PublishOutcome};
use crate::fallback::{FallbackRules, FallbackRunner, RunnerEvent, RunnerMode, RunnerSettings};
use crate::genesys::Client;
use crate::metrics::{self, Period};
use crate::store::Store;
use crate::transfer::{self, ExportAllOptions};
use crate::validate::{check_configuration, check_deployment, CheckReport};

use super::{CliError, ExitKind, OutputFormat};

#[derive(Debug, Args, Default)]
pub struct ChannelArgs {
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long)]
    pub description: Option<String>,
    /// Primary queue, by name or id.
    #[arg(long)]
    pub queue: Option<String>,
    /// Inbound message flow, by name or id.
    #[arg(long)]
    pub flow: Option<String>,
    /// Inbound message flow to switch to when the queue is overloaded.
    #[arg(long = "fallback-flow")]
    pub fallback_flow: Option<String>,
    #[arg(long = "primary-color")]
    pub primary_color: Option<String>,
    /// A Messenger language; repeat for several (the first is the default).
    #[arg(long = "language")]
    pub languages: Vec<String>,
    #[arg(long = "default-language")]
    pub default_language: Option<String>,
    /// A domain the Messenger may run on; repeat for several.
    #[arg(long = "domain")]
    pub domains: Vec<String>,
    #[arg(long = "allow-all-domains")]
    pub allow_all_domains: bool,
    #[arg(long = "launcher-visibility")]
    pub launcher_visibility: Option<String>,
    #[arg(long = "launcher-display-type")]
    pub launcher_display_type: Option<String>,
    /// `Auto`, `Left` or `Right`.
    #[arg(long)]
    pub position: Option<String>,
    /// Let customers send image attachments.
    #[arg(long)]
    pub attachments: bool,
    #[arg(long = "max-file-size-kb")]
    pub max_file_size_kb: Option<i64>,
    /// Push notifications (needs --notification-title and --notification-body).
    #[arg(long)]
    pub notifications: bool,
    #[arg(long = "notification-title")]
    pub notification_title: Option<String>,
    #[arg(long = "notification-body")]
    pub notification_body: Option<String>,
}

impl ChannelArgs {
    fn input(&self) -> ChannelInput {
        ChannelInput {
            name: self.name.clone().unwrap_or_default(),
            description: self.description.clone(),
            queue: self.queue.clone().unwrap_or_default(),
            flow: self.flow.clone().unwrap_or_default(),
            fallback_flow: self.fallback_flow.clone(),
            primary_color: self.primary_color.clone().unwrap_or_default(),
            languages: self.languages.clone(),
            default_language: self.default_language.clone(),
            domains: self.domains.clone(),
            allow_all_domains: self.allow_all_domains,
            launcher_visibility: self.launcher_visibility.clone(),
            launcher_display_type: self.launcher_display_type.clone(),
            position: self.position.clone(),
            attachments: self.attachments.then_some(true),
            max_file_size_kb: self.max_file_size_kb,
            notifications: self.notifications.then_some(true),
            notification_title: self.notification_title.clone(),
            notification_body: self.notification_body.clone(),
            ..Default::default()
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum ChannelCommand {
    /// Create a channel: configuration, version 1, deployment bound to the flow.
    Create {
        #[command(flatten)]
        channel: ChannelArgs,
        /// Wait until the deployment is Active (default 120 s).
        #[arg(long, num_args = 0..=1, default_missing_value = "120", value_name = "SECONDS")]
        wait: Option<u64>,
    },
    /// Check a channel locally and list every problem (exit 2 when there are any).
    Validate {
        #[command(flatten)]
        channel: ChannelArgs,
        /// An exported channel or a JSON file with the same fields as the flags.
        #[arg(long)]
        file: Option<PathBuf>,
    },
    /// Publish the current draft and move the deployment to it.
    Publish {
        #[arg(long)]
        deployment: String,
        #[arg(long, default_value_t = 120, value_name = "SECONDS")]
        wait: u64,
    },
    /// The deployment's status, version and what the Messenger loads.
    Status {
        #[arg(long)]
        deployment: String,
    },
    /// The configuration's draft and published versions.
    Versions {
        #[arg(long)]
        deployment: String,
    },
    /// Publish an earlier version's content as a new version.
    Rollback {
        #[arg(long)]
        deployment: String,
        #[arg(long = "to-version")]
        to_version: String,
        #[arg(long, default_value_t = 120, value_name = "SECONDS")]
        wait: u64,
    },
    /// Delete the deployment (and its configuration when unused), after saving a snapshot.
    Delete {
        #[arg(long)]
        deployment: String,
        #[arg(long = "snapshot-dir")]
        snapshot_dir: Option<PathBuf>,
        /// Seconds to wait for Genesys to finish deleting the deployment before its
        /// configuration can go.
        #[arg(long, default_value_t = 60)]
        wait: u64,
    },
    /// Export one channel to a file, or every channel to a folder (`--all`).
    Export {
        #[arg(long, required_unless_present = "all")]
        deployment: Option<String>,
        #[arg(long, conflicts_with = "deployment")]
        all: bool,
        #[arg(long)]
        out: PathBuf,
        /// Requests in flight at once with --all.
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
    },
    /// Create an exported channel in this profile's org, mapping flows and queues by name.
    Import {
        file: PathBuf,
        #[arg(long, default_value_t = 120, value_name = "SECONDS")]
        wait: u64,
    },
    /// Field-by-field differences: a file against what is live, or draft ↔ published ↔ live.
    Diff {
        #[arg(long)]
        deployment: String,
        #[arg(long)]
        file: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct FallbackArgs {
    #[arg(long)]
    pub deployment: String,
    /// Primary queue (by name or id); defaults to the one recorded when the channel was made.
    #[arg(long)]
    pub queue: Option<String>,
    /// Fallback flow (by name or id); defaults to the recorded one.
    #[arg(long = "fallback-flow")]
    pub fallback_flow: Option<String>,
    #[arg(long = "min-agents", default_value_t = 2)]
    pub min_agents: u32,
    /// Longest or estimated wait, in seconds, above which the queue is overloaded.
    #[arg(long = "max-wait", default_value_t = 120)]
    pub max_wait: u64,
    #[arg(long = "trigger-samples", default_value_t = 3)]
    pub trigger_samples: u32,
    /// Seconds the primary must stay healthy before switching back.
    #[arg(long = "recover-dwell", default_value_t = 300)]
    pub recover_dwell: u64,
    #[arg(long = "agent-margin", default_value_t = 1)]
    pub agent_margin: u32,
    #[arg(long = "wait-margin", default_value_t = 0.25)]
    pub wait_margin: f64,
    /// Seconds between samples (at least 5).
    #[arg(long, default_value_t = 15)]
    pub interval: u64,
    /// Stop after this many samples.
    #[arg(long)]
    pub cycles: Option<u64>,
    /// Also ask the queue's estimated wait time each sample.
    #[arg(long = "estimated-wait")]
    pub estimated_wait: bool,
}

#[derive(Debug, Subcommand)]
pub enum FallbackCommand {
    /// One sample and the decision, changing nothing.
    Evaluate(FallbackArgs),
    /// Watch and switch.
    Run(FallbackArgs),
    /// Watch and report what would be switched, changing nothing.
    DryRun(FallbackArgs),
}

/// What every connected command needs.
pub struct Session {
    pub client: Client,
    pub store: Store,
    pub profile: String,
    pub output: OutputFormat,
}

impl From<ChannelError> for CliError {
    fn from(error: ChannelError) -> Self {
        match error {
            ChannelError::Api(api) => CliError::from(*api),
            ChannelError::Invalid(errors) => CliError::invalid(format!(
                "{} problem(s):\n{}",
                errors.0.len(),
                errors
                    .0
                    .iter()
                    .map(|e| format!("  {}: {}", e.field, e.reason))
                    .collect::<Vec<_>>()
                    .join("\n")
            )),
            ChannelError::NotFound { .. } | ChannelError::File(_) => {
                CliError::invalid(error.to_string())
            }
            ChannelError::Store(_) => CliError {
                kind: ExitKind::Api,
                message: error.to_string(),
            },
            ChannelError::DeleteIncomplete { .. } => CliError {
                kind: ExitKind::TimedOut,
                message: error.to_string(),
            },
        }
    }
}

fn print<T: Serialize>(output: OutputFormat, value: &T, text: impl FnOnce() -> String) {
    match output {
        OutputFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(value).unwrap_or_default()
        ),
        OutputFormat::Table => println!("{}", text()),
    }
}

fn progress_printer() -> impl Fn(Progress) + Send + Sync {
    |event: Progress| {
        eprintln!(
            "[{:>6.1}s] {:?}: {}",
            event.elapsed_ms as f64 / 1000.0,
            event.stage,
            event.message
        );
    }
}

/// Ctrl-C cancels the operation cleanly instead of killing it mid-request.
fn cancel_on_interrupt() -> CancellationToken {
    let token = CancellationToken::new();
    let child = token.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("cancelling…");
            child.cancel();
        }
    });
    token
}

fn options(wait: u64) -> PublishOptions {
    PublishOptions {
        deadline: Duration::from_secs(wait.max(1)),
        ..PublishOptions::default()
    }
}

/// Maps an outcome to the exit code contract.
fn outcome_result(outcome: &PublishOutcome) -> Result<(), CliError> {
    match outcome {
        PublishOutcome::Active { .. } => Ok(()),
        PublishOutcome::Error { reason } => Err(CliError {
            kind: ExitKind::Api,
            message: reason.clone(),
        }),
        PublishOutcome::TimedOut { stage, last_status } => Err(CliError {
            kind: ExitKind::TimedOut,
            message: format!(
                "timed out while {stage:?}; the deployment was left {}",
                last_status.as_deref().unwrap_or("Pending")
            ),
        }),
        PublishOutcome::Cancelled { stage } => Err(CliError {
            kind: ExitKind::TimedOut,
            message: format!("cancelled while {stage:?}"),
        }),
        PublishOutcome::Submitted { .. } => Ok(()),
    }
}

fn describe(outcome: &PublishOutcome) -> String {
    match outcome {
        PublishOutcome::Active { version } => format!("Active (version {version})"),
        PublishOutcome::Error { reason } => format!("Error: {reason}"),
        PublishOutcome::TimedOut { stage, last_status } => format!(
            "timed out while {stage:?}, left {}",
            last_status.as_deref().unwrap_or("Pending")
        ),
        PublishOutcome::Cancelled { stage } => format!("cancelled while {stage:?}"),
        PublishOutcome::Submitted { version } => {
            format!("Pending (version {version}; not waited for, see `channel status`)")
        }
    }
}

fn report_text(report: &CheckReport) -> String {
    let mut lines = vec!["valid".to_string()];
    lines.extend(report.warnings.iter().map(|w| format!("warning: {w}")));
    lines.join("\n")
}

/// `channel validate`: flags, a ChannelInput JSON, or an exported document.
pub fn validate(
    output: OutputFormat,
    channel: &ChannelArgs,
    file: Option<&PathBuf>,
) -> Result<(), CliError> {
    let report = match file {
        Some(path) => {
            let text = std::fs::read(path).map_err(|e| {
                CliError::invalid(format!("could not read {}: {e}", path.display()))
            })?;
            let value: serde_json::Value = serde_json::from_slice(&text)
                .map_err(|e| CliError::invalid(format!("{} is not JSON: {e}", path.display())))?;
            if value.get("schemaVersion").is_some() {
                let document = transfer::read_document(path).map_err(CliError::invalid)?;
                let mut configuration = document.configuration.writable();
                let mut deployment = document.deployment.writable();
                let mut report = check_configuration(&mut configuration);
                report.merge(check_deployment(&mut deployment));
                report
            } else {
                let input: ChannelInput = serde_json::from_value(value).map_err(|e| {
                    CliError::invalid(format!(
                        "{} is not a channel description: {e}",
                        path.display()
                    ))
                })?;
                input.check().0
            }
        }
        None => channel.input().check().0,
    };
    if !report.is_valid() {
        if output == OutputFormat::Json {
            println!(
                "{}",
                serde_json::to_string_pretty(&report).unwrap_or_default()
            );
        }
        return Err(ChannelError::Invalid(report.errors).into());
    }
    print(output, &report, || report_text(&report));
    Ok(())
}

pub async fn channel_command(session: &Session, command: ChannelCommand) -> Result<(), CliError> {
    let (client, store, profile, output) = (
        &session.client,
        &session.store,
        session.profile.as_str(),
        session.output,
    );
    let printer = progress_printer();
    match command {
        ChannelCommand::Validate { .. } => Ok(()),
        ChannelCommand::Create { channel, wait } => {
            let cancel = cancel_on_interrupt();
            let mut options = options(wait.unwrap_or(120));
            options.wait_for_deployment = wait.is_some();
            let created = channel::create_channel(
                client,
                store,
                profile,
                &channel.input(),
                &options,
                &cancel,
                &printer,
            )
            .await?;
            for warning in &created.warnings {
                eprintln!("warning: {warning}");
            }
            print(output, &created, || {
                format!(
                    "configuration {}\ndeployment    {}\nversion       {}\nstatus        {}",
                    created.configuration_id,
                    created.deployment_id.as_deref().unwrap_or("-"),
                    created.version.as_deref().unwrap_or("-"),
                    describe(&created.outcome)
                )
            });
            outcome_result(&created.outcome)
        }
        ChannelCommand::Publish { deployment, wait } => {
            let cancel = cancel_on_interrupt();
            let found = client.deployments().get(&deployment).await?;
            let configuration_id = found.configuration.and_then(|c| c.id).unwrap_or_default();
            let outcome = channel::publish_channel(
                client,
                store,
                &configuration_id,
                &deployment,
                None,
                &options(wait),
                &cancel,
                &printer,
            )
            .await?;
            channel::log_action(
                store,
                profile,
                "Publish",
                "Deployment",
                &deployment,
                Some(&found.name),
                json!({"outcome": outcome}),
            );
            print(output, &outcome, || describe(&outcome));
            outcome_result(&outcome)
        }
        ChannelCommand::Status { deployment } => {
            let found = client.deployments().get(&deployment).await?;
            if let Some(status) = &found.status {
                store.record_status(&deployment, chrono::Utc::now(), status.as_str())?;
            }
            let live = client
                .deployments()
                .active_configuration(&deployment)
                .await?;
            let value = json!({
                "deploymentId": deployment,
                "name": found.name,
                "status": found.status,
                "configurationVersion": found.configuration.as_ref().and_then(|c| c.version.clone()),
                "liveVersion": live.configuration_version.as_ref().and_then(|v| v.version.clone()),
                "flow": found.flow.as_ref().and_then(|f| f.name.clone()),
                "allowedDomains": found.allowed_domains,
                "snippet": found.snippet,
            });
            print(output, &value, || {
                format!(
                    "{}  {}  version {}  live {}  flow {}",
                    found.name,
                    found
                        .status
                        .as_ref()
                        .map(|s| s.to_string())
                        .unwrap_or_default(),
                    value["configurationVersion"].as_str().unwrap_or("-"),
                    value["liveVersion"].as_str().unwrap_or("-"),
                    value["flow"].as_str().unwrap_or("-")
                )
            });
            Ok(())
        }
        ChannelCommand::Versions { deployment } => {
            let found = client.deployments().get(&deployment).await?;
            let configuration_id = found.configuration_id();
            let live = found.configuration.as_ref().and_then(|c| c.version.clone());
            let versions = channel::versions(client, &configuration_id).await?;
            print(output, &versions, || {
                versions
                    .iter()
                    .map(|v| {
                        let version = v.version.clone().unwrap_or_default();
                        let marker = if live.as_deref() == Some(version.as_str()) {
                            "  (live)"
                        } else {
                            ""
                        };
                        format!(
                            "{version:<6} {}  {}{marker}",
                            v.date_published
                                .as_deref()
                                .or(v.date_modified.as_deref())
                                .unwrap_or(""),
                            v.name
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
            Ok(())
        }
        ChannelCommand::Rollback {
            deployment,
            to_version,
            wait,
        } => {
            let cancel = cancel_on_interrupt();
            let outcome = channel::rollback(
                client,
                store,
                profile,
                &deployment,
                &to_version,
                &options(wait),
                &cancel,
                &printer,
            )
            .await?;
            print(output, &outcome, || describe(&outcome));
            outcome_result(&outcome)
        }
        ChannelCommand::Delete {
            deployment,
            snapshot_dir,
            wait,
        } => {
            let directory = match snapshot_dir {
                Some(dir) => dir,
                None => Store::default_path()?
                    .parent()
                    .map(|p| p.join("snapshots"))
                    .unwrap_or_else(|| PathBuf::from("snapshots")),
            };
            let mut request = channel::DeleteRequest::new(deployment, directory);
            request.wait = Duration::from_secs(wait);
            let deleted = channel::delete_channel(client, store, profile, &request, &|step| {
                eprintln!("{}: {}", step.stage, step.message)
            })
            .await?;
            print(output, &deleted, || {
                format!(
                    "deleted deployment {}{}; snapshot saved to {}",
                    deleted.deployment_id,
                    if deleted.configuration_deleted {
                        format!(" and configuration {}", deleted.configuration_id)
                    } else {
                        String::new()
                    },
                    deleted.snapshot.display()
                )
            });
            Ok(())
        }
        ChannelCommand::Export {
            deployment: Some(deployment),
            out,
            ..
        } => {
            let document = transfer::export_channel(client, store, &deployment).await?;
            transfer::write_document(&out, &document).map_err(CliError::invalid)?;
            let summary = json!({"file": out, "deploymentId": deployment, "configurationVersion": document.configuration.version});
            print(output, &summary, || {
                format!("exported {} to {}", document.deployment.name, out.display())
            });
            Ok(())
        }
        ChannelCommand::Export {
            all: true,
            out,
            concurrency,
            ..
        } => {
            let progress = |done: usize, total: usize| {
                if done == total || done % 25 == 0 {
                    eprintln!("exported {done}/{total}");
                }
            };
            let options = ExportAllOptions {
                concurrency,
                ..ExportAllOptions::default()
            };
            let summary = transfer::export_all(client, store, &out, &options, &progress).await?;
            print(output, &summary, || {
                format!(
                    "exported {} channel(s) to {} in {:.1} s with {} requests ({} rate-limited responses waited out)",
                    summary.files.len(),
                    out.display(),
                    summary.wall_seconds,
                    summary.requests,
                    summary.rate_limited_responses
                )
            });
            if summary.failed.is_empty() {
                Ok(())
            } else {
                Err(CliError {
                    kind: ExitKind::Api,
                    message: format!(
                        "{} channel(s) could not be exported: {}",
                        summary.failed.len(),
                        summary
                            .failed
                            .iter()
                            .map(|(id, e)| format!("{id}: {e}"))
                            .collect::<Vec<_>>()
                            .join("; ")
                    ),
                })
            }
        }
        ChannelCommand::Export { .. } => Err(CliError::invalid("give --deployment ID or --all")),
        ChannelCommand::Import { file, wait } => {
            let document = transfer::read_document(&file).map_err(CliError::invalid)?;
            let cancel = cancel_on_interrupt();
            let report = transfer::import_channel(
                client,
                store,
                profile,
                &document,
                &options(wait),
                &cancel,
                &printer,
            )
            .await?;
            print(output, &report, || {
                let mut lines = vec![
                    format!("configuration {}", report.configuration_id),
                    format!(
                        "deployment    {}",
                        report.deployment_id.as_deref().unwrap_or("-")
                    ),
                    format!("status        {}", describe(&report.outcome)),
                ];
                lines.extend(report.mapping.iter().map(|m| {
                    format!(
                        "mapped {} {} `{}`: {} -> {}",
                        m.role,
                        m.kind,
                        m.name,
                        m.from_id.as_deref().unwrap_or("?"),
                        m.to_id
                    )
                }));
                lines.join("\n")
            });
            outcome_result(&report.outcome)
        }
        ChannelCommand::Diff { deployment, file } => match file {
            Some(path) => {
                let differences = transfer::file_vs_live(client, store, &path, &deployment).await?;
                print(output, &differences, || {
                    difference_text(&differences, "file", "live")
                });
                Ok(())
            }
            None => {
                let diffs = transfer::version_diffs(client, &deployment).await?;
                print(output, &diffs, || {
                    format!(
                        "draft ↔ published (v{}):\n{}\npublished ↔ live (v{}):\n{}",
                        diffs.published_version.as_deref().unwrap_or("-"),
                        difference_text(&diffs.draft_vs_published, "draft", "published"),
                        diffs.live_version.as_deref().unwrap_or("-"),
                        difference_text(&diffs.published_vs_live, "published", "live")
                    )
                });
                Ok(())
            }
        },
    }
}

fn difference_text(differences: &[transfer::Difference], left: &str, right: &str) -> String {
    if differences.is_empty() {
        return "  no differences".into();
    }
    differences
        .iter()
        .map(|d| {
            let show = |v: &Option<serde_json::Value>| {
                v.as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_else(|| "(absent)".into())
            };
            format!(
                "  {}: {left} {} | {right} {}",
                d.path,
                show(&d.left),
                show(&d.right)
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub async fn fallback_command(session: &Session, command: FallbackCommand) -> Result<(), CliError> {
    let (mode, args, evaluate_only) = match command {
        FallbackCommand::Evaluate(args) => (RunnerMode::DryRun, args, true),
        FallbackCommand::Run(args) => (RunnerMode::Run, args, false),
        FallbackCommand::DryRun(args) => (RunnerMode::DryRun, args, false),
    };
    if args.interval < 5 {
        return Err(CliError::invalid(
            "--interval must be at least 5 seconds, to stay inside the rate budget",
        ));
    }
    let client = &session.client;
    let recorded = session.store.routing(&args.deployment)?.unwrap_or_default();
    let deployment = client.deployments().get(&args.deployment).await?;
    let queue_id = match &args.queue {
        Some(queue) => channel::resolve_queue(client, queue)
            .await?
            .id
            .unwrap_or_default(),
        None => recorded.primary_queue_id.clone().ok_or_else(|| {
            CliError::invalid("no primary queue is recorded for this deployment; pass --queue")
        })?,
    };
    let flows = client.flows().list_inbound_message_flows().await?;
    let fallback_flow_id = match &args.fallback_flow {
        Some(flow) => channel::pick_flow(&flows, flow)?.id.unwrap_or_default(),
        None => recorded.fallback_flow_id.clone().ok_or_else(|| {
            CliError::invalid(
                "no fallback flow is recorded for this deployment; pass --fallback-flow",
            )
        })?,
    };
    let primary_flow_id = recorded
        .primary_flow_id
        .clone()
        .or_else(|| deployment.flow.as_ref().and_then(|f| f.id.clone()).filter(|id| *id != fallback_flow_id))
        .ok_or_else(|| CliError::invalid("the primary flow of this deployment is not known; recreate the channel with --flow"))?;
    let settings = RunnerSettings {
        profile: session.profile.clone(),
        deployment_id: args.deployment.clone(),
        primary_queue_id: queue_id,
        primary_flow_id,
        fallback_flow_id,
        rules: rules_from(&args),
        interval: Duration::from_secs(args.interval),
        mode,
        use_estimated_wait: args.estimated_wait,
    };
    let runner = FallbackRunner::new(client.clone(), session.store.clone(), settings)?;
    let output = session.output;
    let on_event = move |event: &RunnerEvent| match output {
        OutputFormat::Json => println!("{}", serde_json::to_string(event).unwrap_or_default()),
        OutputFormat::Table => println!("{}", event_text(event)),
    };
    if evaluate_only {
        let mut state = runner.current_state().await?;
        let sample = runner.sample().await?;
        let decision = crate::fallback::decide(&runner_rules(&args), &mut state, &sample);
        on_event(&RunnerEvent::Evaluated { sample, decision });
        return Ok(());
    }
    let cancel = cancel_on_interrupt();
    runner.run(&cancel, args.cycles, &on_event).await?;
    Ok(())
}

fn rules_from(args: &FallbackArgs) -> FallbackRules {
    FallbackRules {
        min_agents: args.min_agents,
        max_wait: Duration::from_secs(args.max_wait),
        trigger_samples: args.trigger_samples,
        recover_dwell: Duration::from_secs(args.recover_dwell),
        agent_margin: args.agent_margin,
        wait_margin: args.wait_margin,
    }
}

/// A single evaluation cannot see a streak or a dwell; it reports what this sample alone says.
fn runner_rules(args: &FallbackArgs) -> FallbackRules {
    FallbackRules {
        trigger_samples: 1,
        recover_dwell: Duration::ZERO,
        ..rules_from(args)
    }
}

fn event_text(event: &RunnerEvent) -> String {
    match event {
        RunnerEvent::Evaluated { sample, decision } => format!(
            "{}  agents {}  waiting {}  wait {} s  -> {}",
            sample.at.format("%H:%M:%S"),
            sample.agents_on_queue,
            sample.waiting,
            sample.wait().as_secs(),
            match decision {
                crate::fallback::Decision::Stay { route, reason } =>
                    format!("stay on {route:?}: {reason}"),
                crate::fallback::Decision::SwitchToFallback { reason } =>
                    format!("SWITCH TO FALLBACK: {reason}"),
                crate::fallback::Decision::SwitchToPrimary { reason } =>
                    format!("SWITCH TO PRIMARY: {reason}"),
            }
        ),
        RunnerEvent::Switched {
            to, dry_run: true, ..
        } => format!("  (dry run) would switch to {to:?}"),
        RunnerEvent::Switched { to, .. } => format!("  switched the deployment to the {to:?} flow"),
        RunnerEvent::Skipped { reason } => format!("  not switching: {reason}"),
        RunnerEvent::Failed { message } => format!("  error: {message}"),
    }
}

#[derive(Debug, Args)]
pub struct MetricsArgs {
    /// Narrow to the queue of this deployment (as recorded) and its flow.
    #[arg(long)]
    pub deployment: Option<String>,
    /// Narrow to a queue (name or id).
    #[arg(long)]
    pub queue: Option<String>,
    /// How far back, e.g. 24h, 7d.
    #[arg(long, default_value = "7d")]
    pub since: String,
}

pub async fn metrics_command(session: &Session, args: MetricsArgs) -> Result<(), CliError> {
    let span = metrics::parse_span(&args.since).map_err(CliError::invalid)?;
    let period = Period::last(span, chrono::Utc::now());
    let client = &session.client;
    let queue_id = match &args.queue {
        Some(queue) => Some(
            channel::resolve_queue(client, queue)
                .await?
                .id
                .unwrap_or_default(),
        ),
        None => None,
    };
    let (engagement, uptime) = metrics::channel_metrics(
        client,
        &session.store,
        args.deployment.as_deref(),
        queue_id,
        period,
    )
    .await?;
    let value = json!({"engagement": engagement, "uptime": uptime});
    print(session.output, &value, || {
        let mut lines = vec![
            format!("period           {}", engagement.interval),
            format!("offered          {}", engagement.offered),
            format!("answered         {}", engagement.answered),
            format!("abandoned        {}", engagement.abandoned),
            format!(
                "average wait     {}",
                engagement
                    .average_wait_seconds
                    .map(|s| format!("{s} s"))
                    .unwrap_or_else(|| "-".into())
            ),
            format!(
                "average handle   {}",
                engagement
                    .average_handle_seconds
                    .map(|s| format!("{s} s"))
                    .unwrap_or_else(|| "-".into())
            ),
            format!(
                "service level    {}",
                engagement
                    .service_level
                    .map(|s| format!("{:.1} %", s * 100.0))
                    .unwrap_or_else(|| "-".into())
            ),
            format!("conversations    {}", engagement.conversations),
        ];
        if let Some(uptime) = &uptime {
            lines.push(format!(
                "uptime           {:.2} % Active",
                uptime.active_percent
            ));
            lines.extend(
                uptime
                    .gaps
                    .iter()
                    .map(|g| format!("  gap {} → {}  {}", g.start, g.end, g.status)),
            );
        }
        lines.join("\n")
    });
    Ok(())
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Only this deployment and its configuration.
    #[arg(long)]
    pub deployment: Option<String>,
    #[arg(long, default_value = "7d")]
    pub since: String,
}

pub async fn audit_command(session: &Session, args: AuditArgs) -> Result<(), CliError> {
    let span = metrics::parse_span(&args.since).map_err(CliError::invalid)?;
    let timeline = metrics::channel_timeline(
        &session.client,
        &session.store,
        args.deployment.as_deref(),
        span,
    )
    .await?;
    print(session.output, &timeline, || {
        timeline
            .iter()
            .map(|e| {
                format!(
                    "{}  {:<7} {:<15} {:<22} {}  {}",
                    e.at,
                    e.source,
                    e.action,
                    e.entity_type,
                    e.entity_name.as_deref().unwrap_or(&e.entity_id),
                    e.who.as_deref().unwrap_or("")
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    Ok(())
}
