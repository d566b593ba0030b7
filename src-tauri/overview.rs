//! The first screen's data: which org, its queues and its channels, in one call.

use serde::Serialize;

use crate::genesys::{Client, Error, RateBudget};

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Overview {
    pub profile: String,
    pub environment: String,
    pub is_sandbox: bool,
    pub organization: Option<String>,
    pub queues: Vec<NamedItem>,
    pub channels: Vec<ChannelSummary>,
    pub rate_budget: RateBudget,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NamedItem {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChannelSummary {
    pub deployment_id: String,
    pub name: String,
    pub status: String,
    pub configuration: String,
    pub configuration_version: String,
    pub flow: String,
}

pub async fn load(client: &Client, profile: &str) -> Result<Overview, Error> {
    let me = client.tokens().me().await?;
    let queues = client.queues().list_all(None).await?;
    let deployments = client.deployments().list_all().await?;
    Ok(Overview {
        profile: profile.to_string(),
        environment: client.environment().to_string(),
        is_sandbox: client.environment().is_sandbox(),
        organization: me.organization.and_then(|o| o.name),
        queues: queues
            .into_iter()
            .map(|q| NamedItem {
                id: q.id.unwrap_or_default(),
                name: q.name.unwrap_or_default(),
            })
            .collect(),
        channels: deployments
            .into_iter()
            .map(|d| ChannelSummary {
                deployment_id: d.id.unwrap_or_default(),
                name: d.name,
                status: d.status.map(|s| s.to_string()).unwrap_or_default(),
                configuration: d
                    .configuration
                    .as_ref()
                    .and_then(|c| c.name.clone())
                    .unwrap_or_default(),
                configuration_version: d
                    .configuration
                    .as_ref()
                    .and_then(|c| c.version.clone())
                    .unwrap_or_default(),
                flow: d
                    .flow
                    .as_ref()
                    .and_then(|f| f.name.clone())
                    .unwrap_or_default(),
            })
            .collect(),
        rate_budget: client.rate_budget(),
    })
}
