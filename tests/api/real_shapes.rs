//! What a real org does that a lenient emulator would hide: blended queues, deletes that
//! finish later, channels the app did not create, and values written back as they are.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;
use webmsg_desk::channel::{self, ChannelError, PublishOptions};
use webmsg_desk::fallback::{FallbackRules, FallbackRunner, RunnerMode, RunnerSettings};
use webmsg_desk::metrics::{self, Period};
use webmsg_desk::monitor::callbacks::Callbacks;
use webmsg_desk::monitor::poller::{Poller, PollerSettings, WatchedQueue};
use webmsg_desk::monitor::Directives;
use webmsg_desk::sandbox::{BLENDED_QUEUE_NAME, PRIMARY_FLOW_NAME};
use webmsg_desk::store::Store;
use webmsg_desk::transfer;

use crate::helpers::{pipeline, spawn_sandbox, TestApp};

/// What the Sandbox itself holds for a queue's web messages and calls.
struct Truth {
    agents_on_queue: u32,
    messages_waiting: usize,
    calls_waiting: usize,
    oldest_message_waited: i64,
    last_message: String,
}

fn truth(app: &TestApp, queue_id: &str) -> Truth {
    let now = app.sandbox.state().now();
    let org = app.sandbox.state().org();
    let queue = org.traffic.queue(queue_id).unwrap();
    let messages: Vec<_> = queue.waiting_of("message").collect();
    Truth {
        agents_on_queue: (queue.on_queue_idle() + queue.on_queue_interacting()) as u32,
        messages_waiting: messages.len(),
        calls_waiting: queue.waiting_of("voice").count(),
        oldest_message_waited: (now - messages[0].arrived).num_seconds(),
        last_message: messages.last().unwrap().conversation_id.clone(),
    }
}

#[tokio::test(start_paused = true)]
async fn on_a_blended_queue_monitor_tracker_and_fallback_count_web_messages_only() {
    let app = spawn_sandbox().await;
    let store = Store::in_memory().unwrap();
    let sales = app.queue_id(BLENDED_QUEUE_NAME).await;
    app.control(
        &format!("/sandbox/queues/{sales}/traffic"),
        json!({"onQueueAgents": 0, "arrivalsPerHour": 120, "otherMedia": {"voice": 900},
               "patienceSeconds": 36000, "dailyCurve": false}),
    )
    .await;
    // Made before time passes: both read durations from a clock anchored at creation.
    let watched = || {
        vec![WatchedQueue {
            id: sales.clone(),
            name: BLENDED_QUEUE_NAME.into(),
            directives: Directives {
                max_depth: None,
                max_wait_seconds: None,
                min_agents: None,
            },
        }]
    };
    let poller = |track: Option<(String, String)>| {
        let settings = PollerSettings {
            interval: Duration::from_secs(5),
            estimate_every: 0,
            track,
            ..PollerSettings::default()
        };
        Poller::new(
            app.client.clone(),
            store.clone(),
            watched(),
            settings,
            Callbacks::none(),
            None,
        )
        .unwrap()
    };
    let mut monitor = poller(None);
    let runner = FallbackRunner::new(
        app.client.clone(),
        store.clone(),
        RunnerSettings {
            profile: "t".into(),
            deployment_id: "unused".into(),
            primary_queue_id: sales.clone(),
            primary_flow_id: "unused".into(),
            fallback_flow_id: "unused".into(),
            rules: FallbackRules::default(),
            interval: Duration::from_secs(15),
            mode: RunnerMode::DryRun,
            use_estimated_wait: false,
            in_flight: Default::default(),
        },
    )
    .unwrap();
    tokio::time::advance(Duration::from_secs(600)).await;
    let truth = truth(&app, &sales);
    assert!(
        truth.calls_waiting > truth.messages_waiting && truth.messages_waiting > 3,
        "calls {} and messages {} waiting",
        truth.calls_waiting,
        truth.messages_waiting
    );

    let report = monitor.cycle().await;
    let sample = &report.samples[0];
    assert_eq!(
        sample.waiting as usize, truth.messages_waiting,
        "{report:?}"
    );
    assert!(
        sample
            .longest_wait_seconds
            .abs_diff(truth.oldest_message_waited as u64)
            <= 1,
        "longest wait {} s, oldest message waited {} s",
        sample.longest_wait_seconds,
        truth.oldest_message_waited
    );
    assert_eq!(sample.agents_on_queue, truth.agents_on_queue);
    let tracking = poller(Some((sales.clone(), truth.last_message.clone())))
        .cycle()
        .await
        .tracking
        .unwrap();
    assert_eq!(
        tracking.position,
        Some(truth.messages_waiting as u32),
        "the newest message is last among messages, not among calls"
    );

    let fallback_sample = runner.sample().await.unwrap();
    assert_eq!(fallback_sample.waiting as usize, truth.messages_waiting);
    assert!(
        fallback_sample
            .longest_wait_seconds
            .abs_diff(truth.oldest_message_waited as u64)
            <= 1
    );
}

