//! The Notifications API of the Sandbox (contract §13) over HTTP and its WebSocket, and
//! the queue monitor taking observations by push, falling back to polling.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;
use webmsg_desk::monitor::callbacks::Callbacks;
use webmsg_desk::monitor::poller::{CycleReport, Poller, PollerSettings, WatchedQueue};
use webmsg_desk::monitor::Directives;
use webmsg_desk::store::Store;

use crate::helpers::{spawn_sandbox, TestApp};

async fn put_topics(app: &TestApp, channel: &str, topics: &[String]) -> (u16, Value) {
    let body: Vec<Value> = topics.iter().map(|t| json!({"id": t})).collect();
    let response = app
        .http
        .put(app.url(&format!(
            "/api/v2/notifications/channels/{channel}/subscriptions"
        )))
        .bearer_auth(app.token().await)
        .json(&body)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

async fn head_status(app: &TestApp, channel: &str) -> u16 {
    app.http
        .head(app.url(&format!("/api/v2/notifications/channels/{channel}")))
        .bearer_auth(app.token().await)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread")]
async fn channels_and_subscriptions_answer_as_the_api_does() {
    let app = spawn_sandbox().await;
    let (_, topics) = app
        .get_api("/api/v2/notifications/availabletopics?expand=requiresPermissions")
        .await;
    let observations = topics["entities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == "v2.analytics.queues.{id}.observations")
        .unwrap();
    assert_eq!(
        observations["requiresPermissions"],
        json!(["analytics:queueObservation:view"])
    );

    let channel = app
        .post_api("/api/v2/notifications/channels", &json!({}))
        .await;
    let id = channel["id"].as_str().unwrap().to_string();
    assert!(channel["connectUri"].as_str().unwrap().starts_with("ws://"));
    assert!(channel["expires"].is_string());
    assert_eq!(head_status(&app, &id).await, 200);
    assert_eq!(head_status(&app, "streaming-0-nothing").await, 404);

    let support = app.queue_id("Support").await;
    let (status, answer) = put_topics(
        &app,
        &id,
        &[
            format!("v2.analytics.queues.{support}.observations"),
            format!("v2.analytics.queues.{}.observations", uuid::Uuid::nil()),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(answer["entities"][0]["state"], "Permitted");
    assert_eq!(answer["entities"][1]["state"], "Rejected");
    let (status, refused) = put_topics(&app, &id, &["v2.nonsense".into()]).await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (400, Some("notification.invalid.topic"))
    );
    let (_, kept) = app
        .get_api(&format!(
            "/api/v2/notifications/channels/{id}/subscriptions"
        ))
        .await;
    assert_eq!(kept["entities"].as_array().unwrap().len(), 1, "{kept}");

    // A client holds at most 20 channels: the 21st displaces the least recently used.
    for _ in 0..20 {
        app.post_api("/api/v2/notifications/channels", &json!({}))
            .await;
    }
    let (_, listed) = app.get_api("/api/v2/notifications/channels").await;
    assert_eq!(listed["entities"].as_array().unwrap().len(), 20);
    assert_eq!(head_status(&app, &id).await, 404, "the oldest one went");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_channel_socket_sends_the_state_then_every_change() {
    let app = spawn_sandbox().await;
    let support = app.queue_id("Support").await;
    app.empty_queue(&support).await;
    let channel = app
        .post_api("/api/v2/notifications/channels", &json!({}))
        .await;
    let id = channel["id"].as_str().unwrap();
    let topic = format!("v2.analytics.queues.{support}.observations");
    put_topics(&app, id, std::slice::from_ref(&topic)).await;
    let (mut socket, _) = tokio_tungstenite::connect_async(channel["connectUri"].as_str().unwrap())
        .await
        .unwrap();
    let waiting_of = |frame: &Value| -> Option<i64> {
        (frame["topicName"] == topic.as_str()
            && frame["eventBody"]["group"]["mediaType"] == "message")
            .then(|| {
                frame["eventBody"]["data"][0]["metrics"]
                    .as_array()?
                    .iter()
                    .find(|m| m["metric"] == "oWaiting")?["stats"]["count"]
                    .as_i64()
            })
            .flatten()
    };
    let next_waiting = async |socket: &mut tokio_tungstenite::WebSocketStream<_>| {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
        loop {
            let message = tokio::time::timeout_at(deadline, socket.next())
                .await
                .expect("an observation within 2 s")
                .unwrap()
                .unwrap();
            if let Message::Text(text) = message {
                let frame: Value = serde_json::from_str(text.as_str()).unwrap();
                if let Some(waiting) = waiting_of(&frame) {
                    return waiting;
                }
            }
        }
    };
    assert_eq!(next_waiting(&mut socket).await, 0, "the state on opening");
    app.traffic(&support, json!({"addWaiting": 4, "patienceSeconds": 36000}))
        .await;
    assert_eq!(next_waiting(&mut socket).await, 4, "the change, within 2 s");
    socket
        .send(Message::Text(json!({"message": "ping"}).to_string().into()))
        .await
        .unwrap();
    let pong = loop {
        let Message::Text(text) = socket.next().await.unwrap().unwrap() else {
            continue;
        };
        let frame: Value = serde_json::from_str(text.as_str()).unwrap();
        if frame["topicName"] == "channel.metadata" {
            break frame;
        }
    };
    assert_eq!(pong["eventBody"]["message"], "pong");
}

/// Runs a poller in the background; its reports come through the returned receiver.
fn run_in_background(
    poller: Poller,
) -> (
    tokio::sync::mpsc::UnboundedReceiver<CycleReport>,
    tokio_util::sync::CancellationToken,
) {
    let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
    let cancel = tokio_util::sync::CancellationToken::new();
    let stop = cancel.clone();
    tokio::spawn(async move {
        let mut poller = poller;
        poller
            .run(&stop, None, &move |report| {
                let _ = sender.send(report.clone());
            })
            .await;
    });
    (receiver, cancel)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_monitor_takes_pushed_observations_and_polls_again_when_the_channel_closes() {
    let app = spawn_sandbox().await;
    let support = app.queue_id("Support").await;
    app.empty_queue(&support).await;
    let queues: Vec<WatchedQueue> = app
        .client
        .queues()
        .list_all(None)
        .await
        .unwrap()
        .into_iter()
        .map(|q| WatchedQueue {
            id: q.id.unwrap(),
            name: q.name.unwrap(),
            directives: Directives {
                max_depth: None,
                max_wait_seconds: None,
                min_agents: None,
            },
        })
        .collect();
    let queue_count = queues.len() as u64;
    let settings = PollerSettings {
        interval: Duration::from_secs(30),
        ..PollerSettings::default()
    };
    let poller = Poller::new(
        app.client.clone(),
        Store::in_memory().unwrap(),
        queues,
        settings,
        Callbacks::none(),
        None,
    )
    .unwrap();
    let (mut reports, cancel) = run_in_background(poller);
    let pushed_report = async |reports: &mut tokio::sync::mpsc::UnboundedReceiver<CycleReport>,
                               within: Duration,
                               wanted: &dyn Fn(&CycleReport) -> bool| {
        tokio::time::timeout(within, async {
            loop {
                let report = reports.recv().await.unwrap();
                if wanted(&report) {
                    return report;
                }
            }
        })
        .await
        .expect("the wanted cycle in time")
    };
    let waiting = |report: &CycleReport, queue: &str| {
        report
            .samples
            .iter()
            .find(|s| s.queue_id == queue)
            .map(|s| s.waiting)
    };
    pushed_report(&mut reports, Duration::from_secs(10), &|r| {
        r.source == "push"
    })
    .await;
    let requests_before = app.client.api_requests();

    // A change in the queue reaches the monitor within 2 s, with no request.
    app.traffic(&support, json!({"addWaiting": 3, "patienceSeconds": 36000}))
        .await;
    let changed = pushed_report(&mut reports, Duration::from_secs(2), &|r| {
        r.source == "push" && waiting(r, &support) == Some(3)
    })
    .await;
    assert_eq!(changed.requests, 0);
    app.traffic(&support, json!({"addWaiting": 2, "patienceSeconds": 36000}))
        .await;
    pushed_report(&mut reports, Duration::from_secs(2), &|r| {
        r.source == "push" && waiting(r, &support) == Some(5)
    })
    .await;
    // (The traffic control goes around the client: only the monitor's requests count.)
    let steady = app.client.api_requests() - requests_before;
    assert!(
        (steady as f64) < 0.1 * queue_count as f64,
        "{steady} API requests for {queue_count} queues while pushed"
    );

    // The channel closes: the monitor polls again.
    app.control("/sandbox/notifications/close", json!({})).await;
    let polled = pushed_report(&mut reports, Duration::from_secs(35), &|r| {
        r.source == "poll"
    })
    .await;
    assert!(polled.requests >= 1, "{polled:?}");
    assert_eq!(waiting(&polled, &support), Some(5));
    cancel.cancel();
}
