//! The documented traps of a Messenger configuration: settings that are each valid but
//! together do not do what an admin expects. Shown beside the fields and by `channel
//! validate` and `channel edit`; a lint never blocks a save (what Genesys refuses is an
//! error of [`super::check_configuration`] instead).

use serde::Serialize;

use crate::genesys::models::{
    ConversationAppSettings, WebDeployment, WebDeploymentConfigurationVersion,
};

const MESSENGER_HELP: &str = "https://help.mypurecloud.com/articles/configure-messenger/";
const MESSAGING_SERVICE_HELP: &str = "https://developer.genesys.cloud/commdigital/digital/webmessaging/messengersdk/SDKCommandsEvents/messagingServicePlugin";
const DEPLOYMENT_HELP: &str = "https://help.mypurecloud.com/articles/deploy-messenger/";

/// One trap: the field it is about, why it matters, and where Genesys documents it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Lint {
    pub field: String,
    pub why: String,
    pub help: &'static str,
}

impl std::fmt::Display for Lint {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "{}: {} ({})", self.field, self.why, self.help)
    }
}

/// Every trap `configuration` (and, when known, its deployment) walks into. A
/// production profile adds the traps that only matter there.
pub fn lint_channel(
    configuration: &WebDeploymentConfigurationVersion,
    deployment: Option<&WebDeployment>,
    production: bool,
) -> Vec<Lint> {
    let mut lints = Vec::new();
    let mut lint = |field: &str, why: &str, help: &'static str| {
        lints.push(Lint {
            field: field.to_string(),
            why: why.to_string(),
            help,
        })
    };
    let messenger = configuration.messenger.as_ref();
    let conversations = messenger
        .and_then(|m| m.apps.as_ref())
        .and_then(|a| a.conversations.as_ref());
    if let Some(conversations) = conversations.filter(|c| c.enabled != Some(false)) {
        conversation_lints(conversations, &mut lint);
    }
    if configuration.extra.contains_key("sessionPersistenceType") {
        lint(
            "sessionPersistenceType",
            "is deprecated: Messenger ignores it; how long a conversation lasts is messenger.apps.conversations.sessionDurationSeconds",
            MESSENGER_HELP,
        );
    }
    let attachments = messenger
        .and_then(|m| m.file_upload.as_ref())
        .and_then(|u| u.enable_attachments)
        .unwrap_or(false);
    if let Some(deployment) = deployment {
        if attachments && deployment.supported_content.is_none() {
            lint(
                "deployment.supportedContent",
                "attachments are on but the deployment names no supported content profile, so visitors cannot upload anything",
                DEPLOYMENT_HELP,
            );
        }
        if production && deployment.allow_all_domains == Some(true) {
            lint(
                "deployment.allowAllDomains",
                "any website may load this production channel; list the allowed domains instead",
                DEPLOYMENT_HELP,
            );
        }
    }
    lints
}

