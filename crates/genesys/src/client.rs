//! The HTTP client: token handling, the send loop with its retry policy, and the
//! rate-budget snapshot.
//!
//! Invariants:
//! - the client secret leaves the process only in the Basic header of the token request
//!   to the environment's login host; the bearer token only in requests to its API host;
//! - one logical call makes at most the exchanges [`retry::decide`] allows, and a token
//!   is refreshed at most once per call on 401;
//! - all waiting uses tokio's clock, so tests run it paused.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use reqwest::header::{HeaderMap, ACCEPT, CONTENT_TYPE};
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use tokio::time::Instant;

use super::error::{Error, ErrorBody, OAuthErrorBody, RequestLabel};
use super::pacer::{Pacer, PacerSettings, Priority};
use super::rate_budget::{RateBudget, HEADER_CORRELATION_ID};
use super::region::Environment;
use super::retry::{self, Attempts, Decision, Idempotency, Outcome, RetryPolicy};

/// How long before `expires_in` a token is replaced (the Go SDK's margin).
pub const TOKEN_REFRESH_MARGIN: Duration = Duration::from_secs(60);

const EXCERPT_CHARS: usize = 300;

/// Everything needed to talk to one org.
#[derive(Clone)]
pub struct ConnectionConfig {
    pub environment: Environment,
    pub client_id: String,
    pub client_secret: SecretString,
    pub retry: RetryPolicy,
    /// Per-exchange timeout (connect + response).
    pub request_timeout: Duration,
    pub user_agent: String,
    /// How background work spends the rate window (the reserve it leaves).
    pub pacing: PacerSettings,
    /// Refuse, before sending, every call that could change the org: anything but GETs
    /// and the query POSTs of analytics and audits.
    pub read_only: bool,
}

impl ConnectionConfig {
    pub fn new(
        environment: Environment,
        client_id: impl Into<String>,
        client_secret: SecretString,
    ) -> ConnectionConfig {
        ConnectionConfig {
            environment,
            client_id: client_id.into(),
            client_secret,
            retry: RetryPolicy::default(),
            request_timeout: Duration::from_secs(30),
            user_agent: format!("webmsg-desk/{}", env!("CARGO_PKG_VERSION")),
            pacing: PacerSettings::default(),
            read_only: false,
        }
    }
}

impl std::fmt::Debug for ConnectionConfig {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("ConnectionConfig")
            .field("environment", &self.environment)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .finish_non_exhaustive()
    }
}

/// The login service's answer to a client-credentials grant.
#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

struct CachedToken {
    access_token: SecretString,
    refresh_at: Instant,
    /// Increments with each new token, so concurrent 401s refresh only once.
    generation: u64,
}

struct Inner {
    http: reqwest::Client,
    config: ConnectionConfig,
    token: tokio::sync::Mutex<Option<CachedToken>>,
    budget: watch::Sender<RateBudget>,
    token_requests: Mutex<u64>,
    api_requests: std::sync::atomic::AtomicU64,
    pacer: Pacer,
    /// How far the org's clock (its `Date` header) is ahead of this machine's, in ms.
    server_clock_offset_ms: std::sync::atomic::AtomicI64,
    /// This machine's time when the client was made, and tokio's instant then: local
    /// time runs on tokio's clock, so tests with a paused clock see time pass.
    local_anchor: (chrono::DateTime<chrono::Utc>, Instant),
}

/// A connection to one Genesys Cloud org. Cheap to clone; clones share the token and
/// the rate budget.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
    priority: Priority,
}

/// One API call as the area modules describe it.
#[derive(Debug, Clone)]
pub(crate) struct ApiRequest {
    pub method: Method,
    /// Path from the API root, starting with `/api/v2/`.
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: Option<serde_json::Value>,
    pub idempotency: Idempotency,
    /// A write that changes nothing in the org (a notification channel and its topics
    /// belong to this client's connection): allowed on a read-only profile.
    pub connection_only: bool,
}

