//! `/api/v2/webdeployments/configurations` and `/deployments`, with their lifecycles:
//! a written draft is `Pending` until it settles `Active`; only an `Active` draft can be
//! published; a created or updated deployment is `Pending` until it settles `Active`
//! (or `Error`, or stays `Pending`, as the fault controls say); a deleted deployment
//! answers 204, reads `Deleting` for the lifecycle delay, then 404s, and its
//! configuration cannot be deleted until it is gone.
//!
//! Bodies are checked against the published schema first ([`schema`]), then against the
//! write rules the contract states.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde_json::{json, Map, Value};
use tokio::time::Instant;

use genesys::schema;

use super::audit_trail::{record_audit, text_at, AuditEvent};
use super::body::{parse_object, without_nulls};
use super::error::{ApiError, ApiResult};
use super::gate::Caller;
use super::listing::cursor_page;
use super::params::Params;
use super::state::{iso, ConfigurationRecord, DeploymentRecord, Org, SandboxState, SettleOutcome};

const CONFIGURATIONS: &str = "/api/v2/webdeployments/configurations";
const DEPLOYMENTS: &str = "/api/v2/webdeployments/deployments";

/// Bounds that keep the Sandbox's memory finite. Genesys publishes no figure for
/// these; the refusal is the documented `resource.limit.exceeded` ErrorBody with its
/// `limit` object (namespace `web.deployments`), and the key names are ours.
pub const MAX_CONFIGURATIONS: usize = 1_000;
pub const MAX_DEPLOYMENTS: usize = 1_000;
pub const MAX_VERSIONS_PER_CONFIGURATION: usize = 2_000;
const LIMIT_NAMESPACE: &str = "web.deployments";

const CONFIGURATION_READ_ONLY: &[&str] = &[
    "id",
    "version",
    "dateCreated",
    "dateModified",
    "datePublished",
    "lastModifiedUser",
    "createdUser",
    "publishedUser",
    "status",
    "selfUri",
];
const DEPLOYMENT_READ_ONLY: &[&str] = &[
    "id",
    "snippet",
    "status",
    "dateCreated",
    "dateModified",
    "lastModifiedUser",
    "selfUri",
];

/// Parses a written body, checks it against the published schema as sent (an unknown
/// `status` is refused even though the value is then ignored), and drops the read-only
/// fields the server sets itself. Properties the schema does not know are dropped too,
/// at every depth: the API's typed models never store or return them.
fn writable_body(
    body: &[u8],
    shape: &schema::Shape,
    read_only: &[&str],
) -> ApiResult<Map<String, Value>> {
    let mut body = parse_object(body)?;
    schema::check(shape, &Value::Object(body.clone()))?;
    schema::retain_known_fields(shape, &mut body);
    Ok(strip(body, read_only))
}

fn strip(mut body: Map<String, Value>, read_only: &[&str]) -> Map<String, Value> {
    for field in read_only {
        body.remove(*field);
    }
    body
}

fn draft_view(record: &ConfigurationRecord) -> Value {
    let mut draft = record.draft.clone();
    let status = if Instant::now() >= record.draft_settles_at {
        "Active"
    } else {
        "Pending"
    };
    draft.insert("status".into(), json!(status));
    without_nulls(Value::Object(draft))
}

