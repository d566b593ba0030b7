//! When to poll next: never more often than the configured interval (at least 5 s), slower
//! when the rate budget runs low, and backing off after a rate-limit answer.

use std::time::Duration;

use crate::genesys::RateBudget;

/// The floor the tutorial and the rate limits call for.
pub const MIN_INTERVAL: Duration = Duration::from_secs(5);
const MAX_INTERVAL: Duration = Duration::from_secs(300);

/// The wait before the next cycle.
///
/// - `requests_per_cycle`: what one cycle costs;
/// - the budget: if the requests left in the window do not cover the cycles the interval
///   would fit before the reset, the interval stretches to spread them out (keeping a
///   fifth of the window for other work);
/// - `rate_limited`: the last cycle met a 429; the interval doubles per consecutive one,
///   and is never shorter than the server's Retry-After.
pub fn next_interval(
    base: Duration,
    requests_per_cycle: u32,
    budget: &RateBudget,
    consecutive_rate_limits: u32,
) -> Duration {
    let base = base.max(MIN_INTERVAL);
    let mut interval = base;
    if let (Some(remaining), Some(allowed), Some(reset)) =
        (budget.remaining(), budget.allowed, budget.reset_seconds)
    {
        let reserve = allowed / 5;
        let usable = remaining.saturating_sub(reserve);
        let cycles_affordable = usable / requests_per_cycle.max(1);
        let reset = Duration::from_secs(reset.max(1));
        let cycles_wanted = (reset.as_secs_f64() / base.as_secs_f64()).ceil() as u32;
        if cycles_affordable < cycles_wanted {
            interval = if cycles_affordable == 0 {
                reset
            } else {
                reset / cycles_affordable
            }
            .max(base);
        }
    }
    if consecutive_rate_limits > 0 {
        let backoff = base.saturating_mul(1 << consecutive_rate_limits.min(6));
        let retry_after = Duration::from_secs(budget.last_retry_after_seconds.unwrap_or(0));
        interval = interval.max(backoff).max(retry_after);
    }
    interval.min(MAX_INTERVAL)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget(allowed: u32, used: u32, reset: u64) -> RateBudget {
        RateBudget {
            allowed: Some(allowed),
            used: Some(used),
            reset_seconds: Some(reset),
            ..RateBudget::default()
        }
    }

    #[test]
    fn the_interval_is_never_under_five_seconds() {
        assert_eq!(
            next_interval(Duration::from_secs(1), 1, &RateBudget::default(), 0),
            MIN_INTERVAL
        );
    }

    #[test]
    fn a_healthy_budget_keeps_the_configured_interval() {
        assert_eq!(
            next_interval(Duration::from_secs(10), 2, &budget(300, 20, 40), 0),
            Duration::from_secs(10)
        );
    }

    #[test]
    fn a_low_budget_spreads_the_remaining_requests_over_the_window() {
        // 80 left, 60 reserved: 20 usable at 5 per cycle = 4 cycles in 40 s.
        assert_eq!(
            next_interval(Duration::from_secs(5), 5, &budget(300, 220, 40), 0),
            Duration::from_secs(10)
        );
        // Nothing usable: wait for the reset.
        assert_eq!(
            next_interval(Duration::from_secs(5), 5, &budget(300, 290, 33), 0),
            Duration::from_secs(33)
        );
    }

    #[test]
    fn rate_limits_back_off_and_honour_retry_after() {
        let mut limited = budget(300, 10, 50);
        limited.last_retry_after_seconds = Some(45);
        assert_eq!(
            next_interval(Duration::from_secs(5), 1, &limited, 1),
            Duration::from_secs(45)
        );
        limited.last_retry_after_seconds = None;
        assert_eq!(
            next_interval(Duration::from_secs(5), 1, &limited, 3),
            Duration::from_secs(40)
        );
        assert_eq!(
            next_interval(Duration::from_secs(60), 1, &limited, 9),
            Duration::from_secs(300)
        );
    }
}