impl ApiRequest {
    pub fn get(path: impl Into<String>) -> ApiRequest {
        ApiRequest {
            method: Method::GET,
            path: path.into(),
            query: Vec::new(),
            body: None,
            idempotency: Idempotency::Safe,
            connection_only: false,
        }
    }

    /// Marks a write as one that changes only this connection's state, not the org.
    pub fn connection_only(self) -> ApiRequest {
        ApiRequest {
            connection_only: true,
            ..self
        }
    }

    pub fn delete(path: impl Into<String>) -> ApiRequest {
        ApiRequest {
            method: Method::DELETE,
            ..ApiRequest::get(path)
        }
    }

    /// A POST that changes state (create, publish): repeated only when surely not processed.
    pub fn post<B: Serialize>(path: impl Into<String>, body: &B) -> Result<ApiRequest, Error> {
        Ok(ApiRequest {
            method: Method::POST,
            body: Some(to_json(body)?),
            idempotency: Idempotency::Unsafe,
            ..ApiRequest::get(path)
        })
    }

    /// A POST without a body (the endpoint takes none).
    pub fn post_empty(path: impl Into<String>) -> ApiRequest {
        ApiRequest {
            method: Method::POST,
            idempotency: Idempotency::Unsafe,
            ..ApiRequest::get(path)
        }
    }

    /// A POST that only reads (analytics and audit queries): safe to repeat.
    pub fn query_post<B: Serialize>(
        path: impl Into<String>,
        body: &B,
    ) -> Result<ApiRequest, Error> {
        Ok(ApiRequest {
            idempotency: Idempotency::Safe,
            ..ApiRequest::post(path, body)?
        })
    }

    /// A PATCH: changes state; repeated only when surely not processed.
    pub fn patch<B: Serialize>(path: impl Into<String>, body: &B) -> Result<ApiRequest, Error> {
        Ok(ApiRequest {
            method: Method::PATCH,
            body: Some(to_json(body)?),
            idempotency: Idempotency::Unsafe,
            ..ApiRequest::get(path)
        })
    }

    pub fn put<B: Serialize>(path: impl Into<String>, body: &B) -> Result<ApiRequest, Error> {
        Ok(ApiRequest {
            method: Method::PUT,
            body: Some(to_json(body)?),
            ..ApiRequest::get(path)
        })
    }

    pub fn param(mut self, key: &str, value: impl ToString) -> ApiRequest {
        self.query.push((key.to_string(), value.to_string()));
        self
    }

    pub fn param_opt(self, key: &str, value: Option<impl ToString>) -> ApiRequest {
        match value {
            Some(value) => self.param(key, value),
            None => self,
        }
    }

    fn only_reads(&self) -> bool {
        self.method == Method::GET
            || self.connection_only
            || (self.method == Method::POST && self.idempotency == Idempotency::Safe)
    }

    fn label(&self) -> RequestLabel {
        RequestLabel {
            method: self.method.to_string(),
            path: self.path.clone(),
        }
    }
}

fn to_json<B: Serialize>(body: &B) -> Result<serde_json::Value, Error> {
    serde_json::to_value(body).map_err(|error| Error::Decode {
        request: RequestLabel {
            method: "encode".into(),
            path: String::new(),
        },
        status: 0,
        reason: format!("request body could not be encoded: {error}"),
        excerpt: String::new(),
        correlation_id: None,
    })
}

/// A response the send loop accepted.
pub(crate) struct ApiResponse {
    pub status: StatusCode,
    pub correlation_id: Option<String>,
    pub body: bytes::Bytes,
}

/// The result of one exchange before the policy looks at it.
enum Exchange {
    Answered {
        status: StatusCode,
        headers: HeaderMap,
        body: bytes::Bytes,
    },
    Failed {
        outcome: Outcome,
        reason: String,
        timed_out: bool,
    },
}

