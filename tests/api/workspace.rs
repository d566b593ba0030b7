//! The window's backend without a window: profiles with their secrets in the real
//! keychain, connection tests, the monitor and fallback watches, over HTTP to a Sandbox.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use secrecy::ExposeSecret;
use webmsg_desk::genesys::Environment;
use webmsg_desk::sandbox::{READONLY_CLIENT_ID, READONLY_CLIENT_SECRET};
use webmsg_desk::secrets::{Destination, SecretStore};
use webmsg_desk::workspace::access::Access;
use webmsg_desk::workspace::{Locations, ProfileForm, Workspace, WorkspaceEvent, SANDBOX_PROFILE};

use crate::helpers::{eventually, spawn_sandbox, unique, walk};

type Events = Arc<Mutex<Vec<WorkspaceEvent>>>;

/// A profile of the test's Sandbox with its demo credentials.
fn sandbox_profile(app: &crate::helpers::TestApp, name: &str, production: bool) -> ProfileForm {
    ProfileForm {
        name: name.into(),
        environment: app.sandbox.base_url(),
        client_id: webmsg_desk::sandbox::DEMO_CLIENT_ID.into(),
        client_secret: webmsg_desk::sandbox::DEMO_CLIENT_SECRET.into(),
        production,
        ..Default::default()
    }
}

fn open(dir: &std::path::Path, sandbox_url: &str, service: &str) -> (Workspace, Events) {
    let events: Events = Arc::default();
    let sink = events.clone();
    let workspace = Workspace::open(
        &Locations::under(dir),
        sandbox_url,
        SecretStore::new(service),
        Arc::new(move |event| sink.lock().unwrap().push(event)),
    )
    .unwrap();
    (workspace, events)
}

