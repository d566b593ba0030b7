//! The visitor's view as the window drives it: a test drive streamed line by line and
//! cancellable, and a channel's Live panel (served version, snippet, CSP, page check).

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use tokio_util::sync::CancellationToken;

use crate::application::channels::Confirmation;
use crate::application::visitor::{
    self, CanaryRound, CanarySchedule, CanarySummary, DriveRequest, EmbedInfo, LiveReport,
    ScenarioRunRequest,
};

pub use crate::application::visitor::{DriveReport, Line, PageCheck};

use super::{lock, Result, Workspace, WorkspaceEvent};

/// A canary running in the background for one channel.
pub(super) struct Canary {
    cancel: CancellationToken,
    file: PathBuf,
    every_minutes: u32,
}

/// A channel's canary: whether it runs, and its rounds over the last week.
#[derive(Debug, Clone)]
pub struct CanaryView {
    pub running: bool,
    pub file: Option<String>,
    pub every_minutes: Option<u32>,
    pub summary: CanarySummary,
}

/// What the Test drive screen asks for.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TestDriveSetup {
    pub deployment_id: String,
    pub origin: Option<String>,
    pub says: Vec<String>,
    pub expect_routed: bool,
    pub timeout_seconds: u64,
    /// On a production profile, the channel's name as typed.
    #[serde(default)]
    pub confirmation: Option<String>,
    /// `KEY=VALUE` lines: custom attributes for the flow.
    #[serde(default)]
    pub attributes: Vec<String>,
    /// Files to send, by the ids [`Workspace::choose_drive_file`] gave.
    #[serde(default)]
    pub files: Vec<String>,
}

/// A file chosen for a test drive.
#[derive(Debug, Clone)]
pub struct DriveFile {
    pub id: String,
    pub name: String,
    pub size: u64,
}

/// Most files kept chosen at once.
const MAX_DRIVE_FILES: usize = 20;

/// A channel's Live panel.
#[derive(Debug, Clone)]
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
        let attributes = visitor::custom_attributes(&setup.attributes)?;
        let uploads = {
            let chosen = lock(&self.drive_files);
            setup
                .files
                .iter()
                .map(|id| {
                    chosen.get(id).cloned().ok_or_else(|| {
                        crate::application::AppError::invalid(
                            "a chosen file is no longer known: choose it again",
                        )
                    })
                })
                .collect::<Result<Vec<PathBuf>>>()?
        };
        let guard = self.begin_operation(operation, "a test drive".into());
        let request = DriveRequest {
            attributes,
            keep_conversation: false,
            uploads,
            deployment_id: setup.deployment_id,
            origin: setup.origin.filter(|o| !o.trim().is_empty()),
            says: setup
                .says
                .into_iter()
                .filter(|s| !s.trim().is_empty())
                .collect(),
            expect_routed: setup.expect_routed,
            timeout: Duration::from_secs(setup.timeout_seconds),
            confirmation: Confirmation::typed(setup.confirmation),
        };
        visitor::drive(&session.app, &request, guard.token.clone(), on_line).await
    }

    /// Keeps a file chosen in a native dialog for the next test drives.
    pub async fn choose_drive_file(&self, path: PathBuf) -> Result<DriveFile> {
        let file = crate::guest::upload::LocalFile::open(&path)
            .await
            .map_err(crate::application::AppError::file)?;
        let id = uuid::Uuid::new_v4().to_string();
        let mut chosen = lock(&self.drive_files);
        if chosen.len() >= MAX_DRIVE_FILES {
            chosen.clear();
        }
        chosen.insert(id.clone(), path);
        Ok(DriveFile {
            id,
            name: file.name,
            size: file.size,
        })
    }

    /// The synthetic conversations of the last day still open; with `end`, ended.
    pub async fn guest_leftovers(&self, end: bool) -> Result<visitor::Leftovers> {
        let session = self.session();
        visitor::leftovers(&session.app, visitor::DEFAULT_LEFTOVERS_SPAN, end).await
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

impl Workspace {
    /// Runs `file`'s scenarios against the channel every `every_minutes` until stopped or
    /// another profile opens; each round is recorded and sent as an event (the window
    /// notifies on a failure).
    pub async fn start_canary(
        &self,
        deployment_id: &str,
        file: &Path,
        every_minutes: u32,
        confirmation: Confirmation,
    ) -> Result<()> {
        let schedule = CanarySchedule::until_stopped(every_minutes)?;
        let scenarios = visitor::read_scenario_file(file)?;
        let session = self.session();
        let channel = session
            .app
            .client
            .deployments()
            .get(deployment_id)
            .await?
            .name;
        let cancel = session.tasks.child_token();
        if let Some(previous) = lock(&session.canaries).insert(
            deployment_id.to_string(),
            Canary {
                cancel: cancel.clone(),
                file: file.to_path_buf(),
                every_minutes,
            },
        ) {
            previous.cancel.cancel();
        }
        let events = self.events.clone();
        let deployment_id = deployment_id.to_string();
        let app_session = session.app.clone();
        tokio::spawn(async move {
            let request = ScenarioRunRequest {
                attributes: Default::default(),
                keep_conversations: false,
                deployment_id: Some(deployment_id.clone()),
                origin: None,
                parallel: 4,
                confirmation,
            };
            let on_round = |round: &CanaryRound| {
                events(WorkspaceEvent::CanaryRound {
                    deployment_id: deployment_id.clone(),
                    channel: channel.clone(),
                    passed: round.passed,
                    total: round.total,
                    failures: round
                        .results
                        .iter()
                        .filter(|r| !r.report.passed())
                        .map(|r| r.name.clone())
                        .collect(),
                });
            };
            if let Err(error) = visitor::run_canary(
                &app_session,
                &scenarios,
                &request,
                schedule,
                &cancel,
                &on_round,
            )
            .await
            {
                tracing::warn!(%error, "the canary stopped");
            }
            // However it ended, it no longer runs: the window must not say it does.
            cancel.cancel();
        });
        Ok(())
    }

    pub fn stop_canary(&self, deployment_id: &str) -> bool {
        match lock(&self.session().canaries).remove(deployment_id) {
            Some(canary) => {
                canary.cancel.cancel();
                true
            }
            None => false,
        }
    }

    pub fn canary_view(&self, deployment_id: &str, dark: bool) -> Result<CanaryView> {
        let session = self.session();
        let (running, file, every_minutes) = match lock(&session.canaries).get(deployment_id) {
            Some(canary) => (
                !canary.cancel.is_cancelled(),
                Some(canary.file.display().to_string()),
                Some(canary.every_minutes),
            ),
            None => (false, None, None),
        };
        Ok(CanaryView {
            running,
            file,
            every_minutes,
            summary: visitor::canary_summary(&session.app, deployment_id, "7d", dark)?,
        })
    }
}
