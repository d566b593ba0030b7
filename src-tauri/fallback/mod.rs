//! Fallback routing: when the primary queue is overloaded, point the channel's
//! deployment at the fallback flow; when it has recovered, point it back.
//!
//! [`decide`] is a pure state machine with hysteresis, so it never flaps:
//! - it switches to the fallback only after `trigger_samples` overloaded samples in a row
//!   (too few agents on queue, or the wait above `max_wait`);
//! - it switches back only after the primary has been *clearly* healthy (agents at least
//!   `min_agents + agent_margin` and the wait at most `max_wait × (1 − wait_margin)`)
//!   without a break for `recover_dwell`.
//!
//! Between those two bands nothing changes, whichever route is in use.

mod runner;

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use runner::{
    sample_from_observations, FallbackRunner, RunnerEvent, RunnerMode, RunnerSettings,
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FallbackRules {
    /// Fewer agents on queue than this is overload.
    pub min_agents: u32,
    /// A longest or estimated wait above this is overload.
    #[serde(with = "seconds")]
    pub max_wait: Duration,
    /// Overloaded samples in a row before switching to the fallback.
    pub trigger_samples: u32,
    /// How long the primary must stay clearly healthy before switching back.
    #[serde(with = "seconds")]
    pub recover_dwell: Duration,
    /// Extra agents required on top of `min_agents` to count as recovered.
    pub agent_margin: u32,
    /// Share of `max_wait` the wait must stay under to count as recovered (0.0 to 1.0).
    pub wait_margin: f64,
}

impl Default for FallbackRules {
    /// The tutorial's thresholds (2 agents, 120 s) with hysteresis around them.
    fn default() -> Self {
        FallbackRules {
            min_agents: 2,
            max_wait: Duration::from_secs(120),
            trigger_samples: 3,
            recover_dwell: Duration::from_secs(300),
            agent_margin: 1,
            wait_margin: 0.25,
        }
    }
}

mod seconds {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(value.as_secs())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
        u64::deserialize(deserializer).map(Duration::from_secs)
    }
}

impl FallbackRules {
    /// Rules that cannot work are refused with the reason.
    pub fn check(&self) -> Result<(), String> {
        if self.trigger_samples == 0 {
            return Err("trigger samples must be at least 1".into());
        }
        if !(0.0..1.0).contains(&self.wait_margin) {
            return Err("the wait margin must be from 0.0 up to (not including) 1.0".into());
        }
        if self.max_wait.is_zero() {
            return Err("the maximum wait must be more than 0 seconds".into());
        }
        if self.min_agents.checked_add(self.agent_margin).is_none() {
            return Err("the minimum agents plus the agent margin is too large".into());
        }
        if self.max_wait > Duration::from_secs(7 * 86_400)
            || self.recover_dwell > Duration::from_secs(7 * 86_400)
        {
            return Err("the maximum wait and the recovery dwell must be at most 7 days".into());
        }
        Ok(())
    }
}

/// One observation of the primary queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Sample {
    pub at: DateTime<Utc>,
    /// Agents on queue (idle or interacting).
    pub agents_on_queue: u32,
    pub waiting: u32,
    /// Wait of the longest-waiting conversation.
    pub longest_wait_seconds: u64,
    /// The queue's estimated wait, when asked for.
    pub estimated_wait_seconds: Option<u64>,
}

