//! Queue observations pushed over a notification channel instead of polled: one channel,
//! one `v2.analytics.queues.{id}.observations` topic per watched queue, and the latest
//! observation of every group kept for the poller to read. When the channel closes the
//! feed says so and the poller polls again.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde::Deserialize;
use tokio::sync::Notify;

use crate::genesys::models::notifications::topic;
use crate::genesys::models::{
    ObservationMetricData, QueueObservationDataContainer, QueueObservationQueryResponse,
};
use crate::genesys::Client;

/// Subscriptions are renewed this often: a channel lives 24 hours unless resubscribed.
const RESUBSCRIBE_EVERY: Duration = Duration::from_secs(12 * 3600);

/// `eventBody` of a queue observation event: the group and its data per interval.
#[derive(Debug, Deserialize)]
struct ObservationEvent {
    group: BTreeMap<String, String>,
    #[serde(default)]
    data: Vec<IntervalData>,
}

#[derive(Debug, Deserialize)]
struct IntervalData {
    #[serde(default)]
    metrics: Vec<ObservationMetricData>,
}

#[derive(Default)]
struct Latest {
    /// By group (`queueId` and `mediaType`): the newest data.
    groups: BTreeMap<BTreeMap<String, String>, Vec<ObservationMetricData>>,
    events: u64,
}

/// A live subscription of the watched queues' observations.
pub struct PushFeed {
    latest: Arc<Mutex<Latest>>,
    live: Arc<AtomicBool>,
    changed: Arc<Notify>,
    reader: tokio::task::JoinHandle<()>,
    queues: Vec<String>,
}

impl Drop for PushFeed {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

impl PushFeed {
    /// Subscribes every queue; the reason push is not possible otherwise (the topic is
    /// not offered, a subscription is rejected, the socket does not open).
    pub async fn start(client: &Client, queue_ids: &[String]) -> Result<PushFeed, String> {
        let notifications = client.notifications();
        let offered = notifications
            .available_topics()
            .await
            .map_err(|e| format!("the org's topics could not be read: {e}"))?;
        if !offered.iter().any(|t| t.id == topic::QUEUE_OBSERVATIONS) {
            return Err("the org offers no queue observation topic".into());
        }
        let channel = notifications
            .create_channel()
            .await
            .map_err(|e| format!("no notification channel: {e}"))?;
        let topics: Vec<String> = queue_ids
            .iter()
            .map(|q| topic::queue_observations(q))
            .collect();
        let subscribed = notifications
            .subscribe(&channel.id, &topics)
            .await
            .map_err(|e| format!("the subscription failed: {e}"))?;
        if let Some(rejected) = subscribed.iter().find(|t| !t.is_permitted()) {
            let missing = rejected.missing_permissions.clone().unwrap_or_default();
            return Err(format!(
                "{} was rejected{}{}",
                rejected.id,
                rejected
                    .rejection_reason
                    .as_deref()
                    .map(|r| format!(": {r}"))
                    .unwrap_or_default(),
                if missing.is_empty() {
                    String::new()
                } else {
                    format!(" (missing {})", missing.join(", "))
                }
            ));
        }
        let mut stream = notifications.connect(&channel).await?;
        let latest = Arc::new(Mutex::new(Latest::default()));
        let live = Arc::new(AtomicBool::new(true));
        let changed = Arc::new(Notify::new());
        let (task_latest, task_live, task_changed) =
            (latest.clone(), live.clone(), changed.clone());
        let renewer = client.clone();
        let reader = tokio::spawn(async move {
            let mut renew = tokio::time::interval(RESUBSCRIBE_EVERY);
            renew.tick().await;
            loop {
                tokio::select! {
                    event = stream.next_event() => {
                        let Some(event) = event else { break };
                        let Ok(body) = serde_json::from_value::<ObservationEvent>(event.event_body) else {
                            continue;
                        };
                        let mut latest = task_latest.lock().unwrap_or_else(PoisonError::into_inner);
                        latest.groups.insert(
                            body.group,
                            body.data.into_iter().flat_map(|d| d.metrics).collect(),
                        );
                        latest.events += 1;
                        drop(latest);
                        task_changed.notify_one();
                    }
                    _ = renew.tick() => {
                        if renewer.notifications().subscribe(&channel.id, &topics).await.is_err() {
                            break;
                        }
                    }
                }
            }
            task_live.store(false, Ordering::SeqCst);
            task_changed.notify_one();
        });
        Ok(PushFeed {
            latest,
            live,
            changed,
            reader,
            queues: queue_ids.to_vec(),
        })
    }

    pub fn is_live(&self) -> bool {
        self.live.load(Ordering::SeqCst)
    }

    /// Events received so far.
    pub fn events(&self) -> u64 {
        self.latest
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .events
    }

    /// The newest observations as an observations answer, once every watched queue has
    /// reported; `None` before that or when the channel is closed.
    pub fn response(&self) -> Option<QueueObservationQueryResponse> {
        if !self.is_live() {
            return None;
        }
        let latest = self.latest.lock().unwrap_or_else(PoisonError::into_inner);
        let reported = |queue: &String| {
            latest
                .groups
                .keys()
                .any(|group| group.get("queueId") == Some(queue))
        };
        if !self.queues.iter().all(reported) {
            return None;
        }
        Some(QueueObservationQueryResponse {
            results: latest
                .groups
                .iter()
                .map(|(group, data)| QueueObservationDataContainer {
                    group: group.clone(),
                    data: data.clone(),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        })
    }

    /// Waits for the next event (or the channel closing).
    pub async fn changed(&self) {
        self.changed.notified().await;
    }
}
