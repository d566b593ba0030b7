//! The Notifications API (contract §13): channels, subscriptions, available topics, and
//! the streaming WebSocket at a channel's `connectUri`. Topics emitted: queue
//! observations (`v2.analytics.queues.{id}.observations`) and deployment status
//! (`v2.webdeployments.deployments.{id}`). A socket sends each subscribed topic's state
//! when it opens and again whenever it changes, plus a heartbeat.

use std::collections::HashMap;
use std::time::Duration;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::time::Instant;

use super::analytics::observation_events;
use super::error::{ApiError, ApiResult};
use super::gate::Caller;
use super::params::Params;
use super::state::{iso, NotificationChannel, Org, SandboxState};

/// Channels one OAuth client may hold; a new one displaces the least recently used,
/// unconnected ones first.
pub const MAX_CHANNELS: usize = 20;
pub const MAX_TOPICS: usize = 1_000;
const LIFETIME_HOURS: i64 = 24;
/// How often an open socket looks for changes of its topics.
const TICK: Duration = Duration::from_millis(250);
const HEARTBEAT: Duration = Duration::from_secs(30);

const OBSERVATIONS_PERMISSION: &str = "analytics:queueObservation:view";
const DEPLOYMENT_PERMISSION: &str = "webDeployments:deployment:view";

/// A topic this Sandbox emits: its entity kind and id.
enum Topic {
    QueueObservations(String),
    Deployment(String),
}

fn parse_topic(topic: &str) -> Option<Topic> {
    if let Some(rest) = topic.strip_prefix("v2.analytics.queues.") {
        let id = rest.strip_suffix(".observations")?;
        return (!id.contains('.')).then(|| Topic::QueueObservations(id.to_string()));
    }
    let id = topic.strip_prefix("v2.webdeployments.deployments.")?;
    (!id.contains('.')).then(|| Topic::Deployment(id.to_string()))
}

fn channel_json(channel: &NotificationChannel, base: &str) -> Value {
    json!({
        "id": channel.id,
        "connectUri": format!("{}/channels/{}", base.replacen("http", "ws", 1), channel.id),
        "expires": iso(channel.expires),
    })
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found("channel", id)
}

/// `POST /api/v2/notifications/channels`.
pub async fn create_channel(
    State(state): State<SandboxState>,
    Extension(caller): Extension<Caller>,
) -> ApiResult<Json<Value>> {
    let now = state.now();
    let mut org = state.org();
    let channels = &mut org.notification_channels;
    channels.retain(|c| c.expires > now);
    let mut own: Vec<usize> = (0..channels.len())
        .filter(|&i| channels[i].client_id == caller.client_id)
        .collect();
    if own.len() >= MAX_CHANNELS {
        own.sort_by_key(|&i| (channels[i].sockets > 0, channels[i].last_used));
        let displaced = channels[own[0]].id.clone();
        channels.retain(|c| c.id != displaced);
    }
    let channel = NotificationChannel {
        id: format!("streaming-0-{}", uuid::Uuid::new_v4().simple()),
        client_id: caller.client_id.clone(),
        expires: now + chrono::Duration::hours(LIFETIME_HOURS),
        last_used: Instant::now(),
        sockets: 0,
        topics: Vec::new(),
        generation: 0,
    };
    let body = channel_json(&channel, &org.public_base_url);
    org.notification_channels.push(channel);
    Ok(Json(body))
}

/// `GET /api/v2/notifications/channels`: the caller's live channels.
pub async fn list_channels(
    State(state): State<SandboxState>,
    Extension(caller): Extension<Caller>,
    params: Params,
) -> ApiResult<Json<Value>> {
    params.one_of("includechannels", &["token", "oauthclient"])?;
    let now = state.now();
    let org = state.org();
    let entities: Vec<Value> = org
        .notification_channels
        .iter()
        .filter(|c| c.client_id == caller.client_id && c.expires > now)
        .map(|c| channel_json(c, &org.public_base_url))
        .collect();
    Ok(Json(json!({"entities": entities})))
}

fn live_channel<'a>(
    org: &'a mut Org,
    caller: &Caller,
    id: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> ApiResult<&'a mut NotificationChannel> {
    org.notification_channels
        .iter_mut()
        .find(|c| c.id == id && c.client_id == caller.client_id && c.expires > now)
        .ok_or_else(|| not_found(id))
}

