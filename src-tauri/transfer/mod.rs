//! Export, import and diff of whole channels.
//!
//! The export document is versioned JSON: schema version, when, from where, the full
//! configuration version (fields we do not model included), the deployment, and the
//! routing (queues and flows, by id and name). Files are written atomically: the target
//! holds either its old content or the complete new document, never a part.

mod carried;
mod diff;
mod export_all;
mod import;
pub mod names;
pub mod remap;

use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::channel::ChannelError;
use crate::genesys::models::{WebDeployment, WebDeploymentConfigurationVersion};
use crate::genesys::Client;
use crate::store::{ChannelRouting, Store};

pub use carried::{carried_settings, CarriedSetting, EDITOR_FIELDS};
pub use diff::{file_vs_live, portable_view, version_diffs, Difference, VersionDiffs};
pub use export_all::{export_all, ExportAllOptions, ExportSummary};
pub use import::{import_channel, plan_import, ImportReport, Mapping};

/// The schema this build writes and the newest it reads.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChannelDocument {
    pub schema_version: u32,
    /// RFC 3339, UTC.
    pub exported_at: String,
    pub source: Source,
    pub configuration: WebDeploymentConfigurationVersion,
    pub deployment: WebDeployment,
    pub routing: Routing,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Source {
    /// Region name or Sandbox URL.
    pub environment: String,
    pub organization_id: Option<String>,
    pub organization_name: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Routing {
    pub queues: Vec<RoutedEntity>,
    pub flows: Vec<RoutedEntity>,
}

/// A queue or flow the channel uses, with its role (`primary` or `fallback`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoutedEntity {
    pub role: String,
    pub id: Option<String>,
    pub name: Option<String>,
}

impl ChannelDocument {
    pub fn configuration_id(&self) -> String {
        self.deployment.configuration_id()
    }

    pub fn flow(&self, role: &str) -> Option<&RoutedEntity> {
        self.routing.flows.iter().find(|f| f.role == role)
    }

    pub fn queue(&self, role: &str) -> Option<&RoutedEntity> {
        self.routing.queues.iter().find(|q| q.role == role)
    }
}

pub(crate) fn routing_from(deployment: &WebDeployment, known: Option<ChannelRouting>) -> Routing {
    let known = known.unwrap_or_default();
    let deployment_flow = deployment.flow.as_ref();
    let mut flows = vec![RoutedEntity {
        role: "primary".into(),
        id: known
            .primary_flow_id
            .clone()
            .or_else(|| deployment_flow.and_then(|f| f.id.clone())),
        name: known
            .primary_flow_name
            .clone()
            .or_else(|| deployment_flow.and_then(|f| f.name.clone())),
    }];
    if known.fallback_flow_id.is_some() {
        flows.push(RoutedEntity {
            role: "fallback".into(),
            id: known.fallback_flow_id,
            name: known.fallback_flow_name,
        });
    }
    let queues = known
        .primary_queue_id
        .map(|id| {
            vec![RoutedEntity {
                role: "primary".into(),
                id: Some(id),
                name: known.primary_queue_name,
            }]
        })
        .unwrap_or_default();
    Routing { queues, flows }
}

/// Builds the document of one deployment from what is live (3 requests).
pub async fn export_channel(
    client: &Client,
    store: &Store,
    deployment_id: &str,
) -> Result<ChannelDocument, ChannelError> {
    let me = client.tokens().me().await?;
    let source = Source {
        environment: client.environment().as_setting(),
        organization_id: me.organization.as_ref().and_then(|o| o.id.clone()),
        organization_name: me.organization.as_ref().and_then(|o| o.name.clone()),
    };
    let deployment = client.deployments().get(deployment_id).await?;
    document_for(client, store, source, deployment).await
}

/// Documents for deployments already listed, in their order: one request per channel
/// (its configuration version) and one for the org, a few at a time through the pacer.
pub async fn export_listed(
    client: &Client,
    store: &Store,
    deployments: Vec<WebDeployment>,
) -> Result<Vec<ChannelDocument>, ChannelError> {
    use futures::StreamExt;
    const AT_ONCE: usize = 8;
    let me = client.tokens().me().await?;
    let source = Source {
        environment: client.environment().as_setting(),
        organization_id: me.organization.as_ref().and_then(|o| o.id.clone()),
        organization_name: me.organization.as_ref().and_then(|o| o.name.clone()),
    };
    futures::stream::iter(deployments)
        .map(|deployment| document_for(client, store, source.clone(), deployment))
        .buffered(AT_ONCE)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect()
}

pub(crate) async fn document_for(
    client: &Client,
    store: &Store,
    source: Source,
    deployment: WebDeployment,
) -> Result<ChannelDocument, ChannelError> {
    let reference = deployment.configuration.clone().unwrap_or_default();
    let configuration_id = reference.id.clone().unwrap_or_default();
    let version = reference.version.clone().unwrap_or_else(|| "draft".into());
    let configuration = client
        .configurations()
        .version(&configuration_id, &version)
        .await?;
    let known = store.routing(deployment.id.as_deref().unwrap_or_default())?;
    Ok(ChannelDocument {
        schema_version: SCHEMA_VERSION,
        exported_at: crate::store::timestamp(chrono::Utc::now()),
        source,
        configuration,
        routing: routing_from(&deployment, known),
        deployment,
    })
}

