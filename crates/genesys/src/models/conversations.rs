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
