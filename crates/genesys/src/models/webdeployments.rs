//! Web deployment configurations: the Messenger's look and behaviour, one draft plus
//! immutable published versions (`/api/v2/webdeployments/configurations`).

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use super::{open_enum, EntityRef, Extra};

open_enum!(
    /// Status of a configuration version or a deployment.
    DeploymentStatus {
        Pending => "Pending",
        Active => "Active",
        Inactive => "Inactive",
        Error => "Error",
        Deleting => "Deleting",
    }
);

open_enum!(
    LauncherVisibility { On => "On", Off => "Off", OnDemand => "OnDemand" }
);

open_enum!(
    LauncherDisplayType { IconAndText => "IconAndText", Icon => "Icon", Text => "Text" }
);

open_enum!(
    PositionAlignment { Auto => "Auto", Left => "Left", Right => "Right" }
);

open_enum!(
    SessionPersistenceType {
        AcrossSubdomains => "AcrossSubdomains",
        DomainOrSubdomainOnly => "DomainOrSubdomainOnly",
    }
);

open_enum!(
    /// Keys of `customI18nLabels[].localizedLabels[]`.
    LabelKey {
        MessengerHomeHeaderTitle => "MessengerHomeHeaderTitle",
        MessengerHomeHeaderSubTitle => "MessengerHomeHeaderSubTitle",
        PushNotificationTitle => "PushNotificationTitle",
        PushNotificationBody => "PushNotificationBody",
        MessengerLauncherButtonText => "MessengerLauncherButtonText",
    }
);

/// The version string of the mutable draft.
pub const DRAFT_VERSION: &str = "DRAFT";