/// Writes `document` to `path` atomically (temp file in the same folder, fsync, rename).
pub fn write_document(path: &Path, document: &ChannelDocument) -> Result<(), String> {
    let text = serde_json::to_vec_pretty(document)
        .map_err(|e| format!("could not encode the export: {e}"))?;
    write_atomically(path, &text)
}

pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let directory = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let fail = |what: &str, error: &dyn std::fmt::Display| {
        format!("could not write {}: {what}: {error}", path.display())
    };
    std::fs::create_dir_all(&directory).map_err(|e| fail("creating its folder", &e))?;
    let mut temp = tempfile::NamedTempFile::new_in(&directory)
        .map_err(|e| fail("creating a temporary file", &e))?;
    temp.write_all(bytes).map_err(|e| fail("writing", &e))?;
    temp.as_file()
        .sync_all()
        .map_err(|e| fail("flushing to disk", &e))?;
    temp.persist(path)
        .map_err(|e| fail("replacing the file", &e.error))?;
    Ok(())
}

/// The largest export file read: a channel exports to tens of kilobytes, and a file far
/// larger is not one (nor should it be read into memory to find out).
pub const MAX_DOCUMENT_BYTES: u64 = 4 * 1024 * 1024;

/// Reads a file a user named, whole, refusing what cannot be one of ours: anything but a
/// regular file (`/dev/zero`, a FIFO, a folder) and anything over `max_bytes`, checked
/// before reading and while reading (a file that grows).
pub fn read_bounded(path: &Path, max_bytes: u64) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let file =
        std::fs::File::open(path).map_err(|e| format!("could not read {}: {e}", path.display()))?;
    let metadata = file
        .metadata()
        .map_err(|e| format!("could not read {}: {e}", path.display()))?;
    if !metadata.is_file() {
        return Err(format!(
            "{} is not a regular file; give the path of a file",
            path.display()
        ));
    }
    let size = |bytes: u64| {
        if bytes >= 1024 * 1024 {
            format!("{} MiB", bytes / (1024 * 1024))
        } else {
            format!("{} KiB", bytes.div_ceil(1024))
        }
    };
    let too_large = || {
        format!(
            "{} is {}; a file this app reads here is at most {}, so this is not one",
            path.display(),
            size(metadata.len()),
            size(max_bytes)
        )
    };
    if metadata.len() > max_bytes {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    file.take(max_bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("could not read {}: {e}", path.display()))?;
    if bytes.len() as u64 > max_bytes {
        return Err(too_large());
    }
    Ok(bytes)
}

/// Reads and checks a document; a newer schema is refused with a clear message.
pub fn read_document(path: &Path) -> Result<ChannelDocument, String> {
    let bytes = read_bounded(path, MAX_DOCUMENT_BYTES)?;
    let value: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|e| format!("{} is not JSON: {e}", path.display()))?;
    let schema = value
        .get("schemaVersion")
        .and_then(serde_json::Value::as_u64);
    match schema {
        None => return Err(format!("{} is not a Web Messaging Desk export (no schemaVersion)", path.display())),
        Some(version) if version > u64::from(SCHEMA_VERSION) => {
            return Err(format!(
                "{} uses export schema {version}, newer than this version understands ({SCHEMA_VERSION}); update Web Messaging Desk",
                path.display()
            ))
        }
        Some(_) => {}
    }
    serde_json::from_value(value)
        .map_err(|e| format!("{} is not a valid export: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn document() -> ChannelDocument {
        ChannelDocument {
            schema_version: SCHEMA_VERSION,
            exported_at: "2026-01-01T00:00:00.000Z".into(),
            source: Source::default(),
            configuration: WebDeploymentConfigurationVersion {
                name: "A".into(),
                ..Default::default()
            },
            deployment: WebDeployment {
                name: "A".into(),
                ..Default::default()
            },
            routing: Routing::default(),
        }
    }

    #[test]
    fn documents_round_trip_and_newer_schemas_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.json");
        write_document(&path, &document()).unwrap();
        assert_eq!(read_document(&path).unwrap(), document());
        std::fs::write(&path, br#"{"schemaVersion": 9}"#).unwrap();
        assert!(read_document(&path).unwrap_err().contains("schema 9"));
        std::fs::write(&path, b"{}").unwrap();
        assert!(read_document(&path)
            .unwrap_err()
            .contains("no schemaVersion"));
    }

    #[test]
    fn a_failed_write_leaves_the_old_file_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("channel.json");
        write_document(&path, &document()).unwrap();
        let before = std::fs::read(&path).unwrap();
        // A directory where the temp file's rename target is cannot be replaced.
        let blocked = dir.path().join("blocked");
        std::fs::create_dir(&blocked).unwrap();
        std::fs::write(blocked.join("inside"), b"x").unwrap();
        assert!(write_document(&blocked, &document()).is_err());
        assert_eq!(std::fs::read(&path).unwrap(), before);
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(
            leftovers.len(),
            2,
            "no temporary file is left behind: {leftovers:?}"
        );
    }
}
