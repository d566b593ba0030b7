//! The polling loop: one observations request per cycle for every watched queue, estimated
//! waits on a slower cadence, samples into the history, flags against directives, events
//! to the audit log and the trackers, and a schedule that respects the rate budget.
//!
//! Memory stays flat however long it runs: between cycles it keeps a few numbers per
//! queue and per tracked conversation, never the samples themselves.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use crate::genesys::models::{
    metric, AnalyticsFilter, QueueObservationQuery, QueueObservationQueryResponse,
    WEB_MESSAGING_MEDIA,
};
use crate::genesys::Client;
use crate::store::Store;

use super::audit_log::AuditLog;
use super::callbacks::Callbacks;
use super::schedule::{next_interval, MIN_INTERVAL};
use super::tracker::ConversationTracker;
pub use super::tracker::{Tracking, TrackingState};
use super::{evaluate_flags, history, smooth, Directives, Flags, QueueSample, DEFAULT_SMOOTHING};

#[derive(Debug, Clone)]
pub struct WatchedQueue {
    pub id: String,
    pub name: String,
    pub directives: Directives,
}

#[derive(Debug, Clone)]
pub struct PollerSettings {
    pub interval: Duration,
    /// Ask each queue's estimated wait every this many cycles (0: never).
    pub estimate_every: u32,
    pub smoothing: f64,
    pub retention: Duration,
    /// Follow one conversation: `(queue id, conversation id)`.
    pub track: Option<(String, String)>,
    /// Take observations pushed over a notification channel where the org allows it,
    /// polling only while it cannot (not while following a conversation).
    pub push: bool,
}

impl Default for PollerSettings {
    fn default() -> Self {
        PollerSettings {
            interval: Duration::from_secs(10),
            estimate_every: 6,
            smoothing: DEFAULT_SMOOTHING,
            retention: history::DEFAULT_RETENTION,
            track: None,
            push: true,
        }
    }
}

/// A flag change of one queue.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FlagChange {
    pub queue_id: String,
    pub queue_name: String,
    pub before: Option<Flags>,
    pub after: Flags,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CycleReport {
    pub at: String,
    pub latency_ms: u64,
    pub ok: bool,
    pub error: Option<String>,
    pub requests: u64,
    pub samples: Vec<QueueSample>,
    pub flags: Vec<(String, Flags)>,
    pub changes: Vec<FlagChange>,
    pub tracking: Option<Tracking>,
    pub next_interval_ms: u64,
    /// Where the observations came from: `push` (a notification channel) or `poll`.
    pub source: &'static str,
}

#[derive(Default)]
struct QueueState {
    smoothed: Option<f64>,
    last_estimate: Option<u64>,
    flags: Option<Flags>,
    /// While pushed: when the estimate was last asked, and the waiting count then.
    estimated_at: Option<tokio::time::Instant>,
    estimated_for_waiting: Option<u32>,
}

impl QueueState {
    /// While observations are pushed, a queue's estimate is asked again when its line
    /// has changed (at most once a minute), when it has jumped (a surge is news within
    /// seconds, not a minute later), or every [`PUSH_ESTIMATE_EVERY`]: a queue that does
    /// not move costs nothing.
    fn estimate_due(&self, waiting: u32) -> bool {
        let (Some(at), Some(then)) = (self.estimated_at, self.estimated_for_waiting) else {
            return true;
        };
        let since = at.elapsed();
        let jumped = waiting.abs_diff(then) >= PUSH_ESTIMATE_JUMP.max(then / 2);
        since >= PUSH_ESTIMATE_EVERY
            || (waiting != then && since >= PUSH_ESTIMATE_MIN_GAP)
            || (jumped && since >= PUSH_ESTIMATE_JUMP_GAP)
    }
}