/// `HEAD /api/v2/notifications/channels/{id}`: 200 while it lives, 404 after.
pub async fn channel_alive(
    State(state): State<SandboxState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> StatusCode {
    let now = state.now();
    let mut org = state.org();
    match live_channel(&mut org, &caller, &id, now) {
        Ok(_) => StatusCode::OK,
        Err(_) => StatusCode::NOT_FOUND,
    }
}

fn topics_json(channel: &NotificationChannel) -> Value {
    let entities: Vec<Value> = channel
        .topics
        .iter()
        .map(|topic| json!({"id": topic, "state": "Permitted", "selfUri": format!("/api/v2/notifications/channels/{}/subscriptions", channel.id)}))
        .collect();
    json!({"entities": entities})
}

/// `GET .../channels/{id}/subscriptions`.
pub async fn subscriptions(
    State(state): State<SandboxState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let now = state.now();
    let mut org = state.org();
    let channel = live_channel(&mut org, &caller, &id, now)?;
    Ok(Json(topics_json(channel)))
}

/// `POST` (add) and `PUT` (replace) `.../channels/{id}/subscriptions`: each topic is
/// checked; one the caller may not read is `Rejected` with the permissions it misses.
fn subscribe(
    state: SandboxState,
    caller: Caller,
    id: String,
    params: Params,
    body: axum::body::Bytes,
    replace: bool,
) -> ApiResult<Json<Value>> {
    let ignore_errors = params.flag("ignoreErrors")?;
    let requested: Vec<Value> = serde_json::from_slice(&body).map_err(|error| {
        ApiError::bad_request(format!(
            "The request could not be understood by the server due to malformed syntax: {error}"
        ))
    })?;
    let now = state.now();
    let mut org = state.org();
    let mut entities = Vec::new();
    let mut permitted = Vec::new();
    for item in &requested {
        let Some(topic) = item.get("id").and_then(Value::as_str) else {
            return Err(ApiError::invalid_field(
                "notification.invalid.topic",
                "id",
                "Every subscription needs a topic id.",
            ));
        };
        let (permission, exists) = match parse_topic(topic) {
            Some(Topic::QueueObservations(queue)) => {
                (OBSERVATIONS_PERMISSION, org.queue(&queue).is_some())
            }
            Some(Topic::Deployment(deployment)) => (
                DEPLOYMENT_PERMISSION,
                org.deployments.iter().any(|d| d.id == deployment),
            ),
            None if ignore_errors => continue,
            None => {
                return Err(ApiError::invalid_field(
                    "notification.invalid.topic",
                    "id",
                    format!("The topic {topic} is not valid."),
                ))
            }
        };
        if caller.require(permission).is_err() {
            entities.push(json!({"id": topic, "state": "Rejected",
                "rejectionReason": "The client lacks a permission the topic requires.",
                "missingPermissions": [permission]}));
        } else if !exists {
            entities.push(json!({"id": topic, "state": "Rejected",
                "rejectionReason": "The topic's entity was not found."}));
        } else {
            entities.push(json!({"id": topic, "state": "Permitted"}));
            permitted.push(topic.to_string());
        }
    }
    let channel = live_channel(&mut org, &caller, &id, now)?;
    let mut topics = if replace {
        Vec::new()
    } else {
        channel.topics.clone()
    };
    for topic in permitted {
        if !topics.contains(&topic) {
            topics.push(topic);
        }
    }
    if topics.len() > MAX_TOPICS {
        return Err(ApiError::invalid_field(
            "notification.subscription.too.many.subscriptions",
            "id",
            format!("A channel holds at most {MAX_TOPICS} topics."),
        ));
    }
    channel.topics = topics;
    channel.generation += 1;
    channel.last_used = Instant::now();
    // Subscribing keeps a channel for another day.
    channel.expires = now + chrono::Duration::hours(LIFETIME_HOURS);
    Ok(Json(json!({"entities": entities})))
}

pub async fn add_subscriptions(
    State(state): State<SandboxState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    params: Params,
    body: axum::body::Bytes,
) -> ApiResult<Json<Value>> {
    subscribe(state, caller, id, params, body, false)
}

pub async fn replace_subscriptions(
    State(state): State<SandboxState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    params: Params,
    body: axum::body::Bytes,
) -> ApiResult<Json<Value>> {
    subscribe(state, caller, id, params, body, true)
}

pub async fn clear_subscriptions(
    State(state): State<SandboxState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let now = state.now();
    let mut org = state.org();
    let channel = live_channel(&mut org, &caller, &id, now)?;
    channel.topics.clear();
    channel.generation += 1;
    Ok(StatusCode::OK)
}

/// `GET /api/v2/notifications/availabletopics`: what this Sandbox emits, with the
/// permissions each needs when `expand=requiresPermissions`.
pub async fn available_topics(params: Params) -> ApiResult<Json<Value>> {
    let expand = params.all_of(
        "expand",
        &[
            "description",
            "requiresPermissions",
            "enforced",
            "schema",
            "visibility",
            "transports",
            "publicApiTemplateUriPaths",
            "topicParameters",
            "permissionDetails",
        ],
    )?;
    let topics = [
        (
            "v2.analytics.queues.{id}.observations",
            "A queue's observations changed",
            OBSERVATIONS_PERMISSION,
        ),
        (
            "v2.webdeployments.deployments.{id}",
            "A web deployment's status changed",
            DEPLOYMENT_PERMISSION,
        ),
    ];
    let entities: Vec<Value> = topics
        .iter()
        .map(|(id, description, permission)| {
            let mut topic =
                json!({"id": id, "description": description, "topicParameters": ["id"]});
            if expand.iter().any(|e| e == "requiresPermissions") {
                topic["requiresPermissions"] = json!([permission]);
            }
            topic
        })
        .collect();
    Ok(Json(json!({"entities": entities})))
}

/// The socket at a channel's `connectUri` (no authentication: the channel id is the
/// secret). An unknown or expired channel is refused before the upgrade.
pub async fn stream(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    upgrade: WebSocketUpgrade,
) -> Response {
    let now = state.now();
    {
        let mut org = state.org();
        let Some(channel) = org
            .notification_channels
            .iter_mut()
            .find(|c| c.id == id && c.expires > now)
        else {
            return (StatusCode::NOT_FOUND, "Channel not found").into_response();
        };
        channel.sockets += 1;
        channel.last_used = Instant::now();
    }
    upgrade.on_upgrade(move |socket| serve(state, socket, id))
}

/// The current state of every topic of channel `id`, or `None` once the channel is gone.
fn topic_states(state: &SandboxState, id: &str) -> Option<(u64, HashMap<String, Value>)> {
    let now = state.now();
    let at = iso(now);
    let org = state.org();
    let channel = org
        .notification_channels
        .iter()
        .find(|c| c.id == id && c.expires > now)?;
    let mut states = HashMap::new();
    for topic in &channel.topics {
        match parse_topic(topic) {
            Some(Topic::QueueObservations(queue_id)) => {
                if let Some(queue) = org.traffic.queues.iter().find(|q| q.queue_id == queue_id) {
                    for (index, body) in observation_events(queue, &at).into_iter().enumerate() {
                        states.insert(format!("{topic}#{index}"), body);
                    }
                }
            }
            Some(Topic::Deployment(deployment_id)) => {
                if let Some(record) = org.deployments.iter().find(|d| d.id == deployment_id) {
                    states.insert(
                        topic.clone(),
                        json!({
                            "id": deployment_id,
                            "status": super::webdeployments::deployment_status(record),
                            "configuration": record.body.get("configuration"),
                        }),
                    );
                }
            }
            None => {}
        }
    }
    Some((channel.generation, states))
}

fn event(topic: &str, body: Value) -> Message {
    let frame = json!({
        "topicName": topic,
        "version": "2",
        "eventBody": body,
        "metadata": {"CorrelationId": uuid::Uuid::new_v4().to_string()},
    });
    Message::Text(frame.to_string().into())
}

/// Observation values without their interval, which moves on every tick.
fn comparable(body: &Value) -> Value {
    let mut body = body.clone();
    if let Some(data) = body.get_mut("data").and_then(Value::as_array_mut) {
        for entry in data {
            if let Some(entry) = entry.as_object_mut() {
                entry.remove("interval");
            }
        }
    }
    body
}

async fn serve(state: SandboxState, socket: WebSocket, id: String) {
    let (mut sink, mut stream) = socket.split();
    let mut sent: HashMap<String, Value> = HashMap::new();
    let mut generation = u64::MAX;
    let mut tick = tokio::time::interval(TICK);
    let mut heartbeat = tokio::time::interval_at(Instant::now() + HEARTBEAT, HEARTBEAT);
    loop {
        let outgoing: Vec<Message> = tokio::select! {
            incoming = stream.next() => match incoming {
                Some(Ok(Message::Text(text))) => {
                    let asked: Value = serde_json::from_str(text.as_str()).unwrap_or(Value::Null);
                    if asked.get("message").and_then(Value::as_str) == Some("ping") {
                        vec![event("channel.metadata", json!({"message": "pong"}))]
                    } else {
                        Vec::new()
                    }
                }
                Some(Ok(_)) => Vec::new(),
                Some(Err(_)) | None => break,
            },
            _ = heartbeat.tick() => vec![event("channel.metadata", json!({"message": "WebSocket Heartbeat"}))],
            _ = tick.tick() => {
                let Some((now_generation, states)) = topic_states(&state, &id) else {
                    // Expired, displaced or deleted: the socket closes, as Genesys's do.
                    let _ = sink.send(Message::Close(None)).await;
                    break;
                };
                if now_generation != generation {
                    sent.retain(|key, _| states.contains_key(key));
                    generation = now_generation;
                }
                let mut changed = Vec::new();
                for (key, body) in states {
                    let value = comparable(&body);
                    if sent.get(&key) != Some(&value) {
                        let topic = key.split('#').next().unwrap_or(&key).to_string();
                        changed.push(event(&topic, body));
                        sent.insert(key, value);
                    }
                }
                changed
            }
        };
        for message in outgoing {
            if sink.send(message).await.is_err() {
                return release(&state, &id);
            }
        }
    }
    release(&state, &id);
}

fn release(state: &SandboxState, id: &str) {
    if let Some(channel) = state
        .org()
        .notification_channels
        .iter_mut()
        .find(|c| c.id == id)
    {
        channel.sockets = channel.sockets.saturating_sub(1);
    }
}
