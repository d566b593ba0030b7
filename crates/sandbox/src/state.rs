//! The Sandbox's in-memory org: OAuth clients and tokens, configurations, deployments,
//! queues, flows, audit entries, simulated traffic, and the fault controls.
//!
//! Invariants: every mutation goes through [`Org`] under one lock held for the length of
//! a handler (no `.await` inside), so requests see a consistent org. Time comes from two
//! clocks: tokio's [`Instant`] for token lifetimes, rate windows and lifecycle delays, and
//! the simulated wall clock ([`SimClock`]) for every date the API returns.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;
use tokio::time::Instant;

use genesys::models::{AuditLogMessage, Flow, Queue};

use super::faults::Faults;
use super::traffic::Traffic;

/// How the Sandbox behaves. Defaults give a realistic org at real-time speed.
#[derive(Debug, Clone)]
pub struct SandboxOptions {
    pub client_id: String,
    pub client_secret: String,
    /// `expires_in` of issued tokens.
    pub token_lifetime: Duration,
    /// Requests per token per 60-second window.
    pub rate_limit_per_minute: u32,
    /// How long a new draft, a published version's deployment or a new deployment stays
    /// `Pending` before settling, and a deleted deployment `Deleting` before it is gone.
    pub lifecycle_delay: Duration,
    /// Simulated seconds per real second for queue traffic and API dates.
    pub speed: f64,
    /// The simulated instant the Sandbox starts at; `None` is the real time of start.
    /// Traffic follows a daily curve, so a fixed start reproduces a given hour (tests
    /// pin it; `sandbox --clock` and `WEBMSG_DESK_SANDBOX_CLOCK` let users do the same).
    pub clock_start: Option<DateTime<Utc>>,
    /// Seed of the traffic simulation.
    pub seed: u64,
    /// Extra published channels (configuration + deployment) to seed, for large-org work.
    pub channels: usize,
    /// Hours of past traffic simulated at start, so metrics have history.
    pub history_hours: u32,
    /// Extra message queues to seed ("Queue 01", …), for many-queue work.
    pub extra_queues: usize,
    /// Keep every JSON request body (see [`SandboxState::recorded_requests`]), for
    /// checking what a client sends against the official SDK's models.
    pub record_requests: bool,
    /// How long a deployment's new configuration version takes to reach the public
    /// `config.json` visitors load.
    pub cdn_delay: Duration,
    /// The longest a guest session lasts after its last message. A session lasts the
    /// deployment's `sessionDurationSeconds` (72 hours unless set); this caps it, so tests
    /// and demos can see a session expire.
    pub guest_session_idle: Duration,
    /// What every `/sandbox/*` control request must carry in [`CONTROL_TOKEN_HEADER`]:
    /// fresh and random per run unless given, so a web page or another local user
    /// cannot drive the Sandbox a production session shares a process with.
    pub control_token: String,
}

/// The header that carries [`SandboxOptions::control_token`].
pub const CONTROL_TOKEN_HEADER: &str = "X-Sandbox-Control-Token";

/// The environment variable that fixes the control token of a Sandbox the app or the
/// `sandbox` command starts.
pub const CONTROL_TOKEN_VARIABLE: &str = "WEBMSG_DESK_SANDBOX_CONTROL_TOKEN";

/// A chosen control token is long enough not to be guessed and fits in a header.
pub fn check_control_token(token: &str) -> Result<(), String> {
    if token.len() < 16 || token.len() > 128 {
        return Err(format!(
            "a Sandbox control token has 16 to 128 characters, this one has {}",
            token.len()
        ));
    }
    if !token.bytes().all(|byte| byte.is_ascii_graphic()) {
        return Err("a Sandbox control token has only visible ASCII characters (no spaces)".into());
    }
    Ok(())
}

/// A new random control token: 128 bits, as 32 hex digits.
pub fn new_control_token() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

impl Default for SandboxOptions {
    fn default() -> Self {
        SandboxOptions {
            client_id: DEMO_CLIENT_ID.into(),
            client_secret: DEMO_CLIENT_SECRET.into(),
            token_lifetime: Duration::from_secs(86_400),
            rate_limit_per_minute: 300,
            lifecycle_delay: Duration::from_secs(2),
            speed: 1.0,
            clock_start: None,
            seed: 7,
            channels: 0,
            history_hours: 24,
            extra_queues: 0,
            record_requests: false,
            cdn_delay: Duration::from_secs(30),
            guest_session_idle: Duration::from_secs(259_200),
            control_token: new_control_token(),
        }
    }
}

