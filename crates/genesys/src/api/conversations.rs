//! `/api/v2/conversations/messages`: the conversation behind a web messaging message, its
//! participants, and ending a participant.

use crate::client::ApiRequest;
use crate::models::{MediaParticipantRequest, MessageConversation, MessageData};
use crate::{Client, Error};

use super::segment;

pub struct Conversations<'a> {
    pub(super) client: &'a Client,
}

impl Conversations<'_> {
    /// `GET /api/v2/conversations/messages/{messageId}/details`: the message a guest sent,
    /// with the id of its conversation.
    pub async fn message_details(&self, message_id: &str) -> Result<MessageData, Error> {
        self.client
            .json(ApiRequest::get(format!(
                "/api/v2/conversations/messages/{}/details",
                segment(message_id)
            )))
            .await
    }

    /// `GET /api/v2/conversations/messages/{conversationId}`: the conversation with its
    /// participants and their participant data.
    pub async fn message_conversation(
        &self,
        conversation_id: &str,
    ) -> Result<MessageConversation, Error> {
        self.client
            .json(ApiRequest::get(format!(
                "/api/v2/conversations/messages/{}",
                segment(conversation_id)
            )))
            .await
    }

    /// `PATCH /api/v2/conversations/messages/{conversationId}/participants/{participantId}`
    /// with `state: disconnected`: the participant leaves; the customer leaving ends the
    /// conversation.
    pub async fn disconnect_participant(
        &self,
        conversation_id: &str,
        participant_id: &str,
    ) -> Result<(), Error> {
        let body = MediaParticipantRequest {
            state: Some("disconnected".into()),
        };
        self.client
            .send(ApiRequest::patch(
                format!(
                    "/api/v2/conversations/messages/{}/participants/{}",
                    segment(conversation_id),
                    segment(participant_id)
                ),
                &body,
            )?)
            .await
    }
}
