//! Editing an existing channel: the editor's form read back from the live models, and
//! the edit as a patch of what the user changed (see [`super::patch`]), laid over the
//! server's draft so that every other setting survives exactly.

use crate::genesys::models::{WebDeployment, WebDeploymentConfigurationVersion};
use crate::store::ChannelRouting;
use crate::validate::check_configuration;

use super::input::ConversationSettings;
use super::patch::{Patch, PatchConflict};
use super::ChannelInput;

impl ChannelInput {
    /// The form an editor shows for a channel that already exists.
    pub fn from_models(
        configuration: &WebDeploymentConfigurationVersion,
        deployment: &WebDeployment,
        routing: Option<&ChannelRouting>,
    ) -> ChannelInput {
        let messenger = configuration.messenger.as_ref();
        let launcher = messenger.and_then(|m| m.launcher_button.as_ref());
        let home = messenger.and_then(|m| m.home_screen.as_ref());
        let upload = messenger.and_then(|m| m.file_upload.as_ref());
        let mode = upload
            .and_then(|u| u.modes.as_ref())
            .and_then(|modes| modes.first());
        let notifications = messenger
            .and_then(|m| m.apps.as_ref())
            .and_then(|a| a.conversations.as_ref())
            .and_then(|c| c.notifications.as_ref())
            .and_then(|n| n.enabled);
        ChannelInput {
            name: configuration.name.clone(),
            description: configuration.description.clone(),
            queue: routing
                .and_then(|r| r.primary_queue_name.clone().or(r.primary_queue_id.clone()))
                .unwrap_or_default(),
            flow: deployment
                .flow
                .as_ref()
                .and_then(|f| f.name.clone().or(f.id.clone()))
                .unwrap_or_default(),
            fallback_flow: routing
                .and_then(|r| r.fallback_flow_name.clone().or(r.fallback_flow_id.clone())),
            primary_color: messenger
                .and_then(|m| m.styles.as_ref())
                .and_then(|s| s.primary_color.clone())
                .unwrap_or_default(),
            languages: configuration.languages.clone().unwrap_or_default(),
            default_language: configuration.default_language.clone(),
            domains: deployment.allowed_domains.clone().unwrap_or_default(),
            allow_all_domains: deployment.allow_all_domains.unwrap_or(false),
            launcher_visibility: launcher
                .and_then(|l| l.visibility.as_ref().map(|v| v.to_string())),
            launcher_display_type: launcher
                .and_then(|l| l.display_type.as_ref().map(|v| v.to_string())),
            position: configuration
                .position
                .as_ref()
                .and_then(|p| p.alignment.as_ref().map(|a| a.to_string())),
            home_screen: home.and_then(|h| h.enabled),
            logo_url: home.and_then(|h| h.logo_url.clone()),
            attachments: upload.and_then(|u| u.enable_attachments),
            attachment_types: mode.and_then(|m| m.file_types.clone()).unwrap_or_default(),
            max_file_size_kb: mode.and_then(|m| m.max_file_size_kb),
            notifications,
            notification_title: None,
            notification_body: None,
            conversations: ConversationSettings::from_app(
                messenger
                    .and_then(|m| m.apps.as_ref())
                    .and_then(|a| a.conversations.as_ref()),
            ),
        }
    }
}

/// What a form's edit changes in a configuration: the difference between what the form
/// described before the user's change and after it, both through the same translation,
/// so values the form always writes (and never showed as changed) are not in it.
pub fn edit_patch(before: &ChannelInput, after: &ChannelInput) -> Patch {
    let described = |input: &ChannelInput| {
        let mut configuration = input.configuration();
        // The same normalising an accepted input gets, so `#1F5FA8` against `#1f5fa8`
        // is no change.
        let _ = check_configuration(&mut configuration);
        serde_json::to_value(configuration).unwrap_or_default()
    };
    Patch::between(&described(before), &described(after))
}

