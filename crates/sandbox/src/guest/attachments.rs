//! The guest attachment flow, as the official guest SDK drives it (`AttachmentHandler`):
//! `onAttachment` → `PresignedUrlResponse` → HTTP `PUT` of the bytes to that URL with
//! its signed headers → `UploadSuccessEvent` (or `UploadFailureEvent`) once scanned →
//! an `onMessage` whose content names the attachment. `deleteAttachment` and
//! `getAttachment` (a fresh download URL) act on uploads of the same session only.
//!
//! What is refused, and how, where no public source says (strict readings): attachments
//! when the configuration turns them off (4000); a type outside the deployment's
//! supported content profile or an extension in `blockedExtensions` (4001); an empty or
//! oversized declared file (4002); a name with a path or control characters (4004) or
//! over [`MAX_FILE_NAME_CHARS`] (4005); content whose first bytes are not the declared
//! image or PDF type (4003, after upload); an id this session never uploaded (4009) or
//! whose upload did not succeed (4010). An upload whose signature, signed header or
//! `Content-Type` differ from the presigned request gets 403, as a presigned store does.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

use crate::guests::uploads::{Attachment, UploadState};
use crate::guests::{frames, schedule};
use crate::params::Params;
use crate::state::{Org, SandboxState};

/// The largest file a visitor may attach (`allowedMedia.inbound.maxFileSizeKB`).
pub const MAX_FILE_SIZE_KB: u64 = 10_240;
pub const MAX_FILE_NAME_CHARS: usize = 255;
/// Extensions refused whatever the profile allows (`blockedExtensions`).
pub const BLOCKED_EXTENSIONS: &[&str] = &[".ade", ".adp", ".app", ".bat", ".exe", ".js", ".vbs"];
/// Where uploads go and downloads come from.
pub const UPLOADS_PATH: &str = "/uploads/{attachment_id}";
/// The header every presigned URL is signed with.
const TAGGING_HEADER: &str = "x-amz-tagging";
/// How long the scan of an upload takes before its verdict is pushed.
const SCAN_TIME: Duration = Duration::from_millis(150);

fn upload_url(org: &Org, attachment_id: &str) -> String {
    format!("{}/uploads/{attachment_id}", org.public_base_url)
}

/// Whether the supported content profile's inbound `allowed` list takes `mime`: exact
/// types and `type/*` wildcards.
pub fn media_allowed(allowed: &[String], mime: &str) -> bool {
    let mime = mime.to_ascii_lowercase();
    allowed.iter().any(|kind| {
        let kind = kind.to_ascii_lowercase();
        kind == mime
            || kind == "*/*"
            || kind
                .strip_suffix("/*")
                .is_some_and(|family| mime.split('/').next() == Some(family))
    })
}

/// Why an `onAttachment` is refused before any upload.
fn refusal(org: &Org, token: &str, request: &Map<String, Value>) -> Option<(u16, String)> {
    let text = |key: &str| request.get(key).and_then(Value::as_str).unwrap_or("");
    let file_name = text("fileName");
    let file_type = text("fileType");
    let session = org.guests.session(token)?;
    if !session.behaviour.attachments {
        return Some((
            4000,
            "File attachments are not enabled for this deployment".into(),
        ));
    }
    if file_name.chars().count() > MAX_FILE_NAME_CHARS {
        return Some((
            4005,
            format!("File name is longer than {MAX_FILE_NAME_CHARS} characters"),
        ));
    }
    if file_name.trim().is_empty()
        || file_name.contains(['/', '\\'])
        || file_name.chars().any(char::is_control)
    {
        return Some((4004, "File name is invalid".into()));
    }
    let extension = file_name
        .rfind('.')
        .map(|dot| file_name[dot..].to_ascii_lowercase())
        .unwrap_or_default();
    if BLOCKED_EXTENSIONS.contains(&extension.as_str())
        || !media_allowed(&session.behaviour.inbound_media, file_type)
    {
        return Some((4001, format!("File type {file_type} is not allowed")));
    }
    match request.get("fileSize") {
        None | Some(Value::Null) => None,
        Some(size) => match size.as_u64() {
            Some(size) if size > 0 && size <= MAX_FILE_SIZE_KB * 1024 => None,
            _ => Some((
                4002,
                format!("File size must be 1 byte to {MAX_FILE_SIZE_KB} KB"),
            )),
        },
    }
}