impl Client {
    pub fn new(config: ConnectionConfig) -> Result<Client, Error> {
        let mut builder = reqwest::Client::builder()
            .timeout(config.request_timeout)
            .connect_timeout(config.request_timeout.min(Duration::from_secs(10)))
            .user_agent(config.user_agent.clone())
            // Credentials must never follow a redirect to another host.
            .redirect(reqwest::redirect::Policy::none());
        if config.environment.is_sandbox() {
            builder = builder.no_proxy();
        }
        let http = builder.build().map_err(|error| Error::Transport {
            request: RequestLabel {
                method: "setup".into(),
                path: String::new(),
            },
            reason: error.to_string(),
            attempts: 0,
            timed_out: false,
        })?;
        let (budget, _) = watch::channel(RateBudget::default());
        let pacing = config.pacing;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                config,
                token: tokio::sync::Mutex::new(None),
                budget,
                token_requests: Mutex::new(0),
                api_requests: std::sync::atomic::AtomicU64::new(0),
                server_clock_offset_ms: std::sync::atomic::AtomicI64::new(0),
                local_anchor: (chrono::Utc::now(), Instant::now()),
                pacer: Pacer::new(pacing),
            }),
            priority: Priority::Interactive,
        })
    }

    pub fn environment(&self) -> &Environment {
        &self.inner.config.environment
    }

    /// The same connection for background work (exports, the monitor, fallback
    /// watches): it shares the rate window with every other user of the client, leaves
    /// the reserve to interactive work, and waits for the reset instead of meeting 429s.
    pub fn background(&self) -> Client {
        Client {
            inner: self.inner.clone(),
            priority: Priority::Background,
        }
    }

    /// The pacer's view of the rate window: (allowed, used, in flight).
    pub fn rate_window(&self) -> (Option<u32>, u32, u32) {
        self.inner.pacer.state()
    }

    pub fn client_id(&self) -> &str {
        &self.inner.config.client_id
    }

    /// The latest rate-budget snapshot.
    pub fn rate_budget(&self) -> RateBudget {
        self.inner.budget.borrow().clone()
    }

    /// A receiver that sees every rate-budget change, for the UI meter.
    pub fn watch_rate_budget(&self) -> watch::Receiver<RateBudget> {
        self.inner.budget.subscribe()
    }

    /// Token requests made so far (for tests and diagnostics).
    pub fn token_requests(&self) -> u64 {
        *self
            .inner
            .token_requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// API exchanges made so far, retries included (token requests excluded).
    pub fn api_requests(&self) -> u64 {
        self.inner
            .api_requests
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Gets a token now, so a bad secret or region shows up at connect time.
    pub async fn authenticate(&self) -> Result<(), Error> {
        self.bearer_token().await.map(|_| ())
    }

    /// Drops the cached token; the next call fetches a new one.
    pub async fn forget_token(&self) {
        *self.inner.token.lock().await = None;
    }

    async fn bearer_token(&self) -> Result<(SecretString, u64), Error> {
        let mut slot = self.inner.token.lock().await;
        if let Some(token) = slot.as_ref() {
            if Instant::now() < token.refresh_at {
                return Ok((token.access_token.clone(), token.generation));
            }
        }
        let generation = slot.as_ref().map_or(1, |token| token.generation + 1);
        let fresh = self.request_token(generation).await?;
        let result = (fresh.access_token.clone(), fresh.generation);
        *slot = Some(fresh);
        Ok(result)
    }

    /// Replaces the token unless someone already replaced the one that failed.
    async fn refresh_after_unauthorized(&self, failed_generation: u64) -> Result<(), Error> {
        let mut slot = self.inner.token.lock().await;
        let current = slot.as_ref().map(|token| token.generation);
        if current.is_some_and(|generation| generation != failed_generation) {
            return Ok(());
        }
        let fresh = self.request_token(failed_generation + 1).await?;
        *slot = Some(fresh);
        Ok(())
    }

    async fn request_token(&self, generation: u64) -> Result<CachedToken, Error> {
        let config = &self.inner.config;
        let url = join(&config.environment.login_base(), "oauth/token");
        let label = RequestLabel {
            method: "POST".into(),
            path: "/oauth/token".into(),
        };
        let mut attempts = Attempts::default();
        loop {
            *self
                .inner
                .token_requests
                .lock()
                .unwrap_or_else(PoisonError::into_inner) += 1;
            attempts.made += 1;
            let sent = self
                .inner
                .http
                .post(url.clone())
                .basic_auth(
                    &config.client_id,
                    Some(config.client_secret.expose_secret()),
                )
                .header(ACCEPT, "application/json")
                .form(&[("grant_type", "client_credentials")])
                .send()
                .await;
            let exchange = read_exchange(sent).await;
            let outcome = match &exchange {
                Exchange::Answered {
                    status, headers, ..
                } => Outcome::Status {
                    status: status.as_u16(),
                    retry_after: retry_after(headers),
                },
                Exchange::Failed { outcome, .. } => *outcome,
            };
            // A token request is safe to repeat; 401 here means bad credentials, not an
            // expired token, so it is final.
            let decision = match outcome {
                Outcome::Status { status: 401, .. } => Decision::Finish,
                _ => retry::decide(
                    &config.retry,
                    Idempotency::Safe,
                    attempts,
                    outcome,
                    fastrand::f64(),
                ),
            };
            match (decision, exchange) {
                (Decision::WaitForRateLimit(wait), _) => {
                    attempts.rate_limited += 1;
                    self.note_rate_limit_wait(wait);
                    tokio::time::sleep(wait).await;
                }
                (Decision::BackOff(wait), _) => tokio::time::sleep(wait).await,
                (
                    _,
                    Exchange::Answered {
                        status,
                        headers,
                        body,
                    },
                ) if status.is_success() => {
                    return cached_token(&label, status, &headers, &body, generation);
                }
                (
                    _,
                    Exchange::Answered {
                        status,
                        headers,
                        body,
                    },
                ) => {
                    return Err(Error::Authentication {
                        status: status.as_u16(),
                        body: serde_json::from_slice::<OAuthErrorBody>(&body)
                            .ok()
                            .map(Box::new),
                        environment: config.environment.to_string(),
                        correlation_id: correlation_id(&headers),
                    });
                }
                (
                    _,
                    Exchange::Failed {
                        reason, timed_out, ..
                    },
                ) => {
                    return Err(Error::Transport {
                        request: label,
                        reason,
                        attempts: attempts.made,
                        timed_out,
                    });
                }
            }
        }
    }

    fn note_rate_limit_wait(&self, wait: Duration) {
        tracing::warn!(
            wait_s = wait.as_secs(),
            "rate limited by Genesys Cloud; waiting"
        );
        self.inner
            .budget
            .send_modify(|budget| budget.record_rate_limit_wait(wait));
    }

    /// Opened read-only: calls that would change the org are refused unsent.
    pub fn is_read_only(&self) -> bool {
        self.inner.config.read_only
    }

    /// Runs one API call through the retry policy and returns the accepted response.
    pub(crate) async fn execute(&self, request: &ApiRequest) -> Result<ApiResponse, Error> {
        let config = &self.inner.config;
        if config.read_only && !request.only_reads() {
            return Err(Error::ReadOnly {
                request: request.label(),
            });
        }
        let mut url = join(
            &config.environment.api_base(),
            request.path.trim_start_matches('/'),
        );
        if !request.query.is_empty() {
            url.query_pairs_mut().extend_pairs(&request.query);
        }
        let mut attempts = Attempts::default();
        let mut rate_limit_waited = Duration::ZERO;
        loop {
            let (token, generation) = self.bearer_token().await?;
            attempts.made += 1;
            let permit = self.inner.pacer.acquire(self.priority).await;
            let (exchange, outcome) = self.send_once(request, &url, &token).await;
            if let Exchange::Answered { headers, .. } = &exchange {
                permit.answered(headers);
            }
            let decision = retry::decide(
                &config.retry,
                request.idempotency,
                attempts,
                outcome,
                fastrand::f64(),
            );
            match decision {
                Decision::RefreshTokenAndRetry => {
                    attempts.token_refreshed = true;
                    self.refresh_after_unauthorized(generation).await?;
                }
                Decision::WaitForRateLimit(wait) => {
                    attempts.rate_limited += 1;
                    rate_limit_waited += wait;
                    self.note_rate_limit_wait(wait);
                    tokio::time::sleep(wait).await;
                }
                Decision::BackOff(wait) => {
                    tracing::warn!(
                        method = %request.method,
                        path = %request.path,
                        wait_ms = wait.as_millis() as u64,
                        "retrying after a server or network failure"
                    );
                    tokio::time::sleep(wait).await;
                }
                Decision::Finish => {
                    return finish(request, exchange, attempts.made, rate_limit_waited)
                }
            }
        }
    }

    /// One exchange with the API: the answer (or failure) and what the retry policy
    /// needs to know of it. Records the rate-limit headers it carries.
    async fn send_once(
        &self,
        request: &ApiRequest,
        url: &url::Url,
        token: &SecretString,
    ) -> (Exchange, Outcome) {
        self.inner
            .api_requests
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut builder = self
            .inner
            .http
            .request(request.method.clone(), url.clone())
            .bearer_auth(token.expose_secret())
            .header(ACCEPT, "application/json");
        if let Some(body) = &request.body {
            builder = builder.header(CONTENT_TYPE, "application/json").json(body);
        }
        let started = Instant::now();
        let exchange = read_exchange(builder.send().await).await;
        let outcome = match &exchange {
            Exchange::Answered {
                status, headers, ..
            } => {
                self.inner
                    .budget
                    .send_modify(|budget| budget.record_headers(headers));
                self.learn_clock_offset(headers);
                tracing::debug!(
                    method = %request.method,
                    path = %request.path,
                    status = status.as_u16(),
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    "api call"
                );
                Outcome::Status {
                    status: status.as_u16(),
                    retry_after: retry_after(headers),
                }
            }
            Exchange::Failed { outcome, .. } => *outcome,
        };
        (exchange, outcome)
    }

    /// Now by the org's clock: this machine's time corrected by what the last answer's
    /// `Date` said. Query intervals and waits computed from the org's dates use it, so
    /// a desktop clock minutes off neither hides analytics nor inflates waits.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.local_now() + self.clock_offset()
    }

    fn local_now(&self) -> chrono::DateTime<chrono::Utc> {
        let (wall, instant) = self.inner.local_anchor;
        wall + chrono::Duration::from_std(instant.elapsed()).unwrap_or_default()
    }

    /// Takes the org's clock from an answer. A `Date` has whole seconds, so an offset is
    /// only replaced when it moved by more than that: times stay steady between answers.
    fn learn_clock_offset(&self, headers: &HeaderMap) {
        let Some(offset) = server_clock_offset(headers, self.local_now()) else {
            return;
        };
        let known = &self.inner.server_clock_offset_ms;
        let current = known.load(std::sync::atomic::Ordering::Relaxed);
        if (offset - current).abs() >= CLOCK_RESOLUTION_MS {
            known.store(offset, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// How far the org's clock is ahead of this machine's (zero until an answer says).
    pub fn clock_offset(&self) -> chrono::Duration {
        chrono::Duration::milliseconds(
            self.inner
                .server_clock_offset_ms
                .load(std::sync::atomic::Ordering::Relaxed),
        )
    }

    /// Runs a call and decodes its JSON body.
    pub(crate) async fn json<T: DeserializeOwned>(&self, request: ApiRequest) -> Result<T, Error> {
        // Boxed so callers' futures hold a pointer, not the whole send loop.
        let response = Box::pin(self.execute(&request)).await?;
        serde_json::from_slice(&response.body).map_err(|error| Error::Decode {
            request: request.label(),
            status: response.status.as_u16(),
            reason: error.to_string(),
            excerpt: excerpt(&response.body),
            correlation_id: response.correlation_id,
        })
    }

    /// Runs a call whose body is not needed (DELETE, 204s).
    pub(crate) async fn send(&self, request: ApiRequest) -> Result<(), Error> {
        Box::pin(self.execute(&request)).await.map(|_| ())
    }
}

async fn read_exchange(sent: Result<reqwest::Response, reqwest::Error>) -> Exchange {
    let response = match sent {
        Ok(response) => response,
        Err(error) => return failed(&error),
    };
    let status = response.status();
    let headers = response.headers().clone();
    match read_body_capped(response).await {
        Ok(body) => Exchange::Answered {
            status,
            headers,
            body,
        },
        Err(exchange) => exchange,
    }
}

/// The largest answer read: Genesys pages are kilobytes, so anything near this is a
/// broken or hostile host, and reading it whole would only fill memory.
const MAX_RESPONSE_BYTES: usize = 32 * 1024 * 1024;

async fn read_body_capped(mut response: reqwest::Response) -> Result<bytes::Bytes, Exchange> {
    let too_large = || Exchange::Failed {
        outcome: Outcome::TransportFailed,
        reason: format!(
            "the answer was larger than {} MiB, far more than any Genesys answer; it was not read",
            MAX_RESPONSE_BYTES >> 20
        ),
        timed_out: false,
    };
    if response
        .content_length()
        .is_some_and(|length| length > MAX_RESPONSE_BYTES as u64)
    {
        return Err(too_large());
    }
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) if body.len() + chunk.len() > MAX_RESPONSE_BYTES => {
                return Err(too_large())
            }
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            Ok(None) => return Ok(bytes::Bytes::from(body)),
            Err(error) => return Err(failed(&error)),
        }
    }
}