pub struct Poller {
    client: Client,
    store: Store,
    queues: Vec<WatchedQueue>,
    settings: PollerSettings,
    callbacks: Callbacks,
    audit: Option<AuditLog>,
    states: Vec<QueueState>,
    tracker: Option<ConversationTracker>,
    cycles: u64,
    consecutive_rate_limits: u32,
    push: Option<super::push::PushFeed>,
    /// Why observations are polled although push was asked for.
    push_note: Option<String>,
    /// When push was last tried, so a closed channel is retried now and then.
    push_tried: Option<tokio::time::Instant>,
}

/// While observations are pushed, a queue whose line does not move has its estimated
/// wait asked this rarely: under 0.1 requests per queue per minute.
pub const PUSH_ESTIMATE_EVERY: Duration = Duration::from_secs(15 * 60);
/// A queue whose line moves has its estimate asked at most this often while pushed.
pub const PUSH_ESTIMATE_MIN_GAP: Duration = Duration::from_secs(60);
/// A line that grew or shrank by this many (or by half, if more) is a jump.
pub const PUSH_ESTIMATE_JUMP: u32 = 10;
/// A jumping line has its estimate asked at most this often while pushed.
pub const PUSH_ESTIMATE_JUMP_GAP: Duration = Duration::from_secs(5);
/// A closed channel is tried again after this long; meanwhile the queues are polled.
const PUSH_RETRY_AFTER: Duration = Duration::from_secs(10 * 60);
/// Push events arriving together make one cycle, and pushed cycles are at least this
/// far apart, so a busy queue does not write a sample per event.
const PUSH_SETTLE: Duration = Duration::from_millis(500);

impl Poller {
    pub fn new(
        client: Client,
        store: Store,
        queues: Vec<WatchedQueue>,
        settings: PollerSettings,
        callbacks: Callbacks,
        audit: Option<AuditLog>,
    ) -> Result<Poller, String> {
        if queues.is_empty() {
            return Err("give at least one queue to watch".into());
        }
        if settings.interval < MIN_INTERVAL {
            return Err(format!(
                "the interval must be at least {} s, to stay inside the rate limits",
                MIN_INTERVAL.as_secs()
            ));
        }
        if !(0.0..=1.0).contains(&settings.smoothing) || settings.smoothing == 0.0 {
            return Err("the smoothing factor must be above 0 and at most 1".into());
        }
        for queue in &queues {
            queue
                .directives
                .check()
                .map_err(|reason| format!("queue {}: {reason}", queue.name))?;
        }
        let states = queues.iter().map(|_| QueueState::default()).collect();
        let tracker = settings
            .track
            .as_ref()
            .map(|(queue, conversation)| ConversationTracker::new(queue, conversation));
        Ok(Poller {
            client: client.background(),
            store,
            queues,
            settings,
            callbacks,
            audit,
            states,
            tracker,
            cycles: 0,
            consecutive_rate_limits: 0,
            push: None,
            push_note: None,
            push_tried: None,
        })
    }

    /// Whether observations come by push now.
    pub fn pushed(&self) -> bool {
        self.push.as_ref().is_some_and(|feed| feed.is_live())
    }

    /// Why observations are polled although push was asked for.
    pub fn push_note(&self) -> Option<&str> {
        self.push_note.as_deref()
    }

    /// Opens the push feed when asked for and due; on failure notes why and polls.
    async fn ensure_push(&mut self) {
        if !self.settings.push || self.tracker.is_some() || self.pushed() {
            return;
        }
        if self.push.take().is_some() {
            self.push_note = Some("the notification channel closed; polling".into());
        }
        let due = self
            .push_tried
            .is_none_or(|at| at.elapsed() >= PUSH_RETRY_AFTER);
        if !due {
            return;
        }
        self.push_tried = Some(tokio::time::Instant::now());
        let ids: Vec<String> = self.queues.iter().map(|q| q.id.clone()).collect();
        match super::push::PushFeed::start(&self.client, &ids).await {
            Ok(feed) => {
                self.push = Some(feed);
                self.push_note = None;
            }
            Err(reason) => {
                tracing::info!(%reason, "queue observations are polled");
                self.push_note = Some(reason);
            }
        }
    }

