//! What happens in the background (monitor cycles, fallback watches, canary rounds) and
//! what quitting now would interrupt.

use serde::Serialize;

use crate::application::connection::RateBudget;
use crate::application::fallback::{RunnerEvent, RunnerMode};
use crate::application::monitoring::QueueSample;
use crate::workspace::{self, RunningWatch};

/// The `workspace` event: `kind` names the variant, fields are camelCase. Route switches
/// reach the person as an OS notification and resumed watches as `resume_watches`'s
/// answer, so neither is sent here.
#[derive(Debug, Clone, Serialize)]
#[serde(
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    tag = "kind"
)]
pub enum WorkspaceEvent {
    MonitorCycle {
        profile: String,
        ok: bool,
        error: Option<String>,
        samples: Vec<QueueSample>,
        rate_budget: RateBudget,
    },
    Fallback {
        profile: String,
        deployment_id: String,
        event: RunnerEvent,
    },
    /// A canary round ended: the Live panel of that channel reads the rounds again.
    CanaryRound { deployment_id: String },
}

impl WorkspaceEvent {
    /// The event as the window receives it, if the window receives it.
    pub fn for_window(event: workspace::WorkspaceEvent) -> Option<WorkspaceEvent> {
        use workspace::WorkspaceEvent as Event;
        match event {
            Event::MonitorCycle {
                profile,
                ok,
                error,
                samples,
                rate_budget,
            } => Some(WorkspaceEvent::MonitorCycle {
                profile,
                ok,
                error,
                samples,
                rate_budget,
            }),
            Event::Fallback {
                profile,
                deployment_id,
                event,
            } => Some(WorkspaceEvent::Fallback {
                profile,
                deployment_id,
                event,
            }),
            Event::CanaryRound { deployment_id, .. } => {
                Some(WorkspaceEvent::CanaryRound { deployment_id })
            }
            Event::WatchResumed { .. } | Event::RouteSwitched { .. } => None,
        }
    }
}

/// A fallback watch that was running when the app last closed: started again, not
/// started (`error`), or waiting for the channel's name to be typed.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResumedWatch {
    pub deployment_id: String,
    pub channel: String,
    pub mode: RunnerMode,
    pub error: Option<String>,
    pub needs_confirmation: bool,
}

impl ResumedWatch {
    pub fn from_event(event: workspace::WorkspaceEvent) -> Option<ResumedWatch> {
        match event {
            workspace::WorkspaceEvent::WatchResumed {
                deployment_id,
                channel,
                mode,
                error,
                needs_confirmation,
            } => Some(ResumedWatch {
                deployment_id,
                channel,
                mode,
                error,
                needs_confirmation,
            }),
            _ => None,
        }
    }
}

/// What quitting now would interrupt, for the window to ask about.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunningWork {
    /// What each running operation does, e.g. `publishing …`.
    pub operations: Vec<String>,
    pub watches: Vec<Watch>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Watch {
    pub deployment_id: String,
    pub channel: String,
    pub mode: RunnerMode,
}

impl From<workspace::RunningWork> for RunningWork {
    fn from(work: workspace::RunningWork) -> Self {
        RunningWork {
            operations: work.operations,
            watches: work.watches.iter().map(Watch::from).collect(),
        }
    }
}

impl From<&RunningWatch> for Watch {
    fn from(watch: &RunningWatch) -> Self {
        Watch {
            deployment_id: watch.deployment_id.clone(),
            channel: watch.channel.clone(),
            mode: watch.mode,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_reach_the_window_tagged_by_kind_with_camel_case_fields() {
        let event = WorkspaceEvent::for_window(workspace::WorkspaceEvent::CanaryRound {
            deployment_id: "d".into(),
            channel: "c".into(),
            passed: 1,
            total: 2,
            failures: vec!["greeting: no reply".into()],
        });
        let json = serde_json::to_value(&event).unwrap_or_default();
        assert_eq!(json["kind"], "canaryRound");
        assert_eq!(json["deploymentId"], "d");
    }

    #[test]
    fn route_switches_and_resumed_watches_are_not_window_events() {
        let switched = workspace::WorkspaceEvent::RouteSwitched {
            deployment_id: "d".into(),
            channel: "c".into(),
            to: crate::application::fallback::Route::Fallback,
            reason: "no agents".into(),
        };
        assert!(WorkspaceEvent::for_window(switched.clone()).is_none());
        assert!(ResumedWatch::from_event(switched).is_none());
        let resumed = workspace::WorkspaceEvent::WatchResumed {
            deployment_id: "d".into(),
            channel: "c".into(),
            mode: RunnerMode::Run,
            error: None,
            needs_confirmation: true,
        };
        assert!(WorkspaceEvent::for_window(resumed.clone()).is_none());
        let json = serde_json::to_value(ResumedWatch::from_event(resumed)).unwrap_or_default();
        assert_eq!(json["needsConfirmation"], true);
    }
}
