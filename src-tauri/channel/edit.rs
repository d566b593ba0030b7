//! Editing an existing channel: the editor's form read back from the live models, and
//! the edit as a patch of what the user changed (see [`super::patch`]), laid over the
//! server's draft so that every other setting survives exactly.

use crate::genesys::models::{WebDeployment, WebDeploymentConfigurationVersion};
use crate::store::ChannelRouting;
use crate::validate::check_configuration;

use super::input::ConversationSettings;
use super::patch::{Patch, PatchConflict};
use super::settings::{
    complete_support_center, headless_of, labels_of, AuthenticationInput, CobrowseInput,
    JourneyInput, KnowledgeInput, SupportCenterInput,
};
use super::ChannelInput;

impl ChannelInput {
    /// The form an editor shows for a channel that already exists.
    pub fn from_models(
        configuration: &WebDeploymentConfigurationVersion,
        deployment: &WebDeployment,
        routing: Option<&ChannelRouting>,
    ) -> ChannelInput {
        let messenger = configuration.messenger.as_ref();
        let position = configuration.position.as_ref();
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
            position: position.and_then(|p| p.alignment.as_ref().map(|a| a.to_string())),
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
            labels: labels_of(configuration.custom_i18n_labels.as_deref()),
            launcher_icon_url: launcher
                .and_then(|l| l.icon.as_ref())
                .and_then(|i| i.url.clone()),
            side_space: position.and_then(|p| p.side_space),
            bottom_space: position.and_then(|p| p.bottom_space),
            knowledge: KnowledgeInput::from_app(
                messenger
                    .and_then(|m| m.apps.as_ref())
                    .and_then(|a| a.knowledge.as_ref()),
            ),
            headless: headless_of(configuration.headless_mode.as_ref()),
            authentication: AuthenticationInput::from_settings(
                configuration.authentication_settings.as_ref(),
            ),
            cobrowse: CobrowseInput::from_settings(configuration.cobrowse.as_ref()),
            journey_events: JourneyInput::from_settings(configuration.journey_events.as_ref()),
            support_center: SupportCenterInput::from_settings(
                configuration.support_center.as_ref(),
            ),
            supported_content: deployment
                .supported_content
                .as_ref()
                .and_then(|s| s.id.clone()),
        }
    }
}

