//! Create, list versions, roll back and delete channels.

use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

use crate::genesys::models::{
    DeploymentConfigurationRef, DeploymentFlowRef, WebDeploymentConfigurationVersion,
};
use crate::genesys::Client;
use crate::store::{timestamp, AuditedEntity, ChannelRouting, LocalAction, LocalActionKind, Store};
use crate::validate::{check_configuration, check_deployment, CheckReport};

use super::publish::{
    deployment_settled, wait_for_draft, PublishOptions, PublishOutcome, Run, Stage,
};
use super::resolve::{pick_flow, resolve_queue};
use super::{ChannelError, Pipeline, ValidChannel};

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatedChannel {
    pub configuration_id: String,
    pub deployment_id: Option<String>,
    pub version: Option<String>,
    pub status: String,
    pub outcome: PublishOutcome,
    pub queue: ChannelRouting,
    pub warnings: Vec<String>,
    /// API requests this creation made (token requests excluded).
    pub requests: u64,
}

pub fn log_action(
    store: &Store,
    profile: &str,
    action: LocalActionKind,
    entity: AuditedEntity,
    entity_id: &str,
    name: Option<&str>,
    details: serde_json::Value,
) {
    let entry = LocalAction {
        at: timestamp(chrono::Utc::now()),
        profile: profile.to_string(),
        action: action.as_str().to_string(),
        entity_type: entity.as_str().to_string(),
        entity_id: entity_id.to_string(),
        entity_name: name.map(str::to_string),
        details,
    };
    if let Err(error) = store.log_action(&entry) {
        tracing::warn!(%error, "could not write the local action log");
    }
}

/// Resolves the channel's queue and flows, creates the configuration, publishes it and
/// creates the deployment, waiting for it to be Active.
pub async fn create_channel(
    pipeline: &Pipeline<'_>,
    channel: &ValidChannel,
    options: &PublishOptions,
) -> Result<CreatedChannel, ChannelError> {
    // Boxed: the pipeline's state is large and callers should not carry it inline.
    Box::pin(create_channel_inner(pipeline, channel, options)).await
}

async fn create_channel_inner(
    pipeline: &Pipeline<'_>,
    channel: &ValidChannel,
    options: &PublishOptions,
) -> Result<CreatedChannel, ChannelError> {
    let client = pipeline.client;
    let configuration = channel.configuration().clone();
    let mut deployment = channel.deployment().clone();
    let queue = resolve_queue(client, channel.queue()).await?;
    let flows = client.flows().list_inbound_message_flows().await?;
    let flow = pick_flow(&flows, channel.flow())?;
    let fallback = channel
        .fallback_flow()
        .map(|name| pick_flow(&flows, name))
        .transpose()?;
    deployment.flow = Some(DeploymentFlowRef {
        id: flow.id.clone(),
        ..Default::default()
    });
    let routing = |deployment_id: &str| ChannelRouting {
        deployment_id: deployment_id.to_string(),
        primary_queue_id: queue.id.clone(),
        primary_queue_name: queue.name.clone(),
        primary_flow_id: flow.id.clone(),
        primary_flow_name: flow.name.clone(),
        fallback_flow_id: fallback.as_ref().and_then(|f| f.id.clone()),
        fallback_flow_name: fallback.as_ref().and_then(|f| f.name.clone()),
    };
    let models = ChannelModels::checked(configuration, deployment, &routing)
        .map_err(|report| ChannelError::Invalid(report.errors))?;
    let mut created = create_from_models(pipeline, models, options).await?;
    let mut warnings = channel.warnings().to_vec();
    warnings.append(&mut created.warnings);
    created.warnings = warnings;
    Ok(created)
}

/// A configuration and deployment that passed the local checks, to create as they are,
/// and the routing to record once the deployment has an id. Only
/// [`ChannelModels::checked`] makes one.
pub struct ChannelModels<'a> {
    configuration: WebDeploymentConfigurationVersion,
    deployment: crate::genesys::models::WebDeployment,
    routing: &'a (dyn Fn(&str) -> ChannelRouting + Send + Sync),
}