/// `onAttachment`: a presigned upload URL, or the refusal.
pub(super) fn on_attachment(
    state: &SandboxState,
    request: &Map<String, Value>,
    token: &str,
    tracing: Option<&str>,
) -> Value {
    for required in ["attachmentId", "fileName", "fileType"] {
        if !request.get(required).is_some_and(Value::is_string) {
            return frames::missing_parameter(required, tracing);
        }
    }
    let text = |key: &str| request.get(key).and_then(Value::as_str).unwrap_or("");
    let attachment_id = text("attachmentId");
    let as_json = request.get("errorsAsJson").and_then(Value::as_bool) == Some(true);
    let mut org = state.org();
    if let Some((code, why)) = refusal(&org, token, request) {
        return frames::attachment_refused(attachment_id, code, &why, as_json, tracing);
    }
    if org
        .guests
        .uploads
        .get(attachment_id)
        .is_some_and(|a| a.token != token)
    {
        // Another session's id: never hand out a URL that would overwrite its file.
        return frames::attachment_refused(
            attachment_id,
            4004,
            "Attachment id is in use",
            as_json,
            tracing,
        );
    }
    let declared_size = request.get("fileSize").and_then(Value::as_u64);
    let attachment = Attachment {
        token: token.to_string(),
        file_name: text("fileName").to_string(),
        file_type: text("fileType").to_string(),
        declared_size,
        signature: uuid::Uuid::new_v4().simple().to_string(),
        tagging: format!("wmd-upload={}", uuid::Uuid::new_v4().simple()),
        state: UploadState::Presigned,
        bytes: Vec::new(),
    };
    let url = format!(
        "{}?signature={}",
        upload_url(&org, attachment_id),
        attachment.signature
    );
    let headers = json!({ TAGGING_HEADER: attachment.tagging });
    let file = declared_size.map(|size| {
        (
            attachment.file_name.as_str(),
            size,
            attachment.file_type.as_str(),
        )
    });
    let frame = frames::presigned_url(attachment_id, &url, headers, file, tracing);
    org.guests
        .uploads
        .insert(attachment_id.to_string(), attachment);
    frame
}

/// `deleteAttachment` and `getAttachment`, on this session's uploads only.
pub(super) fn manage_attachment(
    state: &SandboxState,
    action: &str,
    request: &Map<String, Value>,
    token: &str,
    tracing: Option<&str>,
) -> Value {
    let Some(attachment_id) = request.get("attachmentId").and_then(Value::as_str) else {
        return frames::missing_parameter("attachmentId", tracing);
    };
    let mut org = state.org();
    let owned = org
        .guests
        .uploads
        .get(attachment_id)
        .filter(|a| a.token == token)
        .cloned();
    let Some(attachment) = owned else {
        return frames::error(4009, "Attachment not found", tracing);
    };
    if action == "deleteAttachment" {
        org.guests.uploads.remove(attachment_id);
        return frames::attachment_deleted(attachment_id, tracing);
    }
    if attachment.state != UploadState::Uploaded {
        return frames::error(4010, "Attachment has not been uploaded", tracing);
    }
    let url = upload_url(&org, attachment_id);
    let size = attachment.bytes.len() as u64;
    let file = Some((
        attachment.file_name.as_str(),
        size,
        attachment.file_type.as_str(),
    ));
    frames::presigned_url(attachment_id, &url, json!({}), file, tracing)
}