/// Checks a configuration body the way the API does: names the first offending field.
fn validate_configuration(body: &Map<String, Value>) -> ApiResult<()> {
    let name = body
        .get("name")
        .and_then(Value::as_str)
        .map(str::trim)
        .unwrap_or("");
    if name.is_empty() {
        return Err(ApiError::invalid_field(
            "constraint.validation",
            "name",
            "name may not be null or empty",
        ));
    }
    // Unverified: the 100-character limit is the admin UI's; the API's own bound is not
    // published.
    if name.chars().count() > 100 {
        return Err(ApiError::invalid_field(
            "constraint.validation",
            "name",
            "name must be 100 characters or fewer",
        ));
    }
    let value = Value::Object(body.clone());
    let messenger_enabled = value
        .pointer("/messenger/enabled")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let languages: Vec<&str> = value
        .get("languages")
        .and_then(Value::as_array)
        .map(|items| items.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let default_language = value.get("defaultLanguage").and_then(Value::as_str);
    if messenger_enabled && languages.is_empty() {
        return Err(ApiError::invalid_field(
            "constraint.validation",
            "languages",
            "languages is required when the messenger is enabled",
        ));
    }
    if messenger_enabled && default_language.is_none() {
        return Err(ApiError::invalid_field(
            "constraint.validation",
            "defaultLanguage",
            "defaultLanguage is required when the messenger is enabled",
        ));
    }
    if let Some(default_language) = default_language {
        if !languages.is_empty() && !languages.contains(&default_language) {
            return Err(ApiError::invalid_field(
                "invalid.value",
                "defaultLanguage",
                "defaultLanguage must be one of languages",
            ));
        }
    }
    let label_language = default_language.or(languages.first().copied());
    check_push_notification_labels(
        &value,
        label_language.into_iter().collect::<Vec<_>>().as_slice(),
    )?;
    Ok(())
}

/// With push notifications on, the `PushNotificationTitle` and `PushNotificationBody`
/// labels are required in one language set, the default language's: the terraform
/// provider's acceptance test enables notifications on `["en-us", "ja"]` with labels for
/// `en-us` only, and the SDK's schema requires the keys, not a set per language.
fn check_push_notification_labels(configuration: &Value, languages: &[&str]) -> ApiResult<()> {
    let enabled = configuration
        .pointer("/messenger/apps/conversations/notifications/enabled")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if !enabled {
        return Ok(());
    }
    let labels = configuration
        .get("customI18nLabels")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    for language in languages {
        let keys: Vec<&str> = labels
            .iter()
            .filter(|entry| entry.get("language").and_then(Value::as_str) == Some(language))
            .flat_map(|entry| {
                entry
                    .get("localizedLabels")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
            })
            .filter(|label| {
                label
                    .get("value")
                    .and_then(Value::as_str)
                    .is_some_and(|text| !text.trim().is_empty())
            })
            .filter_map(|label| label.get("key").and_then(Value::as_str))
            .collect();
        for required in ["PushNotificationTitle", "PushNotificationBody"] {
            if !keys.contains(&required) {
                return Err(ApiError::invalid_field(
                    "constraint.validation",
                    "customI18nLabels",
                    format!(
                        "Push notifications are enabled, so customI18nLabels needs a {required} label for language {language}."
                    ),
                ));
            }
        }
    }
    Ok(())
}

pub async fn list_configurations(
    State(state): State<SandboxState>,
    Extension(caller): Extension<Caller>,
    params: Params,
) -> ApiResult<Json<Value>> {
    caller.require("webDeployments:configuration:view")?;
    let only_published = params.flag("showOnlyPublished")?;
    let org = state.org();
    let drafts = org
        .configurations
        .iter()
        .filter(|record| !only_published || !record.versions.is_empty())
        .map(draft_view)
        .collect();
    Ok(Json(cursor_page(drafts, &params, CONFIGURATIONS)?))
}

pub async fn create_configuration(
    State(state): State<SandboxState>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    caller.require("webDeployments:configuration:add")?;
    let body = writable_body(
        &body,
        &schema::CONFIGURATION_VERSION,
        CONFIGURATION_READ_ONLY,
    )?;
    validate_configuration(&body)?;
    let now = state.now();
    let mut org = state.org();
    if org.configurations.len() >= MAX_CONFIGURATIONS {
        return Err(ApiError::limit_exceeded(
            LIMIT_NAMESPACE,
            "configurations.max",
            MAX_CONFIGURATIONS,
        ));
    }
    let id = uuid::Uuid::new_v4().to_string();
    let mut draft = body;
    let user = org.user_ref();
    draft.insert("id".into(), json!(id));
    draft.insert("version".into(), json!("DRAFT"));
    draft.insert("dateCreated".into(), json!(iso(now)));
    draft.insert("dateModified".into(), json!(iso(now)));
    draft.insert("createdUser".into(), user.clone());
    draft.insert("lastModifiedUser".into(), user);
    draft.insert("selfUri".into(), json!(format!("{CONFIGURATIONS}/{id}")));
    let name = text_at(&draft, "/name");
    let record = ConfigurationRecord {
        id: id.clone(),
        draft,
        draft_settles_at: Instant::now() + state.options().lifecycle_delay,
        versions: Vec::new(),
    };
    let view = draft_view(&record);
    org.configurations.push(record);
    record_audit(
        &mut org,
        &caller,
        now,
        AuditEvent {
            action: "Create",
            entity_type: "Configuration",
            entity_id: &id,
            entity_name: name.as_deref(),
            changes: vec![],
        },
    );
    Ok(Json(view))
}

pub async fn delete_configuration(
    State(state): State<SandboxState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    caller.require("webDeployments:configuration:delete")?;
    let now = state.now();
    let mut org = state.org();
    let record = org
        .configuration(&id)
        .ok_or_else(|| ApiError::not_found("configuration", &id))?;
    let name = text_at(&record.draft, "/name");
    let in_use = org
        .deployments
        .iter()
        .any(|d| text_at(&d.body, "/configuration/id").as_deref() == Some(id.as_str()));
    if in_use {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "resource.conflict",
            "Resource is used by another: a deployment still uses this configuration.",
        ));
    }
    org.configurations.retain(|record| record.id != id);
    record_audit(
        &mut org,
        &caller,
        now,
        AuditEvent {
            action: "Delete",
            entity_type: "Configuration",
            entity_id: &id,
            entity_name: name.as_deref(),
            changes: vec![],
        },
    );
    Ok(StatusCode::NO_CONTENT)
}

