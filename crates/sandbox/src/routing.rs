//! `/api/v2/routing/queues` (with estimated wait time), `/api/v2/flows` and
//! `/api/v2/tokens/me`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde_json::{json, Value};

use super::body::without_nulls;
use super::error::{ApiError, ApiResult};
use super::gate::Caller;
use super::listing::number_page;
use super::params::Params;
use super::state::SandboxState;
use super::traffic::{QueueTraffic, MESSAGE};
use genesys::schema;

/// Genesys's `name` filter: case-insensitive, `*` wildcards at either end.
fn name_matches(pattern: &str, name: &str) -> bool {
    let pattern = pattern.to_lowercase();
    let name = name.to_lowercase();
    match (pattern.strip_prefix('*'), pattern.strip_suffix('*')) {
        (Some(rest), _) if rest.ends_with('*') => name.contains(rest.trim_end_matches('*')),
        (Some(rest), _) => name.ends_with(rest),
        (None, Some(rest)) => name.starts_with(rest),
        (None, None) => name == pattern,
    }
}

fn require_uuid(id: &str) -> ApiResult<()> {
    uuid::Uuid::parse_str(id).map(|_| ()).map_err(|_| {
        ApiError::invalid_field(
            "invalid.id",
            "queueId",
            format!("The id [{id}] is not a valid UUID."),
        )
    })
}

pub async fn list_queues(
    State(state): State<SandboxState>,
    Extension(caller): Extension<Caller>,
    params: Params,
) -> ApiResult<Json<Value>> {
    caller.require("routing:queue:view")?;
    params.one_of("sortOrder", schema::SORT_ORDERS)?;
    params.all_of("expand", schema::QUEUE_EXPAND)?;
    let ids = params.all("id");
    let org = state.org();
    let mut queues: Vec<_> = org
        .queues
        .iter()
        .filter(|queue| {
            params
                .get("name")
                .is_none_or(|pattern| name_matches(pattern, queue.name.as_deref().unwrap_or("")))
        })
        .filter(|queue| ids.is_empty() || queue.id.as_ref().is_some_and(|id| ids.contains(id)))
        .cloned()
        .collect();
    queues.sort_by_key(|queue| queue.name.clone().unwrap_or_default().to_lowercase());
    if params.get("sortOrder") == Some("desc") {
        queues.reverse();
    }
    let items = queues
        .into_iter()
        .map(|queue| without_nulls(serde_json::to_value(queue).unwrap_or_default()))
        .collect();
    Ok(Json(number_page(
        items,
        &params,
        "/api/v2/routing/queues",
        500,
    )?))
}

pub async fn get_queue(
    State(state): State<SandboxState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    caller.require("routing:queue:view")?;
    require_uuid(&id)?;
    let org = state.org();
    let queue = org
        .queue(&id)
        .ok_or_else(|| ApiError::not_found("queue", &id))?;
    Ok(Json(without_nulls(
        serde_json::to_value(queue).unwrap_or_default(),
    )))
}

/// `BEST`: waiting customers ahead times handle time over agents on queue.
fn queue_estimate(traffic: &QueueTraffic, position: usize) -> i64 {
    let agents = (traffic.on_queue_idle() + traffic.on_queue_interacting()).max(1) as f64;
    if traffic.on_queue_idle() > 0 && position <= traffic.on_queue_idle() {
        return 0;
    }
    (position as f64 * traffic.average_handle_seconds() / agents).round() as i64
}

/// The analytics media type a per-media estimate counts (`None` for `all`).
fn analytics_media(media: &str) -> Option<&str> {
    match media {
        "all" => None,
        "call" => Some("voice"),
        "videoComm" => Some("video"),
        other => Some(other),
    }
}

fn estimate(
    state: &SandboxState,
    id: &str,
    conversation_id: Option<&str>,
    media: &str,
) -> ApiResult<Value> {
    require_uuid(id)?;
    let intent = if media == "all" {
        "ALL".to_string()
    } else {
        media.to_uppercase()
    };
    let org = state.org();
    org.queue(id)
        .ok_or_else(|| ApiError::not_found("queue", id))?;
    let Some(traffic) = org.traffic.queue(id) else {
        return Ok(
            json!({"results": [{"intent": intent, "formula": "BEST", "estimatedWaitTimeSeconds": 0}]}),
        );
    };
    let result = match conversation_id {
        Some(conversation_id) => {
            let waiting = traffic
                .waiting
                .iter()
                .find(|waiting| waiting.conversation_id == conversation_id)
                .ok_or_else(|| {
                    ApiError::invalid_field(
                        "invalid.value",
                        "conversationId",
                        format!("Conversation {conversation_id} is not waiting in queue {id}."),
                    )
                })?;
            // Agents answer every media in one line, so everyone ahead counts.
            let position = traffic
                .waiting
                .iter()
                .position(|other| other.conversation_id == conversation_id)
                .unwrap_or(0);
            let intent = if waiting.media_type == MESSAGE {
                "MESSAGE".to_string()
            } else {
                waiting.media_type.to_uppercase()
            };
            json!({"intent": intent, "formula": "POSITION-IN-QUEUE", "estimatedWaitTimeSeconds": queue_estimate(traffic, position + 1)})
        }
        None => {
            let ahead = match analytics_media(media) {
                None => traffic.waiting.len(),
                Some(media_type) => traffic.waiting_of(media_type).count(),
            };
            json!({"intent": intent, "formula": "BEST", "estimatedWaitTimeSeconds": queue_estimate(traffic, ahead + 1)})
        }
    };
    Ok(json!({"results": [result]}))
}

