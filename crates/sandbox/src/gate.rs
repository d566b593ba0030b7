//! What Genesys's edge does in front of every `/api/v2` route, one middleware layer per
//! concern, outermost first:
//!
//! 1. [`correlation`]: an `ININ-Correlation-Id` on every response, and the Genesys error
//!    body (whose `contextId` is that id) for every refusal made further in;
//! 2. [`bounded_body`]: a request body over [`MAX_REQUEST_BODY`] is refused with 413;
//! 3. [`stats`]: requests served per route;
//! 4. [`latency`]: added delay (Sandbox control);
//! 5. [`faults`]: queued broken answers (Sandbox control);
//! 6. [`authenticate`]: the bearer token, and who is calling;
//! 7. [`rate_limit`]: the per-token window and its `inin-ratelimit-*` headers.

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use std::time::Duration;
use tokio::time::Instant;

use genesys::rate_budget::{HEADER_ALLOWED, HEADER_COUNT, HEADER_RESET};

use super::error::ApiError;
use super::faults::Fault;
use super::state::SandboxState;

const RATE_WINDOW: Duration = Duration::from_secs(60);
pub const CORRELATION_HEADER: &str = "ININ-Correlation-Id";

/// Who is calling, for permission checks in handlers.
#[derive(Debug, Clone)]
pub struct Caller {
    pub client_id: String,
    pub token: String,
    pub permissions: Option<Vec<String>>,
}

impl Caller {
    pub fn require(&self, permission: &str) -> Result<(), ApiError> {
        let allowed = self
            .permissions
            .as_ref()
            .is_none_or(|granted| granted.iter().any(|p| p == permission));
        if allowed {
            Ok(())
        } else {
            Err(ApiError::missing_permission(permission))
        }
    }

    /// ANY of the permissions suffices.
    pub fn require_any(&self, permissions: &[&str]) -> Result<(), ApiError> {
        if permissions
            .iter()
            .any(|permission| self.require(permission).is_ok())
        {
            Ok(())
        } else {
            match permissions {
                [one] => Err(ApiError::missing_permission(one)),
                several => Err(ApiError::missing_any_permission(several)),
            }
        }
    }
}

/// The layers of the API routes, in the order above.
pub fn api_layers(router: Router<SandboxState>, state: &SandboxState) -> Router<SandboxState> {
    use axum::middleware::from_fn_with_state as layer;
    router
        .layer(layer(state.clone(), rate_limit))
        .layer(layer(state.clone(), authenticate))
        .layer(layer(state.clone(), faults))
        .layer(layer(state.clone(), latency))
        .layer(layer(state.clone(), stats))
        .layer(axum::middleware::from_fn(bounded_body))
        .layer(axum::middleware::from_fn(correlation))
        .layer(layer(state.clone(), server_date))
}

/// The layers of the login route: its own counter and the correlation id.
pub fn login_layers(router: Router<SandboxState>, state: &SandboxState) -> Router<SandboxState> {
    router
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            count_token_request,
        ))
        .layer(axum::middleware::from_fn(correlation))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            server_date,
        ))
}

/// The Sandbox listens on loopback only, so a request naming any other host was sent by
/// a page whose name was rebound to 127.0.0.1 (DNS rebinding): refused on every route,
/// before it can take a token, fill the org or drive the traffic.
pub async fn loopback_host_only(request: Request, next: Next) -> Response {
    let host = request
        .headers()
        .get(axum::http::header::HOST)
        .and_then(|value| value.to_str().ok())
        .map(str::to_string)
        .or_else(|| request.uri().authority().map(|a| a.as_str().to_string()));
    match host {
        Some(host) if is_loopback_host(&host) => next.run(request).await,
        _ => (
            StatusCode::FORBIDDEN,
            axum::Json(serde_json::json!({
                "message": "The Sandbox answers only requests addressed to a loopback host (127.0.0.1, localhost or [::1]).",
                "code": "sandbox.host.refused",
                "status": 403
            })),
        )
            .into_response(),
    }
}

/// `host[:port]` names this machine's loopback interface.
pub(crate) fn is_loopback_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(bracketed) => match bracketed.split_once(']') {
            Some((address, rest)) if rest.is_empty() || rest.starts_with(':') => address,
            _ => return false,
        },
        None => host.rsplit_once(':').map_or(host, |(name, _port)| name),
    };
    if name.eq_ignore_ascii_case("localhost") {
        return true;
    }
    name.parse::<std::net::IpAddr>()
        .is_ok_and(|address| address.is_loopback())
}

