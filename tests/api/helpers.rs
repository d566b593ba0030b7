//! The app's test harness: the Sandbox crate's (included, so both test the same way),
//! plus what needs the app's own layers.

#[path = "../../crates/sandbox/tests/api/helpers.rs"]
mod shared;

use serde_json::Value;
use webmsg_desk::genesys::Client;

pub use shared::*;

/// A pipeline context for calling the channel functions directly; each gets its own
/// in-flight set, as each session does.
pub fn pipeline<'a>(
    client: &'a Client,
    store: &'a webmsg_desk::store::Store,
    profile: &'a str,
    cancel: &'a tokio_util::sync::CancellationToken,
    report: &'a (dyn Fn(webmsg_desk::channel::Progress) + Send + Sync),
) -> webmsg_desk::channel::Pipeline<'a> {
    webmsg_desk::channel::Pipeline {
        client,
        store,
        profile,
        cancel,
        report,
        // A few bytes per call, for the length of a test process.
        in_flight: Box::leak(Box::default()),
    }
}

impl TestApp {
    /// Republishes the seeded channel with its draft changed by `edit` (a JSON view of the
    /// configuration) and waits until the deployment runs it; returns the deployment id.
    pub async fn republish_seeded(&self, edit: impl FnOnce(&mut Value)) -> String {
        use webmsg_desk::application::channels::{self, PublishChannel};
        let (deployment, configuration) = self.seeded_channel().await;
        let configurations = self.client.configurations();
        let mut draft =
            serde_json::to_value(configurations.draft(&configuration).await.unwrap()).unwrap();
        edit(&mut draft);
        configurations
            .update_draft(&configuration, &serde_json::from_value(draft).unwrap())
            .await
            .unwrap();
        let session = webmsg_desk::application::Session::new(
            self.client.clone(),
            webmsg_desk::store::Store::in_memory().unwrap(),
            "test",
        );
        let progress = |_| {};
        let operation = webmsg_desk::application::Operation::new(
            &session,
            tokio_util::sync::CancellationToken::new(),
            &progress,
        );
        let request = PublishChannel {
            deployment_id: deployment.clone(),
            edits: None,
            supported_content: None,
            options: Default::default(),
            confirmation: Default::default(),
        };
        let outcome = channels::publish(&operation, &request).await.unwrap();
        assert!(outcome.is_active(), "{outcome:?}");
        deployment
    }
}
