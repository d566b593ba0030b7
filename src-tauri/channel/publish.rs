//! Publishing, as a pipeline with progress and cancellation:
//! write draft → wait for the draft → publish → point the deployment at the new version
//! → wait for the deployment → verify what is live.
//!
//! Every run ends in exactly one [`PublishOutcome`]: Active, Error (with the server's
//! reason when it gives one), timed out (with the stage and status it was left in), or
//! cancelled. Polls back off when rate limited instead of failing.

use std::time::Duration;

use serde::Serialize;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::genesys::models::{
    AuditQueryFilter, AuditQuerySort, AuditRealtimeQueryRequest, DeploymentStatus, EntityRef,
    WebDeployment, WebDeploymentConfigurationVersion,
};
use crate::genesys::{Client, Error};
use crate::store::Store;
use crate::validate::check_configuration;

use super::{ChannelError, Pipeline};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Stage {
    Validating,
    WritingDraft,
    WaitingForDraft,
    Publishing,
    UpdatingDeployment,
    WaitingForDeployment,
    Verifying,
}

/// One progress event, streamed to the UI and the CLI.
#[derive(Debug, Clone)]
pub struct Progress {
    pub stage: Stage,
    pub message: String,
    pub status: Option<String>,
    pub elapsed_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase", tag = "end")]
pub enum PublishOutcome {
    Active {
        version: String,
    },
    Error {
        reason: String,
    },
    TimedOut {
        stage: Stage,
        last_status: Option<String>,
    },
    Cancelled {
        stage: Stage,
    },
    /// Published and deployed, but not waited for (the caller asked not to).
    Submitted {
        version: String,
    },
}

impl PublishOutcome {
    pub fn is_active(&self) -> bool {
        matches!(self, PublishOutcome::Active { .. })
    }
}

#[derive(Debug, Clone)]
pub struct PublishOptions {
    /// The whole pipeline must end within this.
    pub deadline: Duration,
    pub first_poll: Duration,
    pub max_poll: Duration,
    /// Whether to wait for a new deployment to leave Pending.
    pub wait_for_deployment: bool,
    /// Deployment settings to change in the same update that moves it to the new version,
    /// so the site goes through one Pending phase rather than two.
    pub deployment_changes: Option<DeploymentChanges>,
}

/// What the editor may change on a deployment besides its configuration version.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeploymentChanges {
    /// `allowAllDomains` and `allowedDomains`, set together; `None` keeps the deployment's.
    pub domains: Option<(bool, Vec<String>)>,
    /// The supported content profile's id; `None` keeps the deployment's.
    pub supported_content: Option<String>,
    /// The inbound message flow's id; `None` keeps the deployment's.
    pub flow: Option<String>,
}

impl Default for PublishOptions {
    fn default() -> Self {
        PublishOptions {
            deadline: Duration::from_secs(120),
            first_poll: Duration::from_secs(1),
            max_poll: Duration::from_secs(10),
            wait_for_deployment: true,
            deployment_changes: None,
        }
    }
}

/// Reports progress and keeps the clock.
pub(super) struct Run<'a> {
    started: Instant,
    options: &'a PublishOptions,
    cancel: &'a CancellationToken,
    report: &'a (dyn Fn(Progress) + Send + Sync),
}

enum Waited {
    Settled(DeploymentStatus),
    TimedOut(Option<String>),
    Cancelled,
}

impl<'a> Run<'a> {
    pub(super) fn new(
        options: &'a PublishOptions,
        cancel: &'a CancellationToken,
        report: &'a (dyn Fn(Progress) + Send + Sync),
    ) -> Run<'a> {
        Run {
            started: Instant::now(),
            options,
            cancel,
            report,
        }
    }

    pub(super) fn emit(
        &self,
        stage: Stage,
        message: impl Into<String>,
        status: Option<&DeploymentStatus>,
    ) {
        (self.report)(Progress {
            stage,
            message: message.into(),
            status: status.map(ToString::to_string),
            elapsed_ms: self.started.elapsed().as_millis() as u64,
        });
    }

    pub(super) fn cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }

    /// Polls `fetch` until the status leaves `Pending`, the deadline passes or the run is
    /// cancelled. A 429 that the client gave up on doubles the interval instead of failing.
    async fn wait<F, Fut>(&self, stage: Stage, mut fetch: F) -> Result<Waited, ChannelError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<Option<DeploymentStatus>, Error>>,
    {
        let mut interval = self.options.first_poll;
        let mut last: Option<String> = None;
        loop {
            match fetch().await {
                Ok(Some(status)) if status != DeploymentStatus::Pending => {
                    self.emit(stage, format!("status is {status}"), Some(&status));
                    return Ok(Waited::Settled(status));
                }
                Ok(status) => {
                    last = status.as_ref().map(ToString::to_string);
                    self.emit(
                        stage,
                        format!("still {}", last.as_deref().unwrap_or("without a status")),
                        status.as_ref(),
                    );
                }
                Err(error) if error.status() == Some(429) => {
                    interval = (interval * 2).min(self.options.max_poll);
                    self.emit(
                        stage,
                        format!("rate limited; polling every {} s", interval.as_secs()),
                        None,
                    );
                }
                Err(error) => return Err(error.into()),
            }
            let left = self.options.deadline.saturating_sub(self.started.elapsed());
            if left.is_zero() {
                return Ok(Waited::TimedOut(last));
            }
            tokio::select! {
                _ = self.cancel.cancelled() => return Ok(Waited::Cancelled),
                _ = tokio::time::sleep(interval.min(left)) => {}
            }
            interval = (interval + interval / 2).min(self.options.max_poll);
        }
    }
}

