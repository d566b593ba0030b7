//! Editing an existing channel: the editor's form read back from the live models, and
//! the edited form laid over the server's draft so that settings the editor does not
//! show (custom labels, cobrowse, authentication, …) survive the round trip.

use serde_json::Value;

use crate::genesys::models::{WebDeployment, WebDeploymentConfigurationVersion};
use crate::store::ChannelRouting;

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
        }
    }
}

/// The server's draft with the editor's settings laid over it: objects merge key by key,
/// everything else (arrays, strings, numbers) is replaced by the edited value.
pub fn merge_onto(
    current: &WebDeploymentConfigurationVersion,
    edited: &WebDeploymentConfigurationVersion,
) -> Result<WebDeploymentConfigurationVersion, serde_json::Error> {
    let mut base = serde_json::to_value(current)?;
    merge_values(&mut base, serde_json::to_value(edited)?);
    serde_json::from_value(base)
}

fn merge_values(base: &mut Value, overlay: Value) {
    match (base, overlay) {
        (Value::Object(base), Value::Object(overlay)) => {
            for (key, value) in overlay {
                match base.get_mut(&key) {
                    Some(existing) if !value.is_null() => merge_values(existing, value),
                    Some(_) => {}
                    None => {
                        base.insert(key, value);
                    }
                }
            }
        }
        (base, overlay) => *base = overlay,
    }
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
    fn settings_the_editor_does_not_show_survive_an_edit() {
        let mut current = support_input().configuration();
        current
            .extra
            .insert("cobrowse".into(), serde_json::json!({"enabled": true}));
        current.headless_mode = Some(crate::genesys::models::HeadlessModeSettings {
            enabled: Some(true),
            ..Default::default()
        });
        let edited = ChannelInput {
            primary_color: "#aa0000".into(),
            languages: vec!["de".into()],
            ..support_input()
        }
        .configuration();
        let merged = merge_onto(&current, &edited).unwrap();
        assert_eq!(
            merged
                .messenger
                .as_ref()
                .and_then(|m| m.styles.as_ref())
                .and_then(|s| s.primary_color.as_deref()),
            Some("#aa0000")
        );
        assert_eq!(merged.languages, Some(vec!["de".to_string()]));
        assert_eq!(
            merged.headless_mode.as_ref().and_then(|h| h.enabled),
            Some(true)
        );
        let json = serde_json::to_value(&merged).unwrap();
        assert_eq!(json["cobrowse"]["enabled"], true);
    }
}
