//! The visitor's view: test-drive a channel as a guest, run scenario files, see what the
//! site really serves, the snippet and CSP, and check a page.

use std::path::Path;
use std::time::Duration;

use serde::Serialize;
use serde_json::{Map, Value};
use tokio_util::sync::CancellationToken;

use crate::genesys::models::WebDeployment;
use crate::guest::site::{self, AllowedDomains};
use crate::guest::{self, parse_scenario_file, DrivePlan, DriveTarget, Step};
use crate::json_diff::Difference;

pub use crate::guest::site::PageCheck;
pub use crate::guest::{DriveReport, Line, ScenarioFile, ScenarioResult};

use super::safety::{self, Confirmation, GuardedChange};
use super::{AppError, ErrorCode, Field, Result, Session};

pub use crate::chart::CanaryPoint;
pub use crate::guest::run::MAX_PARALLEL;
pub use crate::guest::steps::MAX_SCENARIO_FILE_BYTES;
pub use crate::guest::{Outcome, Voice};

/// How long a drive listens after the agent joined, for the agent's first words.
const DRIVE_LINGER: Duration = Duration::from_secs(3);

/// Longest `guest drive` may be told to wait.
pub const MAX_DRIVE_TIMEOUT: Duration = Duration::from_secs(3_600);

#[derive(Debug, Clone)]
pub struct DriveRequest {
    pub deployment_id: String,
    /// `None`: the first allowed domain of the deployment.
    pub origin: Option<String>,
    pub says: Vec<String>,
    pub expect_routed: bool,
    /// How long to wait for routing and an agent.
    pub timeout: Duration,
    pub confirmation: Confirmation,
    /// Custom attributes sent with the visitor's messages, for flows to branch on.
    pub attributes: Map<String, Value>,
    /// Leave the conversation in its queue at the end instead of disconnecting it.
    pub keep_conversation: bool,
    /// Files to send after the messages, each through the guest attachment flow.
    pub uploads: Vec<std::path::PathBuf>,
}

/// How long a drive's file may take to be uploaded, scanned and sent.
const DRIVE_UPLOAD_WITHIN: Duration = Duration::from_secs(60);

/// `KEY=VALUE` pairs as custom attributes.
pub fn custom_attributes(pairs: &[String]) -> Result<Map<String, Value>> {
    let mut attributes = Map::new();
    for pair in pairs {
        match pair.split_once('=') {
            Some((key, value)) if !key.trim().is_empty() => {
                attributes.insert(key.trim().to_string(), Value::String(value.to_string()));
            }
            _ => {
                return Err(AppError::invalid(format!(
                    "a custom attribute is KEY=VALUE, not `{pair}`"
                ))
                .on(Field::Attributes))
            }
        }
    }
    check_attribute_size(&attributes)?;
    Ok(attributes)
}

/// The Guest API refuses custom attributes over 2,048 bytes of keys and values (4013);
/// the visitor's own synthetic tag counts too.
fn check_attribute_size(attributes: &Map<String, Value>) -> Result<()> {
    let bytes = guest::attribute_bytes(attributes);
    if bytes > guest::MAX_CUSTOM_DATA_BYTES {
        return Err(AppError::invalid(format!(
            "the custom attributes take {bytes} bytes with the synthetic tag; the Guest API \
             takes at most {}",
            guest::MAX_CUSTOM_DATA_BYTES
        ))
        .on(Field::Attributes));
    }
    Ok(())
}

fn allowed_domains(deployment: &WebDeployment) -> AllowedDomains {
    AllowedDomains {
        allow_all: deployment.allow_all_domains.unwrap_or(false),
        domains: deployment.allowed_domains.clone().unwrap_or_default(),
    }
}

async fn origin_for(
    session: &Session,
    deployment_id: &str,
    given: Option<&str>,
) -> Result<Option<String>> {
    if let Some(origin) = given {
        let parsed = url::Url::parse(origin).map_err(|e| {
            AppError::invalid(format!("the origin `{origin}` is not a URL: {e}")).on(Field::Origin)
        })?;
        return Ok(Some(parsed.origin().ascii_serialization()));
    }
    let deployment = session.client.deployments().get(deployment_id).await?;
    Ok(allowed_domains(&deployment).first_origin())
}

