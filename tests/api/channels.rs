//! Channels end to end against the Sandbox: create, publish, fallback, export, import,
//! diff, metrics and audit, and how each publish ends.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use tokio_util::sync::CancellationToken;
use webmsg_desk::channel::{
    self, ChannelError, ChannelInput, InFlight, Pipeline, Progress, PublishOptions, PublishOutcome,
    Stage,
};
use webmsg_desk::fallback::{
    FallbackRules, FallbackRunner, Route, RunnerEvent, RunnerMode, RunnerSettings,
};
use webmsg_desk::metrics::{self, Period};
use webmsg_desk::sandbox::{Fault, SandboxOptions, FALLBACK_FLOW_NAME, PRIMARY_FLOW_NAME};
use webmsg_desk::store::Store;
use webmsg_desk::transfer::{self, ExportAllOptions};

use crate::helpers::{pipeline, spawn_sandbox, spawn_sandbox_with, test_options, TestApp};

fn support_channel(name: &str) -> ChannelInput {
    ChannelInput {
        name: name.into(),
        description: Some("Website support".into()),
        queue: "Support".into(),
        flow: PRIMARY_FLOW_NAME.into(),
        fallback_flow: Some(FALLBACK_FLOW_NAME.into()),
        primary_color: "#1f5fa8".into(),
        languages: vec!["en-us".into(), "fr".into()],
        domains: vec!["https://www.example.com/".into(), "*.example.org".into()],
        ..Default::default()
    }
}

fn quiet() -> impl Fn(Progress) + Send + Sync {
    |_| {}
}

/// Creates a Support channel with default publish options and waits for the outcome.
async fn create_support_channel(
    app: &TestApp,
    store: &Store,
    name: &str,
) -> channel::CreatedChannel {
    channel::create_channel(
        &Pipeline {
            client: &app.client,
            store,
            profile: "t",
            cancel: &CancellationToken::new(),
            report: &quiet(),
            in_flight: &InFlight::default(),
        },
        &support_channel(name).parse().unwrap(),
        &PublishOptions::default(),
    )
    .await
    .unwrap()
}

/// Runner settings with the given queue, flows and rules, sampling every 10 s.
fn settings(
    deployment_id: &str,
    queue_id: &str,
    primary_flow: &str,
    fallback_flow: &str,
    rules: FallbackRules,
    mode: RunnerMode,
) -> RunnerSettings {
    RunnerSettings {
        profile: "t".into(),
        deployment_id: deployment_id.into(),
        primary_queue_id: queue_id.into(),
        primary_flow_id: primary_flow.into(),
        fallback_flow_id: fallback_flow.into(),
        rules,
        interval: Duration::from_secs(10),
        mode,
        use_estimated_wait: false,
        in_flight: Default::default(),
    }
}

async fn deployment_flow(app: &TestApp, deployment_id: &str) -> String {
    app.client
        .deployments()
        .get(deployment_id)
        .await
        .unwrap()
        .flow
        .unwrap()
        .id
        .unwrap()
}

