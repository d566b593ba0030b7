//! The one error type of the API client.
//!
//! It keeps everything an admin or a support ticket needs (status, Genesys error body,
//! correlation id, what was retried) and its `Display` is a sentence an admin can act on.
//! It never holds the client secret or a token: requests carry those only in headers,
//! and no header is copied into an error.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::region::EnvironmentError;

/// The Genesys `ErrorBody`. Unknown fields are kept so nothing a support engineer might
/// ask for is lost.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_with_params: Option<String>,
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub message_params: std::collections::BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_id: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<ErrorDetail>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ErrorBody>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<ErrorLimit>,
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorDetail {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_name: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorLimit {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<serde_json::Value>,
}

impl ErrorBody {
    /// The message with `{param}` placeholders filled, or the plain message.
    pub fn rendered_message(&self) -> Option<String> {
        match (&self.message_with_params, &self.message) {
            (Some(template), _) if !self.message_params.is_empty() => {
                let mut rendered = template.clone();
                for (key, value) in &self.message_params {
                    rendered = rendered.replace(&format!("{{{key}}}"), value);
                }
                Some(rendered)
            }
            (_, Some(message)) => Some(message.clone()),
            (Some(template), None) => Some(template.clone()),
            (None, None) => None,
        }
    }

    /// Field names the server blamed, from `details` and nested `errors`.
    pub fn field_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .details
            .iter()
            .filter_map(|detail| detail.field_name.clone())
            .collect();
        for nested in &self.errors {
            names.extend(nested.field_names());
        }
        names
    }
}

/// The OAuth error body the login service sends on a failed token request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OAuthErrorBody {
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub error_description: Option<String>,
}

/// Which request failed, in words safe to show and log (no query values, no secrets).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequestLabel {
    pub method: String,
    pub path: String,
}

impl fmt::Display for RequestLabel {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{} {}", self.method, self.path)
    }
}

/// Everything that can go wrong talking to Genesys Cloud (or the Sandbox).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The profile or environment is unusable; nothing was sent.
    #[error("{0}")]
    Environment(#[from] EnvironmentError),

    /// The login service refused the client credentials.
    #[error("{}", describe_auth(*status, body.as_deref(), environment))]
    Authentication {
        status: u16,
        body: Option<Box<OAuthErrorBody>>,
        environment: String,
        correlation_id: Option<String>,
    },

    /// The API answered with an error status (after any retries the policy allowed).
    #[error("{}", describe_api(self))]
    Api {
        request: RequestLabel,
        status: u16,
        body: Option<Box<ErrorBody>>,
        correlation_id: Option<String>,
        /// Start of the body when it was not a Genesys error body.
        excerpt: Option<String>,
        attempts: u32,
        /// Total time spent waiting on `Retry-After` before giving up.
        rate_limit_waited: Duration,
    },

    /// The server answered 2xx but the body was not the JSON we expect.
    #[error(
        "{request} returned a response that could not be read ({reason}){}; body starts: {excerpt:?}",
        correlation_suffix(correlation_id.as_deref())
    )]
    Decode {
        request: RequestLabel,
        status: u16,
        reason: String,
        excerpt: String,
        correlation_id: Option<String>,
    },

    /// No usable HTTP exchange: connection refused or dropped, TLS, timeout.
    #[error("could not reach Genesys Cloud for {request} after {attempts} attempt(s): {reason}")]
    Transport {
        request: RequestLabel,
        reason: String,
        attempts: u32,
        timed_out: bool,
    },

    /// The connection was opened read-only and this call would change the org; it was
    /// not sent.
    #[error("{request} was not sent: this profile is open read-only (open it again without read-only to change the org)")]
    ReadOnly { request: RequestLabel },
}

