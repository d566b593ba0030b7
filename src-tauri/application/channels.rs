//! Channel use cases: check, create, edit, publish, roll back, delete, status and
//! versions, export (one or all), import (plan, then do), and diffs.

use crate::store::{AuditedEntity, LocalActionKind};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use crate::channel::{self, DeleteRequest, DeploymentChanges, PublishRequest};
use crate::genesys::models::{DeploymentStatus, WebDeploymentConfigurationVersion};
use crate::overview;
use crate::store::ChannelRouting;
use crate::transfer;
use crate::validate::{check_configuration, check_deployment, SUPPORTED_LANGUAGES};

pub use super::safety::Confirmation;
use super::safety::{self, GuardedChange};
use super::{AppError, ErrorCode, Operation, Result, Session};

pub use crate::channel::settings::{
    AuthenticationInput, CobrowseInput, JourneyInput, KnowledgeInput, SupportCenterInput,
};
pub use crate::channel::{
    ChannelInput, ConversationSettings, CreatedChannel, DeleteProgress, DeletedChannel, Progress,
    PublishOptions, PublishOutcome, Stage, ValidChannel,
};
pub use crate::overview::{ChannelSummary, NamedItem, Overview};
pub use crate::transfer::names::slug as file_slug;
pub use crate::transfer::{
    CarriedSetting, Difference, ExportAllOptions, ExportSummary, ImportReport, Mapping,
    VersionDiffs,
};
pub use crate::validate::{parse_uuid, CheckReport};

/// A JSON file a user named (a channel description, a partial configuration), read
/// bounded: at most [`transfer::MAX_DOCUMENT_BYTES`], and only a regular file.
pub fn read_json_file(path: &Path) -> Result<serde_json::Value> {
    let bytes =
        transfer::read_bounded(path, transfer::MAX_DOCUMENT_BYTES).map_err(AppError::file)?;
    serde_json::from_slice(&bytes)
        .map_err(|e| AppError::invalid(format!("{} is not JSON: {e}", path.display())))
}

/// The checks every front end shows, run before any request.
pub fn check(input: &ChannelInput) -> CheckReport {
    input.report()
}

/// The channel once every check passes; otherwise the same problems [`check`] lists.
pub fn parse(input: &ChannelInput) -> Result<ValidChannel> {
    input
        .parse()
        .map_err(|report| channel::ChannelError::Invalid(report.errors).into())
}

/// Checks a file: an exported channel (it has `schemaVersion`) or a JSON channel
/// description with the same fields as the command-line flags.
pub fn check_file(path: &Path) -> Result<CheckReport> {
    let value = read_json_file(path)?;
    if value.get("schemaVersion").is_some() {
        let document = transfer::read_document(path).map_err(AppError::invalid)?;
        let mut configuration = document.configuration.writable();
        let mut deployment = document.deployment.writable();
        let mut report = check_configuration(&mut configuration);
        report.merge(check_deployment(&mut deployment));
        report.lints = crate::validate::lint_channel(&configuration, Some(&deployment), false);
        return Ok(report);
    }
    let input: ChannelInput = serde_json::from_value(value).map_err(|e| {
        AppError::invalid(format!(
            "{} is not a channel description: {e}",
            path.display()
        ))
    })?;
    Ok(check(&input))
}

/// Every channel of the org with its status and live version.
pub async fn overview(session: &Session) -> Result<Overview> {
    Ok(overview::load(&session.client, &session.profile).await?)
}

/// The editor's pickers.
#[derive(Debug, Clone)]
pub struct EditorOptions {
    pub queues: Vec<NamedItem>,
    pub flows: Vec<NamedItem>,
    pub languages: Vec<&'static str>,
    /// Supported content profiles, with the media types visitors may send; `None` when
    /// the profile may not list them (the editor then takes an id).
    pub supported_content: Option<Vec<ContentProfile>>,
    pub knowledge_bases: Option<Vec<NamedItem>>,
    /// Integrations (the login integration of Messenger authentication is one).
    pub integrations: Option<Vec<NamedItem>>,
    /// The label keys a language may carry.
    pub label_keys: Vec<&'static str>,
}

/// A supported content profile as the editor offers it.
#[derive(Debug, Clone)]
pub struct ContentProfile {
    pub id: String,
    pub name: String,
    pub inbound: Vec<String>,
}

