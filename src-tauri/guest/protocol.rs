//! Frames of the Guest API (contract §12): what the client sends, and what it makes of
//! what the server sends. Unknown classes and fields are skipped, as the SDKs do.

use serde_json::{json, Map, Value};

use super::content::Content;

/// The custom attribute every synthetic session carries, so flows can divert it.
pub const SYNTHETIC_ATTRIBUTE: &str = "wmdSynthetic";

/// The most custom attribute bytes (keys and values, UTF-8) a session may carry (§12.5:
/// the 4013 refusal's figure; `maxCustomDataBytes` of the session response).
pub const MAX_CUSTOM_DATA_BYTES: usize = 2_048;

/// The bytes `attributes` take on the wire with the synthetic tag every visitor adds.
pub fn attribute_bytes(attributes: &Map<String, Value>) -> usize {
    let synthetic = SYNTHETIC_ATTRIBUTE.len() + "true".len();
    attributes
        .iter()
        .filter(|(key, _)| key.as_str() != SYNTHETIC_ATTRIBUTE)
        .map(|(key, value)| key.len() + value.as_str().map_or(0, str::len))
        .sum::<usize>()
        + synthetic
}

pub fn configure_session(token: &str, deployment_id: &str, tracing_id: &str) -> Value {
    json!({
        "action": "configureSession",
        "token": token,
        "deploymentId": deployment_id,
        "startNew": false,
        "tracingId": tracing_id,
    })
}

fn with_attributes(mut request: Value, attributes: &Map<String, Value>) -> Value {
    if !attributes.is_empty() {
        request["channel"] = json!({"metadata": {"customAttributes": attributes}});
    }
    request
}

pub fn presence_join(token: &str, tracing_id: &str, attributes: &Map<String, Value>) -> Value {
    with_attributes(
        json!({
            "action": "onMessage",
            "token": token,
            "tracingId": tracing_id,
            "message": {"type": "Event", "events": [{"eventType": "Presence", "presence": {"type": "Join"}}]},
        }),
        attributes,
    )
}

pub fn text_message(
    token: &str,
    text: &str,
    tracing_id: &str,
    attributes: &Map<String, Value>,
) -> Value {
    on_message(
        token,
        json!({"type": "Text", "text": text}),
        tracing_id,
        attributes,
    )
}

/// An `onMessage` carrying `message` as it is (a quick reply, a postback).
pub fn on_message(
    token: &str,
    message: Value,
    tracing_id: &str,
    attributes: &Map<String, Value>,
) -> Value {
    with_attributes(
        json!({
            "action": "onMessage",
            "token": token,
            "tracingId": tracing_id,
            "message": message,
        }),
        attributes,
    )
}

/// Asks where to upload a file, as the official SDK asks (`errorsAsJson`, so a refusal
/// names the attachment).
pub fn on_attachment(
    token: &str,
    attachment_id: &str,
    file_name: &str,
    file_type: &str,
    file_size: u64,
    tracing_id: &str,
) -> Value {
    json!({
        "action": "onAttachment",
        "token": token,
        "attachmentId": attachment_id,
        "fileName": file_name,
        "fileType": file_type,
        "fileSize": file_size,
        "errorsAsJson": true,
        "tracingId": tracing_id,
    })
}

/// The message that sends an uploaded attachment: a `Text` (empty when nothing is
/// said) whose content names it, as the SDK sends one.
pub fn attachment_message(attachment_id: &str, text: &str) -> Value {
    json!({
        "type": "Text",
        "text": text,
        "content": [{"contentType": "Attachment", "attachment": {"id": attachment_id}}],
    })
}

pub fn echo(token: &str, tracing_id: &str) -> Value {
    json!({
        "action": "echo",
        "token": token,
        "tracingId": tracing_id,
        "message": {"type": "Text", "text": "ping"},
    })
}

pub fn close_session(token: &str, tracing_id: &str) -> Value {
    json!({
        "action": "closeSession",
        "token": token,
        "closeAllConnections": true,
        "tracingId": tracing_id,
    })
}

/// Who wrote an outbound message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Speaker {
    Guest,
    Bot,
    Agent,
}

