//! What a channel points at besides routing: supported content profiles (what visitors
//! may upload), knowledge bases (the Knowledge app and the support center) and
//! integrations (Messenger authentication's login integration).

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use super::Extra;

/// `SupportedContent`: a supported content profile.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SupportedContent {
    pub id: Option<String>,
    pub name: Option<String>,
    pub version: Option<i64>,
    pub media_types: Option<MediaTypes>,
    pub self_uri: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl SupportedContent {
    /// The media types visitors may send (`mediaTypes.allow.inbound[].type`).
    pub fn inbound_types(&self) -> Vec<String> {
        self.media_types
            .as_ref()
            .and_then(|m| m.allow.as_ref())
            .and_then(|a| a.inbound.as_ref())
            .map(|types| types.iter().filter_map(|t| t.kind.clone()).collect())
            .unwrap_or_default()
    }
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MediaTypes {
    pub allow: Option<MediaTypeAccess>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MediaTypeAccess {
    pub inbound: Option<Vec<MediaType>>,
    pub outbound: Option<Vec<MediaType>>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MediaType {
    /// A MIME type, wildcards allowed (`image/*`, `*/*`).
    #[serde(rename = "type")]
    pub kind: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `KnowledgeBase`.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct KnowledgeBase {
    pub id: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub core_language: Option<String>,
    pub article_count: Option<i64>,
    pub published: Option<bool>,
    pub self_uri: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `Integration`.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Integration {
    pub id: Option<String>,
    pub name: Option<String>,
    pub integration_type: Option<IntegrationType>,
    pub intended_state: Option<String>,
    pub self_uri: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct IntegrationType {
    pub id: Option<String>,
    pub name: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}
