//! The channel editor's form. The command line reads the same settings from flags and
//! files as `ChannelInput`; the window's copy is its own so the page's field names change
//! only here.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::application::channels::{
    AuthenticationInput, ChannelInput, CobrowseInput, ConversationSettings, JourneyInput,
    KnowledgeInput, SupportCenterInput,
};

/// The editor's form, both ways: the draft's values out, the admin's edits in.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ChannelForm {
    pub name: String,
    pub description: Option<String>,
    pub queue: String,
    pub flow: String,
    pub fallback_flow: Option<String>,
    pub primary_color: String,
    pub languages: Vec<String>,
    pub default_language: Option<String>,
    pub domains: Vec<String>,
    pub allow_all_domains: bool,
    pub launcher_visibility: Option<String>,
    pub launcher_display_type: Option<String>,
    pub position: Option<String>,
    pub home_screen: Option<bool>,
    pub logo_url: Option<String>,
    pub attachments: Option<bool>,
    pub max_file_size_kb: Option<i64>,
    pub notifications: Option<bool>,
    pub conversations: ConversationsForm,
    pub labels: BTreeMap<String, BTreeMap<String, String>>,
    pub launcher_icon_url: Option<String>,
    pub side_space: Option<i64>,
    pub bottom_space: Option<i64>,
    pub knowledge: KnowledgeForm,
    pub headless: Option<bool>,
    pub authentication: AuthenticationForm,
    pub cobrowse: CobrowseForm,
    pub journey_events: JourneyForm,
    pub support_center: SupportCenterForm,
    pub supported_content: Option<String>,
}

impl From<&ChannelInput> for ChannelForm {
    fn from(input: &ChannelInput) -> Self {
        ChannelForm {
            name: input.name.clone(),
            description: input.description.clone(),
            queue: input.queue.clone(),
            flow: input.flow.clone(),
            fallback_flow: input.fallback_flow.clone(),
            primary_color: input.primary_color.clone(),
            languages: input.languages.clone(),
            default_language: input.default_language.clone(),
            domains: input.domains.clone(),
            allow_all_domains: input.allow_all_domains,
            launcher_visibility: input.launcher_visibility.clone(),
            launcher_display_type: input.launcher_display_type.clone(),
            position: input.position.clone(),
            home_screen: input.home_screen,
            logo_url: input.logo_url.clone(),
            attachments: input.attachments,
            max_file_size_kb: input.max_file_size_kb,
            notifications: input.notifications,
            conversations: (&input.conversations).into(),
            labels: input.labels.clone(),
            launcher_icon_url: input.launcher_icon_url.clone(),
            side_space: input.side_space,
            bottom_space: input.bottom_space,
            knowledge: (&input.knowledge).into(),
            headless: input.headless,
            authentication: (&input.authentication).into(),
            cobrowse: (&input.cobrowse).into(),
            journey_events: (&input.journey_events).into(),
            support_center: (&input.support_center).into(),
            supported_content: input.supported_content.clone(),
        }
    }
}

impl From<ChannelForm> for ChannelInput {
    fn from(form: ChannelForm) -> Self {
        ChannelInput {
            name: form.name,
            description: form.description,
            queue: form.queue,
            flow: form.flow,
            fallback_flow: form.fallback_flow,
            primary_color: form.primary_color,
            languages: form.languages,
            default_language: form.default_language,
            domains: form.domains,
            allow_all_domains: form.allow_all_domains,
            launcher_visibility: form.launcher_visibility,
            launcher_display_type: form.launcher_display_type,
            position: form.position,
            home_screen: form.home_screen,
            logo_url: form.logo_url,
            attachments: form.attachments,
            max_file_size_kb: form.max_file_size_kb,
            notifications: form.notifications,
            conversations: form.conversations.into(),
            labels: form.labels,
            launcher_icon_url: form.launcher_icon_url,
            side_space: form.side_space,
            bottom_space: form.bottom_space,
            knowledge: form.knowledge.into(),
            headless: form.headless,
            authentication: form.authentication.into(),
            cobrowse: form.cobrowse.into(),
            journey_events: form.journey_events.into(),
            support_center: form.support_center.into(),
            supported_content: form.supported_content,
            // Command-line only: with none given, an edit leaves the draft's as they are.
            attachment_types: Vec::new(),
            notification_title: None,
            notification_body: None,
        }
    }
}

/// The Conversations app; `None` leaves a setting as Messenger's default.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ConversationsForm {
    pub agent_typing_indicator: Option<bool>,
    pub user_typing_indicator: Option<bool>,
    pub auto_start: Option<bool>,
    pub markdown: Option<bool>,
    pub disconnect: Option<String>,
    pub clear: Option<bool>,
    pub humanize: Option<bool>,
    pub bot_name: Option<String>,
    pub bot_avatar_url: Option<String>,
    pub session_duration_seconds: Option<i64>,
}

impl From<&ConversationSettings> for ConversationsForm {
    fn from(input: &ConversationSettings) -> Self {
        ConversationsForm {
            agent_typing_indicator: input.agent_typing_indicator,
            user_typing_indicator: input.user_typing_indicator,
            auto_start: input.auto_start,
            markdown: input.markdown,
            disconnect: input.disconnect.clone(),
            clear: input.clear,
            humanize: input.humanize,
            bot_name: input.bot_name.clone(),
            bot_avatar_url: input.bot_avatar_url.clone(),
            session_duration_seconds: input.session_duration_seconds,
        }
    }
}

