//! Fallback use cases: which queue and flows a channel's watch uses (one rule for both
//! front ends), one evaluation, and the runner for a watch.

use std::time::Duration;

use serde::Deserialize;

use crate::channel;
use crate::fallback::{decide, RunnerSettings};

pub use crate::fallback::{
    Decision, FallbackRules, FallbackRunner, Route, RunnerEvent, RunnerMode,
};
use crate::genesys::models::WebDeployment;
pub use crate::store::{ChannelRouting, SwitchRecord};

use super::{AppError, Field, Result, Session};

/// Which channel to watch and, when not the recorded ones, its queue and fallback flow
/// (each by name or id).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FallbackTarget {
    pub deployment_id: String,
    pub queue: Option<String>,
    pub fallback_flow: Option<String>,
}

/// A target with every id known, and the deployment as it is now.
#[derive(Debug, Clone)]
pub struct ResolvedTarget {
    pub deployment: WebDeployment,
    pub routing: ChannelRouting,
    pub primary_queue_id: String,
    pub primary_flow_id: String,
    pub fallback_flow_id: String,
}

/// Resolves the target and records its routing, so the next watch (in either front end)
/// starts from it. The primary flow is the recorded one, else the flow the deployment is
/// on unless that is the fallback; when neither tells, the watch cannot switch back, so
/// it is refused.
pub async fn resolve(session: &Session, target: &FallbackTarget) -> Result<ResolvedTarget> {
    let client = &session.client;
    let mut routing = session
        .store
        .routing(&target.deployment_id)?
        .unwrap_or_default();
    routing.deployment_id = target.deployment_id.clone();
    let deployment = client.deployments().get(&target.deployment_id).await?;
    if let Some(queue) = &target.queue {
        let queue = channel::resolve_queue(client, queue).await?;
        routing.primary_queue_id = queue.id;
        routing.primary_queue_name = queue.name;
    }
    if let Some(flow) = &target.fallback_flow {
        let flow = channel::resolve_flow(client, flow).await?;
        routing.fallback_flow_id = flow.id;
        routing.fallback_flow_name = flow.name;
    }
    let primary_queue_id = routing.primary_queue_id.clone().ok_or_else(|| {
        AppError::invalid("no primary queue is recorded for this channel; choose one")
            .on(Field::PrimaryQueue)
    })?;
    let fallback_flow_id = routing.fallback_flow_id.clone().ok_or_else(|| {
        AppError::invalid("no fallback flow is recorded for this channel; choose one")
            .on(Field::FallbackFlow)
    })?;
    let primary_flow_id = primary_flow(&routing, &deployment)
        .ok_or_else(|| {
            AppError::invalid(
                "the primary flow of this channel is not known (it is on its fallback flow and none was recorded); move it back to its primary flow first",
            )
        })?;
    if primary_flow_id == fallback_flow_id {
        return Err(AppError::invalid(
            "the fallback flow must differ from the channel's primary flow",
        ));
    }
    if routing.primary_flow_id.is_none() {
        routing.primary_flow_id = Some(primary_flow_id.clone());
        routing.primary_flow_name = deployment.flow.as_ref().and_then(|f| f.name.clone());
    }
    session.store.save_routing(&routing)?;
    Ok(ResolvedTarget {
        deployment,
        routing,
        primary_queue_id,
        primary_flow_id,
        fallback_flow_id,
    })
}

/// The channel's primary flow: the recorded one, else the flow the deployment is on
/// unless that is its fallback (a channel caught on its fallback must not have the
/// fallback taken for its primary, or the watch could never switch back).
fn primary_flow(routing: &ChannelRouting, deployment: &WebDeployment) -> Option<String> {
    let current_flow = deployment.flow.as_ref().and_then(|f| f.id.clone());
    routing
        .primary_flow_id
        .clone()
        .or_else(|| current_flow.filter(|id| routing.fallback_flow_id.as_ref() != Some(id)))
}

/// A channel's routing as it stands: the record, completed from the deployment by the
/// same rule a watch uses, and which of its two flows it is on.
#[derive(Debug, Clone)]
pub struct ChannelRoute {
    pub deployment: WebDeployment,
    pub routing: ChannelRouting,
    pub current_route: Option<Route>,
}

