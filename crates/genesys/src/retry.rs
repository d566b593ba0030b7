//! Whether and when to try a request again: a pure function of what came back.
//!
//! Kept free of I/O and clocks so every rule is pinned by a unit test. The client's send
//! loop asks [`decide`] after each exchange and does exactly what it says.

use std::time::Duration;

/// Bounds of the retry policy. The defaults follow what the official SDKs do: the Go SDK
/// retries a 429 whose `Retry-After` is at most 180 s and backs off on 5xx.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all for 502/503/504 and transport failures (first try included).
    pub max_attempts: u32,
    /// How many 429s in a row are waited out before the error reaches the caller.
    pub max_rate_limit_retries: u32,
    /// A `Retry-After` longer than this is not waited out: the caller is told at once.
    pub max_retry_after: Duration,
    /// Wait used for a 429 that carries no `Retry-After`.
    pub default_retry_after: Duration,
    /// First back-off step; doubles each attempt up to `max_backoff`.
    pub base_backoff: Duration,
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            max_rate_limit_retries: 5,
            max_retry_after: Duration::from_secs(180),
            default_retry_after: Duration::from_secs(3),
            base_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
        }
    }
}

/// Whether the server may have acted on a request that got no clean answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idempotency {
    /// GET, PUT, DELETE and read-only query POSTs: repeating them changes nothing.
    Safe,
    /// A POST that creates or publishes: repeated only when the server surely did not
    /// process it (429, or the connection never opened).
    Unsafe,
}

/// What one exchange produced, reduced to what the policy looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Status {
        status: u16,
        retry_after: Option<Duration>,
    },
    /// The connection could not be opened: nothing reached the server.
    ConnectFailed,
    /// The request may have reached the server (timeout, reset, truncated response).
    TransportFailed,
}

/// Counters the send loop keeps for one logical request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Attempts {
    /// Exchanges so far, the one just made included.
    pub made: u32,
    pub rate_limited: u32,
    pub token_refreshed: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Hand the response (success or error) to the caller.
    Finish,
    /// Fetch a new token, then repeat the request at once.
    RefreshTokenAndRetry,
    /// Wait out a rate limit, then repeat.
    WaitForRateLimit(Duration),
    /// Back off after a server or transport failure, then repeat.
    BackOff(Duration),
}

/// The retry rule. `jitter` is a number in `[0, 1)` from the caller's random source, so
/// the function stays deterministic under test.
pub fn decide(
    policy: &RetryPolicy,
    idempotency: Idempotency,
    attempts: Attempts,
    outcome: Outcome,
    jitter: f64,
) -> Decision {
    match outcome {
        Outcome::Status { status: 401, .. } if !attempts.token_refreshed => {
            Decision::RefreshTokenAndRetry
        }
        Outcome::Status {
            status: 429,
            retry_after,
        } => {
            let wait = retry_after.unwrap_or(policy.default_retry_after);
            if attempts.rate_limited < policy.max_rate_limit_retries
                && wait <= policy.max_retry_after
            {
                Decision::WaitForRateLimit(wait)
            } else {
                Decision::Finish
            }
        }
        Outcome::Status {
            status: 502..=504, ..
        }
        | Outcome::TransportFailed
            if idempotency == Idempotency::Safe =>
        {
            back_off_or_finish(policy, attempts, jitter)
        }
        Outcome::ConnectFailed => back_off_or_finish(policy, attempts, jitter),
        _ => Decision::Finish,
    }
}

fn back_off_or_finish(policy: &RetryPolicy, attempts: Attempts, jitter: f64) -> Decision {
    if attempts.made >= policy.max_attempts {
        return Decision::Finish;
    }
    Decision::BackOff(backoff_delay(policy, attempts.made, jitter))
}

/// Exponential back-off with "equal jitter": half the step is fixed, half random, so
/// clients that failed together do not come back together.
pub fn backoff_delay(policy: &RetryPolicy, failures_so_far: u32, jitter: f64) -> Duration {
    let exponent = failures_so_far.saturating_sub(1).min(16);
    let step = policy
        .base_backoff
        .saturating_mul(1u32 << exponent)
        .min(policy.max_backoff);
    let jitter = jitter.clamp(0.0, 1.0);
    step / 2 + step.mul_f64(jitter / 2.0)
}

