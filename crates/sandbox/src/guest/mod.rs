//! The visitor's side of the Sandbox: the Web Messaging Guest WebSocket at
//! `/v1?deploymentId=` and the public `config.json` Messenger loads, both without OAuth,
//! as `webmessaging.{domain}` and `api-cdn.{domain}` serve them (contract §12).
//!
//! Refusals follow the strict reading of the contract: an unknown deployment or an
//! `Origin` outside the deployment's allowed domains gets HTTP 403 on the upgrade; frames
//! that break a rule get the error frame the service documents (4006, 4007, 4011, 4013,
//! 4020, 429 with `retryAfter`).

mod attachments;
mod session;

pub use attachments::{
    download as download_attachment, upload as upload_attachment, BLOCKED_EXTENSIONS,
    MAX_FILE_NAME_CHARS, MAX_FILE_SIZE_KB, UPLOADS_PATH,
};

use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use futures::{SinkExt, StreamExt};
use serde_json::{json, Map, Value};
use tokio::sync::broadcast;
use tokio::time::Instant;

pub use crate::guests::frames;
use crate::guests::Inbound;
pub use crate::guests::{
    Behaviour, GuestFault, GuestSession, Guests, Push, GREETING, MENU, ORDER_CARD_TITLE,
    ORDER_STATUS, ORDER_STATUS_KEY, PIXEL_PNG, SHIPPING_LABEL,
};

use super::audit_trail::text_at;
use super::error::{ApiError, ApiResult};
use super::gate::Caller;
use super::params::Params;
use super::state::{iso, SandboxState};
use super::webdeployments::configuration_version;

/// `onMessage` frames allowed per session per second.
pub const MESSAGES_PER_SECOND: usize = 2;
/// Seconds a client is told to wait after exceeding the rate.
pub const RETRY_AFTER_SECONDS: u64 = 3;
/// UTF-8 bytes of custom attribute keys and values.
pub const MAX_CUSTOM_DATA_BYTES: usize = 2_048;
/// Characters of one text message (4011 beyond; the exact figure is unverified).
pub const MAX_TEXT_CHARS: usize = 4_096;
/// Largest frame a socket accepts.
const MAX_FRAME_BYTES: usize = 64 * 1024;
/// How often a socket brings its session up to date.
const TICK: Duration = Duration::from_millis(100);

/// `GET /v1?deploymentId=…`: the upgrade, refused with 403 where Genesys refuses it.
pub async fn upgrade(
    State(state): State<SandboxState>,
    headers: HeaderMap,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
    upgrade: WebSocketUpgrade,
) -> Response {
    let params = Params::parse(query.as_deref());
    let Some(deployment_id) = params.get("deploymentId").map(str::to_string) else {
        return (StatusCode::BAD_REQUEST, "deploymentId is required").into_response();
    };
    let origin = headers
        .get(axum::http::header::ORIGIN)
        .and_then(|value| value.to_str().ok())
        .map(str::to_string);
    let drop_socket = {
        let mut org = state.org();
        let Some(record) = org
            .deployments
            .iter()
            .find(|r| r.id == deployment_id && r.deleted_at.is_none())
        else {
            return (StatusCode::FORBIDDEN, "Deployment not found").into_response();
        };
        if !origin_allowed(&record.body, origin.as_deref()) {
            return (StatusCode::FORBIDDEN, "Origin not allowed").into_response();
        }
        org.guests.take_fault(GuestFault::DropSocket)
    };
    upgrade
        .max_message_size(MAX_FRAME_BYTES)
        .max_frame_size(MAX_FRAME_BYTES)
        .on_upgrade(move |socket| serve(state, socket, deployment_id, drop_socket))
}