/// Every answer carries `Date`, as Genesys's do, by the org's clock: the simulated one,
/// so a client reading dates against it sees the org as it would a real one.
async fn server_date(State(state): State<SandboxState>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let date = state.now().format("%a, %d %b %Y %H:%M:%S GMT").to_string();
    if let Ok(value) = HeaderValue::from_str(&date) {
        response
            .headers_mut()
            .insert(axum::http::header::DATE, value);
    }
    response
}

/// Gives the response its correlation id and writes a refusal made further in as the
/// Genesys error body, so `contextId` always equals the header.
pub async fn correlation(request: Request, next: Next) -> Response {
    let correlation_id = uuid::Uuid::new_v4().to_string();
    let mut response = next.run(request).await;
    if let Some(error) = response.extensions_mut().remove::<ApiError>() {
        let status = response.status();
        let headers = std::mem::take(response.headers_mut());
        response = (status, axum::Json(error.to_json(&correlation_id))).into_response();
        for (name, value) in headers.iter() {
            if name != CONTENT_TYPE {
                response.headers_mut().insert(name.clone(), value.clone());
            }
        }
    }
    if let Ok(value) = HeaderValue::from_str(&correlation_id) {
        response.headers_mut().insert(CORRELATION_HEADER, value);
    }
    response
}

/// The largest request body the Sandbox reads. Genesys publishes no figure; the refusal
/// is its documented 413 `request.entity.too.large`.
pub const MAX_REQUEST_BODY: usize = 2 * 1024 * 1024;

/// How much of an oversized body is read and thrown away so the refusal reaches the
/// client: answering while it still writes resets the connection and the 413 is lost.
const MAX_DISCARDED_BODY: usize = 64 * 1024 * 1024;

/// Refuses an oversized body before any handler sees it; only the first
/// [`MAX_REQUEST_BODY`] bytes are ever held.
async fn bounded_body(request: Request, next: Next) -> Response {
    use futures::StreamExt;
    let (parts, body) = request.into_parts();
    let mut chunks = body.into_data_stream();
    let mut kept = Vec::new();
    let mut seen = 0usize;
    while let Some(chunk) = chunks.next().await {
        let Ok(chunk) = chunk else {
            return ApiError::bad_request("The request body could not be read.").into_response();
        };
        seen = seen.saturating_add(chunk.len());
        if seen <= MAX_REQUEST_BODY {
            kept.extend_from_slice(&chunk);
        } else if seen > MAX_DISCARDED_BODY {
            break;
        }
    }
    if seen > MAX_REQUEST_BODY {
        return ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "request.entity.too.large",
            format!("The request body is larger than {MAX_REQUEST_BODY} bytes."),
        )
        .into_response();
    }
    next.run(Request::from_parts(parts, Body::from(kept))).await
}

async fn stats(State(state): State<SandboxState>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| format!("{} {}", request.method(), path.as_str()))
        .unwrap_or_else(|| format!("{} (unmatched)", request.method()));
    let request = if state.options().record_requests {
        record_body(&state, request, &route).await
    } else {
        request
    };
    {
        let mut org = state.org();
        org.stats.api_requests += 1;
        *org.stats.by_route.entry(route).or_default() += 1;
    }
    next.run(request).await
}

async fn count_token_request(
    State(state): State<SandboxState>,
    request: Request,
    next: Next,
) -> Response {
    state.org().stats.token_requests += 1;
    next.run(request).await
}

async fn latency(State(state): State<SandboxState>, request: Request, next: Next) -> Response {
    let delay = state.faults().latency;
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    next.run(request).await
}

async fn faults(State(state): State<SandboxState>, request: Request, next: Next) -> Response {
    let fault = state.faults().take_next();
    match fault {
        Some(fault) => {
            state.org().stats.faults_served += 1;
            fault_response(fault)
        }
        None => next.run(request).await,
    }
}

/// The token the request carries, checked against the ones issued; the caller goes into
/// the request for the handlers' permission checks.
async fn authenticate(
    State(state): State<SandboxState>,
    mut request: Request,
    next: Next,
) -> Response {
    let bearer = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| {
            value
                .strip_prefix("Bearer ")
                .or_else(|| value.strip_prefix("bearer "))
        })
        .map(str::to_string);
    let Some(bearer) = bearer else {
        return ApiError::unauthenticated(
            "authentication.required",
            "No authentication bearer token specified in authorization header.",
        )
        .into_response();
    };
    let caller = {
        let org = state.org();
        org.tokens
            .get(&bearer)
            .filter(|token| token.expires_at > Instant::now())
            .map(|token| Caller {
                client_id: token.client_id.clone(),
                token: bearer.clone(),
                permissions: org
                    .client(&token.client_id)
                    .and_then(|client| client.permissions.clone()),
            })
    };
    match caller {
        Some(caller) => {
            request.extensions_mut().insert(caller);
            next.run(request).await
        }
        None => ApiError::unauthenticated("bad.credentials", "Invalid login credentials.")
            .into_response(),
    }
}