impl Error {
    /// The HTTP status when the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Authentication { status, .. }
            | Error::Api { status, .. }
            | Error::Decode { status, .. } => Some(*status),
            Error::Environment(_) | Error::Transport { .. } | Error::ReadOnly { .. } => None,
        }
    }

    pub fn correlation_id(&self) -> Option<&str> {
        match self {
            Error::Authentication { correlation_id, .. }
            | Error::Api { correlation_id, .. }
            | Error::Decode { correlation_id, .. } => correlation_id.as_deref(),
            Error::Environment(_) | Error::Transport { .. } | Error::ReadOnly { .. } => None,
        }
    }

    /// The Genesys error body when there was one.
    pub fn body(&self) -> Option<&ErrorBody> {
        match self {
            Error::Api { body, .. } => body.as_deref(),
            _ => None,
        }
    }

    /// The machine code for the UI and the CLI: Genesys's own `code` when present,
    /// otherwise a stable code of ours.
    pub fn code(&self) -> String {
        match self {
            Error::Environment(_) => "invalid.environment".into(),
            Error::Authentication { .. } => "authentication.failed".into(),
            Error::Api { body, status, .. } => body
                .as_ref()
                .and_then(|body| body.code.clone())
                .unwrap_or_else(|| format!("http.{status}")),
            Error::Decode { .. } => "response.malformed".into(),
            Error::Transport {
                timed_out: true, ..
            } => "transport.timeout".into(),
            Error::Transport { .. } => "transport.failed".into(),
            Error::ReadOnly { .. } => "profile.read.only".into(),
        }
    }

    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    pub fn is_timeout(&self) -> bool {
        matches!(
            self,
            Error::Transport {
                timed_out: true,
                ..
            }
        ) || self.status() == Some(408)
    }
}

fn correlation_suffix(correlation_id: Option<&str>) -> String {
    correlation_id
        .map(|id| format!(" [correlation id {id}]"))
        .unwrap_or_default()
}

fn describe_auth(status: u16, body: Option<&OAuthErrorBody>, environment: &str) -> String {
    let detail = body
        .and_then(|body| {
            body.error_description
                .clone()
                .or_else(|| body.description.clone())
                .or_else(|| body.error.clone())
        })
        .map(|text| format!(": {text}"))
        .unwrap_or_default();
    format!(
        "Genesys Cloud login refused the client credentials (HTTP {status}{detail}). Check the \
         OAuth client id and secret, that the client uses the Client Credentials grant, and \
         that the profile's region ({environment}) is the org's region."
    )
}

fn describe_api(error: &Error) -> String {
    let Error::Api {
        request,
        status,
        body,
        correlation_id,
        excerpt,
        attempts,
        rate_limit_waited,
    } = error
    else {
        return String::new();
    };
    let body = body.as_deref();
    let code = body.and_then(|body| body.code.as_deref());
    let message = body.and_then(ErrorBody::rendered_message);
    let server_says = match (&message, code) {
        (Some(message), Some(code)) => format!("{message} ({code})"),
        (Some(message), None) => message.clone(),
        (None, Some(code)) => code.to_string(),
        (None, None) => excerpt
            .as_deref()
            .map(|text| format!("body: {text:?}"))
            .unwrap_or_else(|| "no error body".into()),
    };
    let correlation = correlation_suffix(correlation_id.as_deref());
    let fields = body
        .map(ErrorBody::field_names)
        .filter(|names| !names.is_empty())
        .map(|names| format!(" Fields: {}.", names.join(", ")))
        .unwrap_or_default();
    match status {
        401 => format!(
            "{request} was refused as unauthenticated (HTTP 401: {server_says}) even after a fresh \
             token. Check the client id and secret and that the profile's region is the org's \
             region.{correlation}"
        ),
        403 => {
            let missing = body
                .map(missing_permissions)
                .filter(|names| !names.is_empty())
                .map(|names| format!("missing permission {}", names.join(", ")))
                .unwrap_or_else(|| "a permission is missing".into());
            format!(
                "{request} is not allowed for this OAuth client: {missing} (HTTP 403: \
                 {server_says}). Give the client's role that permission in Genesys Cloud \
                 Admin > Roles.{correlation}"
            )
        }
        404 => format!("{request} found nothing (HTTP 404: {server_says}).{correlation}"),
        429 => format!(
            "{request} was rate limited by Genesys Cloud (HTTP 429: {server_says}); waited {} s \
             over {attempts} attempt(s) and the limit still held. Try again later or lower the \
             polling rate.{correlation}",
            rate_limit_waited.as_secs()
        ),
        400 | 409 | 413 | 422 => {
            format!("{request} was rejected (HTTP {status}: {server_says}).{fields}{correlation}")
        }
        500..=599 => format!(
            "Genesys Cloud failed on {request} (HTTP {status}: {server_says}) after {attempts} \
             attempt(s); it is a server-side problem, try again in a few minutes.{correlation}"
        ),
        _ => format!("{request} failed (HTTP {status}: {server_says}).{correlation}"),
    }
}