/// True when the deployment takes visitors from `origin` (scheme optional, as the Java
/// SDK sends a bare host). A plain entry matches the host and its subdomains, as
/// Messenger's own check does (`example.com` lets `www.example.com` in);
/// `*.example.com` matches the subdomains only.
pub fn origin_allowed(deployment: &Map<String, Value>, origin: Option<&str>) -> bool {
    if deployment
        .get("allowAllDomains")
        .and_then(Value::as_bool)
        .unwrap_or(false)
    {
        return true;
    }
    let Some(host) = origin.and_then(host_of) else {
        return false;
    };
    deployment
        .get("allowedDomains")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter_map(|entry| match entry.trim().strip_prefix("*.") {
            Some(parent) => host_of(parent).map(|parent| (true, parent)),
            None => host_of(entry).map(|exact| (false, exact)),
        })
        .any(|(wildcard, domain)| {
            let subdomain = host.ends_with(&format!(".{domain}"));
            subdomain || (!wildcard && host == domain)
        })
}

/// The lower-case host of `https://host:port/path`, `host:port` or `host`.
pub fn host_of(text: &str) -> Option<String> {
    let text = text.trim();
    let with_scheme = if text.contains("://") {
        text.to_string()
    } else {
        format!("https://{text}")
    };
    url::Url::parse(&with_scheme)
        .ok()?
        .host_str()
        .map(|host| host.to_ascii_lowercase())
}

struct Connection {
    id: u64,
    deployment_id: String,
    token: Option<String>,
    pushes: Option<broadcast::Receiver<Push>>,
}

enum After {
    Continue,
    /// Send the replies, then close with 1000.
    Close,
    /// Cut the connection without a close frame.
    Drop,
}

async fn serve(state: SandboxState, socket: WebSocket, deployment_id: String, drop_socket: bool) {
    let (mut sink, mut stream) = socket.split();
    let mut connection = Connection {
        id: fastrand::u64(..),
        deployment_id,
        token: None,
        pushes: None,
    };
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        let after = tokio::select! {
            incoming = stream.next() => match incoming {
                Some(Ok(Message::Text(text))) => {
                    let (replies, mut after) = handle_frame(&state, &mut connection, text.as_str());
                    if drop_socket && connection.token.is_some() {
                        after = After::Drop;
                    }
                    if !send_all(&mut sink, replies).await {
                        return;
                    }
                    after
                }
                Some(Ok(Message::Binary(_))) => {
                    if !send_all(&mut sink, vec![frames::request_failed(None)]).await {
                        return;
                    }
                    After::Continue
                }
                Some(Ok(Message::Ping(_))) => {
                    // axum answers the pong itself.
                    state.org().stats.guest_pings += 1;
                    After::Continue
                }
                Some(Ok(Message::Pong(_))) => After::Continue,
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return,
            },
            push = next_push(&mut connection.pushes) => match push {
                Some(push) if !push.is_for(connection.id) => After::Continue,
                Some(push) => {
                    let closes = push.closes;
                    if !send_all(&mut sink, vec![push.frame]).await {
                        return;
                    }
                    if closes { After::Close } else { After::Continue }
                }
                None => {
                    connection.pushes = None;
                    After::Continue
                }
            },
            _ = tick.tick() => {
                if let Some(token) = &connection.token {
                    state.org().guest_tick(token);
                }
                After::Continue
            }
        };
        match after {
            After::Continue => {}
            After::Drop => return,
            After::Close => {
                let _ = sink
                    .send(Message::Close(Some(CloseFrame {
                        code: 1000,
                        reason: "".into(),
                    })))
                    .await;
                return;
            }
        }
    }
}

async fn next_push(pushes: &mut Option<broadcast::Receiver<Push>>) -> Option<Push> {
    let Some(receiver) = pushes else {
        return std::future::pending().await;
    };
    loop {
        match receiver.recv().await {
            Ok(push) => return Some(push),
            // A socket that fell behind skips what it missed rather than stalling others.
            Err(broadcast::error::RecvError::Lagged(_)) => continue,
            Err(broadcast::error::RecvError::Closed) => return None,
        }
    }
}

