//! The Notifications API: channels, their topics, and the events a channel's socket sends.

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use super::Extra;

/// `Channel`: where to connect, and until when.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NotificationChannel {
    pub id: String,
    pub connect_uri: Option<String>,
    pub expires: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `ChannelTopic`: one subscription and whether it was permitted.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ChannelTopic {
    pub id: String,
    /// `Permitted` or `Rejected`.
    pub state: Option<String>,
    pub rejection_reason: Option<String>,
    pub missing_permissions: Option<Vec<String>>,
    pub self_uri: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl ChannelTopic {
    pub fn is_permitted(&self) -> bool {
        self.state
            .as_deref()
            .is_none_or(|state| state == "Permitted")
    }
}

/// `AvailableTopic`, with `expand=requiresPermissions`.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AvailableTopic {
    pub id: String,
    pub description: Option<String>,
    pub requires_permissions: Option<Vec<String>>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// One frame of a channel's socket.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NotificationEvent {
    pub topic_name: String,
    pub event_body: serde_json::Value,
}

/// Topic names, as the API spells them.
pub mod topic {
    pub fn queue_observations(queue_id: &str) -> String {
        format!("v2.analytics.queues.{queue_id}.observations")
    }

    pub const QUEUE_OBSERVATIONS: &str = "v2.analytics.queues.{id}.observations";
    /// Heartbeats and pongs.
    pub const CHANNEL_METADATA: &str = "channel.metadata";
    /// Maintenance: reconnect within about a minute.
    pub const SOCKET_CLOSING: &str = "v2.system.socket_closing";
}
