//! What the client sends, checked against the official SDK's models: the app's own
//! workflows run against a Sandbox that records every request body, and Genesys's Python
//! SDK (PureCloudPlatformClientV2 269.0.0) reads each one into the model of its endpoint.
//! A value outside an SDK enum (read back as `outdated_sdk_version`) or a field the model
//! does not have fails the test, naming the request.

use std::time::Duration;

use serde_json::json;
use tokio_util::sync::CancellationToken;
use webmsg_desk::channel::{self, ChannelInput, PublishOptions};
use webmsg_desk::fallback::{
    FallbackRules, FallbackRunner, FallbackState, Route, RunnerMode, RunnerSettings,
};
use webmsg_desk::metrics::{self, Period, Scope};
use webmsg_desk::monitor::callbacks::Callbacks;
use webmsg_desk::monitor::poller::{Poller, PollerSettings, WatchedQueue};
use webmsg_desk::monitor::Directives;
use webmsg_desk::sandbox::{SandboxOptions, FALLBACK_FLOW_NAME, PRIMARY_FLOW_NAME};
use webmsg_desk::store::Store;
use webmsg_desk::transfer;

use crate::helpers::{pipeline, spawn_sandbox_with, test_options, TestApp};
use crate::official_sdk::run_sdk_script;

fn quiet() -> impl Fn(channel::Progress) + Send + Sync {
    |_| {}
}

fn shop() -> ChannelInput {
    ChannelInput {
        name: "Conformance shop".into(),
        description: Some("Every field the editor sets".into()),
        queue: "Support".into(),
        flow: PRIMARY_FLOW_NAME.into(),
        fallback_flow: Some(FALLBACK_FLOW_NAME.into()),
        primary_color: "#0B6E4F".into(),
        languages: vec!["en-us".into(), "fr".into()],
        domains: vec!["shop.example.com".into()],
        ..Default::default()
    }
}