#[tokio::test(start_paused = true)]
async fn the_tutorial_end_to_end_across_two_orgs() {
    let real_start = std::time::Instant::now();
    let org_a = spawn_sandbox().await;
    let org_b = spawn_sandbox_with(SandboxOptions {
        seed: 99,
        ..test_options()
    })
    .await;
    let store = Store::in_memory().unwrap();
    let store_b = Store::in_memory().unwrap();
    let cancel = CancellationToken::new();

    // Authenticate and validate: a bad channel is refused locally with every problem named.
    org_a.client.authenticate().await.unwrap();
    let bad = ChannelInput {
        primary_color: "1f5fa8".into(),
        languages: vec!["en".into()],
        ..support_channel("")
    };
    let report = bad.report();
    assert_eq!(
        report.errors.fields(),
        [
            "name",
            "languages[0]",
            "languages",
            "defaultLanguage",
            "messenger.styles.primaryColor",
            "deployment.name"
        ]
    );
    let served_before = org_a.status().await["stats"]["apiRequests"]
        .as_u64()
        .unwrap();
    // A channel that fails its checks cannot be made into one create accepts.
    let refused = bad.parse();
    assert!(matches!(refused, Err(report) if !report.is_valid()));
    assert_eq!(
        org_a.status().await["stats"]["apiRequests"]
            .as_u64()
            .unwrap(),
        served_before,
        "nothing is sent while input is invalid"
    );

    // Create → publish → Active.
    let created = channel::create_channel(
        &pipeline(&org_a.client, &store, "Org A", &cancel, &quiet()),
        &support_channel("Support site").parse().unwrap(),
        &PublishOptions::default(),
    )
    .await
    .unwrap();
    assert_eq!(
        created.outcome,
        PublishOutcome::Active {
            version: "1".into()
        }
    );
    let deployment_id = created.deployment_id.clone().unwrap();
    let live = org_a
        .client
        .deployments()
        .active_configuration(&deployment_id)
        .await
        .unwrap();
    assert_eq!(
        live.configuration_version
            .unwrap()
            .messenger
            .unwrap()
            .styles
            .unwrap()
            .primary_color
            .as_deref(),
        Some("#1f5fa8")
    );
    let deployed = org_a
        .client
        .deployments()
        .get(&deployment_id)
        .await
        .unwrap();
    assert_eq!(
        deployed.allowed_domains.unwrap(),
        ["www.example.com", "*.example.org"]
    );

    // Overload the primary queue; the runner switches to the fallback flow once.
    let routing = store.routing(&deployment_id).unwrap().unwrap();
    let support = routing.primary_queue_id.clone().unwrap();
    let (primary_flow, fallback_flow) = (
        routing.primary_flow_id.clone().unwrap(),
        routing.fallback_flow_id.clone().unwrap(),
    );
    org_a.empty_queue(&support).await;
    org_a
        .traffic(&support, json!({"arrivalsPerHour": 400}))
        .await;
    let settings = RunnerSettings {
        profile: "Org A".into(),
        deployment_id: deployment_id.clone(),
        primary_queue_id: support.clone(),
        primary_flow_id: primary_flow.clone(),
        fallback_flow_id: fallback_flow.clone(),
        rules: FallbackRules::default(),
        interval: Duration::from_secs(15),
        mode: RunnerMode::Run,
        use_estimated_wait: true,
        in_flight: Default::default(),
    };
    let runner = FallbackRunner::new(org_a.client.clone(), store.clone(), settings).unwrap();
    let mut state = runner.current_state().await.unwrap();
    assert_eq!(state.route, Route::Primary);
    let mut switches = Vec::new();
    for _ in 0..10 {
        let events = runner.cycle(&mut state).await.unwrap();
        switches.extend(
            events
                .into_iter()
                .filter(|e| matches!(e, RunnerEvent::Switched { .. })),
        );
        if !switches.is_empty() {
            break;
        }
        tokio::time::advance(Duration::from_secs(15)).await;
    }
    assert_eq!(switches.len(), 1, "switched after three overloaded samples");
    assert_eq!(deployment_flow(&org_a, &deployment_id).await, fallback_flow);

    // Recover: staffed again; it switches back only after the dwell, and exactly once.
    // Short handle times drain the backlog fast, so the wait is the dwell, not the traffic.
    org_a
        .control(
            &format!("/sandbox/queues/{support}/traffic"),
            json!({"onQueueAgents": 8, "arrivalsPerHour": 6, "handleTimeSeconds": 30}),
        )
        .await;
    let recovery_started = tokio::time::Instant::now();
    let mut back = None;
    for _ in 0..200 {
        tokio::time::advance(Duration::from_secs(15)).await;
        let events = runner.cycle(&mut state).await.unwrap();
        if let Some(event) = events
            .into_iter()
            .find(|e| matches!(e, RunnerEvent::Switched { .. }))
        {
            back = Some(event);
            break;
        }
    }
    assert!(
        matches!(
            back,
            Some(RunnerEvent::Switched {
                to: Route::Primary,
                ..
            })
        ),
        "{back:?}"
    );
    assert!(
        recovery_started.elapsed() >= Duration::from_secs(300),
        "not before the dwell"
    );
    assert_eq!(deployment_flow(&org_a, &deployment_id).await, primary_flow);
    let recorded = store.switches(&deployment_id).unwrap();
    assert_eq!(
        recorded
            .iter()
            .map(|s| s.to_route.as_str())
            .collect::<Vec<_>>(),
        ["fallback", "primary"]
    );
    let first = &recorded[0];
    let overloaded = first.sample["agentsOnQueue"].as_u64().unwrap() < 2
        || first.sample["longestWaitSeconds"]
            .as_u64()
            .unwrap()
            .max(first.sample["estimatedWaitSeconds"].as_u64().unwrap_or(0))
            > 120;
    assert!(
        overloaded && first.reason.contains("for 3 sample(s) in a row"),
        "the numbers behind the switch are logged: {first:?}"
    );

    // Export → import into a second org → the file and what is live there do not differ.
    let folder = tempfile::tempdir().unwrap();
    let file = folder.path().join("support-site.json");
    let document = transfer::export_channel(&org_a.client, &store, &deployment_id)
        .await
        .unwrap();
    transfer::write_document(&file, &document).unwrap();
    let document = transfer::read_document(&file).unwrap();
    assert_eq!(document.schema_version, 1);
    assert_eq!(document.routing.queues[0].name.as_deref(), Some("Support"));
    assert_eq!(
        document.flow("fallback").unwrap().name.as_deref(),
        Some(FALLBACK_FLOW_NAME)
    );
    let imported = transfer::import_channel(
        &pipeline(&org_b.client, &store_b, "Org B", &cancel, &quiet()),
        &document,
        &PublishOptions::default(),
    )
    .await
    .unwrap();
    assert!(imported.outcome.is_active(), "{:?}", imported.outcome);
    let org_b_fallback = org_b.flow_id(FALLBACK_FLOW_NAME).await;
    let mapped = imported
        .mapping
        .iter()
        .find(|m| m.role == "fallback")
        .unwrap();
    assert_eq!(
        (mapped.from_id.as_deref(), mapped.to_id.as_str()),
        (Some(fallback_flow.as_str()), org_b_fallback.as_str())
    );
    let live_b = transfer::export_channel(
        &org_b.client,
        &store_b,
        imported.deployment_id.as_deref().unwrap(),
    )
    .await
    .unwrap();
    let differences = webmsg_desk::json_diff::differences(
        &transfer::portable_view(&document),
        &transfer::portable_view(&live_b),
    );
    assert!(differences.is_empty(), "{differences:#?}");

    // Metrics and audit.
    let period = Period::last(Duration::from_secs(6 * 3600), org_a.sandbox.state().now());
    let engagement = metrics::engagement(&org_a.client, period, metrics::Scope::Queue(&support))
        .await
        .unwrap();
    assert!(
        engagement.offered > 0 && engagement.answered <= engagement.offered,
        "{engagement:?}"
    );
    // Each simulated conversation is offered once, so the details that started in the
    // period are exactly the offered ones, though the details query matches whole days.
    assert_eq!(
        engagement.conversations as i64, engagement.offered,
        "{engagement:?}"
    );
    let changes = store.status_changes(&deployment_id, period.start).unwrap();
    let uptime = metrics::uptime(
        &changes,
        Period {
            start: changes[0].0,
            end: org_a.sandbox.state().now(),
        },
    );
    assert!(uptime.active_percent > 90.0, "{uptime:?}");

    let audit_period = Period {
        start: period.start,
        end: org_a.sandbox.state().now() + chrono::Duration::hours(1),
    };
    let timeline = metrics::audit_timeline(
        &org_a.client,
        &store,
        &[deployment_id.clone(), created.configuration_id.clone()],
        audit_period,
    )
    .await
    .unwrap();
    let genesys: Vec<_> = timeline
        .iter()
        .filter(|e| e.source == "genesys")
        .map(|e| format!("{} {}", e.action, e.entity_type))
        .collect();
    assert_eq!(
        genesys,
        [
            "Create Configuration",
            "Publish ConfigurationVersion",
            "Create Deployment",
            "Update Deployment",
            "Update Deployment"
        ]
    );
    let local: Vec<_> = timeline
        .iter()
        .filter(|e| e.source == "local")
        .map(|e| e.action.as_str())
        .collect();
    assert_eq!(
        local,
        [
            "Create",
            "Publish",
            "Create",
            "FallbackSwitch",
            "FallbackSwitch"
        ]
    );

    eprintln!(
        "e2e: real wall time {:.2} s; create made {} API requests; import made it Active in org B",
        real_start.elapsed().as_secs_f64(),
        created.requests
    );
}