#[tokio::test(flavor = "multi_thread")]
async fn first_start_opens_the_sandbox_and_a_real_profile_keeps_its_secret_in_the_keychain() {
    let app = spawn_sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let service = unique("webmsg-desk-workspace-test");
    let (workspace, _) = open(dir.path(), &app.sandbox.base_url(), &service);

    let view = workspace.profiles_view().unwrap();
    assert_eq!(view.active, SANDBOX_PROFILE);
    assert_eq!(view.profiles.len(), 1);
    assert!(view.profiles[0].is_sandbox);
    assert_eq!(view.regions.len(), 18);
    let channels = workspace.channels().await.unwrap();
    assert!(channels.is_sandbox);
    assert!(channels.channels.iter().any(|c| c.name == "Support Site"));

    // A profile for the read-only client of the same org (a loopback URL is allowed as an
    // environment, as for any Sandbox).
    let secret = READONLY_CLIENT_SECRET;
    let saved = workspace
        .save_profile(ProfileForm {
            name: "Auditor".into(),
            environment: app.sandbox.base_url(),
            client_id: READONLY_CLIENT_ID.into(),
            client_secret: secret.into(),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(saved.profiles.len(), 2);
    let sandbox = Environment::parse(&app.sandbox.base_url()).unwrap();
    let stored = SecretStore::new(&service)
        .get("Auditor", Destination::from(&sandbox))
        .unwrap()
        .unwrap();
    assert_eq!(stored.expose_secret(), secret);
    for path in walk(dir.path()) {
        let bytes = std::fs::read(&path).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(secret),
            "{} holds the secret",
            path.display()
        );
    }

    // A secret kept from before never follows a change of environment.
    let refused = workspace
        .save_profile(ProfileForm {
            original_name: Some("Auditor".into()),
            name: "Auditor".into(),
            environment: "http://127.0.0.1:9".into(),
            client_id: READONLY_CLIENT_ID.into(),
            ..Default::default()
        })
        .unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("enter the client secret again"),
        "{refused}"
    );
    let unchanged = workspace.profiles_view().unwrap();
    let auditor = unchanged
        .profiles
        .iter()
        .find(|p| p.name == "Auditor")
        .unwrap();
    assert_eq!(auditor.environment, app.sandbox.base_url());

    // Editing without a secret keeps the stored one; renaming moves it.
    workspace
        .save_profile(ProfileForm {
            original_name: Some("Auditor".into()),
            name: "Read only".into(),
            environment: app.sandbox.base_url(),
            client_id: READONLY_CLIENT_ID.into(),
            ..Default::default()
        })
        .unwrap();
    assert!(!SecretStore::new(&service).holds("Auditor").unwrap());
    assert_eq!(
        SecretStore::new(&service)
            .get("Read only", Destination::from(&sandbox))
            .unwrap()
            .unwrap()
            .expose_secret(),
        secret
    );

    // The connection test logs in and finds the write permissions missing.
    let report = workspace.test_connection(Some("Read only")).await.unwrap();
    assert_eq!(report.organization.as_deref(), Some("Sandbox Org"));
    for missing in [
        "webDeployments:configuration:add",
        "webDeployments:deployment:edit",
        "webDeployments:deployment:delete",
    ] {
        assert!(report.missing.contains(&missing), "{:?}", report.missing);
    }
    let screen = |name: &str| report.screens.iter().find(|s| s.screen == name).unwrap();
    assert!(screen("Queue monitor").ready);
    assert!(screen("Metrics & audit").ready);
    assert!(!screen("Channel editor").ready);
    // A role without it leaves synthetic conversations open: the Test drive says so.
    assert!(
        report
            .missing
            .contains(&"conversation:communication:disconnect"),
        "{:?}",
        report.missing
    );
    assert!(!screen("Test drive").ready);
    let view_permission = screen("Channels")
        .permissions
        .iter()
        .find(|p| p.permission == "webDeployments:deployment:view")
        .unwrap();
    assert_eq!(view_permission.access, Access::Granted);
    let before = (
        app.client
            .configurations()
            .list_all(false)
            .await
            .unwrap()
            .len(),
        app.client.deployments().list_all().await.unwrap().len(),
    );
    let full = workspace.test_connection(None).await.unwrap();
    assert!(full.missing.is_empty(), "{:?}", full.missing);
    assert!(full.screens.iter().all(|s| s.ready));
    // Probing every write permission with full rights created nothing.
    let after = (
        app.client
            .configurations()
            .list_all(false)
            .await
            .unwrap()
            .len(),
        app.client.deployments().list_all().await.unwrap().len(),
    );
    assert_eq!(before, after);

    // Opening the profile is remembered; a reopened workspace comes back on it.
    workspace.activate("Read only").unwrap();
    drop(workspace);
    let (reopened, _) = open(dir.path(), &app.sandbox.base_url(), &service);
    assert_eq!(reopened.profiles_view().unwrap().active, "Read only");

    // Removing it deletes the keychain entry and falls back to the Sandbox.
    let after = reopened.remove_profile("Read only").unwrap();
    assert_eq!(after.active, SANDBOX_PROFILE);
    assert!(!SecretStore::new(&service).holds("Read only").unwrap());
    assert!(reopened.remove_profile(SANDBOX_PROFILE).is_err());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_profile_whose_secret_is_gone_opens_the_sandbox_with_the_reason() {
    let app = spawn_sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let service = unique("webmsg-desk-workspace-test");
    let (workspace, _) = open(dir.path(), &app.sandbox.base_url(), &service);
    workspace
        .save_profile(ProfileForm {
            name: "Prod".into(),
            environment: "eu-west-1".into(),
            client_id: "abc".into(),
            client_secret: "xyz".into(),
            ..Default::default()
        })
        .unwrap();
    workspace.activate("Prod").unwrap();
    drop(workspace);
    SecretStore::new(&service).delete("Prod").unwrap();
    let (reopened, _) = open(dir.path(), &app.sandbox.base_url(), &service);
    let view = reopened.profiles_view().unwrap();
    assert_eq!(view.active, SANDBOX_PROFILE);
    let notice = view.notice.unwrap();
    assert!(
        notice.contains("Prod") && notice.contains("keychain"),
        "{notice}"
    );
    let refused = reopened
        .save_profile(ProfileForm {
            name: "sandbox".into(),
            environment: "eu-west-1".into(),
            client_id: "abc".into(),
            client_secret: "xyz".into(),
            ..Default::default()
        })
        .unwrap_err();
    assert_eq!(refused.code, "profile.invalid");
    let no_secret = reopened
        .save_profile(ProfileForm {
            name: "New".into(),
            environment: "eu-west-1".into(),
            client_id: "abc".into(),
            ..Default::default()
        })
        .unwrap_err();
    assert!(
        no_secret.message.contains("secret is required"),
        "{no_secret}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_monitor_polls_in_the_background_and_draws_the_selected_queue() {
    let app = spawn_sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let (workspace, events) = open(dir.path(), &app.sandbox.base_url(), &unique("svc"));
    // The Sandbox profile polls every 5 s; two polls make a graph.
    let view = eventually(Duration::from_secs(30), "a graph of two polls", || async {
        let view = workspace.monitor_view(None, 60).unwrap();
        view.chart.is_some().then_some(view)
    })
    .await;
    assert_eq!(view.queues.len(), 4);
    assert!(view.samples_in_range >= 2);
    assert!(view
        .chart
        .unwrap()
        .starts_with("data:image/svg+xml;base64,"));
    assert!(view
        .queues
        .iter()
        .all(|q| q.latest.is_some() && q.flags.is_some()));
    assert!(view.rate_budget.allowed.is_some());
    let cycles = events
        .lock()
        .unwrap()
        .iter()
        .filter(|e| matches!(e, WorkspaceEvent::MonitorCycle { ok: true, .. }))
        .count();
    assert!(cycles >= 2, "{cycles} monitor events");

    let queue = view.selected.unwrap();
    for (extension, starts_with) in [
        ("csv", b"time,queue_id".as_slice()),
        ("svg", b"<svg"),
        ("png", b"\x89PNG"),
    ] {
        let path = dir.path().join(format!("export.{extension}"));
        let bytes = workspace.export_monitor(&queue, 60, &path).unwrap();
        let written = std::fs::read(&path).unwrap();
        assert_eq!(bytes as usize, written.len());
        assert!(
            written.starts_with(starts_with),
            "{extension}: {:?}",
            &written[..8.min(written.len())]
        );
    }
    let refused = workspace
        .set_queue_thresholds(
            &queue,
            webmsg_desk::monitor::Directives {
                max_depth: Some(0),
                max_wait_seconds: Some(60),
                min_agents: None,
            },
        )
        .unwrap_err();
    assert_eq!(refused.code, "validation.failed");
    workspace
        .set_queue_thresholds(
            &queue,
            webmsg_desk::monitor::Directives {
                max_depth: Some(3),
                max_wait_seconds: Some(45),
                min_agents: Some(2),
            },
        )
        .unwrap();
    let view = workspace.monitor_view(Some(&queue), 60).unwrap();
    let selected = view.queues.iter().find(|q| q.id == queue).unwrap();
    assert_eq!(selected.thresholds.max_wait_seconds, Some(45));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fallback_watch_switches_the_route_logs_it_and_raises_a_notification() {
    let app = spawn_sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let (workspace, events) = open(dir.path(), &app.sandbox.base_url(), &unique("svc"));
    let channels = workspace.channels().await.unwrap();
    let deployment = channels.channels[0].deployment_id.clone();
    let view = workspace.fallback_view(&deployment).await.unwrap();
    assert!(view.running.is_none());
    assert!(view.switches.is_empty());
    let queue = view
        .queues
        .iter()
        .find(|q| q.name == "Support")
        .unwrap()
        .id
        .clone();
    let fallback_flow = view
        .flows
        .iter()
        .find(|f| f.name == "Web Messaging Fallback")
        .unwrap()
        .id
        .clone();
    // Rules no queue can meet: the first sample switches to the fallback flow.
    let rules = webmsg_desk::fallback::FallbackRules {
        min_agents: 1000,
        trigger_samples: 1,
        ..Default::default()
    };
    let same_flow = workspace
        .start_fallback(
            &deployment,
            webmsg_desk::workspace::FallbackSetup {
                confirmation: None,
                rules: rules.clone(),
                mode: webmsg_desk::fallback::RunnerMode::Run,
                primary_queue_id: queue.clone(),
                fallback_flow_id: view.routing.primary_flow_id.clone().unwrap(),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(same_flow.code, "validation.failed");
    workspace
        .start_fallback(
            &deployment,
            webmsg_desk::workspace::FallbackSetup {
                confirmation: None,
                rules,
                mode: webmsg_desk::fallback::RunnerMode::Run,
                primary_queue_id: queue,
                fallback_flow_id: fallback_flow.clone(),
            },
        )
        .await
        .unwrap();
    let switched = eventually(Duration::from_secs(20), "a switch", || async {
        events.lock().unwrap().iter().find_map(|e| match e {
            WorkspaceEvent::RouteSwitched { to, reason, .. } => Some((*to, reason.clone())),
            _ => None,
        })
    })
    .await;
    assert_eq!(switched.0, webmsg_desk::fallback::Route::Fallback);
    assert!(switched.1.contains("fewer than 1000"), "{}", switched.1);
    let view = workspace.fallback_view(&deployment).await.unwrap();
    assert_eq!(view.running, Some(webmsg_desk::fallback::RunnerMode::Run));
    assert_eq!(
        view.current_route,
        Some(webmsg_desk::fallback::Route::Fallback)
    );
    assert_eq!(view.switches.len(), 1);
    assert_eq!(view.rules.min_agents, 1000, "the rules are remembered");
    assert!(view.last_event.is_some());
    let live = app.client.deployments().get(&deployment).await.unwrap();
    assert_eq!(live.flow.and_then(|f| f.id), Some(fallback_flow));
    assert!(workspace.stop_fallback(&deployment));
    assert!(!workspace.stop_fallback(&deployment));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_publish_started_by_the_window_is_cancelled_by_its_operation_id() {
    let app = spawn_sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let (workspace, _) = open(dir.path(), &app.sandbox.base_url(), &unique("svc"));
    let workspace = Arc::new(workspace);
    let deployment = workspace.channels().await.unwrap().channels[0]
        .deployment_id
        .clone();
    app.control(
        "/sandbox/deployments/outcome",
        serde_json::json!({"outcome": "StuckPending", "deploymentId": deployment}),
    )
    .await;
    let stages: Arc<Mutex<Vec<webmsg_desk::channel::Stage>>> = Arc::default();
    let running = {
        let workspace = workspace.clone();
        let stages = stages.clone();
        let deployment = deployment.clone();
        tokio::spawn(async move {
            let report = move |progress: webmsg_desk::channel::Progress| {
                stages.lock().unwrap().push(progress.stage)
            };
            workspace
                .publish(&deployment, None, Default::default(), "op-1", &report)
                .await
                .unwrap()
        })
    };
    eventually(
        Duration::from_secs(30),
        "the wait for the deployment",
        || async {
            stages
                .lock()
                .unwrap()
                .contains(&webmsg_desk::channel::Stage::WaitingForDeployment)
                .then_some(())
        },
    )
    .await;
    assert!(!workspace.cancel_operation("another-op"));
    assert!(workspace.cancel_operation("op-1"));
    let outcome = tokio::time::timeout(Duration::from_secs(10), running)
        .await
        .expect("the publish stops soon after cancel")
        .unwrap();
    assert_eq!(
        outcome,
        webmsg_desk::channel::PublishOutcome::Cancelled {
            stage: webmsg_desk::channel::Stage::WaitingForDeployment
        }
    );
    assert!(
        !workspace.cancel_operation("op-1"),
        "the operation is gone once it ended"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_edit_is_saved_as_the_draft_shown_as_a_diff_and_published_with_its_domains() {
    let app = spawn_sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let (workspace, _) = open(dir.path(), &app.sandbox.base_url(), &unique("svc"));
    let deployment = workspace.channels().await.unwrap().channels[0]
        .deployment_id
        .clone();
    let detail = workspace.channel_detail(&deployment).await.unwrap();
    assert!(!detail.versions.is_empty());
    assert!(detail.versions.iter().any(|v| v.live));
    let mut input = detail.input.clone();
    assert!(
        !input.primary_color.is_empty(),
        "the form is read back from the draft"
    );
    input.primary_color = "#8a1538".into();
    input.allow_all_domains = false;
    input.domains = vec!["shop.example.org".into()];
    // Routing pickers are not part of an edit; they only need to pass the form's checks.
    input.queue = "Support".into();

    let mut invalid = input.clone();
    invalid.primary_color = "#8a15".into();
    let refused = workspace
        .save_draft(&deployment, &invalid)
        .await
        .unwrap_err();
    assert_eq!(refused.code, "validation.failed");

    let diffs = workspace.save_draft(&deployment, &input).await.unwrap();
    let colour = diffs
        .draft_vs_published
        .iter()
        .find(|d| d.path.ends_with("primaryColor"))
        .expect("the colour change is in the draft ↔ published diff");
    assert_eq!(colour.left, Some(serde_json::json!("#8a1538")));

    let outcome = workspace
        .publish(
            &deployment,
            Some(&input),
            Default::default(),
            "op-edit",
            &|_| {},
        )
        .await
        .unwrap();
    let webmsg_desk::channel::PublishOutcome::Active { version } = outcome else {
        panic!("{outcome:?}");
    };
    let live = app.client.deployments().get(&deployment).await.unwrap();
    assert_eq!(
        live.allowed_domains,
        Some(vec!["shop.example.org".to_string()])
    );
    assert_eq!(
        live.configuration.and_then(|c| c.version),
        Some(version.clone())
    );
    let after = workspace.channel_detail(&deployment).await.unwrap();
    assert_eq!(after.input.primary_color, "#8a1538");
    assert_eq!(after.live_version, Some(version));
    let preview = workspace.publish_preview(&deployment).await.unwrap();
    assert!(
        preview.draft_vs_published.is_empty(),
        "{:?}",
        preview.draft_vs_published
    );
    assert!(
        preview.published_vs_live.is_empty(),
        "{:?}",
        preview.published_vs_live
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_corrupt_profiles_file_and_database_are_set_aside_and_the_sandbox_opens() {
    let app = spawn_sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let locations = Locations::under(dir.path());
    std::fs::create_dir_all(&locations.config_dir).unwrap();
    std::fs::create_dir_all(locations.database.parent().unwrap()).unwrap();
    std::fs::write(
        locations.config_dir.join("profiles.json"),
        b"{\"profiles\": [",
    )
    .unwrap();
    std::fs::write(&locations.database, b"this was never a database").unwrap();

    let service = unique("webmsg-desk-corrupt-test");
    let (workspace, _) = open(dir.path(), &app.sandbox.base_url(), &service);
    let view = workspace.profiles_view().unwrap();
    assert_eq!(view.active, SANDBOX_PROFILE);
    let notice = view.notice.unwrap_or_default();
    assert!(
        notice.contains("profiles file") && notice.contains("history database"),
        "{notice}"
    );
    assert!(workspace.channels().await.unwrap().is_sandbox);

    // Both originals are kept beside their replacements, byte for byte.
    let kept = |folder: &std::path::Path, prefix: &str| -> Vec<u8> {
        let entry = std::fs::read_dir(folder)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| {
                let name = p.file_name().unwrap().to_string_lossy();
                name.starts_with(prefix) && name.contains(".corrupt-")
            })
            .unwrap_or_else(|| panic!("no kept copy of {prefix}"));
        std::fs::read(entry).unwrap()
    };
    assert_eq!(
        kept(&locations.config_dir, "profiles.json"),
        b"{\"profiles\": ["
    );
    assert_eq!(
        kept(locations.database.parent().unwrap(), "history.sqlite3"),
        b"this was never a database"
    );
    // The new files work: a profile can be saved again.
    workspace
        .save_profile(ProfileForm {
            name: "Auditor".into(),
            environment: app.sandbox.base_url(),
            client_id: READONLY_CLIENT_ID.into(),
            client_secret: READONLY_CLIENT_SECRET.into(),
            ..Default::default()
        })
        .unwrap();
    SecretStore::new(&service).delete("Auditor").unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_window_canary_runs_its_first_round_at_once_records_it_and_reports_failures() {
    let app = spawn_sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let (workspace, events) = open(dir.path(), &app.sandbox.base_url(), &unique("svc"));
    let channels = workspace.channels().await.unwrap();
    let deployment = channels.channels[0].deployment_id.clone();
    let file = dir.path().join("canary.yaml");
    std::fs::write(
        &file,
        "scenarios:\n  Greets:\n    - say: hi\n    - expect-reply: { contains: help, within: 10 }\n  Billing:\n    - say: hi\n    - expect-routed: { queue: Billing, within: 10 }\n",
    )
    .unwrap();
    assert!(workspace
        .start_canary(&deployment, &file, 0, Default::default())
        .await
        .is_err());
    let broken = dir.path().join("broken.yaml");
    std::fs::write(&broken, "scenarios: {}\n").unwrap();
    let refused = workspace
        .start_canary(&deployment, &broken, 15, Default::default())
        .await
        .unwrap_err();
    assert!(refused.message.contains("empty"), "{}", refused.message);

    workspace
        .start_canary(&deployment, &file, 15, Default::default())
        .await
        .unwrap();
    let round = eventually(Duration::from_secs(20), "a canary round", || async {
        events.lock().unwrap().iter().find_map(|event| match event {
            WorkspaceEvent::CanaryRound {
                passed,
                total,
                failures,
                ..
            } => Some((*passed, *total, failures.clone())),
            _ => None,
        })
    })
    .await;
    assert_eq!(round, (1, 2, vec!["Billing".to_string()]));
    let view = workspace.canary_view(&deployment, false).unwrap();
    assert!(view.running);
    assert_eq!(view.every_minutes, Some(15));
    assert_eq!(view.summary.points.len(), 1);
    assert_eq!(view.summary.pass_rate, Some(0.5));
    assert!(view.summary.recent_failures[0].starts_with("Billing: step 2"));
    let svg = view.summary.chart_svg.unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("1 of 2 scenario runs passed"));
    assert!(workspace.stop_canary(&deployment));
    assert!(!workspace.canary_view(&deployment, true).unwrap().running);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_production_profile_asks_for_the_channel_name_and_opens_read_only_on_request() {
    use webmsg_desk::application::channels::Confirmation;
    use webmsg_desk::application::connection::OpenMode;
    let app = spawn_sandbox().await;
    let (deployment, _) = app.seeded_channel().await;
    let dir = tempfile::tempdir().unwrap();
    let service = unique("webmsg-desk-workspace-test");
    let (workspace, _) = open(dir.path(), &app.sandbox.base_url(), &service);
    workspace
        .save_profile(ProfileForm {
            colour: Some("#c0392b".into()),
            ..sandbox_profile(&app, "Prod", true)
        })
        .unwrap();

    let read_only = workspace.activate_as("Prod", OpenMode::ReadOnly).unwrap();
    assert!(read_only.read_only);
    let prod = read_only
        .profiles
        .iter()
        .find(|p| p.name == "Prod")
        .unwrap();
    assert!(prod.production && prod.active);
    assert_eq!(prod.colour.as_deref(), Some("#c0392b"));
    assert!(
        workspace.channel_detail(&deployment).await.is_ok(),
        "reads work"
    );
    let refused = workspace
        .delete_channel(&deployment, Confirmation::Typed("Support Site".into()))
        .await
        .unwrap_err();
    assert_eq!(refused.code, "profile.read.only", "{}", refused.message);

    // Read-only is remembered for the profile; opening it read-write is a choice.
    let writable = workspace.activate_as("Prod", OpenMode::ReadWrite).unwrap();
    assert!(!writable.read_only);
    for (typed, expected) in [
        (None, "is a production profile"),
        (Some("Support"), "is not the channel's name"),
    ] {
        let refused = workspace
            .delete_channel(&deployment, Confirmation::typed(typed.map(String::from)))
            .await
            .unwrap_err();
        assert_eq!(refused.code, "confirmation.required");
        assert!(refused.message.contains(expected), "{}", refused.message);
    }
    assert_eq!(
        app.client
            .deployments()
            .get(&deployment)
            .await
            .unwrap()
            .name,
        "Support Site",
        "nothing was deleted"
    );
    let deleted = workspace
        .delete_channel(&deployment, Confirmation::Typed("Support Site".into()))
        .await
        .unwrap();
    assert_eq!(deleted.deployment_id, deployment);
    SecretStore::new(&service).delete("Prod").unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_import_shows_domains_and_hidden_settings_and_creates_exactly_what_was_previewed() {
    let app = spawn_sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let (workspace, _) = open(dir.path(), &app.sandbox.base_url(), &unique("svc"));
    let deployment = workspace.channels().await.unwrap().channels[0]
        .deployment_id
        .clone();
    let file = dir.path().join("channel.json");
    workspace.export_channel(&deployment, &file).await.unwrap();

    // A file edited by hand: a name, open to every site, a setting this app has never heard of.
    let mut document: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    document["deployment"]["name"] = "Previewed".into();
    document["deployment"]["allowAllDomains"] = true.into();
    document["deployment"]
        .as_object_mut()
        .unwrap()
        .remove("allowedDomains");
    document["configuration"]["messenger"]["styles"]["launcherFont"] = "Comic Sans MS".into();
    std::fs::write(&file, serde_json::to_vec(&document).unwrap()).unwrap();

    let error = workspace
        .import_channel(&file, Default::default(), "op-unplanned", &|_| {})
        .await
        .unwrap_err();
    assert!(error.message.contains("choose the file again"), "{error:?}");

    let plan = workspace.plan_import(&file).await.unwrap();
    assert_eq!(plan.channel, "Previewed");
    assert!(plan.allow_all_domains);
    assert!(plan.domains.is_empty());
    let unknown = plan
        .carried
        .iter()
        .find(|s| s.path == "configuration.messenger.styles.launcherFont")
        .expect("the unknown setting is listed");
    assert!(unknown.unknown);
    assert_eq!(unknown.value, "\"Comic Sans MS\"");
    assert!(
        plan.carried
            .iter()
            .all(|s| !s.path.ends_with("primaryColor")),
        "settings the editor shows are not repeated: {:?}",
        plan.carried
    );

    // The file changes after the preview: the import still creates what was shown.
    document["deployment"]["name"] = "Swapped after preview".into();
    document["deployment"]["allowAllDomains"] = false.into();
    document["deployment"]["allowedDomains"] = serde_json::json!(["swapped.example.com"]);
    std::fs::write(&file, serde_json::to_vec(&document).unwrap()).unwrap();
    let report = workspace
        .import_channel(&file, Default::default(), "op-import", &|_| {})
        .await
        .unwrap();
    assert!(report.outcome.is_active(), "{:?}", report.outcome);
    let created = app
        .client
        .deployments()
        .get(report.deployment_id.as_deref().unwrap())
        .await
        .unwrap();
    assert_eq!(created.name, "Previewed");
    assert_eq!(created.allow_all_domains, Some(true));
    let names: Vec<String> = workspace
        .channels()
        .await
        .unwrap()
        .channels
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert!(
        !names.iter().any(|n| n == "Swapped after preview"),
        "{names:?}"
    );

    let again = workspace
        .import_channel(&file, Default::default(), "op-twice", &|_| {})
        .await
        .unwrap_err();
    assert!(
        again.message.contains("choose the file again"),
        "a plan is used once: {again:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn quitting_mid_create_and_mid_watch_leaves_nothing_half_made_and_the_watch_resumes() {
    let app = crate::helpers::spawn_sandbox_with(webmsg_desk::sandbox::SandboxOptions {
        lifecycle_delay: Duration::from_secs(3),
        ..crate::helpers::test_options()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let service = unique("svc");
    let (workspace, events) = open(dir.path(), &app.sandbox.base_url(), &service);
    let workspace = Arc::new(workspace);
    assert_eq!(workspace.running_work(), Default::default());
    let deployment = workspace.channels().await.unwrap().channels[0]
        .deployment_id
        .clone();
    let view = workspace.fallback_view(&deployment).await.unwrap();
    let id_of = |items: &[webmsg_desk::overview::NamedItem], name: &str| {
        items.iter().find(|i| i.name == name).unwrap().id.clone()
    };
    let fallback_flow = id_of(&view.flows, "Web Messaging Fallback");
    workspace
        .start_fallback(
            &deployment,
            webmsg_desk::workspace::FallbackSetup {
                confirmation: None,
                rules: webmsg_desk::fallback::FallbackRules {
                    min_agents: 1000,
                    trigger_samples: 1,
                    ..Default::default()
                },
                mode: webmsg_desk::fallback::RunnerMode::Run,
                primary_queue_id: id_of(&view.queues, "Support"),
                fallback_flow_id: fallback_flow.clone(),
            },
        )
        .await
        .unwrap();
    eventually(Duration::from_secs(30), "a switch", || async {
        events
            .lock()
            .unwrap()
            .iter()
            .any(|e| matches!(e, WorkspaceEvent::RouteSwitched { .. }))
            .then_some(())
    })
    .await;

    // A create still waiting for its draft when the app quits.
    let stages: Arc<Mutex<Vec<webmsg_desk::channel::Stage>>> = Arc::default();
    let creating = {
        let workspace = workspace.clone();
        let stages = stages.clone();
        tokio::spawn(async move {
            let input = webmsg_desk::channel::ChannelInput {
                name: "Closed mid-create".into(),
                queue: "Support".into(),
                flow: "Web Messaging Inbound".into(),
                primary_color: "#1f5fa8".into(),
                languages: vec!["en-us".into()],
                domains: vec!["www.example.com".into()],
                ..Default::default()
            };
            let report = move |progress: webmsg_desk::channel::Progress| {
                stages.lock().unwrap().push(progress.stage)
            };
            workspace
                .create_channel(&input, Default::default(), "op-create", &report)
                .await
                .unwrap()
        })
    };
    eventually(
        Duration::from_secs(30),
        "the wait for the draft",
        || async {
            stages
                .lock()
                .unwrap()
                .contains(&webmsg_desk::channel::Stage::WaitingForDraft)
                .then_some(())
        },
    )
    .await;
    let work = workspace.running_work();
    assert!(work.needs_confirmation());
    assert_eq!(work.operations, ["creating “Closed mid-create”"]);
    assert_eq!(work.watches.len(), 1);
    assert_eq!(work.watches[0].mode, webmsg_desk::fallback::RunnerMode::Run);

    let report = workspace.shut_down(Duration::from_secs(10)).await;
    assert_eq!(report.cancelled_operations, 1);
    assert!(report.unfinished_operations.is_empty(), "{report:?}");
    assert_eq!(report.watches_to_resume, 1);
    let created = creating.await.unwrap();
    assert!(
        matches!(
            created.outcome,
            webmsg_desk::channel::PublishOutcome::Cancelled { .. }
        ),
        "{:?}",
        created.outcome
    );
    assert!(created.deployment_id.is_none());
    assert!(
        created.warnings.iter().any(|w| w.contains("removed again")),
        "{:?}",
        created.warnings
    );
    // The org: no configuration without a deployment; the channel stays on its fallback.
    let configurations = app.client.configurations().list_all(false).await.unwrap();
    assert!(
        !configurations.iter().any(|c| c.name == "Closed mid-create"),
        "the half-made configuration is gone"
    );
    let live = app.client.deployments().get(&deployment).await.unwrap();
    assert_eq!(live.flow.and_then(|f| f.id), Some(fallback_flow));
    drop(workspace);
    // The history says what happened: the create and its undoing, and the switch.
    let history = webmsg_desk::store::Store::open(&Locations::under(dir.path()).database).unwrap();
    let actions: Vec<(String, String)> = history
        .actions(
            std::slice::from_ref(&created.configuration_id),
            chrono::Utc::now() - chrono::Duration::hours(1),
        )
        .unwrap()
        .into_iter()
        .map(|a| (a.action, a.entity_type))
        .collect();
    assert_eq!(
        actions,
        [
            ("Create".to_string(), "Configuration".to_string()),
            ("Delete".to_string(), "Configuration".to_string())
        ]
    );
    assert_eq!(history.switches(&deployment).unwrap().len(), 1);
    drop(history);

    // The next start resumes the watch as it was; stopping it forgets it.
    let (reopened, _) = open(dir.path(), &app.sandbox.base_url(), &service);
    assert!(reopened.running_work().watches.is_empty());
    let resumed = reopened.resume_watches().await;
    assert!(
        matches!(
            resumed.as_slice(),
            [WorkspaceEvent::WatchResumed {
                error: None,
                mode: webmsg_desk::fallback::RunnerMode::Run,
                ..
            }]
        ),
        "{resumed:?}"
    );
    assert_eq!(reopened.running_work().watches.len(), 1);
    assert!(
        reopened.resume_watches().await.is_empty(),
        "a running watch is not started twice"
    );
    assert!(reopened.stop_fallback(&deployment));
    drop(reopened);
    let (third, _) = open(dir.path(), &app.sandbox.base_url(), &service);
    assert!(third.resume_watches().await.is_empty());

    // A watch whose channel is gone (a Sandbox that started afresh) is forgotten.
    third
        .settings()
        .update(|s| {
            s.watches.push(webmsg_desk::workspace::RecordedWatch {
                profile: SANDBOX_PROFILE.into(),
                deployment_id: uuid::Uuid::new_v4().to_string(),
                channel: "Gone".into(),
                rules: Default::default(),
                mode: webmsg_desk::fallback::RunnerMode::Run,
                primary_queue_id: uuid::Uuid::new_v4().to_string(),
                fallback_flow_id: uuid::Uuid::new_v4().to_string(),
            })
        })
        .unwrap();
    let gone = third.resume_watches().await;
    assert!(
        matches!(gone.as_slice(), [WorkspaceEvent::WatchResumed { error: Some(e), .. }] if e.contains("no longer exists")),
        "{gone:?}"
    );
    assert!(third.resume_watches().await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_settings_file_of_the_wrong_shape_is_set_aside_and_later_saves_work() {
    let app = spawn_sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let locations = Locations::under(dir.path());
    std::fs::create_dir_all(&locations.config_dir).unwrap();
    let wrong = br#"{"activeProfile": 5, "watches": "not a list"}"#;
    std::fs::write(locations.config_dir.join("settings.json"), wrong).unwrap();

    let (workspace, _) = open(dir.path(), &app.sandbox.base_url(), &unique("svc"));
    let view = workspace.profiles_view().unwrap();
    assert_eq!(view.active, SANDBOX_PROFILE);
    let notice = view.notice.unwrap_or_default();
    assert!(
        notice.contains("settings file") && notice.contains(".corrupt-"),
        "{notice}"
    );
    let kept = std::fs::read_dir(&locations.config_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("settings.json.corrupt-"))
        .unwrap();
    assert_eq!(std::fs::read(kept).unwrap(), wrong);
    // The window goes on saving its settings.
    let queue = app.queue_id("Support").await;
    workspace
        .set_queue_thresholds(
            &queue,
            webmsg_desk::monitor::Directives {
                max_depth: Some(3),
                max_wait_seconds: None,
                min_agents: None,
            },
        )
        .unwrap();
    let saved = std::fs::read_to_string(locations.config_dir.join("settings.json")).unwrap();
    assert!(saved.contains(&queue), "{saved}");
}

/// A live watch recorded for a production profile (here written into settings.json by
/// hand) does not start when the profile opens: it waits until the channel's name is
/// typed, and meanwhile the route is left alone.
#[tokio::test(flavor = "multi_thread")]
async fn a_production_watch_resumes_only_once_the_channel_name_is_typed() {
    use webmsg_desk::application::channels::Confirmation;
    let app = spawn_sandbox().await;
    let (deployment, _) = app.seeded_channel().await;
    let support = app.queue_id("Support").await;
    let fallback_flow = app.flow_id(webmsg_desk::sandbox::FALLBACK_FLOW_NAME).await;
    let flow_before = app
        .client
        .deployments()
        .get(&deployment)
        .await
        .unwrap()
        .flow;
    let dir = tempfile::tempdir().unwrap();
    let service = unique("webmsg-desk-workspace-test");
    let (workspace, _) = open(dir.path(), &app.sandbox.base_url(), &service);
    workspace
        .save_profile(sandbox_profile(&app, "Prod", true))
        .unwrap();
    let settings = Locations::under(dir.path())
        .config_dir
        .join("settings.json");
    let mut recorded: serde_json::Value = std::fs::read(&settings)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_else(|| serde_json::json!({}));
    recorded["watches"] = serde_json::json!([{
        "profile": "Prod", "deploymentId": deployment, "channel": "Support Site",
        "rules": webmsg_desk::fallback::FallbackRules { min_agents: 1000, trigger_samples: 1,
                                                        ..Default::default() },
        "mode": "run", "primaryQueueId": support, "fallbackFlowId": fallback_flow
    }]);
    std::fs::write(&settings, serde_json::to_vec(&recorded).unwrap()).unwrap();

    workspace.activate("Prod").unwrap();
    let resumed = workspace.resume_watches().await;
    let waiting = serde_json::to_value(window_events(resumed)).unwrap();
    assert_eq!(waiting[0]["needsConfirmation"], true, "{waiting}");
    assert!(
        workspace.running_work().watches.is_empty(),
        "nothing started"
    );
    assert_eq!(
        app.client
            .deployments()
            .get(&deployment)
            .await
            .unwrap()
            .flow,
        flow_before,
        "the route was left alone"
    );

    let refused = workspace
        .resume_watch(&deployment, Confirmation::Typed("Support".into()))
        .await
        .unwrap_err();
    assert_eq!(refused.code, "confirmation.required", "{}", refused.message);
    workspace
        .resume_watch(&deployment, Confirmation::Typed("Support Site".into()))
        .await
        .unwrap();
    assert_eq!(workspace.running_work().watches.len(), 1);
    assert!(workspace.stop_fallback(&deployment));
    SecretStore::new(&service).delete("Prod").unwrap();
}

/// Renaming the open profile keeps its fallback watches: they are recorded under the
/// new name and resume with it.
#[tokio::test(flavor = "multi_thread")]
async fn a_renamed_profile_keeps_its_fallback_watches() {
    let app = spawn_sandbox().await;
    let (deployment, _) = app.seeded_channel().await;
    let support = app.queue_id("Support").await;
    let fallback_flow = app.flow_id(webmsg_desk::sandbox::FALLBACK_FLOW_NAME).await;
    let dir = tempfile::tempdir().unwrap();
    let service = unique("webmsg-desk-workspace-test");
    let (workspace, _) = open(dir.path(), &app.sandbox.base_url(), &service);
    let form = sandbox_profile(&app, "Staging", false);
    workspace.save_profile(form.clone()).unwrap();
    workspace.activate("Staging").unwrap();
    workspace
        .start_fallback(
            &deployment,
            webmsg_desk::workspace::FallbackSetup {
                confirmation: None,
                rules: Default::default(),
                mode: webmsg_desk::fallback::RunnerMode::DryRun,
                primary_queue_id: support,
                fallback_flow_id: fallback_flow,
            },
        )
        .await
        .unwrap();
    workspace
        .save_profile(ProfileForm {
            original_name: Some("Staging".into()),
            name: "Staging EU".into(),
            client_secret: String::new(),
            ..form
        })
        .unwrap();
    assert_eq!(workspace.profiles_view().unwrap().active, "Staging EU");
    let resumed = workspace.resume_watches().await;
    let resumed = serde_json::to_value(window_events(resumed)).unwrap();
    assert_eq!(resumed.as_array().unwrap().len(), 1, "{resumed}");
    assert_eq!(resumed[0]["deploymentId"], deployment.as_str());
    assert!(resumed[0]["error"].is_null(), "{resumed}");
    assert_eq!(workspace.running_work().watches.len(), 1);
    assert!(workspace.stop_fallback(&deployment));
    SecretStore::new(&service).delete("Staging EU").unwrap();
}

/// A profile opened read-only opens so again, at the next start and when picked again,
/// until it is opened read-write on purpose.
#[tokio::test(flavor = "multi_thread")]
async fn read_only_is_remembered_per_profile() {
    use webmsg_desk::application::connection::OpenMode;
    let app = spawn_sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let service = unique("webmsg-desk-workspace-test");
    let (workspace, _) = open(dir.path(), &app.sandbox.base_url(), &service);
    workspace
        .save_profile(sandbox_profile(&app, "Prod", true))
        .unwrap();
    assert!(
        workspace
            .activate_as("Prod", OpenMode::ReadOnly)
            .unwrap()
            .read_only
    );
    workspace.activate(SANDBOX_PROFILE).unwrap();
    assert!(
        workspace.activate("Prod").unwrap().read_only,
        "picked again: read-only"
    );
    drop(workspace);
    let (reopened, _) = open(dir.path(), &app.sandbox.base_url(), &service);
    let view = reopened.profiles_view().unwrap();
    assert_eq!(view.active, "Prod");
    assert!(view.read_only, "the next start opens it read-only");
    assert!(
        !reopened
            .activate_as("Prod", OpenMode::ReadWrite)
            .unwrap()
            .read_only
    );
    assert!(
        !reopened.activate("Prod").unwrap().read_only,
        "until opened read-write"
    );
    SecretStore::new(&service).delete("Prod").unwrap();
}

/// The window's Compare & promote: a plan between the open Sandbox and a production
/// profile on another org, kept until it is carried out once, with the channel's name
/// typed; the target's deployment keeps its id.
#[tokio::test(flavor = "multi_thread")]
async fn the_window_plans_a_promotion_and_carries_it_out_once() {
    use webmsg_desk::application::channels::Confirmation;
    use webmsg_desk::application::promotion::PlannedAction;
    use webmsg_desk::sandbox::SandboxOptions;
    use webmsg_desk::workspace::PromotionForm;

    let source = spawn_sandbox().await;
    let target = crate::helpers::spawn_sandbox_with(SandboxOptions {
        seed: 2,
        ..crate::helpers::test_options()
    })
    .await;
    let (target_deployment, _) = target.seeded_channel().await;
    let dir = tempfile::tempdir().unwrap();
    let service = unique("webmsg-desk-promote-test");
    let (workspace, _) = open(dir.path(), &source.sandbox.base_url(), &service);
    workspace
        .save_profile(sandbox_profile(&target, "Production", true))
        .unwrap();
    let form = |maps: &str| PromotionForm {
        from: SANDBOX_PROFILE.into(),
        to: "Production".into(),
        name: "Support Site".into(),
        maps: maps.into(),
        domain_rules: String::new(),
    };

    let refused = workspace.plan_promotion(&form("queue Support")).await;
    let message = refused.unwrap_err().message;
    assert!(message.contains("maps, line 1"), "{message}");
    let none = workspace
        .promote(Confirmation::Typed("Support Site".into()), "op-0", &|_| {})
        .await
        .unwrap_err();
    assert!(none.message.contains("compare"), "{}", none.message);

    let view = workspace.plan_promotion(&form("")).await.unwrap();
    assert!(view.target_production && !view.blocked);
    assert_eq!(view.confirmation_phrase, "Support Site");
    let channel = &view.plan.channels[0];
    assert!(
        matches!(&channel.action, PlannedAction::Update { deployment_id, .. } if *deployment_id == target_deployment),
        "{:?}",
        channel.action
    );
    let (_, target_flows) = target
        .get_api("/api/v2/flows?type=inboundshortmessage")
        .await;
    let target_ids: Vec<&str> = target_flows["entities"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|flow| flow["id"].as_str())
        .collect();
    let flow = channel
        .references
        .iter()
        .find(|r| r.place == "deployment.flow.id")
        .expect("the inbound flow is planned");
    assert_ne!(flow.target_id, Some(flow.source_id.clone()));
    assert!(
        target_ids.contains(&flow.target_id.as_deref().unwrap()),
        "{flow:?} in {target_ids:?}"
    );

    // A production target: a wrong name refuses, and the plan stays for another try.
    let wrong = workspace
        .promote(Confirmation::Typed("Support".into()), "op-1", &|_| {})
        .await
        .unwrap_err();
    assert!(wrong.message.contains("Support Site"), "{}", wrong.message);
    let report = workspace
        .promote(Confirmation::Typed("Support Site".into()), "op-2", &|_| {})
        .await
        .unwrap();
    assert_eq!(report.channels.len(), 1);
    assert_eq!(report.channels[0].result, "updated");
    assert_eq!(
        report.channels[0].deployment_id.as_deref(),
        Some(target_deployment.as_str())
    );
    let again = workspace
        .promote(Confirmation::Typed("Support Site".into()), "op-3", &|_| {})
        .await
        .unwrap_err();
    assert!(again.message.contains("compare"), "{}", again.message);
}

/// *Test connection* on a profile open read-only sends no write probe: those permissions
/// are reported as not probed, and the org received no write.
#[tokio::test(flavor = "multi_thread")]
async fn test_connection_respects_a_read_only_profile() {
    use webmsg_desk::application::connection::OpenMode;
    let app = spawn_sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let service = unique("webmsg-desk-probe-test");
    let (workspace, _) = open(dir.path(), &app.sandbox.base_url(), &service);
    workspace
        .save_profile(sandbox_profile(&app, "Careful", false))
        .unwrap();
    workspace
        .activate_as("Careful", OpenMode::ReadOnly)
        .unwrap();
    let report = workspace.test_connection(None).await.unwrap();
    let channels = report
        .screens
        .iter()
        .find(|s| s.screen == "Channels")
        .unwrap();
    let check = |name: &str| {
        channels
            .permissions
            .iter()
            .find(|p| p.permission == name)
            .unwrap()
            .clone()
    };
    assert_eq!(
        check("webDeployments:deployment:view").access,
        Access::Granted
    );
    let delete = check("webDeployments:deployment:delete");
    assert_eq!(delete.access, Access::Unknown);
    assert!(delete.detail.unwrap().contains("read-only"));
    assert!(report.missing.is_empty(), "{:?}", report.missing);
    for route in [
        "POST /api/v2/webdeployments/configurations",
        "DELETE /api/v2/webdeployments/deployments/{deployment_id}",
    ] {
        assert_eq!(app.served(route).await, 0, "{route}");
    }
    assert!(app.served("GET /api/v2/webdeployments/deployments").await > 0);
}

/// The resumed watches as the window receives them.
fn window_events(
    events: Vec<webmsg_desk::workspace::WorkspaceEvent>,
) -> Vec<webmsg_desk::app::payload::ResumedWatch> {
    events
        .into_iter()
        .filter_map(webmsg_desk::app::payload::ResumedWatch::from_event)
        .collect()
}
