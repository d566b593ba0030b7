//! Pacing requests to the rate window the server reports.
//!
//! Genesys counts requests per token in a fixed window and says where it stands on every
//! response (`inin-ratelimit-allowed`, `-count`, `-reset`). Background work (exports, the
//! queue monitor, fallback watches) spends what remains of the current window, less a
//! reserve left to interactive work and other tools sharing the client, then waits for
//! the reset; interactive work may use the reserve too. Without those headers it falls
//! back to a uniform pace. One pacer serves everything a client (a profile) runs, so
//! the budget is shared, never exceeded, and a 429 is never what tells it to stop.
//!
//! The accounting is `used (as last reported) + in flight (granted, not yet answered)`;
//! a response counts only for the window it belongs to.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use reqwest::header::HeaderMap;
use tokio::time::Instant;

use super::rate_budget::{HEADER_ALLOWED, HEADER_COUNT, HEADER_RESET};

/// Who is asking: interactive work goes first and may spend the reserve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Priority {
    #[default]
    Interactive,
    Background,
}

/// How the pacer spends a window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PacerSettings {
    /// Share of each window background work leaves unused (0.0 to 0.9).
    pub reserve: f64,
}

impl Default for PacerSettings {
    fn default() -> Self {
        PacerSettings { reserve: 0.10 }
    }
}

/// What the pacer knows of the current window.
#[derive(Debug, Default)]
struct Window {
    allowed: Option<u32>,
    /// The highest count reported for this window.
    used: u32,
    /// When the server said this window ends.
    resets_at: Option<Instant>,
    /// Granted and not yet answered.
    in_flight: u32,
    /// When the last background request was let go, for the uniform fallback.
    last_background: Option<Instant>,
}

/// A window lasts this long when the server does not say.
const DEFAULT_WINDOW: Duration = Duration::from_secs(60);
/// How often a request waiting for answers in flight looks again.
const RECHECK: Duration = Duration::from_millis(25);
/// Time given to the server's clock at a reset, so the first request lands in the new
/// window.
const RESET_MARGIN: Duration = Duration::from_millis(250);
/// The longest wait a reset header may ask for. Genesys windows are a minute; a server
/// saying more (or `u64::MAX`) would otherwise stall every later request of the profile,
/// or overflow the clock.
const LONGEST_RESET: Duration = Duration::from_secs(120);

#[derive(Debug, Clone, Default)]
pub struct Pacer {
    settings: PacerSettings,
    window: Arc<Mutex<Window>>,
}

/// Leave to send one request; tell it the answer's headers (or drop it if there was no
/// answer).
#[must_use = "a permit counts as in flight until it is answered or dropped"]
pub struct Permit {
    window: Arc<Mutex<Window>>,
    open: bool,
}

enum Grant {
    Now,
    WaitUntil(Instant),
}

impl Pacer {
    pub fn new(settings: PacerSettings) -> Pacer {
        Pacer {
            settings: PacerSettings {
                reserve: settings.reserve.clamp(0.0, 0.9),
            },
            window: Arc::default(),
        }
    }

    fn window(&self) -> MutexGuard<'_, Window> {
        lock(&self.window)
    }

    /// Waits until the request may go without pushing the window over its allowance.
    pub async fn acquire(&self, priority: Priority) -> Permit {
        loop {
            let grant = self.try_grant(priority, Instant::now());
            match grant {
                Grant::Now => {
                    return Permit {
                        window: self.window.clone(),
                        open: true,
                    }
                }
                Grant::WaitUntil(until) => tokio::time::sleep_until(until).await,
            }
        }
    }

    fn try_grant(&self, priority: Priority, now: Instant) -> Grant {
        let mut window = self.window();
        if window.resets_at.is_some_and(|at| now >= at) {
            // A new window: nothing of it is used yet but what is still in flight.
            window.used = 0;
            window.resets_at = None;
        }
        let Some(allowed) = window.allowed else {
            // Nothing reported yet: the first answers will say.
            window.in_flight += 1;
            return Grant::Now;
        };
        let limit = match priority {
            Priority::Interactive => allowed,
            Priority::Background => {
                let share = f64::from(allowed) * (1.0 - self.settings.reserve);
                (share.floor() as u32).max(1)
            }
        };
        if window.used.saturating_add(window.in_flight) < limit {
            if priority == Priority::Background && window.resets_at.is_none() && window.used > 0 {
                // Counts without a reset: pace uniformly across a default window.
                let spacing = DEFAULT_WINDOW / limit;
                if let Some(last) = window.last_background {
                    if now < last + spacing {
                        return Grant::WaitUntil(last + spacing);
                    }
                }
            }
            window.in_flight += 1;
            if priority == Priority::Background {
                window.last_background = Some(now);
            }
            return Grant::Now;
        }
        match window.resets_at {
            // Spent: wait for the reset.
            Some(at) if window.in_flight == 0 || window.used >= limit => {
                Grant::WaitUntil(at + RESET_MARGIN)
            }
            // Answers still to come say how much is left.
            _ => Grant::WaitUntil(now + RECHECK),
        }
    }

    /// A snapshot for diagnostics and tests: (allowed, used, in flight).
    pub fn state(&self) -> (Option<u32>, u32, u32) {
        let window = self.window();
        (window.allowed, window.used, window.in_flight)
    }
}