/// The id of the supported content profile named `name_or_id` (a name or an id).
pub async fn supported_content_id(session: &Session, name_or_id: &str) -> Result<String> {
    let wanted = name_or_id.trim();
    let profiles = session.client.catalog().supported_content().await?;
    let found: Vec<_> = profiles
        .iter()
        .filter(|p| p.id.as_deref() == Some(wanted) || p.name.as_deref() == Some(wanted))
        .filter_map(|p| p.id.clone())
        .collect();
    match found.as_slice() {
        [id] => Ok(id.clone()),
        [] => Err(AppError::new(
            ErrorCode::NotFound,
            format!(
                "no supported content profile is named `{wanted}`; the org has: {}",
                profiles
                    .iter()
                    .filter_map(|p| p.name.as_deref())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
        _ => Err(AppError::invalid(format!(
            "{} supported content profiles are named `{wanted}`; give the id",
            found.len()
        ))),
    }
}

/// A listing the caller may not be allowed to read: a 403 or 404 leaves the picker out.
pub(super) fn optional_listing<T>(
    listing: std::result::Result<Vec<T>, crate::genesys::Error>,
) -> Result<Option<Vec<T>>> {
    match listing {
        Ok(items) => Ok(Some(items)),
        Err(error) if matches!(error.status(), Some(403 | 404)) => Ok(None),
        Err(error) => Err(error.into()),
    }
}

/// The queues and inbound message flows a channel can be routed to, by name.
pub async fn routing_choices(session: &Session) -> Result<(Vec<NamedItem>, Vec<NamedItem>)> {
    let (queue_api, flow_api) = (session.client.queues(), session.client.flows());
    let (queues, flows) = tokio::try_join!(
        queue_api.list_all(None),
        flow_api.list_inbound_message_flows()
    )?;
    Ok((
        queues
            .into_iter()
            .filter_map(|q| NamedItem::of(q.id, q.name))
            .collect(),
        flows
            .into_iter()
            .filter_map(|f| NamedItem::of(f.id, f.name))
            .collect(),
    ))
}

pub async fn editor_options(session: &Session) -> Result<EditorOptions> {
    let catalog = session.client.catalog();
    let (routing, profiles, bases, integrations) = tokio::join!(
        routing_choices(session),
        catalog.supported_content(),
        catalog.knowledge_bases(),
        catalog.integrations()
    );
    let (queues, flows) = routing?;
    let named = |id, name| NamedItem::of(id, name);
    Ok(EditorOptions {
        queues,
        flows,
        languages: SUPPORTED_LANGUAGES.to_vec(),
        supported_content: optional_listing(profiles)?.map(|profiles| {
            profiles
                .into_iter()
                .filter_map(|profile| {
                    let inbound = profile.inbound_types();
                    Some(ContentProfile {
                        id: profile.id?,
                        name: profile.name.unwrap_or_default(),
                        inbound,
                    })
                })
                .collect()
        }),
        knowledge_bases: optional_listing(bases)?.map(|bases| {
            bases
                .into_iter()
                .filter_map(|b| named(b.id, b.name))
                .collect()
        }),
        integrations: optional_listing(integrations)?.map(|integrations| {
            integrations
                .into_iter()
                .filter_map(|i| named(i.id, i.name))
                .collect()
        }),
        label_keys: crate::genesys::models::LabelKey::KNOWN.to_vec(),
    })
}

/// A checked channel to create and how long to wait for it.
#[derive(Debug, Clone)]
pub struct CreateChannel {
    pub channel: ValidChannel,
    pub options: PublishOptions,
    pub confirmation: Confirmation,
}

pub async fn create(operation: &Operation<'_>, request: &CreateChannel) -> Result<CreatedChannel> {
    if operation.session.production {
        safety::check_name(
            &operation.session.profile,
            &request.channel.deployment().name,
            GuardedChange::Create,
            &request.confirmation,
        )?;
    }
    Ok(channel::create_channel(&operation.pipeline(), &request.channel, &request.options).await?)
}

/// The configuration a deployment serves.
pub async fn configuration_of(session: &Session, deployment_id: &str) -> Result<String> {
    let deployment = session.client.deployments().get(deployment_id).await?;
    deployment.configuration.and_then(|c| c.id).ok_or_else(|| {
        AppError::new(
            ErrorCode::NotFound,
            format!("deployment {deployment_id} has no configuration"),
        )
    })
}

/// A publish of a channel's draft; with the editor's input, its domains are applied in
/// the same deployment update (one Pending phase, not two).
#[derive(Debug, Clone)]
pub struct PublishChannel {
    pub deployment_id: String,
    pub edits: Option<ChannelInput>,
    /// A supported content profile (name or id) to move the deployment to.
    pub supported_content: Option<String>,
    pub options: PublishOptions,
    pub confirmation: Confirmation,
}

pub async fn publish(
    operation: &Operation<'_>,
    request: &PublishChannel,
) -> Result<PublishOutcome> {
    let session = operation.session;
    let deployment = session
        .client
        .deployments()
        .get(&request.deployment_id)
        .await?;
    if session.production {
        safety::check_name(
            &session.profile,
            &deployment.name,
            GuardedChange::Publish,
            &request.confirmation,
        )?;
    }
    let configuration_id = deployment.configuration_id();
    let mut options = request.options.clone();
    if let Some(input) = &request.edits {
        options.deployment_changes = Some(DeploymentChanges {
            domains: Some((input.allow_all_domains, input.domains.clone())),
            supported_content: input.supported_content.clone(),
            flow: None,
        });
    }
    if let Some(profile) = &request.supported_content {
        let changes = options
            .deployment_changes
            .get_or_insert_with(Default::default);
        changes.supported_content = Some(supported_content_id(session, profile).await?);
    }
    let publish = PublishRequest {
        configuration_id,
        deployment_id: request.deployment_id.clone(),
        draft: None,
    };
    let outcome = channel::publish_channel(&operation.pipeline(), publish, &options).await?;
    channel::log_action(
        &session.store,
        &session.profile,
        LocalActionKind::Publish,
        AuditedEntity::Deployment,
        &request.deployment_id,
        Some(&deployment.name),
        serde_json::json!({"outcome": outcome}),
    );
    Ok(outcome)
}

#[derive(Debug, Clone)]
pub struct Rollback {
    pub deployment_id: String,
    pub to_version: String,
    pub options: PublishOptions,
    pub confirmation: Confirmation,
}

pub async fn rollback(operation: &Operation<'_>, request: &Rollback) -> Result<PublishOutcome> {
    safety::check(
        operation.session,
        &request.deployment_id,
        GuardedChange::Rollback,
        &request.confirmation,
    )
    .await?;
    Ok(channel::rollback(
        &operation.pipeline(),
        &request.deployment_id,
        &request.to_version,
        &request.options,
    )
    .await?)
}

/// Writes what the user changed in the editor into the channel's draft and returns what
/// publishing it would change. Only the changed settings are written: the form as it
/// reads the current draft is compared with the form as edited, and every other value of
/// the draft (settings the form does not show, fields this version does not know) stays
/// exactly as it was. No change writes nothing.
pub async fn save_draft(
    session: &Session,
    deployment_id: &str,
    input: &ChannelInput,
) -> Result<VersionDiffs> {
    parse(input)?;
    let deployment = session.client.deployments().get(deployment_id).await?;
    let configuration_id = deployment.configuration_id();
    let configurations = session.client.configurations();
    let current = configurations.draft(&configuration_id).await?;
    let routing = session.store.routing(deployment_id)?;
    let before = ChannelInput::from_models(&current, &deployment, routing.as_ref());
    let patch = channel::edit_patch(&before, input);
    if !patch.is_empty() {
        let edited = channel::apply_patch(&current, &patch)
            .map_err(|error| AppError::invalid(error.to_string()))?;
        configurations
            .update_draft(&configuration_id, &edited)
            .await?;
    }
    preview(session, deployment_id).await
}

/// What publishing the current draft would change, and what the site runs.
pub async fn preview(session: &Session, deployment_id: &str) -> Result<VersionDiffs> {
    Ok(transfer::version_diffs(&session.client, deployment_id).await?)
}

/// A delete: a snapshot export is saved in `snapshot_dir` first.
#[derive(Debug, Clone)]
pub struct DeleteChannel {
    pub deployment_id: String,
    pub snapshot_dir: PathBuf,
    /// How long the deployment may stay `Deleting` before the configuration is left.
    pub wait: Duration,
    pub confirmation: Confirmation,
}

pub async fn delete(
    session: &Session,
    request: &DeleteChannel,
    report: &(dyn Fn(DeleteProgress) + Send + Sync),
) -> Result<DeletedChannel> {
    // The id names the snapshot file too: only a UUID may.
    let deployment_id =
        crate::validate::parse_uuid(&request.deployment_id).map_err(AppError::invalid)?;
    safety::check(
        session,
        &request.deployment_id,
        GuardedChange::Delete,
        &request.confirmation,
    )
    .await?;
    let document =
        transfer::export_channel(&session.client, &session.store, &request.deployment_id).await?;
    let snapshot = transfer::names::inside(
        &request.snapshot_dir,
        &format!(
            "{deployment_id}-{}.json",
            chrono::Utc::now().format("%Y%m%dT%H%M%SZ")
        ),
    )
    .map_err(AppError::file)?;
    transfer::write_document(&snapshot, &document).map_err(AppError::file)?;
    report(DeleteProgress {
        stage: "snapshot",
        message: format!("snapshot saved to {}", snapshot.display()),
    });
    let mut delete = DeleteRequest::new(request.deployment_id.clone());
    delete.snapshot = Some(snapshot);
    delete.wait = request.wait;
    Ok(channel::delete_channel(
        &session.client,
        &session.store,
        &session.profile,
        &delete,
        report,
    )
    .await?)
}

/// A deployment's status, versions and what the Messenger loads.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChannelStatus {
    pub deployment_id: String,
    pub name: String,
    pub status: Option<DeploymentStatus>,
    pub configuration_version: Option<String>,
    pub live_version: Option<String>,
    pub flow: Option<String>,
    pub allowed_domains: Option<Vec<String>>,
    pub snippet: Option<String>,
}

pub async fn status(session: &Session, deployment_id: &str) -> Result<ChannelStatus> {
    let deployments = session.client.deployments();
    let found = deployments.get(deployment_id).await?;
    if let Some(status) = &found.status {
        session
            .store
            .record_status(deployment_id, session.client.now(), status.as_str())?;
    }
    let live = deployments.active_configuration(deployment_id).await?;
    Ok(ChannelStatus {
        deployment_id: deployment_id.to_string(),
        configuration_version: found.configuration.as_ref().and_then(|c| c.version.clone()),
        live_version: live.configuration_version.and_then(|v| v.version),
        flow: found.flow.as_ref().and_then(|f| f.name.clone()),
        name: found.name,
        status: found.status,
        allowed_domains: found.allowed_domains,
        snippet: found.snippet,
    })
}

/// Draft and published versions, newest first, and which one the deployment serves.
#[derive(Debug, Clone)]
pub struct VersionList {
    pub live: Option<String>,
    pub versions: Vec<WebDeploymentConfigurationVersion>,
}

pub async fn versions(session: &Session, deployment_id: &str) -> Result<VersionList> {
    let found = session.client.deployments().get(deployment_id).await?;
    let versions = channel::versions(&session.client, &found.configuration_id()).await?;
    Ok(VersionList {
        live: found.configuration.and_then(|c| c.version),
        versions,
    })
}

#[derive(Debug, Clone)]
pub struct VersionRow {
    pub version: String,
    pub is_draft: bool,
    pub status: Option<String>,
    pub date_published: Option<String>,
    pub date_modified: Option<String>,
    pub live: bool,
}

/// Everything the editor and the publish screen show of one channel.
#[derive(Debug, Clone)]
pub struct ChannelDetail {
    pub deployment_id: String,
    pub configuration_id: String,
    pub name: String,
    pub status: Option<String>,
    pub live_version: Option<String>,
    pub input: ChannelInput,
    pub versions: Vec<VersionRow>,
    pub routing: Option<ChannelRouting>,
    pub snippet: Option<String>,
}

pub async fn detail(session: &Session, deployment_id: &str) -> Result<ChannelDetail> {
    let deployment = session.client.deployments().get(deployment_id).await?;
    let configuration_id = deployment.configuration_id();
    let live_version = deployment
        .configuration
        .as_ref()
        .and_then(|c| c.version.clone());
    let versions = channel::versions(&session.client, &configuration_id).await?;
    let draft = versions
        .iter()
        .find(|v| v.is_draft())
        .cloned()
        .unwrap_or_default();
    let routing = session.store.routing(deployment_id)?;
    Ok(ChannelDetail {
        deployment_id: deployment_id.to_string(),
        configuration_id,
        name: deployment.name.clone(),
        status: deployment.status.as_ref().map(|s| s.to_string()),
        input: ChannelInput::from_models(&draft, &deployment, routing.as_ref()),
        versions: versions
            .iter()
            .map(|v| VersionRow {
                version: v.version.clone().unwrap_or_default(),
                is_draft: v.is_draft(),
                status: v.status.as_ref().map(|s| s.to_string()),
                date_published: v.date_published.clone(),
                date_modified: v.date_modified.clone(),
                live: !v.is_draft() && v.version == live_version,
            })
            .collect(),
        live_version,
        routing,
        snippet: deployment.snippet.clone(),
    })
}

#[derive(Debug, Clone)]
pub struct ExportResult {
    pub path: String,
    pub bytes: u64,
    pub channel: String,
    pub deployment_id: String,
    pub configuration_version: Option<String>,
}

/// Writes one channel to `path` (atomically: a crash leaves the old file or none).
pub async fn export(session: &Session, deployment_id: &str, path: &Path) -> Result<ExportResult> {
    let document = transfer::export_channel(&session.client, &session.store, deployment_id).await?;
    transfer::write_document(path, &document).map_err(AppError::file)?;
    Ok(ExportResult {
        path: path.display().to_string(),
        bytes: std::fs::metadata(path).map(|m| m.len()).unwrap_or(0),
        channel: document.deployment.name.clone(),
        deployment_id: deployment_id.to_string(),
        configuration_version: document.configuration.version.clone(),
    })
}

/// Every channel to a folder, paced to the rate budget.
pub async fn export_all(
    session: &Session,
    folder: &Path,
    options: &ExportAllOptions,
    progress: &(dyn Fn(usize, usize) + Send + Sync),
) -> Result<ExportSummary> {
    Ok(transfer::export_all(&session.client, &session.store, folder, options, progress).await?)
}

/// What an import would do, before it writes anything. It holds the document it was
/// made from, and [`import`] creates exactly that: the file is read once.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportPlan {
    pub path: String,
    pub channel: String,
    pub exported_at: Option<String>,
    pub exported_from: Option<String>,
    /// The profile whose org the mapping was made against.
    pub profile: String,
    pub mapping: Vec<Mapping>,
    pub warnings: Vec<String>,
    /// Which sites may load the channel: every site, or these domains.
    pub allow_all_domains: bool,
    pub domains: Vec<String>,
    /// Every setting the file carries that the channel editor does not show.
    pub carried: Vec<CarriedSetting>,
    #[serde(skip)]
    pub document: transfer::ChannelDocument,
}

/// Reads a file and maps its queues and flows onto the session's org, writing nothing.
pub async fn plan_import(session: &Session, path: &Path) -> Result<ImportPlan> {
    let document = transfer::read_document(path).map_err(AppError::file)?;
    let (mapping, warnings) = transfer::plan_import(&session.client, &document).await?;
    Ok(ImportPlan {
        path: path.display().to_string(),
        channel: document.deployment.name.clone(),
        exported_at: Some(document.exported_at.clone()),
        exported_from: Some(
            document
                .source
                .organization_name
                .clone()
                .unwrap_or_else(|| document.source.environment.clone()),
        ),
        profile: session.profile.clone(),
        mapping,
        warnings,
        allow_all_domains: document.deployment.allow_all_domains.unwrap_or(false),
        domains: document
            .deployment
            .allowed_domains
            .clone()
            .unwrap_or_default(),
        carried: transfer::carried_settings(&document),
        document,
    })
}

#[derive(Debug, Clone)]
pub struct ImportChannel {
    /// The plan the person saw; its document is what is created.
    pub plan: ImportPlan,
    pub options: PublishOptions,
    pub confirmation: Confirmation,
}

/// Creates the file's channel in the session's org, flows and queues matched by name.
pub async fn import(operation: &Operation<'_>, request: &ImportChannel) -> Result<ImportReport> {
    let plan = &request.plan;
    if operation.session.production {
        safety::check_name(
            &operation.session.profile,
            &plan.channel,
            GuardedChange::Import,
            &request.confirmation,
        )?;
    }
    if plan.profile != operation.session.profile {
        return Err(AppError::invalid(format!(
            "the import plan was made for the profile `{}`, not `{}`; plan it again for this org",
            plan.profile, operation.session.profile
        )));
    }
    Ok(transfer::import_channel(&operation.pipeline(), &plan.document, &request.options).await?)
}

/// Field-by-field differences between a file and what is live.
pub async fn diff_file(
    session: &Session,
    path: &Path,
    deployment_id: &str,
) -> Result<Vec<Difference>> {
    Ok(transfer::file_vs_live(&session.client, &session.store, path, deployment_id).await?)
}