#[tokio::test(start_paused = true)]
async fn publish_ends_in_error_saying_genesys_gave_no_reason_and_where_to_look() {
    let app = spawn_sandbox().await;
    let store = Store::in_memory().unwrap();
    app.control("/sandbox/deployments/outcome", json!({"outcome": "Error"}))
        .await;
    let created = create_support_channel(&app, &store, "Broken").await;
    match &created.outcome {
        PublishOutcome::Error { reason } => assert!(
            reason.contains("gave no reason")
                && reason.contains("flow is published")
                && reason.contains("audit --deployment"),
            "{reason}"
        ),
        other => panic!("expected Error, got {other:?}"),
    }
    assert_eq!(created.status, "Error");
}

#[tokio::test(start_paused = true)]
async fn publish_times_out_after_deadline_saying_where_it_was_left() {
    let app = spawn_sandbox().await;
    let store = Store::in_memory().unwrap();
    let deployment = app.client.deployments().list_all().await.unwrap().remove(0);
    let deployment_id = deployment.id.clone().unwrap();
    let configuration_id = deployment.configuration.unwrap().id.unwrap();
    app.control(
        "/sandbox/deployments/outcome",
        json!({"outcome": "StuckPending", "deploymentId": deployment_id}),
    )
    .await;
    let started = tokio::time::Instant::now();
    let options = PublishOptions {
        deadline: Duration::from_secs(45),
        ..PublishOptions::default()
    };
    let outcome = channel::publish_channel(
        &pipeline(
            &app.client,
            &store,
            "t",
            &CancellationToken::new(),
            &quiet(),
        ),
        channel::PublishRequest {
            configuration_id: configuration_id.clone(),
            deployment_id: deployment_id.clone(),
            draft: None,
        },
        &options,
    )
    .await
    .unwrap();
    assert_eq!(
        outcome,
        PublishOutcome::TimedOut {
            stage: Stage::WaitingForDeployment,
            last_status: Some("Pending".into())
        }
    );
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_secs(45) && waited < Duration::from_secs(60),
        "{waited:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn cancelling_mid_poll_ends_cleanly_as_cancelled() {
    let app = spawn_sandbox().await;
    let store = Store::in_memory().unwrap();
    let deployment = app.client.deployments().list_all().await.unwrap().remove(0);
    let deployment_id = deployment.id.clone().unwrap();
    let configuration_id = deployment.configuration.unwrap().id.unwrap();
    app.control(
        "/sandbox/deployments/outcome",
        json!({"outcome": "StuckPending", "deploymentId": deployment_id}),
    )
    .await;
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    let report = move |event: Progress| {
        if event.stage == Stage::WaitingForDeployment {
            trigger.cancel();
        }
    };
    let in_flight = InFlight::default();
    let outcome = channel::publish_channel(
        &Pipeline {
            client: &app.client,
            store: &store,
            profile: "t",
            cancel: &cancel,
            report: &report,
            in_flight: &in_flight,
        },
        channel::PublishRequest {
            configuration_id: configuration_id.clone(),
            deployment_id: deployment_id.clone(),
            draft: None,
        },
        &PublishOptions::default(),
    )
    .await
    .unwrap();
    assert_eq!(
        outcome,
        PublishOutcome::Cancelled {
            stage: Stage::WaitingForDeployment
        }
    );
    assert!(
        !in_flight.contains(&deployment_id),
        "the in-flight mark is released"
    );
}

