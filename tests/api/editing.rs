//! Editing a channel changes exactly what the user changed: through `channel edit` and
//! through the window's Save (the editor's form), against the Sandbox over HTTP.

use std::process::Command;

use serde_json::{json, Value};
use webmsg_desk::application::channels::{self, ChannelInput};
use webmsg_desk::application::Session;
use webmsg_desk::store::Store;

use crate::helpers::{spawn_sandbox, TestApp};

const BINARY: &str = env!("CARGO_BIN_EXE_webmsg-desk");

fn cli(app: &TestApp, args: &[&str]) -> std::process::Output {
    cli_at(&app.sandbox.base_url(), args)
}

fn cli_at(environment: &str, args: &[&str]) -> std::process::Output {
    let home = tempfile::tempdir().unwrap();
    Command::new(BINARY)
        .args(args)
        .env("GENESYS_ENVIRONMENT", environment)
        .env("GENESYS_CLIENT_ID", "sandbox-client")
        .env("GENESYS_CLIENT_SECRET", "sandbox-secret")
        .env("XDG_CONFIG_HOME", home.path())
        .env("XDG_DATA_HOME", home.path())
        .output()
        .unwrap()
}

/// A draft an org tuned in ways the editor's form once did not show: typing indicators
/// off, three upload modes, labels in two languages, a humanized bot. (Fields this
/// version does not model cannot be stored in the Sandbox, as in Genesys: see
/// `channel_edit_sends_back_fields_this_version_does_not_know`.)
fn tuned(draft: &mut Value) {
    draft["languages"] = json!(["en-us", "fr"]);
    draft["defaultLanguage"] = json!("en-us");
    draft["customI18nLabels"] = json!([
        {"language": "en-us", "localizedLabels": [{"key": "MessengerHomeHeaderTitle", "value": "Hello there"}]},
        {"language": "fr", "localizedLabels": [{"key": "MessengerHomeHeaderTitle", "value": "Bonjour"}]}
    ]);
    let messenger = &mut draft["messenger"];
    messenger["fileUpload"] = json!({"enableAttachments": true, "modes": [
        {"fileTypes": ["image/png", "image/jpeg"], "maxFileSizeKB": 2048},
        {"fileTypes": ["image/gif"], "maxFileSizeKB": 5120},
        {"fileTypes": ["image/jpeg"], "maxFileSizeKB": 10240}
    ]});
    let conversations = &mut messenger["apps"]["conversations"];
    conversations["enabled"] = json!(true);
    conversations["showAgentTypingIndicator"] = json!(false);
    conversations["showUserTypingIndicator"] = json!(false);
    conversations["humanize"] = json!({"enabled": true, "bot": {"name": "Robin"}});
}

/// The seeded channel, its draft tuned and published; returns (deployment, configuration).
async fn tuned_channel(app: &TestApp) -> (String, String) {
    let (deployment, configuration) = app.seeded_channel().await;
    let token = app.token().await;
    let draft_url = app.url(&format!(
        "/api/v2/webdeployments/configurations/{configuration}/versions/draft"
    ));
    let mut draft: Value = app
        .http
        .get(&draft_url)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    tuned(&mut draft);
    let put = app
        .http
        .put(&draft_url)
        .bearer_auth(&token)
        .json(&draft)
        .send()
        .await
        .unwrap();
    assert!(put.status().is_success(), "{}", put.text().await.unwrap());
    let published = cli(
        app,
        &[
            "channel",
            "publish",
            "--deployment",
            &deployment,
            "--wait",
            "30",
        ],
    );
    assert_eq!(
        published.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&published.stderr)
    );
    (deployment, configuration)
}