/// The fastest the simulated clock may run: a week per minute. Faster, a real second's
/// catch-up would hold the org's lock for too long.
pub const MAX_SPEED: f64 = 10_080.0;

pub const DEMO_CLIENT_ID: &str = "sandbox-client";
pub const DEMO_CLIENT_SECRET: &str = "sandbox-secret";
/// A second seeded client with view permissions only, to see 403s.
pub const READONLY_CLIENT_ID: &str = "sandbox-readonly";
pub const READONLY_CLIENT_SECRET: &str = "sandbox-readonly-secret";

/// The environment variable that starts the window's embedded Sandbox at a chosen
/// simulated instant (RFC 3339, e.g. `2026-12-04T13:00:00Z`).
pub const CLOCK_VARIABLE: &str = "WEBMSG_DESK_SANDBOX_CLOCK";

/// Reads a simulated start instant as RFC 3339 (`2026-12-04T13:00:00Z`).
pub fn parse_clock_start(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text.trim())
        .map(|at| at.with_timezone(&Utc))
        .map_err(|error| {
            format!("`{text}` is not an RFC 3339 instant like 2026-12-04T13:00:00Z: {error}")
        })
}

/// Simulated wall clock: starts at `start` (the real time of start unless chosen) and runs
/// `speed` times faster.
#[derive(Debug, Clone, Copy)]
pub struct SimClock {
    started_at: Instant,
    wall_at_start: DateTime<Utc>,
    speed: f64,
}

impl SimClock {
    pub fn new(speed: f64, start: Option<DateTime<Utc>>) -> SimClock {
        SimClock {
            started_at: Instant::now(),
            wall_at_start: start.unwrap_or_else(Utc::now),
            speed: speed.max(0.0),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        let real = self.started_at.elapsed();
        let simulated = real.mul_f64(self.speed);
        self.wall_at_start + chrono::Duration::from_std(simulated).unwrap_or_default()
    }

    pub fn speed(&self) -> f64 {
        self.speed
    }

    /// Changes speed without a jump in simulated time.
    pub fn set_speed(&mut self, speed: f64) {
        let now = self.now();
        self.wall_at_start = now;
        self.started_at = Instant::now();
        self.speed = speed.max(0.0);
    }
}

/// ISO-8601 with milliseconds and `Z`, as Genesys writes dates.
pub use super::timestamps::iso;

#[derive(Debug, Clone)]
pub struct OAuthClientRecord {
    pub id: String,
    pub secret: String,
    pub name: String,
    /// `None` means every permission.
    pub permissions: Option<Vec<String>>,
}

impl OAuthClientRecord {
    pub fn allows(&self, permission: &str) -> bool {
        self.permissions
            .as_ref()
            .is_none_or(|granted| granted.iter().any(|p| p == permission))
    }
}

#[derive(Debug, Clone)]
pub struct TokenRecord {
    pub client_id: String,
    pub expires_at: Instant,
    pub window_started: Instant,
    pub window_count: u32,
}

/// How a deployment settles after a create or update.
#[derive(Debug, Clone, PartialEq)]
pub enum SettleOutcome {
    Active,
    /// Genesys says why nowhere the API exposes (no reason field, no audit entry), so
    /// neither does the Sandbox.
    Error,
    StuckPending,
}

#[derive(Debug, Clone)]
pub struct ConfigurationRecord {
    pub id: String,
    /// The draft as stored (camelCase JSON, unknown fields kept).
    pub draft: serde_json::Map<String, Value>,
    pub draft_settles_at: Instant,
    /// Published versions, oldest first; `version` is their 1-based position.
    pub versions: Vec<serde_json::Map<String, Value>>,
}

#[derive(Debug, Clone)]
pub struct DeploymentRecord {
    pub id: String,
    pub body: serde_json::Map<String, Value>,
    pub settles_at: Instant,
    pub outcome: SettleOutcome,
    /// Set by DELETE: the deployment reads `Deleting` until then, and 404 after.
    pub deleted_at: Option<Instant>,
    /// Configuration versions the public CDN serves, each from when it becomes visible
    /// (a publish reaches visitors only after the CDN delay).
    pub served: Vec<(Instant, String)>,
}

impl DeploymentRecord {
    /// The configuration version visitors get now, if any has reached the CDN.
    pub fn served_version(&self, now: Instant) -> Option<&str> {
        self.served
            .iter()
            .rev()
            .find(|(visible_from, _)| *visible_from <= now)
            .map(|(_, version)| version.as_str())
    }

