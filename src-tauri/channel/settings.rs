//! The editor's groups beyond appearance and conversations: per-language labels, the
//! Knowledge app, headless mode, authentication, cobrowse, journey events and the support
//! center. Each group reads from a configuration and writes back only what it holds:
//! `None` means "as the org has it", so a group the user never touched adds nothing to
//! an edit (see [`super::patch`]).

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{json, Value};

use crate::genesys::models::{
    AuthenticationSettings, CobrowseSettings, CustomI18nLabels, EntityRef, HeadlessModeSettings,
    JourneyEventsSettings, KnowledgeAppSettings, LabelKey, LocalizedLabel, SupportCenterSettings,
    Toggle, WebDeploymentConfigurationVersion,
};

/// Custom labels: language → label key → text.
pub type Labels = BTreeMap<String, BTreeMap<String, String>>;

/// The labels a configuration carries, by language and key.
pub fn labels_of(labels: Option<&[CustomI18nLabels]>) -> Labels {
    let mut out = Labels::new();
    for set in labels.unwrap_or_default() {
        let Some(language) = &set.language else {
            continue;
        };
        let keyed = out.entry(language.clone()).or_default();
        for label in set.localized_labels.as_deref().unwrap_or_default() {
            if let (Some(key), Some(value)) = (&label.key, &label.value) {
                keyed.insert(key.to_string(), value.clone());
            }
        }
    }
    out
}

/// `customI18nLabels` as the API takes them: languages in the channel's order first.
pub fn labels_to_api(labels: &Labels, languages: &[String]) -> Vec<CustomI18nLabels> {
    let ordered = languages
        .iter()
        .filter(|language| labels.contains_key(*language))
        .chain(
            labels
                .keys()
                .filter(|language| !languages.contains(language)),
        );
    ordered
        .filter_map(|language| {
            let keyed = labels.get(language)?;
            let localized: Vec<LocalizedLabel> = keyed
                .iter()
                .filter(|(_, value)| !value.is_empty())
                .map(|(key, value)| LocalizedLabel {
                    key: Some(LabelKey::from(key.as_str())),
                    value: Some(value.clone()),
                    ..Default::default()
                })
                .collect();
            (!localized.is_empty()).then(|| CustomI18nLabels {
                language: Some(language.clone()),
                localized_labels: Some(localized),
                ..Default::default()
            })
        })
        .collect()
}

/// The Messenger's Knowledge app: articles searched from the Messenger.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct KnowledgeInput {
    pub enabled: Option<bool>,
    /// The knowledge base's id (the editor picks it by name).
    pub knowledge_base: Option<String>,
}

impl KnowledgeInput {
    pub fn from_app(app: Option<&KnowledgeAppSettings>) -> KnowledgeInput {
        KnowledgeInput {
            enabled: app.and_then(|a| a.enabled),
            knowledge_base: app
                .and_then(|a| a.knowledge_base.as_ref())
                .and_then(|k| k.id.clone()),
        }
    }

    pub fn app(&self) -> Option<KnowledgeAppSettings> {
        (self.enabled.is_some() || self.knowledge_base.is_some()).then(|| KnowledgeAppSettings {
            enabled: self.enabled,
            knowledge_base: self.knowledge_base.clone().map(EntityRef::id),
            ..Default::default()
        })
    }
}

/// Authenticated messaging: visitors sign in through a login integration.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AuthenticationInput {
    pub enabled: Option<bool>,
    /// The login integration's id (the editor picks it by name).
    pub integration: Option<String>,
    /// A visitor who signs in mid-conversation keeps the conversation.
    pub allow_session_upgrade: Option<bool>,
}

impl AuthenticationInput {
    pub fn from_settings(settings: Option<&AuthenticationSettings>) -> AuthenticationInput {
        AuthenticationInput {
            enabled: settings.and_then(|s| s.enabled),
            integration: settings.and_then(|s| s.integration_id.clone()),
            allow_session_upgrade: settings.and_then(|s| s.allow_session_upgrade),
        }
    }

    /// The block, once it names an integration or is switched on (both are required
    /// whenever the block is sent, so a half-filled block is refused by the check).
    pub fn settings(&self) -> Option<AuthenticationSettings> {
        (self.enabled == Some(true) || self.integration.is_some()).then(|| AuthenticationSettings {
            enabled: self.enabled,
            integration_id: self.integration.clone(),
            allow_session_upgrade: self.allow_session_upgrade,
            ..Default::default()
        })
    }
}