/// A visitor's conversation reaches the org's queue and its agents: a change the
/// read-only promise covers, though it goes through the Guest API, not the client.
fn check_writable(session: &Session) -> Result<()> {
    if session.read_only {
        return Err(AppError::new(
            super::ErrorCode::ReadOnly,
            format!(
                "`{}` is open read-only: a visitor's conversation would reach its queue and agents; open it without read-only to test-drive",
                session.profile
            ),
        ));
    }
    Ok(())
}

fn check_deployment_id(deployment_id: &str) -> Result<()> {
    uuid::Uuid::parse_str(deployment_id).map(|_| ()).map_err(|_| {
        AppError::invalid(format!(
            "`{deployment_id}` is not a deployment id (a UUID such as 5b0f1c1e-8d2a-4c55-9f0b-1a2b3c4d5e6f)"
        ))
    })
}

/// One conversation as a website visitor: the says, then routing (when asked) and an
/// agent within the timeout.
pub async fn drive(
    session: &Session,
    request: &DriveRequest,
    cancel: CancellationToken,
    on_line: &(dyn Fn(&Line) + Send + Sync),
) -> Result<DriveReport> {
    check_writable(session)?;
    check_deployment_id(&request.deployment_id)?;
    safety::check(
        session,
        &request.deployment_id,
        GuardedChange::VisitorTraffic,
        &request.confirmation,
    )
    .await?;
    if request.timeout.is_zero() || request.timeout > MAX_DRIVE_TIMEOUT {
        return Err(AppError::invalid(format!(
            "the timeout must be from 1 to {} seconds",
            MAX_DRIVE_TIMEOUT.as_secs()
        )));
    }
    let origin = origin_for(session, &request.deployment_id, request.origin.as_deref()).await?;
    let says = if request.says.is_empty() {
        vec!["Hello".to_string()]
    } else {
        request.says.clone()
    };
    let mut steps: Vec<Step> = says.into_iter().map(Step::Say).collect();
    steps.extend(request.uploads.iter().map(|file| Step::Upload {
        file: file.clone(),
        refused: false,
        within: DRIVE_UPLOAD_WITHIN,
    }));
    if request.expect_routed {
        steps.push(Step::ExpectRouted {
            queue: None,
            within: request.timeout,
        });
    }
    steps.push(Step::ExpectAgent {
        within: request.timeout,
    });
    let plan = DrivePlan {
        deployment_id: request.deployment_id.clone(),
        origin,
        timeout: Step::budget(&steps),
        steps,
        attributes: request.attributes.clone(),
        linger: DRIVE_LINGER,
        follow_queue: true,
        end_conversation: !request.keep_conversation,
    };
    let environment = session.client.environment();
    let target = DriveTarget {
        socket_url: environment.guest_socket_url(&request.deployment_id),
        client: Some(&session.client),
        finder: None,
    };
    Ok(guest::drive(target, &plan, cancel, on_line).await)
}

/// How far back `guest leftovers` looks when not told.
pub const DEFAULT_LEFTOVERS_SPAN: &str = "24h";

/// One synthetic conversation found open, and what became of it when asked to end it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LeftoverConversation {
    #[serde(flatten)]
    pub conversation: guest::leftovers::Leftover,
    pub queue_name: Option<String>,
    /// `Some(true)` ended now; `None` not asked to.
    pub ended: Option<bool>,
    /// Why it could not be ended.
    pub problem: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Leftovers {
    /// Open web messaging conversations looked at.
    pub searched: usize,
    pub synthetic: Vec<LeftoverConversation>,
}

/// The synthetic conversations (`wmdSynthetic=true`) started within `since` that are
/// still open; with `end`, each one's customer is disconnected.
pub async fn leftovers(session: &Session, since: &str, end: bool) -> Result<Leftovers> {
    let span = crate::metrics::parse_span(since)
        .map_err(|e| AppError::invalid(format!("how far back to look: {e}")).on(Field::Interval))?;
    let client = &session.client;
    let (found, searched) = guest::leftovers::find(client, span).await?;
    let mut names: std::collections::HashMap<String, Option<String>> = Default::default();
    let mut synthetic = Vec::new();
    for conversation in found {
        let queue_name = match &conversation.queue_id {
            Some(id) => match names.get(id) {
                Some(name) => name.clone(),
                None => {
                    let name = client.queues().get(id).await.ok().and_then(|q| q.name);
                    names.insert(id.clone(), name.clone());
                    name
                }
            },
            None => None,
        };
        let (ended, problem) = if end {
            match guest::leftovers::end(client, &conversation.conversation_id).await {
                Ok(ended) => (Some(ended), None),
                Err(problem) => (Some(false), Some(problem)),
            }
        } else {
            (None, None)
        };
        synthetic.push(LeftoverConversation {
            conversation,
            queue_name,
            ended,
            problem,
        });
    }
    Ok(Leftovers {
        searched,
        synthetic,
    })
}

