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
    let home = tempfile::tempdir().unwrap();
    Command::new(BINARY)
        .args(args)
        .env("GENESYS_ENVIRONMENT", app.sandbox.base_url())
        .env("GENESYS_CLIENT_ID", "sandbox-client")
        .env("GENESYS_CLIENT_SECRET", "sandbox-secret")
        .env("XDG_CONFIG_HOME", home.path())
        .env("XDG_DATA_HOME", home.path())
        .output()
        .unwrap()
}

/// A draft an org tuned in ways the editor's form does not show: typing indicators off,
/// three upload modes, labels in two languages, a humanized bot, a field this version
/// does not model.
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
    draft["futureSetting"] = json!({"rolledOutIn": "2027", "levels": [1, 2, 3]});
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
    assert_eq!(before["futureSetting"]["rolledOutIn"], "2027");

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
