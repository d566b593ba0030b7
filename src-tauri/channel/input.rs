//! What an admin gives to create a channel (CLI flags, the editor, a JSON file), and
//! its translation into the API's models.

use serde::Deserialize;

use crate::genesys::models::{
    BotSettings, ConversationAppSettings, ConversationDisconnectSettings, CustomI18nLabels,
    DeploymentConfigurationRef, DeploymentFlowRef, EntityRef, FileUploadMode, FileUploadSettings,
    HomeScreenSettings, HumanizeSettings, IconSettings, LabelKey, LauncherButtonSettings,
    LauncherDisplayType, LauncherVisibility, MessengerApps, MessengerSettings, MessengerStyles,
    NotificationsSettings, PositionAlignment, PositionSettings, Toggle, WebDeployment,
    WebDeploymentConfigurationVersion,
};
use crate::validate::{check_configuration, check_deployment, CheckReport};

use super::settings::{
    complete_support_center, headless_settings, labels_to_api, AuthenticationInput, CobrowseInput,
    JourneyInput, KnowledgeInput, Labels, SupportCenterInput,
};

/// A channel as the admin describes it. Queue and flows are names or ids.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ChannelInput {
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
    /// `On`, `Off`, `OnDemand`.
    pub launcher_visibility: Option<String>,
    /// `IconAndText`, `Icon`, `Text`.
    pub launcher_display_type: Option<String>,
    /// `Auto`, `Left`, `Right`.
    pub position: Option<String>,
    pub home_screen: Option<bool>,
    pub logo_url: Option<String>,
    pub attachments: Option<bool>,
    pub attachment_types: Vec<String>,
    pub max_file_size_kb: Option<i64>,
    pub notifications: Option<bool>,
    pub notification_title: Option<String>,
    pub notification_body: Option<String>,
    /// The Conversations app: `None` leaves each as Messenger's default.
    pub conversations: ConversationSettings,
    /// Custom labels per language (`MessengerHomeHeaderTitle`, …): language → key → text.
    pub labels: Labels,
    /// The launcher button's own icon.
    pub launcher_icon_url: Option<String>,
    /// Pixels between the Messenger and the page's side and bottom edges.
    pub side_space: Option<i64>,
    pub bottom_space: Option<i64>,
    pub knowledge: KnowledgeInput,
    /// No Messenger UI: the page draws its own through the Messenger SDK.
    pub headless: Option<bool>,
    pub authentication: AuthenticationInput,
    pub cobrowse: CobrowseInput,
    pub journey_events: JourneyInput,
    pub support_center: SupportCenterInput,
    /// The deployment's supported content profile (what visitors may upload), by id.
    pub supported_content: Option<String>,
}

/// The Messenger's Conversations app as the editor shows it.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ConversationSettings {
    /// Visitors see when an agent is typing (on unless turned off).
    pub agent_typing_indicator: Option<bool>,
    /// Agents see when the visitor is typing (on unless turned off).
    pub user_typing_indicator: Option<bool>,
    /// The flow starts as soon as the Messenger opens, before the visitor writes.
    pub auto_start: Option<bool>,
    /// Messages may carry Markdown.
    pub markdown: Option<bool>,
    /// What the visitor sees when the conversation ends: `Off` (nothing), `Send` (the
    /// visitor may write again) or `ReadOnly` (the conversation closes).
    pub disconnect: Option<String>,
    /// The visitor may clear the conversation's history.
    pub clear: Option<bool>,
    /// Bot messages show a name and avatar.
    pub humanize: Option<bool>,
    pub bot_name: Option<String>,
    pub bot_avatar_url: Option<String>,
    /// How long a conversation lasts after the last message.
    pub session_duration_seconds: Option<i64>,
}

/// The choices of [`ConversationSettings::disconnect`].
pub const DISCONNECT_CHOICES: &[&str] = &["Off", "Send", "ReadOnly"];

