//! Field-by-field differences between channels: file ↔ live, and draft ↔ published ↔ live.
//!
//! Comparison is on a *portable* view that drops what differs between orgs or between
//! two copies of the same content (ids, dates, users, status, version numbers, snippets)
//! and names flows instead of pointing at their ids.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::channel::ChannelError;
use crate::genesys::Client;

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

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Difference {
    /// Dotted path, e.g. `configuration.messenger.styles.primaryColor`.
    pub path: String,
    pub left: Option<Value>,
    pub right: Option<Value>,
}

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

fn flatten(prefix: &str, value: &Value, out: &mut BTreeMap<String, Value>) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (key, inner) in map {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&path, inner, out);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for (index, inner) in items.iter().enumerate() {
                flatten(&format!("{prefix}[{index}]"), inner, out);
            }
        }
        Value::Null => {}
        other => {
            out.insert(prefix.to_string(), other.clone());
        }
    }
}

/// Every leaf that differs, in path order.
pub fn diff_values(left: &Value, right: &Value) -> Vec<Difference> {
    let (mut a, mut b) = (BTreeMap::new(), BTreeMap::new());
    flatten("", left, &mut a);
    flatten("", right, &mut b);
    let mut paths: Vec<&String> = a.keys().chain(b.keys()).collect();
    paths.sort();
    paths.dedup();
    paths
        .into_iter()
        .filter(|path| a.get(*path) != b.get(*path))
        .map(|path| Difference {
            path: path.clone(),
            left: a.get(path).cloned(),
            right: b.get(path).cloned(),
        })
        .collect()
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
    Ok(diff_values(
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
        draft_vs_published: diff_values(&comparable(&draft), &published_value),
        published_vs_live: diff_values(
            &published_value,
            &live.as_ref().map(comparable).unwrap_or(empty),
        ),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn only_changed_leaves_are_reported_with_both_sides() {
        let left = json!({"a": {"b": 1, "c": [1, 2]}, "same": "x", "gone": true});
        let right = json!({"a": {"b": 2, "c": [1, 3, 4]}, "same": "x", "new": null});
        let paths: Vec<_> = diff_values(&left, &right)
            .into_iter()
            .map(|d| (d.path, d.left, d.right))
            .collect();
        assert_eq!(
            paths,
            [
                ("a.b".to_string(), Some(json!(1)), Some(json!(2))),
                ("a.c[1]".into(), Some(json!(2)), Some(json!(3))),
                ("a.c[2]".into(), None, Some(json!(4))),
                ("gone".into(), Some(json!(true)), None)
            ]
        );
        assert!(diff_values(&left, &left).is_empty());
    }
}