#[tokio::test(start_paused = true)]
async fn a_rate_limit_storm_while_polling_slows_the_poll_but_the_publish_completes() {
    let app = spawn_sandbox().await;
    let store = Store::in_memory().unwrap();
    let deployment = app.client.deployments().list_all().await.unwrap().remove(0);
    let deployment_id = deployment.id.clone().unwrap();
    let configuration_id = deployment.configuration.unwrap().id.unwrap();
    let state = app.sandbox.state().clone();
    let injected = Arc::new(Mutex::new(false));
    let messages = Arc::new(Mutex::new(Vec::new()));
    let (flag, log) = (injected.clone(), messages.clone());
    let report = move |event: Progress| {
        log.lock().unwrap().push(event.message.clone());
        let mut done = flag.lock().unwrap();
        if event.stage == Stage::WaitingForDeployment && !*done {
            // Longer than the client's cap, so each 429 reaches the poller.
            state.faults().push(
                Fault::Status {
                    status: 429,
                    retry_after: Some(600),
                },
                4,
            );
            *done = true;
        }
    };
    app.control("/sandbox/faults/latency", json!({"ms": 0}))
        .await;
    let outcome = channel::publish_channel(
        &pipeline(&app.client, &store, "t", &CancellationToken::new(), &report),
        channel::PublishRequest {
            configuration_id: configuration_id.clone(),
            deployment_id: deployment_id.clone(),
            draft: None,
        },
        &PublishOptions::default(),
    )
    .await
    .unwrap();
    assert_eq!(
        outcome,
        PublishOutcome::Active {
            version: "2".into()
        }
    );
    let messages = messages.lock().unwrap();
    assert!(
        messages
            .iter()
            .filter(|m| m.starts_with("rate limited"))
            .count()
            >= 3,
        "{messages:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn rollback_republishes_an_earlier_versions_content() {
    let app = spawn_sandbox().await;
    let store = Store::in_memory().unwrap();
    let cancel = CancellationToken::new();
    let created = create_support_channel(&app, &store, "Rollback me").await;
    let (configuration_id, deployment_id) = (
        created.configuration_id.clone(),
        created.deployment_id.unwrap(),
    );
    let mut draft = app
        .client
        .configurations()
        .draft(&configuration_id)
        .await
        .unwrap();
    draft
        .messenger
        .as_mut()
        .unwrap()
        .styles
        .as_mut()
        .unwrap()
        .primary_color = Some("#b00020".into());
    let second = channel::publish_channel(
        &pipeline(&app.client, &store, "t", &cancel, &quiet()),
        channel::PublishRequest {
            configuration_id: configuration_id.clone(),
            deployment_id: deployment_id.clone(),
            draft: Some(draft),
        },
        &PublishOptions::default(),
    )
    .await
    .unwrap();
    assert_eq!(
        second,
        PublishOutcome::Active {
            version: "2".into()
        }
    );
    let diffs = transfer::version_diffs(&app.client, &deployment_id)
        .await
        .unwrap();
    assert!(
        diffs.draft_vs_published.is_empty() && diffs.published_vs_live.is_empty(),
        "{diffs:?}"
    );

    let rolled = channel::rollback(
        &pipeline(&app.client, &store, "t", &cancel, &quiet()),
        &deployment_id,
        "1",
        &PublishOptions::default(),
    )
    .await
    .unwrap();
    assert_eq!(
        rolled,
        PublishOutcome::Active {
            version: "3".into()
        }
    );
    let live = app
        .client
        .deployments()
        .active_configuration(&deployment_id)
        .await
        .unwrap()
        .configuration_version
        .unwrap();
    assert_eq!(
        live.messenger
            .unwrap()
            .styles
            .unwrap()
            .primary_color
            .as_deref(),
        Some("#1f5fa8")
    );
    let versions = channel::versions(&app.client, &configuration_id)
        .await
        .unwrap();
    assert_eq!(
        versions
            .iter()
            .map(|v| v.version.clone().unwrap())
            .collect::<Vec<_>>(),
        ["DRAFT", "3", "2", "1"]
    );
}

#[tokio::test(start_paused = true)]
async fn delete_takes_a_snapshot_first_that_can_be_imported_back() {
    let app = spawn_sandbox().await;
    let store = Store::in_memory().unwrap();
    let cancel = CancellationToken::new();
    let created = create_support_channel(&app, &store, "Short-lived").await;
    let deployment_id = created.deployment_id.unwrap();
    let folder = tempfile::tempdir().unwrap();
    let session = webmsg_desk::application::Session::new(app.client.clone(), store.clone(), "t");
    let request = webmsg_desk::application::channels::DeleteChannel {
        confirmation: Default::default(),
        deployment_id: deployment_id.clone(),
        snapshot_dir: folder.path().to_path_buf(),
        wait: Duration::from_secs(60),
    };
    let deleted = webmsg_desk::application::channels::delete(&session, &request, &|_| {})
        .await
        .unwrap();
    assert!(deleted.configuration_deleted);
    assert!(app
        .client
        .deployments()
        .get(&deployment_id)
        .await
        .unwrap_err()
        .is_not_found());
    let snapshot = transfer::read_document(deleted.snapshot.as_ref().unwrap()).unwrap();
    assert_eq!(snapshot.deployment.name, "Short-lived");
    let restored = transfer::import_channel(
        &pipeline(&app.client, &store, "t", &cancel, &quiet()),
        &snapshot,
        &PublishOptions::default(),
    )
    .await
    .unwrap();
    assert!(restored.outcome.is_active());
}

#[tokio::test]
async fn export_all_writes_every_channel_and_an_index_without_surfacing_rate_limits() {
    let app = spawn_sandbox_with(SandboxOptions {
        channels: 40,
        rate_limit_per_minute: 3000,
        ..test_options()
    })
    .await;
    let store = Store::in_memory().unwrap();
    let folder = tempfile::tempdir().unwrap();
    let summary = transfer::export_all(
        &app.client,
        &store,
        folder.path(),
        &ExportAllOptions::default(),
        &|_, _| {},
    )
    .await
    .unwrap();
    assert_eq!(summary.channels, 41);
    assert_eq!(summary.files.len(), 41);
    assert!(summary.failed.is_empty());
    assert_eq!(
        summary.requests,
        1 + 1 + 41,
        "me, one listing page, one version per channel"
    );
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&summary.index).unwrap()).unwrap();
    assert_eq!(index["channels"].as_array().unwrap().len(), 41);
    let first = transfer::read_document(&summary.files[0]).unwrap();
    assert_eq!(first.configuration.version.as_deref(), Some("1"));
}