/// What a form's edit changes in a configuration: the difference between what the form
/// described before the user's change and after it, both through the same translation,
/// so values the form always writes (and never showed as changed) are not in it.
pub fn edit_patch(before: &ChannelInput, after: &ChannelInput) -> Patch {
    let described = |input: &ChannelInput| {
        let mut configuration = input.described();
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
    let mut edited: WebDeploymentConfigurationVersion = serde_json::from_value(draft)?;
    // A block switched on gets what it requires only where the draft has nothing.
    complete_support_center(&mut edited);
    Ok(edited)
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

    /// Every leaf of a JSON value by its dotted path (list items by position).
    fn leaves(value: &serde_json::Value) -> std::collections::BTreeMap<String, serde_json::Value> {
        fn walk(
            value: &serde_json::Value,
            at: String,
            out: &mut std::collections::BTreeMap<String, serde_json::Value>,
        ) {
            let join = |key: &str| {
                if at.is_empty() {
                    key.to_string()
                } else {
                    format!("{at}.{key}")
                }
            };
            match value {
                // An empty object or list that gains an item is where the edit writes.
                serde_json::Value::Object(map) => {
                    for (key, item) in map {
                        walk(item, join(key), out);
                    }
                }
                serde_json::Value::Array(items) => {
                    for (index, item) in items.iter().enumerate() {
                        walk(item, format!("{at}[{index}]"), out);
                    }
                }
                leaf => {
                    out.insert(at, leaf.clone());
                }
            }
        }
        let mut out = std::collections::BTreeMap::new();
        walk(value, String::new(), &mut out);
        out
    }

    #[test]
    fn for_configurations_drawn_from_the_schema_an_edit_changes_its_setting_alone() {
        type Edit = (&'static str, fn(&mut ChannelInput));
        let edits: &[Edit] = &[
            ("messenger.styles.primaryColor", |i| {
                i.primary_color = "#aa0000".into()
            }),
            ("position.sideSpace", |i| {
                i.side_space = Some(i.side_space.unwrap_or(0) + 7)
            }),
            ("headlessMode", |i| {
                i.headless = Some(!i.headless.unwrap_or(false))
            }),
            ("cobrowse", |i| {
                i.cobrowse.allow_draw = Some(!i.cobrowse.allow_draw.unwrap_or(false))
            }),
            ("journeyEvents", |i| {
                let once = i.journey_events.pageview_config.as_deref() == Some("Once");
                i.journey_events.pageview_config = Some(if once { "Off" } else { "Once" }.into());
            }),
            (
                "messenger.apps.conversations.showUserTypingIndicator",
                |i| {
                    let shown = i.conversations.user_typing_indicator.unwrap_or(true);
                    i.conversations.user_typing_indicator = Some(!shown);
                },
            ),
            ("customI18nLabels", |i| {
                i.labels
                    .entry("de".into())
                    .or_default()
                    .insert("MessengerHomeHeaderTitle".into(), "Hallo".into());
            }),
            ("messenger.apps.knowledge", |i| {
                i.knowledge.enabled = Some(!i.knowledge.enabled.unwrap_or(false))
            }),
        ];
        for seed in 0..400u64 {
            let current: WebDeploymentConfigurationVersion =
                serde_json::from_value(super::generated::configuration(seed)).unwrap();
            let original = serde_json::to_value(&current).unwrap();
            let deployment = WebDeployment::default();
            let before = ChannelInput::from_models(&current, &deployment, None);
            let unchanged = apply_patch(&current, &edit_patch(&before, &before.clone())).unwrap();
            assert_eq!(
                serde_json::to_value(&unchanged).unwrap(),
                original,
                "seed {seed}"
            );

            let (root, edit) = edits[seed as usize % edits.len()];
            let mut after = before.clone();
            edit(&mut after);
            let edited = apply_patch(&current, &edit_patch(&before, &after))
                .unwrap_or_else(|e| panic!("seed {seed}: {root}: {e}"));
            let (old, new) = (
                leaves(&original),
                leaves(&serde_json::to_value(&edited).unwrap()),
            );
            let changed: std::collections::BTreeSet<&String> = old
                .keys()
                .chain(new.keys())
                .filter(|path| old.get(*path) != new.get(*path))
                .collect();
            assert!(
                !changed.is_empty(),
                "seed {seed}: the {root} edit changed nothing"
            );
            for path in changed {
                assert!(
                    path.starts_with(root),
                    "seed {seed}: the {root} edit also changed {path}: {:?} → {:?}",
                    old.get(path),
                    new.get(path)
                );
            }
        }
    }

    /// A draft using every group the editor shows, plus settings it does not.
    fn rich_draft() -> WebDeploymentConfigurationVersion {
        let mut draft = serde_json::to_value(support_input().configuration()).unwrap();
        let extra = serde_json::json!({
            "customI18nLabels": [
                {"language": "fr", "localizedLabels": [
                    {"key": "MessengerHomeHeaderTitle", "value": "Bonjour"},
                    {"key": "PushNotificationTitle", "value": "Nouveau"}]},
                {"language": "en-us", "localizedLabels": [
                    {"key": "MessengerHomeHeaderTitle", "value": "Hello"},
                    {"key": "MessengerLauncherButtonText", "value": "Ask us"}]}
            ],
            "position": {"alignment": "Left", "sideSpace": 20, "bottomSpace": 30},
            "headlessMode": {"enabled": false},
            "authenticationSettings": {"enabled": true, "integrationId": "login-1", "allowSessionUpgrade": true},
            "cobrowse": {"enabled": true, "allowAgentControl": false, "maskSelectors": [".card"],
                         "pauseCriteria": [{"urlFragment": "/pay", "condition": "Includes"}]},
            "journeyEvents": {"enabled": true, "pageviewConfig": "Auto",
                              "clickEvents": [{"selector": "#buy", "eventName": "buy"}],
                              "trackingSettings": {"excludedQueryParameters": ["token"], "shouldKeepUrlFragment": true}},
            "supportCenter": {"enabled": false, "knowledgeBase": {"id": "kb-1"},
                              "screens": [{"type": "Home", "moduleSettings": [{"type": "Search", "enabled": true}]}],
                              "enabledCategories": [], "styleSetting": {"kept": true}},
            "futureSetting": {"nested": [1, 2, 3]}
        });
        for (key, value) in extra.as_object().unwrap() {
            draft[key] = value.clone();
        }
        draft["messenger"]["launcherButton"]["icon"] =
            serde_json::json!({"url": "https://cdn.example/l.png"});
        draft["messenger"]["apps"]["knowledge"] =
            serde_json::json!({"enabled": true, "knowledgeBase": {"id": "kb-2"}});
        draft["messenger"]["apps"]["conversations"]["showAgentTypingIndicator"] = false.into();
        serde_json::from_value(draft).unwrap()
    }

    #[test]
    fn every_group_reads_back_and_an_untouched_form_changes_nothing() {
        let current = rich_draft();
        let before = ChannelInput::from_models(&current, &support_input().deployment(), None);
        assert_eq!(before.labels["fr"]["MessengerHomeHeaderTitle"], "Bonjour");
        assert_eq!(
            before.labels["en-us"]["MessengerLauncherButtonText"],
            "Ask us"
        );
        assert_eq!(
            before.launcher_icon_url.as_deref(),
            Some("https://cdn.example/l.png")
        );
        assert_eq!(
            (before.side_space, before.bottom_space),
            (Some(20), Some(30))
        );
        assert_eq!(before.headless, Some(false));
        assert_eq!(before.knowledge.knowledge_base.as_deref(), Some("kb-2"));
        assert_eq!(
            before.authentication.integration.as_deref(),
            Some("login-1")
        );
        assert_eq!(
            before.cobrowse.mask_selectors.as_deref(),
            Some(&[".card".to_string()][..])
        );
        assert_eq!(
            before.journey_events.pageview_config.as_deref(),
            Some("Auto")
        );
        assert_eq!(
            before.journey_events.excluded_query_parameters.as_deref(),
            Some(&["token".to_string()][..])
        );
        assert_eq!(before.support_center.enabled, Some(false));
        assert!(edit_patch(&before, &before.clone()).is_empty());
    }

    #[test]
    fn a_change_in_each_group_writes_that_setting_alone() {
        let current = rich_draft();
        let before = ChannelInput::from_models(&current, &support_input().deployment(), None);
        type Edit = fn(&mut ChannelInput);
        let cases: [(Edit, &str); 12] = [
            (
                |i| {
                    i.labels.get_mut("fr").unwrap().insert(
                        "MessengerHomeHeaderSubTitle".into(),
                        "Comment aider ?".into(),
                    );
                },
                "customI18nLabels[language=fr].localizedLabels[key=MessengerHomeHeaderSubTitle]",
            ),
            (
                |i| i.launcher_icon_url = Some("https://cdn.example/new.png".into()),
                "messenger.launcherButton.icon.url",
            ),
            (|i| i.side_space = Some(40), "position.sideSpace"),
            (|i| i.headless = Some(true), "headlessMode.enabled"),
            (
                |i| i.knowledge.enabled = Some(false),
                "messenger.apps.knowledge.enabled",
            ),
            (
                |i| i.authentication.integration = Some("login-2".into()),
                "authenticationSettings.integrationId",
            ),
            (
                |i| i.cobrowse.allow_agent_control = Some(true),
                "cobrowse.allowAgentControl",
            ),
            (
                |i| i.journey_events.pageview_config = Some("Once".into()),
                "journeyEvents.pageviewConfig",
            ),
            (
                |i| {
                    i.journey_events.excluded_query_parameters =
                        Some(vec!["token".into(), "sid".into()])
                },
                "journeyEvents.trackingSettings.excludedQueryParameters",
            ),
            (
                |i| i.support_center.feedback = Some(true),
                "supportCenter.feedback",
            ),
            (
                |i| i.conversations.markdown = Some(true),
                "messenger.apps.conversations.markdown",
            ),
            (
                |i| i.primary_color = "#AA0000".into(),
                "messenger.styles.primaryColor",
            ),
        ];
        let json = |c: &WebDeploymentConfigurationVersion| serde_json::to_value(c).unwrap();
        for (edit, path) in cases {
            let mut after = before.clone();
            edit(&mut after);
            let patch = edit_patch(&before, &after);
            assert_eq!(patch.paths(), [path], "{path}");
            let edited = json(&apply_patch(&current, &patch).unwrap());
            let unchanged = Patch::between(&json(&current), &edited);
            assert_eq!(
                unchanged.paths(),
                [path],
                "only {path} changes in the draft"
            );
            assert_eq!(
                edited["futureSetting"],
                serde_json::json!({"nested": [1, 2, 3]})
            );
        }
    }

    #[test]
    fn switching_the_support_center_on_keeps_its_screens_and_styles() {
        let current = rich_draft();
        let before = ChannelInput::from_models(&current, &support_input().deployment(), None);
        let mut after = before.clone();
        after.support_center.enabled = Some(true);
        let patch = edit_patch(&before, &after);
        assert_eq!(patch.paths(), ["supportCenter.enabled"]);
        let edited = serde_json::to_value(apply_patch(&current, &patch).unwrap()).unwrap();
        assert_eq!(
            edited["supportCenter"]["styleSetting"],
            serde_json::json!({"kept": true})
        );
        assert_eq!(
            edited["supportCenter"]["screens"].as_array().unwrap().len(),
            1
        );
    }
}

/// Configurations drawn from the published schema: every required field, each optional
/// one half the time, values of the right shape. What the property tests below edit.
#[cfg(test)]
mod generated {
    use serde_json::{json, Map, Value};

    use crate::genesys::schema::{Shape, CONFIGURATION_VERSION};

    const WORDS: &[&str] = &[
        "en-us",
        "fr",
        "Support",
        "#card",
        "https://cdn.example/x.png",
        "",
    ];

    fn value(shape: &Shape, rng: &mut fastrand::Rng, depth: usize) -> Value {
        match shape {
            Shape::Any | Shape::Number => json!(rng.u32(0..1000)),
            Shape::Bool => json!(rng.bool()),
            Shape::Integer => json!(rng.u32(0..100_000)),
            Shape::Text => json!(WORDS[rng.usize(..WORDS.len())]),
            Shape::OneOf(known) | Shape::OneOfExcept(known, _) => {
                json!(known[rng.usize(..known.len())])
            }
            Shape::Pattern(..) => json!("#1f5fa8"),
            Shape::List(item) => {
                let count = if depth > 4 { 0 } else { rng.usize(0..3) };
                Value::Array((0..count).map(|_| value(item, rng, depth + 1)).collect())
            }
            Shape::Object(fields) => {
                let mut object = Map::new();
                for field in fields.iter() {
                    if field.required || (depth < 5 && rng.bool()) {
                        object.insert(field.name.into(), value(&field.shape, rng, depth + 1));
                    }
                }
                Value::Object(object)
            }
        }
    }

    /// One configuration per seed, with a field this version does not know.
    pub fn configuration(seed: u64) -> Value {
        let mut rng = fastrand::Rng::with_seed(seed);
        let mut generated = value(&CONFIGURATION_VERSION, &mut rng, 0);
        generated["futureSetting"] = json!({"seed": seed});
        generated
    }
}