impl From<ConversationsForm> for ConversationSettings {
    fn from(form: ConversationsForm) -> Self {
        ConversationSettings {
            agent_typing_indicator: form.agent_typing_indicator,
            user_typing_indicator: form.user_typing_indicator,
            auto_start: form.auto_start,
            markdown: form.markdown,
            disconnect: form.disconnect,
            clear: form.clear,
            humanize: form.humanize,
            bot_name: form.bot_name,
            bot_avatar_url: form.bot_avatar_url,
            session_duration_seconds: form.session_duration_seconds,
        }
    }
}

/// The Knowledge app.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct KnowledgeForm {
    pub enabled: Option<bool>,
    pub knowledge_base: Option<String>,
}

impl From<&KnowledgeInput> for KnowledgeForm {
    fn from(input: &KnowledgeInput) -> Self {
        KnowledgeForm {
            enabled: input.enabled,
            knowledge_base: input.knowledge_base.clone(),
        }
    }
}

impl From<KnowledgeForm> for KnowledgeInput {
    fn from(form: KnowledgeForm) -> Self {
        KnowledgeInput {
            enabled: form.enabled,
            knowledge_base: form.knowledge_base,
        }
    }
}

/// Authenticated messaging.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AuthenticationForm {
    pub enabled: Option<bool>,
    pub integration: Option<String>,
    pub allow_session_upgrade: Option<bool>,
}

impl From<&AuthenticationInput> for AuthenticationForm {
    fn from(input: &AuthenticationInput) -> Self {
        AuthenticationForm {
            enabled: input.enabled,
            integration: input.integration.clone(),
            allow_session_upgrade: input.allow_session_upgrade,
        }
    }
}

impl From<AuthenticationForm> for AuthenticationInput {
    fn from(form: AuthenticationForm) -> Self {
        AuthenticationInput {
            enabled: form.enabled,
            integration: form.integration,
            allow_session_upgrade: form.allow_session_upgrade,
        }
    }
}

/// Cobrowse.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CobrowseForm {
    pub enabled: Option<bool>,
    pub allow_agent_control: Option<bool>,
    pub allow_agent_navigation: Option<bool>,
    pub allow_draw: Option<bool>,
    pub mask_selectors: Option<Vec<String>>,
    pub readonly_selectors: Option<Vec<String>>,
    pub channels: Option<Vec<String>>,
}

impl From<&CobrowseInput> for CobrowseForm {
    fn from(input: &CobrowseInput) -> Self {
        CobrowseForm {
            enabled: input.enabled,
            allow_agent_control: input.allow_agent_control,
            allow_agent_navigation: input.allow_agent_navigation,
            allow_draw: input.allow_draw,
            mask_selectors: input.mask_selectors.clone(),
            readonly_selectors: input.readonly_selectors.clone(),
            channels: input.channels.clone(),
        }
    }
}

impl From<CobrowseForm> for CobrowseInput {
    fn from(form: CobrowseForm) -> Self {
        CobrowseInput {
            enabled: form.enabled,
            allow_agent_control: form.allow_agent_control,
            allow_agent_navigation: form.allow_agent_navigation,
            allow_draw: form.allow_draw,
            mask_selectors: form.mask_selectors,
            readonly_selectors: form.readonly_selectors,
            channels: form.channels,
        }
    }
}

/// Journey events.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct JourneyForm {
    pub enabled: Option<bool>,
    pub pageview_config: Option<String>,
    pub excluded_query_parameters: Option<Vec<String>>,
}

impl From<&JourneyInput> for JourneyForm {
    fn from(input: &JourneyInput) -> Self {
        JourneyForm {
            enabled: input.enabled,
            pageview_config: input.pageview_config.clone(),
            excluded_query_parameters: input.excluded_query_parameters.clone(),
        }
    }
}

impl From<JourneyForm> for JourneyInput {
    fn from(form: JourneyForm) -> Self {
        JourneyInput {
            enabled: form.enabled,
            pageview_config: form.pageview_config,
            excluded_query_parameters: form.excluded_query_parameters,
        }
    }
}

/// The support center.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SupportCenterForm {
    pub enabled: Option<bool>,
    pub knowledge_base: Option<String>,
    pub router_type: Option<String>,
    pub feedback: Option<bool>,
}

impl From<&SupportCenterInput> for SupportCenterForm {
    fn from(input: &SupportCenterInput) -> Self {
        SupportCenterForm {
            enabled: input.enabled,
            knowledge_base: input.knowledge_base.clone(),
            router_type: input.router_type.clone(),
            feedback: input.feedback,
        }
    }
}

impl From<SupportCenterForm> for SupportCenterInput {
    fn from(form: SupportCenterForm) -> Self {
        SupportCenterInput {
            enabled: form.enabled,
            knowledge_base: form.knowledge_base,
            router_type: form.router_type,
            feedback: form.feedback,
        }
    }
}
