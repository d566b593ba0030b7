//! The layer in front of every `/api/v2` route, doing what Genesys's edge does: a
//! correlation id on every response, bearer-token check, the per-token rate window with
//! its `inin-ratelimit-*` headers, and (Sandbox only) queued faults and added latency.

use std::time::Duration;

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::time::Instant;

use crate::genesys::rate_budget::{HEADER_ALLOWED, HEADER_COUNT, HEADER_RESET};

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
            Err(ApiError::missing_permission(&permissions.join(", ")))
        }
    }
}

struct RateHeaders {
    allowed: u32,
    count: u32,
    reset_seconds: u64,
}

pub async fn api_gate(
    State(state): State<SandboxState>,
    mut request: Request,
    next: Next,
) -> Response {
    let correlation_id = uuid::Uuid::new_v4().to_string();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| format!("{} {}", request.method(), path.as_str()))
        .unwrap_or_else(|| format!("{} (unmatched)", request.method()));
    if state.options().record_requests {
        request = record_body(&state, request, &route).await;
    }
    let (fault, latency) = {
        let mut faults = state.faults();
        (faults.take_next(), faults.latency)
    };
    {
        let mut org = state.org();
        org.stats.api_requests += 1;
        *org.stats.by_route.entry(route).or_default() += 1;
        if fault.is_some() {
            org.stats.faults_served += 1;
        }
    }
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    if let Some(fault) = fault {
        return fault_response(fault, &correlation_id);
    }

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
        let error = ApiError::unauthenticated(
            "authentication.required",
            "No authentication bearer token specified in authorization header.",
        );
        return finish(error.into_response(), &correlation_id, None);
    };

    let admitted = {
        let mut org = state.org();
        let allowed = state.options().rate_limit_per_minute;
        let now = Instant::now();
        match org.tokens.get_mut(&bearer) {
            None => Err((
                ApiError::unauthenticated("bad.credentials", "Invalid login credentials."),
                None,
            )),
            Some(token) if token.expires_at <= now => Err((
                ApiError::unauthenticated("bad.credentials", "Invalid login credentials."),
                None,
            )),
            Some(token) => {
                if now.duration_since(token.window_started) >= RATE_WINDOW {
                    token.window_started = now;
                    token.window_count = 0;
                }
                let reset_seconds = (RATE_WINDOW
                    .saturating_sub(now.duration_since(token.window_started)))
                .as_secs_f64()
                .ceil() as u64;
                let client_id = token.client_id.clone();
                if token.window_count >= allowed {
                    org.stats.rate_limited += 1;
                    let headers = RateHeaders {
                        allowed,
                        count: allowed,
                        reset_seconds,
                    };
                    Err((ApiError::rate_limited(reset_seconds.max(1)), Some(headers)))
                } else {
                    token.window_count += 1;
                    let headers = RateHeaders {
                        allowed,
                        count: token.window_count,
                        reset_seconds,
                    };
                    let permissions = org
                        .client(&client_id)
                        .and_then(|client| client.permissions.clone());
                    Ok((
                        Caller {
                            client_id,
                            token: bearer.clone(),
                            permissions,
                        },
                        headers,
                    ))
                }
            }
        }
    };
    match admitted {
        Err((error, headers)) => {
            let retry_after = (error.status == StatusCode::TOO_MANY_REQUESTS)
                .then(|| headers.as_ref().map_or(1, |h| h.reset_seconds.max(1)));
            let mut response = finish(error.into_response(), &correlation_id, headers.as_ref());
            if let Some(seconds) = retry_after {
                response
                    .headers_mut()
                    .insert(RETRY_AFTER, HeaderValue::from(seconds));
            }
            response
        }
        Ok((caller, headers)) => {
            request.extensions_mut().insert(caller);
            let response = next.run(request).await;
            finish(response, &correlation_id, Some(&headers))
        }
    }
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

/// A correlation id (and error body) for the login route too.
pub async fn login_gate(
    State(state): State<SandboxState>,
    request: Request,
    next: Next,
) -> Response {
    let correlation_id = uuid::Uuid::new_v4().to_string();
    state.org().stats.token_requests += 1;
    let response = next.run(request).await;
    finish(response, &correlation_id, None)
}

fn finish(mut response: Response, correlation_id: &str, rate: Option<&RateHeaders>) -> Response {
    if let Some(error) = response.extensions_mut().remove::<ApiError>() {
        let status = response.status();
        let headers = std::mem::take(response.headers_mut());
        response = (status, axum::Json(error.to_json(correlation_id))).into_response();
        for (name, value) in headers.iter() {
            if name != CONTENT_TYPE {
                response.headers_mut().insert(name.clone(), value.clone());
            }
        }
    }
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(correlation_id) {
        headers.insert(CORRELATION_HEADER, value);
    }
    if let Some(rate) = rate {
        headers.insert(HEADER_ALLOWED, HeaderValue::from(rate.allowed));
        headers.insert(HEADER_COUNT, HeaderValue::from(rate.count));
        headers.insert(HEADER_RESET, HeaderValue::from(rate.reset_seconds));
    }
    response
}

fn fault_response(fault: Fault, correlation_id: &str) -> Response {
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
            let mut response = finish(error.into_response(), correlation_id, None);
            if let Some(seconds) = retry_after {
                response
                    .headers_mut()
                    .insert(RETRY_AFTER, HeaderValue::from(seconds));
            }
            response
        }
        Fault::MalformedJson => {
            let response = (
                StatusCode::OK,
                [(CONTENT_TYPE, "application/json")],
                r#"{"entities": [{"id": "truncated-"#,
            )
                .into_response();
            finish(response, correlation_id, None)
        }
        Fault::DropConnection => {
            let broken = futures::stream::once(async {
                Err::<bytes::Bytes, std::io::Error>(std::io::Error::other(
                    "connection dropped by fault injection",
                ))
            });
            let response = (
                StatusCode::OK,
                [(CONTENT_TYPE, "application/json")],
                Body::from_stream(broken),
            )
                .into_response();
            finish(response, correlation_id, None)
        }
    }
}