async fn status_of(app: &TestApp, path: &str) -> (u16, Value) {
    let response = app
        .http
        .get(app.url(path))
        .bearer_auth(app.token().await)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test(start_paused = true)]
async fn a_deleted_deployment_reads_deleting_and_holds_its_configuration_until_gone() {
    let app = spawn_sandbox().await;
    let (deployment_id, configuration_id) = app.seeded_channel().await;
    let token = app.token().await;
    let deleted = app
        .http
        .delete(app.url(&format!(
            "/api/v2/webdeployments/deployments/{deployment_id}"
        )))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    let (status, body) = status_of(
        &app,
        &format!("/api/v2/webdeployments/deployments/{deployment_id}"),
    )
    .await;
    assert_eq!((status, body["status"].as_str()), (200, Some("Deleting")));
    let conflict = app
        .http
        .delete(app.url(&format!(
            "/api/v2/webdeployments/configurations/{configuration_id}"
        )))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(conflict.status(), 409);
    let body: Value = conflict.json().await.unwrap();
    assert_eq!(body["code"], "resource.conflict");

    tokio::time::advance(Duration::from_secs(3)).await;
    let (status, _) = status_of(
        &app,
        &format!("/api/v2/webdeployments/deployments/{deployment_id}"),
    )
    .await;
    assert_eq!(status, 404, "gone after the lifecycle delay");
}

#[tokio::test(start_paused = true)]
async fn channel_delete_waits_out_deleting_then_removes_the_configuration() {
    let app = spawn_sandbox().await;
    let store = Store::in_memory().unwrap();
    let (deployment_id, configuration_id) = app.seeded_channel().await;
    let steps = Arc::new(Mutex::new(Vec::new()));
    let seen = steps.clone();
    let request = channel::DeleteRequest::new(deployment_id.clone());
    let deleted = channel::delete_channel(&app.client, &store, "t", &request, &move |step| {
        seen.lock()
            .unwrap()
            .push(format!("{}: {}", step.stage, step.message))
    })
    .await
    .unwrap();
    assert!(deleted.configuration_deleted, "{deleted:?}");
    assert!(deleted.waited_seconds >= 1, "{deleted:?}");
    let steps = steps.lock().unwrap().clone();
    assert!(
        steps
            .iter()
            .any(|s| s.starts_with("deleting:") && s.contains("Deleting")),
        "{steps:?}"
    );
    assert_eq!(app.draft_status(&configuration_id).await, 404);
}

#[tokio::test(start_paused = true)]
async fn channel_delete_that_runs_out_of_time_names_what_was_left() {
    let app = spawn_sandbox().await;
    let store = Store::in_memory().unwrap();
    let (deployment_id, configuration_id) = app.seeded_channel().await;
    let mut request = channel::DeleteRequest::new(deployment_id.clone());
    request.wait = Duration::from_millis(500);
    request.poll_every = Duration::from_millis(200);
    let error = channel::delete_channel(&app.client, &store, "t", &request, &|_| {})
        .await
        .unwrap_err();
    match &error {
        ChannelError::DeleteIncomplete {
            configuration_id: left,
            last_status,
            ..
        } => assert_eq!(
            (left.as_str(), last_status.as_str()),
            (configuration_id.as_str(), "Deleting")
        ),
        other => panic!("expected DeleteIncomplete, got {other:?}"),
    }
    assert!(error.to_string().contains(&configuration_id), "{error}");
    assert_eq!(
        app.draft_status(&configuration_id).await,
        200,
        "the configuration is left, as the error says"
    );
}