#[derive(Debug, Clone)]
pub struct ScenarioRunRequest {
    /// `--deployment`, which wins over the file's.
    pub deployment_id: Option<String>,
    pub origin: Option<String>,
    pub parallel: usize,
    pub confirmation: Confirmation,
    /// `--attr`: custom attributes over every scenario's own.
    pub attributes: Map<String, Value>,
    /// Leave each conversation in its queue at the end instead of disconnecting it.
    pub keep_conversations: bool,
}

/// Reads a scenario file, refusing it whole when it is too large or invalid.
pub fn read_scenario_file(path: &Path) -> Result<guest::ScenarioFile> {
    let bytes =
        crate::transfer::read_bounded(path, MAX_SCENARIO_FILE_BYTES).map_err(AppError::file)?;
    let text = String::from_utf8(bytes)
        .map_err(|_| AppError::invalid(format!("{} is not UTF-8 text", path.display())))?;
    let folder = path.parent().unwrap_or(Path::new("."));
    parse_scenario_file(&text)
        .map(|file| file.files_from(folder))
        .map_err(|e| AppError::invalid(format!("{}: {e}", path.display())))
}

/// The deployment a run visits: `--deployment`, else the file's.
fn deployment_of(file: &guest::ScenarioFile, request: &ScenarioRunRequest) -> Result<String> {
    request
        .deployment_id
        .clone()
        .or_else(|| file.deployment.clone())
        .ok_or_else(|| {
            AppError::invalid("no deployment: choose one, or give `deployment:` in the file")
                .on(Field::Deployment)
        })
}

/// Runs every scenario of `file`, `parallel` at a time.
pub async fn run_scenarios(
    session: &Session,
    file: &guest::ScenarioFile,
    request: &ScenarioRunRequest,
    cancel: &CancellationToken,
    on_done: &(dyn Fn(&ScenarioResult) + Send + Sync),
) -> Result<Vec<ScenarioResult>> {
    check_writable(session)?;
    let deployment_id = deployment_of(file, request)?;
    let mut scenarios = file.scenarios.clone();
    for scenario in &mut scenarios {
        scenario.attributes.extend(request.attributes.clone());
        check_attribute_size(&scenario.attributes).map_err(|error| {
            AppError::invalid(format!("scenario `{}`: {}", scenario.name, error.message))
                .on(Field::Attributes)
        })?;
    }
    check_deployment_id(&deployment_id)?;
    safety::check(
        session,
        &deployment_id,
        GuardedChange::VisitorTraffic,
        &request.confirmation,
    )
    .await?;
    let given_origin = request.origin.as_deref().or(file.origin.as_deref());
    let origin = origin_for(session, &deployment_id, given_origin).await?;
    let socket_url = session
        .client
        .environment()
        .guest_socket_url(&deployment_id);
    let visit = guest::Visit {
        socket_url: &socket_url,
        client: Some(&session.client),
        deployment_id: &deployment_id,
        origin: origin.as_deref(),
        parallel: request.parallel,
        end_conversations: !request.keep_conversations,
    };
    Ok(guest::run_scenarios(&visit, &scenarios, cancel, on_done).await)
}

/// Writes the results as JUnit XML, whole or not at all.
pub fn write_junit(path: &Path, suite_name: &str, results: &[ScenarioResult]) -> Result<()> {
    crate::transfer::write_atomically(path, guest::junit_xml(suite_name, results).as_bytes())
        .map_err(|e| AppError::file(format!("cannot write {}: {e}", path.display())))
}

/// One canary round: when, how many passed, and the p50/p95 of the whole conversation.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CanaryRound {
    pub round: u32,
    pub at: String,
    pub passed: usize,
    pub total: usize,
    pub p50_total_ms: Option<u64>,
    pub p95_total_ms: Option<u64>,
    pub results: Vec<ScenarioResult>,
}