/// Cobrowse: agents see (and may steer) the visitor's page.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CobrowseInput {
    pub enabled: Option<bool>,
    pub allow_agent_control: Option<bool>,
    pub allow_agent_navigation: Option<bool>,
    pub allow_draw: Option<bool>,
    /// CSS selectors of what agents never see.
    pub mask_selectors: Option<Vec<String>>,
    /// CSS selectors agents see but may not change.
    pub readonly_selectors: Option<Vec<String>>,
    /// `Webmessaging`, `Voice`.
    pub channels: Option<Vec<String>>,
}

impl CobrowseInput {
    pub fn from_settings(settings: Option<&CobrowseSettings>) -> CobrowseInput {
        let Some(settings) = settings else {
            return CobrowseInput::default();
        };
        CobrowseInput {
            enabled: settings.enabled,
            allow_agent_control: settings.allow_agent_control,
            allow_agent_navigation: settings.allow_agent_navigation,
            allow_draw: settings.allow_draw,
            mask_selectors: settings.mask_selectors.clone(),
            readonly_selectors: settings.readonly_selectors.clone(),
            channels: settings.channels.clone(),
        }
    }

    pub fn settings(&self) -> Option<CobrowseSettings> {
        (*self != CobrowseInput::default()).then(|| CobrowseSettings {
            enabled: self.enabled,
            allow_agent_control: self.allow_agent_control,
            allow_agent_navigation: self.allow_agent_navigation,
            allow_draw: self.allow_draw,
            mask_selectors: self.mask_selectors.clone(),
            readonly_selectors: self.readonly_selectors.clone(),
            channels: self.channels.clone(),
            ..Default::default()
        })
    }
}

/// Journey events: page views and clicks sent to Predictive Engagement.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct JourneyInput {
    pub enabled: Option<bool>,
    /// `Auto` (every page), `Once` (the first page), `Off`.
    pub pageview_config: Option<String>,
    /// Query parameters left out of tracked URLs (`trackingSettings`; the deprecated
    /// top-level copy is carried as the org has it).
    pub excluded_query_parameters: Option<Vec<String>>,
}

impl JourneyInput {
    pub fn from_settings(settings: Option<&JourneyEventsSettings>) -> JourneyInput {
        let Some(settings) = settings else {
            return JourneyInput::default();
        };
        JourneyInput {
            enabled: settings.enabled,
            pageview_config: settings.pageview_config.clone(),
            excluded_query_parameters: settings
                .tracking_settings
                .as_ref()
                .and_then(|t| t.get("excludedQueryParameters"))
                .and_then(|v| serde_json::from_value(v.clone()).ok()),
        }
    }

    pub fn settings(&self) -> Option<JourneyEventsSettings> {
        (*self != JourneyInput::default()).then(|| JourneyEventsSettings {
            enabled: self.enabled,
            pageview_config: self.pageview_config.clone(),
            tracking_settings: self
                .excluded_query_parameters
                .as_ref()
                .map(|excluded| json!({"excludedQueryParameters": excluded})),
            ..Default::default()
        })
    }
}

/// The support center: a knowledge portal inside the Messenger.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SupportCenterInput {
    pub enabled: Option<bool>,
    pub knowledge_base: Option<String>,
    /// `Hash` or `Browser` page addresses.
    pub router_type: Option<String>,
    /// Visitors may rate articles.
    pub feedback: Option<bool>,
}

impl SupportCenterInput {
    pub fn from_settings(settings: Option<&SupportCenterSettings>) -> SupportCenterInput {
        let Some(settings) = settings else {
            return SupportCenterInput::default();
        };
        SupportCenterInput {
            enabled: settings.enabled,
            knowledge_base: settings.knowledge_base.as_ref().and_then(|k| k.id.clone()),
            router_type: settings.router_type.clone(),
            feedback: settings.feedback.as_ref().and_then(|f| f.enabled),
        }
    }

    pub fn settings(&self) -> Option<SupportCenterSettings> {
        (*self != SupportCenterInput::default()).then(|| SupportCenterSettings {
            enabled: self.enabled,
            knowledge_base: self.knowledge_base.clone().map(EntityRef::id),
            router_type: self.router_type.clone(),
            feedback: self.feedback.map(|enabled| Toggle {
                enabled: Some(enabled),
                ..Default::default()
            }),
            ..Default::default()
        })
    }
}

pub fn headless_of(settings: Option<&HeadlessModeSettings>) -> Option<bool> {
    settings.and_then(|h| h.enabled)
}

