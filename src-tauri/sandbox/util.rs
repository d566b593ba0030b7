//! Request parsing and listing envelopes shared by the Sandbox's handlers.

use base64::Engine;
use serde_json::{json, Map, Value};

use crate::genesys::models::{
    AuditLogMessage, AuditMessage, AuditPropertyChange, EntityRef, WEB_DEPLOYMENTS_SERVICE,
};
use crate::genesys::schema::{self, Shape};

use super::error::{ApiError, ApiResult};
use super::gate::Caller;
use super::state::{iso, Org};

/// Query parameters, accepting both `a=1&a=2` and `a=1,2` for arrays.
#[derive(Debug, Default)]
pub struct Params(Vec<(String, String)>);

impl Params {
    pub fn parse(raw: Option<&str>) -> Params {
        Params(
            raw.map(|query| {
                url::form_urlencoded::parse(query.as_bytes())
                    .into_owned()
                    .collect()
            })
            .unwrap_or_default(),
        )
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// All values of an array parameter (`key` or `key[]`), comma lists split.
    pub fn all(&self, key: &str) -> Vec<String> {
        let bracketed = format!("{key}[]");
        self.0
            .iter()
            .filter(|(k, _)| *k == key || *k == bracketed)
            .flat_map(|(_, v)| v.split(',').map(|s| s.trim().to_string()))
            .filter(|v| !v.is_empty())
            .collect()
    }

    /// A positive integer parameter, or a 400 naming it.
    pub fn number(&self, key: &str, default: u32, max: u32) -> ApiResult<u32> {
        match self.get(key) {
            None => Ok(default),
            Some(text) => match text.parse::<u32>() {
                Ok(value) if value >= 1 && value <= max => Ok(value),
                _ => Err(ApiError::invalid_field(
                    "invalid.query.param.value",
                    key,
                    format!("Value [{text}] is not valid for query parameter {key}; expected a whole number from 1 to {max}."),
                )),
            },
        }
    }

    /// A single-valued parameter from a closed set, or a 400 naming it.
    pub fn one_of(&self, key: &str, allowed: &[&str]) -> ApiResult<Option<&str>> {
        match self.get(key) {
            Some(value) if !allowed.contains(&value) => Err(not_allowed(key, value, allowed)),
            found => Ok(found),
        }
    }

    /// Every value of an array parameter, each from a closed set, or a 400 naming it.
    pub fn all_of(&self, key: &str, allowed: &[&str]) -> ApiResult<Vec<String>> {
        let values = self.all(key);
        match values
            .iter()
            .find(|value| !allowed.contains(&value.as_str()))
        {
            Some(bad) => Err(not_allowed(key, bad, allowed)),
            None => Ok(values),
        }
    }

    pub fn flag(&self, key: &str) -> ApiResult<bool> {
        match self.get(key) {
            None | Some("false") => Ok(false),
            Some("true") => Ok(true),
            Some(other) => Err(ApiError::invalid_field(
                "invalid.query.param.value",
                key,
                format!("Value [{other}] is not valid for query parameter {key}; expected true or false."),
            )),
        }
    }
}

fn not_allowed(key: &str, value: &str, allowed: &[&str]) -> ApiError {
    ApiError::invalid_field(
        "invalid.query.param.value",
        key,
        format!(
            "Value [{value}] is not valid for query parameter {key}. Allowable values are: {}",
            allowed.join(", ")
        ),
    )
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

/// An opaque cursor for an offset into a listing.
pub fn encode_cursor(offset: usize) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("o:{offset}"))
}

pub fn decode_cursor(cursor: &str) -> Option<usize> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()?;
    String::from_utf8(bytes)
        .ok()?
        .strip_prefix("o:")?
        .parse()
        .ok()
}

/// A cursor-style page (`entities, total, selfUri, nextUri, previousUri`).
pub fn cursor_page(items: Vec<Value>, params: &Params, path: &str) -> ApiResult<Value> {
    let page_size = params.number("pageSize", 300, 1000)? as usize;
    let start = match params.get("after") {
        None => 0,
        Some(cursor) => decode_cursor(cursor).ok_or_else(|| {
            ApiError::invalid_field(
                "invalid.query.param.value",
                "after",
                "The cursor in 'after' is not valid.",
            )
        })?,
    };
    let total = items.len();
    let end = (start + page_size).min(total);
    let entities: Vec<Value> = items.into_iter().skip(start).take(page_size).collect();
    let mut page = json!({
        "entities": entities,
        "total": total,
        "selfUri": format!("{path}?pageSize={page_size}"),
    });
    if end < total {
        page["nextUri"] = json!(format!(
            "{path}?pageSize={page_size}&after={}",
            encode_cursor(end)
        ));
    }
    if start > 0 {
        page["previousUri"] = json!(format!(
            "{path}?pageSize={page_size}&before={}",
            encode_cursor(start)
        ));
    }
    Ok(page)
}