pub async fn estimated_wait_time(
    State(state): State<SandboxState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    params: Params,
) -> ApiResult<Json<Value>> {
    caller.require("routing:queue:view")?;
    Ok(Json(estimate(
        &state,
        &id,
        params.get("conversationId"),
        "message",
    )?))
}

pub async fn estimated_wait_time_for_media(
    State(state): State<SandboxState>,
    Extension(caller): Extension<Caller>,
    Path((id, media)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    caller.require("routing:queue:view")?;
    if !schema::ESTIMATE_MEDIA_TYPES.contains(&media.as_str()) {
        return Err(ApiError::invalid_field(
            "invalid.value",
            "mediaType",
            format!(
                "Value [{media}] is not valid for mediaType. Allowable values are: {}",
                schema::ESTIMATE_MEDIA_TYPES.join(", ")
            ),
        ));
    }
    Ok(Json(estimate(&state, &id, None, &media)?))
}

pub async fn list_flows(
    State(state): State<SandboxState>,
    Extension(caller): Extension<Caller>,
    params: Params,
) -> ApiResult<Json<Value>> {
    caller.require("architect:flow:view")?;
    let types = params.all("type");
    if let Some(bad) = types
        .iter()
        .find(|t| !schema::FLOW_TYPES.contains(&t.as_str()))
    {
        return Err(ApiError::invalid_field(
            "architect.invalid.flow.type",
            "type",
            format!("Invalid flow type: {bad}"),
        ));
    }
    params.one_of("sortOrder", schema::SORT_ORDERS)?;
    params.one_of("secure", schema::FLOW_SECURE)?;
    params.flag("deleted")?;
    params.flag("includeSchemas")?;
    let ids = params.all("id");
    let org = state.org();
    let mut flows: Vec<_> = org
        .flows
        .iter()
        .filter(|flow| {
            if !ids.is_empty() {
                return flow.id.as_ref().is_some_and(|id| ids.contains(id));
            }
            let kind = flow.flow_type.as_deref().unwrap_or("").to_lowercase();
            (types.is_empty() || types.contains(&kind))
                && params
                    .get("name")
                    .is_none_or(|pattern| name_matches(pattern, flow.name.as_deref().unwrap_or("")))
        })
        .cloned()
        .collect();
    flows.sort_by_key(|flow| flow.name.clone().unwrap_or_default().to_lowercase());
    if params.get("sortOrder") == Some("desc") {
        flows.reverse();
    }
    let items = flows
        .into_iter()
        .map(|flow| without_nulls(serde_json::to_value(flow).unwrap_or_default()))
        .collect();
    Ok(Json(number_page(items, &params, "/api/v2/flows", 500)?))
}

pub async fn get_flow(
    State(state): State<SandboxState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    caller.require("architect:flow:view")?;
    let org = state.org();
    let flow = org
        .flow(&id)
        .ok_or_else(|| ApiError::not_found("flow", &id))?;
    Ok(Json(without_nulls(
        serde_json::to_value(flow).unwrap_or_default(),
    )))
}

pub async fn token_me(
    State(state): State<SandboxState>,
    Extension(caller): Extension<Caller>,
) -> Json<Value> {
    let org = state.org();
    let client_name = org.client(&caller.client_id).map(|c| c.name.clone());
    let idles = org.tokens.get(&caller.token).map(|t| {
        let left = t
            .expires_at
            .saturating_duration_since(tokio::time::Instant::now());
        super::state::iso(state.now() + chrono::Duration::from_std(left).unwrap_or_default())
    });
    Json(without_nulls(json!({
        "organization": {"id": org.org_id, "name": org.org_name},
        "homeOrganization": {"id": org.org_id, "name": org.org_name},
        "authorizedScope": [],
        "OAuthClient": {"id": caller.client_id, "name": client_name},
        "dateTokenIdles": idles,
    })))
}

pub async fn revoke_token(
    State(state): State<SandboxState>,
    Extension(caller): Extension<Caller>,
) -> StatusCode {
    state.org().tokens.remove(&caller.token);
    StatusCode::NO_CONTENT
}

#[cfg(test)]
mod tests {
    use super::name_matches;

    #[test]
    fn name_filter_supports_leading_and_trailing_wildcards() {
        assert!(name_matches("Support", "support"));
        assert!(!name_matches("Support", "Support Overflow"));
        assert!(name_matches("Support*", "Support Overflow"));
        assert!(name_matches("*Overflow", "Support Overflow"));
        assert!(name_matches("*port*", "Support Overflow"));
        assert!(!name_matches("*Sales*", "Billing"));
    }
}
