//! Exporting every channel of an org: one file per channel plus an index, as fast as
//! the org's rate budget allows and no faster.
//!
//! Requests go through the client's background pacer: each rate window is spent up to
//! its reserve as fast as the server answers, then the export waits for the reset. A
//! 429 never decides when to stop; the rare one (another tool on the same token) is
//! waited out by the client and never reaches the user.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures::stream::{self, StreamExt};
use serde::Serialize;

use crate::channel::ChannelError;
use crate::genesys::Client;
use crate::store::Store;

use super::names::{channel_file_name, inside, UniqueNames};
use super::{document_for, write_atomically, write_document, Source};

const INDEX_FILE: &str = "index.json";

#[derive(Debug, Clone)]
pub struct ExportAllOptions {
    /// Requests in flight at once.
    pub concurrency: usize,
}

impl Default for ExportAllOptions {
    fn default() -> Self {
        ExportAllOptions { concurrency: 16 }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportSummary {
    pub channels: usize,
    pub files: Vec<PathBuf>,
    pub index: PathBuf,
    pub failed: Vec<(String, String)>,
    pub requests: u64,
    pub wall_seconds: f64,
    pub rate_limit_per_minute: Option<u32>,
    /// Requests made over what the budget allowed in the wall time.
    pub budget_used: Option<f64>,
    /// 429 responses the client met (all waited out).
    pub rate_limited_responses: u64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct IndexEntry<'a> {
    deployment_id: &'a str,
    name: &'a str,
    configuration_id: String,
    version: Option<String>,
    file: String,
}

/// Exports every deployment to `directory`, reporting `done/total` to `progress`.
pub async fn export_all(
    client: &Client,
    store: &Store,
    directory: &Path,
    options: &ExportAllOptions,
    progress: &(dyn Fn(usize, usize) + Send + Sync),
) -> Result<ExportSummary, ChannelError> {
    let client = &client.background();
    let started = Instant::now();
    let requests_before = client.api_requests();
    let limited_before = client.rate_budget().rate_limited_responses;
    std::fs::create_dir_all(directory).map_err(|e| {
        ChannelError::File(format!("could not create {}: {e}", directory.display()))
    })?;

    // The first answer tells the pacer the budget; it paces everything after it.
    let me = client.tokens().me().await?;
    let allowed = client.rate_budget().allowed.unwrap_or(300).max(1);
    let source = Source {
        environment: client.environment().as_setting(),
        organization_id: me.organization.as_ref().and_then(|o| o.id.clone()),
        organization_name: me.organization.as_ref().and_then(|o| o.name.clone()),
    };
    let deployments = crate::genesys::paging::collect_cursor(|cursor| async move {
        client.deployments().list_page(100, cursor.as_deref()).await
    })
    .await?;
    let total = deployments.len();
    let done = AtomicUsize::new(0);
    progress(0, total);
    let results: Vec<_> = stream::iter(deployments)
        .map(|deployment| {
            let (source, done) = (source.clone(), &done);
            async move {
                let id = deployment.id.clone().unwrap_or_default();
                let name = deployment.name.clone();
                let result = document_for(client, store, source, deployment).await;
                progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
                (id, name, result)
            }
        })
        .buffer_unordered(options.concurrency.max(1))
        .collect()
        .await;

    let mut files = Vec::new();
    let mut failed = Vec::new();
    let mut index = Vec::new();
    let mut documents = Vec::new();
    for (id, name, result) in &results {
        match result {
            Ok(document) => documents.push((id, name, document)),
            Err(error) => failed.push((id.clone(), error.to_string())),
        }
    }
    documents.sort_by(|a, b| a.1.cmp(b.1));
    // The index's own name is taken first, so no channel's file can replace it.
    let mut names = UniqueNames::default();
    names.claim(INDEX_FILE);
    for (id, name, document) in documents {
        let file = match channel_file_name(name, id) {
            Ok(file) => names.claim(&file),
            Err(problem) => {
                failed.push((id.clone(), problem));
                continue;
            }
        };
        let path = inside(directory, &file).map_err(ChannelError::File)?;
        write_document(&path, document).map_err(ChannelError::File)?;
        index.push(IndexEntry {
            deployment_id: id,
            name,
            configuration_id: document.configuration_id(),
            version: document.configuration.version.clone(),
            file,
        });
        files.push(path);
    }
    let index_path = directory.join(INDEX_FILE);
    let index_json = serde_json::json!({
        "schemaVersion": super::SCHEMA_VERSION,
        "exportedAt": crate::store::timestamp(chrono::Utc::now()),
        "source": source,
        "channels": index,
    });
    write_atomically(
        &index_path,
        &serde_json::to_vec_pretty(&index_json).unwrap_or_default(),
    )
    .map_err(ChannelError::File)?;

    let wall = started.elapsed();
    let requests = client.api_requests() - requests_before;
    let budget_used = (wall > Duration::from_secs(1))
        .then(|| requests as f64 / (f64::from(allowed) * wall.as_secs_f64() / 60.0));
    Ok(ExportSummary {
        channels: total,
        files,
        index: index_path,
        failed,
        requests,
        wall_seconds: wall.as_secs_f64(),
        rate_limit_per_minute: Some(allowed),
        budget_used,
        rate_limited_responses: client.rate_budget().rate_limited_responses - limited_before,
    })
}
