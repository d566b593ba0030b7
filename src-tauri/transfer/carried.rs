//! What an export file carries besides what the channel editor shows: the import plan
//! lists it so nothing reaches an org unseen (a hidden `authenticationSettings`, a
//! `supportedContent` profile, a field this version does not know at all).

use serde::Serialize;
use serde_json::Value;

use super::ChannelDocument;

/// One setting the file carries that the editor does not show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CarriedSetting {
    /// `configuration.` or `deployment.` then the JSON path, e.g.
    /// `configuration.authenticationSettings.enabled`.
    pub path: String,
    /// The value as compact JSON, cut at [`MAX_VALUE_CHARS`].
    pub value: String,
    /// No field of this name is known to this version of the app: it is sent as it is.
    pub unknown: bool,
}

/// Long values (a CSS blob, a big list) are cut so the plan stays readable.
pub const MAX_VALUE_CHARS: usize = 120;

/// Configuration paths the window's editor shows, each with the form control that shows
/// it (`ui/index.html`; a test keeps the two in step). Anything else a file sets is
/// listed in the import plan.
pub const EDITOR_FIELDS: &[(&str, &str)] = &[
    ("name", "f-name"),
    ("description", "f-description"),
    ("languages", "f-languages"),
    ("defaultLanguage", "f-default-language"),
    ("messenger.styles.primaryColor", "f-color"),
    ("messenger.launcherButton.visibility", "f-visibility"),
    ("messenger.launcherButton.displayType", "f-display"),
    ("messenger.homeScreen.enabled", "f-home"),
    ("messenger.homeScreen.logoUrl", "f-logo"),
    ("messenger.fileUpload.enableAttachments", "f-attachments"),
    ("messenger.fileUpload.modes[0].maxFileSizeKB", "f-max-size"),
    ("position.alignment", "f-position"),
    (
        "messenger.apps.conversations.showAgentTypingIndicator",
        "f-agent-typing",
    ),
    (
        "messenger.apps.conversations.showUserTypingIndicator",
        "f-user-typing",
    ),
    (
        "messenger.apps.conversations.autoStart.enabled",
        "f-auto-start",
    ),
    (
        "messenger.apps.conversations.markdown.enabled",
        "f-markdown",
    ),
    (
        "messenger.apps.conversations.conversationDisconnect",
        "f-disconnect",
    ),
    (
        "messenger.apps.conversations.conversationClear.enabled",
        "f-clear",
    ),
    (
        "messenger.apps.conversations.humanize.enabled",
        "f-humanize",
    ),
    (
        "messenger.apps.conversations.humanize.bot.name",
        "f-bot-name",
    ),
    (
        "messenger.apps.conversations.humanize.bot.avatarUrl",
        "f-bot-avatar",
    ),
    (
        "messenger.apps.conversations.sessionDurationSeconds",
        "f-session-duration",
    ),
    (
        "messenger.apps.conversations.notifications.enabled",
        "f-notifications",
    ),
    ("customI18nLabels", "f-label-language"),
    ("messenger.launcherButton.icon.url", "f-launcher-icon"),
    ("position.sideSpace", "f-side-space"),
    ("position.bottomSpace", "f-bottom-space"),
    ("headlessMode.enabled", "f-headless"),
    ("messenger.apps.knowledge.enabled", "f-knowledge"),
    (
        "messenger.apps.knowledge.knowledgeBase.id",
        "f-knowledge-base",
    ),
    ("supportCenter.enabled", "f-support-center"),
    ("supportCenter.knowledgeBase.id", "f-support-kb"),
    ("supportCenter.feedback.enabled", "f-support-feedback"),
    ("authenticationSettings.enabled", "f-auth"),
    ("authenticationSettings.integrationId", "f-auth-integration"),
    (
        "authenticationSettings.allowSessionUpgrade",
        "f-auth-upgrade",
    ),
    ("cobrowse.enabled", "f-cobrowse"),
    ("cobrowse.allowAgentControl", "f-cobrowse-control"),
    ("cobrowse.allowAgentNavigation", "f-cobrowse-navigation"),
    ("cobrowse.allowDraw", "f-cobrowse-draw"),
    ("cobrowse.maskSelectors", "f-cobrowse-mask"),
    ("journeyEvents.enabled", "f-journey"),
    ("journeyEvents.pageviewConfig", "f-pageview"),
    (
        "journeyEvents.trackingSettings.excludedQueryParameters",
        "f-journey-excluded",
    ),
];

