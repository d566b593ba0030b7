//! The queue monitor against the Sandbox.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::routing::post;
use axum::Router;
use serde_json::{json, Value};
use webmsg_desk::chart::{self, ChartOptions};
use webmsg_desk::monitor::callbacks::{CallbackSettings, Callbacks};
use webmsg_desk::monitor::poller::{Poller, PollerSettings, WatchedQueue};
use webmsg_desk::monitor::{history, Availability, Directives};
use webmsg_desk::sandbox::SandboxOptions;
use webmsg_desk::store::Store;

use crate::helpers::{eventually, spawn_sandbox, spawn_sandbox_with, test_options, TestApp};

const NO_DIRECTIVES: Directives = Directives {
    max_depth: None,
    max_wait_seconds: None,
    min_agents: None,
};

async fn all_queues(app: &TestApp, directives: Directives) -> Vec<WatchedQueue> {
    app.client
        .queues()
        .list_all(None)
        .await
        .unwrap()
        .into_iter()
        .map(|q| WatchedQueue {
            id: q.id.unwrap(),
            name: q.name.unwrap(),
            directives,
        })
        .collect()
}

fn poller(
    app: &TestApp,
    store: &Store,
    queues: Vec<WatchedQueue>,
    settings: PollerSettings,
    callbacks: Callbacks,
) -> Poller {
    Poller::new(
        app.client.clone(),
        store.clone(),
        queues,
        settings,
        callbacks,
        None,
    )
    .unwrap()
}

fn no_estimates() -> PollerSettings {
    PollerSettings {
        interval: Duration::from_secs(5),
        estimate_every: 0,
        ..PollerSettings::default()
    }
}

#[tokio::test(start_paused = true)]
async fn one_observations_request_per_cycle_whatever_the_number_of_queues() {
    let app = spawn_sandbox_with(SandboxOptions {
        extra_queues: 16,
        ..test_options()
    })
    .await;
    let store = Store::in_memory().unwrap();
    let queues = all_queues(&app, NO_DIRECTIVES).await;
    assert_eq!(queues.len(), 20);
    app.client.authenticate().await.unwrap();
    let mut poller = poller(&app, &store, queues, no_estimates(), Callbacks::none());
    let before = app
        .served("POST /api/v2/analytics/queues/observations/query")
        .await;
    for _ in 0..5 {
        let report = poller.cycle().await;
        assert!(report.ok, "{:?}", report.error);
        assert_eq!(report.requests, 1);
        assert_eq!(report.samples.len(), 20);
        tokio::time::advance(Duration::from_secs(5)).await;
    }
    assert_eq!(
        app.served("POST /api/v2/analytics/queues/observations/query")
            .await
            - before,
        5
    );
    let stored = history::counts(&store).unwrap();
    assert_eq!(stored.len(), 20);
    assert!(stored.iter().all(|c| c.samples == 5));
}

#[tokio::test(start_paused = true)]
async fn estimated_waits_come_on_a_slower_cadence_and_are_smoothed() {
    let app = spawn_sandbox().await;
    let store = Store::in_memory().unwrap();
    let queues = all_queues(&app, NO_DIRECTIVES).await;
    let settings = PollerSettings {
        interval: Duration::from_secs(5),
        estimate_every: 3,
        ..PollerSettings::default()
    };
    let mut poller = poller(&app, &store, queues, settings, Callbacks::none());
    let requests: Vec<u64> = {
        let mut counts = Vec::new();
        for _ in 0..6 {
            let report = poller.cycle().await;
            assert!(report
                .samples
                .iter()
                .all(|s| s.smoothed_wait_seconds.is_some()));
            counts.push(report.requests);
            tokio::time::advance(Duration::from_secs(5)).await;
        }
        counts
    };
    assert_eq!(
        requests,
        [5, 1, 1, 5, 1, 1],
        "4 estimates every third cycle"
    );
}

#[tokio::test(start_paused = true)]
async fn a_rate_limit_storm_slows_the_schedule_without_a_failed_cycle() {
    let app = spawn_sandbox().await;
    let store = Store::in_memory().unwrap();
    let mut poller = poller(
        &app,
        &store,
        all_queues(&app, NO_DIRECTIVES).await,
        no_estimates(),
        Callbacks::none(),
    );
    let calm = poller.cycle().await;
    assert_eq!(calm.next_interval_ms, 5_000);
    app.fault(json!({"kind": "status", "status": 429, "retryAfter": 20, "count": 3}))
        .await;
    let stormy = poller.cycle().await;
    assert!(
        stormy.ok,
        "the client waited the 429s out: {:?}",
        stormy.error
    );
    assert!(
        stormy.next_interval_ms >= 20_000,
        "slower after a rate limit: {}",
        stormy.next_interval_ms
    );
    let after = poller.cycle().await;
    assert!(after.ok);
    assert_eq!(
        after.next_interval_ms, 5_000,
        "back to normal once the storm is over"
    );
}