/// How often a canary runs and for how long (`None`: until it is stopped).
#[derive(Debug, Clone, Copy)]
pub struct CanarySchedule {
    pub every: Duration,
    pub run_for: Option<Duration>,
}

impl CanarySchedule {
    /// The bounds on a canary that runs until stopped: often enough to notice an outage
    /// within the minute, seldom enough to be daily.
    pub const MINUTES: std::ops::RangeInclusive<u32> = 1..=1_440;

    /// Every `minutes` until stopped.
    pub fn until_stopped(minutes: u32) -> Result<CanarySchedule> {
        if !Self::MINUTES.contains(&minutes) {
            return Err(AppError::invalid(format!(
                "run the canary every {} to {} minutes",
                Self::MINUTES.start(),
                Self::MINUTES.end()
            ))
            .on(Field::Repeat));
        }
        Ok(CanarySchedule {
            every: Duration::from_secs(u64::from(minutes) * 60),
            run_for: None,
        })
    }
}

/// How many rounds a canary returns: the latest, the last with its transcripts. A
/// canary runs for days; its full history is in the database.
pub const KEPT_CANARY_ROUNDS: usize = 100;

/// Parses `--repeat 15m --for 8h`.
pub fn canary_schedule(every: &str, run_for: &str) -> Result<CanarySchedule> {
    let every = crate::metrics::parse_span(every)
        .map_err(|e| AppError::invalid(format!("how often to repeat: {e}")).on(Field::Repeat))?;
    let run_for = crate::metrics::parse_span(run_for)
        .map_err(|e| AppError::invalid(format!("how long to run: {e}")).on(Field::RunFor))?;
    if run_for < every {
        return Err(
            AppError::invalid("the canary must run for at least one repeat interval")
                .on(Field::RunFor),
        );
    }
    Ok(CanarySchedule {
        every,
        run_for: Some(run_for),
    })
}

/// Adds the newest round, keeping [`KEPT_CANARY_ROUNDS`] and only its transcripts.
fn keep_round(rounds: &mut std::collections::VecDeque<CanaryRound>, round: CanaryRound) {
    if let Some(previous) = rounds.back_mut() {
        previous.results = Vec::new();
    }
    if rounds.len() == KEPT_CANARY_ROUNDS {
        rounds.pop_front();
    }
    rounds.push_back(round);
}

fn percentile(mut values: Vec<u64>, share: f64) -> Option<u64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    values
        .get(((values.len() as f64 - 1.0) * share).round() as usize)
        .copied()
}

/// Runs the scenarios every `schedule.every` until `schedule.run_for` has passed or
/// `cancel` fires, recording every result in the history database as its round ends.
pub async fn run_canary(
    session: &Session,
    file: &guest::ScenarioFile,
    request: &ScenarioRunRequest,
    schedule: CanarySchedule,
    cancel: &CancellationToken,
    on_round: &(dyn Fn(&CanaryRound) + Send + Sync),
) -> Result<Vec<CanaryRound>> {
    check_writable(session)?;
    let deployment_id = deployment_of(file, request)?;
    let started = tokio::time::Instant::now();
    let mut rounds = std::collections::VecDeque::with_capacity(KEPT_CANARY_ROUNDS);
    let mut number = 0;
    loop {
        number += 1;
        let at = chrono::Utc::now();
        // A round that could not run at all (the org answered 503, the deployment could
        // not be read) is a failed round like any other: recorded, reported, and the
        // canary goes on to the next.
        let results =
            match run_scenarios(session, file, request, cancel, &|_: &ScenarioResult| {}).await {
                Ok(results) => results,
                Err(error) => round_that_could_not_run(file, &deployment_id, &error.message),
            };
        let stored: Vec<crate::store::CanaryResult> = results
            .iter()
            .map(|result| crate::store::CanaryResult {
                deployment_id: deployment_id.clone(),
                at_ms: at.timestamp_millis(),
                scenario: result.name.clone(),
                passed: result.report.passed(),
                first_reply_ms: result.report.timings.first_reply_ms,
                routed_ms: result.report.timings.routed_ms,
                agent_joined_ms: result.report.timings.agent_joined_ms,
                total_ms: result.report.timings.total_ms,
                failure: match &result.report.outcome {
                    guest::Outcome::Passed => None,
                    guest::Outcome::Failed {
                        step,
                        step_text,
                        reason,
                    } => Some(format!("step {step} ({step_text}): {reason}")),
                    guest::Outcome::Error { message } => Some(message.clone()),
                    guest::Outcome::Cancelled => Some("cancelled".into()),
                },
            })
            .collect();
        let cancelled = cancel.is_cancelled();
        if !cancelled {
            if let Err(error) = session.store.record_canary_round(&stored) {
                tracing::warn!(%error, "could not record a canary round");
            }
        }
        let totals: Vec<u64> = results.iter().map(|r| r.report.timings.total_ms).collect();
        let round = CanaryRound {
            round: number,
            at: at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            passed: results.iter().filter(|r| r.report.passed()).count(),
            total: results.len(),
            p50_total_ms: percentile(totals.clone(), 0.5),
            p95_total_ms: percentile(totals, 0.95),
            results,
        };
        on_round(&round);
        keep_round(&mut rounds, round);
        let next = started + schedule.every * number;
        let over = schedule
            .run_for
            .is_some_and(|run_for| next.duration_since(started) >= run_for);
        if cancelled || over {
            return Ok(rounds.into());
        }
        tokio::select! {
            () = cancel.cancelled() => return Ok(rounds.into()),
            () = tokio::time::sleep_until(next) => {}
        }
    }
}

