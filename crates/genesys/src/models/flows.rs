//! Architect flows; the app uses the inbound message (`inboundshortmessage`) ones.

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use super::{EntityRef, Extra};

/// The lower-case `type` query value for inbound message flows.
pub const INBOUND_MESSAGE_FLOW_TYPE: &str = "inboundshortmessage";

/// `Flow` (main fields).
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Flow {
    pub id: Option<String>,
    pub name: Option<String>,
    pub division: Option<EntityRef>,
    pub description: Option<String>,
    /// Upper case, e.g. `INBOUNDSHORTMESSAGE`.
    #[serde(rename = "type")]
    pub flow_type: Option<String>,
    pub active: Option<bool>,
    pub system: Option<bool>,
    pub deleted: Option<bool>,
    pub published_version: Option<FlowVersion>,
    pub saved_version: Option<FlowVersion>,
    pub checked_in_version: Option<FlowVersion>,
    pub locked_user: Option<EntityRef>,
    pub published_by: Option<EntityRef>,
    pub supported_languages: Option<Vec<serde_json::Value>>,
    pub self_uri: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl Flow {
    pub fn is_inbound_message_flow(&self) -> bool {
        self.flow_type
            .as_deref()
            .is_some_and(|kind| kind.eq_ignore_ascii_case(INBOUND_MESSAGE_FLOW_TYPE))
    }
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FlowVersion {
    pub id: Option<String>,
    pub name: Option<String>,
    /// `PUBLISH`, `CHECKIN` or `SAVE`.
    #[serde(rename = "type")]
    pub version_type: Option<String>,
    pub date_published: Option<serde_json::Value>,
    #[serde(flatten)]
    pub extra: Extra,
}