    /// Records that the deployment now points at `version`; visitors get it after `delay`.
    pub fn serve_after(&mut self, version: Option<String>, delay: Duration) {
        let Some(version) = version else { return };
        if self.served.last().map(|(_, v)| v) == Some(&version) {
            return;
        }
        // Only the entry in effect and the ones still to come matter.
        let now = Instant::now();
        if let Some(current) = self.served.iter().rposition(|(at, _)| *at <= now) {
            self.served.drain(..current);
        }
        self.served.push((now + delay, version));
    }
}

#[derive(Debug, Clone)]
pub struct AuditQueryRecord {
    pub id: String,
    /// When it was submitted: past [`MAX_AUDIT_TRANSACTIONS`] the oldest is dropped.
    pub submitted: Instant,
    pub status_reads: u32,
    pub response: Value,
    pub results: Vec<AuditLogMessage>,
}

/// The org's entities of these three kinds, as the API returns them.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// The first is the org's default profile (`/supportedcontent/default`).
    pub supported_content: Vec<Value>,
    pub knowledge_bases: Vec<Value>,
    pub integrations: Vec<Value>,
}

impl Catalog {
    pub fn default_supported_content_id(&self) -> Option<&str> {
        self.supported_content.first().map(entity_id)
    }

    pub fn supported_content(&self, id: &str) -> Option<&Value> {
        self.supported_content.iter().find(|p| entity_id(p) == id)
    }
}

/// The `id` of an entity as the API returns it.
pub fn entity_id(entity: &Value) -> &str {
    entity.get("id").and_then(Value::as_str).unwrap_or("")
}

/// Counters of what the Sandbox served, for tests and benchmarks.
#[derive(Debug, Clone, Default, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestStats {
    pub api_requests: u64,
    pub token_requests: u64,
    pub rate_limited: u64,
    pub faults_served: u64,
    /// RFC 6455 pings guest sockets sent (the official SDK's keep-alive).
    pub guest_pings: u64,
    pub by_route: BTreeMap<String, u64>,
}

/// The whole org.
pub struct Org {
    pub org_id: String,
    pub org_name: String,
    pub user_id: String,
    /// Supported content profiles, knowledge bases and integrations.
    pub catalog: Catalog,
    pub clients: Vec<OAuthClientRecord>,
    pub tokens: HashMap<String, TokenRecord>,
    pub configurations: Vec<ConfigurationRecord>,
    pub deployments: Vec<DeploymentRecord>,
    /// Outcome for the next deployment create/update without a per-id override.
    pub next_deployment_outcome: VecDeque<SettleOutcome>,
    pub deployment_outcomes: HashMap<String, SettleOutcome>,
    pub queues: Vec<Queue>,
    pub flows: Vec<Flow>,
    pub audit: Vec<AuditLogMessage>,
    pub audit_queries: HashMap<String, AuditQueryRecord>,
    pub traffic: Traffic,
    pub stats: RequestStats,
    pub public_base_url: String,
    pub guests: super::guests::Guests,
    pub notification_channels: Vec<NotificationChannel>,
}

/// A notification channel (`/api/v2/notifications/channels`): who made it, its topics,
/// and how long it lives.
#[derive(Debug, Clone)]
pub struct NotificationChannel {
    pub id: String,
    pub client_id: String,
    /// Simulated time it expires at: 24 hours after it was made or last subscribed.
    pub expires: DateTime<Utc>,
    pub last_used: Instant,
    /// Sockets open on it now.
    pub sockets: u32,
    /// Topics it is subscribed to (permitted ones only).
    pub topics: Vec<String>,
    /// Bumped on every change of its topics, so open sockets send the new topics' state.
    pub generation: u64,
}

