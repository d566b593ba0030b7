//! Sandbox-only controls under `/sandbox/`: fault injection, token expiry, deployment
//! outcomes, queue traffic and speed, and what was served. Not part of the Genesys API.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::faults::Fault;
use super::state::{SandboxState, SettleOutcome, CONTROL_TOKEN_HEADER};

fn bad(message: impl Into<String>) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"message": message.into(), "code": "bad.request", "status": 400})),
    )
        .into_response()
}

fn refuse(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        Json(json!({"message": message, "code": code, "status": status.as_u16()})),
    )
        .into_response()
}

/// In front of every control: a loopback `Host` (so a DNS-rebound page cannot reach
/// it), the run's control token (so a page's simple request or another local process
/// cannot), and a JSON body for POSTs (so a form post cannot either).
pub async fn guard(
    State(state): State<SandboxState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let headers = request.headers();
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    if !super::gate::is_loopback_host(host) {
        return refuse(
            StatusCode::FORBIDDEN,
            "sandbox.host.refused",
            "Sandbox controls answer only requests addressed to a loopback host (127.0.0.1, localhost or [::1]).",
        );
    }
    let token = headers
        .get(CONTROL_TOKEN_HEADER)
        .map(|value| value.as_bytes())
        .unwrap_or_default();
    if !same_bytes(token, state.options().control_token.as_bytes()) {
        return refuse(
            StatusCode::UNAUTHORIZED,
            "sandbox.control.token.required",
            "Sandbox controls need the X-Sandbox-Control-Token header with the token `webmsg-desk sandbox` printed.",
        );
    }
    if request.method() == axum::http::Method::POST {
        let json = headers
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(';').next())
            .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"));
        if !json {
            return refuse(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "sandbox.control.json.required",
                "Sandbox controls take a JSON body: send Content-Type: application/json.",
            );
        }
    }
    next.run(request).await
}

/// Equal without an early exit, so response time says nothing about how much of a
/// guessed token was right.
fn same_bytes(given: &[u8], expected: &[u8]) -> bool {
    given.len() == expected.len()
        && given
            .iter()
            .zip(expected)
            .fold(0u8, |difference, (a, b)| difference | (a ^ b))
            == 0
}

fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, String> {
    serde_json::from_slice(body).map_err(|e| format!("invalid control body: {e}"))
}

pub async fn status(State(state): State<SandboxState>) -> Json<Value> {
    let pending = state.faults().pending();
    let latency = state.faults().latency.as_millis() as u64;
    let org = state.org();
    Json(json!({
        "orgId": org.org_id,
        "orgName": org.org_name,
        "baseUrl": org.public_base_url,
        "simulatedTime": super::state::iso(state.now()),
        "speed": state.clock().speed(),
        "configurations": org.configurations.len(),
        "liveTokens": org.tokens.len(),
        "deployments": org.deployments.len(),
        "queues": org.queues.iter().map(|q| json!({"id": q.id, "name": q.name})).collect::<Vec<_>>(),
        "faultsPending": pending,
        "latencyMs": latency,
        "stats": org.stats,
    }))
}

use super::state::MAX_SPEED;

// Bounds on the controls: past them a value would stall the simulation, overflow a
// clock or fill memory, and nothing a test needs lies there.
const MAX_LATENCY_MS: u64 = 60_000;
const MAX_FAULTS: u32 = 10_000;
const MAX_RETRY_AFTER_SECONDS: u64 = 3_600;
const MAX_ARRIVALS_PER_HOUR: f64 = 100_000.0;
const MAX_TIME_SECONDS: f64 = 7.0 * 86_400.0;
const MAX_OTHER_MEDIA: usize = 8;
/// A backlog a test can ask for in one go; the line is bounded by arrivals otherwise.
const MAX_ADDED_WAITING: u32 = 1_000;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FaultRequest {
    #[serde(flatten)]
    fault: Fault,
    #[serde(default = "one")]
    count: u32,
}

fn one() -> u32 {
    1
}