async fn send_all(
    sink: &mut futures::stream::SplitSink<WebSocket, Message>,
    frames: Vec<Value>,
) -> bool {
    for frame in frames {
        if sink
            .send(Message::Text(frame.to_string().into()))
            .await
            .is_err()
        {
            return false;
        }
    }
    true
}

fn handle_frame(
    state: &SandboxState,
    connection: &mut Connection,
    text: &str,
) -> (Vec<Value>, After) {
    let Ok(Value::Object(request)) = serde_json::from_str::<Value>(text) else {
        return (vec![frames::request_failed(None)], After::Continue);
    };
    let tracing_id = request
        .get("tracingId")
        .and_then(Value::as_str)
        .map(str::to_string);
    let tracing = tracing_id.as_deref();
    let Some(action) = request.get("action").and_then(Value::as_str) else {
        return (
            vec![frames::missing_parameter("action", tracing)],
            After::Continue,
        );
    };
    let token = match request.get("token").and_then(Value::as_str) {
        Some(token) if !token.is_empty() => token.to_string(),
        _ => {
            return (
                vec![frames::missing_parameter("token", tracing)],
                After::Continue,
            )
        }
    };
    match action {
        "configureSession" => configure(state, connection, &request, &token, tracing),
        "onMessage" | "echo" | "closeSession" | "getConfiguration" | "getJwt" | "onAttachment"
        | "deleteAttachment" | "getAttachment" => {
            if connection.token.as_deref() != Some(token.as_str()) {
                return (
                    vec![frames::error(4007, "Session not found", tracing)],
                    After::Continue,
                );
            }
            if state.org().guests.session(&token).is_none() {
                return (
                    vec![frames::error(4006, "Session expired", tracing)],
                    After::Continue,
                );
            }
            match action {
                "onMessage" => (
                    vec![on_message(state, &request, &token, tracing)],
                    After::Continue,
                ),
                "echo" => (
                    vec![echo(state, &request, &token, tracing)],
                    After::Continue,
                ),
                "getConfiguration" => {
                    (vec![configuration(state, &token, tracing)], After::Continue)
                }
                "getJwt" => (vec![jwt(state, &token, tracing)], After::Continue),
                "onAttachment" => (
                    vec![attachments::on_attachment(state, &request, &token, tracing)],
                    After::Continue,
                ),
                "deleteAttachment" | "getAttachment" => (
                    vec![attachments::manage_attachment(
                        state, action, &request, &token, tracing,
                    )],
                    After::Continue,
                ),
                _ => close_session(state, connection, &request, &token, tracing),
            }
        }
        "configureAuthenticatedSession" | "disconnectCustomer" | "resumeToken" => (
            vec![frames::error(
                4000,
                "This feature is not available for this deployment",
                tracing,
            )],
            After::Continue,
        ),
        _ => (vec![frames::request_failed(tracing)], After::Continue),
    }
}

