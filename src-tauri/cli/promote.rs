//! `channel compare` and `channel promote`: one org's channels against another's, and
//! promotion with every id remapped (see `application::promotion`).

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use tokio_util::sync::CancellationToken;

use crate::application::channels::{Progress, PublishOptions};
use crate::application::promotion::{
    self, DomainRule, IdMap, PlanOptions, PlannedAction, PromotionPlan, PromotionReport, Selection,
};
use crate::application::{Operation, Session};

use super::{confirm_name, open_profile, print, CliError, Connected, OutputFormat};

#[derive(Debug, Args)]
pub struct PromotionArgs {
    /// The profile to promote from (opened read-only).
    #[arg(long)]
    pub from: String,
    /// The profile to promote into.
    #[arg(long)]
    pub to: String,
    /// The channel, by its deployment's name.
    #[arg(long, conflicts_with_all = ["deployment", "all"])]
    pub name: Option<String>,
    /// The channel, by its deployment id in the source.
    #[arg(long, conflicts_with = "all")]
    pub deployment: Option<String>,
    /// Every channel of the source.
    #[arg(long)]
    pub all: bool,
    /// Use this target entity for a source one: `kind:SOURCE=TARGET` (ids or names;
    /// kinds: queue, flow, supportedContent, knowledgeBase, integration). Repeatable.
    #[arg(long = "map", value_name = "KIND:SOURCE=TARGET")]
    pub maps: Vec<String>,
    /// A JSON file of maps: `[{"kind":"queue","source":"Support","target":"Care"}]`.
    #[arg(long = "map-file", value_name = "FILE")]
    pub map_file: Option<PathBuf>,
    /// Rewrite allowed domains: `FROM=TO` replaces FROM in every domain. Repeatable.
    #[arg(long = "domain-rule", value_name = "FROM=TO")]
    pub domain_rules: Vec<String>,
}

impl PromotionArgs {
    fn selection(&self) -> Result<Selection, CliError> {
        match (&self.name, &self.deployment, self.all) {
            (Some(name), None, false) => Ok(Selection::Name(name.clone())),
            (None, Some(id), false) => Ok(Selection::Deployment(id.clone())),
            (None, None, true) => Ok(Selection::All),
            _ => Err(CliError::invalid(
                "name the channels: --name NAME, --deployment ID or --all",
            )),
        }
    }

