//! The server frames of the Guest API: `{type, class, code, body, tracingId?}`.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::super::state::iso;

pub fn frame(kind: &str, class: &str, code: u16, body: Value, tracing_id: Option<&str>) -> Value {
    let mut frame = json!({"type": kind, "class": class, "code": code, "body": body});
    if let Some(tracing_id) = tracing_id {
        frame["tracingId"] = json!(tracing_id);
    }
    frame
}

/// An error reply: `class: string` with the code and the text the service uses.
pub fn error(code: u16, text: &str, tracing_id: Option<&str>) -> Value {
    frame("response", "string", code, json!(text), tracing_id)
}

pub fn request_failed(tracing_id: Option<&str>) -> Value {
    error(400, "Request failed.", tracing_id)
}

pub fn missing_parameter(name: &str, tracing_id: Option<&str>) -> Value {
    error(
        4020,
        &format!("Missing required parameter: {name}"),
        tracing_id,
    )
}

pub fn too_many_requests(retry_after: u64, tracing_id: Option<&str>) -> Value {
    frame(
        "response",
        "TooManyRequestsErrorMessage",
        429,
        json!({
            "retryAfter": retry_after,
            "errorCode": 4029,
            "errorMessage": "Message rate too high for this session",
            "name": "TooManyRequests",
            "message": "Message rate too high for this session",
        }),
        tracing_id,
    )
}

fn outbound_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

fn outbound_text(text: &str, entity: &str, from: Option<&str>, at: DateTime<Utc>) -> Value {
    let mut channel = json!({"time": iso(at), "type": "Private"});
    if let Some(nickname) = from {
        channel["from"] = json!({"nickname": nickname});
    }
    let id = outbound_id();
    frame(
        "message",
        "StructuredMessage",
        200,
        json!({
            "id": id,
            "type": "Text",
            "direction": "Outbound",
            "text": text,
            "originatingEntity": entity,
            "channel": channel,
            "metadata": {"correlationId": uuid::Uuid::new_v4().to_string()},
        }),
        None,
    )
}

pub fn bot_text(text: &str, at: DateTime<Utc>) -> Value {
    outbound_text(text, "Bot", None, at)
}

pub fn agent_text(text: &str, at: DateTime<Utc>) -> Value {
    outbound_text(text, "Human", None, at)
}

/// An outbound Presence event: `Join` when an agent joins, `Disconnect` when the
/// conversation ends (`readOnly` "false": the guest may start over).
pub fn presence_out(presence: &str, at: DateTime<Utc>) -> Value {
    let mut body = json!({
        "id": outbound_id(),
        "type": "Event",
        "direction": "Outbound",
        "channel": {"time": iso(at)},
        "events": [{"eventType": "Presence", "presence": {"type": presence}}],
    });
    if presence == "Disconnect" {
        body["metadata"] = json!({"readOnly": "false"});
    }
    frame("message", "StructuredMessage", 200, body, None)
}

pub fn session_expired() -> Value {
    frame("response", "SessionExpiredEvent", 200, json!({}), None)
}

pub fn connection_closed() -> Value {
    frame("message", "ConnectionClosedEvent", 200, json!({}), None)
}