/// What the published configuration and the supported content profile of `record`
/// make the Guest API do.
fn behaviour_of(org: &super::state::Org, record: &super::state::DeploymentRecord) -> Behaviour {
    let configuration = match (
        text_at(&record.body, "/configuration/id"),
        text_at(&record.body, "/configuration/version"),
    ) {
        (Some(id), Some(version)) => configuration_version(org, &id, &version).map(Value::Object),
        _ => None,
    };
    let inbound_media = text_at(&record.body, "/supportedContent/id")
        .and_then(|id| org.catalog.supported_content(&id))
        .and_then(|profile| profile.pointer("/mediaTypes/allow/inbound"))
        .and_then(Value::as_array)
        .map(|types| {
            types
                .iter()
                .filter_map(|t| t.get("type").and_then(Value::as_str).map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    Behaviour::of(configuration.as_ref(), inbound_media)
}

/// `allowedMedia` as the session and `getConfiguration` report it: the supported
/// content profile's inbound types.
fn allowed_media(behaviour: &Behaviour) -> Value {
    let types: Vec<Value> = behaviour
        .inbound_media
        .iter()
        .map(|kind| json!({"type": kind}))
        .collect();
    json!({"inbound": {"fileTypes": types, "maxFileSizeKB": attachments::MAX_FILE_SIZE_KB}})
}

fn session_body(state: &SandboxState, session: &GuestSession, new_session: bool) -> Value {
    json!({
        "connected": true,
        "newSession": new_session,
        "readOnly": false,
        "maxCustomDataBytes": MAX_CUSTOM_DATA_BYTES,
        "allowedMedia": allowed_media(&session.behaviour),
        "blockedExtensions": attachments::BLOCKED_EXTENSIONS,
        "durationSeconds": session.idle_limit.as_secs(),
        "expirationDate": session.expiration_epoch_seconds(state.now()),
    })
}

/// The longest guest session token Genesys accepts.
const MAX_GUEST_TOKEN_CHARS: usize = 2048;

fn configure(
    state: &SandboxState,
    connection: &mut Connection,
    request: &Map<String, Value>,
    token: &str,
    tracing: Option<&str>,
) -> (Vec<Value>, After) {
    // Genesys does not check a guest token's format (any string up to 2048 characters;
    // Messenger itself makes UUIDs): only an empty or longer one is refused.
    if token.is_empty() || token.chars().count() > MAX_GUEST_TOKEN_CHARS {
        return (vec![frames::request_failed(tracing)], After::Continue);
    }
    let Some(deployment_id) = request.get("deploymentId").and_then(Value::as_str) else {
        return (
            vec![frames::missing_parameter("deploymentId", tracing)],
            After::Continue,
        );
    };
    if deployment_id != connection.deployment_id {
        return (vec![frames::request_failed(tracing)], After::Continue);
    }
    let idle = state.options().guest_session_idle;
    let mut org = state.org();
    let record = org.deployments.iter().find(|r| r.id == deployment_id);
    let flow_id = record.and_then(|r| text_at(&r.body, "/flow/id"));
    let behaviour = record.map(|r| behaviour_of(&org, r)).unwrap_or_default();
    if let Some(existing) = org.guests.session(token) {
        if existing.deployment_id != deployment_id {
            return (vec![frames::request_failed(tracing)], After::Continue);
        }
    }
    let start_new = request.get("startNew").and_then(Value::as_bool) == Some(true);
    if start_new {
        org.guest_close(token);
    }
    org.end_idle_guests(true);
    let new_session = org
        .guests
        .configure(token, deployment_id, flow_id, behaviour, idle);
    let Some(session) = org.guests.session_mut(token) else {
        return (vec![frames::request_failed(tracing)], After::Continue);
    };
    session.connect(connection.id);
    let body = session_body(state, session, new_session);
    connection.pushes = Some(session.subscribe());
    connection.token = Some(token.to_string());
    (
        vec![frames::frame(
            "response",
            "SessionResponse",
            200,
            body,
            tracing,
        )],
        After::Continue,
    )
}

fn custom_attributes(request: &Map<String, Value>) -> Option<&Value> {
    request
        .get("channel")
        .and_then(|c| c.pointer("/metadata/customAttributes"))
        .or_else(|| {
            request
                .get("message")
                .and_then(|m| m.pointer("/channel/metadata/customAttributes"))
        })
}

fn on_message(
    state: &SandboxState,
    request: &Map<String, Value>,
    token: &str,
    tracing: Option<&str>,
) -> Value {
    let Some(message) = request.get("message").and_then(Value::as_object) else {
        return frames::missing_parameter("message", tracing);
    };
    let Some(kind) = message.get("type").and_then(Value::as_str) else {
        return frames::missing_parameter("message.type", tracing);
    };
    // The types swagger gives `message.type`.
    if !matches!(
        kind,
        "Text" | "Structured" | "Event" | "Message" | "Receipt"
    ) {
        return frames::request_failed(tracing);
    }
    let text = message.get("text").and_then(Value::as_str);
    if text.is_some_and(|t| t.chars().count() > MAX_TEXT_CHARS) {
        return frames::error(4011, "Message exceeded max message length", tracing);
    }
    let (mut content, chosen, attached) = match read_guest_content(message) {
        Ok(read) => read,
        Err(refusal) => return refusal.frame(tracing),
    };
    // The official SDK sends a quick reply as a `Text` with empty text and the response
    // in `content`.
    if kind == "Text" && content.is_empty() && text.is_none_or(|t| t.trim().is_empty()) {
        return frames::missing_parameter("message.text", tracing);
    }
    if let Err(refusal) = check_custom_attributes(request, tracing) {
        return refusal;
    }
    let events = message.get("events").cloned().unwrap_or(Value::Null);
    let event_types: Vec<&str> = events
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e.get("eventType").and_then(Value::as_str))
        .collect();
    let presence = events
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e.get("eventType").and_then(Value::as_str) == Some("Presence"))
        .filter_map(|e| e.pointer("/presence/type").and_then(Value::as_str))
        .next()
        .map(str::to_string);
    let mut org = state.org();
    let Some(behaviour) = org.guests.session(token).map(|s| s.behaviour.clone()) else {
        return frames::error(4006, "Session expired", tracing);
    };
    if kind == "Event" && event_types.contains(&"Typing") && !behaviour.user_typing {
        return frames::error(
            403,
            "Typing indicators are disabled for this deployment",
            tracing,
        );
    }
    let attached_names = match attach(&org, token, &mut content, &attached) {
        Ok(names) => names,
        Err(refusal) => return refusal.frame(tracing),
    };
    if !org.guests.admit_message(token, MESSAGES_PER_SECOND) {
        return frames::too_many_requests(RETRY_AFTER_SECONDS, tracing);
    }
    if let Some(Value::Object(attributes)) = custom_attributes(request) {
        org.guest_attributes(token, attributes);
    }
    let now = state.now();
    let message_id = uuid::Uuid::new_v4().to_string();
    let inbound = match (kind, presence.as_deref(), text) {
        ("Event", Some("Join"), _) => Inbound::Join,
        ("Event", Some("Clear"), _) if behaviour.clear => {
            org.guest_clear(token);
            Inbound::Other
        }
        ("Event", Some("Clear"), _) => {
            return frames::error(
                403,
                "Presence events Conversation Clear are not supported",
                tracing,
            )
        }
        ("Text" | "Structured", _, _) if chosen.is_some() => {
            Inbound::Choice(chosen.as_deref().unwrap_or_default())
        }
        ("Text", _, _) if !attached_names.is_empty() => Inbound::Attachment(&attached_names[0]),
        ("Text", _, Some(text)) => Inbound::Text(text),
        _ => Inbound::Other,
    };
    org.guest_inbound(token, &message_id, inbound);
    let mut body = json!({
        "id": message_id,
        "type": kind,
        "direction": "Inbound",
        "originatingEntity": "Human",
        "channel": {"time": iso(now), "messageId": message_id},
        "metadata": {"correlationId": uuid::Uuid::new_v4().to_string()},
    });
    if let Some(text) = text {
        body["text"] = json!(text);
    }
    if !events.is_null() {
        body["events"] = events;
    }
    if !content.is_empty() {
        body["content"] = Value::Array(content);
    }
    frames::frame("message", "StructuredMessage", 200, body, tracing)
}

/// Each attachment a message names must be this session's and uploaded; the echo
/// carries it whole. Gives the files' names.
fn attach(
    org: &super::state::Org,
    token: &str,
    content: &mut [Value],
    attached: &[(usize, String)],
) -> Result<Vec<String>, ContentRefusal> {
    let mut names = Vec::new();
    for (index, attachment_id) in attached {
        match attachments::sendable(org, token, attachment_id) {
            Ok((item, name)) => {
                content[*index] = item;
                names.push(name);
            }
            Err(4010) => return Err(ContentRefusal::NotUploaded),
            Err(_) => return Err(ContentRefusal::NotFound),
        }
    }
    Ok(names)
}

/// Custom attributes are a map of text whose keys and values take at most
/// [`MAX_CUSTOM_DATA_BYTES`]; the refusal frame otherwise.
fn check_custom_attributes(
    request: &Map<String, Value>,
    tracing: Option<&str>,
) -> Result<(), Value> {
    let Some(attributes) = custom_attributes(request) else {
        return Ok(());
    };
    let Some(attributes) = attributes.as_object() else {
        return Err(frames::request_failed(tracing));
    };
    let mut bytes = 0;
    for (key, value) in attributes {
        let Some(value) = value.as_str() else {
            return Err(frames::request_failed(tracing));
        };
        bytes += key.len() + value.len();
    }
    if bytes > MAX_CUSTOM_DATA_BYTES {
        return Err(frames::error(
            4013,
            &format!(
                "Custom Attributes in channel metadata is larger than {MAX_CUSTOM_DATA_BYTES} bytes"
            ),
            tracing,
        ));
    }
    Ok(())
}

/// A message's `content[]`, the payload chosen when it holds a button response, and the
/// attachments it names (by index and id).
type GuestContent = (Vec<Value>, Option<String>, Vec<(usize, String)>);

fn read_guest_content(message: &Map<String, Value>) -> Result<GuestContent, ContentRefusal> {
    let content = match message.get("content") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.clone(),
        Some(_) => return Err(ContentRefusal::Malformed),
    };
    let mut chosen = None;
    let mut attached = Vec::new();
    for (index, item) in content.iter().enumerate() {
        match guest_content(item)? {
            GuestItem::Choice(payload) => chosen = Some(payload),
            GuestItem::Attachment(id) => attached.push((index, id)),
        }
    }
    Ok((content, chosen, attached))
}