    /// By the org's clock, which the org's dates are compared with.
    fn now(&self) -> DateTime<Utc> {
        self.client.now()
    }

    pub fn callbacks(&self) -> &Callbacks {
        &self.callbacks
    }

    fn requests_per_cycle(&self) -> u32 {
        if self.pushed() {
            return 0;
        }
        let estimates = if self.settings.estimate_every > 0 {
            self.queues.len() as u32 / self.settings.estimate_every.max(1)
        } else {
            0
        };
        1 + estimates + u32::from(self.settings.track.is_some())
    }

    /// One cycle. Failures are reported in the report, not returned: polling goes on.
    pub async fn cycle(&mut self) -> CycleReport {
        let started = tokio::time::Instant::now();
        let requests_before = self.client.api_requests();
        let limited_before = self.client.rate_budget().rate_limited_responses;
        let now = self.now();
        self.cycles += 1;
        let result = self.poll(now).await;
        // A 429 slows the schedule even when the client waited it out and the cycle
        // succeeded: the budget is telling us we ask too often.
        let met_rate_limit = self.client.rate_budget().rate_limited_responses > limited_before;
        let (ok, error, samples, tracking) = match result {
            Ok((samples, tracking)) => (true, None, samples, tracking),
            Err(error) => (false, Some(error.to_string()), Vec::new(), None),
        };
        if met_rate_limit
            || error.is_some()
                && self.client.rate_budget().last_retry_after_seconds.is_some()
                && !ok
        {
            self.consecutive_rate_limits += 1;
        } else if ok {
            self.consecutive_rate_limits = 0;
        }
        let mut flags = Vec::new();
        let mut changes = Vec::new();
        for sample in &samples {
            let Some(index) = self.queues.iter().position(|q| q.id == sample.queue_id) else {
                continue;
            };
            let evaluated = evaluate_flags(sample, &self.queues[index].directives);
            let before = self.states[index].flags.clone();
            if before.as_ref().is_none_or(|b| b.differs_from(&evaluated)) {
                changes.push(FlagChange {
                    queue_id: sample.queue_id.clone(),
                    queue_name: self.queues[index].name.clone(),
                    before,
                    after: evaluated.clone(),
                });
            }
            self.states[index].flags = Some(evaluated.clone());
            flags.push((sample.queue_id.clone(), evaluated));
        }
        if !samples.is_empty() {
            if let Err(error) = history::append(&self.store, &samples) {
                tracing::warn!(%error, "could not write the queue history");
            }
        }
        if self.cycles % 720 == 1 {
            if let Err(error) =
                history::prune(&self.store, now.timestamp_millis(), self.settings.retention)
            {
                tracing::warn!(%error, "could not prune the queue history");
            }
        }
        let budget = self.client.rate_budget();
        let next = next_interval(
            self.settings.interval,
            self.requests_per_cycle(),
            &budget,
            self.consecutive_rate_limits,
        );
        let report = CycleReport {
            at: crate::store::timestamp(now),
            latency_ms: started.elapsed().as_millis() as u64,
            ok,
            error,
            requests: self.client.api_requests() - requests_before,
            samples,
            flags,
            changes,
            tracking,
            next_interval_ms: next.as_millis() as u64,
            source: if self.pushed() { "push" } else { "poll" },
        };
        self.publish(&report);
        report
    }

