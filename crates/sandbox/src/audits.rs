//! `/api/v2/audits/...`: every change made through the Sandbox is an entry here.
//! The asynchronous query is `Running` when submitted and `Succeeded` from its first
//! status read, so clients exercise their polling.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde_json::{json, Value};

use genesys::models::{
    AuditLogMessage, AuditQueryFilter, AuditQueryRequest, AuditQuerySort, AuditRealtimeQueryRequest,
};

use super::body::{parse_interval, without_nulls, Checked};
use super::error::{ApiError, ApiResult};
use super::gate::Caller;
use super::listing::{decode_cursor, encode_cursor};
use super::params::Params;
use super::state::{iso, AuditQueryRecord, Org, SandboxState};
use genesys::schema;

fn select(
    org: &Org,
    interval: &str,
    service: Option<&str>,
    filters: &[AuditQueryFilter],
    sort: &[AuditQuerySort],
) -> ApiResult<Vec<AuditLogMessage>> {
    let (start, end) = parse_interval(interval)?;
    let mut entries: Vec<AuditLogMessage> = org
        .audit
        .iter()
        .filter(|entry| {
            let at = entry
                .event_date
                .as_deref()
                .and_then(|d| chrono::DateTime::parse_from_rfc3339(d).ok());
            at.is_some_and(|at| at >= start && at < end)
        })
        .filter(|entry| service.is_none_or(|s| entry.service_name.as_deref() == Some(s)))
        .filter(|entry| {
            filters.iter().all(|filter| {
                let found = match filter.property.as_str() {
                    "UserId" => entry.user.as_ref().and_then(|u| u.id.clone()),
                    "ClientId" => entry.client.as_ref().and_then(|c| c.id.clone()),
                    "Action" => entry.action.clone(),
                    "EntityType" => entry.entity_type.clone(),
                    "EntityId" => entry.entity.as_ref().and_then(|e| e.id.clone()),
                    _ => None,
                };
                found.as_deref() == Some(filter.value.as_str())
            })
        })
        .cloned()
        .collect();
    if sort
        .iter()
        .any(|s| s.sort_order.eq_ignore_ascii_case("descending"))
    {
        entries.reverse();
    }
    Ok(entries)
}

pub async fn submit_query(
    State(state): State<SandboxState>,
    Checked(query): Checked<AuditQueryRequest>,
) -> ApiResult<Json<Value>> {
    let now = state.now();
    let mut org = state.org();
    let results = select(
        &org,
        &query.interval,
        query.service_name.as_deref(),
        query.filters.as_deref().unwrap_or_default(),
        query.sort.as_deref().unwrap_or_default(),
    )?;
    let id = uuid::Uuid::new_v4().to_string();
    let response = without_nulls(json!({
        "id": id, "state": "Running", "startDate": iso(now), "interval": query.interval,
        "serviceName": query.service_name, "filters": query.filters, "sort": query.sort,
    }));
    while org.audit_queries.len() >= super::state::MAX_AUDIT_TRANSACTIONS {
        let Some(oldest) = org
            .audit_queries
            .values()
            .min_by_key(|record| record.submitted)
            .map(|record| record.id.clone())
        else {
            break;
        };
        org.audit_queries.remove(&oldest);
    }
    org.audit_queries.insert(
        id.clone(),
        AuditQueryRecord {
            id,
            submitted: tokio::time::Instant::now(),
            status_reads: 0,
            response: response.clone(),
            results,
        },
    );
    Ok(Json(response))
}

pub async fn query_status(
    State(state): State<SandboxState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    caller.require("audits:audit:view")?;
    let mut org = state.org();
    let record = org
        .audit_queries
        .get_mut(&id)
        .ok_or_else(|| ApiError::not_found("audit query", &id))?;
    record.status_reads += 1;
    let mut response = record.response.clone();
    response["state"] = json!("Succeeded");
    Ok(Json(response))
}

pub async fn query_results(
    State(state): State<SandboxState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    params: Params,
) -> ApiResult<Response> {
    caller.require("audits:audit:view")?;
    let page_size = params.number("pageSize", 25, 500)? as usize;
    let expand_user = !params.all_of("expand", schema::AUDIT_EXPAND)?.is_empty();
    let org = state.org();
    let record = org
        .audit_queries
        .get(&id)
        .ok_or_else(|| ApiError::not_found("audit query", &id))?;
    if record.status_reads == 0 {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "illegal.operation",
            "The audit query has not finished; poll its status until Succeeded.",
        ));
    }
    let offset = match params.get("cursor") {
        None => 0,
        Some(cursor) => decode_cursor(cursor).ok_or_else(|| {
            ApiError::invalid_field(
                "invalid.query.param.value",
                "cursor",
                "The cursor is not valid.",
            )
        })?,
    };
    let page: Vec<AuditLogMessage> = record
        .results
        .iter()
        .skip(offset)
        .take(page_size)
        .map(|entry| as_served(entry.clone(), expand_user))
        .collect();
    let mut response = json!({"id": record.id, "pageSize": page_size, "entities": page});
    if offset + page_size < record.results.len() {
        response["cursor"] = json!(encode_cursor(offset + page_size));
    }
    Ok(Json(without_nulls(response)).into_response())
}

pub async fn realtime_query(
    State(state): State<SandboxState>,
    params: Params,
    Checked(query): Checked<AuditRealtimeQueryRequest>,
) -> ApiResult<Json<Value>> {
    let expand_user = !params.all_of("expand", schema::AUDIT_EXPAND)?.is_empty();
    let org = state.org();
    let entries = select(
        &org,
        &query.interval,
        query.service_name.as_deref(),
        query.filters.as_deref().unwrap_or_default(),
        query.sort.as_deref().unwrap_or_default(),
    )?;
    let page_size = query.page_size.unwrap_or(25);
    if !(1..=500).contains(&page_size) {
        return Err(ApiError::invalid_field(
            "invalid.value",
            "pageSize",
            "pageSize must be from 1 to 500",
        ));
    }
    let page_number = query.page_number.unwrap_or(1);
    if page_number < 1 {
        return Err(ApiError::invalid_field(
            "invalid.value",
            "pageNumber",
            "pageNumber must be at least 1",
        ));
    }
    let (page_size, page_number) = (page_size as usize, page_number as usize);
    let total = entries.len();
    let page: Vec<AuditLogMessage> = entries
        .into_iter()
        .skip((page_number - 1) * page_size)
        .take(page_size)
        .map(|entry| as_served(entry, expand_user))
        .collect();
    Ok(Json(without_nulls(json!({
        "entities": page, "pageSize": page_size, "pageNumber": page_number, "total": total,
        "pageCount": total.div_ceil(page_size).max(1),
    }))))
}

/// The user's name is only filled in when `expand=user` asks for it (the strict reading:
/// a real result without it showed `user {id, selfUri}`).
fn as_served(mut entry: AuditLogMessage, expand_user: bool) -> AuditLogMessage {
    if !expand_user {
        if let Some(user) = entry.user.as_mut() {
            user.name = None;
        }
    }
    entry
}

pub async fn service_mapping(Extension(caller): Extension<Caller>) -> ApiResult<Json<Value>> {
    caller.require("audits:audit:view")?;
    Ok(Json(
        json!({"services": [{"name": "WebDeployments", "entities": [
            {"name": "Configuration", "actions": ["Create", "Update", "Delete"]},
            {"name": "ConfigurationVersion", "actions": ["Publish"]},
            {"name": "Deployment", "actions": ["Create", "Update", "Delete"]},
        ]}]}),
    ))
}
