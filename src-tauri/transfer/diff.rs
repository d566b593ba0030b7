//! Field-by-field differences between channels: file ↔ live, and draft ↔ published ↔ live.
//!
//! Comparison is on a *portable* view that drops what differs between orgs or between
//! two copies of the same content (ids, dates, users, status, version numbers, snippets)
//! and names flows instead of pointing at their ids.

use serde::Serialize;
use serde_json::Value;

use crate::channel::ChannelError;
use crate::genesys::Client;
use crate::json_diff::differences;
pub use crate::json_diff::Difference;

use super::ChannelDocument;

const SERVER_SET: &[&str] = &[
    "id",
    "version",
    "dateCreated",
    "dateModified",
    "datePublished",
    "lastModifiedUser",
    "createdUser",
    "publishedUser",
    "status",
    "selfUri",
    "snippet",
];

fn strip_server_set(value: &mut Value) {
    if let Value::Object(map) = value {
        for key in SERVER_SET {
            map.remove(*key);
        }
    }
}

/// The parts of a document that mean the same in any org.
pub fn portable_view(document: &ChannelDocument) -> Value {
    let mut configuration = serde_json::to_value(&document.configuration).unwrap_or_default();
    strip_server_set(&mut configuration);
    let mut deployment = serde_json::to_value(&document.deployment).unwrap_or_default();
    strip_server_set(&mut deployment);
    if let Value::Object(map) = &mut deployment {
        map.remove("configuration");
        map.remove("supportedContent");
        if let Some(flow) = map.remove("flow") {
            map.insert(
                "flowName".into(),
                flow.get("name").cloned().unwrap_or(Value::Null),
            );
        }
    }
    let routing: Vec<Value> = document
        .routing
        .flows
        .iter()
        .map(|f| serde_json::json!({"kind": "flow", "role": f.role, "name": f.name}))
        .chain(
            document
                .routing
                .queues
                .iter()
                .map(|q| serde_json::json!({"kind": "queue", "role": q.role, "name": q.name})),
        )
        .collect();
    serde_json::json!({"configuration": configuration, "deployment": deployment, "routing": routing})
}

/// What differs between a channel file and what is live for a deployment, in the
/// org-independent view (ids and server-set fields left out).
pub async fn file_vs_live(
    client: &Client,
    store: &crate::store::Store,
    path: &std::path::Path,
    deployment_id: &str,
) -> Result<Vec<Difference>, ChannelError> {
    let document = super::read_document(path).map_err(ChannelError::File)?;
    let live = super::export_channel(client, store, deployment_id).await?;
    Ok(differences(
        &portable_view(&document),
        &portable_view(&live),
    ))
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionDiffs {
    pub draft_version: String,
    pub published_version: Option<String>,
    pub live_version: Option<String>,
    pub draft_vs_published: Vec<Difference>,
    pub published_vs_live: Vec<Difference>,
}

fn comparable(version: &crate::genesys::models::WebDeploymentConfigurationVersion) -> Value {
    let mut value = serde_json::to_value(version).unwrap_or_default();
    strip_server_set(&mut value);
    value
}

/// What publishing would change (draft ↔ newest published) and what the site runs
/// compared with the newest published version.
pub async fn version_diffs(
    client: &Client,
    deployment_id: &str,
) -> Result<VersionDiffs, ChannelError> {
    let deployment = client.deployments().get(deployment_id).await?;
    let configuration_id = deployment.configuration_id();
    let versions = crate::channel::versions(client, &configuration_id).await?;
    let draft = versions
        .iter()
        .find(|v| v.is_draft())
        .cloned()
        .unwrap_or_default();
    let published = versions.iter().find(|v| !v.is_draft()).cloned();
    let live = client
        .deployments()
        .active_configuration(deployment_id)
        .await?
        .configuration_version;
    let empty = Value::Object(Default::default());
    let published_value = published
        .as_ref()
        .map(comparable)
        .unwrap_or_else(|| empty.clone());
    Ok(VersionDiffs {
        draft_version: "DRAFT".into(),
        published_version: published.as_ref().and_then(|v| v.version.clone()),
        live_version: live.as_ref().and_then(|v| v.version.clone()),
        draft_vs_published: differences(&comparable(&draft), &published_value),
        published_vs_live: differences(
            &published_value,
            &live.as_ref().map(comparable).unwrap_or(empty),
        ),
    })
}