    fn plan_options(&self) -> Result<PlanOptions, CliError> {
        let mut maps = self
            .maps
            .iter()
            .map(|typed| IdMap::parse(typed).map_err(|e| CliError::invalid(format!("--map {e}"))))
            .collect::<Result<Vec<_>, _>>()?;
        if let Some(path) = &self.map_file {
            let value = crate::application::channels::read_json_file(path)?;
            let from_file: Vec<IdMap> = serde_json::from_value(value).map_err(|e| {
                CliError::invalid(format!("{}: not a list of maps: {e}", path.display()))
            })?;
            maps.extend(from_file);
        }
        let domain_rules = self
            .domain_rules
            .iter()
            .map(|typed| {
                DomainRule::parse(typed)
                    .map_err(|e| CliError::invalid(format!("--domain-rule {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(PlanOptions { maps, domain_rules })
    }

    fn sessions(&self) -> Result<(Session, Session), CliError> {
        if self.from == self.to {
            return Err(CliError::invalid("--from and --to name the same profile"));
        }
        Ok((
            open_profile(&self.from, true)?,
            open_profile(&self.to, false)?,
        ))
    }
}

#[derive(Debug, Args)]
pub struct PromoteArgs {
    #[command(flatten)]
    pub promotion: PromotionArgs,
    /// Print the plan and stop, writing nothing.
    #[arg(long)]
    pub plan_only: bool,
    /// Seconds each channel may take to become Active.
    #[arg(long, default_value_t = 120, value_name = "SECONDS")]
    pub wait: u64,
}

/// Needs no `--profile`: both sides are named by `--from` and `--to`.
pub async fn compare(output: OutputFormat, args: PromotionArgs) -> Result<(), CliError> {
    let selection = args.selection()?;
    let options = args.plan_options()?;
    let (from, to) = args.sessions()?;
    let plan = promotion::plan(&from, &to, &selection, &options).await?;
    print(output, &plan, || plan_text(&plan));
    Ok(())
}

/// `channel import DIR/`: every channel of an `export --all` folder, with one plan.
pub async fn import_folder(
    connected: &Connected,
    folder: &std::path::Path,
    wait: u64,
    plan_only: bool,
) -> Result<(), CliError> {
    let documents = promotion::read_folder(folder)?;
    let plan = Box::pin(promotion::plan_documents(
        folder.display().to_string(),
        None,
        &connected.session,
        documents,
        &PlanOptions::default(),
    ))
    .await?;
    carry_out(connected, &connected.session, plan, wait, plan_only).await
}

/// Needs no `--profile`: both sides are named by `--from` and `--to`.
pub async fn promote(
    output: OutputFormat,
    assume_yes: bool,
    args: PromoteArgs,
) -> Result<(), CliError> {
    let selection = args.promotion.selection()?;
    let options = args.promotion.plan_options()?;
    let (from, to) = args.promotion.sessions()?;
    let plan = promotion::plan(&from, &to, &selection, &options).await?;
    let connected = Connected {
        session: to.clone(),
        output,
        assume_yes,
    };
    carry_out(&connected, &to, plan, args.wait, args.plan_only).await
}

/// Shows the plan, then (unless `plan_only`) promotes it into `target`.
async fn carry_out(
    connected: &Connected,
    target: &Session,
    plan: PromotionPlan,
    wait: u64,
    plan_only: bool,
) -> Result<(), CliError> {
    if plan_only {
        print(connected.output, &plan, || plan_text(&plan));
        return Ok(());
    }
    // On stderr, so `--output json` keeps stdout to the report.
    eprintln!("{}", plan_text(&plan));
    let target = Connected {
        session: target.clone(),
        output: connected.output,
        assume_yes: connected.assume_yes,
    };
    let confirmation = confirm_name(&target, &plan.confirmation_phrase(), "promoting into it")?;
    let progress = |progress: Progress| eprintln!("  {}", progress.message);
    let operation = Operation::new(&target.session, interruptible(), &progress);
    let publish = PublishOptions {
        deadline: Duration::from_secs(wait.max(1)),
        ..PublishOptions::default()
    };
    let report = promotion::promote(&operation, plan, &publish, &confirmation).await?;
    print(connected.output, &report, || report_text(&report));
    if report.all_promoted() {
        Ok(())
    } else {
        Err(CliError::invalid(
            "some channels were not promoted; each is either promoted or untouched (see above)",
        ))
    }
}

fn interruptible() -> CancellationToken {
    let cancel = CancellationToken::new();
    let stop = cancel.clone();
    tokio::spawn(async move {
        crate::application::stop_signal().await;
        stop.cancel();
    });
    cancel
}

/// The plan as a person reads it.
pub fn plan_text(plan: &PromotionPlan) -> String {
    let mut lines = vec![format!(
        "promote from `{}` into `{}`: {} channel(s)",
        plan.from_profile,
        plan.to_profile,
        plan.channels.len()
    )];
    for channel in &plan.channels {
        let action = match &channel.action {
            PlannedAction::Create => "create".to_string(),
            PlannedAction::Update { deployment_id, .. } => {
                format!("update in place (deployment {deployment_id} keeps its id and snippet)")
            }
        };
        lines.push(format!("\n{}: {action}", channel.name));
        for reference in &channel.references {
            lines.push(format!(
                "  {} {} `{}` {} -> {} ({})",
                reference.place,
                reference.kind.as_str(),
                reference.source_name.as_deref().unwrap_or("?"),
                reference.source_id,
                reference
                    .target_id
                    .as_deref()
                    .unwrap_or("MISSING IN TARGET"),
                reference.matched_by
            ));
        }
        for (from, to) in &channel.domains {
            if from == to {
                lines.push(format!("  domain {from}"));
            } else {
                lines.push(format!("  domain {from} -> {to}"));
            }
        }
        lines.push(format!(
            "  {} setting(s) differ from the target",
            channel.differences.len()
        ));
        for difference in channel.differences.iter().take(20) {
            let show = |v: &Option<serde_json::Value>| {
                v.as_ref()
                    .map_or_else(|| "(absent)".to_string(), |v| v.to_string())
            };
            lines.push(format!(
                "    {}: {} -> {}",
                difference.path,
                show(&difference.left),
                show(&difference.right)
            ));
        }
        if channel.differences.len() > 20 {
            lines.push(format!("    … and {} more", channel.differences.len() - 20));
        }
        for blocked in &channel.blocked {
            lines.push(format!("  BLOCKED {blocked}"));
        }
    }
    if !plan.target_only.is_empty() {
        lines.push(format!(
            "\nonly in the target (left alone): {}",
            plan.target_only.join(", ")
        ));
    }
    if plan.is_blocked() {
        lines.push("\nthe plan is blocked: give --map for what is missing in the target".into());
    }
    lines.join("\n")
}

fn report_text(report: &PromotionReport) -> String {
    report
        .channels
        .iter()
        .map(|c| {
            format!(
                "{}: {}{}{}",
                c.name,
                c.result,
                c.deployment_id
                    .as_deref()
                    .map(|id| format!(" (deployment {id})"))
                    .unwrap_or_default(),
                c.error
                    .as_deref()
                    .map(|e| format!(": {e}"))
                    .unwrap_or_default()
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}