/// Deployment fields the plan shows on their own (domains) or maps (configuration, flow).
const PLANNED_DEPLOYMENT: &[&str] = &[
    "name",
    "description",
    "allowAllDomains",
    "allowedDomains",
    "configuration",
    "flow",
];

/// Every setting of `document` outside the editor's fields and the plan's own, in
/// document order; fields the models do not know are marked.
pub fn carried_settings(document: &ChannelDocument) -> Vec<CarriedSetting> {
    let unknown = unknown_paths(document);
    let editor_paths: Vec<&str> = EDITOR_FIELDS.iter().map(|(path, _)| *path).collect();
    let mut settings = Vec::new();
    let sections = [
        (
            "configuration",
            serde_json::to_value(document.configuration.writable()),
            editor_paths.as_slice(),
        ),
        (
            "deployment",
            serde_json::to_value(document.deployment.writable()),
            PLANNED_DEPLOYMENT,
        ),
    ];
    for (section, value, shown) in sections {
        let Ok(value) = value else { continue };
        let mut leaves = Vec::new();
        leaves_of(&value, String::new(), &mut leaves);
        for (path, leaf) in leaves {
            if shown.iter().any(|root| is_under(&path, root)) {
                continue;
            }
            let full = format!("{section}.{path}");
            let is_unknown = unknown.iter().any(|root| is_under(&full, root));
            settings.push(CarriedSetting {
                path: full,
                value: shortened(&leaf),
                unknown: is_unknown,
            });
        }
    }
    settings
}

/// `path` is `root` itself or a field or item inside it.
fn is_under(path: &str, root: &str) -> bool {
    path.strip_prefix(root)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.') || rest.starts_with('['))
}

/// Objects are walked into; arrays of objects by index; anything else is a leaf (an
/// array of strings is one setting, not many).
fn leaves_of(value: &Value, path: String, leaves: &mut Vec<(String, Value)>) {
    let join = |key: &str| {
        if path.is_empty() {
            key.to_string()
        } else {
            format!("{path}.{key}")
        }
    };
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (key, inner) in map {
                leaves_of(inner, join(key), leaves);
            }
        }
        Value::Array(items) if items.iter().any(Value::is_object) => {
            for (index, item) in items.iter().enumerate() {
                leaves_of(item, format!("{path}[{index}]"), leaves);
            }
        }
        _ if path.is_empty() => {}
        other => leaves.push((path, other.clone())),
    }
}

fn shortened(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() <= MAX_VALUE_CHARS {
        return text;
    }
    let cut: String = text.chars().take(MAX_VALUE_CHARS - 1).collect();
    format!("{cut}…")
}

/// Paths of the fields the models kept in their `extra` maps: unknown to this version.
fn unknown_paths(document: &ChannelDocument) -> Vec<String> {
    let mut paths = Vec::new();
    let mut add = |prefix: &str, extra: &crate::genesys::models::Extra| {
        paths.extend(extra.keys().map(|key| format!("{prefix}.{key}")));
    };
    let configuration = &document.configuration;
    add("configuration", &configuration.extra);
    if let Some(messenger) = &configuration.messenger {
        add("configuration.messenger", &messenger.extra);
        if let Some(styles) = &messenger.styles {
            add("configuration.messenger.styles", &styles.extra);
        }
        if let Some(launcher) = &messenger.launcher_button {
            add("configuration.messenger.launcherButton", &launcher.extra);
        }
        if let Some(home) = &messenger.home_screen {
            add("configuration.messenger.homeScreen", &home.extra);
        }
        if let Some(upload) = &messenger.file_upload {
            add("configuration.messenger.fileUpload", &upload.extra);
        }
        if let Some(apps) = &messenger.apps {
            add("configuration.messenger.apps", &apps.extra);
        }
    }
    if let Some(position) = &configuration.position {
        add("configuration.position", &position.extra);
    }
    add("deployment", &document.deployment.extra);
    paths
}

#[cfg(test)]
mod tests {
    use super::*;

    fn document(configuration: Value, deployment: Value) -> ChannelDocument {
        serde_json::from_value(serde_json::json!({
            "schemaVersion": 1,
            "exportedAt": "2026-12-01T10:00:00.000Z",
            "source": {"environment": "eu-west-1"},
            "configuration": configuration,
            "deployment": deployment,
            "routing": {"queues": [], "flows": []}
        }))
        .unwrap()
    }

