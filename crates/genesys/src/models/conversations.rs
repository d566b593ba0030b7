//! `MessageData`: one message of a messaging conversation.

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use super::Extra;

#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MessageData {
    pub id: Option<String>,
    pub timestamp: Option<String>,
    pub direction: Option<String>,
    pub messenger_type: Option<String>,
    pub text_body: Option<String>,
    pub status: Option<String>,
    pub conversation_id: Option<String>,
    pub self_uri: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `GET /api/v2/conversations/messages/{conversationId}`: a messaging conversation and
/// its participants (the official SDKs' `MessageConversation`).
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MessageConversation {
    pub id: Option<String>,
    pub participants: Option<Vec<MessageParticipant>>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// One participant of a messaging conversation (`MessageMediaParticipant`): the
/// customer, the queue (`acd`), an agent, with its participant data (`attributes`).
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MessageParticipant {
    pub id: Option<String>,
    /// `customer`, `agent`, `acd`, `workflow`, …
    pub purpose: Option<String>,
    /// `alerting`, `connected`, `disconnected`, `terminated`, …
    pub state: Option<String>,
    pub attributes: Option<std::collections::BTreeMap<String, String>>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl MessageConversation {
    /// The participants who are the customer (the visitor).
    pub fn customers(&self) -> impl Iterator<Item = &MessageParticipant> {
        self.participants
            .iter()
            .flatten()
            .filter(|p| p.purpose.as_deref() == Some("customer"))
    }
}

impl MessageParticipant {
    /// Still in the conversation: neither disconnected nor terminated.
    pub fn is_present(&self) -> bool {
        !matches!(
            self.state.as_deref(),
            Some("disconnected") | Some("terminated")
        )
    }
}

/// The body of `PATCH …/participants/{participantId}` (`MediaParticipantRequest`); this
/// version only ever ends a participant.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MediaParticipantRequest {
    pub state: Option<String>,
}