fn conversation_lints(
    conversations: &ConversationAppSettings,
    lint: &mut impl FnMut(&str, &str, &'static str),
) {
    const APPS: &str = "messenger.apps.conversations";
    let disconnect = conversations.conversation_disconnect.as_ref();
    match disconnect.filter(|d| d.enabled == Some(true)) {
        None => lint(
            &format!("{APPS}.conversationDisconnect.enabled"),
            "is off: when an agent or flow ends the conversation the page never gets the conversation-disconnected event, and resetConversation is refused",
            MESSAGING_SERVICE_HELP,
        ),
        Some(disconnect) if disconnect.kind.as_deref() != Some("ReadOnly") => lint(
            &format!("{APPS}.conversationDisconnect.type"),
            "is not ReadOnly: MessagingService.resetConversation only works when a disconnected conversation turns read-only",
            MESSAGING_SERVICE_HELP,
        ),
        Some(_) => {}
    }
    if conversations
        .conversation_clear
        .as_ref()
        .and_then(|t| t.enabled)
        != Some(true)
    {
        lint(
            &format!("{APPS}.conversationClear.enabled"),
            "is off: MessagingService.clearConversation is refused and visitors cannot clear their history",
            MESSAGING_SERVICE_HELP,
        );
    }
    if conversations.auto_start.as_ref().and_then(|t| t.enabled) != Some(true) {
        lint(
            &format!("{APPS}.autoStart.enabled"),
            "is off: the flow does not start until the visitor writes, and joinConversation has nothing to join",
            MESSAGING_SERVICE_HELP,
        );
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn configuration(conversations: serde_json::Value) -> WebDeploymentConfigurationVersion {
        serde_json::from_value(json!({
            "name": "Shop", "languages": ["en-us"], "defaultLanguage": "en-us",
            "messenger": {"enabled": true, "styles": {"primaryColor": "#1f5fa8"},
                          "fileUpload": {"enableAttachments": true},
                          "apps": {"conversations": conversations}}
        }))
        .unwrap()
    }

    fn fields(lints: &[Lint]) -> Vec<&str> {
        lints.iter().map(|l| l.field.as_str()).collect()
    }

    const ALL_ON: &str = r#"{"enabled": true, "autoStart": {"enabled": true},
        "conversationDisconnect": {"enabled": true, "type": "ReadOnly"},
        "conversationClear": {"enabled": true}}"#;

    #[test]
    fn a_configuration_that_avoids_every_trap_has_no_lint() {
        let all_on = serde_json::from_str(ALL_ON).unwrap();
        let deployment: WebDeployment =
            serde_json::from_value(json!({"name": "Shop", "supportedContent": {"id": "s"}}))
                .unwrap();
        assert!(lint_channel(&configuration(all_on), Some(&deployment), true).is_empty());
    }

    #[test]
    fn each_trap_is_caught_and_named() {
        let cases = [
            (
                json!({"enabled": true, "autoStart": {"enabled": true}, "conversationClear": {"enabled": true}}),
                "messenger.apps.conversations.conversationDisconnect.enabled",
                "conversation-disconnected event",
            ),
            (
                json!({"enabled": true, "autoStart": {"enabled": true}, "conversationClear": {"enabled": true},
                       "conversationDisconnect": {"enabled": true, "type": "Send"}}),
                "messenger.apps.conversations.conversationDisconnect.type",
                "resetConversation",
            ),
            (
                json!({"enabled": true, "autoStart": {"enabled": true},
                       "conversationDisconnect": {"enabled": true, "type": "ReadOnly"}}),
                "messenger.apps.conversations.conversationClear.enabled",
                "clearConversation",
            ),
            (
                json!({"enabled": true, "conversationClear": {"enabled": true},
                       "conversationDisconnect": {"enabled": true, "type": "ReadOnly"}}),
                "messenger.apps.conversations.autoStart.enabled",
                "joinConversation",
            ),
        ];
        for (conversations, field, says) in cases {
            let lints = lint_channel(&configuration(conversations), None, false);
            assert_eq!(fields(&lints), [field]);
            assert!(lints[0].why.contains(says), "{}", lints[0]);
            assert!(lints[0].help.starts_with("https://"));
        }
    }

    #[test]
    fn deployment_and_deprecated_traps_are_caught() {
        let mut configuration = configuration(serde_json::from_str(ALL_ON).unwrap());
        configuration
            .extra
            .insert("sessionPersistenceType".into(), json!("Session"));
        let deployment: WebDeployment =
            serde_json::from_value(json!({"name": "Shop", "allowAllDomains": true})).unwrap();
        assert_eq!(
            fields(&lint_channel(&configuration, Some(&deployment), true)),
            [
                "sessionPersistenceType",
                "deployment.supportedContent",
                "deployment.allowAllDomains"
            ]
        );
        assert_eq!(
            fields(&lint_channel(&configuration, Some(&deployment), false)),
            ["sessionPersistenceType", "deployment.supportedContent"],
            "allowing every domain is only a trap on production"
        );
    }
}