impl<'a> ChannelModels<'a> {
    /// Checks the models on copies (normalising is for judging) and keeps them as given:
    /// what is written is exactly what was passed, a `#7A1FA2` stays `#7A1FA2`.
    pub fn checked(
        configuration: WebDeploymentConfigurationVersion,
        deployment: crate::genesys::models::WebDeployment,
        routing: &'a (dyn Fn(&str) -> ChannelRouting + Send + Sync),
    ) -> Result<ChannelModels<'a>, CheckReport> {
        let mut report = check_configuration(&mut configuration.clone());
        report.merge(check_deployment(&mut deployment.clone()));
        if !report.is_valid() {
            return Err(report);
        }
        Ok(ChannelModels {
            configuration,
            deployment,
            routing,
        })
    }
}

/// Creates checked models: configuration, draft wait, publish, deployment, wait.
pub async fn create_from_models(
    pipeline: &Pipeline<'_>,
    models: ChannelModels<'_>,
    options: &PublishOptions,
) -> Result<CreatedChannel, ChannelError> {
    // Boxed: the pipeline's state is large and callers should not carry it inline.
    Box::pin(create_from_models_inner(pipeline, models, options)).await
}

async fn create_from_models_inner(
    pipeline: &Pipeline<'_>,
    models: ChannelModels<'_>,
    options: &PublishOptions,
) -> Result<CreatedChannel, ChannelError> {
    let (client, store, profile) = (pipeline.client, pipeline.store, pipeline.profile);
    let ChannelModels {
        configuration,
        mut deployment,
        routing,
    } = models;
    let requests_before = client.api_requests();
    let run = Run::new(options, pipeline.cancel, pipeline.report);
    run.emit(Stage::WritingDraft, "creating the configuration", None);
    let created = client.configurations().create(&configuration).await?;
    let configuration_id = created.id.clone().unwrap_or_default();
    log_action(
        store,
        profile,
        LocalActionKind::Create,
        AuditedEntity::Configuration,
        &configuration_id,
        Some(&configuration.name),
        serde_json::json!({}),
    );
    let unfinished = |outcome: PublishOutcome, warnings: Vec<String>| CreatedChannel {
        configuration_id: configuration_id.clone(),
        deployment_id: None,
        version: None,
        status: "NotDeployed".into(),
        outcome,
        queue: routing(""),
        warnings,
        requests: client.api_requests() - requests_before,
    };
    // Cancelled before there is a deployment (the window closing, Ctrl-C): a
    // configuration no deployment uses is half a channel, so it goes again.
    let ended = match wait_for_draft(&run, client, &configuration_id).await? {
        Some(ended) => Some(ended),
        None if run.cancelled() => Some(PublishOutcome::Cancelled {
            stage: Stage::Publishing,
        }),
        None => None,
    };
    if let Some(ended) = ended {
        let mut warnings = Vec::new();
        if matches!(ended, PublishOutcome::Cancelled { .. }) {
            warnings
                .push(remove_undeployed(pipeline, &configuration_id, &configuration.name).await);
        }
        return Ok(unfinished(ended, warnings));
    }
    run.emit(Stage::Publishing, "publishing version 1", None);
    let published = client.configurations().publish(&configuration_id).await?;
    let version = published.version.clone().unwrap_or_else(|| "1".into());
    log_action(
        store,
        profile,
        LocalActionKind::Publish,
        AuditedEntity::ConfigurationVersion,
        &configuration_id,
        Some(&configuration.name),
        serde_json::json!({"version": version}),
    );

    run.emit(Stage::UpdatingDeployment, "creating the deployment", None);
    deployment.configuration = Some(DeploymentConfigurationRef {
        id: Some(configuration_id.clone()),
        version: Some(version.clone()),
        ..Default::default()
    });
    let created_deployment = client.deployments().create(&deployment).await?;
    let deployment_id = created_deployment.id.clone().unwrap_or_default();
    let routing = routing(&deployment_id);
    store.save_routing(&routing)?;
    log_action(
        store,
        profile,
        LocalActionKind::Create,
        AuditedEntity::Deployment,
        &deployment_id,
        Some(&deployment.name),
        serde_json::json!({"flow": routing.primary_flow_name, "queue": routing.primary_queue_name}),
    );

    let outcome = if options.wait_for_deployment {
        deployment_settled(&run, client, store, &deployment_id, Some(version.clone())).await?
    } else {
        PublishOutcome::Submitted {
            version: version.clone(),
        }
    };
    let status = match &outcome {
        PublishOutcome::Active { .. } => "Active".to_string(),
        PublishOutcome::Error { .. } => "Error".to_string(),
        PublishOutcome::TimedOut { last_status, .. } => {
            last_status.clone().unwrap_or_else(|| "Pending".into())
        }
        PublishOutcome::Cancelled { .. } | PublishOutcome::Submitted { .. } => {
            "Pending".to_string()
        }
    };
    Ok(CreatedChannel {
        configuration_id,
        deployment_id: Some(deployment_id),
        version: Some(version),
        status,
        outcome,
        queue: routing,
        warnings: Vec::new(),
        requests: client.api_requests() - requests_before,
    })
}

