//! Fault injection: what the next API responses should be instead of the real answer.
//!
//! Faults apply to `/api/v2` requests in the order they were queued; latency applies to
//! every API response until cleared. Controlled through `/sandbox/faults`.

use std::collections::VecDeque;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// One kind of broken answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    tag = "kind"
)]
pub enum Fault {
    /// An error status with a Genesys error body; `retryAfter` only for 429.
    Status {
        status: u16,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after: Option<u64>,
    },
    /// Headers are sent, then the connection is cut mid-body.
    DropConnection,
    /// A 200 whose body is truncated JSON.
    MalformedJson,
}

#[derive(Debug, Clone, Default)]
pub struct Faults {
    queued: VecDeque<(Fault, u32)>,
    pub latency: Duration,
}

impl Faults {
    /// Queues `fault` for the next `count` API responses (after those already queued).
    pub fn push(&mut self, fault: Fault, count: u32) {
        if count > 0 {
            self.queued.push_back((fault, count));
        }
    }

    /// The fault for the response being made now, if any.
    pub fn take_next(&mut self) -> Option<Fault> {
        let (fault, remaining) = self.queued.front_mut()?;
        let fault = fault.clone();
        *remaining -= 1;
        if *remaining == 0 {
            self.queued.pop_front();
        }
        Some(fault)
    }

    pub fn pending(&self) -> u32 {
        self.queued.iter().map(|(_, count)| count).sum()
    }

    pub fn clear(&mut self) {
        self.queued.clear();
        self.latency = Duration::ZERO;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_bodies_use_camel_case_fields() {
        let fault: Fault =
            serde_json::from_str(r#"{"kind":"status","status":429,"retryAfter":30}"#).unwrap();
        assert_eq!(
            fault,
            Fault::Status {
                status: 429,
                retry_after: Some(30)
            }
        );
        let dropped: Fault = serde_json::from_str(r#"{"kind":"dropConnection"}"#).unwrap();
        assert_eq!(dropped, Fault::DropConnection);
    }

    #[test]
    fn faults_are_served_in_order_and_counted_down() {
        let mut faults = Faults::default();
        faults.push(
            Fault::Status {
                status: 503,
                retry_after: None,
            },
            2,
        );
        faults.push(Fault::MalformedJson, 1);
        assert_eq!(faults.pending(), 3);
        assert!(matches!(
            faults.take_next(),
            Some(Fault::Status { status: 503, .. })
        ));
        assert!(matches!(
            faults.take_next(),
            Some(Fault::Status { status: 503, .. })
        ));
        assert_eq!(faults.take_next(), Some(Fault::MalformedJson));
        assert_eq!(faults.take_next(), None);
    }
}
