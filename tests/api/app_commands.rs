//! The command wiring, without a window: the app built on tauri's mock runtime, commands
//! invoked as the window invokes them (IPC requests with JSON bodies).

use serde_json::{json, Value};
use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::WebviewWindowBuilder;
use webmsg_desk::app::{build, AppOptions, FilePicker};
use webmsg_desk::workspace::Locations;

struct MockApp {
    _app: tauri::App<tauri::test::MockRuntime>,
    webview: tauri::WebviewWindow<tauri::test::MockRuntime>,
    dir: tempfile::TempDir,
}

fn mock_app() -> MockApp {
    let dir = tempfile::tempdir().unwrap();
    let files = dir.path().join("files");
    std::fs::create_dir_all(&files).unwrap();
    let options = AppOptions {
        locations: Some(Locations::under(dir.path())),
        keychain_service: format!("webmsg-desk-mock-{}", uuid::Uuid::new_v4().simple()),
        files: FilePicker::Directory(files),
        sandbox_control_token: None,
        sandbox_clock_start: None,
    };
    let mut app = build(mock_builder(), options)
        .build(mock_context(noop_assets()))
        .unwrap();
    // The first iteration runs the app's setup: the Sandbox and the workspace start.
    #[allow(deprecated)]
    app.run_iteration(|_, _| {});
    let webview = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    MockApp {
        _app: app,
        webview,
        dir,
    }
}

impl MockApp {
    fn invoke(&self, command: &str, body: Value) -> Result<Value, Value> {
        get_ipc_response(
            &self.webview,
            InvokeRequest {
                cmd: command.into(),
                callback: tauri::ipc::CallbackFn(0),
                error: tauri::ipc::CallbackFn(1),
                url: if cfg!(windows) {
                    "http://tauri.localhost"
                } else {
                    "tauri://localhost"
                }
                .parse()
                .unwrap(),
                body: tauri::ipc::InvokeBody::Json(body),
                headers: Default::default(),
                invoke_key: INVOKE_KEY.to_string(),
            },
        )
        .map(|response| response.deserialize::<Value>().unwrap())
    }
}

#[test]
fn commands_reach_the_workspace_and_errors_come_back_as_code_and_message() {
    let app = mock_app();

    let profiles = app.invoke("profiles_view", json!({})).unwrap();
    assert_eq!(profiles["active"], "Sandbox");
    assert_eq!(profiles["profiles"][0]["isSandbox"], true);

    let channels = app.invoke("load_channels", json!({})).unwrap();
    assert_eq!(channels["isSandbox"], true);
    let support = channels["channels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "Support Site")
        .unwrap()
        .clone();
    assert_eq!(support["status"], "Active");

    // The editor's checks: an invalid colour is an error on its field, with the reason.
    let report = app
        .invoke(
            "check_channel",
            json!({"input": {"name": "Shop", "queue": "Support", "flow": "Web Messaging Inbound",
                             "primaryColor": "#12zz", "languages": ["en-us"], "domains": ["shop.example.com"]}}),
        )
        .unwrap();
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["field"], "messenger.styles.primaryColor");
    let valid = app
        .invoke(
            "check_channel",
            json!({"input": {"name": "Shop", "queue": "Support", "flow": "Web Messaging Inbound",
                             "primaryColor": "#0b6e4f", "languages": ["en-us"], "domains": ["shop.example.com"]}}),
        )
        .unwrap();
    assert_eq!(valid["errors"], json!([]));
    assert_eq!(valid["contrast"]["passesAa"], true);

    // Export goes through the file picker (a folder here) and writes the channel.
    let exported = app
        .invoke(
            "export_channel",
            json!({"deploymentId": support["deploymentId"], "name": "Support Site"}),
        )
        .unwrap();
    let path = exported["path"].as_str().unwrap();
    assert!(path.starts_with(app.dir.path().to_str().unwrap()), "{path}");
    assert!(path.ends_with("Support-Site.channel.json"), "{path}");
    let document: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    assert_eq!(document["deployment"]["id"], support["deploymentId"]);

    // Import planning picks the newest export and maps it without writing anything.
    let plan = app.invoke("choose_import", json!({})).unwrap();
    assert_eq!(plan["channel"], "Support Site");
    assert!(plan["mapping"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["kind"] == "flow" && m["name"] == "Web Messaging Inbound"));
    let after = app.invoke("load_channels", json!({})).unwrap();
    assert_eq!(after["channels"], channels["channels"]);

    // A failure is {code, message} and nothing else.
    let error = app
        .invoke(
            "channel_detail",
            json!({"deploymentId": "00000000-0000-0000-0000-000000000000"}),
        )
        .unwrap_err();
    let keys: Vec<_> = error.as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys, ["code", "message"]);
    assert_eq!(error["code"], "not.found");
    let refused = app
        .invoke(
            "export_monitor",
            json!({"queueId": "q", "queueName": "Support", "rangeMinutes": 60, "format": "gif"}),
        )
        .unwrap_err();
    assert_eq!(refused["code"], "validation.failed");
    assert!(!app
        .invoke("cancel_operation", json!({"operation": "nothing-running"}))
        .unwrap()
        .as_bool()
        .unwrap());
}