    #[test]
    fn hidden_and_unknown_settings_are_listed_and_editor_fields_are_not() {
        let document = document(
            serde_json::json!({
                "name": "Shop", "languages": ["en-us"], "version": "3",
                "messenger": {"enabled": true, "styles": {"primaryColor": "#1f5fa8"},
                              "launcherButton": {"visibility": "On", "icon": {"url": "https://cdn.example/i.png"}},
                              "fileUpload": {"enableAttachments": false},
                              "secretTheme": {"css": "x"}},
                "authenticationSettings": {"enabled": true, "integrationId": "abc"},
                "cobrowse": {"enabled": true, "allowAgentControl": true, "maskSelectors": ["#card"],
                             "readonlySelectors": ["#pin"]},
                "video": {"enabled": true},
                "futureSetting": 42
            }),
            serde_json::json!({
                "name": "Shop", "allowAllDomains": true, "allowedDomains": [],
                "status": "Active", "supportedContent": {"id": "s1"}, "hiddenToggle": "on"
            }),
        );
        let settings = carried_settings(&document);
        let listed: Vec<(&str, &str, bool)> = settings
            .iter()
            .map(|s| (s.path.as_str(), s.value.as_str(), s.unknown))
            .collect();
        for expected in [
            ("configuration.messenger.secretTheme.css", "\"x\"", true),
            ("configuration.video.enabled", "true", false),
            (
                "configuration.cobrowse.readonlySelectors",
                "[\"#pin\"]",
                false,
            ),
            ("configuration.futureSetting", "42", true),
            ("deployment.supportedContent.id", "\"s1\"", false),
            ("deployment.hiddenToggle", "\"on\"", true),
        ] {
            assert!(
                listed.contains(&expected),
                "{expected:?} missing from {listed:#?}"
            );
        }
        for shown in [
            "name",
            "languages",
            "primaryColor",
            "visibility",
            "enableAttachments",
            "allowAllDomains",
            "status",
            "version",
            "icon.url",
            "integrationId",
            "maskSelectors",
            "allowAgentControl",
        ] {
            assert!(
                !listed.iter().any(|(path, _, _)| path.ends_with(shown)),
                "{shown} is shown elsewhere or set by the server: {listed:#?}"
            );
        }
    }

    #[test]
    fn long_values_are_cut() {
        let long = "x".repeat(500);
        let document = document(
            serde_json::json!({"name": "Shop", "headlessMode": {"note": long}}),
            serde_json::json!({"name": "Shop"}),
        );
        let settings = carried_settings(&document);
        assert_eq!(settings.len(), 1);
        assert_eq!(settings[0].value.chars().count(), MAX_VALUE_CHARS);
        assert!(settings[0].value.ends_with('…'));
    }

    #[test]
    fn the_conversations_app_switch_and_other_upload_modes_are_listed_labels_are_not() {
        let document = document(
            serde_json::json!({
                "name": "Shop", "languages": ["en-us"],
                "customI18nLabels": [{"language": "en-us", "localizedLabels": [{"key": "MessengerHomeHeaderTitle", "value": "Hi"}]}],
                "messenger": {"styles": {"primaryColor": "#1f5fa8"},
                              "apps": {"conversations": {"enabled": true, "showAgentTypingIndicator": false,
                                                         "notifications": {"enabled": false}}},
                              "fileUpload": {"enableAttachments": true, "modes": [
                                  {"fileTypes": ["image/png"], "maxFileSizeKB": 100},
                                  {"fileTypes": ["application/pdf"], "maxFileSizeKB": 200}]}}
            }),
            serde_json::json!({"name": "Shop"}),
        );
        let paths: Vec<String> = carried_settings(&document)
            .into_iter()
            .map(|s| s.path)
            .collect();
        for expected in [
            "configuration.messenger.apps.conversations.enabled",
            "configuration.messenger.fileUpload.modes[0].fileTypes",
            "configuration.messenger.fileUpload.modes[1].maxFileSizeKB",
        ] {
            assert!(
                paths.iter().any(|p| p == expected),
                "{expected}: {paths:#?}"
            );
        }
        for shown in [
            "configuration.customI18nLabels[0].localizedLabels[0].value",
            "configuration.messenger.apps.conversations.notifications.enabled",
            "configuration.messenger.fileUpload.modes[0].maxFileSizeKB",
            "configuration.messenger.apps.conversations.showAgentTypingIndicator",
        ] {
            assert!(!paths.iter().any(|p| p == shown), "{shown}: {paths:#?}");
        }
    }
}
