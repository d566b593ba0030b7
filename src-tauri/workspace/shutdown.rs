//! Quitting without leaving anything half-done: what is running, the question the window
//! asks about it, and the ordered stop (cancel, wait with a bound, keep watches to resume).

use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use crate::fallback::RunnerMode;

use super::{lock, Workspace};

/// A long operation the window started, cancellable by its id.
pub(super) struct RunningOperation {
    pub token: CancellationToken,
    pub description: String,
}

/// What would be interrupted by quitting now.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunningWork {
    /// What each running operation does, e.g. `publishing …`.
    pub operations: Vec<String>,
    pub watches: Vec<RunningWatch>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RunningWatch {
    pub deployment_id: String,
    pub channel: String,
    pub mode: RunnerMode,
}

impl RunningWork {
    /// Operations and live watches deserve a question; a dry run changes nothing.
    pub fn needs_confirmation(&self) -> bool {
        !self.operations.is_empty() || self.watches.iter().any(|w| w.mode == RunnerMode::Run)
    }
}

/// How the stop went.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ShutdownReport {
    pub cancelled_operations: usize,
    /// Operations still running when the bound ran out (the process ends them).
    pub unfinished_operations: Vec<String>,
    /// Watches kept in the settings, resumed when their profile opens again.
    pub watches_to_resume: usize,
    pub waited_ms: u64,
}

impl Workspace {
    pub fn running_work(&self) -> RunningWork {
        let mut operations: Vec<String> = lock(&self.operations)
            .values()
            .map(|running| running.description.clone())
            .collect();
        operations.sort();
        let session = self.session();
        let mut watches: Vec<RunningWatch> = lock(&session.watches)
            .iter()
            .map(|(deployment_id, watch)| RunningWatch {
                deployment_id: deployment_id.clone(),
                channel: watch.channel.clone(),
                mode: watch.mode,
            })
            .collect();
        watches.sort_by(|a, b| a.channel.cmp(&b.channel));
        RunningWork {
            operations,
            watches,
        }
    }

    /// Cancels every operation and background task and waits up to `bound` for the
    /// operations to end. Each operation ends at a point where nothing is half-made (a
    /// create not yet deployed removes its configuration) and records its outcome;
    /// watches stay recorded, to resume with their profile.
    pub async fn shut_down(&self, bound: Duration) -> ShutdownReport {
        let started = Instant::now();
        let cancelled_operations = {
            let operations = lock(&self.operations);
            operations
                .values()
                .for_each(|running| running.token.cancel());
            operations.len()
        };
        let session = self.session();
        session.shutdown();
        let deadline = tokio::time::Instant::now() + bound;
        let watch_tasks: Vec<_> = lock(&session.watches)
            .values_mut()
            .filter_map(|watch| watch.task.take())
            .collect();
        for task in watch_tasks {
            // A cycle in flight finishes (a switch is made and logged, or not begun).
            let _ = tokio::time::timeout_at(deadline, task).await;
        }
        while !lock(&self.operations).is_empty() && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        let unfinished_operations = lock(&self.operations)
            .values()
            .map(|running| running.description.clone())
            .collect();
        let profile = session.profile.clone();
        let watches_to_resume = self
            .settings
            .load()
            .map(|settings| {
                settings
                    .watches
                    .iter()
                    .filter(|w| w.profile == profile)
                    .count()
            })
            .unwrap_or(0);
        ShutdownReport {
            cancelled_operations,
            unfinished_operations,
            watches_to_resume,
            waited_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        }
    }
}
