//! The server frames of the Guest API: `{type, class, code, body, tracingId?}`.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::timestamps::iso;

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

/// Outbound ids are UUIDs, repeated as `channel.messageId`, as captured frames have them.
fn outbound_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Who an agent's message is from, as Messenger shows it.
pub struct Agent<'a> {
    pub nickname: &'a str,
    pub first_name: &'a str,
    pub image: Option<&'a str>,
}

fn outbound_text(text: &str, entity: &str, from: Option<&Agent<'_>>, at: DateTime<Utc>) -> Value {
    outbound(text, None, entity, from, at)
}

/// An outbound message; with `content` it is `Structured`, as flows send quick replies
/// and cards.
fn outbound(
    text: &str,
    content: Option<Value>,
    entity: &str,
    from: Option<&Agent<'_>>,
    at: DateTime<Utc>,
) -> Value {
    let id = outbound_id();
    let mut channel = json!({"time": iso(at), "type": "Private", "messageId": id});
    if let Some(agent) = from {
        channel["from"] = json!({"nickname": agent.nickname, "firstName": agent.first_name});
        if let Some(image) = agent.image {
            channel["from"]["image"] = json!(image);
        }
    }
    let mut body = json!({
        "id": id,
        "type": if content.is_some() { "Structured" } else { "Text" },
        "direction": "Outbound",
        "originatingEntity": entity,
        "channel": channel,
        "metadata": {"correlationId": uuid::Uuid::new_v4().to_string()},
    });
    if !text.is_empty() {
        body["text"] = json!(text);
    }
    if let Some(content) = content {
        body["content"] = content;
    }
    frame("message", "StructuredMessage", 200, body, None)
}

/// The seeded flows' menu: the greeting with quick replies.
pub fn bot_menu(text: &str, choices: &[(&str, &str)], at: DateTime<Utc>) -> Value {
    let content: Vec<Value> = choices
        .iter()
        .map(|(text, payload)| {
            json!({"contentType": "QuickReply",
                   "quickReply": {"text": text, "payload": payload, "action": "Message"}})
        })
        .collect();
    outbound(text, Some(Value::Array(content)), "Bot", None, at)
}

/// A card as Architect's "Send Response" with a card sends it: a title, a description,
/// a link and a postback button.
pub fn bot_card(card: Value, at: DateTime<Utc>) -> Value {
    outbound(
        "",
        Some(json!([{"contentType": "Card", "card": card}])),
        "Bot",
        None,
        at,
    )
}

pub fn bot_text(text: &str, at: DateTime<Utc>) -> Value {
    outbound_text(text, "Bot", None, at)
}

pub fn agent_text(text: &str, agent: &Agent<'_>, at: DateTime<Utc>) -> Value {
    outbound_text(text, "Human", Some(agent), at)
}

fn outbound_event(event: Value, metadata: Option<Value>, at: DateTime<Utc>) -> Value {
    let id = outbound_id();
    let mut body = json!({
        "id": id,
        "type": "Event",
        "direction": "Outbound",
        "channel": {"time": iso(at), "messageId": id},
        "events": [event],
    });
    if let Some(metadata) = metadata {
        body["metadata"] = metadata;
    }
    frame("message", "StructuredMessage", 200, body, None)
}

/// The conversation ended: Presence `Disconnect`, `readOnly` "true" when the deployment's
/// disconnect type is ReadOnly (the visitor may not write again), "false" for Send.
pub fn disconnect(read_only: bool, at: DateTime<Utc>) -> Value {
    outbound_event(
        json!({"eventType": "Presence", "presence": {"type": "Disconnect"}}),
        Some(json!({"readOnly": read_only.to_string()})),
        at,
    )
}

/// An agent is typing (sent when the deployment shows agent typing indicators).
pub fn agent_typing(at: DateTime<Utc>) -> Value {
    outbound_event(
        json!({"eventType": "Typing", "typing": {"type": "On", "duration": 5000}}),
        None,
        at,
    )
}

/// The session's history was cleared (Presence `Clear`, with conversation clear on).
pub fn session_cleared() -> Value {
    frame("message", "SessionClearedEvent", 200, json!({}), None)
}

pub fn session_expired() -> Value {
    frame("response", "SessionExpiredEvent", 200, json!({}), None)
}

pub fn connection_closed() -> Value {
    frame("message", "ConnectionClosedEvent", 200, json!({}), None)
}

/// An attachment as `content[]` carries it in both directions once uploaded.
pub fn attachment_content(id: &str, file_name: &str, mime: &str, size: usize, url: &str) -> Value {
    let media_type = if mime.starts_with("image/") {
        "Image"
    } else {
        "File"
    };
    json!({"contentType": "Attachment", "attachment": {
        "id": id, "filename": file_name, "mediaType": media_type,
        "fileSize": size, "mime": mime, "url": url,
    }})
}

/// A file the flow sends, as the SDK fixtures show one: a `Text` message whose content
/// is the attachment.
pub fn bot_attachment(text: &str, attachment: Value, at: DateTime<Utc>) -> Value {
    let mut frame = outbound(text, Some(json!([attachment])), "Bot", None, at);
    frame["body"]["type"] = json!("Text");
    frame
}

/// The answer to `onAttachment`: where to upload, with the header the URL was signed
/// with.
pub fn presigned_url(
    attachment_id: &str,
    url: &str,
    headers: Value,
    file: Option<(&str, u64, &str)>,
    tracing_id: Option<&str>,
) -> Value {
    let mut body = json!({"attachmentId": attachment_id, "headers": headers, "url": url});
    if let Some((name, size, kind)) = file {
        body["fileName"] = json!(name);
        body["fileSize"] = json!(size);
        body["fileType"] = json!(kind);
    }
    frame("response", "PresignedUrlResponse", 200, body, tracing_id)
}

/// An attachment request refused before any upload: `GenerateUrlError` when the client
/// asked for errors as JSON (the SDKs do), the string error frame otherwise.
pub fn attachment_refused(
    attachment_id: &str,
    code: u16,
    text: &str,
    as_json: bool,
    tracing_id: Option<&str>,
) -> Value {
    if as_json {
        frame(
            "message",
            "GenerateUrlError",
            200,
            json!({"attachmentId": attachment_id, "errorCode": code, "errorMessage": text}),
            tracing_id,
        )
    } else {
        error(code, text, tracing_id)
    }
}

/// The scan's verdict on an upload, pushed once it is done.
pub fn upload_succeeded(attachment_id: &str, download_url: &str, at: DateTime<Utc>) -> Value {
    frame(
        "message",
        "UploadSuccessEvent",
        200,
        json!({"attachmentId": attachment_id, "downloadUrl": download_url, "timestamp": iso(at)}),
        None,
    )
}

pub fn upload_failed(attachment_id: &str, code: u16, text: &str, at: DateTime<Utc>) -> Value {
    frame(
        "message",
        "UploadFailureEvent",
        200,
        json!({"attachmentId": attachment_id, "errorCode": code, "errorMessage": text,
               "timestamp": iso(at)}),
        None,
    )
}

pub fn attachment_deleted(attachment_id: &str, tracing_id: Option<&str>) -> Value {
    frame(
        "response",
        "AttachmentDeletedResponse",
        200,
        json!({"attachmentId": attachment_id}),
        tracing_id,
    )
}