pub async fn list_versions(
    State(state): State<SandboxState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    params: Params,
) -> ApiResult<Json<Value>> {
    caller.require("webDeployments:configuration:view")?;
    let org = state.org();
    let record = org
        .configuration(&id)
        .ok_or_else(|| ApiError::not_found("configuration", &id))?;
    let mut versions = vec![draft_view(record)];
    versions.extend(
        record
            .versions
            .iter()
            .rev()
            .map(|v| without_nulls(Value::Object(v.clone()))),
    );
    Ok(Json(cursor_page(
        versions,
        &params,
        &format!("{CONFIGURATIONS}/{id}/versions"),
    )?))
}

pub async fn get_version(
    State(state): State<SandboxState>,
    Extension(caller): Extension<Caller>,
    Path((id, version)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    caller.require("webDeployments:configuration:view")?;
    let org = state.org();
    let record = org
        .configuration(&id)
        .ok_or_else(|| ApiError::not_found("configuration", &id))?;
    if version.eq_ignore_ascii_case("draft") {
        return Ok(Json(draft_view(record)));
    }
    let found = version
        .parse::<usize>()
        .ok()
        .and_then(|number| number.checked_sub(1))
        .and_then(|index| record.versions.get(index))
        .ok_or_else(|| ApiError::not_found("configuration version", &format!("{id}/{version}")))?;
    Ok(Json(without_nulls(Value::Object(found.clone()))))
}

pub async fn get_draft(
    state: State<SandboxState>,
    caller: Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    get_version(state, caller, Path((id, "draft".into()))).await
}

pub async fn put_draft(
    State(state): State<SandboxState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    caller.require("webDeployments:configuration:edit")?;
    let body = writable_body(
        &body,
        &schema::CONFIGURATION_VERSION,
        CONFIGURATION_READ_ONLY,
    )?;
    validate_configuration(&body)?;
    let now = state.now();
    let delay = state.options().lifecycle_delay;
    let mut org = state.org();
    let user = org.user_ref();
    let record = org
        .configuration_mut(&id)
        .ok_or_else(|| ApiError::not_found("configuration", &id))?;
    let old_name = text_at(&record.draft, "/name");
    let old_color = text_at(&record.draft, "/messenger/styles/primaryColor");
    let mut draft = body;
    for kept in ["dateCreated", "createdUser", "selfUri"] {
        if let Some(value) = record.draft.get(kept) {
            draft.insert(kept.into(), value.clone());
        }
    }
    draft.insert("id".into(), json!(id));
    draft.insert("version".into(), json!("DRAFT"));
    draft.insert("dateModified".into(), json!(iso(now)));
    draft.insert("lastModifiedUser".into(), user);
    record.draft = draft;
    record.draft_settles_at = Instant::now() + delay;
    let view = draft_view(record);
    let new_name = text_at(&record.draft, "/name");
    let new_color = text_at(&record.draft, "/messenger/styles/primaryColor");
    let mut changes = Vec::new();
    if old_name != new_name {
        changes.push(("name".to_string(), old_name, new_name.clone()));
    }
    if old_color != new_color {
        changes.push((
            "messenger.styles.primaryColor".to_string(),
            old_color,
            new_color,
        ));
    }
    record_audit(
        &mut org,
        &caller,
        now,
        AuditEvent {
            action: "Update",
            entity_type: "Configuration",
            entity_id: &id,
            entity_name: new_name.as_deref(),
            changes,
        },
    );
    Ok(Json(view))
}

pub async fn publish_draft(
    State(state): State<SandboxState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    caller.require("webDeployments:configuration:edit")?;
    caller.require("webDeployments:configuration:add")?;
    let now = state.now();
    let mut org = state.org();
    let user = org.user_ref();
    let record = org
        .configuration_mut(&id)
        .ok_or_else(|| ApiError::not_found("configuration", &id))?;
    if Instant::now() < record.draft_settles_at {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "illegal.operation",
            "The draft cannot be published while its status is Pending; wait until it is Active.",
        ));
    }
    if record.versions.len() >= MAX_VERSIONS_PER_CONFIGURATION {
        return Err(ApiError::limit_exceeded(
            LIMIT_NAMESPACE,
            "configuration.versions.max",
            MAX_VERSIONS_PER_CONFIGURATION,
        ));
    }
    let number = record.versions.len() + 1;
    let mut published = record.draft.clone();
    published.insert("version".into(), json!(number.to_string()));
    published.insert("status".into(), json!("Active"));
    published.insert("datePublished".into(), json!(iso(now)));
    published.insert("publishedUser".into(), user);
    record.versions.push(published.clone());
    let name = text_at(&published, "/name");
    record_audit(
        &mut org,
        &caller,
        now,
        AuditEvent {
            action: "Publish",
            entity_type: "ConfigurationVersion",
            entity_id: &id,
            entity_name: name.as_deref(),
            changes: vec![(
                "version".into(),
                (number > 1).then(|| (number - 1).to_string()),
                Some(number.to_string()),
            )],
        },
    );
    Ok(Json(without_nulls(Value::Object(published))))
}

