//! Importing an exported channel into any profile: check it, map its flows and queue by
//! name onto the target org, then create and publish it.

use crate::store::{AuditedEntity, LocalActionKind};
use serde::Serialize;

use crate::channel::{
    pick_flow, resolve_queue, ChannelError, ChannelModels, Pipeline, PublishOptions, PublishOutcome,
};
use crate::genesys::models::{DeploymentConfigurationRef, DeploymentFlowRef};
use crate::genesys::Client;
use crate::validate::{check_configuration, check_deployment};

use super::ChannelDocument;

/// How one entity of the file was matched in the target org.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Mapping {
    pub kind: String,
    pub role: String,
    pub name: String,
    pub from_id: Option<String>,
    pub to_id: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportReport {
    pub configuration_id: String,
    pub deployment_id: Option<String>,
    pub version: Option<String>,
    pub status: String,
    pub outcome: PublishOutcome,
    pub mapping: Vec<Mapping>,
    pub warnings: Vec<String>,
}

/// Checks the document and maps its routing without writing anything.
pub async fn plan_import(
    client: &Client,
    document: &ChannelDocument,
) -> Result<(Vec<Mapping>, Vec<String>), ChannelError> {
    let mut configuration = document.configuration.writable();
    let mut deployment = document.deployment.writable();
    let mut report = check_configuration(&mut configuration);
    report.merge(check_deployment(&mut deployment));
    if !report.is_valid() {
        return Err(ChannelError::Invalid(report.errors));
    }
    let flows = client.flows().list_inbound_message_flows().await?;
    let mut mapping = Vec::new();
    for routed in &document.routing.flows {
        let name = routed.name.clone().ok_or_else(|| {
            ChannelError::File(format!(
                "the {} flow in the file has no name to match by",
                routed.role
            ))
        })?;
        let target = pick_flow(&flows, &name)?;
        mapping.push(Mapping {
            kind: "flow".into(),
            role: routed.role.clone(),
            name,
            from_id: routed.id.clone(),
            to_id: target.id.unwrap_or_default(),
        });
    }
    for routed in &document.routing.queues {
        let name = routed.name.clone().ok_or_else(|| {
            ChannelError::File(format!(
                "the {} queue in the file has no name to match by",
                routed.role
            ))
        })?;
        let target = resolve_queue(client, &name).await?;
        mapping.push(Mapping {
            kind: "queue".into(),
            role: routed.role.clone(),
            name,
            from_id: routed.id.clone(),
            to_id: target.id.unwrap_or_default(),
        });
    }
    Ok((mapping, report.warnings))
}

/// Creates the document's channel in the pipeline's org.
pub async fn import_channel(
    pipeline: &Pipeline<'_>,
    document: &ChannelDocument,
    options: &PublishOptions,
) -> Result<ImportReport, ChannelError> {
    // Boxed: the pipeline's state is large and callers should not carry it inline.
    Box::pin(import_channel_inner(pipeline, document, options)).await
}

async fn import_channel_inner(
    pipeline: &Pipeline<'_>,
    document: &ChannelDocument,
    options: &PublishOptions,
) -> Result<ImportReport, ChannelError> {
    let (client, store, profile) = (pipeline.client, pipeline.store, pipeline.profile);
    let (mapping, warnings) = plan_import(client, document).await?;
    let mapped = |kind: &str, role: &str| mapping.iter().find(|m| m.kind == kind && m.role == role);
    // `plan_import` checked normalised copies; what is written is exactly what the file
    // holds (a `#7A1FA2` stays `#7A1FA2`).
    let configuration = document.configuration.writable();
    let mut deployment = document.deployment.writable();
    deployment.configuration = Some(DeploymentConfigurationRef::default());
    deployment.supported_content = None;
    deployment.flow = mapped("flow", "primary").map(|m| DeploymentFlowRef {
        id: Some(m.to_id.clone()),
        ..Default::default()
    });
    let routing = |deployment_id: &str| crate::store::ChannelRouting {
        deployment_id: deployment_id.to_string(),
        primary_queue_id: mapped("queue", "primary").map(|m| m.to_id.clone()),
        primary_queue_name: mapped("queue", "primary").map(|m| m.name.clone()),
        primary_flow_id: mapped("flow", "primary").map(|m| m.to_id.clone()),
        primary_flow_name: mapped("flow", "primary").map(|m| m.name.clone()),
        fallback_flow_id: mapped("flow", "fallback").map(|m| m.to_id.clone()),
        fallback_flow_name: mapped("flow", "fallback").map(|m| m.name.clone()),
    };
    let models = ChannelModels::checked(configuration, deployment, &routing)
        .map_err(|report| ChannelError::Invalid(report.errors))?;
    let created = crate::channel::create_from_models(pipeline, models, options).await?;
    crate::channel::log_action(
        store,
        profile,
        LocalActionKind::Import,
        AuditedEntity::Deployment,
        created.deployment_id.as_deref().unwrap_or_default(),
        Some(&document.deployment.name),
        serde_json::json!({"sourceDeployment": document.deployment.id, "source": document.source, "mapping": mapping}),
    );
    Ok(ImportReport {
        configuration_id: created.configuration_id,
        deployment_id: created.deployment_id,
        version: created.version,
        status: created.status,
        outcome: created.outcome,
        mapping,
        warnings,
    })
}