/// Reads a channel's routing without recording anything.
pub async fn route_of(session: &Session, deployment_id: &str) -> Result<ChannelRoute> {
    let deployment = session.client.deployments().get(deployment_id).await?;
    let mut routing = session.store.routing(deployment_id)?.unwrap_or_default();
    routing.deployment_id = deployment_id.to_string();
    if routing.primary_flow_id.is_none() {
        routing.primary_flow_id = primary_flow(&routing, &deployment);
        if routing.primary_flow_id.is_some() {
            routing.primary_flow_name = deployment.flow.as_ref().and_then(|f| f.name.clone());
        }
    }
    let current_flow = deployment.flow.as_ref().and_then(|f| f.id.as_ref());
    let current_route = routing.fallback_flow_id.as_ref().map(|fallback| {
        if current_flow == Some(fallback) {
            Route::Fallback
        } else {
            Route::Primary
        }
    });
    Ok(ChannelRoute {
        deployment,
        routing,
        current_route,
    })
}

/// How often the window's watches sample: the Sandbox answers at once; a real org is
/// asked less often.
pub fn window_interval(session: &Session) -> Duration {
    if session.client.environment().is_sandbox() {
        crate::monitor::schedule::MIN_INTERVAL
    } else {
        Duration::from_secs(15)
    }
}

/// How a watch samples and acts.
#[derive(Debug, Clone)]
pub struct WatchSettings {
    pub rules: FallbackRules,
    pub interval: Duration,
    pub mode: RunnerMode,
    pub use_estimated_wait: bool,
    /// For a live watch on a production profile (see [`super::safety`]).
    pub confirmation: super::safety::Confirmation,
}

/// The runner for a watch of a resolved target.
pub fn runner(
    session: &Session,
    target: &ResolvedTarget,
    settings: &WatchSettings,
) -> Result<FallbackRunner> {
    super::check_interval(settings.interval)?;
    if session.production && settings.mode == RunnerMode::Run {
        super::safety::check_name(
            &session.profile,
            &target.deployment.name,
            super::safety::GuardedChange::LiveFallback,
            &settings.confirmation,
        )?;
    }
    Ok(FallbackRunner::new(
        session.client.clone(),
        session.store.clone(),
        RunnerSettings {
            profile: session.profile.clone(),
            deployment_id: target.routing.deployment_id.clone(),
            primary_queue_id: target.primary_queue_id.clone(),
            primary_flow_id: target.primary_flow_id.clone(),
            fallback_flow_id: target.fallback_flow_id.clone(),
            rules: settings.rules.clone(),
            interval: settings.interval,
            mode: settings.mode,
            use_estimated_wait: settings.use_estimated_wait,
            in_flight: session.in_flight.clone(),
        },
    )?)
}

/// One sample and what the rules say of it alone: a single evaluation sees no streak
/// and no dwell, so it judges with one trigger sample and no recovery dwell.
pub async fn evaluate(
    session: &Session,
    target: &ResolvedTarget,
    settings: &WatchSettings,
) -> Result<RunnerEvent> {
    let runner = runner(session, target, settings)?;
    let mut state = runner.current_state().await?;
    let sample = runner.sample().await?;
    let rules = FallbackRules {
        trigger_samples: 1,
        recover_dwell: Duration::ZERO,
        ..settings.rules.clone()
    };
    let decision = decide(&rules, &mut state, &sample);
    Ok(RunnerEvent::Evaluated { sample, decision })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn on_flow(flow: &str) -> WebDeployment {
        serde_json::from_value(serde_json::json!({
            "name": "Support", "flow": {"id": flow, "name": flow}
        }))
        .unwrap()
    }

    #[test]
    fn the_primary_flow_is_the_recorded_one_else_the_current_unless_that_is_the_fallback() {
        let nothing_recorded = ChannelRouting::default();
        assert_eq!(
            primary_flow(&nothing_recorded, &on_flow("p")),
            Some("p".into())
        );
        let fallback_recorded = ChannelRouting {
            fallback_flow_id: Some("f".into()),
            ..ChannelRouting::default()
        };
        assert_eq!(primary_flow(&fallback_recorded, &on_flow("f")), None);
        assert_eq!(
            primary_flow(&fallback_recorded, &on_flow("p")),
            Some("p".into())
        );
        let both_recorded = ChannelRouting {
            primary_flow_id: Some("p".into()),
            ..fallback_recorded
        };
        assert_eq!(
            primary_flow(&both_recorded, &on_flow("f")),
            Some("p".into())
        );
    }
}