/// Where a deployment's lifecycle stands now.
pub(super) fn deployment_status(record: &DeploymentRecord) -> &'static str {
    if record.deleted_at.is_some() {
        "Deleting"
    } else if Instant::now() < record.settles_at {
        "Pending"
    } else {
        match &record.outcome {
            SettleOutcome::Active => "Active",
            SettleOutcome::Error => "Error",
            SettleOutcome::StuckPending => "Pending",
        }
    }
}

fn deployment_view(org: &Org, record: &DeploymentRecord, expand_configuration: bool) -> Value {
    let mut body = record.body.clone();
    body.insert("status".into(), json!(deployment_status(record)));
    body.insert(
        "snippet".into(),
        json!(snippet(&org.public_base_url, &record.id)),
    );
    if expand_configuration {
        let configuration_id = text_at(&record.body, "/configuration/id").unwrap_or_default();
        let version = text_at(&record.body, "/configuration/version").unwrap_or_default();
        if let Some(full) = configuration_version(org, &configuration_id, &version) {
            body.insert("configuration".into(), Value::Object(full));
        }
    }
    without_nulls(Value::Object(body))
}

fn snippet(base_url: &str, deployment_id: &str) -> String {
    let loader = format!(
        "{}/genesys-bootstrap/genesys.min.js",
        base_url.trim_end_matches('/')
    );
    format!(
        "<script type=\"text/javascript\" charset=\"utf-8\">\n  (function (g, e, n, es, ys) {{\n    g['_genesysJs'] = e;\n    g[e] = g[e] || function () {{ (g[e].q = g[e].q || []).push(arguments) }};\n    g[e].t = 1 * new Date();\n    g[e].c = es;\n    ys = document.createElement('script'); ys.async = 1; ys.src = n; ys.charset = 'utf-8'; document.head.appendChild(ys);\n  }})(window, 'Genesys', '{loader}', {{\n    environment: 'sandbox',\n    deploymentId: '{deployment_id}'\n  }});\n</script>"
    )
}