#[tokio::test]
async fn import_refuses_an_invalid_file_and_names_unknown_flows() {
    let app = spawn_sandbox().await;
    let store = Store::in_memory().unwrap();
    let deployment_id = app.client.deployments().list_all().await.unwrap()[0]
        .id
        .clone()
        .unwrap();
    let mut document = transfer::export_channel(&app.client, &store, &deployment_id)
        .await
        .unwrap();
    document.routing.flows[0].name = Some("A flow that does not exist".into());
    let error = transfer::import_channel(
        &pipeline(
            &app.client,
            &store,
            "t",
            &CancellationToken::new(),
            &quiet(),
        ),
        &document,
        &PublishOptions::default(),
    )
    .await
    .unwrap_err();
    let text = error.to_string();
    assert!(
        text.contains("A flow that does not exist") && text.contains(PRIMARY_FLOW_NAME),
        "{text}"
    );

    document
        .configuration
        .messenger
        .as_mut()
        .unwrap()
        .styles
        .as_mut()
        .unwrap()
        .primary_color = Some("#12".into());
    let configurations_before = app.status().await["configurations"].clone();
    let invalid = transfer::import_channel(
        &pipeline(
            &app.client,
            &store,
            "t",
            &CancellationToken::new(),
            &quiet(),
        ),
        &document,
        &PublishOptions::default(),
    )
    .await
    .unwrap_err();
    assert!(matches!(invalid, ChannelError::Invalid(_)));
    assert_eq!(app.status().await["configurations"], configurations_before);
}