/// Waits for a draft to become publishable.
pub(super) async fn wait_for_draft(
    run: &Run<'_>,
    client: &Client,
    configuration_id: &str,
) -> Result<Option<PublishOutcome>, ChannelError> {
    let waited = run
        .wait(Stage::WaitingForDraft, || async {
            Ok(client
                .configurations()
                .draft(configuration_id)
                .await?
                .status)
        })
        .await?;
    Ok(match waited {
        Waited::Settled(DeploymentStatus::Active) => None,
        Waited::Settled(other) => Some(PublishOutcome::Error {
            reason: format!("the draft settled as {other}, not Active"),
        }),
        Waited::TimedOut(last) => Some(PublishOutcome::TimedOut {
            stage: Stage::WaitingForDraft,
            last_status: last,
        }),
        Waited::Cancelled => Some(PublishOutcome::Cancelled {
            stage: Stage::WaitingForDraft,
        }),
    })
}

/// Polls a deployment until it is Active or ends otherwise; records each status seen.
pub async fn wait_for_deployment(
    client: &Client,
    store: &Store,
    deployment_id: &str,
    options: &PublishOptions,
    cancel: &CancellationToken,
    report: &(dyn Fn(Progress) + Send + Sync),
) -> Result<PublishOutcome, ChannelError> {
    let run = Run::new(options, cancel, report);
    deployment_settled(&run, client, store, deployment_id, None).await
}

pub(super) async fn deployment_settled(
    run: &Run<'_>,
    client: &Client,
    store: &Store,
    deployment_id: &str,
    version: Option<String>,
) -> Result<PublishOutcome, ChannelError> {
    let waited = run
        .wait(Stage::WaitingForDeployment, || async {
            let deployment = client.deployments().get(deployment_id).await?;
            if let Some(status) = &deployment.status {
                // A failed local write must not fail the publish; uptime just loses a point.
                if let Err(error) =
                    store.record_status(deployment_id, client.now(), status.as_str())
                {
                    tracing::warn!(%error, "could not record deployment status");
                }
            }
            Ok(deployment.status)
        })
        .await?;
    Ok(match waited {
        Waited::Settled(DeploymentStatus::Active) => {
            let version = match version {
                Some(version) => version,
                None => client
                    .deployments()
                    .get(deployment_id)
                    .await?
                    .configuration
                    .and_then(|c| c.version)
                    .unwrap_or_default(),
            };
            PublishOutcome::Active { version }
        }
        Waited::Settled(other) => PublishOutcome::Error {
            reason: error_reason(client, deployment_id, &other).await,
        },
        Waited::TimedOut(last) => PublishOutcome::TimedOut {
            stage: Stage::WaitingForDeployment,
            last_status: last,
        },
        Waited::Cancelled => PublishOutcome::Cancelled {
            stage: Stage::WaitingForDeployment,
        },
    })
}

/// Why a deployment is in Error, as far as Genesys says. The deployment resource has no
/// reason field; a failed audit entry of the deployment is used when the audit service
/// has one, and otherwise the app says plainly that there is none and where to look.
async fn error_reason(client: &Client, deployment_id: &str, status: &DeploymentStatus) -> String {
    let now = client.now();
    let query = AuditRealtimeQueryRequest {
        interval: format!(
            "{}/{}",
            crate::store::timestamp(now - chrono::Duration::hours(1)),
            crate::store::timestamp(now + chrono::Duration::hours(1))
        ),
        service_name: Some(crate::genesys::models::WEB_DEPLOYMENTS_SERVICE.into()),
        filters: Some(vec![AuditQueryFilter {
            property: "EntityId".into(),
            value: deployment_id.into(),
        }]),
        sort: Some(vec![AuditQuerySort {
            name: "Timestamp".into(),
            sort_order: "descending".into(),
        }]),
        page_size: Some(25),
        page_number: Some(1),
        ..Default::default()
    };
    let found = client
        .audits()
        .realtime_query(&query)
        .await
        .ok()
        .and_then(|page| {
            page.entities
                .into_iter()
                .find(|entry| entry.status.as_deref() == Some("FAILURE"))
                .and_then(|entry| entry.message.and_then(|m| m.message))
        });
    match found {
        Some(reason) => format!("the deployment is {status}: {reason}"),
        None => format!(
            "the deployment is {status}; Genesys Cloud gave no reason. Check in Admin > Message > Messenger Deployments that its inbound message flow is published and its configuration version exists, and look at its change history (`webmsg-desk audit --deployment {deployment_id}`)"
        ),
    }
}