/// A page-number page (`entities, pageSize, pageNumber, total, pageCount, *Uri`).
pub fn number_page(
    items: Vec<Value>,
    params: &Params,
    path: &str,
    max_page_size: u32,
) -> ApiResult<Value> {
    let page_size = params.number("pageSize", 25, max_page_size)? as usize;
    let page_number = params.number("pageNumber", 1, u32::MAX)? as usize;
    let total = items.len();
    let page_count = total.div_ceil(page_size).max(1);
    let entities: Vec<Value> = items
        .into_iter()
        .skip((page_number - 1) * page_size)
        .take(page_size)
        .collect();
    let uri = |number: usize| format!("{path}?pageSize={page_size}&pageNumber={number}");
    let mut page = json!({
        "entities": entities,
        "pageSize": page_size,
        "pageNumber": page_number,
        "total": total,
        "pageCount": page_count,
        "firstUri": uri(1),
        "selfUri": uri(page_number),
        "lastUri": uri(page_count),
    });
    if page_number < page_count {
        page["nextUri"] = json!(uri(page_number + 1));
    }
    if page_number > 1 {
        page["previousUri"] = json!(uri(page_number - 1));
    }
    Ok(page)
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

/// What one audited change says.
pub struct AuditEvent<'a> {
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: &'a str,
    pub entity_name: Option<&'a str>,
    pub changes: Vec<(String, Option<String>, Option<String>)>,
}

/// Records an audit entry for a change made through the API.
pub fn record_audit(
    org: &mut Org,
    caller: &Caller,
    at: chrono::DateTime<chrono::Utc>,
    event: AuditEvent<'_>,
) {
    let text = format!(
        "{} {} {}",
        event.entity_type,
        event.entity_name.unwrap_or(event.entity_id),
        event.action.to_ascii_lowercase()
    );
    let property_changes = event
        .changes
        .into_iter()
        .map(|(property, old, new)| AuditPropertyChange {
            property: Some(property),
            old_values: Some(old.into_iter().collect()),
            new_values: Some(new.into_iter().collect()),
            ..Default::default()
        })
        .collect::<Vec<_>>();
    org.audit.push(AuditLogMessage {
        id: Some(uuid::Uuid::new_v4().to_string()),
        // `user` is a DomainEntityRef; `client` an AddressableEntityRef, which has no name.
        user: Some(EntityRef {
            id: Some(org.user_id.clone()),
            name: Some("Sandbox Admin".into()),
            self_uri: Some(format!("/api/v2/users/{}", org.user_id)),
            ..Default::default()
        }),
        client: Some(EntityRef {
            id: Some(caller.client_id.clone()),
            self_uri: Some(format!("/api/v2/oauth/clients/{}", caller.client_id)),
            ..Default::default()
        }),
        remote_ip: Some(vec!["127.0.0.1".into()]),
        service_name: Some(WEB_DEPLOYMENTS_SERVICE.into()),
        level: Some("USER".into()),
        event_date: Some(iso(at)),
        message: Some(AuditMessage {
            message: Some(text),
            ..Default::default()
        }),
        action: Some(event.action.into()),
        entity: Some(EntityRef {
            id: Some(event.entity_id.into()),
            name: event.entity_name.map(str::to_string),
            ..Default::default()
        }),
        entity_type: Some(event.entity_type.into()),
        status: Some("SUCCESS".into()),
        application: Some("webmsg-desk-sandbox".into()),
        transaction_initiator: Some(true),
        property_changes: (!property_changes.is_empty()).then_some(property_changes),
        user_home_org_id: Some(org.org_id.clone()),
        ..Default::default()
    });
}

/// A string field at a JSON pointer, for audit diffs.
pub fn text_at(map: &Map<String, Value>, pointer: &str) -> Option<String> {
    let value = Value::Object(map.clone());
    match value.pointer(pointer)? {
        Value::String(text) => Some(text.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}