fn get(app: &TestApp, deployment: &str, which: &str) -> Value {
    let output = cli(app, &["channel", "get", "--deployment", deployment, which]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// Every field of `after` equals `before`'s but the colour and what the server sets.
fn only_the_colour_changed(before: &Value, after: &Value, colour: &str) {
    let mut expected = before.clone();
    expected["messenger"]["styles"]["primaryColor"] = json!(colour);
    let mut after = after.clone();
    for field in [
        "version",
        "dateModified",
        "datePublished",
        "status",
        "publishedUser",
    ] {
        expected.as_object_mut().unwrap().remove(field);
        after.as_object_mut().unwrap().remove(field);
    }
    assert_eq!(after, expected);
}

#[tokio::test(flavor = "multi_thread")]
async fn channel_edit_changes_only_the_colour_and_publishes_it() {
    let app = spawn_sandbox().await;
    let (deployment, _) = tuned_channel(&app).await;
    let before = get(&app, &deployment, "--published");
    assert_eq!(
        before["messenger"]["apps"]["conversations"]["showAgentTypingIndicator"],
        false
    );

    let planned = cli(
        &app,
        &[
            "channel",
            "edit",
            "--deployment",
            &deployment,
            "--set",
            "messenger.styles.primaryColor=#aa0000",
            "--plan-only",
        ],
    );
    let said = String::from_utf8_lossy(&planned.stderr);
    assert_eq!(planned.status.code(), Some(0), "{said}");
    assert!(
        said.contains("messenger.styles.primaryColor:")
            && said.contains("\"#aa0000\"")
            && said.contains("plan only"),
        "{said}"
    );
    assert_eq!(
        get(&app, &deployment, "--draft")["messenger"]["styles"],
        before["messenger"]["styles"]
    );

    let edited = cli(
        &app,
        &[
            "--output",
            "json",
            "channel",
            "edit",
            "--deployment",
            &deployment,
            "--set",
            "messenger.styles.primaryColor=#aa0000",
            "--publish",
            "30",
        ],
    );
    assert_eq!(
        edited.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&edited.stderr)
    );
    let report: Value = serde_json::from_slice(&edited.stdout).unwrap();
    assert_eq!(
        report["edit"]["changes"].as_array().unwrap().len(),
        1,
        "{report:#}"
    );
    assert_eq!(report["publish"]["end"], "active", "{report:#}");
    let after = get(&app, &deployment, "--published");
    assert_ne!(after["version"], before["version"]);
    only_the_colour_changed(&before, &after, "#aa0000");
}

#[tokio::test(flavor = "multi_thread")]
async fn saving_the_editor_form_changes_only_what_the_form_changed() {
    let app = spawn_sandbox().await;
    let (deployment, _) = tuned_channel(&app).await;
    let before = get(&app, &deployment, "--draft");
    let session = Session::new(app.client.clone(), Store::in_memory().unwrap(), "Sandbox");
    // The window fills the queue picker from the org; this session has no routing record.
    let shown = ChannelInput {
        queue: "Support".into(),
        ..channels::detail(&session, &deployment).await.unwrap().input
    };
    // Saved as shown: nothing is written.
    channels::save_draft(&session, &deployment, &shown)
        .await
        .unwrap();
    assert_eq!(get(&app, &deployment, "--draft"), before);

    let edited = ChannelInput {
        primary_color: "#0b6e4f".into(),
        ..shown
    };
    channels::save_draft(&session, &deployment, &edited)
        .await
        .unwrap();
    only_the_colour_changed(&before, &get(&app, &deployment, "--draft"), "#0b6e4f");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_edit_genesys_would_refuse_is_refused_before_any_request() {
    let app = spawn_sandbox().await;
    let (deployment, _) = app.seeded_channel().await;
    let puts_before = app
        .served("PUT /api/v2/webdeployments/configurations/{configuration_id}/versions/draft")
        .await;
    let refused = cli(
        &app,
        &[
            "channel",
            "edit",
            "--deployment",
            &deployment,
            "--set",
            "messenger.apps.conversations.conversationDisconnect.type=Sometimes",
        ],
    );
    let said = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{said}");
    assert!(said.contains("conversationDisconnect"), "{said}");
    assert_eq!(
        app.served("PUT /api/v2/webdeployments/configurations/{configuration_id}/versions/draft")
            .await,
        puts_before,
        "nothing was sent"
    );
}

/// The id of the entry named `name` in an editor picker.
fn picked(items: &[webmsg_desk::overview::NamedItem], name: &str) -> String {
    items
        .iter()
        .find(|item| item.name == name)
        .unwrap_or_else(|| panic!("{name} is not offered"))
        .id
        .clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_editor_changes_a_setting_in_every_group_and_nothing_else() {
    let app = spawn_sandbox().await;
    let (deployment, _) = tuned_channel(&app).await;
    let before = get(&app, &deployment, "--draft");
    let session = Session::new(app.client.clone(), Store::in_memory().unwrap(), "Sandbox");
    let options = channels::editor_options(&session).await.unwrap();
    let profiles = options.supported_content.clone().unwrap();
    let images_and_pdf = profiles
        .iter()
        .find(|p| p.name == "Images and PDF")
        .unwrap();
    assert!(images_and_pdf
        .inbound
        .contains(&"application/pdf".to_string()));
    let bases = options.knowledge_bases.clone().unwrap();
    let integrations = options.integrations.clone().unwrap();

    let shown = ChannelInput {
        queue: "Support".into(),
        ..channels::detail(&session, &deployment).await.unwrap().input
    };
    assert_eq!(shown.labels["fr"]["MessengerHomeHeaderTitle"], "Bonjour");
    let mut edited = shown.clone();
    edited.labels.get_mut("fr").unwrap().insert(
        "MessengerHomeHeaderSubTitle".into(),
        "Comment aider ?".into(),
    );
    edited.launcher_icon_url = Some("https://cdn.example.com/launcher.png".into());
    edited.side_space = Some(24);
    edited.knowledge.enabled = Some(true);
    edited.knowledge.knowledge_base = Some(picked(&bases, "Help Center"));
    edited.authentication.enabled = Some(true);
    edited.authentication.integration = Some(picked(&integrations, "Customer Login"));
    edited.cobrowse.enabled = Some(true);
    edited.cobrowse.mask_selectors = Some(vec![".card-number".into()]);
    edited.journey_events.enabled = Some(true);
    edited.journey_events.pageview_config = Some("Once".into());
    edited.support_center.enabled = Some(true);
    edited.support_center.knowledge_base = Some(picked(&bases, "Returns FAQ"));
    edited.supported_content = Some(images_and_pdf.id.clone());
    channels::save_draft(&session, &deployment, &edited)
        .await
        .unwrap();

    let after = get(&app, &deployment, "--draft");
    assert_eq!(
        after["customI18nLabels"][1]["localizedLabels"],
        json!([
            {"key": "MessengerHomeHeaderTitle", "value": "Bonjour"},
            {"key": "MessengerHomeHeaderSubTitle", "value": "Comment aider ?"}
        ])
    );
    assert_eq!(after["customI18nLabels"][0], before["customI18nLabels"][0]);
    assert_eq!(
        after["messenger"]["launcherButton"]["icon"]["url"],
        "https://cdn.example.com/launcher.png"
    );
    assert_eq!(after["position"]["sideSpace"], 24);
    assert_eq!(
        after["messenger"]["apps"]["knowledge"]["knowledgeBase"]["id"],
        json!(picked(&bases, "Help Center"))
    );
    assert_eq!(after["authenticationSettings"]["enabled"], true);
    assert_eq!(after["cobrowse"]["maskSelectors"], json!([".card-number"]));
    assert_eq!(after["journeyEvents"]["pageviewConfig"], "Once");
    // Switched on, the support center got the screens and styles Genesys requires.
    assert_eq!(
        after["supportCenter"]["screens"].as_array().unwrap().len(),
        4
    );
    // What the form did not touch is as the org had it.
    for untouched in [
        "/messenger/fileUpload",
        "/messenger/apps/conversations",
        "/languages",
        "/messenger/styles",
    ] {
        assert_eq!(
            after.pointer(untouched),
            before.pointer(untouched),
            "{untouched}"
        );
    }

    // Publishing the edit moves the deployment to the chosen supported content profile.
    let progress = |_| {};
    let operation = webmsg_desk::application::Operation::new(
        &session,
        tokio_util::sync::CancellationToken::new(),
        &progress,
    );
    let outcome = channels::publish(
        &operation,
        &channels::PublishChannel {
            deployment_id: deployment.clone(),
            edits: Some(edited.clone()),
            supported_content: None,
            options: Default::default(),
            confirmation: Default::default(),
        },
    )
    .await
    .unwrap();
    assert!(outcome.is_active(), "{outcome:?}");
    let (_, live) = app
        .get_api(&format!("/api/v2/webdeployments/deployments/{deployment}"))
        .await;
    assert_eq!(live["supportedContent"]["id"], json!(images_and_pdf.id));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sandbox_serves_what_the_editor_picks_by_name() {
    let app = spawn_sandbox().await;
    let (status, profiles) = app
        .get_api("/api/v2/conversations/messaging/supportedcontent")
        .await;
    assert_eq!(status, 200);
    assert_eq!(profiles["total"], 2);
    let (_, default) = app
        .get_api("/api/v2/conversations/messaging/supportedcontent/default")
        .await;
    assert_eq!(default["id"], profiles["entities"][0]["id"]);
    assert_eq!(
        default["mediaTypes"]["allow"]["inbound"][0]["type"],
        "image/jpeg"
    );
    let (status, missing) = app
        .get_api(&format!(
            "/api/v2/conversations/messaging/supportedcontent/{}",
            uuid::Uuid::nil()
        ))
        .await;
    assert_eq!(
        (status, missing["code"].as_str()),
        (404, Some("scp.id.not.found"))
    );
    let (_, bases) = app
        .get_api("/api/v2/knowledge/knowledgebases?pageSize=1")
        .await;
    assert_eq!(bases["entities"].as_array().unwrap().len(), 1);
    assert!(
        bases.get("total").is_none(),
        "a knowledge base listing has no total"
    );
    let next = bases["nextUri"].as_str().unwrap().to_string();
    let (_, second) = app.get_api(&next).await;
    assert_eq!(second["entities"][0]["name"], "Returns FAQ");
    let (_, logins) = app
        .get_api("/api/v2/integrations?integrationType=openid-connect")
        .await;
    assert_eq!(logins["entities"][0]["name"], "Customer Login");

    // A deployment may point at any profile of the org, and at none other.
    let (deployment, _) = app.seeded_channel().await;
    let path = format!("/api/v2/webdeployments/deployments/{deployment}");
    let url = app.url(&path);
    let token = app.token().await;
    let (_, mut body) = app.get_api(&path).await;
    body["supportedContent"] = json!({"id": profiles["entities"][1]["id"]});
    let put = app
        .http
        .put(&url)
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(put.status().as_u16(), 200);
    body["supportedContent"] = json!({"id": uuid::Uuid::nil().to_string()});
    let refused = app
        .http
        .put(&url)
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn channel_edit_moves_the_deployment_to_a_supported_content_profile_by_name() {
    let app = spawn_sandbox().await;
    let (deployment, _) = app.seeded_channel().await;
    let unknown = cli(
        &app,
        &[
            "channel",
            "edit",
            "--deployment",
            &deployment,
            "--supported-content",
            "Videos",
            "--publish",
            "30",
        ],
    );
    let said = String::from_utf8_lossy(&unknown.stderr);
    assert_ne!(unknown.status.code(), Some(0), "{said}");
    assert!(
        said.contains("`Videos`") && said.contains("Images and PDF"),
        "names what the org has: {said}"
    );

    let moved = cli(
        &app,
        &[
            "--output",
            "json",
            "channel",
            "edit",
            "--deployment",
            &deployment,
            "--supported-content",
            "Images and PDF",
            "--set",
            "cobrowse={\"enabled\":true,\"maskSelectors\":[\".card\"]}",
            "--publish",
            "30",
        ],
    );
    assert_eq!(
        moved.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&moved.stderr)
    );
    let (_, profiles) = app
        .get_api("/api/v2/conversations/messaging/supportedcontent")
        .await;
    let (_, live) = app
        .get_api(&format!("/api/v2/webdeployments/deployments/{deployment}"))
        .await;
    assert_eq!(
        live["supportedContent"]["id"],
        profiles["entities"][1]["id"]
    );
    assert_eq!(
        get(&app, &deployment, "--published")["cobrowse"]["maskSelectors"],
        json!([".card"])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn every_group_survives_export_and_import_into_another_org() {
    let source = spawn_sandbox().await;
    let (deployment, configuration) = tuned_channel(&source).await;
    let draft_path =
        format!("/api/v2/webdeployments/configurations/{configuration}/versions/draft");
    let (_, mut draft) = source.get_api(&draft_path).await;
    let groups = json!({
        "position": {"alignment": "Left", "sideSpace": 24, "bottomSpace": 8},
        "headlessMode": {"enabled": false},
        "cobrowse": {"enabled": true, "allowAgentControl": true, "maskSelectors": [".card"],
                     "channels": ["Webmessaging"]},
        "journeyEvents": {"enabled": true, "pageviewConfig": "Once",
                          "trackingSettings": {"excludedQueryParameters": ["token"]}},
    });
    for (key, value) in groups.as_object().unwrap() {
        draft[key] = value.clone();
    }
    draft["messenger"]["launcherButton"]["icon"] = json!({"url": "https://cdn.example.com/l.png"});
    let token = source.token().await;
    let put = source
        .http
        .put(source.url(&draft_path))
        .bearer_auth(&token)
        .json(&draft)
        .send()
        .await
        .unwrap();
    assert!(put.status().is_success(), "{}", put.text().await.unwrap());
    let published = cli(
        &source,
        &["channel", "publish", "--deployment", &deployment],
    );
    assert_eq!(published.status.code(), Some(0));
    let original = get(&source, &deployment, "--published");

    let folder = tempfile::tempdir().unwrap();
    let file = folder.path().join("channel.json");
    let exported = cli(
        &source,
        &[
            "channel",
            "export",
            "--deployment",
            &deployment,
            "--out",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(exported.status.code(), Some(0));

    let target = spawn_sandbox().await;
    let imported = cli(
        &target,
        &[
            "--output",
            "json",
            "channel",
            "import",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(
        imported.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&imported.stderr)
    );
    let report: Value = serde_json::from_slice(&imported.stdout).unwrap();
    let new_deployment = report["deploymentId"].as_str().unwrap().to_string();
    let copy = get(&target, &new_deployment, "--published");
    for pointer in [
        "/customI18nLabels",
        "/position",
        "/headlessMode",
        "/cobrowse",
        "/journeyEvents",
        "/messenger/launcherButton",
        "/messenger/fileUpload",
        "/messenger/apps/conversations",
        "/languages",
    ] {
        assert_eq!(
            copy.pointer(pointer),
            original.pointer(pointer),
            "{pointer}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn channel_edit_sends_back_fields_this_version_does_not_know() {
    let app = crate::helpers::spawn_sandbox_with(webmsg_desk::sandbox::SandboxOptions {
        record_requests: true,
        ..crate::helpers::test_options()
    })
    .await;
    let (deployment, configuration) = app.seeded_channel().await;
    // A newer API whose drafts carry settings this version has never heard of.
    let draft_route =
        format!("GET /api/v2/webdeployments/configurations/{configuration}/versions/draft");
    let newer = crate::hostile::proxy(app.sandbox.base_url(), move |route, body, _| {
        if route == draft_route {
            body["futureSetting"] = json!({"rolledOutIn": "2027", "levels": [1, 2, 3]});
            body["messenger"]["apps"]["conversations"]["futureToggle"] = json!(true);
        }
    })
    .await;
    let edited = cli_at(
        &newer,
        &[
            "channel",
            "edit",
            "--deployment",
            &deployment,
            "--set",
            "messenger.styles.primaryColor=#aa0000",
        ],
    );
    assert_eq!(
        edited.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&edited.stderr)
    );
    let sent = app
        .sandbox
        .state()
        .recorded_requests()
        .into_iter()
        .rev()
        .find(|r| r.method == "PUT" && r.route.ends_with("/versions/draft"))
        .unwrap()
        .body;
    assert_eq!(sent["messenger"]["styles"]["primaryColor"], "#aa0000");
    assert_eq!(sent["futureSetting"]["levels"], json!([1, 2, 3]));
    assert_eq!(
        sent["messenger"]["apps"]["conversations"]["futureToggle"],
        json!(true)
    );
}