/// A channel made over plain HTTP, as an admin or terraform would: no routing recorded.
async fn channel_over_raw_http(app: &TestApp, primary_color: &str) -> (String, String) {
    let configuration = app
        .post_api(
            "/api/v2/webdeployments/configurations",
            &json!({"name": "Made elsewhere", "description": "Terraform-managed", "languages": ["en-us", "fr"],
               "defaultLanguage": "en-us",
               "customI18nLabels": [{"language": "en-us", "localizedLabels": [{"key": "MessengerHomeHeaderTitle", "value": "Hello THERE"}]}],
               "messenger": {"enabled": true, "styles": {"primaryColor": primary_color},
                 "launcherButton": {"visibility": "OnDemand", "displayType": "Icon"},
                 "homeScreen": {"enabled": true, "logoUrl": "https://Example.com/Logo.PNG"},
                 "fileUpload": {"enableAttachments": true, "modes": [{"fileTypes": ["image/gif"], "maxFileSizeKB": 2048}]},
                 "apps": {"conversations": {"enabled": true, "markdown": {"enabled": true},
                          "conversationDisconnect": {"enabled": true, "type": "ReadOnly"}, "sessionDurationSeconds": 1800}},
                 "sessionPersistenceType": "AcrossSubdomains"},
               "position": {"alignment": "Left", "sideSpace": 7, "bottomSpace": 31},
               "journeyEvents": {"enabled": true, "pageviewConfig": "Once",
                 "clickEvents": [{"selector": "#Buy", "eventName": "BuyClicked"}]},
               "cobrowse": {"enabled": true, "channels": ["Webmessaging"], "maskSelectors": [".CardNumber"]}}),
    )
    .await;
    let configuration_id = configuration["id"].as_str().unwrap().to_string();
    tokio::time::advance(Duration::from_secs(3)).await;
    app.post_api(
        &format!("/api/v2/webdeployments/configurations/{configuration_id}/versions/draft/publish"),
        &json!({}),
    )
    .await;
    let flow_id = app.flow_id(PRIMARY_FLOW_NAME).await;
    let deployment = app
        .post_api(
            "/api/v2/webdeployments/deployments",
            &json!({"name": "Elsewhere Site", "allowedDomains": ["Shop.Example.com"],
               "configuration": {"id": configuration_id, "version": "1"}, "flow": {"id": flow_id}}),
        )
        .await;
    tokio::time::advance(Duration::from_secs(3)).await;
    (
        deployment["id"].as_str().unwrap().to_string(),
        configuration_id,
    )
}

#[tokio::test(start_paused = true)]
async fn metrics_and_audit_work_on_a_channel_the_app_did_not_create() {
    let app = spawn_sandbox().await;
    let store = Store::in_memory().unwrap();
    let (deployment_id, configuration_id) = channel_over_raw_http(&app, "#1F5FA8").await;
    let period = Period::last(Duration::from_secs(6 * 3600), app.sandbox.state().now());
    let (engagement, uptime) =
        metrics::channel_metrics(&app.client, &store, Some(&deployment_id), None, period)
            .await
            .unwrap();
    assert!(uptime.is_some());
    assert!(
        engagement.offered > 0
            && engagement.answered <= engagement.offered
            && engagement.conversations as i64 == engagement.offered,
        "narrowed by the inbound flow through the details: {engagement:?}"
    );
    assert!(engagement.average_wait_seconds.is_some(), "{engagement:?}");

    let timeline = metrics::channel_timeline(
        &app.client,
        &store,
        Some(&deployment_id),
        Duration::from_secs(3600),
    )
    .await
    .unwrap();
    let created = timeline
        .iter()
        .find(|entry| entry.entity_id == deployment_id && entry.action == "Create")
        .unwrap_or_else(|| panic!("{timeline:#?}"));
    assert_eq!(created.source, "genesys");
    assert!(
        timeline
            .iter()
            .any(|entry| entry.entity_id == configuration_id),
        "the configuration's history is part of the channel's"
    );
    assert!(created.who.is_some(), "{created:?}");
}

#[tokio::test(start_paused = true)]
async fn export_import_export_changes_no_value_of_a_rich_configuration() {
    let org_a = spawn_sandbox().await;
    let org_b = spawn_sandbox().await;
    let store = Store::in_memory().unwrap();
    let (deployment_id, _) = channel_over_raw_http(&org_a, "#7A1FA2").await;
    let first = transfer::export_channel(&org_a.client, &store, &deployment_id)
        .await
        .unwrap();
    let imported = transfer::import_channel(
        &pipeline(
            &org_b.client,
            &store,
            "b",
            &CancellationToken::new(),
            &|_| {},
        ),
        &first,
        &PublishOptions::default(),
    )
    .await
    .unwrap();
    assert!(imported.outcome.is_active(), "{:?}", imported.outcome);
    let second = transfer::export_channel(
        &org_b.client,
        &store,
        imported.deployment_id.as_deref().unwrap(),
    )
    .await
    .unwrap();
    let configuration = |document: &transfer::ChannelDocument| {
        serde_json::to_value(document.configuration.writable()).unwrap()
    };
    assert_eq!(
        configuration(&second)["messenger"]["styles"]["primaryColor"],
        "#7A1FA2"
    );
    assert_eq!(configuration(&first), configuration(&second));
    assert_eq!(
        serde_json::to_value(second.deployment.writable()).unwrap()["allowedDomains"],
        json!(["Shop.Example.com"])
    );
}
