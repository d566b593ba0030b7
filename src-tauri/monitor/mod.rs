//! The queue monitor: polls live numbers for many queues at once, keeps their history in
//! the local database, raises capacity, wait and availability flags against per-queue
//! directives, and tells external trackers (webhook, local command) about them.
//!
//! Pure parts (samples, smoothing, flags, the schedule) live here and in `schedule`;
//! I/O lives in `poller`, `history`, `callbacks` and `audit_log`.

pub mod audit_log;
pub mod callbacks;
pub mod history;
pub mod poller;
pub mod push;
pub mod schedule;
pub mod tracker;

use serde::{Deserialize, Serialize};

/// The tutorial's smoothing factor for the estimated wait: weight of the newest value.
pub const DEFAULT_SMOOTHING: f64 = 0.8;

/// One queue at one moment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueSample {
    pub queue_id: String,
    /// Milliseconds since the Unix epoch (UTC).
    pub at_ms: i64,
    pub waiting: u32,
    pub interacting: u32,
    pub agents_on_queue: u32,
    pub agents_idle: u32,
    pub longest_wait_seconds: u64,
    /// The queue's estimated wait, when asked this cycle.
    pub estimated_wait_seconds: Option<u64>,
    /// Exponentially smoothed estimated wait.
    pub smoothed_wait_seconds: Option<f64>,
}

/// What the admin says is acceptable for a queue.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Directives {
    pub max_depth: Option<u32>,
    pub max_wait_seconds: Option<u64>,
    pub min_agents: Option<u32>,
}

/// A threshold that cannot be met by any queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DirectiveError {
    #[error("the queue depth limit must be at least 1")]
    MaxDepth,
    #[error("the wait limit must be at least 1 second")]
    MaxWait,
}

impl Directives {
    pub fn check(&self) -> Result<(), DirectiveError> {
        if self.max_depth == Some(0) {
            return Err(DirectiveError::MaxDepth);
        }
        if self.max_wait_seconds == Some(0) {
            return Err(DirectiveError::MaxWait);
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Availability {
    High,
    Moderate,
    Low,
}

/// The flags of a queue after one sample, each with its reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Flags {
    pub over_capacity: bool,
    pub wait_exceeded: bool,
    pub availability: Availability,
    pub reasons: Vec<String>,
}

impl Flags {
    /// Whether anything an admin would be alerted about differs.
    pub fn differs_from(&self, other: &Flags) -> bool {
        self.over_capacity != other.over_capacity
            || self.wait_exceeded != other.wait_exceeded
            || self.availability != other.availability
    }
}

/// The wait the directives compare: the worse of longest, estimated and smoothed.
pub fn effective_wait(sample: &QueueSample) -> u64 {
    let smoothed = sample
        .smoothed_wait_seconds
        .map(|s| s.round() as u64)
        .unwrap_or(0);
    sample
        .longest_wait_seconds
        .max(sample.estimated_wait_seconds.unwrap_or(0))
        .max(smoothed)
}

/// Flags for a sample. Availability follows the tutorial's bands (wait under 60 s and at
/// most 5 waiting is high; under 300 s and at most 20 is moderate), and is low whenever
/// fewer agents than the minimum are on queue.
pub fn evaluate_flags(sample: &QueueSample, directives: &Directives) -> Flags {
    let mut reasons = Vec::new();
    let over_capacity = directives.max_depth.is_some_and(|max| sample.waiting > max);
    if over_capacity {
        reasons.push(format!(
            "{} waiting, more than the maximum depth {}",
            sample.waiting,
            directives.max_depth.unwrap_or(0)
        ));
    }
    let wait = effective_wait(sample);
    let wait_exceeded = directives.max_wait_seconds.is_some_and(|max| wait > max);
    if wait_exceeded {
        reasons.push(format!(
            "wait {wait} s, above the maximum {} s",
            directives.max_wait_seconds.unwrap_or(0)
        ));
    }
    let short_of_agents = directives
        .min_agents
        .is_some_and(|min| sample.agents_on_queue < min);
    let availability = if short_of_agents {
        reasons.push(format!(
            "{} agent(s) on queue, fewer than the minimum {}",
            sample.agents_on_queue,
            directives.min_agents.unwrap_or(0)
        ));
        Availability::Low
    } else if wait < 60 && sample.waiting <= 5 {
        Availability::High
    } else if wait < 300 && sample.waiting <= 20 {
        Availability::Moderate
    } else {
        reasons.push(format!("wait {wait} s with {} waiting", sample.waiting));
        Availability::Low
    };
    Flags {
        over_capacity,
        wait_exceeded,
        availability,
        reasons,
    }
}

/// Exponential smoothing: `factor` is the weight of the newest value.
pub fn smooth(previous: Option<f64>, newest: f64, factor: f64) -> f64 {
    match previous {
        Some(previous) => factor * newest + (1.0 - factor) * previous,
        None => newest,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(waiting: u32, agents: u32, longest: u64) -> QueueSample {
        QueueSample {
            queue_id: "q".into(),
            at_ms: 0,
            waiting,
            interacting: 0,
            agents_on_queue: agents,
            agents_idle: 0,
            longest_wait_seconds: longest,
            estimated_wait_seconds: None,
            smoothed_wait_seconds: None,
        }
    }

    const DIRECTIVES: Directives = Directives {
        max_depth: Some(10),
        max_wait_seconds: Some(120),
        min_agents: Some(2),
    };

    #[test]
    fn flags_rise_with_depth_wait_and_missing_agents() {
        let calm = evaluate_flags(&sample(1, 4, 10), &DIRECTIVES);
        assert_eq!(
            (calm.over_capacity, calm.wait_exceeded, calm.availability),
            (false, false, Availability::High)
        );
        let busy = evaluate_flags(&sample(12, 4, 200), &DIRECTIVES);
        assert_eq!(
            (busy.over_capacity, busy.wait_exceeded, busy.availability),
            (true, true, Availability::Moderate)
        );
        assert_eq!(busy.reasons.len(), 2);
        let unstaffed = evaluate_flags(&sample(0, 1, 0), &DIRECTIVES);
        assert_eq!(unstaffed.availability, Availability::Low);
        assert!(unstaffed.reasons[0].contains("fewer than the minimum 2"));
        assert!(busy.differs_from(&calm) && !calm.differs_from(&calm.clone()));
    }

    #[test]
    fn smoothing_weights_the_newest_value_by_the_factor() {
        assert_eq!(smooth(None, 100.0, 0.8), 100.0);
        assert!((smooth(Some(100.0), 200.0, 0.8) - 180.0).abs() < 1e-9);
    }
}