impl Sample {
    /// The wait the rules compare: the worse of longest and estimated.
    pub fn wait(&self) -> Duration {
        Duration::from_secs(
            self.longest_wait_seconds
                .max(self.estimated_wait_seconds.unwrap_or(0)),
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Route {
    Primary,
    Fallback,
}

/// What `decide` remembers between samples.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FallbackState {
    pub route: Route,
    pub overloaded_streak: u32,
    pub healthy_since: Option<DateTime<Utc>>,
}

impl FallbackState {
    pub fn on(route: Route) -> FallbackState {
        FallbackState {
            route,
            overloaded_streak: 0,
            healthy_since: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "decision")]
pub enum Decision {
    Stay { route: Route, reason: String },
    SwitchToFallback { reason: String },
    SwitchToPrimary { reason: String },
}

impl Decision {
    pub fn is_switch(&self) -> bool {
        !matches!(self, Decision::Stay { .. })
    }

    pub fn reason(&self) -> &str {
        match self {
            Decision::Stay { reason, .. }
            | Decision::SwitchToFallback { reason }
            | Decision::SwitchToPrimary { reason } => reason,
        }
    }
}

fn overload_reason(rules: &FallbackRules, sample: &Sample) -> Option<String> {
    let mut reasons = Vec::new();
    if sample.agents_on_queue < rules.min_agents {
        reasons.push(format!(
            "{} agent(s) on queue, fewer than {}",
            sample.agents_on_queue, rules.min_agents
        ));
    }
    if sample.wait() > rules.max_wait {
        reasons.push(format!(
            "wait {} s above {} s",
            sample.wait().as_secs(),
            rules.max_wait.as_secs()
        ));
    }
    (!reasons.is_empty()).then(|| reasons.join(" and "))
}

fn clearly_healthy(rules: &FallbackRules, sample: &Sample) -> bool {
    let recovered_wait = rules.max_wait.mul_f64(1.0 - rules.wait_margin);
    sample.agents_on_queue >= rules.min_agents.saturating_add(rules.agent_margin)
        && sample.wait() <= recovered_wait
}

/// One step of the state machine: updates `state` and says what to do.
pub fn decide(rules: &FallbackRules, state: &mut FallbackState, sample: &Sample) -> Decision {
    let numbers = format!(
        "{} agent(s), {} waiting, wait {} s",
        sample.agents_on_queue,
        sample.waiting,
        sample.wait().as_secs()
    );
    match state.route {
        Route::Primary => match overload_reason(rules, sample) {
            Some(reason) => {
                state.overloaded_streak += 1;
                if state.overloaded_streak >= rules.trigger_samples {
                    *state = FallbackState::on(Route::Fallback);
                    Decision::SwitchToFallback {
                        reason: format!(
                            "{reason} for {} sample(s) in a row",
                            rules.trigger_samples
                        ),
                    }
                } else {
                    Decision::Stay {
                        route: Route::Primary,
                        reason: format!(
                            "{reason} ({} of {} samples before switching)",
                            state.overloaded_streak, rules.trigger_samples
                        ),
                    }
                }
            }
            None => {
                state.overloaded_streak = 0;
                Decision::Stay {
                    route: Route::Primary,
                    reason: format!("primary healthy: {numbers}"),
                }
            }
        },
        Route::Fallback => {
            if !clearly_healthy(rules, sample) {
                state.healthy_since = None;
                return Decision::Stay {
                    route: Route::Fallback,
                    reason: format!("primary not yet recovered: {numbers}"),
                };
            }
            let since = *state.healthy_since.get_or_insert(sample.at);
            let healthy_for = (sample.at - since).to_std().unwrap_or_default();
            if healthy_for >= rules.recover_dwell {
                *state = FallbackState::on(Route::Primary);
                Decision::SwitchToPrimary {
                    reason: format!("primary healthy for {} s: {numbers}", healthy_for.as_secs()),
                }
            } else {
                Decision::Stay {
                    route: Route::Fallback,
                    reason: format!(
                        "primary healthy for {} s of the {} s required: {numbers}",
                        healthy_for.as_secs(),
                        rules.recover_dwell.as_secs()
                    ),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn sample(at_seconds: i64, agents: u32, wait: u64) -> Sample {
        Sample {
            at: DateTime::<Utc>::UNIX_EPOCH + chrono::Duration::seconds(at_seconds),
            agents_on_queue: agents,
            waiting: 0,
            longest_wait_seconds: wait,
            estimated_wait_seconds: None,
        }
    }

    #[test]
    fn rules_that_would_overflow_are_refused_before_any_sample() {
        let huge = FallbackRules {
            min_agents: u32::MAX,
            agent_margin: 1,
            ..FallbackRules::default()
        };
        assert!(huge.check().unwrap_err().contains("too large"));
        let long = FallbackRules {
            max_wait: Duration::from_secs(u64::MAX / 2),
            ..FallbackRules::default()
        };
        assert!(long.check().unwrap_err().contains("7 days"));
        assert!(FallbackRules::default().check().is_ok());
    }

    #[test]
    fn switches_after_k_overloaded_samples_and_back_after_the_dwell() {
        let rules = FallbackRules::default();
        let mut state = FallbackState::on(Route::Primary);
        assert!(!decide(&rules, &mut state, &sample(0, 1, 0)).is_switch());
        assert!(!decide(&rules, &mut state, &sample(10, 1, 0)).is_switch());
        let third = decide(&rules, &mut state, &sample(20, 5, 200));
        assert!(
            matches!(third, Decision::SwitchToFallback { .. }),
            "{third:?}"
        );
        assert!(third.reason().contains("wait 200 s above 120 s"));
        assert_eq!(state.route, Route::Fallback);

        assert!(!decide(&rules, &mut state, &sample(30, 3, 30)).is_switch());
        assert!(!decide(&rules, &mut state, &sample(200, 3, 30)).is_switch());
        let back = decide(&rules, &mut state, &sample(330, 3, 30));
        assert!(matches!(back, Decision::SwitchToPrimary { .. }), "{back:?}");
    }

    #[test]
    fn a_blip_resets_the_streak_and_the_dwell() {
        let rules = FallbackRules::default();
        let mut state = FallbackState::on(Route::Primary);
        decide(&rules, &mut state, &sample(0, 0, 0));
        decide(&rules, &mut state, &sample(10, 0, 0));
        decide(&rules, &mut state, &sample(20, 4, 10));
        assert_eq!(state.overloaded_streak, 0);

        let mut fallback = FallbackState::on(Route::Fallback);
        decide(&rules, &mut fallback, &sample(0, 4, 10));
        decide(&rules, &mut fallback, &sample(200, 2, 100)); // inside the band: not clearly healthy
        assert!(
            !decide(&rules, &mut fallback, &sample(310, 4, 10)).is_switch(),
            "the dwell restarted"
        );
    }

    fn in_band(rules: &FallbackRules) -> impl Strategy<Value = (u32, u64)> {
        // Neither overloaded nor clearly healthy: agents >= min and wait <= max, but not both
        // agents >= min + margin and wait <= max × (1 − margin).
        let min = rules.min_agents;
        let margin = rules.agent_margin;
        let max = rules.max_wait.as_secs();
        let healthy_wait = (max as f64 * (1.0 - rules.wait_margin)) as u64;
        prop_oneof![
            (min..min + margin, 0..=max),
            (min..min + 10, healthy_wait + 1..=max),
        ]
    }

    proptest! {
        #[test]
        fn fallback_does_not_flap_inside_band(
            start_on_fallback in any::<bool>(),
            samples in prop::collection::vec(in_band(&FallbackRules::default()), 1..200),
            step in 1i64..120,
        ) {
            let rules = FallbackRules::default();
            let route = if start_on_fallback { Route::Fallback } else { Route::Primary };
            let mut state = FallbackState::on(route);
            for (index, (agents, wait)) in samples.into_iter().enumerate() {
                let decision = decide(&rules, &mut state, &sample(index as i64 * step, agents, wait));
                prop_assert!(!decision.is_switch(), "{decision:?}");
            }
            prop_assert_eq!(state.route, route);
        }

        #[test]
        fn never_switches_back_sooner_than_the_dwell(
            samples in prop::collection::vec((0u32..8, 0u64..400), 1..300),
            step in 1i64..90,
        ) {
            let rules = FallbackRules::default();
            let mut state = FallbackState::on(Route::Primary);
            let mut switched_to_fallback_at: Option<i64> = None;
            for (index, (agents, wait)) in samples.into_iter().enumerate() {
                let at = index as i64 * step;
                match decide(&rules, &mut state, &sample(at, agents, wait)) {
                    Decision::SwitchToFallback { .. } => switched_to_fallback_at = Some(at),
                    Decision::SwitchToPrimary { .. } => {
                        let since = switched_to_fallback_at.expect("only back after going over");
                        prop_assert!(at - since >= rules.recover_dwell.as_secs() as i64);
                    }
                    Decision::Stay { .. } => {}
                }
            }
        }

        #[test]
        fn alternating_bad_and_good_samples_never_switch(count in 1usize..200) {
            let rules = FallbackRules::default();
            let mut state = FallbackState::on(Route::Primary);
            for index in 0..count {
                let (agents, wait) = if index % 2 == 0 { (0, 500) } else { (6, 5) };
                prop_assert!(!decide(&rules, &mut state, &sample(index as i64 * 10, agents, wait)).is_switch());
            }
        }
    }
}
