//! What a configuration and a deployment point at besides queues and flows: supported
//! content profiles (`/api/v2/conversations/messaging/supportedcontent`), knowledge bases
//! (`/api/v2/knowledge/knowledgebases`) and integrations (`/api/v2/integrations`, where
//! Messenger authentication's login integration lives). Shapes follow the official SDK's
//! `SupportedContentListing`, `KnowledgeBaseListing` and `IntegrationEntityListing`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde_json::{json, Value};

use super::error::{ApiError, ApiResult};
use super::gate::Caller;
use super::listing::{cursor_page, number_page};
use super::params::Params;
use super::state::{entity_id, Catalog, SandboxState};
use super::traffic::uuid_from;

/// The permissions these listings need. Their names follow the admin UI's permission
/// tree; Genesys publishes them per endpoint only in the API explorer (unverified).
const SUPPORTED_CONTENT_VIEW: &str = "messaging:supportedContent:view";
const KNOWLEDGE_BASE_VIEW: &str = "knowledge:knowledgebase:view";
const INTEGRATION_VIEW: &str = "integrations:integration:view";

pub const SUPPORTED_CONTENT_PATH: &str = "/api/v2/conversations/messaging/supportedcontent";

/// Two supported content profiles (images only, the default; images and PDF), two
/// knowledge bases and three integrations, one of them an OpenID Connect login.
pub fn seeded_catalog(rng: &mut fastrand::Rng, created: &str) -> Catalog {
    let profile = |id: String, name: &str, inbound: &[&str], outbound: &[&str]| {
        let types = |list: &[&str]| -> Vec<Value> {
            list.iter().map(|kind| json!({"type": kind})).collect()
        };
        json!({
            "id": id, "name": name, "version": 1,
            "dateCreated": created, "dateModified": created,
            "mediaTypes": {"allow": {"inbound": types(inbound), "outbound": types(outbound)}},
            "selfUri": format!("{SUPPORTED_CONTENT_PATH}/{id}"),
        })
    };
    let supported_content = vec![
        profile(
            uuid_from(rng),
            "Default Supported Content Profile",
            &["image/jpeg", "image/png", "image/gif"],
            &["image/*"],
        ),
        profile(
            uuid_from(rng),
            "Images and PDF",
            &["image/*", "application/pdf"],
            &["image/*", "application/pdf"],
        ),
    ];
    let knowledge_base = |id: String, name: &str, articles: u32| {
        json!({
            "id": id, "name": name, "description": format!("{name} articles"),
            "coreLanguage": "en-US", "dateCreated": created, "dateModified": created,
            "faqCount": 0, "articleCount": articles, "published": true,
            "selfUri": format!("/api/v2/knowledge/knowledgebases/{id}"),
        })
    };
    let knowledge_bases = vec![
        knowledge_base(uuid_from(rng), "Help Center", 42),
        knowledge_base(uuid_from(rng), "Returns FAQ", 7),
    ];
    let integration = |id: String, name: &str, kind: &str, kind_name: &str| {
        json!({
            "id": id, "name": name,
            "integrationType": {"id": kind, "name": kind_name,
                "selfUri": format!("/api/v2/integrations/types/{kind}")},
            "notes": "", "intendedState": "ENABLED",
            "reportedState": {"code": "ACTIVE"},
            "attributes": {},
            "selfUri": format!("/api/v2/integrations/{id}"),
        })
    };
    let integrations = vec![
        integration(
            uuid_from(rng),
            "Customer Login",
            "openid-connect",
            "OpenID Connect Messenger Configuration",
        ),
        integration(
            uuid_from(rng),
            "Order Lookup Actions",
            "custom-rest-actions",
            "Web Services Data Actions",
        ),
        integration(
            uuid_from(rng),
            "Mobile Push",
            "apns",
            "Apple Push Notification Service",
        ),
    ];
    Catalog {
        supported_content,
        knowledge_bases,
        integrations,
    }
}

pub async fn list_supported_content(
    State(state): State<SandboxState>,
    Extension(caller): Extension<Caller>,
    params: Params,
) -> ApiResult<Json<Value>> {
    caller.require(SUPPORTED_CONTENT_VIEW)?;
    let items = state.org().catalog.supported_content.clone();
    Ok(Json(number_page(
        items,
        &params,
        SUPPORTED_CONTENT_PATH,
        100,
    )?))
}

pub async fn get_supported_content(
    State(state): State<SandboxState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    caller.require(SUPPORTED_CONTENT_VIEW)?;
    let org = state.org();
    let found = if id == "default" {
        org.catalog.supported_content.first()
    } else {
        org.catalog.supported_content(&id)
    };
    found.cloned().map(Json).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "scp.id.not.found",
            format!("Supported content profile {id} was not found."),
        )
    })
}

pub async fn list_knowledge_bases(
    State(state): State<SandboxState>,
    Extension(caller): Extension<Caller>,
    params: Params,
) -> ApiResult<Json<Value>> {
    caller.require(KNOWLEDGE_BASE_VIEW)?;
    params.one_of("sortOrder", &["ASC", "DESC"])?;
    params.one_of("sortBy", &["Name", "Title"])?;
    params.flag("published")?;
    let mut items: Vec<Value> = state
        .org()
        .catalog
        .knowledge_bases
        .iter()
        .filter(|base| {
            params.get("name").is_none_or(|name| {
                let actual = base.get("name").and_then(Value::as_str).unwrap_or("");
                actual.to_lowercase().contains(&name.to_lowercase())
            })
        })
        .cloned()
        .collect();
    if params.get("sortOrder") == Some("DESC") {
        items.reverse();
    }
    let mut page = cursor_page(items, &params, "/api/v2/knowledge/knowledgebases")?;
    // A knowledge base listing has no total (`KnowledgeBaseListing`).
    if let Some(page) = page.as_object_mut() {
        page.remove("total");
    }
    Ok(Json(page))
}

pub async fn list_integrations(
    State(state): State<SandboxState>,
    Extension(caller): Extension<Caller>,
    params: Params,
) -> ApiResult<Json<Value>> {
    caller.require(INTEGRATION_VIEW)?;
    let kind = params.get("integrationType").map(str::to_string);
    let items: Vec<Value> = state
        .org()
        .catalog
        .integrations
        .iter()
        .filter(|integration| {
            kind.as_deref().is_none_or(|kind| {
                integration
                    .pointer("/integrationType/id")
                    .and_then(Value::as_str)
                    == Some(kind)
            })
        })
        .cloned()
        .collect();
    Ok(Json(number_page(
        items,
        &params,
        "/api/v2/integrations",
        100,
    )?))
}

pub async fn get_integration(
    State(state): State<SandboxState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    caller.require(INTEGRATION_VIEW)?;
    let org = state.org();
    org.catalog
        .integrations
        .iter()
        .find(|i| entity_id(i) == id)
        .cloned()
        .map(Json)
        .ok_or_else(|| ApiError::not_found("integration", &id))
}
