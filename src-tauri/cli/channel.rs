//! `channel`, `fallback`, `metrics` and `audit` commands.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand};
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::application::channels::{
    self as use_case, ChannelInput, CheckReport, Confirmation, CreateChannel, DeleteChannel,
    Difference, ExportAllOptions, ImportChannel, ImportPlan, Progress, PublishChannel,
    PublishOptions, PublishOutcome, Rollback,
};
use crate::application::editing::{self, EditDraft, EditedDraft, Setting, VersionChoice};
use crate::application::fallback::{
    self as fallback, Decision, FallbackRules, FallbackTarget, RunnerEvent, RunnerMode,
    WatchSettings,
};
use crate::application::insight::{self, MetricsRequest};
use crate::application::{AppError, Operation};

use super::{confirm_name, confirmation, print, CliError, Connected, ExitKind, OutputFormat};

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
    /// Which configuration version visitors are served, vs published and draft.
    Live {
        #[arg(long)]
        deployment: String,
    },
    /// The snippet a site embeds (or, with --csp, the Content-Security-Policy lines).
    Snippet {
        #[arg(long)]
        deployment: String,
        #[arg(long)]
        csp: bool,
    },
    /// Check a page: host allowed, snippet present, CSP lets Messenger in (exit 1 if not).
    CheckPage {
        #[arg(long)]
        deployment: String,
        #[arg(long)]
        url: String,
    },
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
    /// Print a channel's whole configuration: the draft, or the version the deployment
    /// runs (every field, those this version does not know included).
    Get {
        #[arg(long)]
        deployment: String,
        /// The draft (the default).
        #[arg(long, conflicts_with = "published")]
        draft: bool,
        /// The version the deployment runs.
        #[arg(long)]
        published: bool,
    },
    /// Change settings of a channel's draft, and only those: shows what changes, checks
    /// it as Genesys would, then saves the draft (and with --publish publishes it).
    ///
    /// `--set PATH=VALUE` takes dotted paths as `channel get` shows them
    /// (`messenger.apps.conversations.showAgentTypingIndicator=false`,
    /// `customI18nLabels[language=fr].localizedLabels[key=MessengerHomeHeaderTitle].value=Bonjour`);
    /// the value is JSON when it parses as JSON, text otherwise; `PATH=` removes the
    /// setting. `--file` merges a partial configuration (RFC 7396) first.
    Edit(EditArgs),
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
    ///
    /// The plan (mapping, domains, every setting the editor does not show) is printed
    /// first; what it shows is exactly what is created.
    Import {
        file: PathBuf,
        #[arg(long, default_value_t = 120, value_name = "SECONDS")]
        wait: u64,
        /// Print the plan and stop, writing nothing.
        #[arg(long)]
        plan_only: bool,
    },
    /// One profile's channels against another's: matched by name, each with its
    /// differences field by field, every id it carries mapped onto the target, and what
    /// exists on one side only. Writes nothing.
    Compare(super::promote::PromotionArgs),
    /// Promote channels from one profile to another: every id remapped (by name, or by
    /// --map), created where new, updated in place where the target has the channel (its
    /// deployment id and snippet stay). The plan is printed first; a failed channel is
    /// left as it was.
    Promote(super::promote::PromoteArgs),
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

fn print_progress(event: Progress) {
    eprintln!(
        "[{:>6.1}s] {:?}: {}",
        event.elapsed_ms as f64 / 1000.0,
        event.stage,
        event.message
    );
}

/// Ctrl-C or SIGTERM cancels the operation cleanly instead of killing it mid-request.
fn cancel_on_interrupt() -> CancellationToken {
    let token = CancellationToken::new();
    let child = token.clone();
    tokio::spawn(async move {
        crate::application::stop_signal().await;
        eprintln!("cancelling…");
        child.cancel();
    });
    token
}

/// An operation on the command's session: cancelled by Ctrl-C, progress to stderr.
fn operation(connected: &Connected) -> Operation<'_> {
    Operation::new(&connected.session, cancel_on_interrupt(), &print_progress)
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
        PublishOutcome::Active { .. } | PublishOutcome::Submitted { .. } => Ok(()),
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
    lines.extend(report.lints.iter().map(|lint| format!("note: {lint}")));
    lines.join("\n")
}