/// Every scenario of a round that could not run, failed with why.
fn round_that_could_not_run(
    file: &guest::ScenarioFile,
    deployment_id: &str,
    why: &str,
) -> Vec<ScenarioResult> {
    file.scenarios
        .iter()
        .map(|scenario| ScenarioResult {
            name: scenario.name.clone(),
            report: guest::DriveReport {
                deployment_id: deployment_id.to_string(),
                outcome: guest::Outcome::Error {
                    message: format!("the round could not run: {why}"),
                },
                conversation_id: None,
                routed: None,
                positions: Vec::new(),
                waited_seconds: None,
                timings: Default::default(),
                transcript: Vec::new(),
                first_message_id: None,
            },
        })
        .collect()
}

/// The recorded canary results of a deployment over the last `since`.
pub fn canary_history(
    session: &Session,
    deployment_id: &str,
    since: &str,
) -> Result<Vec<crate::store::CanaryResult>> {
    let span = crate::metrics::parse_span(since).map_err(AppError::invalid)?;
    let since_ms = chrono::Utc::now().timestamp_millis() - span.as_millis() as i64;
    Ok(session.store.canary_results(deployment_id, since_ms)?)
}

/// A channel's canary over a period: one point per round and the chart of them.
#[derive(Debug, Clone)]
pub struct CanarySummary {
    pub points: Vec<crate::chart::CanaryPoint>,
    pub pass_rate: Option<f64>,
    /// The last failures, newest first, as "scenario: why".
    pub recent_failures: Vec<String>,
    pub chart_svg: Option<String>,
}

pub fn canary_summary(
    session: &Session,
    deployment_id: &str,
    since: &str,
    dark: bool,
) -> Result<CanarySummary> {
    let results = canary_history(session, deployment_id, since)?;
    let mut points: Vec<crate::chart::CanaryPoint> = Vec::new();
    for round in results.chunk_by(|a, b| a.at_ms == b.at_ms) {
        let totals: Vec<u64> = round.iter().map(|r| r.total_ms).collect();
        points.push(crate::chart::CanaryPoint {
            at_ms: round[0].at_ms,
            passed: round.iter().filter(|r| r.passed).count(),
            total: round.len(),
            p50_ms: percentile(totals.clone(), 0.5).unwrap_or(0),
            p95_ms: percentile(totals, 0.95).unwrap_or(0),
        });
    }
    let runs: usize = points.iter().map(|p| p.total).sum();
    let passed: usize = points.iter().map(|p| p.passed).sum();
    let theme = if dark {
        crate::chart::Theme::Dark
    } else {
        crate::chart::Theme::Light
    };
    let chart_svg = match crate::chart::render_canary_svg(&points, theme) {
        Ok(svg) => Some(svg),
        Err(crate::chart::ChartError::Empty) => None,
        Err(error) => return Err(AppError::new(ErrorCode::Chart, error.to_string())),
    };
    Ok(CanarySummary {
        pass_rate: (runs > 0).then(|| passed as f64 / runs as f64),
        recent_failures: results
            .iter()
            .rev()
            .filter(|r| !r.passed)
            .take(5)
            .map(|r| {
                format!(
                    "{}: {}",
                    r.scenario,
                    r.failure.as_deref().unwrap_or("failed")
                )
            })
            .collect(),
        points,
        chart_svg,
    })
}