pub(super) fn configuration_version(
    org: &Org,
    id: &str,
    version: &str,
) -> Option<Map<String, Value>> {
    let record = org.configuration(id)?;
    let index = version.parse::<usize>().ok()?.checked_sub(1)?;
    record.versions.get(index).cloned()
}

/// Validates a deployment body against the org; fills names of referenced entities.
fn validate_deployment(org: &Org, body: &mut Map<String, Value>) -> ApiResult<()> {
    let name = body
        .get("name")
        .and_then(Value::as_str)
        .map(str::trim)
        .unwrap_or("");
    if name.is_empty() {
        return Err(ApiError::invalid_field(
            "constraint.validation",
            "name",
            "name may not be null or empty",
        ));
    }
    let allow_all = body
        .get("allowAllDomains")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let domains = body
        .get("allowedDomains")
        .and_then(Value::as_array)
        .map(Vec::len)
        .unwrap_or(0);
    if allow_all && domains > 0 {
        return Err(ApiError::invalid_field(
            "invalid.value",
            "allowedDomains",
            "allowedDomains must be empty when allowAllDomains is true",
        ));
    }
    let configuration_id = text_at(body, "/configuration/id").ok_or_else(|| {
        ApiError::invalid_field(
            "constraint.validation",
            "configuration.id",
            "configuration.id may not be null",
        )
    })?;
    let version = text_at(body, "/configuration/version").ok_or_else(|| {
        ApiError::invalid_field(
            "constraint.validation",
            "configuration.version",
            "configuration.version may not be null",
        )
    })?;
    let published = configuration_version(org, &configuration_id, &version).ok_or_else(|| {
        ApiError::invalid_field(
            "invalid.value",
            "configuration.version",
            format!("Configuration {configuration_id} has no published version {version}."),
        )
    })?;
    if let Some(Value::Object(reference)) = body.get_mut("configuration") {
        reference.insert(
            "name".into(),
            published.get("name").cloned().unwrap_or(Value::Null),
        );
        reference.insert(
            "selfUri".into(),
            json!(format!("{CONFIGURATIONS}/{configuration_id}")),
        );
    }
    if let Some(flow_id) = text_at(body, "/flow/id") {
        // Whether the flow must also be published is unverified; the strict reading says
        // yes, since an unpublished flow cannot route anything.
        let flow = org
            .flow(&flow_id)
            .filter(|flow| flow.is_inbound_message_flow() && flow.published_version.is_some());
        let Some(flow) = flow else {
            let mut error = ApiError::invalid_field(
                "bad.flow.id",
                "flow.id",
                "The flow is not eligible for use here.",
            );
            error.body.entity_id = Some(flow_id);
            return Err(error);
        };
        if let Some(Value::Object(reference)) = body.get_mut("flow") {
            reference.insert("name".into(), json!(flow.name));
            reference.insert("selfUri".into(), json!(format!("/api/v2/flows/{flow_id}")));
        }
    }
    if let Some(content_id) = text_at(body, "/supportedContent/id") {
        if org.catalog.supported_content(&content_id).is_none() {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "scp.id.not.found",
                format!("Supported content profile {content_id} was not found."),
            ));
        }
    } else {
        body.insert(
            "supportedContent".into(),
            json!({"id": org.catalog.default_supported_content_id()}),
        );
    }
    Ok(())
}

