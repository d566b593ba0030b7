//! Fallback watches of the open profile: one background runner per channel, its latest
//! evaluation kept for the screen, every switch in the history database.

use std::sync::{Arc, Mutex};

use serde::Deserialize;
use tokio_util::sync::CancellationToken;

use crate::application::{
    self,
    fallback::{ChannelRoute, FallbackTarget, WatchSettings},
};
use crate::fallback::{FallbackRules, Route, RunnerEvent, RunnerMode};
use crate::overview::NamedItem;
use crate::store::{ChannelRouting, SwitchRecord};

use super::settings::RecordedWatch;

use super::{lock, Result, Workspace, WorkspaceEvent};
use crate::application::safety::Confirmation;
use crate::application::{AppError, ErrorCode};

pub(super) struct Watch {
    cancel: CancellationToken,
    pub(super) mode: RunnerMode,
    pub(super) channel: String,
    last: Arc<Mutex<Option<RunnerEvent>>>,
    /// Awaited on quit, so a switch in flight is finished and logged.
    pub(super) task: Option<tokio::task::JoinHandle<()>>,
}

#[derive(Debug, Clone)]
pub struct FallbackView {
    pub deployment_id: String,
    pub channel: String,
    pub rules: FallbackRules,
    pub routing: ChannelRouting,
    pub current_route: Option<Route>,
    pub running: Option<RunnerMode>,
    /// The latest evaluation: the numbers and the decision taken on them.
    pub last_event: Option<RunnerEvent>,
    pub switches: Vec<SwitchRecord>,
    pub queues: Vec<NamedItem>,
    pub flows: Vec<NamedItem>,
}

/// What the admin sets before starting a watch.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FallbackSetup {
    pub rules: FallbackRules,
    pub mode: RunnerMode,
    pub primary_queue_id: String,
    pub fallback_flow_id: String,
    /// The channel's name as typed, on a production profile.
    #[serde(default)]
    pub confirmation: Option<String>,
}

impl Workspace {
    pub async fn fallback_view(&self, deployment_id: &str) -> Result<FallbackView> {
        let session = self.session();
        let ChannelRoute {
            deployment,
            routing,
            current_route,
        } = application::fallback::route_of(&session.app, deployment_id).await?;
        let (queues, flows) = application::channels::routing_choices(&session.app).await?;
        let settings = self.settings.load().unwrap_or_default();
        let watches = lock(&session.watches);
        let watch = watches.get(deployment_id);
        Ok(FallbackView {
            deployment_id: deployment_id.to_string(),
            channel: deployment.name.clone(),
            rules: settings
                .fallback_rules
                .get(deployment_id)
                .cloned()
                .unwrap_or_default(),
            routing,
            current_route,
            running: watch.map(|w| w.mode),
            last_event: watch.and_then(|w| lock(&w.last).clone()),
            switches: self.store.switches(deployment_id)?,
            queues,
            flows,
        })
    }

    /// Starts watching a channel (replacing a watch already running on it) and records
    /// it, so it resumes when this profile next opens until it is stopped.
    pub async fn start_fallback(&self, deployment_id: &str, setup: FallbackSetup) -> Result<()> {
        let confirmation = Confirmation::typed(setup.confirmation.clone());
        let channel = self
            .start_watch(deployment_id, &setup, confirmation)
            .await?;
        let profile = self.session().profile.clone();
        // The rules (shown next time the screen opens) and the watch (resumed at the next
        // start), in one write; a watch that cannot be recorded does not run.
        let recorded = self.settings.update(|s| {
            s.fallback_rules
                .insert(deployment_id.to_string(), setup.rules.clone());
            s.watches.retain(|w| !w.is_for(&profile, deployment_id));
            s.watches.push(RecordedWatch {
                profile: profile.clone(),
                deployment_id: deployment_id.to_string(),
                channel,
                rules: setup.rules,
                mode: setup.mode,
                primary_queue_id: setup.primary_queue_id,
                fallback_flow_id: setup.fallback_flow_id,
            });
        });
        match recorded {
            Ok(_) => Ok(()),
            Err(reason) => {
                if let Some(watch) = lock(&self.session().watches).remove(deployment_id) {
                    watch.cancel.cancel();
                }
                Err(AppError::new(ErrorCode::File, reason))
            }
        }
    }

    /// Starts the watches recorded for the open profile that are not running, each
    /// reported as a [`WorkspaceEvent::WatchResumed`]. A live watch is not resumed on a
    /// profile opened read-only; a watch that cannot start stays recorded.
    pub async fn resume_watches(&self) -> Vec<WorkspaceEvent> {
        let session = self.session();
        let recorded: Vec<RecordedWatch> = self
            .settings
            .load()
            .map(|s| s.watches)
            .unwrap_or_default()
            .into_iter()
            .filter(|w| w.profile == session.profile)
            .filter(|w| !lock(&session.watches).contains_key(&w.deployment_id))
            .collect();
        let mut reports = Vec::new();
        for watch in recorded {
            // A live watch on a production org switches real routes: it resumes only when
            // the person confirms it now (the window asks), never on the strength of a
            // record in a file anyone with access to the folder could have written.
            if session.production && watch.mode == RunnerMode::Run && !session.read_only {
                let event = WorkspaceEvent::WatchResumed {
                    deployment_id: watch.deployment_id.clone(),
                    channel: watch.channel.clone(),
                    mode: watch.mode,
                    error: None,
                    needs_confirmation: true,
                };
                (self.events)(event.clone());
                reports.push(event);
                continue;
            }
            let result = if session.read_only && watch.mode == RunnerMode::Run {
                Err(AppError::new(
                    ErrorCode::ReadOnly,
                    "the profile is open read-only; open it normally to resume this live watch",
                ))
            } else {
                let setup = FallbackSetup {
                    rules: watch.rules.clone(),
                    mode: watch.mode,
                    primary_queue_id: watch.primary_queue_id.clone(),
                    fallback_flow_id: watch.fallback_flow_id.clone(),
                    confirmation: None,
                };
                // Confirmed when it was started; resuming is not a new change.
                self.start_watch(&watch.deployment_id, &setup, Confirmation::Unattended)
                    .await
                    .map(|_| ())
            };
            let error = match result {
                Ok(()) => None,
                // The channel is gone (deleted, or a Sandbox that started afresh): its
                // watch can never run again, so it is forgotten rather than retried.
                Err(error) if error.code == ErrorCode::NotFound => {
                    self.forget_watch(&session.profile, &watch.deployment_id);
                    Some(format!(
                        "the channel no longer exists in this org, so its watch was forgotten ({})",
                        error.message
                    ))
                }
                Err(error) => Some(error.message),
            };
            let event = WorkspaceEvent::WatchResumed {
                deployment_id: watch.deployment_id.clone(),
                channel: watch.channel.clone(),
                mode: watch.mode,
                error,
                needs_confirmation: false,
            };
            (self.events)(event.clone());
            reports.push(event);
        }
        reports
    }

