//! Watches the primary queue and moves the deployment between the primary and fallback
//! flows as [`decide`](super::decide) says. One observations request per cycle.
//!
//! Before switching it checks that the target flow exists and is an inbound message flow,
//! and it never switches while the deployment is being published (in this process) or is
//! `Pending` (anywhere). Every switch is logged with the numbers that caused it.

use crate::store::{AuditedEntity, LocalActionKind};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use crate::channel::{log_action, ChannelError, InFlight};
use crate::genesys::models::{
    metric, AnalyticsFilter, DeploymentFlowRef, DeploymentStatus, QueueObservationQuery,
    QueueObservationQueryResponse,
};
use crate::genesys::Client;
use crate::store::{timestamp, Store, SwitchRecord};

use super::{decide, Decision, FallbackRules, FallbackState, Route, Sample};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RunnerMode {
    /// Switch the deployment.
    Run,
    /// Decide and log what would be done; change nothing.
    DryRun,
}

#[derive(Debug, Clone)]
pub struct RunnerSettings {
    pub profile: String,
    pub deployment_id: String,
    pub primary_queue_id: String,
    pub primary_flow_id: String,
    pub fallback_flow_id: String,
    pub rules: FallbackRules,
    pub interval: Duration,
    pub mode: RunnerMode,
    /// Also ask the queue's estimated wait each cycle (one more request).
    pub use_estimated_wait: bool,
    /// The session's publishes in flight: no switch while one of this deployment runs.
    pub in_flight: InFlight,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase", tag = "event")]
pub enum RunnerEvent {
    Evaluated {
        sample: Sample,
        decision: Decision,
    },
    Switched {
        to: Route,
        reason: String,
        sample: Sample,
        dry_run: bool,
    },
    Skipped {
        reason: String,
    },
    Failed {
        message: String,
    },
}

/// Reduces an observations response to the sample of one queue (the monitor's reading of
/// the same response). `now` is the caller's clock, used to turn the longest-waiting
/// start time into a duration.
pub fn sample_from_observations(
    response: &QueueObservationQueryResponse,
    queue_id: &str,
    now: DateTime<Utc>,
) -> Sample {
    let observed = crate::monitor::poller::sample_of(response, queue_id, now);
    Sample {
        at: now,
        agents_on_queue: observed.agents_on_queue,
        waiting: observed.waiting,
        longest_wait_seconds: if observed.waiting > 0 {
            observed.longest_wait_seconds
        } else {
            0
        },
        estimated_wait_seconds: None,
    }
}

pub struct FallbackRunner {
    client: Client,
    store: Store,
    settings: RunnerSettings,
}

impl FallbackRunner {
    pub fn new(
        client: Client,
        store: Store,
        settings: RunnerSettings,
    ) -> Result<FallbackRunner, ChannelError> {
        settings.rules.check().map_err(|reason| {
            let mut errors = crate::validate::ValidationErrors::default();
            errors.push("rules", reason);
            ChannelError::Invalid(errors)
        })?;
        Ok(FallbackRunner {
            client,
            store,
            settings,
        })
    }

    /// By the org's clock, which the org's dates are compared with.
    fn now(&self) -> DateTime<Utc> {
        self.client.now()
    }

    /// Which route the deployment is on now.
    pub async fn current_state(&self) -> Result<FallbackState, ChannelError> {
        let deployment = self
            .client
            .deployments()
            .get(&self.settings.deployment_id)
            .await?;
        let flow = deployment.flow.and_then(|f| f.id);
        let route = if flow.as_deref() == Some(self.settings.fallback_flow_id.as_str()) {
            Route::Fallback
        } else {
            Route::Primary
        };
        Ok(FallbackState::on(route))
    }

    /// Takes one sample of the primary queue.
    pub async fn sample(&self) -> Result<Sample, ChannelError> {
        let query = QueueObservationQuery {
            filter: AnalyticsFilter::any_of("queueId", [self.settings.primary_queue_id.clone()]),
            metrics: vec![
                metric::WAITING.into(),
                metric::ON_QUEUE_USERS.into(),
                metric::LONGEST_WAITING.into(),
            ],
            detail_metrics: None,
            ..Default::default()
        };
        // Sampling is background work; a switch goes out as interactive work, first.
        let sampler = self.client.background();
        let response = sampler.analytics().queue_observations(&query).await?;
        let mut sample =
            sample_from_observations(&response, &self.settings.primary_queue_id, self.now());
        if self.settings.use_estimated_wait {
            let estimate = sampler
                .queues()
                .estimated_wait_time(&self.settings.primary_queue_id, None)
                .await?;
            sample.estimated_wait_seconds =
                estimate.message_estimate_seconds().map(|s| s.max(0) as u64);
        }
        Ok(sample)
    }

    /// One cycle: sample, decide, and (in run mode) switch. Returns what happened.
    pub async fn cycle(&self, state: &mut FallbackState) -> Result<Vec<RunnerEvent>, ChannelError> {
        let sample = self.sample().await?;
        let before = state.clone();
        let decision = decide(&self.settings.rules, state, &sample);
        let mut events = vec![RunnerEvent::Evaluated {
            sample: sample.clone(),
            decision: decision.clone(),
        }];
        let target = match &decision {
            Decision::SwitchToFallback { .. } => Route::Fallback,
            Decision::SwitchToPrimary { .. } => Route::Primary,
            Decision::Stay { .. } => return Ok(events),
        };
        match self.switch(target, decision.reason(), &sample).await {
            Ok(event) => events.push(event),
            Err(skip) => {
                // The switch did not happen: keep the old state so the next cycle retries.
                *state = before;
                events.push(skip);
            }
        }
        Ok(events)
    }