    fn publish(&mut self, report: &CycleReport) {
        let cycle_entry = serde_json::json!({
            "type": "cycle", "at": report.at, "latencyMs": report.latency_ms, "ok": report.ok, "error": report.error,
            "requests": report.requests, "nextIntervalMs": report.next_interval_ms,
            "queues": report.samples.iter().zip(&report.flags).map(|(s, (_, f))| serde_json::json!({
                "queueId": s.queue_id, "waiting": s.waiting, "interacting": s.interacting, "agentsOnQueue": s.agents_on_queue,
                "longestWaitSeconds": s.longest_wait_seconds, "estimatedWaitSeconds": s.estimated_wait_seconds,
                "smoothedWaitSeconds": s.smoothed_wait_seconds, "overCapacity": f.over_capacity, "waitExceeded": f.wait_exceeded,
                "availability": f.availability,
            })).collect::<Vec<_>>(),
            "tracking": report.tracking,
        });
        let mut entries = vec![cycle_entry];
        entries.extend(report.changes.iter().map(|change| {
            serde_json::json!({"type": "flags", "at": report.at, "queueId": change.queue_id, "queueName": change.queue_name,
                               "before": change.before, "after": change.after})
        }));
        for entry in &entries {
            if let Some(log) = self.audit.as_mut() {
                if let Err(error) = log.write(entry) {
                    tracing::warn!(%error, "could not write the monitor audit log");
                }
            }
            self.callbacks.send(entry);
        }
    }

    async fn poll(
        &mut self,
        now: DateTime<Utc>,
    ) -> Result<(Vec<QueueSample>, Option<Tracking>), crate::genesys::Error> {
        let tracking_queue = self.settings.track.as_ref().map(|(queue, _)| queue.clone());
        let query = QueueObservationQuery {
            filter: AnalyticsFilter::any_of("queueId", self.queues.iter().map(|q| q.id.clone())),
            metrics: vec![
                metric::WAITING.into(),
                metric::INTERACTING.into(),
                metric::ON_QUEUE_USERS.into(),
                metric::LONGEST_WAITING.into(),
            ],
            detail_metrics: tracking_queue
                .as_ref()
                .map(|_| vec![metric::WAITING.to_string()]),
            ..Default::default()
        };
        let pushed = self.push.as_ref().and_then(|feed| feed.response());
        let from_push = pushed.is_some();
        let response = match pushed {
            Some(response) => response,
            None => self.client.analytics().queue_observations(&query).await?,
        };
        let polled_round = !from_push
            && self.settings.estimate_every > 0
            && (self.cycles - 1).is_multiple_of(u64::from(self.settings.estimate_every));
        let mut samples = Vec::with_capacity(self.queues.len());
        for index in 0..self.queues.len() {
            let id = self.queues[index].id.clone();
            let mut sample = sample_of(&response, &id, now);
            let ask_estimate = if from_push {
                self.settings.estimate_every > 0 && self.states[index].estimate_due(sample.waiting)
            } else {
                polled_round
            };
            if ask_estimate {
                self.states[index].estimated_at = Some(tokio::time::Instant::now());
                self.states[index].estimated_for_waiting = Some(sample.waiting);
                let estimate = self
                    .client
                    .queues()
                    .estimated_wait_time_for_media(&id, "message")
                    .await?;
                self.states[index].last_estimate =
                    estimate.message_estimate_seconds().map(|s| s.max(0) as u64);
                sample.estimated_wait_seconds = self.states[index].last_estimate;
            }
            if let Some(estimate) = self.states[index].last_estimate {
                let smoothed = smooth(
                    self.states[index].smoothed,
                    estimate as f64,
                    self.settings.smoothing,
                );
                self.states[index].smoothed = Some(smoothed);
                sample.smoothed_wait_seconds = Some((smoothed * 10.0).round() / 10.0);
            }
            samples.push(sample);
        }
        let tracking = match &mut self.tracker {
            Some(tracker) => Some(tracker.follow(&self.client, &response, now).await?),
            None => None,
        };
        Ok((samples, tracking))
    }