#[tokio::test(start_paused = true)]
async fn token_expiry_mid_run_is_transparent() {
    let app = spawn_sandbox().await;
    let store = Store::in_memory().unwrap();
    let mut poller = poller(
        &app,
        &store,
        all_queues(&app, NO_DIRECTIVES).await,
        no_estimates(),
        Callbacks::none(),
    );
    assert!(poller.cycle().await.ok);
    app.control("/sandbox/tokens/expire", json!({})).await;
    assert!(poller.cycle().await.ok);
    assert_eq!(app.client.token_requests(), 2);
}

#[tokio::test(start_paused = true)]
async fn directive_flags_flip_on_overload_and_clear_on_recovery() {
    let app = spawn_sandbox_with(SandboxOptions {
        speed: 10.0,
        ..test_options()
    })
    .await;
    let store = Store::in_memory().unwrap();
    let support = app.queue_id("Support").await;
    let directives = Directives {
        max_depth: Some(10),
        max_wait_seconds: Some(300),
        min_agents: Some(2),
    };
    let queues = vec![WatchedQueue {
        id: support.clone(),
        name: "Support".into(),
        directives,
    }];
    let settings = PollerSettings {
        interval: Duration::from_secs(5),
        estimate_every: 1,
        ..PollerSettings::default()
    };
    let mut poller = poller(&app, &store, queues, settings, Callbacks::none());
    // Calm at any simulated hour: an empty line, staffed, hardly anyone arriving.
    app.empty_queue(&support).await;
    app.traffic(&support, json!({"onQueueAgents": 8, "arrivalsPerHour": 2}))
        .await;
    tokio::time::advance(Duration::from_secs(5)).await;
    let calm = poller.cycle().await;
    let flags = &calm.flags[0].1;
    assert!(!flags.over_capacity && !flags.wait_exceeded, "{flags:?}");

    app.control(
        &format!("/sandbox/queues/{support}/traffic"),
        json!({"onQueueAgents": 0, "arrivalsPerHour": 900, "patienceSeconds": 36000}),
    )
    .await;
    let mut raised = None;
    for _ in 0..40 {
        tokio::time::advance(Duration::from_secs(5)).await;
        let report = poller.cycle().await;
        if report.flags[0].1.over_capacity && report.flags[0].1.wait_exceeded {
            raised = Some(report);
            break;
        }
    }
    let raised = raised.expect("overload raises the flags");
    assert_eq!(raised.flags[0].1.availability, Availability::Low);
    assert!(
        raised.changes.iter().any(|c| c.queue_id == support),
        "the change is reported"
    );

    // Short handle times drain the backlog within the loop's bound on any seeded history.
    app.control(
        &format!("/sandbox/queues/{support}/traffic"),
        json!({"onQueueAgents": 8, "arrivalsPerHour": 2, "handleTimeSeconds": 30}),
    )
    .await;
    let mut changes = Vec::new();
    let mut cleared = false;
    for _ in 0..400 {
        tokio::time::advance(Duration::from_secs(5)).await;
        let report = poller.cycle().await;
        changes.extend(report.changes.clone());
        let flags = &report.flags[0].1;
        if !flags.over_capacity && !flags.wait_exceeded {
            cleared = true;
            break;
        }
    }
    assert!(cleared, "recovery clears the flags");
    assert!(
        changes
            .iter()
            .any(|c| c.before.as_ref().is_some_and(|b| b.over_capacity) && !c.after.over_capacity),
        "the clearing is reported as a change: {changes:?}"
    );
}