/// Which draft to publish and the deployment to move to it.
#[derive(Debug, Clone)]
pub struct PublishRequest {
    pub configuration_id: String,
    pub deployment_id: String,
    /// The draft to write first; `None` publishes the draft as it is.
    pub draft: Option<WebDeploymentConfigurationVersion>,
}

/// Publishes the request's draft and moves the deployment to it.
pub async fn publish_channel(
    pipeline: &Pipeline<'_>,
    request: PublishRequest,
    options: &PublishOptions,
) -> Result<PublishOutcome, ChannelError> {
    // Boxed: the pipeline's state is large and callers should not carry it inline.
    Box::pin(publish_channel_inner(pipeline, request, options)).await
}

async fn publish_channel_inner(
    pipeline: &Pipeline<'_>,
    request: PublishRequest,
    options: &PublishOptions,
) -> Result<PublishOutcome, ChannelError> {
    let (client, store) = (pipeline.client, pipeline.store);
    let PublishRequest {
        configuration_id,
        deployment_id,
        draft,
    } = request;
    let (configuration_id, deployment_id) = (configuration_id.as_str(), deployment_id.as_str());
    let _publishing = pipeline.in_flight.begin(deployment_id);
    let run = Run::new(options, pipeline.cancel, pipeline.report);
    run.emit(
        Stage::Validating,
        "checking the configuration locally",
        None,
    );
    let draft = match draft {
        Some(draft) => draft,
        None => client.configurations().draft(configuration_id).await?,
    };
    // Checked on a copy: normalising is for judging, what is written is what was given.
    let checked = check_configuration(&mut draft.clone());
    if !checked.is_valid() {
        return Err(ChannelError::Invalid(checked.errors));
    }
    if run.cancelled() {
        return Ok(PublishOutcome::Cancelled {
            stage: Stage::Validating,
        });
    }
    run.emit(Stage::WritingDraft, "writing the draft", None);
    client
        .configurations()
        .update_draft(configuration_id, &draft)
        .await?;
    if let Some(ended) = wait_for_draft(&run, client, configuration_id).await? {
        return Ok(ended);
    }
    if run.cancelled() {
        return Ok(PublishOutcome::Cancelled {
            stage: Stage::Publishing,
        });
    }
    run.emit(Stage::Publishing, "publishing the draft", None);
    let published = client.configurations().publish(configuration_id).await?;
    let version = published.version.clone().unwrap_or_default();
    run.emit(
        Stage::UpdatingDeployment,
        format!("pointing the deployment at version {version}"),
        None,
    );
    let mut deployment: WebDeployment = client.deployments().get(deployment_id).await?;
    if let Some(reference) = deployment.configuration.as_mut() {
        reference.version = Some(version.clone());
    }
    if let Some(changes) = &options.deployment_changes {
        if let Some((allow_all, domains)) = &changes.domains {
            deployment.allow_all_domains = Some(*allow_all);
            deployment.allowed_domains = Some(domains.clone());
        }
        if let Some(flow) = &changes.flow {
            deployment.flow = Some(crate::genesys::models::DeploymentFlowRef {
                id: Some(flow.clone()),
                ..Default::default()
            });
        }
        if let Some(profile) = &changes.supported_content {
            let current = deployment
                .supported_content
                .as_ref()
                .and_then(|s| s.id.as_ref());
            if current != Some(profile) {
                deployment.supported_content = Some(EntityRef::id(profile.clone()));
            }
        }
    }
    client
        .deployments()
        .update(deployment_id, &deployment)
        .await?;
    let outcome =
        deployment_settled(&run, client, store, deployment_id, Some(version.clone())).await?;
    if outcome.is_active() {
        run.emit(Stage::Verifying, "checking what the Messenger loads", None);
        let live = client
            .deployments()
            .active_configuration(deployment_id)
            .await?;
        let live_version = live.configuration_version.and_then(|v| v.version);
        if live_version.as_deref() != Some(version.as_str()) {
            return Ok(PublishOutcome::Error {
                reason: format!(
                    "the deployment is Active but serves version {} instead of {version}",
                    live_version.unwrap_or_default()
                ),
            });
        }
    }
    Ok(outcome)
}