fn failed(error: &reqwest::Error) -> Exchange {
    let outcome = if error.is_connect() {
        Outcome::ConnectFailed
    } else {
        Outcome::TransportFailed
    };
    Exchange::Failed {
        outcome,
        reason: describe_transport(error),
        timed_out: error.is_timeout(),
    }
}

/// reqwest's messages include the URL; ours never carry query strings, but keep only the
/// error chain's words to stay short.
fn describe_transport(error: &reqwest::Error) -> String {
    let mut text = if error.is_timeout() {
        "the request timed out".to_string()
    } else if error.is_connect() {
        "the connection could not be opened".to_string()
    } else if error.is_body() || error.is_decode() {
        "the connection broke while reading the response".to_string()
    } else {
        "the request failed".to_string()
    };
    let mut source = std::error::Error::source(error);
    if let Some(cause) = source {
        text.push_str(&format!(" ({cause}"));
        source = cause.source();
        if let Some(inner) = source {
            text.push_str(&format!(": {inner}"));
        }
        text.push(')');
    }
    text
}

fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|value| value.to_str().ok())
        .and_then(retry::parse_retry_after)
}

fn correlation_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get(HEADER_CORRELATION_ID)
        .and_then(|value| value.to_str().ok())
        .map(str::to_string)
}

