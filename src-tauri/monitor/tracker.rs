//! Following one conversation through a queue: its place in line from the observation
//! details, the estimate Genesys gives for it, and how long it really waited.
//!
//! The monitor's poller feeds it the observations it already asks for; the visitor's
//! test drive asks for its own (one queue, one detail metric).

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::genesys::models::{
    metric, AnalyticsFilter, QueueObservationQuery, QueueObservationQueryResponse,
    WEB_MESSAGING_MEDIA,
};
use crate::genesys::Client;

/// Where a followed conversation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum TrackingState {
    /// In the queue: it has a position.
    Waiting,
    /// Seen waiting before, gone now (answered or abandoned).
    Left,
    /// Never seen waiting in this queue.
    NotSeen,
}

impl TrackingState {
    pub fn as_str(self) -> &'static str {
        match self {
            TrackingState::Waiting => "waiting",
            TrackingState::Left => "left",
            TrackingState::NotSeen => "notSeen",
        }
    }
}

impl PartialEq<&str> for TrackingState {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl std::fmt::Display for TrackingState {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// Where a tracked conversation is.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Tracking {
    pub conversation_id: String,
    /// 1-based place in the queue, while waiting.
    pub position: Option<u32>,
    pub estimated_wait_seconds: Option<i64>,
    pub waited_seconds: Option<i64>,
    /// `waiting`, `left` (answered or abandoned) or `notSeen`.
    pub state: TrackingState,
    /// Share of position changes that moved down or stayed (1.0 is perfect).
    pub position_accuracy: Option<f64>,
    /// First estimate minus the wait that actually happened, once it left the queue.
    pub estimate_error_seconds: Option<i64>,
}

/// One conversation followed in one queue.
#[derive(Debug, Clone)]
pub struct ConversationTracker {
    queue_id: String,
    conversation_id: String,
    arrived: Option<DateTime<Utc>>,
    last_position: Option<u32>,
    transitions: u32,
    good_transitions: u32,
    first_estimate: Option<i64>,
    /// The estimate last asked for: asked again only when the position moves.
    last_estimate: Option<i64>,
    /// Ask for an estimate the first time it is seen waiting only.
    estimate_once: bool,
    left_after: Option<i64>,
}

impl ConversationTracker {
    pub fn new(queue_id: impl Into<String>, conversation_id: impl Into<String>) -> Self {
        ConversationTracker {
            queue_id: queue_id.into(),
            conversation_id: conversation_id.into(),
            arrived: None,
            last_position: None,
            transitions: 0,
            good_transitions: 0,
            first_estimate: None,
            last_estimate: None,
            estimate_once: false,
            left_after: None,
        }
    }

    /// Asks for the estimate once, when first seen waiting: for many conversations
    /// followed together, where every move of the line would cost one request each.
    pub fn estimating_once(mut self) -> Self {
        self.estimate_once = true;
        self
    }

    pub fn queue_id(&self) -> &str {
        &self.queue_id
    }

    /// Asks for the queue's waiting conversations (one request, plus one for the
    /// estimate when its place in line changed) and updates the tracking.
    pub async fn poll(
        &mut self,
        client: &Client,
        now: DateTime<Utc>,
    ) -> Result<Tracking, crate::genesys::Error> {
        let query = QueueObservationQuery {
            filter: AnalyticsFilter::any_of("queueId", [self.queue_id.clone()]),
            metrics: vec![metric::WAITING.into()],
            detail_metrics: Some(vec![metric::WAITING.to_string()]),
            ..Default::default()
        };
        let response = client.analytics().queue_observations(&query).await?;
        self.follow(client, &response, now).await
    }

    /// Updates the tracking from an observations response that asked for `oWaiting`
    /// details of this queue.
    pub async fn follow(
        &mut self,
        client: &Client,
        response: &QueueObservationQueryResponse,
        now: DateTime<Utc>,
    ) -> Result<Tracking, crate::genesys::Error> {
        let waiting: Vec<(String, Option<DateTime<Utc>>)> = response
            .conversation_metrics(&self.queue_id, WEB_MESSAGING_MEDIA)
            .filter(|d| d.metric == metric::WAITING)
            .flat_map(|d| d.observations.iter().flatten())
            .map(|o| {
                (
                    o.conversation_id.clone().unwrap_or_default(),
                    o.observation_date.as_deref().and_then(parse_date),
                )
            })
            .collect();
        let found = waiting
            .iter()
            .position(|(id, _)| *id == self.conversation_id);
        let mut estimate = None;
        let state = match found {
            Some(index) => {
                let position = index as u32 + 1;
                self.arrived = self.arrived.or(waiting[index].1);
                if let Some(previous) = self.last_position {
                    self.transitions += 1;
                    if position <= previous {
                        self.good_transitions += 1;
                    }
                }
                // Genesys recomputes an estimate as the line moves; asking while it
                // stands still would spend a request a conversation a cycle for nothing,
                // which many followed visitors cannot afford.
                let ask = match self.last_position {
                    None => true,
                    Some(last) => last != position && !self.estimate_once,
                };
                if ask {
                    let predictions = client
                        .queues()
                        .estimated_wait_time(&self.queue_id, Some(&self.conversation_id))
                        .await?;
                    self.last_estimate = predictions
                        .results
                        .first()
                        .map(|r| r.estimated_wait_time_seconds);
                }
                self.last_position = Some(position);
                estimate = self.last_estimate;
                self.first_estimate = self.first_estimate.or(estimate);
                TrackingState::Waiting
            }
            None if self.last_position.is_some() => {
                if self.left_after.is_none() {
                    self.left_after = self.arrived.map(|arrived| (now - arrived).num_seconds());
                }
                TrackingState::Left
            }
            None => TrackingState::NotSeen,
        };
        Ok(Tracking {
            conversation_id: self.conversation_id.clone(),
            position: found.map(|i| i as u32 + 1),
            estimated_wait_seconds: estimate,
            waited_seconds: self
                .left_after
                .or_else(|| self.arrived.map(|a| (now - a).num_seconds())),
            state,
            position_accuracy: (self.transitions > 0)
                .then(|| f64::from(self.good_transitions) / f64::from(self.transitions)),
            estimate_error_seconds: self
                .first_estimate
                .zip(self.left_after)
                .map(|(estimated, actual)| estimated - actual),
        })
    }
}

/// A Genesys date (RFC 3339).
pub(super) fn parse_date(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|d| d.with_timezone(&Utc))
}