impl ConversationSettings {
    fn app(&self, notifications: Option<NotificationsSettings>) -> ConversationAppSettings {
        let toggle = |enabled: Option<bool>| {
            enabled.map(|enabled| Toggle {
                enabled: Some(enabled),
                ..Default::default()
            })
        };
        ConversationAppSettings {
            enabled: Some(true),
            show_agent_typing_indicator: Some(self.agent_typing_indicator.unwrap_or(true)),
            show_user_typing_indicator: Some(self.user_typing_indicator.unwrap_or(true)),
            auto_start: toggle(self.auto_start),
            markdown: toggle(self.markdown),
            conversation_disconnect: self.disconnect.as_deref().map(|choice| {
                ConversationDisconnectSettings {
                    enabled: Some(choice != "Off"),
                    kind: (choice != "Off").then(|| choice.to_string()),
                    ..Default::default()
                }
            }),
            conversation_clear: toggle(self.clear),
            humanize: self.humanize.map(|enabled| HumanizeSettings {
                enabled: Some(enabled),
                bot: (enabled && (self.bot_name.is_some() || self.bot_avatar_url.is_some())).then(
                    || BotSettings {
                        name: self.bot_name.clone(),
                        avatar_url: self.bot_avatar_url.clone(),
                        ..Default::default()
                    },
                ),
                ..Default::default()
            }),
            notifications,
            session_duration_seconds: self.session_duration_seconds,
            ..Default::default()
        }
    }

    /// The settings as a configuration's Conversations app has them.
    pub fn from_app(app: Option<&ConversationAppSettings>) -> ConversationSettings {
        let Some(app) = app else {
            return ConversationSettings::default();
        };
        let enabled = |toggle: &Option<Toggle>| toggle.as_ref().and_then(|t| t.enabled);
        let bot = app.humanize.as_ref().and_then(|h| h.bot.as_ref());
        ConversationSettings {
            agent_typing_indicator: app.show_agent_typing_indicator,
            user_typing_indicator: app.show_user_typing_indicator,
            auto_start: enabled(&app.auto_start),
            markdown: enabled(&app.markdown),
            disconnect: app.conversation_disconnect.as_ref().map(|d| {
                match (d.enabled, d.kind.as_deref()) {
                    (Some(true), Some(kind)) => kind.to_string(),
                    (Some(true), None) => "Send".to_string(),
                    _ => "Off".to_string(),
                }
            }),
            clear: enabled(&app.conversation_clear),
            humanize: app.humanize.as_ref().and_then(|h| h.enabled),
            bot_name: bot.and_then(|b| b.name.clone()),
            bot_avatar_url: bot.and_then(|b| b.avatar_url.clone()),
            session_duration_seconds: app.session_duration_seconds,
        }
    }
}

impl ChannelInput {
    /// The configuration draft this input describes, with what a switched-on block
    /// requires and the form does not draw filled in (see [`complete_support_center`]).
    pub fn configuration(&self) -> WebDeploymentConfigurationVersion {
        let mut configuration = self.described();
        complete_support_center(&mut configuration);
        configuration
    }