/// The start of a body that was not a Genesys error, for the message: what looks like a
/// credential in it (a bearer token, a token, secret or password field) is blanked
/// first, since the excerpt reaches the UI, the monitor's log and webhooks.
fn excerpt(body: &[u8]) -> String {
    scrub_credentials(&String::from_utf8_lossy(body))
        .chars()
        .take(EXCERPT_CHARS)
        .collect()
}

const CREDENTIAL_WORDS: &[&str] = &[
    "token",
    "secret",
    "password",
    "authorization",
    "apikey",
    "api_key",
];

/// Blanks bearer tokens and the values of credential-like fields (`"access_token": "…"`,
/// `client_secret=…`, `password: …`).
pub(crate) fn scrub_credentials(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some((at, skip)) = next_credential(rest) {
        out.push_str(&rest[..at + skip]);
        out.push_str("[redacted]");
        let value = &rest[at + skip..];
        let quoted = value.starts_with('"');
        // `Authorization: Bearer <token>`: the scheme and the token both go.
        let scheme = if value.to_ascii_lowercase().starts_with("bearer ") {
            "bearer ".len()
        } else {
            0
        };
        let end = if quoted {
            value[1..].find('"').map_or(value.len(), |end| end + 2)
        } else {
            value[scheme..]
                .find(|c: char| c.is_whitespace() || matches!(c, '&' | ',' | '}' | '"' | ';'))
                .map_or(value.len(), |end| scheme + end)
        };
        rest = &value[end..];
    }
    out.push_str(rest);
    out
}

