//! The rate budget the server reports in its `inin-ratelimit-*` headers.
//!
//! The client records the headers of every response here; the UI's meter and the
//! schedulers read a [`RateBudget`] snapshot. Nothing here guesses: a field is set only
//! from a header the server sent.

use std::time::Duration;

use reqwest::header::HeaderMap;
use serde::Serialize;

pub const HEADER_ALLOWED: &str = "inin-ratelimit-allowed";
pub const HEADER_COUNT: &str = "inin-ratelimit-count";
pub const HEADER_RESET: &str = "inin-ratelimit-reset";
pub const HEADER_CORRELATION_ID: &str = "inin-correlation-id";

/// The last reported state of the per-token rate window.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RateBudget {
    /// Requests allowed in the current window.
    pub allowed: Option<u32>,
    /// Requests used in the current window.
    pub used: Option<u32>,
    /// Seconds until the window resets, as reported.
    pub reset_seconds: Option<u64>,
    /// When the snapshot was taken (RFC 3339).
    pub observed_at: Option<String>,
    /// 429s answered so far by this client.
    pub rate_limited_responses: u64,
    /// Total time spent waiting on `Retry-After`.
    pub waited_seconds: f64,
    /// The most recent `Retry-After` honoured, for the UI's "waiting N s" notice.
    pub last_retry_after_seconds: Option<u64>,
}

impl RateBudget {
    /// Requests still allowed in the current window, when the server said.
    pub fn remaining(&self) -> Option<u32> {
        Some(self.allowed?.saturating_sub(self.used?))
    }

    /// Share of the window used, from 0.0 to 1.0.
    pub fn used_fraction(&self) -> Option<f64> {
        let allowed = self.allowed.filter(|allowed| *allowed > 0)?;
        Some(f64::from(self.used?) / f64::from(allowed))
    }

    /// Updates from one response's headers; absent headers leave fields as they were.
    pub fn record_headers(&mut self, headers: &HeaderMap) {
        let number = |name: &str| {
            headers
                .get(name)
                .and_then(|value| value.to_str().ok())
                .and_then(|text| text.trim().parse::<u64>().ok())
        };
        let allowed = number(HEADER_ALLOWED);
        let used = number(HEADER_COUNT);
        let reset = number(HEADER_RESET);
        if allowed.is_none() && used.is_none() && reset.is_none() {
            return;
        }
        if let Some(allowed) = allowed {
            self.allowed = Some(u32::try_from(allowed).unwrap_or(u32::MAX));
        }
        if let Some(used) = used {
            self.used = Some(u32::try_from(used).unwrap_or(u32::MAX));
        }
        if reset.is_some() {
            self.reset_seconds = reset;
        }
        self.observed_at = Some(chrono::Utc::now().to_rfc3339());
    }

    pub fn record_rate_limit_wait(&mut self, wait: Duration) {
        self.rate_limited_responses += 1;
        self.waited_seconds += wait.as_secs_f64();
        self.last_retry_after_seconds = Some(wait.as_secs());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn snapshot_follows_headers_and_keeps_missing_ones() {
        let mut budget = RateBudget::default();
        let mut headers = HeaderMap::new();
        headers.insert(HEADER_ALLOWED, HeaderValue::from_static("300"));
        headers.insert(HEADER_COUNT, HeaderValue::from_static("45"));
        headers.insert(HEADER_RESET, HeaderValue::from_static("17"));
        budget.record_headers(&headers);
        assert_eq!(budget.remaining(), Some(255));
        assert_eq!(budget.used_fraction(), Some(0.15));
        let mut later = HeaderMap::new();
        later.insert(HEADER_COUNT, HeaderValue::from_static("46"));
        budget.record_headers(&later);
        assert_eq!(
            (budget.allowed, budget.used, budget.reset_seconds),
            (Some(300), Some(46), Some(17))
        );
        budget.record_headers(&HeaderMap::new());
        assert_eq!(budget.used, Some(46));
    }
}