    async fn switch(
        &self,
        to: Route,
        reason: &str,
        sample: &Sample,
    ) -> Result<RunnerEvent, RunnerEvent> {
        let settings = &self.settings;
        let dry_run = settings.mode == RunnerMode::DryRun;
        let target_flow = match to {
            Route::Fallback => &settings.fallback_flow_id,
            Route::Primary => &settings.primary_flow_id,
        };
        if !dry_run {
            if settings.in_flight.contains(&settings.deployment_id) {
                return Err(RunnerEvent::Skipped {
                    reason: "a publish of this channel is in progress".into(),
                });
            }
            let failed = |message: String| RunnerEvent::Failed { message };
            let flow = self
                .client
                .flows()
                .get(target_flow)
                .await
                .map_err(|e| failed(format!("the {to:?} flow could not be checked: {e}")))?;
            if !flow.is_inbound_message_flow() {
                return Err(failed(format!(
                    "flow {target_flow} is not an inbound message flow; not switching"
                )));
            }
            let mut deployment = self
                .client
                .deployments()
                .get(&settings.deployment_id)
                .await
                .map_err(|e| failed(e.to_string()))?;
            if deployment.status == Some(DeploymentStatus::Pending) {
                return Err(RunnerEvent::Skipped {
                    reason: "the deployment is Pending (being published or updated)".into(),
                });
            }
            deployment.flow = Some(DeploymentFlowRef {
                id: Some(target_flow.clone()),
                ..Default::default()
            });
            self.client
                .deployments()
                .update(&settings.deployment_id, &deployment)
                .await
                .map_err(|e| failed(e.to_string()))?;
        }
        let sample_json = serde_json::to_value(sample).unwrap_or_default();
        let record = SwitchRecord {
            at: timestamp(sample.at),
            deployment_id: settings.deployment_id.clone(),
            to_route: format!("{to:?}").to_lowercase(),
            reason: reason.to_string(),
            sample: sample_json.clone(),
            dry_run,
        };
        if let Err(error) = self.store.record_switch(&record) {
            tracing::warn!(%error, "could not record the fallback switch");
        }
        if !dry_run {
            log_action(
                &self.store,
                &settings.profile,
                LocalActionKind::FallbackSwitch,
                AuditedEntity::Deployment,
                &settings.deployment_id,
                None,
                serde_json::json!({"to": record.to_route, "flowId": target_flow, "reason": reason, "sample": sample_json}),
            );
        }
        tracing::info!(
            deployment = %settings.deployment_id,
            to = %record.to_route,
            agents = sample.agents_on_queue,
            waiting = sample.waiting,
            wait_s = sample.wait().as_secs(),
            dry_run,
            "{reason}"
        );
        Ok(RunnerEvent::Switched {
            to,
            reason: reason.to_string(),
            sample: sample.clone(),
            dry_run,
        })
    }

    /// Cycles every `interval` until cancelled (or `max_cycles`), reporting each event.
    pub async fn run(
        &self,
        cancel: &CancellationToken,
        max_cycles: Option<u64>,
        on_event: &(dyn Fn(&RunnerEvent) + Send + Sync),
    ) -> Result<FallbackState, ChannelError> {
        let mut state = self.current_state().await?;
        let mut cycles = 0u64;
        loop {
            match self.cycle(&mut state).await {
                Ok(events) => events.iter().for_each(on_event),
                // A failed sample is reported and the watch goes on; the client already
                // retried what was worth retrying.
                Err(error) => on_event(&RunnerEvent::Failed {
                    message: error.to_string(),
                }),
            }
            cycles += 1;
            if max_cycles.is_some_and(|max| cycles >= max) {
                return Ok(state);
            }
            tokio::select! {
                _ = cancel.cancelled() => return Ok(state),
                _ = tokio::time::sleep(self.settings.interval) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_sample_counts_web_messages_only_and_agents_from_the_user_group() {
        let now = Utc::now();
        let started = now - chrono::Duration::seconds(95);
        let response: QueueObservationQueryResponse = serde_json::from_value(json!({"results": [
            {"group": {"queueId": "q", "mediaType": "message"}, "data": [
                {"metric": "oWaiting", "stats": {"count": 4}},
                {"metric": "oLongestWaiting", "stats": {"count": 1, "calculatedMetricValue": started.timestamp_millis()}}]},
            {"group": {"queueId": "q"}, "data": [
                {"metric": "oOnQueueUsers", "qualifier": "IDLE", "stats": {"count": 1}},
                {"metric": "oOnQueueUsers", "qualifier": "INTERACTING", "stats": {"count": 2}}]},
            {"group": {"queueId": "q", "mediaType": "voice"}, "data": [
                {"metric": "oWaiting", "stats": {"count": 12}},
                {"metric": "oLongestWaiting", "stats": {"count": 1, "calculatedMetricValue": (started - chrono::Duration::seconds(600)).timestamp_millis()}}]},
            {"group": {"queueId": "other"}, "data": [{"metric": "oOnQueueUsers", "qualifier": "IDLE", "stats": {"count": 9}}]}
        ]}))
        .unwrap();
        let sample = sample_from_observations(&response, "q", now);
        assert_eq!(
            (
                sample.agents_on_queue,
                sample.waiting,
                sample.longest_wait_seconds
            ),
            (3, 4, 95)
        );
    }
}
