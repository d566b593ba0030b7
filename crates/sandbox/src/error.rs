//! Genesys-shaped error responses.
//!
//! A handler returns [`ApiError`]; its response carries the error as an extension and
//! the gate middleware writes the `ErrorBody` JSON, so `contextId` always equals the
//! `ININ-Correlation-Id` header of the same response.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use genesys::error::{ErrorBody, ErrorDetail};

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: Box<ErrorBody>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            body: Box::new(ErrorBody {
                message: Some(message.into()),
                code: Some(code.to_string()),
                status: Some(status.as_u16()),
                ..Default::default()
            }),
        }
    }

    /// A 400 that names the offending field, as Genesys's validation errors do.
    pub fn invalid_field(code: &str, field: &str, message: impl Into<String>) -> ApiError {
        let mut error = ApiError::new(StatusCode::BAD_REQUEST, code, message);
        error.body.details.push(ErrorDetail {
            error_code: Some(code.to_string()),
            field_name: Some(field.to_string()),
            ..Default::default()
        });
        error
            .body
            .message_params
            .insert("field".into(), field.into());
        error
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad.request", message)
    }

    pub fn not_found(what: &str, id: &str) -> ApiError {
        let mut error = ApiError::new(
            StatusCode::NOT_FOUND,
            "not.found",
            format!("The requested {what} {id} was not found."),
        );
        error.body.entity_id = Some(id.to_string());
        error
    }

    /// An endpoint that takes any one of several permissions (`ANY` in its metadata)
    /// answers with its own code and wording.
    pub fn missing_any_permission(permissions: &[&str]) -> ApiError {
        let listed = permissions.join(", ");
        let mut error = ApiError::new(
            StatusCode::FORBIDDEN,
            "missing.any.permissions",
            format!(
                "Unable to perform the requested action. You must have at least one of the following permissions assigned: [{listed}]"
            ),
        );
        error.body.message_with_params = Some(
            "Unable to perform the requested action. You must have at least one of the following permissions assigned: [{permissions}]"
                .into(),
        );
        error
            .body
            .message_params
            .insert("permissions".into(), listed);
        error
    }

    pub fn missing_permission(permission: &str) -> ApiError {
        let mut error = ApiError::new(
            StatusCode::FORBIDDEN,
            "missing.permissions",
            format!(
                "Unable to perform the requested action. You are missing the following permission(s): [{permission}]"
            ),
        );
        error.body.message_with_params = Some(
            "Unable to perform the requested action. You are missing the following permission(s): [{permissions}]"
                .into(),
        );
        error
            .body
            .message_params
            .insert("permissions".into(), permission.into());
        error
    }

    /// A 400 `resource.limit.exceeded` carrying the `limit` object of the ErrorBody.
    pub fn limit_exceeded(namespace: &str, key: &str, value: usize) -> ApiError {
        let mut error = ApiError::new(
            StatusCode::BAD_REQUEST,
            "resource.limit.exceeded",
            format!("The limit {key} of {value} in {namespace} has been reached."),
        );
        error.body.limit = Some(genesys::error::ErrorLimit {
            key: Some(key.to_string()),
            namespace: Some(namespace.to_string()),
            value: Some(serde_json::json!(value)),
        });
        error
    }

    pub fn unauthenticated(code: &str, message: &str) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, code, message)
    }

    pub fn rate_limited(retry_after_seconds: u64) -> ApiError {
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too.many.requests.retry.after",
            format!("Rate limit exceeded the maximum. Retry the request in [{retry_after_seconds}] seconds"),
        )
    }

    pub fn server_error(status: StatusCode) -> ApiError {
        let (code, message) = match status.as_u16() {
            503 => ("service.unavailable", "Service Unavailable - The server is currently unavailable (because it is overloaded or down for maintenance)."),
            504 => ("request.timeout", "The request timed out."),
            502 => ("bad.gateway", "The server received an invalid response from an upstream server."),
            _ => ("internal.server.error", "The server encountered an unexpected condition which prevented it from fulfilling the request."),
        };
        ApiError::new(status, code, message)
    }

    /// The JSON body with `contextId` filled in; `errors` and `details` always present,
    /// as in the normalized 429 body.
    pub fn to_json(&self, correlation_id: &str) -> serde_json::Value {
        let mut body = (*self.body).clone();
        body.context_id = Some(correlation_id.to_string());
        let mut value = serde_json::to_value(&body).unwrap_or_else(|_| json!({}));
        if let Some(object) = value.as_object_mut() {
            object.entry("details").or_insert_with(|| json!([]));
            object.entry("errors").or_insert_with(|| json!([]));
        }
        value
    }
}

impl From<genesys::schema::Violation> for ApiError {
    fn from(violation: genesys::schema::Violation) -> Self {
        ApiError::invalid_field(violation.code, &violation.field, violation.message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        response.extensions_mut().insert(self);
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