/// Why a guest's `content[]` item is refused.
enum ContentRefusal {
    /// Not a shape the Guest API takes: 400 "Request failed.".
    Malformed,
    /// An attachment this session never presigned (or deleted).
    NotFound,
    /// An attachment whose upload has not succeeded.
    NotUploaded,
}

impl ContentRefusal {
    fn frame(&self, tracing: Option<&str>) -> Value {
        match self {
            ContentRefusal::Malformed => frames::request_failed(tracing),
            ContentRefusal::NotFound => frames::error(4009, "Attachment not found", tracing),
            ContentRefusal::NotUploaded => {
                frames::error(4010, "Attachment has not been uploaded", tracing)
            }
        }
    }
}

/// The button types a `ButtonResponse` may name (the Guest API's `ButtonResponseType`).
const BUTTON_RESPONSE_TYPES: &[&str] =
    &["Button", "QuickReply", "DatePicker", "ListPicker", "Form"];

/// What one item a guest sent is.
enum GuestItem {
    /// A button response, by its payload.
    Choice(String),
    /// An attachment, by its id.
    Attachment(String),
}

/// Checks one item a guest sent. A guest sends button responses and attachments only:
/// quick replies, cards and pickers go the other way (a strict reading: no public source
/// shows a guest sending them).
fn guest_content(item: &Value) -> Result<GuestItem, ContentRefusal> {
    let text = |pointer: &str| item.pointer(pointer).and_then(Value::as_str);
    match text("/contentType") {
        Some("ButtonResponse") => match (
            text("/buttonResponse/type"),
            text("/buttonResponse/text"),
            text("/buttonResponse/payload"),
        ) {
            (Some(kind), Some(_), Some(payload)) if BUTTON_RESPONSE_TYPES.contains(&kind) => {
                Ok(GuestItem::Choice(payload.to_string()))
            }
            _ => Err(ContentRefusal::Malformed),
        },
        Some("Attachment") => match text("/attachment/id") {
            Some(id) if !id.is_empty() => Ok(GuestItem::Attachment(id.to_string())),
            _ => Err(ContentRefusal::Malformed),
        },
        _ => Err(ContentRefusal::Malformed),
    }
}