/// Parses `Retry-After` as delta-seconds (what Genesys sends). HTTP dates are not used by
/// the platform and fall back to the policy default.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(status: u16) -> Outcome {
        Outcome::Status {
            status,
            retry_after: None,
        }
    }

    fn after(made: u32) -> Attempts {
        Attempts {
            made,
            ..Default::default()
        }
    }

    #[test]
    fn success_and_client_errors_finish_at_once() {
        let policy = RetryPolicy::default();
        for code in [200, 204, 400, 403, 404, 409, 500, 501] {
            assert_eq!(
                decide(&policy, Idempotency::Safe, after(1), status(code), 0.5),
                Decision::Finish,
                "{code}"
            );
        }
    }

    #[test]
    fn unauthorized_refreshes_the_token_exactly_once() {
        let policy = RetryPolicy::default();
        let first = decide(&policy, Idempotency::Unsafe, after(1), status(401), 0.0);
        assert_eq!(first, Decision::RefreshTokenAndRetry);
        let refreshed = Attempts {
            made: 2,
            token_refreshed: true,
            ..Default::default()
        };
        assert_eq!(
            decide(&policy, Idempotency::Unsafe, refreshed, status(401), 0.0),
            Decision::Finish
        );
    }

    #[test]
    fn rate_limit_waits_what_the_server_says_even_for_post() {
        let policy = RetryPolicy::default();
        let outcome = Outcome::Status {
            status: 429,
            retry_after: Some(Duration::from_secs(42)),
        };
        assert_eq!(
            decide(&policy, Idempotency::Unsafe, after(1), outcome, 0.9),
            Decision::WaitForRateLimit(Duration::from_secs(42))
        );
        assert_eq!(
            decide(&policy, Idempotency::Safe, after(1), status(429), 0.9),
            Decision::WaitForRateLimit(policy.default_retry_after)
        );
    }

    #[test]
    fn rate_limit_longer_than_the_cap_or_too_often_is_reported() {
        let policy = RetryPolicy::default();
        let too_long = Outcome::Status {
            status: 429,
            retry_after: Some(Duration::from_secs(181)),
        };
        assert_eq!(
            decide(&policy, Idempotency::Safe, after(1), too_long, 0.0),
            Decision::Finish
        );
        let exhausted = Attempts {
            made: 6,
            rate_limited: policy.max_rate_limit_retries,
            token_refreshed: false,
        };
        assert_eq!(
            decide(&policy, Idempotency::Safe, exhausted, status(429), 0.0),
            Decision::Finish
        );
    }

    #[test]
    fn gateway_errors_back_off_only_for_safe_requests_and_stop_at_the_bound() {
        let policy = RetryPolicy::default();
        for code in [502, 503, 504] {
            assert!(matches!(
                decide(&policy, Idempotency::Safe, after(1), status(code), 0.0),
                Decision::BackOff(_)
            ));
            assert_eq!(
                decide(&policy, Idempotency::Unsafe, after(1), status(code), 0.0),
                Decision::Finish
            );
            assert_eq!(
                decide(
                    &policy,
                    Idempotency::Safe,
                    after(policy.max_attempts),
                    status(code),
                    0.0
                ),
                Decision::Finish
            );
        }
    }

    #[test]
    fn a_post_is_repeated_after_a_failed_connect_but_not_after_a_lost_response() {
        let policy = RetryPolicy::default();
        assert!(matches!(
            decide(
                &policy,
                Idempotency::Unsafe,
                after(1),
                Outcome::ConnectFailed,
                0.0
            ),
            Decision::BackOff(_)
        ));
        assert_eq!(
            decide(
                &policy,
                Idempotency::Unsafe,
                after(1),
                Outcome::TransportFailed,
                0.0
            ),
            Decision::Finish
        );
        assert!(matches!(
            decide(
                &policy,
                Idempotency::Safe,
                after(1),
                Outcome::TransportFailed,
                0.0
            ),
            Decision::BackOff(_)
        ));
    }

    #[test]
    fn backoff_doubles_with_jitter_inside_half_to_full_step_and_is_capped() {
        let policy = RetryPolicy::default();
        assert_eq!(backoff_delay(&policy, 1, 0.0), Duration::from_millis(250));
        assert_eq!(backoff_delay(&policy, 1, 1.0), Duration::from_millis(500));
        assert_eq!(backoff_delay(&policy, 2, 0.0), Duration::from_millis(500));
        assert_eq!(backoff_delay(&policy, 3, 1.0), Duration::from_secs(2));
        assert_eq!(backoff_delay(&policy, 30, 1.0), policy.max_backoff);
    }

    #[test]
    fn retry_after_parses_delta_seconds_only() {
        assert_eq!(parse_retry_after(" 42 "), Some(Duration::from_secs(42)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
    }
}