/// What one server frame means to the visitor.
#[derive(Debug, Clone, PartialEq)]
pub enum ServerEvent {
    SessionStarted {
        new_session: bool,
        max_custom_data_bytes: Option<u64>,
    },
    SessionEnded,
    /// The echo of the guest's own message: its id finds the conversation.
    Sent {
        message_id: String,
        text: Option<String>,
        tracing_id: Option<String>,
    },
    Said {
        speaker: Speaker,
        text: String,
        nickname: Option<String>,
        /// Quick replies, cards and the rest, in the order sent.
        content: Vec<Content>,
        /// When the service says it was sent (`channel.time`), which orders messages
        /// whatever order their frames arrive in.
        sent_at: Option<chrono::DateTime<chrono::Utc>>,
    },
    Disconnected,
    Typing,
    EchoReply,
    RateLimited {
        retry_after_seconds: u64,
        tracing_id: Option<String>,
    },
    Refused {
        code: u64,
        text: String,
        tracing_id: Option<String>,
    },
    SessionExpired,
    ConnectionClosed {
        reason: Option<String>,
    },
    /// Where to `PUT` an attachment, with the headers the URL was signed with.
    UploadUrl {
        attachment_id: String,
        url: String,
        headers: Vec<(String, String)>,
    },
    Uploaded {
        attachment_id: String,
        download_url: String,
    },
    /// Refused before upload (`GenerateUrlError`) or by the scan (`UploadFailureEvent`).
    UploadRefused {
        attachment_id: String,
        code: u64,
        text: String,
    },
    Ignored,
}

fn text_at<'a>(value: &'a Value, pointer: &str) -> Option<&'a str> {
    value.pointer(pointer).and_then(Value::as_str)
}

/// Reads one text frame; `None` when it is not JSON at all.
pub fn read_frame(text: &str) -> Option<ServerEvent> {
    let frame: Value = serde_json::from_str(text).ok()?;
    let class = text_at(&frame, "/class").unwrap_or("");
    let kind = text_at(&frame, "/type").unwrap_or("");
    let code = frame.get("code").and_then(Value::as_u64).unwrap_or(200);
    let body = frame.get("body").cloned().unwrap_or(Value::Null);
    let tracing_id = text_at(&frame, "/tracingId").map(str::to_string);
    Some(match class {
        "SessionResponse" if body.get("connected").and_then(Value::as_bool) == Some(false) => {
            ServerEvent::SessionEnded
        }
        "SessionResponse" => ServerEvent::SessionStarted {
            new_session: body
                .get("newSession")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            max_custom_data_bytes: body.get("maxCustomDataBytes").and_then(Value::as_u64),
        },
        "TooManyRequestsErrorMessage" => ServerEvent::RateLimited {
            retry_after_seconds: body.get("retryAfter").and_then(Value::as_u64).unwrap_or(1),
            tracing_id,
        },
        "SessionExpiredEvent" => ServerEvent::SessionExpired,
        "ConnectionClosedEvent" => ServerEvent::ConnectionClosed {
            reason: text_at(&body, "/reason")
                .or_else(|| text_at(&body, "/reasonCode"))
                .map(str::to_string),
        },
        "string" | "Error" if code != 200 => ServerEvent::Refused {
            code,
            text: body
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| body.to_string()),
            tracing_id,
        },
        "PresignedUrlResponse" => ServerEvent::UploadUrl {
            attachment_id: text_at(&body, "/attachmentId")?.to_string(),
            url: text_at(&body, "/url")?.to_string(),
            headers: body
                .get("headers")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .filter_map(|(name, value)| Some((name.clone(), value.as_str()?.to_string())))
                .collect(),
        },
        "UploadSuccessEvent" => ServerEvent::Uploaded {
            attachment_id: text_at(&body, "/attachmentId")?.to_string(),
            download_url: text_at(&body, "/downloadUrl").unwrap_or("").to_string(),
        },
        "GenerateUrlError" | "UploadFailureEvent" => ServerEvent::UploadRefused {
            attachment_id: text_at(&body, "/attachmentId")?.to_string(),
            code: body.get("errorCode").and_then(Value::as_u64).unwrap_or(0),
            text: text_at(&body, "/errorMessage").unwrap_or("").to_string(),
        },
        "StructuredMessage" if kind == "response" => ServerEvent::EchoReply,
        "StructuredMessage" => structured_message(&body, tracing_id),
        _ => ServerEvent::Ignored,
    })
}

