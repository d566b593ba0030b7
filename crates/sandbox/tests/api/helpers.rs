//! Test harness: a Sandbox on `127.0.0.1:0` with a client pointed at it. Shared by the
//! Sandbox crate's tests and the app's (which include this file); each uses part of it.
#![allow(dead_code)]

use std::time::Duration;

use genesys::{Client, ConnectionConfig, Environment};
use sandbox::{
    RunningSandbox, SandboxOptions, CONTROL_TOKEN_HEADER, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET,
};
use secrecy::SecretString;
use serde_json::Value;

pub struct TestApp {
    pub sandbox: RunningSandbox,
    pub client: Client,
    pub http: reqwest::Client,
}

/// Options tests start from. `WEBMSG_DESK_SANDBOX_CLOCK` (RFC 3339) starts every test's
/// Sandbox at that simulated instant, so the whole suite can be run at the daily peak
/// (13:00 UTC) or at night; no test may depend on which.
pub fn test_options() -> SandboxOptions {
    let clock_start = std::env::var(sandbox::CLOCK_VARIABLE)
        .ok()
        .filter(|text| !text.is_empty())
        .map(|text| sandbox::parse_clock_start(&text).expect("a valid clock"));
    SandboxOptions {
        lifecycle_delay: Duration::from_secs(2),
        history_hours: 6,
        clock_start,
        ..SandboxOptions::default()
    }
}

pub async fn spawn_sandbox() -> TestApp {
    spawn_sandbox_with(test_options()).await
}

pub async fn spawn_sandbox_with(options: SandboxOptions) -> TestApp {
    let sandbox = RunningSandbox::start(options, 0)
        .await
        .expect("sandbox binds a loopback port");
    let client = client_for(&sandbox, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET);
    TestApp {
        sandbox,
        client,
        http: reqwest::Client::new(),
    }
}

pub fn client_for(sandbox: &RunningSandbox, id: &str, secret: &str) -> Client {
    let environment = Environment::parse(&sandbox.base_url()).expect("loopback URL is accepted");
    Client::new(ConnectionConfig::new(
        environment,
        id,
        SecretString::from(secret.to_string()),
    ))
    .expect("client builds")
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.base_url())
    }

    /// A bearer token fetched the way the login service takes it.
    pub async fn token(&self) -> String {
        let response = self
            .http
            .post(self.url("/oauth/token"))
            .basic_auth(DEMO_CLIENT_ID, Some(DEMO_CLIENT_SECRET))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        response.json::<Value>().await.unwrap()["access_token"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// A request to a `/sandbox/*` control, with the run's control token.
    pub fn control_request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, self.url(path))
            .header(CONTROL_TOKEN_HEADER, self.sandbox.control_token())
    }

    pub async fn control(&self, path: &str, body: Value) -> Value {
        let response = self
            .control_request(reqwest::Method::POST, path)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "control {path} answered {}",
            response.status()
        );
        response.json::<Value>().await.unwrap_or(Value::Null)
    }

    /// Changes a queue's simulated traffic (`/sandbox/queues/{id}/traffic`).
    pub async fn traffic(&self, queue_id: &str, body: Value) -> Value {
        self.control(&format!("/sandbox/queues/{queue_id}/traffic"), body)
            .await
    }

    /// An empty line at any simulated hour: nobody arrives, no agent is on queue, and
    /// every conversation the seeded history left in the queue has ended.
    pub async fn empty_queue(&self, queue_id: &str) {
        let state = self
            .traffic(
                queue_id,
                serde_json::json!({"onQueueAgents": 0, "arrivalsPerHour": 0, "dailyCurve": false,
                                   "endConversations": true}),
            )
            .await;
        assert_eq!(state["waiting"], 0, "{state}");
        assert_eq!(state["active"], 0, "{state}");
    }

    pub async fn fault(&self, body: Value) {
        self.control("/sandbox/faults", body).await;
    }

    pub async fn status(&self) -> Value {
        self.control_request(reqwest::Method::GET, "/sandbox/status")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Now by the org's (simulated) clock: query intervals are built from it, as the app
    /// builds them from the org's `Date`, never from this machine's clock.
    pub async fn org_now(&self) -> chrono::DateTime<chrono::Utc> {
        let status = self.status().await;
        sandbox::parse_clock_start(status["simulatedTime"].as_str().unwrap()).unwrap()
    }

    /// How many API requests the Sandbox served on one route (`GET /api/v2/...`).
    pub async fn served(&self, route: &str) -> u64 {
        self.status().await["stats"]["byRoute"][route]
            .as_u64()
            .unwrap_or(0)
    }

    pub async fn queue_id(&self, name: &str) -> String {
        self.client
            .queues()
            .find_by_name(name)
            .await
            .unwrap()
            .unwrap()
            .id
            .unwrap()
    }

    /// The seeded channel ("Support Site"): its deployment and configuration ids.
    pub async fn seeded_channel(&self) -> (String, String) {
        let deployment = self
            .client
            .deployments()
            .list_all()
            .await
            .unwrap()
            .into_iter()
            .find(|d| d.name == "Support Site")
            .unwrap();
        (
            deployment.id.unwrap(),
            deployment.configuration.unwrap().id.unwrap(),
        )
    }

    /// The HTTP status of a configuration's draft: 404 once the configuration is gone.
    pub async fn draft_status(&self, configuration_id: &str) -> u16 {
        self.http
            .get(self.url(&format!(
                "/api/v2/webdeployments/configurations/{configuration_id}/versions/draft"
            )))
            .bearer_auth(self.token().await)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }

    /// GETs an API path (or a `nextUri`) with a fresh token: the status and JSON answer.
    pub async fn get_api(&self, path: &str) -> (u16, Value) {
        let response = self
            .http
            .get(self.url(path))
            .bearer_auth(self.token().await)
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.json().await.unwrap())
    }

    /// POSTs a body to an API path with a fresh token and returns the 2xx JSON answer.
    pub async fn post_api(&self, path: &str, body: &Value) -> Value {
        let response = self
            .http
            .post(self.url(path))
            .bearer_auth(self.token().await)
            .json(body)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "{path} answered {}",
            response.status()
        );
        response.json().await.unwrap()
    }

    pub async fn flow_id(&self, name: &str) -> String {
        let flows = self
            .client
            .flows()
            .list_inbound_message_flows()
            .await
            .unwrap();
        flows
            .into_iter()
            .find(|f| f.name.as_deref() == Some(name))
            .unwrap()
            .id
            .unwrap()
    }
}

/// Walks a JSON value and returns the paths of any nulls (Genesys omits them).
pub fn null_paths(value: &Value, path: &str, found: &mut Vec<String>) {
    match value {
        Value::Null => found.push(path.to_string()),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .for_each(|(i, v)| null_paths(v, &format!("{path}[{i}]"), found)),
        Value::Object(map) => map
            .iter()
            .for_each(|(k, v)| null_paths(v, &format!("{path}.{k}"), found)),
        _ => {}
    }
}

/// A name no other test run uses (keychain services, profiles).
pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

/// Every file under a directory, at any depth.
pub fn walk(root: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(root).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// Waits for `check` to give a value, asking again every 50 ms, and fails the test
/// naming `what` when `within` passes first. Every wait on something the Sandbox or a
/// background task does goes through here, so none is a guess at how long it takes.
pub async fn eventually<T, F, Fut>(within: Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "waited {within:?} for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