/// Deletes a configuration a cancelled create left without a deployment; says what
/// happened, for the report's warnings.
async fn remove_undeployed(pipeline: &Pipeline<'_>, configuration_id: &str, name: &str) -> String {
    match pipeline.client.configurations().delete(configuration_id).await {
        Ok(()) => {
            log_action(
                pipeline.store,
                pipeline.profile,
                LocalActionKind::Delete,
                AuditedEntity::Configuration,
                configuration_id,
                Some(name),
                serde_json::json!({"reason": "create cancelled before its deployment"}),
            );
            format!("cancelled before its deployment was created; the configuration {configuration_id} was removed again")
        }
        Err(error) => format!(
            "cancelled before its deployment was created; the configuration {configuration_id} could not be removed ({error}): delete it or publish it with a deployment"
        ),
    }
}

/// Draft and published versions, newest first.
pub async fn versions(
    client: &Client,
    configuration_id: &str,
) -> Result<Vec<WebDeploymentConfigurationVersion>, ChannelError> {
    let mut versions = client.configurations().versions(configuration_id).await?;
    versions.sort_by_key(|v| std::cmp::Reverse(v.version_number().unwrap_or(u64::MAX)));
    Ok(versions)
}

/// Publishes an earlier version's content as a new version and moves the deployment to it.
pub async fn rollback(
    pipeline: &Pipeline<'_>,
    deployment_id: &str,
    to_version: &str,
    options: &PublishOptions,
) -> Result<PublishOutcome, ChannelError> {
    // Boxed: the pipeline's state is large and callers should not carry it inline.
    Box::pin(rollback_inner(pipeline, deployment_id, to_version, options)).await
}

