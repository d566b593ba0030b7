//! Channels as the window sees them: the list, the editor's form and checks, publishing
//! with progress, versions, export/import and metrics.

use std::path::Path;

use serde::Serialize;

use crate::channel::{
    self, ChannelInput, CreatedChannel, DeletedChannel, DeploymentChanges, Progress,
    PublishOptions, PublishOutcome,
};
use crate::genesys::models::WebDeploymentConfigurationVersion;
use crate::metrics::{self, EngagementMetrics, Period, TimelineEntry, Uptime};
use crate::overview::{self, NamedItem, Overview};
use crate::store::ChannelRouting;
use crate::transfer::{self, Difference, ImportReport, Mapping, VersionDiffs};
use crate::validate::{CheckReport, SUPPORTED_LANGUAGES};

use super::{Result, Workspace, WorkspaceError};

/// The editor's pickers.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EditorOptions {
    pub queues: Vec<NamedItem>,
    pub flows: Vec<NamedItem>,
    pub languages: Vec<&'static str>,
}

/// What the editor shows as the admin types.
pub type CheckView = CheckReport;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionRow {
    pub version: String,
    pub is_draft: bool,
    pub status: Option<String>,
    pub date_published: Option<String>,
    pub date_modified: Option<String>,
    pub live: bool,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
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

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportResult {
    pub path: String,
    pub bytes: u64,
    pub channel: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportPlan {
    pub path: String,
    pub channel: String,
    pub exported_at: Option<String>,
    pub exported_from: Option<String>,
    pub mapping: Vec<Mapping>,
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MetricsView {
    pub engagement: EngagementMetrics,
    pub uptime: Option<Uptime>,
    pub timeline: Vec<TimelineEntry>,
}

fn file_error(reason: String) -> WorkspaceError {
    WorkspaceError::new("file", reason)
}

impl Workspace {
    pub async fn channels(&self) -> Result<Overview> {
        let session = self.session();
        Ok(overview::load(&session.client, &session.profile).await?)
    }

    pub async fn editor_options(&self) -> Result<EditorOptions> {
        let (queues, flows) = self.queue_and_flow_choices().await?;
        Ok(EditorOptions {
            queues,
            flows,
            languages: SUPPORTED_LANGUAGES.to_vec(),
        })
    }

    /// The queues and inbound message flows a channel can be routed to, by name.
    pub(super) async fn queue_and_flow_choices(&self) -> Result<(Vec<NamedItem>, Vec<NamedItem>)> {
        let client = &self.session().client;
        let (queue_api, flow_api) = (client.queues(), client.flows());
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

    /// The same checks the CLI runs, without a request.
    pub fn check_channel(input: &ChannelInput) -> CheckView {
        input.check().0
    }

    pub async fn channel_detail(&self, deployment_id: &str) -> Result<ChannelDetail> {
        let client = &self.session().client;
        let deployment = client.deployments().get(deployment_id).await?;
        let configuration_id = deployment.configuration_id();
        let live_version = deployment
            .configuration
            .as_ref()
            .and_then(|c| c.version.clone());
        let versions = channel::versions(client, &configuration_id).await?;
        let draft = versions
            .iter()
            .find(|v| v.is_draft())
            .cloned()
            .unwrap_or_default();
        let routing = self.store.routing(deployment_id)?;
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

    pub async fn create_channel(
        &self,
        input: &ChannelInput,
        operation: &str,
        report: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<CreatedChannel> {
        let session = self.session();
        let guard = self.begin_operation(operation);
        Ok(channel::create_channel(
            &session.client,
            &self.store,
            &session.profile,
            input,
            &PublishOptions::default(),
            &guard.token,
            report,
        )
        .await?)
    }

    /// Writes the editor's settings into the channel's draft (keeping what the editor does
    /// not show) and returns what publishing it would change.
    pub async fn save_draft(
        &self,
        deployment_id: &str,
        input: &ChannelInput,
    ) -> Result<VersionDiffs> {
        // Boxed: the draft and the versions it is compared with make a large future.
        Box::pin(self.save_draft_inner(deployment_id, input)).await
    }

    async fn save_draft_inner(
        &self,
        deployment_id: &str,
        input: &ChannelInput,
    ) -> Result<VersionDiffs> {
        let (report, edited, _) = input.check();
        if !report.is_valid() {
            return Err(channel::ChannelError::Invalid(report.errors).into());
        }
        let client = &self.session().client;
        let configuration_id = self.configuration_of(deployment_id).await?;
        let current = client.configurations().draft(&configuration_id).await?;
        let merged = merged_draft(&current, &edited)?;
        client
            .configurations()
            .update_draft(&configuration_id, &merged)
            .await?;
        Ok(transfer::version_diffs(client, deployment_id).await?)
    }

    /// What publishing the current draft would change, and what the site runs.
    pub async fn publish_preview(&self, deployment_id: &str) -> Result<VersionDiffs> {
        Ok(transfer::version_diffs(&self.session().client, deployment_id).await?)
    }

    async fn configuration_of(&self, deployment_id: &str) -> Result<String> {
        let deployment = self
            .session()
            .client
            .deployments()
            .get(deployment_id)
            .await?;
        deployment
            .configuration
            .and_then(|c| c.id)
            .ok_or_else(|| WorkspaceError::new("not.found", "the deployment has no configuration"))
    }

    /// Publishes the channel's draft; with the editor's input, its domains are applied in
    /// the same deployment update.
    pub async fn publish(
        &self,
        deployment_id: &str,
        input: Option<&ChannelInput>,
        operation: &str,
        report: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<PublishOutcome> {
        let session = self.session();
        let guard = self.begin_operation(operation);
        let configuration_id = self.configuration_of(deployment_id).await?;
        let options = PublishOptions {
            deployment_changes: input.map(|input| DeploymentChanges {
                allow_all_domains: input.allow_all_domains,
                allowed_domains: input.domains.clone(),
            }),
            ..PublishOptions::default()
        };
        let outcome = channel::publish_channel(
            &session.client,
            &self.store,
            &configuration_id,
            deployment_id,
            None,
            &options,
            &guard.token,
            report,
        )
        .await?;
        channel::log_action(
            &self.store,
            &session.profile,
            "Publish",
            "deployment",
            deployment_id,
            None,
            serde_json::json!({"outcome": outcome}),
        );
        Ok(outcome)
    }

    pub async fn rollback(
        &self,
        deployment_id: &str,
        to_version: &str,
        operation: &str,
        report: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<PublishOutcome> {
        let session = self.session();
        let guard = self.begin_operation(operation);
        Ok(channel::rollback(
            &session.client,
            &self.store,
            &session.profile,
            deployment_id,
            to_version,
            &PublishOptions::default(),
            &guard.token,
            report,
        )
        .await?)
    }

    /// Deletes a channel after saving a snapshot of it next to the history database.
    pub async fn delete_channel(&self, deployment_id: &str) -> Result<DeletedChannel> {
        let session = self.session();
        let request = channel::DeleteRequest::new(deployment_id, &self.snapshot_dir);
        Ok(channel::delete_channel(
            &session.client,
            &self.store,
            &session.profile,
            &request,
            &|step| tracing::info!(stage = step.stage, "{}", step.message),
        )
        .await?)
    }

    pub async fn export_channel(&self, deployment_id: &str, path: &Path) -> Result<ExportResult> {
        let client = &self.session().client;
        let document = transfer::export_channel(client, &self.store, deployment_id).await?;
        transfer::write_document(path, &document).map_err(file_error)?;
        Ok(ExportResult {
            path: path.display().to_string(),
            bytes: std::fs::metadata(path).map(|m| m.len()).unwrap_or(0),
            channel: document.deployment.name.clone(),
        })
    }

    /// Reads a file and maps its queues and flows onto the open org, writing nothing.
    pub async fn plan_import(&self, path: &Path) -> Result<ImportPlan> {
        let document = transfer::read_document(path).map_err(file_error)?;
        let (mapping, warnings) = transfer::plan_import(&self.session().client, &document).await?;
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
            mapping,
            warnings,
        })
    }

    pub async fn import_channel(
        &self,
        path: &Path,
        operation: &str,
        report: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<ImportReport> {
        let session = self.session();
        let document = transfer::read_document(path).map_err(file_error)?;
        let guard = self.begin_operation(operation);
        Ok(transfer::import_channel(
            &session.client,
            &self.store,
            &session.profile,
            &document,
            &PublishOptions::default(),
            &guard.token,
            report,
        )
        .await?)
    }

    /// Differences between a file and what is live for a deployment.
    pub async fn diff_file(&self, path: &Path, deployment_id: &str) -> Result<Vec<Difference>> {
        Ok(
            transfer::file_vs_live(&self.session().client, &self.store, path, deployment_id)
                .await?,
        )
    }

    /// Engagement over `since` (e.g. `24h`, `7d`), uptime and the change timeline, for one
    /// channel or, without one, the whole org's Web Messaging.
    pub async fn metrics(&self, deployment_id: Option<&str>, since: &str) -> Result<MetricsView> {
        let span = metrics::parse_span(since)
            .map_err(|reason| WorkspaceError::new("validation.failed", reason))?;
        let period = Period::last(span, chrono::Utc::now());
        let client = &self.session().client;
        let (engagement, uptime) =
            metrics::channel_metrics(client, &self.store, deployment_id, None, period).await?;
        let mut timeline =
            metrics::channel_timeline(client, &self.store, deployment_id, span).await?;
        timeline.reverse();
        Ok(MetricsView {
            engagement,
            uptime,
            timeline,
        })
    }
}

fn merged_draft(
    current: &WebDeploymentConfigurationVersion,
    edited: &WebDeploymentConfigurationVersion,
) -> Result<WebDeploymentConfigurationVersion> {
    channel::merge_onto(current, edited).map_err(|e| {
        WorkspaceError::new(
            "validation.failed",
            format!("could not merge the edit into the draft: {e}"),
        )
    })
}
