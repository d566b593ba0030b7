//! Telling external trackers: POST each event as JSON to a webhook and/or run a local
//! command with the event on stdin.
//!
//! Events go through a bounded queue to one background task, so polling never waits on
//! a slow tracker; when the queue is full the newest event is dropped and counted. Each
//! delivery has a timeout and a bounded number of retries.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use tokio::io::AsyncWriteExt;
use tokio::sync::{mpsc, Notify};

const QUEUE_CAPACITY: usize = 256;

#[derive(Debug, Clone, Default)]
pub struct CallbackSettings {
    pub webhook: Option<url::Url>,
    /// A command line run with `sh -c` (or `cmd /C`), the event JSON on stdin.
    pub command: Option<String>,
    pub timeout: Duration,
    pub retries: u32,
}

/// Delivery counters, for the UI and the tests.
#[derive(Debug, Default)]
pub struct DeliveryStats {
    pub delivered: AtomicU64,
    pub failed: AtomicU64,
    pub dropped: AtomicU64,
}

#[derive(Clone)]
pub struct Callbacks {
    sender: Option<mpsc::Sender<serde_json::Value>>,
    stats: Arc<DeliveryStats>,
    pending: Arc<Pending>,
}

/// Events queued or being delivered, so a run that ends can wait for them.
#[derive(Default)]
struct Pending {
    count: AtomicU64,
    settled: Notify,
}

impl Callbacks {
    /// No trackers: events go nowhere.
    pub fn none() -> Callbacks {
        Callbacks {
            sender: None,
            stats: Arc::new(DeliveryStats::default()),
            pending: Arc::default(),
        }
    }

    /// Starts the delivery task.
    pub fn start(settings: CallbackSettings) -> Callbacks {
        if settings.webhook.is_none() && settings.command.is_none() {
            return Callbacks::none();
        }
        let (sender, mut receiver) = mpsc::channel::<serde_json::Value>(QUEUE_CAPACITY);
        let stats = Arc::new(DeliveryStats::default());
        let task_stats = stats.clone();
        let pending = Arc::new(Pending::default());
        let task_pending = pending.clone();
        let timeout = if settings.timeout.is_zero() {
            Duration::from_secs(5)
        } else {
            settings.timeout
        };
        let http = webhook_client(timeout);
        tokio::spawn(async move {
            while let Some(event) = receiver.recv().await {
                if let Some(url) = &settings.webhook {
                    let ok = post_with_retries(&http, url, &event, settings.retries).await;
                    count(&task_stats, ok);
                }
                if let Some(command) = &settings.command {
                    let ok = run_command(command, &event, timeout).await;
                    count(&task_stats, ok);
                }
                task_pending.count.fetch_sub(1, Ordering::AcqRel);
                task_pending.settled.notify_waiters();
            }
        });
        Callbacks {
            sender: Some(sender),
            stats,
            pending,
        }
    }

    /// Queues an event; never waits.
    pub fn send<T: Serialize>(&self, event: &T) {
        let Some(sender) = &self.sender else { return };
        let value = serde_json::to_value(event).unwrap_or_default();
        self.pending.count.fetch_add(1, Ordering::AcqRel);
        if sender.try_send(value).is_err() {
            self.pending.count.fetch_sub(1, Ordering::AcqRel);
            self.stats.dropped.fetch_add(1, Ordering::Relaxed);
            tracing::warn!("callback queue full; an event was dropped");
        }
    }

    /// Waits, at most `bound`, until every queued event has been delivered or given up
    /// on: a watch that ends must not take its last events with it. `false` when some
    /// were still pending at the bound.
    pub async fn flush(&self, bound: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + bound;
        loop {
            let settled = self.pending.settled.notified();
            if self.pending.count.load(Ordering::Acquire) == 0 {
                return true;
            }
            if tokio::time::timeout_at(deadline, settled).await.is_err() {
                return false;
            }
        }
    }

    pub fn stats(&self) -> &DeliveryStats {
        &self.stats
    }
}