/// Shared handle the router and the control endpoints hold.
#[derive(Clone)]
pub struct SandboxState {
    inner: Arc<Shared>,
}

struct Shared {
    options: SandboxOptions,
    clock: Mutex<SimClock>,
    org: Mutex<Org>,
    faults: Mutex<Faults>,
    recorded: Mutex<Vec<RecordedRequest>>,
}

/// Enough for a full test workload; a long-running Sandbox stops recording past it.
const MAX_RECORDED_REQUESTS: usize = 20_000;
/// Audit query transactions kept (each holds its results); a client reads its own within
/// seconds, so only a flood reaches the bound, and its oldest then answer 404.
pub const MAX_AUDIT_TRANSACTIONS: usize = 200;

/// One API request with a body, as the Sandbox received it.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordedRequest {
    pub method: String,
    /// The route template, e.g. `/api/v2/webdeployments/deployments/{deployment_id}`.
    pub route: String,
    pub body: Value,
}

impl SandboxState {
    /// A state serving `org`, on a simulated clock started at `clock`. The caller seeds
    /// the org (see [`super::seeded_state`]), so this module knows nothing of the seed.
    pub fn new(options: SandboxOptions, clock: SimClock, org: Org) -> SandboxState {
        SandboxState {
            inner: Arc::new(Shared {
                options,
                clock: Mutex::new(clock),
                org: Mutex::new(org),
                faults: Mutex::new(Faults::default()),
                recorded: Mutex::new(Vec::new()),
            }),
        }
    }

    pub fn options(&self) -> &SandboxOptions {
        &self.inner.options
    }

    pub fn clock(&self) -> SimClock {
        *lock(&self.inner.clock)
    }

    pub fn set_speed(&self, speed: f64) {
        lock(&self.inner.clock).set_speed(speed);
    }

    /// The org, with simulated traffic brought up to now and finished deletes gone.
    pub fn org(&self) -> MutexGuard<'_, Org> {
        let now = self.clock().now();
        let mut org = lock(&self.inner.org);
        org.traffic.advance_to(now);
        org.end_idle_guests(false);
        let real_now = Instant::now();
        org.deployments
            .retain(|record| record.deleted_at.is_none_or(|gone| gone > real_now));
        org
    }

    /// Request bodies received so far, when [`SandboxOptions::record_requests`] is on.
    pub fn recorded_requests(&self) -> Vec<RecordedRequest> {
        lock(&self.inner.recorded).clone()
    }

    pub(crate) fn record_request(&self, request: RecordedRequest) {
        let mut recorded = lock(&self.inner.recorded);
        if recorded.len() < MAX_RECORDED_REQUESTS {
            recorded.push(request);
        }
    }

    pub fn faults(&self) -> MutexGuard<'_, Faults> {
        lock(&self.inner.faults)
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock().now()
    }
}

/// A poisoned lock only means a handler panicked mid-request; the data is still usable
/// and the Sandbox must keep serving.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Org {
    pub fn client(&self, client_id: &str) -> Option<&OAuthClientRecord> {
        self.clients.iter().find(|client| client.id == client_id)
    }

    pub fn configuration(&self, id: &str) -> Option<&ConfigurationRecord> {
        self.configurations.iter().find(|record| record.id == id)
    }

    pub fn configuration_mut(&mut self, id: &str) -> Option<&mut ConfigurationRecord> {
        self.configurations
            .iter_mut()
            .find(|record| record.id == id)
    }

    pub fn deployment_mut(&mut self, id: &str) -> Option<&mut DeploymentRecord> {
        self.deployments.iter_mut().find(|record| record.id == id)
    }

    pub fn queue(&self, id: &str) -> Option<&Queue> {
        self.queues
            .iter()
            .find(|queue| queue.id.as_deref() == Some(id))
    }

    pub fn flow(&self, id: &str) -> Option<&Flow> {
        self.flows
            .iter()
            .find(|flow| flow.id.as_deref() == Some(id))
    }

    /// A user reference for `createdUser`/`lastModifiedUser` fields.
    pub fn user_ref(&self) -> Value {
        serde_json::json!({
            "id": self.user_id,
            "selfUri": format!("/api/v2/users/{}", self.user_id),
        })
    }
}
