//! The channel list, the editor's pickers and a channel's page, publish progress and
//! exports.

use serde::Serialize;

use crate::application::channels::{self as domain, ChannelSummary, ContentProfile, VersionRow};
use crate::application::connection::RateBudget;
use crate::application::fallback::ChannelRouting;

use super::form::ChannelForm;
use super::{all, Named};

/// The first screen: which org, its queues and its channels.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Overview {
    pub profile: String,
    pub environment: String,
    pub is_sandbox: bool,
    pub organization: Option<String>,
    pub queues: Vec<Named>,
    pub channels: Vec<Channel>,
    pub unused_configurations: Vec<Named>,
    pub rate_budget: RateBudget,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Channel {
    pub deployment_id: String,
    pub name: String,
    pub status: String,
    pub configuration: String,
    pub configuration_version: String,
    pub last_published: Option<String>,
    pub flow: String,
}

impl From<domain::Overview> for Overview {
    fn from(overview: domain::Overview) -> Self {
        Overview {
            profile: overview.profile,
            environment: overview.environment,
            is_sandbox: overview.is_sandbox,
            organization: overview.organization,
            queues: all(&overview.queues),
            channels: all(&overview.channels),
            unused_configurations: all(&overview.unused_configurations),
            rate_budget: overview.rate_budget,
        }
    }
}

impl From<&ChannelSummary> for Channel {
    fn from(channel: &ChannelSummary) -> Self {
        Channel {
            deployment_id: channel.deployment_id.clone(),
            name: channel.name.clone(),
            status: channel.status.clone(),
            configuration: channel.configuration.clone(),
            configuration_version: channel.configuration_version.clone(),
            last_published: channel.last_published.clone(),
            flow: channel.flow.clone(),
        }
    }
}

/// The editor's pickers; a `None` list is one the profile may not read (the editor then
/// takes an id).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EditorOptions {
    pub queues: Vec<Named>,
    pub flows: Vec<Named>,
    pub languages: Vec<&'static str>,
    pub supported_content: Option<Vec<SupportedContent>>,
    pub knowledge_bases: Option<Vec<Named>>,
    pub integrations: Option<Vec<Named>>,
}

/// A supported content profile and the media types visitors may send under it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SupportedContent {
    pub id: String,
    pub name: String,
    pub inbound: Vec<String>,
}

impl From<domain::EditorOptions> for EditorOptions {
    fn from(options: domain::EditorOptions) -> Self {
        EditorOptions {
            queues: all(&options.queues),
            flows: all(&options.flows),
            languages: options.languages,
            supported_content: options.supported_content.as_deref().map(all),
            knowledge_bases: options.knowledge_bases.as_deref().map(all),
            integrations: options.integrations.as_deref().map(all),
        }
    }
}

impl From<&ContentProfile> for SupportedContent {
    fn from(profile: &ContentProfile) -> Self {
        SupportedContent {
            id: profile.id.clone(),
            name: profile.name.clone(),
            inbound: profile.inbound.clone(),
        }
    }
}

/// Everything the editor and the publish screen show of one channel.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChannelDetail {
    pub deployment_id: String,
    pub name: String,
    pub status: Option<String>,
    pub live_version: Option<String>,
    /// The editor's form as the draft has it.
    pub input: ChannelForm,
    pub versions: Vec<Version>,
    pub routing: Option<ChannelRouting>,
    pub snippet: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Version {
    pub version: String,
    pub is_draft: bool,
    pub status: Option<String>,
    pub date_published: Option<String>,
    pub live: bool,
}

impl From<domain::ChannelDetail> for ChannelDetail {
    fn from(detail: domain::ChannelDetail) -> Self {
        ChannelDetail {
            input: ChannelForm::from(&detail.input),
            versions: all(&detail.versions),
            deployment_id: detail.deployment_id,
            name: detail.name,
            status: detail.status,
            live_version: detail.live_version,
            routing: detail.routing,
            snippet: detail.snippet,
        }
    }
}

impl From<&VersionRow> for Version {
    fn from(row: &VersionRow) -> Self {
        Version {
            version: row.version.clone(),
            is_draft: row.is_draft,
            status: row.status.clone(),
            date_published: row.date_published.clone(),
            live: row.live,
        }
    }
}

/// One step of a long operation (publish, create, import, promote), as it happens.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    pub stage: domain::Stage,
    pub message: String,
    pub status: Option<String>,
    pub elapsed_ms: u64,
}

impl From<domain::Progress> for Progress {
    fn from(progress: domain::Progress) -> Self {
        Progress {
            stage: progress.stage,
            message: progress.message,
            status: progress.status,
            elapsed_ms: progress.elapsed_ms,
        }
    }
}

/// A channel written to a file.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportedChannel {
    pub path: String,
    pub bytes: u64,
    pub channel: String,
    pub deployment_id: String,
    pub configuration_version: Option<String>,
}

impl From<domain::ExportResult> for ExportedChannel {
    fn from(result: domain::ExportResult) -> Self {
        ExportedChannel {
            path: result.path,
            bytes: result.bytes,
            channel: result.channel,
            deployment_id: result.deployment_id,
            configuration_version: result.configuration_version,
        }
    }
}
