//! Request and response bodies: parsing (checked against the published schema, refused
//! the way Genesys refuses), the `Checked` extractor, and nulls left out of answers.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use genesys::models::{
    AuditQueryRequest, AuditRealtimeQueryRequest, ConversationActivityQuery,
    ConversationAggregationQuery, ConversationQuery, QueueObservationQuery,
};
use genesys::schema::{self, Shape};

use super::error::{ApiError, ApiResult};
use super::gate::Caller;

/// A request model whose body the published schema describes, and the permissions its
/// endpoint takes (any one of them).
pub trait Described {
    const SHAPE: &'static Shape;
    const PERMISSIONS: &'static [&'static str];
}

macro_rules! described {
    ($($model:ty => $shape:path, $permissions:expr);+ $(;)?) => {
        $(impl Described for $model {
            const SHAPE: &'static Shape = &$shape;
            const PERMISSIONS: &'static [&'static str] = $permissions;
        })+
    };
}

described! {
    QueueObservationQuery => schema::QUEUE_OBSERVATION_QUERY, &["analytics:queueObservation:view"];
    ConversationActivityQuery => schema::CONVERSATION_ACTIVITY_QUERY, &["analytics:queueObservation:view"];
    ConversationQuery => schema::CONVERSATION_QUERY,
        &["analytics:conversationDetail:view", "analytics:agentConversationDetail:view"];
    ConversationAggregationQuery => schema::CONVERSATION_AGGREGATION_QUERY,
        &["analytics:conversationAggregate:view"];
    AuditQueryRequest => schema::AUDIT_QUERY_REQUEST, &["audits:audit:view"];
    AuditRealtimeQueryRequest => schema::AUDIT_REALTIME_QUERY_REQUEST, &["audits:audit:view"];
}

/// A body parsed into its model after the schema check passed.
pub struct Checked<T>(pub T);

impl<S: Send + Sync, T: Described + DeserializeOwned> FromRequest<S> for Checked<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> ApiResult<Checked<T>> {
        // Permission before body, as the API answers: a caller who may not use the
        // endpoint hears 403 whatever it sent.
        if let Some(caller) = request.extensions().get::<Caller>() {
            caller.require_any(T::PERMISSIONS)?;
        }
        let bytes = Bytes::from_request(request, state).await.map_err(|error| {
            ApiError::bad_request(format!("The request body could not be read: {error}"))
        })?;
        parse_checked(T::SHAPE, &bytes).map(Checked)
    }
}

/// Parses a body and checks it against the published request schema before anything
/// reads it: what a real org refuses is refused here the same way.
pub fn parse_checked<T: serde::de::DeserializeOwned>(shape: &Shape, body: &[u8]) -> ApiResult<T> {
    let value: Value = serde_json::from_slice(body).map_err(|error| {
        ApiError::bad_request(format!(
            "The request could not be understood by the server due to malformed syntax: {error}"
        ))
    })?;
    schema::check(shape, &value).map_err(ApiError::from)?;
    serde_json::from_value(value).map_err(|error| {
        ApiError::bad_request(format!(
            "The request could not be understood by the server due to malformed syntax: {error}"
        ))
    })
}

/// Parses a JSON object body, answering 400 the way Genesys does for bad syntax.
pub fn parse_object(body: &[u8]) -> ApiResult<Map<String, Value>> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::bad_request(
            "The request body must be a JSON object.",
        )),
        Err(error) => Err(ApiError::bad_request(format!(
            "The request could not be understood by the server due to malformed syntax: {error}"
        ))),
    }
}

/// Strips nulls recursively: Genesys omits null fields and clients rely on it.
pub fn without_nulls(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, without_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(without_nulls).collect()),
        other => other,
    }
}

/// Parses an interval `start/end` (the schema has checked its shape; this reads it).
pub fn parse_interval(interval: &str) -> ApiResult<(DateTime<Utc>, DateTime<Utc>)> {
    let invalid = || {
        ApiError::invalid_field(
            "invalid.date",
            "interval",
            format!("Interval [{interval}] is not valid; expected start/end in ISO-8601."),
        )
    };
    let (start, end) = interval.split_once('/').ok_or_else(invalid)?;
    let parse = |text: &str| {
        DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| invalid())
    };
    let (start, end) = (parse(start)?, parse(end)?);
    if end <= start {
        return Err(invalid());
    }
    Ok((start, end))
}

#[cfg(test)]
mod tests {
    use axum::body::Body;

    use super::*;

    async fn checked_as(
        permissions: Vec<String>,
        body: &str,
    ) -> ApiResult<Checked<ConversationQuery>> {
        let mut request = Request::new(Body::from(body.to_string()));
        request.extensions_mut().insert(Caller {
            client_id: "c".into(),
            token: "t".into(),
            permissions: Some(permissions),
        });
        Checked::<ConversationQuery>::from_request(request, &()).await
    }

    #[tokio::test]
    async fn a_caller_without_the_permission_hears_403_whatever_it_sent() {
        for body in ["{not json", "{\"interval\": 42}", "{}"] {
            let error = checked_as(Vec::new(), body).await.err().unwrap();
            assert_eq!(error.status, axum::http::StatusCode::FORBIDDEN, "{body}");
            assert_eq!(
                error.body.code.as_deref(),
                Some("missing.any.permissions"),
                "{body}"
            );
        }
        let allowed = vec!["analytics:agentConversationDetail:view".to_string()];
        let error = checked_as(allowed, "{}").await.err().unwrap();
        assert_eq!(error.status, axum::http::StatusCode::BAD_REQUEST);
    }
}