async fn spawn_webhook(status: axum::http::StatusCode) -> (String, Arc<Mutex<Vec<Value>>>) {
    let received = Arc::new(Mutex::new(Vec::new()));
    let sink = received.clone();
    let app = Router::new().route(
        "/events",
        post(move |axum::Json(event): axum::Json<Value>| {
            let sink = sink.clone();
            async move {
                sink.lock().unwrap().push(event);
                status
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{address}/events"), received)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_webhook_receives_cycle_and_flag_events() {
    let app = spawn_sandbox().await;
    let store = Store::in_memory().unwrap();
    let (url, received) = spawn_webhook(axum::http::StatusCode::OK).await;
    let callbacks = Callbacks::start(CallbackSettings {
        webhook: Some(url.parse().unwrap()),
        command: None,
        timeout: Duration::from_secs(2),
        retries: 1,
    });
    let directives = Directives {
        max_depth: Some(1000),
        max_wait_seconds: Some(10_000),
        min_agents: Some(1),
    };
    let mut poller = poller(
        &app,
        &store,
        all_queues(&app, directives).await,
        no_estimates(),
        callbacks,
    );
    for _ in 0..3 {
        assert!(poller.cycle().await.ok);
    }
    eventually(Duration::from_secs(10), "seven deliveries", || async {
        (received.lock().unwrap().len() >= 7).then_some(())
    })
    .await;
    let events = received.lock().unwrap().clone();
    let cycles = events.iter().filter(|e| e["type"] == "cycle").count();
    let flags = events.iter().filter(|e| e["type"] == "flags").count();
    assert_eq!(
        (cycles, flags),
        (3, 4),
        "three cycles, and the first flags of four queues"
    );
    assert_eq!(events[0]["queues"].as_array().unwrap().len(), 4);
    let text = serde_json::to_string(&events).unwrap();
    assert!(!text.contains("sandbox-secret") && !text.to_lowercase().contains("bearer"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_webhook_never_stops_polling() {
    let app = spawn_sandbox().await;
    let store = Store::in_memory().unwrap();
    let (url, received) = spawn_webhook(axum::http::StatusCode::INTERNAL_SERVER_ERROR).await;
    let callbacks = Callbacks::start(CallbackSettings {
        webhook: Some(url.parse().unwrap()),
        command: None,
        timeout: Duration::from_secs(1),
        retries: 2,
    });
    let mut poller = poller(
        &app,
        &store,
        all_queues(&app, NO_DIRECTIVES).await,
        no_estimates(),
        callbacks,
    );
    let started = std::time::Instant::now();
    for _ in 0..4 {
        assert!(poller.cycle().await.ok);
    }
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "polling did not wait for the tracker: {:?}",
        started.elapsed()
    );
    eventually(Duration::from_secs(20), "a failed delivery", || async {
        (poller
            .callbacks()
            .stats()
            .failed
            .load(std::sync::atomic::Ordering::Relaxed)
            >= 1)
            .then_some(())
    })
    .await;
    assert!(
        received.lock().unwrap().len() >= 3,
        "each failed delivery was retried"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_local_command_gets_each_event_on_stdin() {
    let app = spawn_sandbox().await;
    let store = Store::in_memory().unwrap();
    let folder = tempfile::tempdir().unwrap();
    let target = folder.path().join("events.jsonl");
    let callbacks = Callbacks::start(CallbackSettings {
        webhook: None,
        command: Some(format!("cat >> '{}'", target.display())),
        timeout: Duration::from_secs(5),
        retries: 0,
    });
    let mut poller = poller(
        &app,
        &store,
        all_queues(&app, NO_DIRECTIVES).await,
        no_estimates(),
        callbacks,
    );
    assert!(poller.cycle().await.ok);
    assert!(poller.cycle().await.ok);
    let lines = eventually(Duration::from_secs(10), "six audit lines", || async {
        let lines = std::fs::read_to_string(&target)
            .map(|t| t.lines().count())
            .unwrap_or(0);
        (lines >= 2 + 4).then_some(lines)
    })
    .await;
    assert_eq!(lines, 6, "two cycles and four first flag events");
    let first: Value = serde_json::from_str(
        std::fs::read_to_string(&target)
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(first["type"], "cycle");
}

#[tokio::test(start_paused = true)]
async fn history_survives_a_restart_and_charts_render_its_series() {
    let app = spawn_sandbox().await;
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("desk.sqlite3");
    let support = app.queue_id("Support").await;
    {
        let store = Store::open(&path).unwrap();
        let queues = vec![WatchedQueue {
            id: support.clone(),
            name: "Support".into(),
            directives: NO_DIRECTIVES,
        }];
        let settings = PollerSettings {
            interval: Duration::from_secs(5),
            estimate_every: 2,
            ..PollerSettings::default()
        };
        let mut poller = poller(&app, &store, queues, settings, Callbacks::none());
        for _ in 0..30 {
            assert!(poller.cycle().await.ok);
            tokio::time::advance(Duration::from_secs(5)).await;
        }
    }
    let reopened = Store::open(&path).unwrap();
    let samples = history::range(&reopened, &support, 0, i64::MAX, None).unwrap();
    assert_eq!(samples.len(), 30);
    assert!(samples.windows(2).all(|w| w[1].at_ms - w[0].at_ms == 5_000));

    let options = ChartOptions {
        title: "Support".into(),
        max_wait_seconds: Some(120),
        max_depth: Some(10),
        ..ChartOptions::default()
    };
    let svg = chart::render_svg(&samples, &options).unwrap();
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    for label in [
        "estimated wait (smoothed)",
        "longest wait",
        "waiting (right axis)",
        "max wait 120 s",
        "max depth 10",
    ] {
        assert!(svg.contains(label), "the chart lacks {label}");
    }
    let png_path = folder.path().join("support.png");
    chart::write_chart(&png_path, &samples, &options).unwrap();
    let mut reader = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(&png_path).unwrap(),
    ))
    .read_info()
    .unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut pixels).unwrap();
    assert_eq!((frame.width, frame.height), (1200, 420));
    let distinct: std::collections::BTreeSet<&[u8]> =
        pixels[..frame.buffer_size()].chunks(3).collect();
    assert!(
        distinct.len() > 8,
        "lines, labels and background, not a blank image"
    );
    assert!(matches!(
        chart::write_chart(&folder.path().join("x.gif"), &samples, &options),
        Err(chart::ChartError::File(_))
    ));
    assert!(matches!(
        chart::render_svg(&[], &options),
        Err(chart::ChartError::Empty)
    ));
}

#[tokio::test(start_paused = true)]
async fn tracking_a_conversation_reports_its_position_and_accuracy() {
    let app = spawn_sandbox().await;
    let store = Store::in_memory().unwrap();
    let support = app.queue_id("Support").await;
    app.empty_queue(&support).await;
    app.traffic(
        &support,
        json!({"addWaiting": 20, "patienceSeconds": 36000}),
    )
    .await;
    let observed = app
        .client
        .analytics()
        .queue_observations(&webmsg_desk::genesys::models::QueueObservationQuery {
            filter: webmsg_desk::genesys::models::AnalyticsFilter::any_of(
                "queueId",
                [support.clone()],
            ),
            metrics: vec!["oWaiting".into()],
            detail_metrics: Some(vec!["oWaiting".into()]),
            ..Default::default()
        })
        .await
        .unwrap();
    let waiting = observed.results[0].data[0].observations.clone().unwrap();
    let target = waiting.last().unwrap().conversation_id.clone().unwrap();
    let initial_position = waiting.len() as u32;
    let queues = vec![WatchedQueue {
        id: support.clone(),
        name: "Support".into(),
        directives: NO_DIRECTIVES,
    }];
    let settings = PollerSettings {
        interval: Duration::from_secs(5),
        estimate_every: 0,
        track: Some((support.clone(), target.clone())),
        ..PollerSettings::default()
    };
    let mut poller = poller(&app, &store, queues, settings, Callbacks::none());
    let first_seen = tokio::time::Instant::now();
    let first = poller.cycle().await.tracking.unwrap();
    assert_eq!(
        (first.state.as_str(), first.position),
        ("waiting", Some(initial_position))
    );
    let first_estimate = first
        .estimated_wait_seconds
        .expect("an estimate while waiting");
    let waited_when_first_seen = first.waited_seconds.expect("its arrival is known");

    app.control(
        &format!("/sandbox/queues/{support}/traffic"),
        // Short handle times drain the backlog in a couple of simulated minutes, so the
        // bound below holds whatever traffic the wall-clock-seeded history left behind.
        json!({"onQueueAgents": 8, "arrivalsPerHour": 0, "handleTimeSeconds": 30}),
    )
    .await;
    let mut positions = vec![initial_position];
    let mut last = first;
    let mut seen_gone = first_seen;
    for _ in 0..200 {
        tokio::time::advance(Duration::from_secs(5)).await;
        seen_gone = tokio::time::Instant::now();
        last = poller.cycle().await.tracking.unwrap();
        if last.state == "left" {
            break;
        }
        positions.extend(last.position);
    }
    assert_eq!(last.state, "left");
    assert_eq!(last.position, None);
    assert!(
        positions.windows(2).all(|pair| pair[1] <= pair[0]),
        "FIFO: its position only ever moved down: {positions:?}"
    );
    // Paused time can leap to the next timer while a request is in flight on a loaded
    // machine, so how many polls saw it waiting varies; the accuracy follows what was seen.
    let expected_accuracy = (positions.len() > 1).then_some(1.0);
    assert_eq!(last.position_accuracy, expected_accuracy, "{positions:?}");
    // The wait is measured from its arrival to the poll that found it gone.
    let elapsed = (seen_gone - first_seen).as_secs() as i64;
    let waited = last.waited_seconds.expect("a finished wait");
    assert!(
        (waited - (waited_when_first_seen + elapsed)).abs() <= 1,
        "waited {waited} s; first seen after {waited_when_first_seen} s, gone {elapsed} s later"
    );
    assert_eq!(last.estimate_error_seconds, Some(first_estimate - waited));
}