fn echo(
    state: &SandboxState,
    request: &Map<String, Value>,
    token: &str,
    tracing: Option<&str>,
) -> Value {
    let Some(message) = request.get("message").and_then(Value::as_object) else {
        return frames::missing_parameter("message", tracing);
    };
    let text = message.get("text").and_then(Value::as_str).unwrap_or("");
    let org = state.org();
    let mut body = json!({
        "id": uuid::Uuid::new_v4().to_string(),
        "type": "Text",
        "direction": "Inbound",
        "text": text,
    });
    if let Some(session) = org.guests.session(token) {
        body["metadata"] = json!({
            "durationSeconds": session.idle_limit.as_secs().to_string(),
            "expirationDate": session.expiration_epoch_seconds(state.now()).to_string(),
        });
    }
    frames::frame("response", "StructuredMessage", 200, body, tracing)
}

fn configuration(state: &SandboxState, token: &str, tracing: Option<&str>) -> Value {
    let org = state.org();
    let Some(session) = org.guests.session(token) else {
        return frames::error(4006, "Session expired", tracing);
    };
    frames::frame(
        "response",
        "GetConfigurationResponse",
        200,
        json!({
            "allowedMedia": allowed_media(&session.behaviour),
            "maxCustomDataBytes": MAX_CUSTOM_DATA_BYTES,
            "messageRoutingEnabled": true,
            "blockedExtensions": attachments::BLOCKED_EXTENSIONS,
            "sessionDurationSeconds": session.idle_limit.as_secs(),
        }),
        tracing,
    )
}