async fn rollback_inner(
    pipeline: &Pipeline<'_>,
    deployment_id: &str,
    to_version: &str,
    options: &PublishOptions,
) -> Result<PublishOutcome, ChannelError> {
    let (client, store, profile) = (pipeline.client, pipeline.store, pipeline.profile);
    let deployment = client.deployments().get(deployment_id).await?;
    let configuration_id = deployment.configuration_id();
    let earlier = client
        .configurations()
        .version(&configuration_id, to_version)
        .await?;
    let request = super::PublishRequest {
        configuration_id: configuration_id.clone(),
        deployment_id: deployment_id.to_string(),
        draft: Some(earlier.writable()),
    };
    let outcome = super::publish_channel(pipeline, request, options).await?;
    log_action(
        store,
        profile,
        LocalActionKind::Rollback,
        AuditedEntity::Deployment,
        deployment_id,
        Some(&deployment.name),
        serde_json::json!({"toContentOf": to_version, "outcome": outcome}),
    );
    Ok(outcome)
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeletedChannel {
    /// The export saved before anything was deleted, when one was.
    pub snapshot: Option<PathBuf>,
    pub deployment_id: String,
    pub configuration_id: String,
    pub configuration_deleted: bool,
    /// Seconds the deployment stayed `Deleting` before it was gone.
    pub waited_seconds: u64,
}

/// Which channel to delete and how long to wait for Genesys to finish.
#[derive(Debug, Clone)]
pub struct DeleteRequest {
    pub deployment_id: String,
    /// The snapshot saved first, named in the local action log.
    pub snapshot: Option<PathBuf>,
    /// How long the deployment may stay `Deleting` (terraform waits 30 s).
    pub wait: Duration,
    pub poll_every: Duration,
}

impl DeleteRequest {
    pub fn new(deployment_id: impl Into<String>) -> Self {
        DeleteRequest {
            deployment_id: deployment_id.into(),
            snapshot: None,
            wait: Duration::from_secs(60),
            poll_every: Duration::from_secs(1),
        }
    }
}

/// A step of a delete, for progress lines.
#[derive(Debug, Clone)]
pub struct DeleteProgress {
    /// `snapshot`, `deployment`, `deleting` or `configuration`.
    pub stage: &'static str,
    pub message: String,
}

/// Deletes the deployment, waits (bounded) until Genesys has really removed it, and then
/// deletes its configuration (every version) when nothing else uses it. A deployment
/// DELETE answers 204 at once and the deployment stays `Deleting` for a while; deleting
/// the configuration before it is gone is refused, so checking at once would leave the
/// configuration orphaned.
pub async fn delete_channel(
    client: &Client,
    store: &Store,
    profile: &str,
    request: &DeleteRequest,
    report: &(dyn Fn(DeleteProgress) + Send + Sync),
) -> Result<DeletedChannel, ChannelError> {
    let deployment_id = request.deployment_id.as_str();
    let deployment = client.deployments().get(deployment_id).await?;
    let configuration_id = deployment.configuration_id();
    let configuration_name = deployment
        .configuration
        .as_ref()
        .and_then(|c| c.name.clone());
    let log_details = serde_json::json!({"snapshot": request.snapshot});
    client.deployments().delete(deployment_id).await?;
    report(DeleteProgress {
        stage: "deployment",
        message: format!("deleting deployment {deployment_id}"),
    });
    log_action(
        store,
        profile,
        LocalActionKind::Delete,
        AuditedEntity::Deployment,
        deployment_id,
        Some(&deployment.name),
        log_details.clone(),
    );
    let started = tokio::time::Instant::now();
    let left_behind = |last_status: String| ChannelError::DeleteIncomplete {
        deployment_id: deployment_id.to_string(),
        configuration_id: configuration_id.clone(),
        last_status,
        waited_seconds: started.elapsed().as_secs(),
    };
    if let Some(last_status) = wait_until_gone(client, request, started, report).await? {
        return Err(left_behind(last_status));
    }
    let still_used = client.deployments().list_all().await?.iter().any(|d| {
        d.configuration.as_ref().and_then(|c| c.id.as_deref()) == Some(configuration_id.as_str())
    });
    if !still_used {
        report(DeleteProgress {
            stage: "configuration",
            message: format!("deleting configuration {configuration_id}"),
        });
        client.configurations().delete(&configuration_id).await?;
        log_action(
            store,
            profile,
            LocalActionKind::Delete,
            AuditedEntity::Configuration,
            &configuration_id,
            configuration_name.as_deref(),
            log_details,
        );
    }
    Ok(DeletedChannel {
        snapshot: request.snapshot.clone(),
        deployment_id: deployment_id.into(),
        configuration_id,
        configuration_deleted: !still_used,
        waited_seconds: started.elapsed().as_secs(),
    })
}

/// Polls the deployment until it 404s; `Some(last status)` when the bound ran out first.
async fn wait_until_gone(
    client: &Client,
    request: &DeleteRequest,
    started: tokio::time::Instant,
    report: &(dyn Fn(DeleteProgress) + Send + Sync),
) -> Result<Option<String>, ChannelError> {
    loop {
        let status = match client.deployments().get(&request.deployment_id).await {
            Ok(deployment) => deployment
                .status
                .map(|s| s.to_string())
                .unwrap_or_else(|| "unknown".into()),
            Err(error) if error.is_not_found() => return Ok(None),
            Err(error) => return Err(error.into()),
        };
        let waited = started.elapsed();
        if waited + request.poll_every > request.wait {
            return Ok(Some(status));
        }
        report(DeleteProgress {
            stage: "deleting",
            message: format!(
                "deployment {} is {status} ({} s)",
                request.deployment_id,
                waited.as_secs()
            ),
        });
        tokio::time::sleep(request.poll_every).await;
    }
}