    /// Cycles until cancelled or `run_for` has passed, sleeping as the schedule says.
    pub async fn run(
        &mut self,
        cancel: &CancellationToken,
        run_for: Option<Duration>,
        on_report: &(dyn Fn(&CycleReport) + Send + Sync),
    ) {
        let started = tokio::time::Instant::now();
        loop {
            self.ensure_push().await;
            let report = self.cycle().await;
            on_report(&report);
            let wait = Duration::from_millis(report.next_interval_ms);
            if run_for.is_some_and(|limit| started.elapsed() + wait > limit) {
                return;
            }
            // With push a cycle runs as soon as a change arrives (and at the interval
            // still, to keep the history even); without, at the interval.
            let pushed_change = async {
                match &self.push {
                    Some(feed) if feed.is_live() => {
                        feed.changed().await;
                        tokio::time::sleep(PUSH_SETTLE).await;
                    }
                    _ => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                _ = cancel.cancelled() => return,
                _ = tokio::time::sleep(wait) => {}
                _ = pushed_change => {}
            }
        }
    }
}

/// One queue's numbers from a shared observations response: conversations counted from
/// its web-messaging group only, agents from its user group.
pub fn sample_of(
    response: &QueueObservationQueryResponse,
    queue_id: &str,
    now: DateTime<Utc>,
) -> QueueSample {
    let mut sample = QueueSample {
        queue_id: queue_id.to_string(),
        at_ms: now.timestamp_millis(),
        waiting: 0,
        interacting: 0,
        agents_on_queue: 0,
        agents_idle: 0,
        longest_wait_seconds: 0,
        estimated_wait_seconds: None,
        smoothed_wait_seconds: None,
    };
    let count = |value: Option<i64>| value.unwrap_or(0).max(0) as u32;
    for data in response.conversation_metrics(queue_id, WEB_MESSAGING_MEDIA) {
        match data.metric.as_str() {
            metric::WAITING => sample.waiting += count(data.stats.count),
            metric::INTERACTING => sample.interacting += count(data.stats.count),
            metric::LONGEST_WAITING => {
                if let Some(started) = data
                    .stats
                    .calculated_metric_value
                    .and_then(DateTime::<Utc>::from_timestamp_millis)
                {
                    sample.longest_wait_seconds = (now - started).num_seconds().max(0) as u64;
                }
            }
            _ => {}
        }
    }
    for data in response.user_metrics(queue_id) {
        if data.metric == metric::ON_QUEUE_USERS {
            sample.agents_on_queue += count(data.stats.count);
            if data.qualifier.as_deref() == Some("IDLE") {
                sample.agents_idle += count(data.stats.count);
            }
        }
    }
    sample
}

#[cfg(test)]
mod estimate_tests {
    use super::*;

    fn estimated(waiting: u32) -> QueueState {
        QueueState {
            estimated_at: Some(tokio::time::Instant::now()),
            estimated_for_waiting: Some(waiting),
            ..QueueState::default()
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_still_line_is_estimated_again_only_after_fifteen_minutes() {
        let state = estimated(3);
        tokio::time::advance(PUSH_ESTIMATE_EVERY - Duration::from_secs(1)).await;
        assert!(!state.estimate_due(3));
        tokio::time::advance(Duration::from_secs(1)).await;
        assert!(state.estimate_due(3));
    }

    #[tokio::test(start_paused = true)]
    async fn a_moving_line_is_estimated_at_most_once_a_minute() {
        let state = estimated(3);
        tokio::time::advance(Duration::from_secs(30)).await;
        assert!(!state.estimate_due(5), "two more is not a jump");
        tokio::time::advance(Duration::from_secs(30)).await;
        assert!(state.estimate_due(5));
    }

    #[tokio::test(start_paused = true)]
    async fn a_surge_is_estimated_within_seconds() {
        let state = estimated(0);
        tokio::time::advance(Duration::from_secs(2)).await;
        assert!(!state.estimate_due(40), "not twice within the jump gap");
        tokio::time::advance(PUSH_ESTIMATE_JUMP_GAP).await;
        assert!(state.estimate_due(40));
        // On a long line a jump is half of it: 100 → 140 is a change, not a surge.
        let long = estimated(100);
        tokio::time::advance(PUSH_ESTIMATE_JUMP_GAP).await;
        assert!(!long.estimate_due(140));
        assert!(long.estimate_due(30));
    }
}