/// What visitors are served compared with what is published and drafted.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveReport {
    pub deployment_id: String,
    pub deployment_name: String,
    pub configuration_id: String,
    /// The version the public config serves; `None` when the CDN has none yet.
    pub served_version: Option<String>,
    /// When the served version was published.
    pub served_since: Option<String>,
    /// The version the deployment points at.
    pub deployment_version: Option<String>,
    /// The newest published version.
    pub published_version: Option<String>,
    /// The draft has changes not in the newest published version.
    pub draft_changed: bool,
    /// Served vs newest published, by path (`left` served, `right` published).
    pub served_vs_published: Vec<Difference>,
    /// Newest published vs draft (`left` published, `right` draft).
    pub published_vs_draft: Vec<Difference>,
    /// One sentence per finding, worst first.
    pub findings: Vec<String>,
}

/// Fields a configuration version carries that are bookkeeping, not what visitors see.
const BOOKKEEPING: &[&str] = &[
    "id",
    "version",
    "status",
    "dateCreated",
    "dateModified",
    "datePublished",
    "createdUser",
    "lastModifiedUser",
    "publishedUser",
    "selfUri",
    "name",
    "description",
    "messagingEndpoint",
];

pub async fn live(session: &Session, deployment_id: &str) -> Result<LiveReport> {
    check_deployment_id(deployment_id)?;
    let client = &session.client;
    let deployment = client.deployments().get(deployment_id).await?;
    let configuration_id = deployment.configuration_id();
    let versions = client.configurations().versions(&configuration_id).await?;
    let newest = versions
        .iter()
        .filter(|v| !v.is_draft())
        .max_by_key(|v| v.version.as_deref().and_then(|n| n.parse::<u64>().ok()));
    let draft = client.configurations().draft(&configuration_id).await?;
    let served = site::fetch_public_config(client.environment(), deployment_id)
        .await
        .map_err(|message| AppError::new(ErrorCode::TransportFailed, message))?;
    let served_version = served
        .as_ref()
        .and_then(|c| c.get("version"))
        .and_then(|v| {
            v.as_str()
                .map(str::to_string)
                .or_else(|| Some(v.to_string()))
        });
    let served_since = served_version.as_ref().and_then(|number| {
        versions
            .iter()
            .find(|v| v.version.as_deref() == Some(number))
            .and_then(|v| v.date_published.clone())
    });
    let newest_json = newest.map(as_json).unwrap_or_default();
    let visitor_view = |config: &serde_json::Value| {
        serde_json::json!({
            "languages": config.get("languages"),
            "defaultLanguage": config.get("defaultLanguage"),
            "messenger": {
                "enabled": config.pointer("/messenger/enabled"),
                "styles": config.pointer("/messenger/styles"),
                "launcherButton": config.pointer("/messenger/launcherButton"),
                "fileUpload": config.pointer("/messenger/fileUpload"),
                "apps": {"conversations": config.pointer("/messenger/apps/conversations")},
            },
        })
    };
    let served_vs_published = match &served {
        Some(served) if newest.is_some() => crate::json_diff::differences_ignoring(
            &visitor_view(served),
            &visitor_view(&newest_json),
            BOOKKEEPING,
        ),
        _ => Vec::new(),
    };
    let published_vs_draft =
        crate::json_diff::differences_ignoring(&newest_json, &as_json(&draft), BOOKKEEPING);
    let published_version = newest.and_then(|v| v.version.clone());
    let deployment_version = deployment
        .configuration
        .as_ref()
        .and_then(|c| c.version.clone());
    let mut findings = Vec::new();
    match (&served_version, &published_version) {
        (None, _) => findings.push(
            "Visitors get nothing yet: the public config is not on the CDN (a new deployment \
             takes a moment to appear)."
                .to_string(),
        ),
        (Some(served), Some(published)) if served != published => findings.push(format!(
            "Version {published} is published but visitors still get version {served}{}.",
            if deployment_version.as_deref() == Some(published.as_str()) {
                " (the CDN has not caught up yet)"
            } else {
                " (the deployment does not point at the newest version)"
            }
        )),
        (Some(served), _) => findings.push(format!(
            "Visitors get version {served}, the newest published."
        )),
    }
    if !served_vs_published.is_empty() && served_version == published_version {
        findings.push(format!(
            "The served config differs from the published version in {} place(s).",
            served_vs_published.len()
        ));
    }
    let draft_changed = !published_vs_draft.is_empty();
    if draft_changed {
        findings.push(format!(
            "The draft has {} unpublished change(s).",
            published_vs_draft.len()
        ));
    }
    Ok(LiveReport {
        deployment_id: deployment_id.to_string(),
        deployment_name: deployment.name.clone(),
        configuration_id,
        served_version,
        served_since,
        deployment_version,
        published_version,
        draft_changed,
        served_vs_published,
        published_vs_draft,
        findings,
    })
}

