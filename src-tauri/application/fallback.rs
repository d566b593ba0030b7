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
use crate::store::ChannelRouting;

use super::{AppError, Result, Session};

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
        AppError::invalid("no primary queue is recorded for this channel; choose one (--queue)")
    })?;
    let fallback_flow_id = routing.fallback_flow_id.clone().ok_or_else(|| {
        AppError::invalid(
            "no fallback flow is recorded for this channel; choose one (--fallback-flow)",
        )
    })?;
    let current_flow = deployment.flow.as_ref().and_then(|f| f.id.clone());
    let primary_flow_id = routing
        .primary_flow_id
        .clone()
        .or_else(|| current_flow.filter(|id| *id != fallback_flow_id))
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
    if settings.interval < Duration::from_secs(5) {
        return Err(AppError::invalid(
            "the interval must be at least 5 seconds, to stay inside the rate budget",
        ));
    }
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