fn structured_message(body: &Value, tracing_id: Option<String>) -> ServerEvent {
    let direction = text_at(body, "/direction").unwrap_or("");
    if direction == "Inbound" {
        return ServerEvent::Sent {
            message_id: text_at(body, "/id")
                .or_else(|| text_at(body, "/channel/messageId"))
                .unwrap_or("")
                .to_string(),
            text: text_at(body, "/text").map(str::to_string),
            tracing_id,
        };
    }
    let events = body.get("events").and_then(Value::as_array);
    if let Some(event) = events.and_then(|events| events.first()) {
        return match (
            text_at(event, "/eventType"),
            text_at(event, "/presence/type"),
        ) {
            // A Presence Join is the conversation's auto-start, never an agent: the
            // agent is known by the first message a Human sends.
            (Some("Presence"), Some("Disconnect")) => ServerEvent::Disconnected,
            (Some("Typing"), _) => ServerEvent::Typing,
            _ => ServerEvent::Ignored,
        };
    }
    let content = Content::read_all(body);
    match text_at(body, "/text") {
        None if content.is_empty() => ServerEvent::Ignored,
        text => ServerEvent::Said {
            speaker: if text_at(body, "/originatingEntity") == Some("Bot") {
                Speaker::Bot
            } else {
                Speaker::Agent
            },
            text: text.unwrap_or_default().to_string(),
            nickname: text_at(body, "/channel/from/nickname").map(str::to_string),
            content,
            sent_at: text_at(body, "/channel/time")
                .and_then(|time| chrono::DateTime::parse_from_rfc3339(time).ok())
                .map(|time| time.with_timezone(&chrono::Utc)),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contract_example_frames_read_as_the_visitor_sees_them() {
        let greeting = r#"{"type":"message","class":"StructuredMessage","code":200,"body":{"id":"0f3e","type":"Text","direction":"Outbound","text":"Hi! How can we help?","originatingEntity":"Bot","channel":{"time":"2025-01-01T10:00:01.000Z","type":"Private"}}}"#;
        assert_eq!(
            read_frame(greeting),
            Some(ServerEvent::Said {
                speaker: Speaker::Bot,
                text: "Hi! How can we help?".into(),
                nickname: None,
                content: vec![],
                sent_at: Some("2025-01-01T10:00:01Z".parse().unwrap()),
            })
        );
        let agent = r#"{"type":"message","class":"StructuredMessage","code":200,"body":{"id":"b5","type":"Text","direction":"Outbound","text":"Hi, I'm Sam.","originatingEntity":"Human","channel":{"from":{"nickname":"Sam"}}}}"#;
        assert!(matches!(
            read_frame(agent),
            Some(ServerEvent::Said { speaker: Speaker::Agent, nickname: Some(n), .. }) if n == "Sam"
        ));
        let menu = r#"{"type":"message","class":"StructuredMessage","code":200,"body":{"id":"0f40","type":"Structured","direction":"Outbound","originatingEntity":"Bot","content":[{"contentType":"QuickReply","quickReply":{"text":"Yes","payload":"yes","action":"Message"}}]}}"#;
        assert!(matches!(
            read_frame(menu),
            Some(ServerEvent::Said { text, content, .. }) if text.is_empty() && content.len() == 1
        ));
        let join = r#"{"type":"message","class":"StructuredMessage","code":200,"body":{"id":"b4","type":"Event","direction":"Outbound","events":[{"eventType":"Presence","presence":{"type":"Join"}}]}}"#;
        assert_eq!(read_frame(join), Some(ServerEvent::Ignored));
        let limited = r#"{"type":"response","class":"TooManyRequestsErrorMessage","code":429,"body":{"retryAfter":3,"errorCode":4029,"errorMessage":"Message rate too high for this session"},"tracingId":"t7"}"#;
        assert_eq!(
            read_frame(limited),
            Some(ServerEvent::RateLimited {
                retry_after_seconds: 3,
                tracing_id: Some("t7".into())
            })
        );
        let refused = r#"{"type":"response","class":"string","code":4013,"body":"Custom Attributes in channel metadata is larger than 2048 bytes"}"#;
        assert!(matches!(
            read_frame(refused),
            Some(ServerEvent::Refused { code: 4013, .. })
        ));
        // The SDK fixtures' attachment frames.
        let presigned = r#"{"type":"response","class":"PresignedUrlResponse","code":200,"body":{"attachmentId":"test_attachment_id","headers":{"x-amz-tagging":"abc"},"url":"https://downloadurl.png"}}"#;
        assert_eq!(
            read_frame(presigned),
            Some(ServerEvent::UploadUrl {
                attachment_id: "test_attachment_id".into(),
                url: "https://downloadurl.png".into(),
                headers: vec![("x-amz-tagging".into(), "abc".into())],
            })
        );
        let refused = r#"{"type":"message","class":"GenerateUrlError","code":200,"body":{"attachmentId":"test_attachment_id","errorCode":4001,"errorMessage":"This is a generic error message for testing."}}"#;
        assert!(matches!(
            read_frame(refused),
            Some(ServerEvent::UploadRefused { code: 4001, .. })
        ));
        let uploaded = r#"{"type":"message","class":"UploadSuccessEvent","code":200,"body":{"attachmentId":"test_attachment_id","downloadUrl":"https://downloadurl.png","timestamp":"2022-08-22T19:24:26.704Z"}}"#;
        assert!(matches!(
            read_frame(uploaded),
            Some(ServerEvent::Uploaded { download_url, .. }) if download_url == "https://downloadurl.png"
        ));
        let unknown = r#"{"type":"message","class":"JwtResponse","code":200,"body":{}}"#;
        assert_eq!(read_frame(unknown), Some(ServerEvent::Ignored));
        assert_eq!(read_frame("not json"), None);
    }
}
