//! A rule of a use case lives once, in the application layer: the window and the command
//! line apply it alike, and each words where the input to correct is.

use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;

use serde_json::json;
use webmsg_desk::application::Field;
use webmsg_desk::fallback::Route;
use webmsg_desk::secrets::SecretStore;
use webmsg_desk::store::{ChannelRouting, Store};
use webmsg_desk::workspace::{Locations, Workspace};

use crate::helpers::{spawn_sandbox, unique};

const BINARY: &str = env!("CARGO_BIN_EXE_webmsg-desk");

fn window(dir: &Path, sandbox_url: &str) -> Workspace {
    Workspace::open(
        &Locations::under(dir),
        sandbox_url,
        SecretStore::new(unique("webmsg-desk-one-rule")),
        Arc::new(|_| {}),
    )
    .unwrap()
}

async fn command_line(home: &Path, base_url: &str, args: &[&str]) -> Output {
    let mut command = Command::new(BINARY);
    command
        .args(args)
        .env("GENESYS_ENVIRONMENT", base_url)
        .env("GENESYS_CLIENT_ID", "sandbox-client")
        .env("GENESYS_CLIENT_SECRET", "sandbox-secret")
        .env("XDG_CONFIG_HOME", home)
        .env("XDG_DATA_HOME", home);
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).to_string()
}

/// The command line's history database under `home` (its XDG data folder).
fn command_line_store(home: &Path) -> Store {
    let folder = home.join(webmsg_desk::profiles::APP_IDENTIFIER);
    std::fs::create_dir_all(&folder).unwrap();
    Store::open(&folder.join("desk.sqlite3")).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_channel_caught_on_its_fallback_never_has_the_fallback_taken_for_its_primary() {
    let app = spawn_sandbox().await;
    let base = app.sandbox.base_url();
    let deployment = app.client.deployments().list_all().await.unwrap().remove(0);
    let deployment_id = deployment.id.clone().unwrap();
    let fallback_flow = app.flow_id("Web Messaging Fallback").await;
    // On its fallback flow, with only the fallback recorded (as an imported channel is).
    let mut on_fallback = deployment.clone();
    on_fallback.flow = serde_json::from_value(json!({"id": fallback_flow})).unwrap();
    app.client
        .deployments()
        .update(&deployment_id, &on_fallback)
        .await
        .unwrap();
    let record = ChannelRouting {
        deployment_id: deployment_id.clone(),
        fallback_flow_id: Some(fallback_flow.clone()),
        fallback_flow_name: Some("Web Messaging Fallback".into()),
        ..ChannelRouting::default()
    };

    let dir = tempfile::tempdir().unwrap();
    let workspace = window(dir.path(), &base);
    Store::open(&Locations::under(dir.path()).database)
        .unwrap()
        .save_routing(&record)
        .unwrap();
    let view = workspace.fallback_view(&deployment_id).await.unwrap();
    assert_eq!(view.current_route, Some(Route::Fallback));
    assert_eq!(
        view.routing.primary_flow_id, None,
        "the window must not show the fallback flow as the primary"
    );

    let home = tempfile::tempdir().unwrap();
    command_line_store(home.path())
        .save_routing(&record)
        .unwrap();
    let output = command_line(
        home.path(),
        &base,
        &[
            "fallback",
            "evaluate",
            "--deployment",
            &deployment_id,
            "--queue",
            "Support",
        ],
    )
    .await;
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("primary flow of this channel is not known"),
        "{}",
        stderr(&output)
    );
    let kept = command_line_store(home.path())
        .routing(&deployment_id)
        .unwrap()
        .unwrap();
    assert_eq!(kept.primary_flow_id, None, "nothing guessed was recorded");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_threshold_no_queue_can_meet_is_named_by_field_in_the_window_and_by_flag_on_the_command_line(
) {
    let app = spawn_sandbox().await;
    let base = app.sandbox.base_url();
    let queue = app.queue_id("Support").await;
    let dir = tempfile::tempdir().unwrap();
    let workspace = window(dir.path(), &base);
    let refused = workspace
        .set_queue_thresholds(
            &queue,
            webmsg_desk::monitor::Directives {
                max_depth: Some(0),
                max_wait_seconds: None,
                min_agents: None,
            },
        )
        .unwrap_err();
    assert_eq!(refused.field, Some(Field::MaxDepth));
    assert_eq!(refused.message, "the queue depth limit must be at least 1");

    let home = tempfile::tempdir().unwrap();
    let output = command_line(
        home.path(),
        &base,
        &[
            "monitor",
            "watch",
            "--queue",
            "Support",
            "--max-depth",
            "0",
            "--for",
            "1m",
        ],
    )
    .await;
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("the queue depth limit must be at least 1 (--max-depth)"),
        "{}",
        stderr(&output)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn every_schedule_that_polls_the_org_keeps_the_same_five_second_minimum() {
    let app = spawn_sandbox().await;
    let base = app.sandbox.base_url();
    let deployment_id = app.client.deployments().list_all().await.unwrap()[0]
        .id
        .clone()
        .unwrap();
    let home = tempfile::tempdir().unwrap();
    let fallback = command_line(
        home.path(),
        &base,
        &[
            "fallback",
            "dry-run",
            "--deployment",
            &deployment_id,
            "--queue",
            "Support",
            "--fallback-flow",
            "Web Messaging Fallback",
            "--interval",
            "3",
        ],
    )
    .await;
    let monitor = command_line(
        home.path(),
        &base,
        &[
            "monitor",
            "watch",
            "--queue",
            "Support",
            "--interval",
            "3",
            "--for",
            "1m",
        ],
    )
    .await;
    for output in [&fallback, &monitor] {
        assert_eq!(output.status.code(), Some(2), "{}", stderr(output));
        assert!(
            stderr(output).contains(
                "the interval must be at least 5 seconds, to stay inside the rate budget (--interval)"
            ),
            "{}",
            stderr(output)
        );
    }
    assert!(
        command_line_store(home.path())
            .routing(&deployment_id)
            .unwrap()
            .is_none(),
        "a refused watch records no routing"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_canary_outside_its_bounds_is_refused_by_the_window_naming_how_often() {
    let app = spawn_sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let workspace = window(dir.path(), &app.sandbox.base_url());
    let scenarios = dir.path().join("canary.yaml");
    std::fs::write(&scenarios, "scenarios:\n  hello:\n    - say: hi\n").unwrap();
    let deployment_id = app.client.deployments().list_all().await.unwrap()[0]
        .id
        .clone()
        .unwrap();
    for minutes in [0, 1_441] {
        let refused = workspace
            .start_canary(
                &deployment_id,
                &scenarios,
                minutes,
                webmsg_desk::application::safety::Confirmation::None,
            )
            .await
            .unwrap_err();
        assert_eq!(refused.field, Some(Field::Repeat));
        assert!(
            refused.message.contains("every 1 to 1440 minutes"),
            "{}",
            refused.message
        );
    }
    assert!(
        !workspace
            .canary_view(&deployment_id, false)
            .unwrap()
            .running
    );
}