/// Runs what the app does with an org: create, edit and publish, a failed publish,
/// rollback, monitor (with tracking and estimates), fallback, metrics, audit, export,
/// import and delete.
async fn app_workload(app: &TestApp) {
    let store = Store::in_memory().unwrap();
    let cancel = CancellationToken::new();
    let options = PublishOptions::default();
    let created = channel::create_channel(
        &pipeline(&app.client, &store, "t", &cancel, &quiet()),
        &shop().parse().unwrap(),
        &options,
    )
    .await
    .unwrap();
    assert!(created.outcome.is_active(), "{:?}", created.outcome);
    let deployment_id = created.deployment_id.clone().unwrap();
    let configuration_id = created.configuration_id.clone();

    let mut draft = app
        .client
        .configurations()
        .draft(&configuration_id)
        .await
        .unwrap();
    draft.description = Some("Edited".into());
    channel::publish_channel(
        &pipeline(&app.client, &store, "t", &cancel, &quiet()),
        channel::PublishRequest {
            configuration_id: configuration_id.clone(),
            deployment_id: deployment_id.clone(),
            draft: Some(draft),
        },
        &options,
    )
    .await
    .unwrap();
    app.control("/sandbox/deployments/outcome", json!({"outcome": "Error"}))
        .await;
    channel::publish_channel(
        &pipeline(&app.client, &store, "t", &cancel, &quiet()),
        channel::PublishRequest {
            configuration_id: configuration_id.clone(),
            deployment_id: deployment_id.clone(),
            draft: None,
        },
        &options,
    )
    .await
    .unwrap();
    channel::rollback(
        &pipeline(&app.client, &store, "t", &cancel, &quiet()),
        &deployment_id,
        "1",
        &options,
    )
    .await
    .unwrap();

    let support = app.queue_id("Support").await;
    let queues = app.client.queues().list_all(None).await.unwrap();
    let watched = queues
        .iter()
        .map(|q| WatchedQueue {
            id: q.id.clone().unwrap(),
            name: q.name.clone().unwrap(),
            directives: Directives {
                max_depth: Some(5),
                max_wait_seconds: Some(60),
                min_agents: Some(1),
            },
        })
        .collect();
    app.control(
        &format!("/sandbox/queues/{support}/traffic"),
        json!({"onQueueAgents": 0, "arrivalsPerHour": 600, "dailyCurve": false}),
    )
    .await;
    tokio::time::advance(Duration::from_secs(60)).await;
    let waiting = {
        let org = app.sandbox.state().org();
        org.traffic
            .queue(&support)
            .unwrap()
            .waiting
            .back()
            .map(|c| c.conversation_id.clone())
    };
    let settings = PollerSettings {
        interval: Duration::from_secs(5),
        estimate_every: 1,
        track: waiting.map(|id| (support.clone(), id)),
        ..PollerSettings::default()
    };
    let mut poller = Poller::new(
        app.client.clone(),
        store.clone(),
        watched,
        settings,
        Callbacks::none(),
        None,
    )
    .unwrap();
    assert!(poller.cycle().await.ok);

    let runner = FallbackRunner::new(
        app.client.clone(),
        store.clone(),
        RunnerSettings {
            profile: "t".into(),
            deployment_id: deployment_id.clone(),
            primary_queue_id: support.clone(),
            primary_flow_id: app.flow_id(PRIMARY_FLOW_NAME).await,
            fallback_flow_id: app.flow_id(FALLBACK_FLOW_NAME).await,
            rules: FallbackRules {
                trigger_samples: 1,
                ..FallbackRules::default()
            },
            interval: Duration::from_secs(10),
            mode: RunnerMode::Run,
            use_estimated_wait: true,
            in_flight: Default::default(),
        },
    )
    .unwrap();
    let mut state = FallbackState::on(Route::Primary);
    runner.cycle(&mut state).await.unwrap();

    let period = Period::last(Duration::from_secs(6 * 3600), app.sandbox.state().now());
    metrics::channel_metrics(&app.client, &store, Some(&deployment_id), None, period)
        .await
        .unwrap();
    metrics::engagement(&app.client, period, Scope::Org)
        .await
        .unwrap();
    metrics::engagement(
        &app.client,
        period,
        Scope::Flow(&app.flow_id(PRIMARY_FLOW_NAME).await),
    )
    .await
    .unwrap();
    metrics::channel_timeline(
        &app.client,
        &store,
        Some(&deployment_id),
        Duration::from_secs(3600),
    )
    .await
    .unwrap();

    let document = transfer::export_channel(&app.client, &store, &deployment_id)
        .await
        .unwrap();
    let imported = transfer::import_channel(
        &pipeline(&app.client, &store, "t", &cancel, &quiet()),
        &document,
        &options,
    )
    .await
    .unwrap();
    let folder = tempfile::tempdir().unwrap();
    let session = webmsg_desk::application::Session::new(app.client.clone(), store.clone(), "t");
    let request = webmsg_desk::application::channels::DeleteChannel {
        confirmation: Default::default(),
        deployment_id: imported.deployment_id.unwrap(),
        snapshot_dir: folder.path().to_path_buf(),
        wait: Duration::from_secs(60),
    };
    webmsg_desk::application::channels::delete(&session, &request, &|_| {})
        .await
        .unwrap();
}

#[tokio::test(start_paused = true)]
async fn every_request_body_the_client_sends_reads_into_the_official_sdk_models() {
    let app = spawn_sandbox_with(SandboxOptions {
        lifecycle_delay: Duration::from_millis(200),
        record_requests: true,
        ..test_options()
    })
    .await;
    Box::pin(app_workload(&app)).await;
    let recorded = app.sandbox.state().recorded_requests();
    let routes: std::collections::BTreeSet<_> = recorded
        .iter()
        .map(|r| format!("{} {}", r.method, r.route))
        .collect();
    for expected in [
        "POST /api/v2/analytics/conversations/aggregates/query",
        "POST /api/v2/analytics/conversations/details/query",
        "POST /api/v2/analytics/queues/observations/query",
        "POST /api/v2/audits/query",
        "POST /api/v2/audits/query/realtime",
        "POST /api/v2/webdeployments/configurations",
        "POST /api/v2/webdeployments/deployments",
        "PUT /api/v2/webdeployments/configurations/{configuration_id}/versions/draft",
        "PUT /api/v2/webdeployments/deployments/{deployment_id}",
    ] {
        assert!(
            routes.contains(expected),
            "the workload sends {expected}: {routes:#?}"
        );
    }

    let folder = tempfile::tempdir().unwrap();
    let file = folder.path().join("requests.json");
    std::fs::write(&file, serde_json::to_vec(&recorded).unwrap()).unwrap();
    let stdout = run_sdk_script(
        "request_conformance_check.py",
        vec![file.to_string_lossy().to_string()],
    )
    .await;
    assert!(
        stdout.contains(&format!("{} request bodies conform", recorded.len())),
        "{stdout}"
    );
}