/// Where the next credential value starts: (start of its key or scheme, length up to
/// the value).
fn next_credential(text: &str) -> Option<(usize, usize)> {
    let lower = text.to_ascii_lowercase();
    let mut best: Option<(usize, usize)> = None;
    if let Some(at) = lower.find("bearer ") {
        best = Some((at, "bearer ".len()));
    }
    for word in CREDENTIAL_WORDS {
        let mut from = 0;
        while let Some(found) = lower[from..].find(word) {
            let at = from + found;
            from = at + word.len();
            // The rest of the key, then a separator: `"`, `:`, `=` and spaces.
            let after_key = lower[from..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .map_or(lower.len(), |end| from + end);
            let separator_end = lower[after_key..]
                .find(|c: char| !matches!(c, '"' | '\'' | ':' | '=' | ' '))
                .map_or(lower.len(), |end| after_key + end);
            let separator = &lower[after_key..separator_end];
            if !(separator.contains(':') || separator.contains('=')) {
                continue;
            }
            // Back up to an opening quote of the value so it is blanked whole.
            let value_start = if lower[..separator_end].ends_with('"') {
                separator_end - 1
            } else {
                separator_end
            };
            if best.is_none_or(|(start, _)| at < start) {
                best = Some((at, value_start - at));
            }
            break;
        }
    }
    best
}

fn join(base: &url::Url, path: &str) -> url::Url {
    let mut url = base.clone();
    let joined = format!(
        "{}{}",
        base.path().trim_end_matches('/'),
        format_args!("/{path}")
    );
    url.set_path(&joined);
    url
}

/// The end of a call the retry policy is done with: the answer, the API's error, or
/// the transport failure.
fn finish(
    request: &ApiRequest,
    exchange: Exchange,
    attempts: u32,
    rate_limit_waited: Duration,
) -> Result<ApiResponse, Error> {
    match exchange {
        Exchange::Answered {
            status,
            headers,
            body,
        } if status.is_success() => Ok(ApiResponse {
            status,
            correlation_id: correlation_id(&headers),
            body,
        }),
        Exchange::Answered {
            status,
            headers,
            body,
        } => {
            let parsed = serde_json::from_slice::<ErrorBody>(&body)
                .ok()
                .filter(|parsed| parsed.code.is_some() || parsed.message.is_some());
            let excerpt = parsed
                .is_none()
                .then(|| excerpt(&body))
                .filter(|text| !text.is_empty());
            Err(Error::Api {
                request: request.label(),
                status: status.as_u16(),
                correlation_id: correlation_id(&headers)
                    .or_else(|| parsed.as_ref().and_then(|body| body.context_id.clone())),
                body: parsed.map(Box::new),
                excerpt,
                attempts,
                rate_limit_waited,
            })
        }
        Exchange::Failed {
            reason, timed_out, ..
        } => Err(Error::Transport {
            request: request.label(),
            reason,
            attempts,
            timed_out,
        }),
    }
}

/// A `Date` header's resolution, with a second's margin for the time the answer took.
const CLOCK_RESOLUTION_MS: i64 = 2_000;

/// The org's clock against ours, from an answer's `Date` (whole seconds): differences
/// within that resolution count as none, and a date further off than a year is not
/// believed.
fn server_clock_offset(headers: &HeaderMap, local: chrono::DateTime<chrono::Utc>) -> Option<i64> {
    let date = headers.get(reqwest::header::DATE)?.to_str().ok()?;
    // The header truncates to the second: its middle is the best guess.
    let server =
        chrono::DateTime::parse_from_rfc2822(date).ok()? + chrono::Duration::milliseconds(500);
    let offset = (server.with_timezone(&chrono::Utc) - local).num_milliseconds();
    const BELIEVABLE_MS: i64 = 366 * 86_400_000;
    match offset.abs() {
        small if small < CLOCK_RESOLUTION_MS => Some(0),
        large if large > BELIEVABLE_MS => None,
        _ => Some(offset),
    }
}

/// The token a successful answer carries, refreshed early enough to never be used stale.
fn cached_token(
    label: &RequestLabel,
    status: reqwest::StatusCode,
    headers: &reqwest::header::HeaderMap,
    body: &[u8],
    generation: u64,
) -> Result<CachedToken, Error> {
    let parsed: TokenResponse = serde_json::from_slice(body).map_err(|error| Error::Decode {
        request: label.clone(),
        status: status.as_u16(),
        reason: error.to_string(),
        // The body holds the token; never echo it.
        excerpt: "[token response withheld]".into(),
        correlation_id: correlation_id(headers),
    })?;
    // Genesys gives 300 s to 48 h; anything outside is read as its nearest end, so a
    // hostile or broken answer cannot overflow the clock.
    let lifetime = Duration::from_secs(parsed.expires_in.unwrap_or(86_400).clamp(1, 172_800));
    let early = if lifetime > TOKEN_REFRESH_MARGIN * 2 {
        lifetime - TOKEN_REFRESH_MARGIN
    } else {
        lifetime / 2
    };
    tracing::debug!(lifetime_s = lifetime.as_secs(), "obtained access token");
    Ok(CachedToken {
        access_token: SecretString::from(parsed.access_token),
        refresh_at: Instant::now() + early,
        generation,
    })
}

#[cfg(test)]
mod scrub_tests {
    use super::scrub_credentials;

    #[test]
    fn credentials_in_a_body_are_blanked_and_the_rest_kept() {
        let body = r#"<html>upstream said: Authorization: Bearer eyJhbGciOi.abc.def and {"access_token":"tok-123","expires_in":86400} client_secret=s3cr3t&grant_type=client_credentials password: hunter2</html>"#;
        let scrubbed = scrub_credentials(body);
        for secret in ["eyJhbGciOi", "tok-123", "s3cr3t", "hunter2"] {
            assert!(!scrubbed.contains(secret), "{secret} in {scrubbed}");
        }
        assert!(scrubbed.contains("upstream said"), "{scrubbed}");
        assert!(scrubbed.contains("\"expires_in\":86400"), "{scrubbed}");
        assert!(
            scrubbed.contains("grant_type=client_credentials"),
            "{scrubbed}"
        );
    }

    #[test]
    fn text_without_credentials_is_unchanged() {
        let text = "502 Bad Gateway: the token service is down";
        assert_eq!(scrub_credentials(text), text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_the_secret() {
        let config = ConnectionConfig::new(
            Environment::parse("us-east-1").unwrap(),
            "client",
            SecretString::from("hunter2-very-secret"),
        );
        assert!(!format!("{config:?}").contains("hunter2"));
    }

    #[test]
    fn paths_join_under_a_base_with_or_without_a_prefix() {
        let base = url::Url::parse("http://127.0.0.1:9/").unwrap();
        assert_eq!(
            join(&base, "api/v2/x").as_str(),
            "http://127.0.0.1:9/api/v2/x"
        );
        let prefixed = url::Url::parse("http://127.0.0.1:9/org2/").unwrap();
        assert_eq!(
            join(&prefixed, "oauth/token").as_str(),
            "http://127.0.0.1:9/org2/oauth/token"
        );
    }

    #[test]
    fn the_org_clock_comes_from_the_date_header_within_reason() {
        let local = chrono::DateTime::parse_from_rfc3339("2026-12-04T15:00:00.400Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let headers = |date: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(reqwest::header::DATE, date.parse().unwrap());
            headers
        };
        let offset = |date: &str| server_clock_offset(&headers(date), local);
        assert_eq!(offset("Fri, 04 Dec 2026 15:00:01 GMT"), Some(0));
        assert_eq!(offset("Fri, 04 Dec 2026 12:30:00 GMT"), Some(-8_999_900));
        assert_eq!(offset("Fri, 04 Dec 2026 15:10:00 GMT"), Some(600_100));
        assert_eq!(offset("Mon, 04 Dec 2000 15:00:00 GMT"), None);
        assert_eq!(offset("yesterday"), None);
        assert_eq!(server_clock_offset(&HeaderMap::new(), local), None);
    }
}
