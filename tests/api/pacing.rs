//! The client's pacer against the Sandbox's rate window: background work spends each
//! window up to its reserve, shares it with everything else on the client, and never
//! meets a 429.

use std::time::Duration;

use webmsg_desk::genesys::models::{metric, AnalyticsFilter, QueueObservationQuery};
use webmsg_desk::sandbox::SandboxOptions;
use webmsg_desk::store::Store;
use webmsg_desk::transfer::{export_all, ExportAllOptions};

use crate::helpers::{spawn_sandbox_with, test_options};

#[tokio::test(start_paused = true)]
async fn an_export_a_monitor_and_interactive_calls_sharing_a_client_never_meet_a_429() {
    let app = spawn_sandbox_with(SandboxOptions {
        rate_limit_per_minute: 60,
        channels: 79,
        lifecycle_delay: Duration::ZERO,
        ..test_options()
    })
    .await;
    let store = Store::in_memory().unwrap();
    let folder = tempfile::tempdir().unwrap();
    let support = app.queue_id("Support").await;
    let options = ExportAllOptions::default();
    let quiet = |_: usize, _: usize| {};
    let started = tokio::time::Instant::now();
    let export = export_all(&app.client, &store, folder.path(), &options, &quiet);
    let monitor = async {
        let background = app.client.background();
        let query = QueueObservationQuery {
            filter: AnalyticsFilter::any_of("queueId", [support.clone()]),
            metrics: vec![metric::WAITING.into()],
            ..Default::default()
        };
        for _ in 0..30 {
            background
                .analytics()
                .queue_observations(&query)
                .await
                .unwrap();
        }
    };
    let interactive = async {
        // An admin clicking through the window meanwhile: the spacing is the workload
        // (one list every 7 s across the run), not a wait for anything.
        for _ in 0..8 {
            app.client.queues().list_all(None).await.unwrap();
            tokio::time::sleep(Duration::from_secs(7)).await;
        }
    };
    let (exported, (), ()) = tokio::join!(export, monitor, interactive);
    let exported = exported.unwrap();
    assert_eq!(exported.files.len(), 80);
    let served = app.status().await;
    assert_eq!(served["stats"]["rateLimited"], 0, "{served}");
    assert_eq!(app.client.rate_budget().rate_limited_responses, 0);
    let requests = served["stats"]["apiRequests"].as_u64().unwrap();
    assert!(
        requests > 120,
        "two windows or more were needed: {requests}"
    );
    // Spending each window at once, the work ends within the window after the last
    // one it needed, not at a uniform pace.
    let windows = requests.div_ceil(60);
    assert!(
        started.elapsed() <= Duration::from_secs(windows * 60 + 5),
        "{requests} requests took {:?}",
        started.elapsed()
    );
}