/// `WebDeploymentConfigurationVersion`: one draft or published version.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct WebDeploymentConfigurationVersion {
    pub id: Option<String>,
    pub name: String,
    pub version: Option<String>,
    pub description: Option<String>,
    pub languages: Option<Vec<String>>,
    pub default_language: Option<String>,
    pub custom_i18n_labels: Option<Vec<CustomI18nLabels>>,
    pub messenger: Option<MessengerSettings>,
    pub position: Option<PositionSettings>,
    pub headless_mode: Option<HeadlessModeSettings>,
    pub support_center: Option<SupportCenterSettings>,
    pub cobrowse: Option<CobrowseSettings>,
    pub journey_events: Option<JourneyEventsSettings>,
    pub authentication_settings: Option<AuthenticationSettings>,
    pub video: Option<VideoSettings>,
    pub date_created: Option<String>,
    pub date_modified: Option<String>,
    pub date_published: Option<String>,
    pub last_modified_user: Option<EntityRef>,
    pub created_user: Option<EntityRef>,
    pub published_user: Option<EntityRef>,
    pub status: Option<DeploymentStatus>,
    pub self_uri: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl WebDeploymentConfigurationVersion {
    /// Whether this is the draft rather than a published version.
    pub fn is_draft(&self) -> bool {
        self.version.as_deref() == Some(DRAFT_VERSION)
    }

    /// The published version number, for ordering.
    pub fn version_number(&self) -> Option<u64> {
        self.version.as_deref()?.parse().ok()
    }

    /// A copy without the fields the server sets, fit to send as a new draft.
    pub fn writable(&self) -> WebDeploymentConfigurationVersion {
        WebDeploymentConfigurationVersion {
            id: None,
            version: None,
            date_created: None,
            date_modified: None,
            date_published: None,
            last_modified_user: None,
            created_user: None,
            published_user: None,
            status: None,
            self_uri: None,
            ..self.clone()
        }
    }
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CustomI18nLabels {
    pub language: Option<String>,
    pub localized_labels: Option<Vec<LocalizedLabel>>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LocalizedLabel {
    pub key: Option<LabelKey>,
    pub value: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `MessengerSettings`.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MessengerSettings {
    pub enabled: Option<bool>,
    pub styles: Option<MessengerStyles>,
    pub launcher_button: Option<LauncherButtonSettings>,
    pub home_screen: Option<HomeScreenSettings>,
    pub file_upload: Option<FileUploadSettings>,
    pub apps: Option<MessengerApps>,
    pub session_persistence_type: Option<SessionPersistenceType>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MessengerStyles {
    pub primary_color: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LauncherButtonSettings {
    pub visibility: Option<LauncherVisibility>,
    pub display_type: Option<LauncherDisplayType>,
    pub icon: Option<IconSettings>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct IconSettings {
    pub url: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HomeScreenSettings {
    pub enabled: Option<bool>,
    pub logo_url: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FileUploadSettings {
    pub enable_attachments: Option<bool>,
    pub modes: Option<Vec<FileUploadMode>>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FileUploadMode {
    pub file_types: Option<Vec<String>>,
    #[serde(rename = "maxFileSizeKB")]
    pub max_file_size_kb: Option<i64>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MessengerApps {
    pub conversations: Option<ConversationAppSettings>,
    pub knowledge: Option<KnowledgeAppSettings>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A `{enabled}` toggle, as several settings blocks use.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Toggle {
    pub enabled: Option<bool>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ConversationAppSettings {
    pub enabled: Option<bool>,
    pub show_agent_typing_indicator: Option<bool>,
    pub show_user_typing_indicator: Option<bool>,
    pub auto_start: Option<Toggle>,
    pub markdown: Option<Toggle>,
    pub conversation_disconnect: Option<ConversationDisconnectSettings>,
    pub conversation_clear: Option<Toggle>,
    pub humanize: Option<HumanizeSettings>,
    pub notifications: Option<NotificationsSettings>,
    pub session_duration_seconds: Option<i64>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ConversationDisconnectSettings {
    pub enabled: Option<bool>,
    /// `Send` or `ReadOnly`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HumanizeSettings {
    pub enabled: Option<bool>,
    pub bot: Option<BotSettings>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BotSettings {
    pub name: Option<String>,
    pub avatar_url: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NotificationsSettings {
    pub enabled: Option<bool>,
    /// `IncludeMessagesContent` or `ExcludeMessagesContent`.
    pub notification_content_type: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct KnowledgeAppSettings {
    pub enabled: Option<bool>,
    pub knowledge_base: Option<EntityRef>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PositionSettings {
    pub alignment: Option<PositionAlignment>,
    pub side_space: Option<i64>,
    pub bottom_space: Option<i64>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HeadlessModeSettings {
    pub enabled: Option<bool>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// Knowledge portal settings; its screens and styles are kept as sent.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SupportCenterSettings {
    pub enabled: Option<bool>,
    pub knowledge_base: Option<EntityRef>,
    pub screens: Option<Vec<serde_json::Value>>,
    pub enabled_categories: Option<Vec<serde_json::Value>>,
    pub style_setting: Option<serde_json::Value>,
    pub custom_messages: Option<Vec<serde_json::Value>>,
    pub router_type: Option<String>,
    pub label_filter: Option<serde_json::Value>,
    pub feedback: Option<Toggle>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CobrowseSettings {
    pub enabled: Option<bool>,
    pub allow_agent_control: Option<bool>,
    pub allow_agent_navigation: Option<bool>,
    pub allow_draw: Option<bool>,
    pub mask_selectors: Option<Vec<String>>,
    pub readonly_selectors: Option<Vec<String>>,
    pub channels: Option<Vec<String>>,
    pub pause_criteria: Option<Vec<PauseCriteria>>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PauseCriteria {
    pub url_fragment: Option<String>,
    pub condition: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// Journey tracking settings; the event lists are kept as sent.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct JourneyEventsSettings {
    pub enabled: Option<bool>,
    /// `Auto`, `Once` or `Off`.
    pub pageview_config: Option<String>,
    pub click_events: Option<Vec<serde_json::Value>>,
    pub in_viewport_events: Option<Vec<serde_json::Value>>,
    pub forms_track_events: Option<Vec<serde_json::Value>>,
    pub idle_events: Option<Vec<serde_json::Value>>,
    pub scroll_depth_events: Option<Vec<serde_json::Value>>,
    pub tracking_settings: Option<serde_json::Value>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AuthenticationSettings {
    pub enabled: Option<bool>,
    pub integration_id: Option<String>,
    pub allow_session_upgrade: Option<bool>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct VideoSettings {
    pub enabled: Option<bool>,
    pub channels: Option<Vec<String>>,
    pub agent: Option<serde_json::Value>,
    pub user: Option<serde_json::Value>,
    #[serde(flatten)]
    pub extra: Extra,
}