    /// Exactly what the form says, nothing filled in: what an edit compares.
    pub fn described(&self) -> WebDeploymentConfigurationVersion {
        let default_language = self
            .default_language
            .clone()
            .or_else(|| self.languages.first().cloned());
        let attachments = self.attachments.unwrap_or(false);
        let notifications = self.notifications.unwrap_or(false);
        let mut labels = self.labels.clone();
        if notifications {
            for language in &self.languages {
                let keyed = labels.entry(language.clone()).or_default();
                for (key, value) in [
                    (LabelKey::PushNotificationTitle, &self.notification_title),
                    (LabelKey::PushNotificationBody, &self.notification_body),
                ] {
                    if let Some(value) = value {
                        keyed.insert(key.to_string(), value.clone());
                    }
                }
            }
        }
        let labels: Vec<CustomI18nLabels> = labels_to_api(&labels, &self.languages);
        WebDeploymentConfigurationVersion {
            name: self.name.clone(),
            description: self.description.clone(),
            languages: Some(self.languages.clone()),
            default_language,
            custom_i18n_labels: (!labels.is_empty()).then_some(labels),
            messenger: Some(MessengerSettings {
                enabled: Some(true),
                styles: Some(MessengerStyles {
                    primary_color: Some(self.primary_color.clone()),
                    ..Default::default()
                }),
                launcher_button: Some(LauncherButtonSettings {
                    visibility: Some(
                        self.launcher_visibility
                            .as_deref()
                            .map_or(LauncherVisibility::On, LauncherVisibility::from),
                    ),
                    display_type: self
                        .launcher_display_type
                        .as_deref()
                        .map(LauncherDisplayType::from),
                    icon: self.launcher_icon_url.clone().map(|url| IconSettings {
                        url: Some(url),
                        ..Default::default()
                    }),
                    ..Default::default()
                }),
                home_screen: Some(HomeScreenSettings {
                    enabled: Some(self.home_screen.unwrap_or(true)),
                    logo_url: self.logo_url.clone(),
                    ..Default::default()
                }),
                file_upload: Some(FileUploadSettings {
                    enable_attachments: Some(attachments),
                    modes: attachments.then(|| {
                        vec![FileUploadMode {
                            file_types: Some(if self.attachment_types.is_empty() {
                                vec!["image/png".into(), "image/jpeg".into(), "image/gif".into()]
                            } else {
                                self.attachment_types.clone()
                            }),
                            max_file_size_kb: Some(self.max_file_size_kb.unwrap_or(10_240)),
                            ..Default::default()
                        }]
                    }),
                    ..Default::default()
                }),
                apps: Some(MessengerApps {
                    conversations: Some(self.conversations.app(notifications.then(|| {
                        NotificationsSettings {
                            enabled: Some(true),
                            notification_content_type: Some("IncludeMessagesContent".into()),
                            ..Default::default()
                        }
                    }))),
                    knowledge: self.knowledge.app(),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            position: (self.position.is_some()
                || self.side_space.is_some()
                || self.bottom_space.is_some())
            .then(|| PositionSettings {
                alignment: self.position.as_deref().map(PositionAlignment::from),
                side_space: self.side_space,
                bottom_space: self.bottom_space,
                ..Default::default()
            }),
            headless_mode: headless_settings(self.headless),
            authentication_settings: self.authentication.settings(),
            cobrowse: self.cobrowse.settings(),
            journey_events: self.journey_events.settings(),
            support_center: self.support_center.settings(),
            ..Default::default()
        }
    }

    /// The deployment this input describes, before its configuration and flow ids are known.
    pub fn deployment(&self) -> WebDeployment {
        WebDeployment {
            name: self.name.clone(),
            description: self.description.clone(),
            allow_all_domains: Some(self.allow_all_domains),
            allowed_domains: (!self.allow_all_domains || !self.domains.is_empty())
                .then(|| self.domains.clone()),
            configuration: Some(DeploymentConfigurationRef::default()),
            flow: Some(DeploymentFlowRef::default()),
            supported_content: self.supported_content.clone().map(EntityRef::id),
            ..Default::default()
        }
    }

    /// Every problem at once, with warnings and the contrast check: what the editor and
    /// `channel validate` show, from the same rules [`ChannelInput::parse`] applies.
    pub fn report(&self) -> CheckReport {
        self.checked().0
    }

    /// The channel, once every local check passes; otherwise every problem.
    pub fn parse(&self) -> Result<ValidChannel, CheckReport> {
        let (report, configuration, deployment) = self.checked();
        if !report.is_valid() {
            return Err(report);
        }
        Ok(ValidChannel {
            configuration,
            deployment,
            queue: self.queue.trim().to_string(),
            flow: self.flow.trim().to_string(),
            fallback_flow: self
                .fallback_flow
                .as_deref()
                .map(str::trim)
                .filter(|flow| !flow.is_empty())
                .map(str::to_string),
            report,
        })
    }

    /// All local checks at once, including the input's own (queue and flow given).
    fn checked(
        &self,
    ) -> (
        CheckReport,
        WebDeploymentConfigurationVersion,
        WebDeployment,
    ) {
        let mut configuration = self.configuration();
        let mut deployment = self.deployment();
        let mut report = CheckReport::default();
        if self.primary_color.trim().is_empty() {
            report.errors.push(
                "messenger.styles.primaryColor",
                "is required; use #RRGGBB, for example #1f5fa8",
            );
        }
        let mut configuration_report = check_configuration(&mut configuration);
        if self.primary_color.trim().is_empty() {
            configuration_report
                .errors
                .0
                .retain(|e| e.field != "messenger.styles.primaryColor");
        }
        report.merge(configuration_report);
        report.merge(check_deployment(&mut deployment));
        for (field, value) in [("queue", &self.queue), ("flow", &self.flow)] {
            if value.trim().is_empty() {
                report
                    .errors
                    .push(field, "is required; give a name or an id");
            }
        }
        for (field, value) in [
            (
                "messenger.launcherButton.visibility",
                self.launcher_visibility
                    .as_deref()
                    .map(|v| (v, LauncherVisibility::KNOWN)),
            ),
            (
                "messenger.launcherButton.displayType",
                self.launcher_display_type
                    .as_deref()
                    .map(|v| (v, LauncherDisplayType::KNOWN)),
            ),
            (
                "position.alignment",
                self.position
                    .as_deref()
                    .map(|v| (v, PositionAlignment::KNOWN)),
            ),
            (
                "messenger.apps.conversations.conversationDisconnect.type",
                self.conversations
                    .disconnect
                    .as_deref()
                    .map(|v| (v, DISCONNECT_CHOICES)),
            ),
        ] {
            if let Some((value, known)) = value {
                if !known.contains(&value) && !report.errors.fields().contains(&field) {
                    report.errors.push(
                        field,
                        format!("`{value}` is not one of {}", known.join(", ")),
                    );
                }
            }
        }
        (report, configuration, deployment)
    }
}

/// A channel that passed every local check: its models as they will be written
/// (normalised), the routing it names, and what the check warned about. Only
/// [`ChannelInput::parse`] makes one, so whatever holds one holds a checked channel.
#[derive(Debug, Clone)]
pub struct ValidChannel {
    configuration: WebDeploymentConfigurationVersion,
    deployment: WebDeployment,
    queue: String,
    flow: String,
    fallback_flow: Option<String>,
    report: CheckReport,
}

impl ValidChannel {
    pub fn configuration(&self) -> &WebDeploymentConfigurationVersion {
        &self.configuration
    }

    pub fn deployment(&self) -> &WebDeployment {
        &self.deployment
    }

    /// The primary queue, by name or id.
    pub fn queue(&self) -> &str {
        &self.queue
    }

    /// The inbound message flow, by name or id.
    pub fn flow(&self) -> &str {
        &self.flow
    }

    pub fn fallback_flow(&self) -> Option<&str> {
        self.fallback_flow.as_deref()
    }

    pub fn warnings(&self) -> &[String] {
        &self.report.warnings
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> ChannelInput {
        ChannelInput {
            name: "Support site".into(),
            queue: "Support".into(),
            flow: "Web Messaging Inbound".into(),
            primary_color: "#1f5fa8".into(),
            languages: vec!["en-us".into()],
            domains: vec!["www.example.com".into()],
            ..Default::default()
        }
    }

    #[test]
    fn a_complete_input_checks_clean_and_defaults_the_language() {
        let valid = input().parse().unwrap();
        assert!(valid.warnings().is_empty());
        assert_eq!(
            valid.configuration().default_language.as_deref(),
            Some("en-us")
        );
        assert_eq!(
            valid.deployment().allowed_domains.as_deref().unwrap(),
            ["www.example.com"]
        );
    }

    #[test]
    fn missing_and_bad_flags_are_all_named() {
        let bad = ChannelInput {
            name: String::new(),
            queue: String::new(),
            primary_color: "#12".into(),
            languages: vec!["en-us".into()],
            default_language: Some("fr".into()),
            launcher_visibility: Some("Maybe".into()),
            ..input()
        };
        let report = bad.parse().unwrap_err();
        assert_eq!(
            report.errors.fields(),
            [
                "name",
                "defaultLanguage",
                "messenger.styles.primaryColor",
                "deployment.name",
                "queue",
                "messenger.launcherButton.visibility"
            ]
        );
    }

    #[test]
    fn notifications_on_without_labels_are_refused() {
        let report = ChannelInput {
            notifications: Some(true),
            ..input()
        }
        .report();
        assert_eq!(
            report.errors.fields(),
            ["customI18nLabels", "customI18nLabels"]
        );
        let with_labels = ChannelInput {
            notifications: Some(true),
            notification_title: Some("New reply".into()),
            notification_body: Some("Tap to read".into()),
            ..input()
        };
        assert!(with_labels.parse().is_ok());
    }
}