/// Permission names a 403 body mentions, from its params or message.
fn missing_permissions(body: &ErrorBody) -> Vec<String> {
    let mut names: Vec<String> = body
        .message_params
        .iter()
        .filter(|(key, _)| key.to_ascii_lowercase().contains("permission"))
        .flat_map(|(_, value)| value.split(',').map(|name| name.trim().to_string()))
        .filter(|name| !name.is_empty())
        .collect();
    if names.is_empty() {
        if let Some(message) = &body.message {
            names.extend(
                message
                    .split(|c: char| c.is_whitespace() || c == '[' || c == ']' || c == ',')
                    .filter(|word| word.split(':').count() == 3 && !word.contains("//"))
                    .map(|word| word.trim_matches('.').to_string()),
            );
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api_error(status: u16, body: ErrorBody) -> Error {
        Error::Api {
            request: RequestLabel {
                method: "GET".into(),
                path: "/api/v2/routing/queues".into(),
            },
            status,
            body: Some(Box::new(body)),
            correlation_id: Some("corr-1".into()),
            excerpt: None,
            attempts: 1,
            rate_limit_waited: Duration::ZERO,
        }
    }

    #[test]
    fn forbidden_names_the_missing_permission() {
        let mut body = ErrorBody {
            message: Some("Unable to perform the requested action. You are missing the following permission(s): [routing:queue:view]".into()),
            code: Some("missing.permissions".into()),
            ..Default::default()
        };
        let text = api_error(403, body.clone()).to_string();
        assert!(
            text.contains("missing permission routing:queue:view"),
            "{text}"
        );
        assert!(text.contains("corr-1"));
        body.message_params.insert(
            "permissions".into(),
            "analytics:queueObservation:view".into(),
        );
        let text = api_error(403, body).to_string();
        assert!(text.contains("analytics:queueObservation:view"), "{text}");
    }

    #[test]
    fn message_params_fill_the_template() {
        let mut body = ErrorBody {
            message_with_params: Some("The {field} is too long".into()),
            ..Default::default()
        };
        body.message_params.insert("field".into(), "name".into());
        assert_eq!(
            body.rendered_message().as_deref(),
            Some("The name is too long")
        );
    }

    #[test]
    fn bad_request_lists_blamed_fields_including_nested() {
        let body = ErrorBody {
            message: Some("Invalid".into()),
            code: Some("invalid.value".into()),
            errors: vec![ErrorBody {
                details: vec![ErrorDetail {
                    field_name: Some("messenger.styles.primaryColor".into()),
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        };
        let text = api_error(400, body).to_string();
        assert!(text.contains("messenger.styles.primaryColor"), "{text}");
    }

    #[test]
    fn authentication_error_points_at_id_secret_and_region() {
        let error = Error::Authentication {
            status: 401,
            body: Some(Box::new(OAuthErrorBody {
                error: Some("invalid_client".into()),
                ..Default::default()
            })),
            environment: "eu-west-1 (mypurecloud.ie)".into(),
            correlation_id: None,
        };
        let text = error.to_string();
        assert!(
            text.contains("client id and secret") && text.contains("eu-west-1"),
            "{text}"
        );
        assert_eq!(error.code(), "authentication.failed");
    }
}