#[tokio::test(start_paused = true)]
async fn dry_run_reports_the_switch_but_changes_nothing() {
    let app = spawn_sandbox().await;
    let store = Store::in_memory().unwrap();
    let deployment = app.client.deployments().list_all().await.unwrap().remove(0);
    let deployment_id = deployment.id.clone().unwrap();
    let primary_flow = deployment.flow.unwrap().id.unwrap();
    let support = app.queue_id("Support").await;
    app.control(
        &format!("/sandbox/queues/{support}/traffic"),
        json!({"onQueueAgents": 0}),
    )
    .await;
    let fallback_flow = app.flow_id(FALLBACK_FLOW_NAME).await;
    // More agents than the queue has: overloaded from the first sample.
    let rules = FallbackRules {
        trigger_samples: 2,
        min_agents: 20,
        ..FallbackRules::default()
    };
    let runner = FallbackRunner::new(
        app.client.clone(),
        store.clone(),
        settings(
            &deployment_id,
            &support,
            &primary_flow,
            &fallback_flow,
            rules,
            RunnerMode::DryRun,
        ),
    )
    .unwrap();
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    runner
        .run(
            &CancellationToken::new(),
            Some(3),
            &move |e: &RunnerEvent| sink.lock().unwrap().push(e.clone()),
        )
        .await
        .unwrap();
    let events = events.lock().unwrap().clone();
    assert!(
        events.iter().any(|e| matches!(
            e,
            RunnerEvent::Switched {
                to: Route::Fallback,
                dry_run: true,
                ..
            }
        )),
        "{events:?}"
    );
    assert_eq!(
        deployment_flow(&app, &deployment_id).await,
        primary_flow,
        "a dry run changes nothing"
    );
    assert!(store.switches(&deployment_id).unwrap()[0].dry_run);
}