fn count(stats: &DeliveryStats, ok: bool) {
    if ok {
        stats.delivered.fetch_add(1, Ordering::Relaxed);
    } else {
        stats.failed.fetch_add(1, Ordering::Relaxed);
    }
}

/// The client that delivers events: it follows no redirect, so a receiver (or whoever
/// answers for it) cannot point the app's POSTs at an address inside the network.
fn webhook_client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_default()
}

async fn post_with_retries(
    http: &reqwest::Client,
    url: &url::Url,
    event: &serde_json::Value,
    retries: u32,
) -> bool {
    for attempt in 0..=retries {
        match http.post(url.clone()).json(event).send().await {
            Ok(response) if response.status().is_success() => return true,
            Ok(response) => tracing::warn!(
                status = response.status().as_u16(),
                attempt,
                "webhook refused the event"
            ),
            // The URL often carries the receiver's secret (Slack, Teams, ntfy tokens),
            // so it stays out of the log.
            Err(error) => {
                let error = error.without_url();
                tracing::warn!(%error, attempt, "webhook could not be reached")
            }
        }
        if attempt < retries {
            tokio::time::sleep(Duration::from_millis(500) * 2u32.pow(attempt)).await;
        }
    }
    false
}

async fn run_command(command: &str, event: &serde_json::Value, timeout: Duration) -> bool {
    let mut process = if cfg!(windows) {
        let mut p = tokio::process::Command::new("cmd");
        p.args(["/C", command]);
        p
    } else {
        let mut p = tokio::process::Command::new("sh");
        p.args(["-c", command]);
        p
    };
    let spawned = process
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(error) => {
            tracing::warn!(%error, "callback command could not start");
            return false;
        }
    };
    if let Some(mut stdin) = child.stdin.take() {
        let line = format!("{event}\n");
        if stdin.write_all(line.as_bytes()).await.is_err() {
            return false;
        }
    }
    match tokio::time::timeout(timeout, child.wait()).await {
        Ok(Ok(status)) => status.success(),
        Ok(Err(_)) => false,
        Err(_) => {
            tracing::warn!("callback command timed out and was stopped");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_webhook_that_redirects_is_not_followed() {
        use std::sync::atomic::AtomicU32;
        let inside = Arc::new(AtomicU32::new(0));
        let hits = inside.clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let target = format!("{base}/internal");
        let app = axum::Router::new()
            .route(
                "/hook",
                axum::routing::post(move || {
                    let target = target.clone();
                    async move { axum::response::Redirect::temporary(&target) }
                }),
            )
            .route(
                "/internal",
                axum::routing::post(move || {
                    hits.fetch_add(1, Ordering::SeqCst);
                    async { "ok" }
                }),
            );
        tokio::spawn(async move { axum::serve(listener, app).await });
        let url = url::Url::parse(&format!("{base}/hook")).unwrap();
        let delivered = post_with_retries(
            &webhook_client(Duration::from_secs(5)),
            &url,
            &serde_json::json!({"kind": "test"}),
            0,
        )
        .await;
        assert!(!delivered, "a redirect is not a delivery");
        assert_eq!(
            inside.load(Ordering::SeqCst),
            0,
            "the redirect was followed"
        );
    }

    #[tokio::test(flavor = "current_thread")]
    async fn an_unreachable_webhook_is_logged_without_its_url() {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        let _guard = tracing::subscriber::set_default(subscriber);
        // Port 1 on loopback refuses at once: a connection error, not a status.
        let url = url::Url::parse("http://127.0.0.1:1/hooks/T0KEN-s3cret").unwrap();
        let delivered = post_with_retries(
            &reqwest::Client::new(),
            &url,
            &serde_json::json!({"kind": "test"}),
            0,
        )
        .await;
        assert!(!delivered);
        let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        assert!(log.contains("webhook could not be reached"), "{log}");
        assert!(!log.contains("T0KEN-s3cret"), "{log}");
    }
}
