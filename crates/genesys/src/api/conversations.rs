//! `/api/v2/conversations/messages`: the conversation behind a web messaging message.

use crate::client::ApiRequest;
use crate::models::MessageData;
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
}
