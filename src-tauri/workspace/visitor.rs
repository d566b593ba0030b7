//! The visitor's view as the window drives it: a test drive streamed line by line and
//! cancellable, and a channel's Live panel (served version, snippet, CSP, page check).

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::application::visitor::{self, DriveRequest, EmbedInfo, LiveReport};

pub use crate::application::visitor::{DriveReport, Line, PageCheck};

use super::{Result, Workspace};

/// What the Test drive screen asks for.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TestDriveSetup {
    pub deployment_id: String,
    pub origin: Option<String>,
    pub says: Vec<String>,
    pub expect_routed: bool,
    pub timeout_seconds: u64,
}

/// A channel's Live panel.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveView {
    pub live: LiveReport,
    pub embed: EmbedInfo,
}

impl Workspace {
    pub async fn test_drive(
        &self,
        setup: TestDriveSetup,
        operation: &str,
        on_line: &(dyn Fn(&Line) + Send + Sync),
    ) -> Result<DriveReport> {
        let session = self.session();
        let guard = self.begin_operation(operation);
        let request = DriveRequest {
            deployment_id: setup.deployment_id,
            origin: setup.origin.filter(|o| !o.trim().is_empty()),
            says: setup
                .says
                .into_iter()
                .filter(|s| !s.trim().is_empty())
                .collect(),
            expect_routed: setup.expect_routed,
            timeout: Duration::from_secs(setup.timeout_seconds),
        };
        visitor::drive(&session.app, &request, guard.token.clone(), on_line).await
    }

    pub async fn live_view(&self, deployment_id: &str) -> Result<LiveView> {
        let session = self.session();
        let (live, embed) = tokio::try_join!(
            visitor::live(&session.app, deployment_id),
            visitor::embed_info(&session.app, deployment_id)
        )?;
        Ok(LiveView { live, embed })
    }

    pub async fn check_page(&self, deployment_id: &str, url: &str) -> Result<PageCheck> {
        visitor::check_page(&self.session().app, deployment_id, url).await
    }
}