/// Why an edit could not be laid onto the draft.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("the draft changed where this edit writes: {0}; open the channel again")]
    Conflict(#[from] PatchConflict),
    #[error("the edited draft is not a configuration: {0}")]
    Shape(#[from] serde_json::Error),
}

/// The server's draft with `patch` laid over it; every value the patch does not name,
/// fields this version does not model included, stays as the server sent it.
pub fn apply_patch(
    current: &WebDeploymentConfigurationVersion,
    patch: &Patch,
) -> Result<WebDeploymentConfigurationVersion, EditError> {
    let mut draft = serde_json::to_value(current)?;
    patch.apply(&mut draft)?;
    Ok(serde_json::from_value(draft)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn support_input() -> ChannelInput {
        ChannelInput {
            name: "Support".into(),
            queue: "Support".into(),
            flow: "Web Messaging Inbound".into(),
            primary_color: "#1f5fa8".into(),
            languages: vec!["en-us".into(), "fr".into()],
            domains: vec!["example.com".into()],
            launcher_visibility: Some("OnDemand".into()),
            launcher_display_type: Some("Icon".into()),
            position: Some("Left".into()),
            home_screen: Some(false),
            attachments: Some(true),
            max_file_size_kb: Some(2048),
            ..Default::default()
        }
    }

    #[test]
    fn the_editor_reads_back_what_it_wrote() {
        let input = support_input();
        let mut deployment = input.deployment();
        deployment.flow = Some(crate::genesys::models::DeploymentFlowRef {
            name: Some("Web Messaging Inbound".into()),
            ..Default::default()
        });
        let routing = ChannelRouting {
            primary_queue_name: Some("Support".into()),
            ..Default::default()
        };
        let read = ChannelInput::from_models(&input.configuration(), &deployment, Some(&routing));
        assert_eq!(read.name, input.name);
        assert_eq!(read.primary_color, input.primary_color);
        assert_eq!(read.languages, input.languages);
        assert_eq!(read.domains, input.domains);
        assert_eq!(read.launcher_visibility.as_deref(), Some("OnDemand"));
        assert_eq!(read.launcher_display_type.as_deref(), Some("Icon"));
        assert_eq!(read.position.as_deref(), Some("Left"));
        assert_eq!(read.home_screen, Some(false));
        assert_eq!(read.attachments, Some(true));
        assert_eq!(read.max_file_size_kb, Some(2048));
        assert_eq!(read.queue, "Support");
        assert_eq!(read.flow, "Web Messaging Inbound");
    }

    #[test]
    fn a_colour_change_leaves_every_other_setting_of_the_draft_alone() {
        let mut current = support_input().configuration();
        let json = |c: &WebDeploymentConfigurationVersion| serde_json::to_value(c).unwrap();
        let mut draft = json(&current);
        draft["cobrowse"] = serde_json::json!({"enabled": true, "unknownToUs": [1, 2]});
        draft["headlessMode"] = serde_json::json!({"enabled": true});
        let conversations = &mut draft["messenger"]["apps"]["conversations"];
        conversations["showAgentTypingIndicator"] = false.into();
        conversations["showUserTypingIndicator"] = false.into();
        draft["messenger"]["fileUpload"]["modes"] = serde_json::json!([
            {"fileTypes": ["image/png"], "maxFileSizeKB": 2048},
            {"fileTypes": ["application/pdf"], "maxFileSizeKB": 5000},
            {"fileTypes": ["video/mp4"], "maxFileSizeKB": 10240}
        ]);
        current = serde_json::from_value(draft.clone()).unwrap();
        let before = ChannelInput::from_models(&current, &support_input().deployment(), None);
        let after = ChannelInput {
            primary_color: "#aa0000".into(),
            ..before.clone()
        };
        let patch = edit_patch(&before, &after);
        assert_eq!(patch.paths(), ["messenger.styles.primaryColor"]);
        let edited = json(&apply_patch(&current, &patch).unwrap());
        let mut expected = draft;
        expected["messenger"]["styles"]["primaryColor"] = "#aa0000".into();
        assert_eq!(edited, expected);
    }

    #[test]
    fn an_unchanged_form_is_an_empty_patch() {
        let input = support_input();
        let current = input.configuration();
        let read = ChannelInput::from_models(&current, &input.deployment(), None);
        assert!(edit_patch(&read, &read.clone()).is_empty());
    }

    #[test]
    fn conversation_settings_read_back_and_change_alone() {
        let mut draft = serde_json::to_value(support_input().configuration()).unwrap();
        draft["messenger"]["apps"]["conversations"] = serde_json::json!({
            "enabled": true, "showAgentTypingIndicator": false, "showUserTypingIndicator": true,
            "autoStart": {"enabled": true}, "markdown": {"enabled": true},
            "conversationDisconnect": {"enabled": true, "type": "ReadOnly"},
            "conversationClear": {"enabled": true},
            "humanize": {"enabled": true, "bot": {"name": "Robin", "avatarUrl": "https://cdn.example/r.png"}},
            "sessionDurationSeconds": 259200
        });
        let current: WebDeploymentConfigurationVersion = serde_json::from_value(draft).unwrap();
        let before = ChannelInput::from_models(&current, &support_input().deployment(), None);
        let read = &before.conversations;
        assert_eq!(read.agent_typing_indicator, Some(false));
        assert_eq!(read.disconnect.as_deref(), Some("ReadOnly"));
        assert_eq!(read.bot_name.as_deref(), Some("Robin"));
        assert_eq!(read.session_duration_seconds, Some(259_200));
        assert!(edit_patch(&before, &before.clone()).is_empty());

        let mut after = before.clone();
        after.conversations.agent_typing_indicator = Some(true);
        after.conversations.disconnect = Some("Send".into());
        let patch = edit_patch(&before, &after);
        assert_eq!(
            patch.paths(),
            [
                "messenger.apps.conversations.showAgentTypingIndicator",
                "messenger.apps.conversations.conversationDisconnect.type"
            ]
        );
        let edited = serde_json::to_value(apply_patch(&current, &patch).unwrap()).unwrap();
        let conversations = &edited["messenger"]["apps"]["conversations"];
        assert_eq!(conversations["showAgentTypingIndicator"], true);
        assert_eq!(conversations["conversationDisconnect"]["type"], "Send");
        assert_eq!(
            conversations["humanize"]["bot"]["avatarUrl"],
            "https://cdn.example/r.png"
        );
        assert_eq!(conversations["sessionDurationSeconds"], 259_200);
    }
}