struct RateHeaders {
    allowed: u32,
    count: u32,
    reset_seconds: u64,
}

impl RateHeaders {
    fn apply(&self, response: &mut Response) {
        let headers = response.headers_mut();
        headers.insert(HEADER_ALLOWED, HeaderValue::from(self.allowed));
        headers.insert(HEADER_COUNT, HeaderValue::from(self.count));
        headers.insert(HEADER_RESET, HeaderValue::from(self.reset_seconds));
    }
}

/// Counts the request in its token's fixed window; past the allowance it answers 429
/// with `Retry-After` until the window resets.
async fn rate_limit(State(state): State<SandboxState>, request: Request, next: Next) -> Response {
    let Some(token) = request
        .extensions()
        .get::<Caller>()
        .map(|c| c.token.clone())
    else {
        return next.run(request).await;
    };
    let allowed = state.options().rate_limit_per_minute;
    let Some((admitted, headers)) = count_in_window(&state, &token, allowed) else {
        return next.run(request).await;
    };
    let mut response = if admitted {
        next.run(request).await
    } else {
        let retry_after = headers.reset_seconds.max(1);
        let mut refused = ApiError::rate_limited(retry_after).into_response();
        refused
            .headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from(retry_after));
        refused
    };
    headers.apply(&mut response);
    response
}

/// Counts a request against its token's window: whether it is admitted, and the headers
/// that say where the window stands. `None` when the token is gone.
fn count_in_window(state: &SandboxState, token: &str, allowed: u32) -> Option<(bool, RateHeaders)> {
    let mut org = state.org();
    let now = Instant::now();
    let record = org.tokens.get_mut(token)?;
    if now.duration_since(record.window_started) >= RATE_WINDOW {
        record.window_started = now;
        record.window_count = 0;
    }
    let reset_seconds = (RATE_WINDOW.saturating_sub(now.duration_since(record.window_started)))
        .as_secs_f64()
        .ceil() as u64;
    let admitted = record.window_count < allowed;
    if admitted {
        record.window_count += 1;
    }
    let count = record.window_count;
    if !admitted {
        org.stats.rate_limited += 1;
    }
    Some((
        admitted,
        RateHeaders {
            allowed,
            count,
            reset_seconds,
        },
    ))
}

/// Keeps a copy of a JSON request body for conformance checks, and hands the request on
/// unchanged.
async fn record_body(state: &SandboxState, request: Request, route: &str) -> Request {
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_RECORDED_BODY).await else {
        return Request::from_parts(parts, Body::empty());
    };
    if let Ok(json) = serde_json::from_slice::<serde_json::Value>(&bytes) {
        let (method, template) = route.split_once(' ').unwrap_or(("", route));
        state.record_request(super::state::RecordedRequest {
            method: method.to_string(),
            route: template.to_string(),
            body: json,
        });
    }
    Request::from_parts(parts, Body::from(bytes))
}

const MAX_RECORDED_BODY: usize = 4 * 1024 * 1024;

fn fault_response(fault: Fault) -> Response {
    match fault {
        Fault::Status {
            status,
            retry_after,
        } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let error = if status == StatusCode::TOO_MANY_REQUESTS {
                match retry_after {
                    Some(seconds) => ApiError::rate_limited(seconds),
                    // The pre-2021 shape, which carried no Retry-After.
                    None => ApiError::new(
                        status,
                        "too.many.requests",
                        "Rate limit exceeded the maximum [300] requests within [60] seconds",
                    ),
                }
            } else {
                ApiError::server_error(status)
            };
            let mut response = error.into_response();
            if let Some(seconds) = retry_after {
                response
                    .headers_mut()
                    .insert(RETRY_AFTER, HeaderValue::from(seconds));
            }
            response
        }
        Fault::MalformedJson => (
            StatusCode::OK,
            [(CONTENT_TYPE, "application/json")],
            r#"{"entities": [{"id": "truncated-"#,
        )
            .into_response(),
        Fault::DropConnection => {
            let broken = futures::stream::once(async {
                Err::<bytes::Bytes, std::io::Error>(std::io::Error::other(
                    "connection dropped by fault injection",
                ))
            });
            (
                StatusCode::OK,
                [(CONTENT_TYPE, "application/json")],
                Body::from_stream(broken),
            )
                .into_response()
        }
    }
}