/// `getJwt`: a token for the session's history, as Messenger asks for it on any
/// session (signed here with nothing: the Sandbox never checks it).
fn jwt(state: &SandboxState, token: &str, tracing: Option<&str>) -> Value {
    let org = state.org();
    let Some(session) = org.guests.session(token) else {
        return frames::error(4006, "Session expired", tracing);
    };
    let exp = session.expiration_epoch_seconds(state.now());
    use base64::Engine;
    let encode =
        |value: Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.to_string());
    let jwt = format!(
        "{}.{}.sandbox",
        encode(json!({"alg": "none", "typ": "JWT"})),
        encode(json!({"sub": token, "deploymentId": session.deployment_id, "exp": exp})),
    );
    frames::frame(
        "response",
        "JwtResponse",
        200,
        json!({"jwt": jwt, "exp": exp}),
        tracing,
    )
}

fn close_session(
    state: &SandboxState,
    connection: &mut Connection,
    request: &Map<String, Value>,
    token: &str,
    tracing: Option<&str>,
) -> (Vec<Value>, After) {
    let Some(close_all) = request.get("closeAllConnections").and_then(Value::as_bool) else {
        return (
            vec![frames::missing_parameter("closeAllConnections", tracing)],
            After::Continue,
        );
    };
    let mut org = state.org();
    if close_all {
        if let Some(session) = org.guests.session(token) {
            tell_other_sockets_closed(session, connection.id);
        }
        org.guest_leave(token);
    } else if let Some(session) = org.guests.session_mut(token) {
        // Only this socket leaves; the session and its other sockets go on.
        session.disconnect_socket(connection.id);
    }
    connection.pushes = None;
    connection.token = None;
    (
        vec![frames::frame(
            "response",
            "SessionResponse",
            200,
            json!({"connected": false, "newSession": false}),
            tracing,
        )],
        After::Close,
    )
}