/// `channel validate`: flags, a ChannelInput JSON, or an exported document.
pub fn validate(
    output: OutputFormat,
    channel: &ChannelArgs,
    file: Option<&PathBuf>,
) -> Result<(), CliError> {
    let report = match file {
        Some(path) => use_case::check_file(path)?,
        None => use_case::check(&channel.input()),
    };
    if !report.is_valid() {
        if output == OutputFormat::Json {
            outln!(
                "{}",
                serde_json::to_string_pretty(&report).unwrap_or_default()
            );
        }
        return Err(CliError::invalid(format!(
            "{} problem(s):\n{}",
            report.errors.0.len(),
            report
                .errors
                .0
                .iter()
                .map(|e| format!("  {}: {}", e.field, e.reason))
                .collect::<Vec<_>>()
                .join("\n")
        )));
    }
    print(output, &report, || report_text(&report));
    Ok(())
}

pub async fn channel_command(
    connected: &Connected,
    command: ChannelCommand,
) -> Result<(), CliError> {
    match command {
        ChannelCommand::Validate { .. } => Ok(()),
        ChannelCommand::Live { deployment } => super::guest::live(connected, &deployment).await,
        ChannelCommand::Snippet { deployment, csp } => {
            super::guest::snippet(connected, &deployment, csp).await
        }
        ChannelCommand::CheckPage { deployment, url } => {
            super::guest::check_page(connected, &deployment, &url).await
        }
        ChannelCommand::Create { channel, wait } => create(connected, &channel, wait).await,
        ChannelCommand::Publish { deployment, wait } => {
            let request = PublishChannel {
                confirmation: confirmation(connected, &deployment, "publishing it").await?,
                deployment_id: deployment,
                edits: None,
                supported_content: None,
                options: options(wait),
            };
            let outcome = use_case::publish(&operation(connected), &request).await?;
            print(connected.output, &outcome, || describe(&outcome));
            outcome_result(&outcome)
        }
        ChannelCommand::Get {
            deployment,
            published,
            ..
        } => {
            let choice = if published {
                VersionChoice::Published
            } else {
                VersionChoice::Draft
            };
            let version =
                editing::configuration_version(&connected.session, &deployment, choice).await?;
            outln!(
                "{}",
                serde_json::to_string_pretty(&version).unwrap_or_default()
            );
            Ok(())
        }
        ChannelCommand::Edit(args) => Box::pin(edit(connected, args)).await,
        ChannelCommand::Status { deployment } => status(connected, &deployment).await,
        ChannelCommand::Versions { deployment } => versions(connected, &deployment).await,
        ChannelCommand::Rollback {
            deployment,
            to_version,
            wait,
        } => {
            let request = Rollback {
                confirmation: confirmation(connected, &deployment, "rolling it back").await?,
                deployment_id: deployment,
                to_version,
                options: options(wait),
            };
            let outcome = use_case::rollback(&operation(connected), &request).await?;
            print(connected.output, &outcome, || describe(&outcome));
            outcome_result(&outcome)
        }
        ChannelCommand::Delete {
            deployment,
            snapshot_dir,
            wait,
        } => delete(connected, deployment, snapshot_dir, wait).await,
        ChannelCommand::Export {
            deployment: Some(deployment),
            out,
            ..
        } => export(connected, &deployment, &out).await,
        ChannelCommand::Export {
            all: true,
            out,
            concurrency,
            ..
        } => export_all(connected, &out, concurrency).await,
        ChannelCommand::Export { .. } => Err(CliError::invalid("give --deployment ID or --all")),
        ChannelCommand::Import {
            file,
            wait,
            plan_only,
        } => import(connected, file, wait, plan_only).await,
        ChannelCommand::Diff { deployment, file } => diff(connected, &deployment, file).await,
        ChannelCommand::Compare(_) | ChannelCommand::Promote(_) => Err(CliError::invalid(
            "compare and promote name their profiles with --from and --to",
        )),
    }
}