fn settle_outcome(org: &mut Org, id: &str) -> SettleOutcome {
    org.deployment_outcomes
        .remove(id)
        .or_else(|| org.next_deployment_outcome.pop_front())
        .unwrap_or(SettleOutcome::Active)
}

pub async fn list_deployments(
    State(state): State<SandboxState>,
    Extension(caller): Extension<Caller>,
    params: Params,
) -> ApiResult<Json<Value>> {
    caller.require("webDeployments:deployment:view")?;
    let expand = params
        .all_of("expand", schema::DEPLOYMENTS_EXPAND)?
        .iter()
        .any(|e| e == "Configuration");
    let org = state.org();
    let items = org
        .deployments
        .iter()
        .map(|record| deployment_view(&org, record, expand))
        .collect();
    Ok(Json(cursor_page(items, &params, DEPLOYMENTS)?))
}

pub async fn get_deployment(
    State(state): State<SandboxState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    params: Params,
) -> ApiResult<Json<Value>> {
    caller.require("webDeployments:deployment:view")?;
    params.all_of("expand", schema::DEPLOYMENT_EXPAND)?;
    let org = state.org();
    let record = org
        .deployments
        .iter()
        .find(|r| r.id == id)
        .ok_or_else(|| ApiError::not_found("deployment", &id))?;
    Ok(Json(deployment_view(&org, record, false)))
}

pub async fn create_deployment(
    State(state): State<SandboxState>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    caller.require("webDeployments:deployment:add")?;
    let mut body = writable_body(&body, &schema::WEB_DEPLOYMENT, DEPLOYMENT_READ_ONLY)?;
    let now = state.now();
    let mut org = state.org();
    if org.deployments.len() >= MAX_DEPLOYMENTS {
        return Err(ApiError::limit_exceeded(
            LIMIT_NAMESPACE,
            "deployments.max",
            MAX_DEPLOYMENTS,
        ));
    }
    validate_deployment(&org, &mut body)?;
    let id = uuid::Uuid::new_v4().to_string();
    body.insert("id".into(), json!(id));
    body.insert("dateCreated".into(), json!(iso(now)));
    body.insert("dateModified".into(), json!(iso(now)));
    body.insert("lastModifiedUser".into(), org.user_ref());
    body.insert("selfUri".into(), json!(format!("{DEPLOYMENTS}/{id}")));
    let outcome = settle_outcome(&mut org, &id);
    let name = text_at(&body, "/name");
    let delay = state.options().lifecycle_delay;
    let mut record = DeploymentRecord {
        id: id.clone(),
        body,
        settles_at: Instant::now() + delay,
        outcome,
        deleted_at: None,
        served: Vec::new(),
    };
    record.serve_after(
        text_at(&record.body, "/configuration/version"),
        state.options().cdn_delay,
    );
    let view = deployment_view(&org, &record, false);
    org.deployments.push(record);
    record_audit(
        &mut org,
        &caller,
        now,
        AuditEvent {
            action: "Create",
            entity_type: "Deployment",
            entity_id: &id,
            entity_name: name.as_deref(),
            changes: vec![],
        },
    );
    Ok(Json(view))
}