fn as_json<T: Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or_default()
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EmbedInfo {
    pub deployment_id: String,
    pub snippet: String,
    pub csp_lines: Vec<String>,
    pub allowed_domains: Vec<String>,
    pub allow_all_domains: bool,
}

/// The snippet to paste and the CSP lines a site needs for this deployment.
pub async fn embed_info(session: &Session, deployment_id: &str) -> Result<EmbedInfo> {
    check_deployment_id(deployment_id)?;
    let deployment = session.client.deployments().get(deployment_id).await?;
    let environment = session.client.environment();
    let allowed = allowed_domains(&deployment);
    Ok(EmbedInfo {
        deployment_id: deployment_id.to_string(),
        snippet: site::snippet(environment, deployment_id, deployment.snippet.as_deref()),
        csp_lines: site::csp_lines(&environment.messenger_hosts()),
        allowed_domains: allowed.domains,
        allow_all_domains: allowed.allow_all,
    })
}

/// Fetches a page and checks it can host this deployment's Messenger.
pub async fn check_page(
    session: &Session,
    deployment_id: &str,
    page_url: &str,
) -> Result<PageCheck> {
    check_deployment_id(deployment_id)?;
    let deployment = session.client.deployments().get(deployment_id).await?;
    site::check_page(
        session.client.environment(),
        deployment_id,
        &allowed_domains(&deployment),
        page_url,
    )
    .await
    .map_err(|message| {
        if message.contains("is not a URL") || message.contains("not an http(s) page") {
            AppError::invalid(message)
        } else {
            AppError::new(ErrorCode::TransportFailed, message)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round(number: u32) -> CanaryRound {
        let file = parse_scenario_file("scenarios:\n  hello:\n    - say: hi\n").unwrap();
        CanaryRound {
            round: number,
            at: String::new(),
            passed: 0,
            total: 1,
            p50_total_ms: None,
            p95_total_ms: None,
            results: round_that_could_not_run(&file, "d", "a test"),
        }
    }

    #[test]
    fn a_canary_that_runs_for_days_keeps_a_bounded_window_with_the_last_transcripts_only() {
        let mut rounds = std::collections::VecDeque::new();
        for number in 1..=250 {
            keep_round(&mut rounds, round(number));
        }
        assert_eq!(rounds.len(), KEPT_CANARY_ROUNDS);
        assert_eq!(rounds.front().unwrap().round, 151);
        assert_eq!(rounds.back().unwrap().round, 250);
        assert_eq!(rounds.back().unwrap().results.len(), 1);
        assert!(rounds.iter().rev().skip(1).all(|r| r.results.is_empty()));
    }

    #[test]
    fn a_canary_until_stopped_runs_every_one_to_1440_minutes() {
        let every_hour = CanarySchedule::until_stopped(60).unwrap();
        assert_eq!(every_hour.every, Duration::from_secs(3_600));
        assert_eq!(every_hour.run_for, None);
        for minutes in [0, 1_441] {
            let refused = CanarySchedule::until_stopped(minutes).unwrap_err();
            assert_eq!(refused.field, Some(Field::Repeat));
        }
    }

    #[test]
    fn a_timed_canary_names_the_input_to_correct_without_flags() {
        let refused = canary_schedule("10m", "5m").unwrap_err();
        assert_eq!(refused.field, Some(Field::RunFor));
        assert!(!refused.message.contains("--"), "{}", refused.message);
        let refused = canary_schedule("soon", "5m").unwrap_err();
        assert_eq!(refused.field, Some(Field::Repeat));
    }
}