/// Tells the session's other sockets that they were closed.
fn tell_other_sockets_closed(session: &GuestSession, closing_connection: u64) {
    session.broadcast(Push {
        frame: frames::connection_closed(),
        except_connection: Some(closing_connection),
        closes: true,
        ..Default::default()
    });
}

/// What the CDN (S3 behind CloudFront) answers for a file it does not have: 403 with an
/// XML body, never 404.
fn cdn_refusal() -> Response {
    (
        StatusCode::FORBIDDEN,
        [(axum::http::header::CONTENT_TYPE, "application/xml")],
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>",
    )
        .into_response()
}

/// The deployment the CDN serves files of: one that exists and is not being deleted.
fn served_deployment<'a>(
    org: &'a super::state::Org,
    id: &str,
) -> Option<&'a super::state::DeploymentRecord> {
    org.deployments
        .iter()
        .find(|r| r.id == id && r.deleted_at.is_none())
}

/// `GET /webdeployments/v1/deployments/{id}/config.json`: what Messenger loads, public:
/// the whole configuration version that has reached the CDN (its `id` is the
/// configuration's), with the endpoints to use and the deployment's real status.
pub async fn public_config(State(state): State<SandboxState>, Path(id): Path<String>) -> Response {
    let org = state.org();
    let Some(record) = served_deployment(&org, &id) else {
        return cdn_refusal();
    };
    let Some(version) = record.served_version(Instant::now()).map(str::to_string) else {
        return cdn_refusal();
    };
    let configuration_id = text_at(&record.body, "/configuration/id").unwrap_or_default();
    let Some(configuration) = configuration_version(&org, &configuration_id, &version) else {
        return cdn_refusal();
    };
    let base = org.public_base_url.clone();
    let socket_base = base.replacen("http", "ws", 1);
    let mut public = configuration;
    // Who changed it and when stays in the Platform API.
    for private in [
        "selfUri",
        "createdUser",
        "lastModifiedUser",
        "publishedUser",
        "dateCreated",
        "dateModified",
        "datePublished",
    ] {
        public.remove(private);
    }
    public.insert("id".into(), json!(configuration_id));
    public.insert("version".into(), json!(version));
    public.insert("apiEndpoint".into(), json!(base));
    public.insert(
        "status".into(),
        json!(super::webdeployments::deployment_status(record)),
    );
    let mut public = Value::Object(public);
    if public.get("messenger").is_none_or(|m| !m.is_object()) {
        public["messenger"] = json!({});
    }
    if public.pointer("/messenger/apps/conversations").is_none() {
        public["messenger"]["apps"] = json!({"conversations": {}});
    }
    public["messenger"]["apps"]["conversations"]["messagingEndpoint"] = json!(socket_base);
    Json(super::body::without_nulls(public)).into_response()
}

/// `GET /webdeployments/v1/deployments/{id}/domains.json`: the websites that may load the
/// deployment, which Messenger checks before it starts.
pub async fn public_domains(State(state): State<SandboxState>, Path(id): Path<String>) -> Response {
    let org = state.org();
    let Some(record) = served_deployment(&org, &id) else {
        return cdn_refusal();
    };
    Json(json!({
        "allowAllDomains": record.body.get("allowAllDomains").cloned().unwrap_or(json!(false)),
        "allowedDomains": record.body.get("allowedDomains").cloned().unwrap_or(json!([])),
    }))
    .into_response()
}

/// `GET /api/v2/conversations/messages/{messageId}/details`: the conversation behind a
/// guest's message.
pub async fn message_details(
    State(state): State<SandboxState>,
    Extension(caller): Extension<Caller>,
    Path(message_id): Path<String>,
) -> ApiResult<Json<Value>> {
    caller.require_any(&[
        "conversation:message:view",
        "conversation:webmessaging:view",
    ])?;
    state
        .org()
        .guest_message_json(&message_id)
        .map(Json)
        .ok_or_else(|| ApiError::not_found("message", &message_id))
}