    /// Resumes a recorded watch that waits for confirmation (a live watch of a production
    /// profile), as recorded, once the channel's name was typed.
    pub async fn resume_watch(
        &self,
        deployment_id: &str,
        confirmation: Confirmation,
    ) -> Result<()> {
        let session = self.session();
        let watch = self
            .settings
            .load()
            .map_err(AppError::invalid)?
            .watches
            .into_iter()
            .find(|w| w.is_for(&session.profile, deployment_id))
            .ok_or_else(|| {
                AppError::new(
                    ErrorCode::NotFound,
                    format!("no fallback watch of {deployment_id} waits to resume"),
                )
            })?;
        let setup = FallbackSetup {
            rules: watch.rules,
            mode: watch.mode,
            primary_queue_id: watch.primary_queue_id,
            fallback_flow_id: watch.fallback_flow_id,
            confirmation: None,
        };
        self.start_watch(deployment_id, &setup, confirmation)
            .await
            .map(|_| ())
    }

    fn forget_watch(&self, profile: &str, deployment_id: &str) {
        if let Err(reason) = self
            .settings
            .update(|s| s.watches.retain(|w| !w.is_for(profile, deployment_id)))
        {
            tracing::warn!(%reason, "could not forget a fallback watch");
        }
    }

    /// Starts a watch's runner; the channel's name on success.
    async fn start_watch(
        &self,
        deployment_id: &str,
        setup: &FallbackSetup,
        confirmation: Confirmation,
    ) -> Result<String> {
        let session = self.session();
        for (what, id) in [
            ("primary queue", &setup.primary_queue_id),
            ("fallback flow", &setup.fallback_flow_id),
        ] {
            crate::validate::parse_uuid(id)
                .map_err(|reason| AppError::invalid(format!("choose a {what}: {reason}")))?;
        }
        let target = FallbackTarget {
            deployment_id: deployment_id.to_string(),
            queue: Some(setup.primary_queue_id.clone()),
            fallback_flow: Some(setup.fallback_flow_id.clone()),
        };
        let resolved = application::fallback::resolve(&session.app, &target).await?;
        let settings = WatchSettings {
            rules: setup.rules.clone(),
            interval: application::fallback::window_interval(&session.app),
            mode: setup.mode,
            use_estimated_wait: false,
            confirmation,
        };
        let runner = application::fallback::runner(&session.app, &resolved, &settings)?;
        let deployment = resolved.deployment;
        let cancel = session.tasks.child_token();
        let last = Arc::new(Mutex::new(None));
        let events = self.events.clone();
        let profile = session.profile.clone();
        let key = deployment_id.to_string();
        let deployment_id = deployment_id.to_string();
        let channel = deployment.name.clone();
        let watching = channel.clone();
        let task = {
            let cancel = cancel.clone();
            let last = last.clone();
            tokio::spawn(async move {
                let on_event = |event: &RunnerEvent| {
                    if matches!(
                        event,
                        RunnerEvent::Evaluated { .. } | RunnerEvent::Failed { .. }
                    ) {
                        *lock(&last) = Some(event.clone());
                    }
                    if let RunnerEvent::Switched {
                        to,
                        reason,
                        dry_run: false,
                        ..
                    } = event
                    {
                        events(WorkspaceEvent::RouteSwitched {
                            deployment_id: deployment_id.clone(),
                            channel: channel.clone(),
                            to: *to,
                            reason: reason.clone(),
                        });
                    }
                    events(WorkspaceEvent::Fallback {
                        profile: profile.clone(),
                        deployment_id: deployment_id.clone(),
                        event: event.clone(),
                    });
                };
                if let Err(error) = runner.run(&cancel, None, &on_event).await {
                    on_event(&RunnerEvent::Failed {
                        message: error.to_string(),
                    });
                }
            })
        };
        if let Some(previous) = lock(&session.watches).insert(
            key,
            Watch {
                cancel,
                mode: setup.mode,
                channel: watching.clone(),
                last,
                task: Some(task),
            },
        ) {
            previous.cancel.cancel();
        }
        Ok(watching)
    }

    /// Stops a channel's watch and forgets it; `false` when none was running.
    pub fn stop_fallback(&self, deployment_id: &str) -> bool {
        self.forget_watch(&self.session().profile, deployment_id);
        match lock(&self.session().watches).remove(deployment_id) {
            Some(watch) => {
                watch.cancel.cancel();
                true
            }
            None => false,
        }
    }
}