/// An attachment named in a guest's `onMessage` content: its full content item once
/// uploaded, or the refusal code.
pub(super) fn sendable(
    org: &Org,
    token: &str,
    attachment_id: &str,
) -> Result<(Value, String), u16> {
    let attachment = org
        .guests
        .uploads
        .get(attachment_id)
        .filter(|a| a.token == token)
        .ok_or(4009_u16)?;
    if attachment.state != UploadState::Uploaded {
        return Err(4010);
    }
    let item = frames::attachment_content(
        attachment_id,
        &attachment.file_name,
        &attachment.file_type,
        attachment.bytes.len(),
        &upload_url(org, attachment_id),
    );
    Ok((item, attachment.file_name.clone()))
}

/// Whether `bytes` begin as files of `mime` do, for the types whose signature is known.
fn content_matches(mime: &str, bytes: &[u8]) -> bool {
    let signatures: &[&[u8]] = match mime.to_ascii_lowercase().as_str() {
        "image/png" => &[b"\x89PNG\r\n\x1a\n"],
        "image/jpeg" | "image/jpg" => &[b"\xff\xd8\xff"],
        "image/gif" => &[b"GIF87a", b"GIF89a"],
        "application/pdf" => &[b"%PDF-"],
        _ => return true,
    };
    signatures
        .iter()
        .any(|signature| bytes.starts_with(signature))
}

/// `PUT /uploads/{id}?signature=…`: the presigned upload.
pub async fn upload(
    State(state): State<SandboxState>,
    Path(attachment_id): Path<String>,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = Params::parse(query.as_deref());
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let now = state.now();
    let mut org = state.org();
    let Some(attachment) = org.guests.uploads.get(&attachment_id).cloned() else {
        return (StatusCode::NOT_FOUND, "NoSuchUpload").into_response();
    };
    let signed = params.get("signature") == Some(attachment.signature.as_str())
        && header(TAGGING_HEADER) == Some(attachment.tagging.as_str())
        && header("content-type")
            .is_some_and(|kind| kind.eq_ignore_ascii_case(&attachment.file_type));
    if !signed || attachment.state == UploadState::Uploaded {
        return (StatusCode::FORBIDDEN, "SignatureDoesNotMatch").into_response();
    }
    let verdict = if body.is_empty()
        || body.len() as u64 > MAX_FILE_SIZE_KB * 1024
        || attachment
            .declared_size
            .is_some_and(|size| size != body.len() as u64)
    {
        Err((4002, "File size does not match or is out of bounds"))
    } else if !content_matches(&attachment.file_type, &body) {
        Err((4003, "File content does not match its type"))
    } else {
        Ok(())
    };
    let (frame, upload_state) = match verdict {
        Ok(()) => (
            frames::upload_succeeded(&attachment_id, &upload_url(&org, &attachment_id), now),
            UploadState::Uploaded,
        ),
        Err((code, text)) => (
            frames::upload_failed(&attachment_id, code, text, now),
            UploadState::Failed(code),
        ),
    };
    org.guests
        .uploads
        .store(&attachment_id, body.to_vec(), upload_state);
    if let Some(session) = org.guests.session_mut(&attachment.token) {
        schedule(session, SCAN_TIME, frame);
    }
    StatusCode::OK.into_response()
}

/// `GET /uploads/{id}`: an uploaded file, as its download URL serves it.
pub async fn download(
    State(state): State<SandboxState>,
    Path(attachment_id): Path<String>,
) -> Response {
    let org = state.org();
    match org.guests.uploads.get(&attachment_id) {
        Some(attachment) if attachment.state == UploadState::Uploaded => (
            [(
                axum::http::header::CONTENT_TYPE,
                attachment.file_type.clone(),
            )],
            attachment.bytes.clone(),
        )
            .into_response(),
        _ => (StatusCode::NOT_FOUND, "NoSuchKey").into_response(),
    }
}