impl Permit {
    /// Counts the answer: its headers say where the window stands.
    pub fn answered(mut self, headers: &HeaderMap) {
        self.open = false;
        let number = |name: &str| {
            headers
                .get(name)
                .and_then(|value| value.to_str().ok())
                .and_then(|text| text.trim().parse::<u64>().ok())
        };
        let now = Instant::now();
        let mut window = lock(&self.window);
        window.in_flight = window.in_flight.saturating_sub(1);
        let (Some(allowed), Some(count)) = (number(HEADER_ALLOWED), number(HEADER_COUNT)) else {
            return;
        };
        let count = u32::try_from(count).unwrap_or(u32::MAX);
        window.allowed = Some(u32::try_from(allowed).unwrap_or(u32::MAX));
        let resets_at = number(HEADER_RESET)
            .map(|seconds| now + Duration::from_secs(seconds).min(LONGEST_RESET));
        match (window.resets_at, resets_at) {
            // An answer from a window that has already ended says nothing of this one.
            (None, Some(at)) if window.used == 0 && at <= now + Duration::from_secs(1) => {}
            (None, reported) => {
                window.used = window.used.max(count);
                window.resets_at = reported;
            }
            (Some(known), Some(at)) if at + Duration::from_secs(2) < known => {}
            (Some(known), Some(at)) if at > known + Duration::from_secs(2) => {
                // The server opened a new window earlier than we thought.
                window.used = count;
                window.resets_at = Some(at);
            }
            (Some(_), _) => window.used = window.used.max(count),
        }
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        if self.open {
            let mut window = lock(&self.window);
            window.in_flight = window.in_flight.saturating_sub(1);
        }
    }
}

fn lock(window: &Mutex<Window>) -> MutexGuard<'_, Window> {
    window.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    fn headers(allowed: u32, count: u32, reset: u64) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(HEADER_ALLOWED, HeaderValue::from(allowed));
        headers.insert(HEADER_COUNT, HeaderValue::from(count));
        headers.insert(HEADER_RESET, HeaderValue::from(reset));
        headers
    }

    #[tokio::test(start_paused = true)]
    async fn background_work_spends_the_window_less_the_reserve_then_waits_for_the_reset() {
        let pacer = Pacer::new(PacerSettings::default());
        pacer
            .acquire(Priority::Background)
            .await
            .answered(&headers(100, 1, 60));
        let started = Instant::now();
        for count in 2..=90 {
            pacer
                .acquire(Priority::Background)
                .await
                .answered(&headers(100, count, 60));
        }
        assert_eq!(started.elapsed(), Duration::ZERO, "90 of 100 at once");
        let next = pacer.acquire(Priority::Background).await;
        assert!(
            started.elapsed() >= Duration::from_secs(60),
            "the 91st waits for the reset: {:?}",
            started.elapsed()
        );
        drop(next);
    }

    #[tokio::test(start_paused = true)]
    async fn interactive_work_may_spend_the_reserve_but_not_more() {
        let pacer = Pacer::new(PacerSettings::default());
        pacer
            .acquire(Priority::Interactive)
            .await
            .answered(&headers(10, 9, 30));
        let started = Instant::now();
        pacer
            .acquire(Priority::Interactive)
            .await
            .answered(&headers(10, 10, 30));
        assert_eq!(started.elapsed(), Duration::ZERO);
        let _waited = pacer.acquire(Priority::Interactive).await;
        assert!(started.elapsed() >= Duration::from_secs(30));
    }

    #[tokio::test(start_paused = true)]
    async fn requests_in_flight_count_before_their_answers_arrive() {
        let pacer = Pacer::new(PacerSettings { reserve: 0.0 });
        pacer
            .acquire(Priority::Background)
            .await
            .answered(&headers(4, 1, 60));
        let held = [
            pacer.acquire(Priority::Background).await,
            pacer.acquire(Priority::Background).await,
            pacer.acquire(Priority::Background).await,
        ];
        assert_eq!(pacer.state(), (Some(4), 1, 3));
        let started = Instant::now();
        let waiting = tokio::spawn({
            let pacer = pacer.clone();
            async move { pacer.acquire(Priority::Background).await }
        });
        tokio::time::sleep(Duration::from_secs(5)).await;
        assert!(!waiting.is_finished(), "four of four are used or in flight");
        for (count, permit) in (2..).zip(held) {
            permit.answered(&headers(4, count, 55));
        }
        let _fifth = waiting.await.unwrap();
        assert!(
            started.elapsed() >= Duration::from_secs(55),
            "the answers said the window was spent: {:?}",
            started.elapsed()
        );
    }

    #[tokio::test(start_paused = true)]
    async fn an_absurd_reset_header_waits_at_most_the_longest_reset() {
        for reset in [u64::MAX, 86_400 * 365, 3_600] {
            let pacer = Pacer::new(PacerSettings { reserve: 0.0 });
            pacer
                .acquire(Priority::Background)
                .await
                .answered(&headers(2, 2, reset));
            let started = Instant::now();
            let _next = pacer.acquire(Priority::Background).await;
            let waited = started.elapsed();
            assert!(
                waited >= LONGEST_RESET && waited < LONGEST_RESET + Duration::from_secs(1),
                "reset {reset}: waited {waited:?}"
            );
        }
    }
}
