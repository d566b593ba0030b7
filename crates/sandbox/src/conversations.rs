//! `/api/v2/conversations/messages/{conversationId}`: the conversations guests started,
//! with their participants and participant data, and ending the customer's part.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use genesys::models::MediaParticipantRequest;
use genesys::schema;
use serde_json::{json, Value};

use crate::body::parse_checked;
use crate::error::{ApiError, ApiResult};
use crate::gate::Caller;
use crate::guests::ConversationRecord;
use crate::state::SandboxState;
use crate::timestamps::iso;

/// Reading a messaging conversation takes either permission the message details take
/// (a strict reading: the platform's permission list for this path is not public).
const VIEW: &[&str] = &[
    "conversation:message:view",
    "conversation:webmessaging:view",
];
/// What ending a participant takes.
const DISCONNECT: &str = "conversation:communication:disconnect";

fn participants(conversation_id: &str, record: &ConversationRecord, started: &str) -> Value {
    let state = if record.customer_present {
        "connected"
    } else {
        "disconnected"
    };
    let mut participants = vec![json!({
        "id": record.customer_participant_id,
        "name": record.customer_name,
        "purpose": "customer",
        "state": state,
        "direction": "inbound",
        "startTime": started,
        "attributes": record.attributes,
    })];
    if let Some((queue_id, participant_id)) = &record.queue {
        participants.push(json!({
            "id": participant_id,
            "purpose": "acd",
            "state": state,
            "queue": {"id": queue_id, "selfUri": format!("/api/v2/routing/queues/{queue_id}")},
        }));
    }
    json!({
        "id": conversation_id,
        "participants": participants,
        "selfUri": format!("/api/v2/conversations/messages/{conversation_id}"),
    })
}

pub async fn message_conversation(
    State(state): State<SandboxState>,
    Extension(caller): Extension<Caller>,
    Path(conversation_id): Path<String>,
) -> ApiResult<Json<Value>> {
    caller.require_any(VIEW)?;
    let org = state.org();
    let record = org
        .guests
        .conversation(&conversation_id)
        .ok_or_else(|| ApiError::not_found("conversation", &conversation_id))?;
    Ok(Json(participants(
        &conversation_id,
        record,
        &iso(record.started),
    )))
}

/// `PATCH …/participants/{participantId}`: only `state: disconnected` of the customer
/// or its queue participant acts here; every other change is refused (a strict reading:
/// what a real org does with them is not sourced).
pub async fn patch_participant(
    State(state): State<SandboxState>,
    Extension(caller): Extension<Caller>,
    Path((conversation_id, participant_id)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<StatusCode> {
    caller.require(DISCONNECT)?;
    let request: MediaParticipantRequest =
        parse_checked(&schema::MEDIA_PARTICIPANT_REQUEST, &body)?;
    let mut org = state.org();
    let record = org
        .guests
        .conversation(&conversation_id)
        .ok_or_else(|| ApiError::not_found("conversation", &conversation_id))?;
    let known = record.customer_participant_id == participant_id
        || record
            .queue
            .as_ref()
            .is_some_and(|(_, acd)| *acd == participant_id);
    if !known {
        return Err(ApiError::not_found("participant", &participant_id));
    }
    if request.state.as_deref() != Some("disconnected") {
        return Err(ApiError::bad_request(
            "Only a disconnect of this participant can be requested here.",
        ));
    }
    if record.customer_present {
        org.disconnect_customer(&conversation_id);
    }
    Ok(StatusCode::ACCEPTED)
}
