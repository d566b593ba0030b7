//! `POST /oauth/token`: the client-credentials grant exactly as the login service takes
//! it (HTTP Basic credentials, form body), with its OAuth-style error bodies.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use serde_json::json;
use tokio::time::Instant;

use super::state::{SandboxState, TokenRecord};

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        Json(json!({"error": error, "description": description, "error_description": description})),
    )
        .into_response()
}

fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let encoded = value
        .strip_prefix("Basic ")
        .or_else(|| value.strip_prefix("basic "))?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_string(), secret.to_string()))
}

pub async fn token(State(state): State<SandboxState>, headers: HeaderMap, body: Bytes) -> Response {
    let form_type = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !form_type {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "The token request must be form-encoded (application/x-www-form-urlencoded).",
        );
    }
    let grant = url::form_urlencoded::parse(&body)
        .find(|(k, _)| k == "grant_type")
        .map(|(_, v)| v.into_owned());
    match grant.as_deref() {
        Some("client_credentials") => {}
        Some(other) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                &format!("Grant type {other} is not supported by this client."),
            )
        }
        None => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "grant_type is required.",
            )
        }
    }
    let Some((client_id, secret)) = basic_credentials(&headers) else {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client credentials must be sent with HTTP Basic authentication.",
        );
    };
    let mut org = state.org();
    let known = org
        .client(&client_id)
        .is_some_and(|client| client.secret == secret);
    if !known {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client not found or secret mismatch",
        );
    }
    let lifetime = state.options().token_lifetime;
    const MAX_LIVE_TOKENS: usize = 10_000;
    let access_token = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let now = Instant::now();
    org.tokens.retain(|_, token| token.expires_at > now);
    // A flood of logins must not grow memory without end: past the bound the token
    // closest to expiring makes room, as if it had expired.
    while org.tokens.len() >= MAX_LIVE_TOKENS {
        let Some(soonest) = org
            .tokens
            .iter()
            .min_by_key(|(_, token)| token.expires_at)
            .map(|(key, _)| key.clone())
        else {
            break;
        };
        org.tokens.remove(&soonest);
    }
    org.tokens.insert(
        access_token.clone(),
        TokenRecord {
            client_id,
            expires_at: now + lifetime,
            window_started: now,
            window_count: 0,
        },
    );
    Json(json!({"access_token": access_token, "token_type": "bearer", "expires_in": lifetime.as_secs()})).into_response()
}
