//! The first screen's data: which org, its queues and its channels, in one call.

use futures::StreamExt;

use crate::genesys::{Client, Error, RateBudget};

#[derive(Debug, Clone)]
pub struct Overview {
    pub profile: String,
    pub environment: String,
    pub is_sandbox: bool,
    pub organization: Option<String>,
    pub queues: Vec<NamedItem>,
    pub channels: Vec<ChannelSummary>,
    /// Configurations no deployment uses (drafts never deployed, leftovers).
    pub unused_configurations: Vec<NamedItem>,
    pub rate_budget: RateBudget,
}

#[derive(Debug, Clone)]
pub struct NamedItem {
    pub id: String,
    pub name: String,
}

impl NamedItem {
    /// A picker entry; an entity the API returned without an id cannot be picked.
    pub fn of(id: Option<String>, name: Option<String>) -> Option<NamedItem> {
        Some(NamedItem {
            id: id?,
            name: name.unwrap_or_default(),
        })
    }
}

#[derive(Debug, Clone)]
pub struct ChannelSummary {
    pub deployment_id: String,
    pub name: String,
    pub status: String,
    pub configuration: String,
    pub configuration_id: String,
    pub configuration_version: String,
    /// When the newest version of its configuration was published (RFC 3339).
    pub last_published: Option<String>,
    pub flow: String,
}

const LAST_PUBLISHED_LOOKUPS: usize = 50;

pub async fn load(client: &Client, profile: &str) -> Result<Overview, Error> {
    let (tokens, queue_api, deployment_api, configuration_api) = (
        client.tokens(),
        client.queues(),
        client.deployments(),
        client.configurations(),
    );
    let (me, queues, deployments, configurations) = tokio::try_join!(
        tokens.me(),
        queue_api.list_all(None),
        deployment_api.list_all(),
        configuration_api.list_all(false),
    )?;
    // Listings carry drafts only, so the live version's publish date costs one request per
    // channel: asked four at a time, and only for the first channels of a large org.
    let live: Vec<(String, String)> = deployments
        .iter()
        .take(LAST_PUBLISHED_LOOKUPS)
        .filter_map(|d| {
            let reference = d.configuration.as_ref()?;
            Some((reference.id.clone()?, reference.version.clone()?))
        })
        .collect();
    let versions = &configuration_api;
    let published: Vec<(String, Option<String>)> = futures::stream::iter(live)
        .map(|(id, version)| async move {
            let found = versions.version(&id, &version).await;
            (id, found.ok().and_then(|v| v.date_published))
        })
        .buffer_unordered(4)
        .collect()
        .await;
    let used: std::collections::HashSet<String> = deployments
        .iter()
        .filter_map(|d| d.configuration.as_ref().and_then(|c| c.id.clone()))
        .collect();
    let unused_configurations = configurations
        .into_iter()
        .filter(|c| c.id.as_ref().is_some_and(|id| !used.contains(id)))
        .map(|c| NamedItem {
            id: c.id.unwrap_or_default(),
            name: c.name,
        })
        .collect();
    let published_at = |configuration_id: Option<&String>| {
        published
            .iter()
            .find(|(id, _)| Some(id) == configuration_id)
            .and_then(|(_, date)| date.clone())
    };
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
                // Before the fields below move out of `d`.
                configuration_id: d.configuration_id(),
                deployment_id: d.id.unwrap_or_default(),
                name: d.name,
                status: d.status.map(|s| s.to_string()).unwrap_or_default(),
                configuration: d
                    .configuration
                    .as_ref()
                    .and_then(|c| c.name.clone())
                    .unwrap_or_default(),
                last_published: published_at(d.configuration.as_ref().and_then(|c| c.id.as_ref())),
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
        unused_configurations,
        rate_budget: client.rate_budget(),
    })
}