#[tokio::test]
async fn a_runner_with_unworkable_rules_is_refused() {
    let app = spawn_sandbox().await;
    let rules = FallbackRules {
        trigger_samples: 0,
        ..FallbackRules::default()
    };
    let result = FallbackRunner::new(
        app.client.clone(),
        Store::in_memory().unwrap(),
        settings("d", "q", "p", "f", rules, RunnerMode::Run),
    );
    assert!(matches!(result, Err(ChannelError::Invalid(_))));
}

#[tokio::test(start_paused = true)]
async fn the_fallback_is_not_switched_to_a_flow_that_is_gone() {
    let app = spawn_sandbox().await;
    let store = Store::in_memory().unwrap();
    let deployment = app.client.deployments().list_all().await.unwrap().remove(0);
    let deployment_id = deployment.id.clone().unwrap();
    let support = app.queue_id("Support").await;
    app.control(
        &format!("/sandbox/queues/{support}/traffic"),
        json!({"onQueueAgents": 0}),
    )
    .await;
    let primary_flow = deployment.flow.unwrap().id.unwrap();
    let missing_flow = uuid::Uuid::new_v4().to_string();
    let rules = FallbackRules {
        trigger_samples: 1,
        min_agents: 20,
        ..FallbackRules::default()
    };
    let runner = FallbackRunner::new(
        app.client.clone(),
        store,
        settings(
            &deployment_id,
            &support,
            &primary_flow,
            &missing_flow,
            rules,
            RunnerMode::Run,
        ),
    )
    .unwrap();
    let mut state = runner.current_state().await.unwrap();
    let events = runner.cycle(&mut state).await.unwrap();
    assert!(events.iter().any(|e| matches!(e, RunnerEvent::Failed { message } if message.contains("could not be checked"))), "{events:?}");
    assert_eq!(
        state.route,
        Route::Primary,
        "the decision is retried next cycle"
    );
}