pub async fn update_deployment(
    State(state): State<SandboxState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    caller.require("webDeployments:deployment:edit")?;
    let mut body = writable_body(&body, &schema::WEB_DEPLOYMENT, DEPLOYMENT_READ_ONLY)?;
    let now = state.now();
    let delay = state.options().lifecycle_delay;
    let mut org = state.org();
    match org.deployments.iter().find(|r| r.id == id) {
        None => return Err(ApiError::not_found("deployment", &id)),
        Some(record) if record.deleted_at.is_some() => return Err(being_deleted(&id)),
        Some(_) => {}
    }
    validate_deployment(&org, &mut body)?;
    let outcome = settle_outcome(&mut org, &id);
    let user = org.user_ref();
    let Some(record) = org.deployment_mut(&id) else {
        return Err(ApiError::not_found("deployment", &id));
    };
    let tracked = [
        "/flow/id",
        "/configuration/version",
        "/name",
        "/allowAllDomains",
    ];
    let before: Vec<Option<String>> = tracked.iter().map(|p| text_at(&record.body, p)).collect();
    for kept in ["dateCreated", "selfUri"] {
        if let Some(value) = record.body.get(kept) {
            body.insert(kept.into(), value.clone());
        }
    }
    body.insert("id".into(), json!(id));
    body.insert("dateModified".into(), json!(iso(now)));
    body.insert("lastModifiedUser".into(), user);
    record.body = body;
    record.settles_at = Instant::now() + delay;
    record.outcome = outcome;
    record.serve_after(
        text_at(&record.body, "/configuration/version"),
        state.options().cdn_delay,
    );
    let changes = tracked
        .iter()
        .zip(before)
        .filter_map(|(pointer, old)| {
            let new = text_at(&record.body, pointer);
            (old != new).then(|| (pointer.trim_start_matches('/').replace('/', "."), old, new))
        })
        .collect();
    let name = text_at(&record.body, "/name");
    let record = record.clone();
    let view = deployment_view(&org, &record, false);
    record_audit(
        &mut org,
        &caller,
        now,
        AuditEvent {
            action: "Update",
            entity_type: "Deployment",
            entity_id: &id,
            entity_name: name.as_deref(),
            changes,
        },
    );
    Ok(Json(view))
}

fn being_deleted(id: &str) -> ApiError {
    let mut error = ApiError::new(
        StatusCode::CONFLICT,
        "request.conflict",
        format!("Deployment {id} is being deleted."),
    );
    error.body.entity_id = Some(id.to_string());
    error
}

/// 204 at once; the deployment reads `Deleting` until the lifecycle delay has passed
/// (how long a real one does is unverified; terraform polls until 404).
pub async fn delete_deployment(
    State(state): State<SandboxState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    caller.require("webDeployments:deployment:delete")?;
    let now = state.now();
    let gone_at = Instant::now() + state.options().lifecycle_delay;
    let mut org = state.org();
    let record = org
        .deployment_mut(&id)
        .ok_or_else(|| ApiError::not_found("deployment", &id))?;
    if record.deleted_at.is_some() {
        return Ok(StatusCode::NO_CONTENT);
    }
    record.deleted_at = Some(gone_at);
    let name = text_at(&record.body, "/name");
    org.deployments
        .retain(|r| r.id != id || r.deleted_at.is_some_and(|gone| gone > Instant::now()));
    record_audit(
        &mut org,
        &caller,
        now,
        AuditEvent {
            action: "Delete",
            entity_type: "Deployment",
            entity_id: &id,
            entity_name: name.as_deref(),
            changes: vec![],
        },
    );
    Ok(StatusCode::NO_CONTENT)
}

/// What the Messenger loads: no permission needed, as in the real API.
pub async fn active_configuration(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let org = state.org();
    let record = org
        .deployments
        .iter()
        .find(|r| r.id == id)
        .ok_or_else(|| ApiError::not_found("deployment", &id))?;
    let configuration_id = text_at(&record.body, "/configuration/id").unwrap_or_default();
    let version = text_at(&record.body, "/configuration/version").unwrap_or_default();
    let configuration =
        configuration_version(&org, &configuration_id, &version).ok_or_else(|| {
            ApiError::not_found(
                "configuration version",
                &format!("{configuration_id}/{version}"),
            )
        })?;
    let deployment = deployment_view(&org, record, false);
    Ok(Json(json!({
        "configurationVersion": without_nulls(Value::Object(configuration)),
        "deployment": deployment,
    }))
    .into_response())
}