async fn create(
    connected: &Connected,
    channel: &ChannelArgs,
    wait: Option<u64>,
) -> Result<(), CliError> {
    let mut options = options(wait.unwrap_or(120));
    options.wait_for_deployment = wait.is_some();
    let channel = use_case::parse(&channel.input())?;
    let request = CreateChannel {
        confirmation: confirm_name(connected, &channel.deployment().name, "creating it")?,
        channel,
        options,
    };
    let created = use_case::create(&operation(connected), &request).await?;
    for warning in &created.warnings {
        eprintln!("warning: {warning}");
    }
    print(connected.output, &created, || {
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

#[derive(Debug, clap::Args)]
pub struct EditArgs {
    #[arg(long)]
    deployment: String,
    #[arg(long = "set", value_name = "PATH=VALUE")]
    settings: Vec<String>,
    #[arg(long, value_name = "PATCH.json")]
    file: Option<PathBuf>,
    /// Move the deployment to this supported content profile (name or id): what visitors
    /// may upload. A deployment setting, live at once, so it needs --publish.
    #[arg(long, value_name = "PROFILE", requires = "publish")]
    supported_content: Option<String>,
    /// Show what would change and stop.
    #[arg(long, conflicts_with = "publish")]
    plan_only: bool,
    /// Publish the saved draft and wait for the deployment (seconds, default 120).
    #[arg(long, num_args = 0..=1, default_missing_value = "120", value_name = "SECONDS")]
    publish: Option<u64>,
}

async fn edit(connected: &Connected, args: EditArgs) -> Result<(), CliError> {
    let EditArgs {
        deployment,
        settings,
        file,
        supported_content,
        plan_only,
        publish,
    } = args;
    let settings = settings
        .iter()
        .map(|typed| {
            Setting::parse(typed).map_err(|problem| CliError::invalid(format!("--set {problem}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let merge = match &file {
        Some(path) => Some(use_case::read_json_file(path)?),
        None => None,
    };
    if settings.is_empty() && merge.is_none() && supported_content.is_none() {
        return Err(CliError::invalid(
            "nothing to change: give --set PATH=VALUE, --file PATCH.json or --supported-content",
        ));
    }
    let request = EditDraft {
        deployment_id: deployment.clone(),
        settings,
        merge,
        plan_only,
    };
    let draft_edited = !request.settings.is_empty() || request.merge.is_some();
    let edited = Box::pin(editing::edit_draft(&connected.session, &request)).await?;
    if draft_edited {
        eprint!("{}", edit_text(&edited));
    }
    if let Some(profile) = &supported_content {
        eprintln!("  deployment.supportedContent → {profile} (applied with the publish)");
    }
    if let Some(wait) = publish {
        let request = PublishChannel {
            confirmation: confirmation(connected, &deployment, "publishing it").await?,
            deployment_id: deployment,
            edits: None,
            supported_content,
            options: options(wait),
        };
        let outcome = Box::pin(use_case::publish(&operation(connected), &request)).await?;
        print(
            connected.output,
            &json!({"edit": edited, "publish": outcome}),
            || describe(&outcome),
        );
        return outcome_result(&outcome);
    }
    print(connected.output, &edited, String::new);
    Ok(())
}

fn edit_text(edited: &EditedDraft) -> String {
    let show = |value: &Option<serde_json::Value>| {
        value
            .as_ref()
            .map_or_else(|| "(absent)".to_string(), |v| v.to_string())
    };
    let mut text = String::new();
    if edited.changes.is_empty() {
        text.push_str("nothing changes: the draft already has these settings\n");
    }
    for change in &edited.changes {
        text.push_str(&format!(
            "  {}: {} → {}\n",
            change.path,
            show(&change.before),
            show(&change.after)
        ));
    }
    for lint in &edited.lints {
        text.push_str(&format!("note: {lint}\n"));
    }
    text.push_str(match (edited.written, edited.changes.is_empty()) {
        (true, _) => "draft saved\n",
        (false, false) => "plan only: nothing was written\n",
        (false, true) => "",
    });
    text
}

async fn status(connected: &Connected, deployment: &str) -> Result<(), CliError> {
    let status = use_case::status(&connected.session, deployment).await?;
    print(connected.output, &status, || {
        format!(
            "{}  {}  version {}  live {}  flow {}",
            status.name,
            status
                .status
                .as_ref()
                .map(|s| s.to_string())
                .unwrap_or_default(),
            status.configuration_version.as_deref().unwrap_or("-"),
            status.live_version.as_deref().unwrap_or("-"),
            status.flow.as_deref().unwrap_or("-")
        )
    });
    Ok(())
}

async fn versions(connected: &Connected, deployment: &str) -> Result<(), CliError> {
    let list = use_case::versions(&connected.session, deployment).await?;
    print(connected.output, &list.versions, || {
        list.versions
            .iter()
            .map(|v| {
                let version = v.version.clone().unwrap_or_default();
                let marker = if list.live.as_deref() == Some(version.as_str()) {
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

async fn delete(
    connected: &Connected,
    deployment: String,
    snapshot_dir: Option<PathBuf>,
    wait: u64,
) -> Result<(), CliError> {
    let snapshot_dir = match snapshot_dir {
        Some(dir) => dir,
        None => super::data_dir()?.join("snapshots"),
    };
    let request = DeleteChannel {
        confirmation: confirmation(connected, &deployment, "deleting it").await?,
        deployment_id: deployment,
        snapshot_dir,
        wait: Duration::from_secs(wait),
    };
    let deleted = use_case::delete(&connected.session, &request, &|step| {
        eprintln!("{}: {}", step.stage, step.message)
    })
    .await?;
    print(connected.output, &deleted, || {
        format!(
            "deleted deployment {}{}; snapshot saved to {}",
            deleted.deployment_id,
            if deleted.configuration_deleted {
                format!(" and configuration {}", deleted.configuration_id)
            } else {
                String::new()
            },
            deleted
                .snapshot
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        )
    });
    Ok(())
}

async fn export(
    connected: &Connected,
    deployment: &str,
    out: &std::path::Path,
) -> Result<(), CliError> {
    let exported = use_case::export(&connected.session, deployment, out).await?;
    let summary = json!({"file": out, "deploymentId": deployment, "configurationVersion": exported.configuration_version});
    print(connected.output, &summary, || {
        format!("exported {} to {}", exported.channel, out.display())
    });
    Ok(())
}

async fn export_all(
    connected: &Connected,
    out: &std::path::Path,
    concurrency: usize,
) -> Result<(), CliError> {
    let progress = |done: usize, total: usize| {
        if done == total || done.is_multiple_of(25) {
            eprintln!("exported {done}/{total}");
        }
    };
    let options = ExportAllOptions { concurrency };
    let summary = use_case::export_all(&connected.session, out, &options, &progress).await?;
    print(connected.output, &summary, || {
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
        return Ok(());
    }
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

async fn import(
    connected: &Connected,
    file: PathBuf,
    wait: u64,
    plan_only: bool,
) -> Result<(), CliError> {
    if file.is_dir() {
        return Box::pin(super::promote::import_folder(
            connected, &file, wait, plan_only,
        ))
        .await;
    }
    let plan = use_case::plan_import(&connected.session, &file).await?;
    if plan_only {
        print(connected.output, &plan, || plan_text(&plan));
        return Ok(());
    }
    // On stderr, so `--output json` keeps stdout to the report.
    eprintln!("{}", plan_text(&plan));
    let request = ImportChannel {
        confirmation: confirm_name(connected, &plan.channel, "importing it")?,
        plan,
        options: options(wait),
    };
    let report = use_case::import(&operation(connected), &request).await?;
    print(connected.output, &report, || {
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

fn plan_text(plan: &ImportPlan) -> String {
    let mut lines = vec![format!(
        "import `{}` from {} (exported {}) into profile `{}`",
        plan.channel,
        plan.exported_from.as_deref().unwrap_or("?"),
        plan.exported_at.as_deref().unwrap_or("?"),
        plan.profile
    )];
    lines.push(if plan.allow_all_domains {
        "domains   every site may load this channel (allowAllDomains)".into()
    } else if plan.domains.is_empty() {
        "domains   none: no site may load this channel".into()
    } else {
        format!("domains   {}", plan.domains.join(", "))
    });
    lines.extend(plan.mapping.iter().map(|m| {
        format!(
            "map       {} {} `{}`: {} -> {}",
            m.role,
            m.kind,
            m.name,
            m.from_id.as_deref().unwrap_or("?"),
            m.to_id
        )
    }));
    lines.extend(plan.carried.iter().map(|setting| {
        format!(
            "{} {} = {}",
            if setting.unknown {
                "unknown  "
            } else {
                "carried  "
            },
            setting.path,
            setting.value
        )
    }));
    lines.extend(plan.warnings.iter().map(|w| format!("warning   {w}")));
    lines.join("\n")
}

async fn diff(
    connected: &Connected,
    deployment: &str,
    file: Option<PathBuf>,
) -> Result<(), CliError> {
    let output = connected.output;
    if let Some(path) = file {
        let differences = use_case::diff_file(&connected.session, &path, deployment).await?;
        print(output, &differences, || {
            difference_text(&differences, "file", "live")
        });
        return Ok(());
    }
    let diffs = use_case::preview(&connected.session, deployment).await?;
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

fn difference_text(differences: &[Difference], left: &str, right: &str) -> String {
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

pub async fn fallback_command(
    connected: &Connected,
    command: FallbackCommand,
) -> Result<(), CliError> {
    let (mode, args, evaluate_only) = match command {
        FallbackCommand::Evaluate(args) => (RunnerMode::DryRun, args, true),
        FallbackCommand::Run(args) => (RunnerMode::Run, args, false),
        FallbackCommand::DryRun(args) => (RunnerMode::DryRun, args, false),
    };
    let confirmation = if mode == RunnerMode::Run && !evaluate_only {
        confirmation(
            connected,
            &args.deployment,
            "letting the fallback switch its route",
        )
        .await?
    } else {
        Confirmation::None
    };
    let settings = WatchSettings {
        rules: rules_from(&args),
        interval: Duration::from_secs(args.interval),
        mode,
        use_estimated_wait: args.estimated_wait,
        confirmation,
    };
    // Before anything is resolved and recorded: a bad interval changes nothing.
    crate::application::check_interval(settings.interval)?;
    let target = FallbackTarget {
        deployment_id: args.deployment.clone(),
        queue: args.queue.clone(),
        fallback_flow: args.fallback_flow.clone(),
    };
    let session = &connected.session;
    let resolved = fallback::resolve(session, &target).await?;
    let output = connected.output;
    let on_event = move |event: &RunnerEvent| match output {
        OutputFormat::Json => outln!("{}", serde_json::to_string(event).unwrap_or_default()),
        OutputFormat::Table => outln!("{}", event_text(event)),
    };
    if evaluate_only {
        on_event(&fallback::evaluate(session, &resolved, &settings).await?);
        return Ok(());
    }
    let runner = fallback::runner(session, &resolved, &settings)?;
    runner
        .run(&cancel_on_interrupt(), args.cycles, &on_event)
        .await
        .map_err(AppError::from)?;
    Ok(())
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
                Decision::Stay { route, reason } => format!("stay on {route:?}: {reason}"),
                Decision::SwitchToFallback { reason } => format!("SWITCH TO FALLBACK: {reason}"),
                Decision::SwitchToPrimary { reason } => format!("SWITCH TO PRIMARY: {reason}"),
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

fn seconds_or_dash(value: Option<f64>) -> String {
    value
        .map(|s| format!("{s} s"))
        .unwrap_or_else(|| "-".into())
}

pub async fn metrics_command(connected: &Connected, args: MetricsArgs) -> Result<(), CliError> {
    let request = MetricsRequest {
        deployment_id: args.deployment,
        queue: args.queue,
        since: args.since,
    };
    let report = insight::metrics(&connected.session, &request).await?;
    let (engagement, uptime) = (&report.engagement, &report.uptime);
    print(connected.output, &report, || {
        let mut lines = vec![
            format!("period           {}", engagement.interval),
            format!("offered          {}", engagement.offered),
            format!("answered         {}", engagement.answered),
            format!("abandoned        {}", engagement.abandoned),
            format!(
                "average wait     {}",
                seconds_or_dash(engagement.average_wait_seconds)
            ),
            format!(
                "average handle   {}",
                seconds_or_dash(engagement.average_handle_seconds)
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
        if let Some(uptime) = uptime {
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

pub async fn audit_command(connected: &Connected, args: AuditArgs) -> Result<(), CliError> {
    let timeline =
        insight::history(&connected.session, args.deployment.as_deref(), &args.since).await?;
    print(connected.output, &timeline, || {
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