pub fn headless_settings(enabled: Option<bool>) -> Option<HeadlessModeSettings> {
    enabled.map(|enabled| HeadlessModeSettings {
        enabled: Some(enabled),
        ..Default::default()
    })
}

/// A support center switched on needs its screens, categories and styles, which the
/// editor does not draw: Messenger's defaults are filled in where the configuration has
/// none, and nothing the configuration has is replaced.
pub fn complete_support_center(configuration: &mut WebDeploymentConfigurationVersion) {
    let primary = configuration
        .messenger
        .as_ref()
        .and_then(|m| m.styles.as_ref())
        .and_then(|s| s.primary_color.clone())
        .filter(|colour| colour.len() == 7)
        .unwrap_or_else(|| "#1f5fa8".into());
    let Some(center) = configuration.support_center.as_mut() else {
        return;
    };
    if center.enabled != Some(true) {
        return;
    }
    if center.screens.is_none() {
        let screen = |kind: &str, modules: &[&str]| {
            let modules: Vec<Value> = modules
                .iter()
                .map(|module| json!({"type": module, "enabled": true}))
                .collect();
            json!({"type": kind, "moduleSettings": modules})
        };
        center.screens = Some(vec![
            screen("Home", &["Search", "Categories", "TopViewedArticles"]),
            screen("Category", &["Search", "Categories"]),
            screen("SearchResults", &["Search", "Results"]),
            screen("Article", &["Search", "Article"]),
        ]);
    }
    if center.enabled_categories.is_none() {
        center.enabled_categories = Some(Vec::new());
    }
    if center.style_setting.is_none() {
        center.style_setting = Some(json!({
            "heroStyle": {"backgroundColor": primary, "textColor": "#ffffff"},
            "globalStyle": {
                "backgroundColor": "#ffffff", "primaryColor": primary,
                "primaryColorDark": primary, "primaryColorLight": primary,
                "textColor": "#000000", "fontFamily": "Roboto",
            },
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_read_back_as_written_in_the_channels_language_order() {
        let mut labels = Labels::new();
        labels
            .entry("fr".into())
            .or_default()
            .insert("MessengerHomeHeaderTitle".into(), "Bonjour".into());
        labels
            .entry("en-us".into())
            .or_default()
            .insert("MessengerHomeHeaderTitle".into(), "Hello".into());
        let api = labels_to_api(&labels, &["en-us".into(), "fr".into()]);
        assert_eq!(api[0].language.as_deref(), Some("en-us"));
        assert_eq!(labels_of(Some(&api)), labels);
    }

    #[test]
    fn an_empty_label_is_left_out_and_an_empty_language_with_it() {
        let mut labels = Labels::new();
        labels
            .entry("fr".into())
            .or_default()
            .insert("MessengerHomeHeaderTitle".into(), String::new());
        assert!(labels_to_api(&labels, &["fr".into()]).is_empty());
    }

    #[test]
    fn untouched_groups_write_nothing() {
        assert!(CobrowseInput::default().settings().is_none());
        assert!(JourneyInput::default().settings().is_none());
        assert!(SupportCenterInput::default().settings().is_none());
        assert!(KnowledgeInput::default().app().is_none());
        assert!(AuthenticationInput::default().settings().is_none());
        assert!(AuthenticationInput {
            enabled: Some(false),
            ..Default::default()
        }
        .settings()
        .is_none());
    }

    #[test]
    fn a_new_support_center_gets_messengers_defaults_and_keeps_what_it_has() {
        let mut configuration = WebDeploymentConfigurationVersion {
            support_center: SupportCenterInput {
                enabled: Some(true),
                knowledge_base: Some("kb".into()),
                ..Default::default()
            }
            .settings(),
            ..Default::default()
        };
        complete_support_center(&mut configuration);
        let center = configuration.support_center.clone().unwrap();
        assert_eq!(center.screens.as_ref().unwrap().len(), 4);
        let report = crate::validate::check_configuration(&mut configuration);
        assert!(
            !report
                .errors
                .fields()
                .iter()
                .any(|f| f.starts_with("supportCenter")),
            "{:?}",
            report.errors
        );
        let mut kept = configuration.clone();
        kept.support_center.as_mut().unwrap().screens = Some(vec![json!({"type": "Home"})]);
        complete_support_center(&mut kept);
        assert_eq!(kept.support_center.unwrap().screens.unwrap().len(), 1);
    }
}