/// `{"kind":"status","status":429,"retryAfter":3,"count":5}`, `{"kind":"dropConnection"}`,
/// `{"kind":"malformedJson","count":2}`.
pub async fn push_fault(State(state): State<SandboxState>, body: Bytes) -> Response {
    let request: FaultRequest = match parse(&body) {
        Ok(request) => request,
        Err(message) => return bad(message),
    };
    if let Fault::Status {
        status,
        retry_after,
    } = &request.fault
    {
        if !(400..=599).contains(status) {
            return bad("status must be an error status from 400 to 599");
        }
        if retry_after.is_some_and(|seconds| seconds > MAX_RETRY_AFTER_SECONDS) {
            return bad(format!(
                "retryAfter must be at most {MAX_RETRY_AFTER_SECONDS} seconds"
            ));
        }
    }
    if request.count > MAX_FAULTS || state.faults().pending() + request.count > MAX_FAULTS {
        return bad(format!("at most {MAX_FAULTS} faults can be queued"));
    }
    state.faults().push(request.fault, request.count);
    (
        StatusCode::ACCEPTED,
        Json(json!({"pending": state.faults().pending()})),
    )
        .into_response()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct LatencyRequest {
    ms: u64,
}

pub async fn set_latency(State(state): State<SandboxState>, body: Bytes) -> Response {
    match parse::<LatencyRequest>(&body) {
        Ok(request) if request.ms > MAX_LATENCY_MS => {
            bad(format!("ms must be at most {MAX_LATENCY_MS} (a minute)"))
        }
        Ok(request) => {
            state.faults().latency = Duration::from_millis(request.ms);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(message) => bad(message),
    }
}

pub async fn clear_faults(State(state): State<SandboxState>) -> StatusCode {
    state.faults().clear();
    StatusCode::NO_CONTENT
}

pub async fn expire_tokens(State(state): State<SandboxState>) -> Json<Value> {
    let mut org = state.org();
    let now = tokio::time::Instant::now();
    let count = org.tokens.len();
    for token in org.tokens.values_mut() {
        token.expires_at = now;
    }
    Json(json!({"expired": count}))
}

/// Drops every notification channel, as a maintenance restart does: open sockets close
/// and their clients must fall back or make a new channel.
pub async fn close_notification_channels(State(state): State<SandboxState>) -> Json<Value> {
    let mut org = state.org();
    let count = org.notification_channels.len();
    org.notification_channels.clear();
    Json(json!({"closed": count}))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct OutcomeRequest {
    /// `Active`, `Error` or `StuckPending`.
    outcome: String,
    #[serde(default)]
    deployment_id: Option<String>,
}

/// How the next deployment create/update settles (or a given deployment's next one).
pub async fn set_deployment_outcome(State(state): State<SandboxState>, body: Bytes) -> Response {
    let request: OutcomeRequest = match parse(&body) {
        Ok(request) => request,
        Err(message) => return bad(message),
    };
    let outcome = match request.outcome.as_str() {
        "Active" => SettleOutcome::Active,
        "Error" => SettleOutcome::Error,
        "StuckPending" => SettleOutcome::StuckPending,
        other => {
            return bad(format!(
                "outcome must be Active, Error or StuckPending, not {other}"
            ))
        }
    };
    let mut org = state.org();
    match request.deployment_id {
        Some(id) => {
            if let Some(record) = org.deployment_mut(&id) {
                // Applies to the deployment as it is now, and to its next update.
                record.outcome = outcome.clone();
            }
            org.deployment_outcomes.insert(id, outcome);
        }
        None => org.next_deployment_outcome.push_back(outcome),
    }
    StatusCode::NO_CONTENT.into_response()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct TrafficPatch {
    arrivals_per_hour: Option<f64>,
    /// Arrivals per hour of other media (`{"voice": 300}`); 0 removes one.
    other_media: Option<std::collections::BTreeMap<String, f64>>,
    handle_time_seconds: Option<f64>,
    patience_seconds: Option<f64>,
    on_queue_agents: Option<u32>,
    #[serde(default)]
    release_agents: bool,
    daily_curve: Option<bool>,
    /// Ends every conversation in the queue now, after the other changes apply.
    #[serde(default)]
    end_conversations: bool,
    /// This many customers join the line now, after any ending.
    add_waiting: Option<u32>,
}

/// What is out of range in a traffic change, if anything.
fn traffic_patch_problem(patch: &TrafficPatch) -> Option<String> {
    let rates = patch
        .arrivals_per_hour
        .into_iter()
        .chain(patch.other_media.iter().flatten().map(|(_, rate)| *rate));
    for rate in rates {
        if !(0.0..=MAX_ARRIVALS_PER_HOUR).contains(&rate) {
            return Some(format!(
                "arrivals per hour must be from 0 to {MAX_ARRIVALS_PER_HOUR}"
            ));
        }
    }
    for seconds in [patch.handle_time_seconds, patch.patience_seconds]
        .into_iter()
        .flatten()
    {
        if !(0.0..=MAX_TIME_SECONDS).contains(&seconds) {
            return Some(format!(
                "handle and patience times must be from 0 to {MAX_TIME_SECONDS} seconds"
            ));
        }
    }
    if patch
        .other_media
        .as_ref()
        .is_some_and(|media| media.len() > MAX_OTHER_MEDIA)
    {
        return Some(format!("at most {MAX_OTHER_MEDIA} other media types"));
    }
    if patch
        .add_waiting
        .is_some_and(|count| count > MAX_ADDED_WAITING)
    {
        return Some(format!(
            "addWaiting must be from 0 to {MAX_ADDED_WAITING} customers"
        ));
    }
    None
}

/// Changes a queue's traffic: e.g. `{"onQueueAgents":0,"arrivalsPerHour":600}` overloads it.
pub async fn set_traffic(
    State(state): State<SandboxState>,
    Path(queue_id): Path<String>,
    body: Bytes,
) -> Response {
    let patch: TrafficPatch = match parse(&body) {
        Ok(patch) => patch,
        Err(message) => return bad(message),
    };
    if let Some(problem) = traffic_patch_problem(&patch) {
        return bad(problem);
    }
    let mut org = state.org();
    let Some(queue) = org.traffic.queue_mut(&queue_id) else {
        return (StatusCode::NOT_FOUND, Json(json!({"message": format!("no queue {queue_id}"), "code": "not.found", "status": 404}))).into_response();
    };
    if let Some(value) = patch.arrivals_per_hour {
        queue.params.arrivals_per_hour = value.max(0.0);
    }
    for (media_type, rate) in patch.other_media.into_iter().flatten() {
        if media_type == super::traffic::MESSAGE {
            return bad("web messages are set with arrivalsPerHour");
        }
        if rate > 0.0 {
            queue.params.other_media.insert(media_type, rate);
        } else {
            queue.params.other_media.remove(&media_type);
        }
    }
    if let Some(value) = patch.handle_time_seconds {
        queue.params.handle_time_seconds = value.max(1.0);
    }
    if let Some(value) = patch.patience_seconds {
        queue.params.patience_seconds = value.max(1.0);
    }
    if let Some(value) = patch.daily_curve {
        queue.params.daily_curve = value;
    }
    if patch.on_queue_agents.is_some() {
        queue.params.forced_on_queue_agents = patch.on_queue_agents;
    }
    if patch.release_agents {
        queue.params.forced_on_queue_agents = None;
    }
    let ended = if patch.end_conversations {
        org.traffic.end_conversations(&queue_id).unwrap_or(0)
    } else {
        0
    };
    if let Some(count) = patch.add_waiting {
        org.traffic.add_waiting(&queue_id, count);
    }
    let Some(queue) = org.traffic.queue(&queue_id) else {
        return (StatusCode::NOT_FOUND, Json(json!({"message": format!("no queue {queue_id}"), "code": "not.found", "status": 404}))).into_response();
    };
    Json(json!({"queueId": queue_id, "params": queue.params, "waiting": queue.waiting.len(), "active": queue.active.len(), "ended": ended, "agents": queue.agents.len()})).into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SpeedRequest {
    speed: f64,
}

pub async fn set_speed(State(state): State<SandboxState>, body: Bytes) -> Response {
    match parse::<SpeedRequest>(&body) {
        Ok(request) if (0.0..=MAX_SPEED).contains(&request.speed) => {
            state.set_speed(request.speed);
            StatusCode::NO_CONTENT.into_response()
        }
        Ok(_) => bad(format!("speed must be a number from 0 to {MAX_SPEED}")),
        Err(message) => bad(message),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct GuestFaultRequest {
    kind: super::guests::GuestFault,
    #[serde(default = "one")]
    count: u32,
}

/// `{"kind":"dropSocket","count":1}` cuts the next guest sockets after their session is
/// configured; `{"kind":"flowError"}` makes the next conversation's flow fail;
/// `{"kind":"outOfOrder"}` delivers the next order card after the label sent behind it.
pub async fn push_guest_fault(State(state): State<SandboxState>, body: Bytes) -> Response {
    let request: GuestFaultRequest = match parse(&body) {
        Ok(request) => request,
        Err(message) => return bad(message),
    };
    if request.count > MAX_FAULTS {
        return bad(format!("count must be at most {MAX_FAULTS}"));
    }
    let mut org = state.org();
    org.guests.push_fault(request.kind, request.count);
    Json(json!({"pending": org.guests.pending_faults()})).into_response()
}

pub async fn clear_guest_faults(State(state): State<SandboxState>) -> StatusCode {
    state.org().guests.clear_faults();
    StatusCode::NO_CONTENT
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_hosts_pass() {
        for host in [
            "127.0.0.1:8089",
            "127.0.0.1",
            "localhost:1",
            "LOCALHOST",
            "[::1]:8089",
            "[::1]",
            "127.5.0.1:80",
        ] {
            assert!(crate::gate::is_loopback_host(host), "{host}");
        }
        for host in [
            "",
            "evil.example:8089",
            "192.168.1.5:8089",
            "localhost.evil.example",
            "[::1]x",
            "0.0.0.0:8089",
            "[fe80::1]:80",
            "127.0.0.1.nip.io",
        ] {
            assert!(!crate::gate::is_loopback_host(host), "{host}");
        }
    }

    #[test]
    fn tokens_compare_whole() {
        assert!(same_bytes(b"abc", b"abc"));
        assert!(!same_bytes(b"abd", b"abc"));
        assert!(!same_bytes(b"ab", b"abc"));
        assert!(!same_bytes(b"", b"abc"));
    }
}
