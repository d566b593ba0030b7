//! "Test connection": log in, then find out which screens the OAuth client's roles allow.
//!
//! Genesys Cloud has no endpoint that lists a client-credentials token's permissions, so
//! each permission is probed with one request that cannot change anything: reads ask for
//! one item; writes send a JSON array where an entity belongs, and edits and deletes
//! also target the nil id, so no server could create or change anything from them. The
//! API refuses them after its permission check (404 or 400). A 403 means the permission
//! is missing; any other refusal means the request got past the check. That Genesys
//! checks permissions before it reads the body is unverified; it is the order every
//! documented 403 example implies.

use serde::Serialize;
use serde_json::json;

use crate::genesys::client::ApiRequest;
use crate::genesys::{Client, Error};

const NIL: &str = "00000000-0000-0000-0000-000000000000";

/// The body of every write probe: an empty array, which no create or update can read
/// as a configuration or a deployment.
const NOT_AN_ENTITY: [(); 0] = [];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Access {
    Granted,
    Missing,
    /// The probe failed for another reason (server error, network); try again.
    Unknown,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PermissionCheck {
    pub permission: &'static str,
    pub access: Access,
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScreenAccess {
    pub screen: &'static str,
    pub ready: bool,
    pub permissions: Vec<PermissionCheck>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionReport {
    pub environment: String,
    pub organization: Option<String>,
    pub login_ms: u64,
    pub screens: Vec<ScreenAccess>,
    /// Every missing permission once, for the admin to add to the client's role.
    pub missing: Vec<&'static str>,
}

const CONFIGURATION_VIEW: &str = "webDeployments:configuration:view";
const CONFIGURATION_ADD: &str = "webDeployments:configuration:add";
const CONFIGURATION_EDIT: &str = "webDeployments:configuration:edit";
const CONFIGURATION_DELETE: &str = "webDeployments:configuration:delete";
const DEPLOYMENT_VIEW: &str = "webDeployments:deployment:view";
const DEPLOYMENT_ADD: &str = "webDeployments:deployment:add";
const DEPLOYMENT_EDIT: &str = "webDeployments:deployment:edit";
const DEPLOYMENT_DELETE: &str = "webDeployments:deployment:delete";
const QUEUE_VIEW: &str = "routing:queue:view";
const FLOW_VIEW: &str = "architect:flow:view";
const OBSERVATIONS: &str = "analytics:queueObservation:view";
const AGGREGATES: &str = "analytics:conversationAggregate:view";
const DETAILS: &str = "analytics:conversationDetail:view";
const AUDITS: &str = "audits:audit:view";

/// What each screen needs, from the permission table of the API contract.
pub const SCREENS: &[(&str, &[&str])] = &[
    (
        "Channels",
        &[
            CONFIGURATION_VIEW,
            DEPLOYMENT_VIEW,
            CONFIGURATION_DELETE,
            DEPLOYMENT_DELETE,
        ],
    ),
    (
        "Channel editor",
        &[
            CONFIGURATION_VIEW,
            CONFIGURATION_ADD,
            CONFIGURATION_EDIT,
            DEPLOYMENT_ADD,
            DEPLOYMENT_EDIT,
            QUEUE_VIEW,
            FLOW_VIEW,
        ],
    ),
    (
        "Publish",
        &[
            CONFIGURATION_VIEW,
            CONFIGURATION_ADD,
            CONFIGURATION_EDIT,
            DEPLOYMENT_VIEW,
            DEPLOYMENT_EDIT,
        ],
    ),
    (
        "Fallback",
        &[OBSERVATIONS, DEPLOYMENT_VIEW, DEPLOYMENT_EDIT, FLOW_VIEW],
    ),
    ("Queue monitor", &[QUEUE_VIEW, OBSERVATIONS]),
    ("Metrics & audit", &[AGGREGATES, DETAILS, AUDITS]),
    (
        "Export / import",
        &[
            CONFIGURATION_VIEW,
            DEPLOYMENT_VIEW,
            QUEUE_VIEW,
            FLOW_VIEW,
            CONFIGURATION_ADD,
            DEPLOYMENT_ADD,
        ],
    ),
];

fn probe(permission: &str) -> Result<ApiRequest, Error> {
    let hour_ago = chrono::Utc::now() - chrono::Duration::hours(1);
    let interval = format!(
        "{}/{}",
        hour_ago.to_rfc3339(),
        chrono::Utc::now().to_rfc3339()
    );
    let configurations = "/api/v2/webdeployments/configurations";
    let deployments = "/api/v2/webdeployments/deployments";
    Ok(match permission {
        CONFIGURATION_VIEW => ApiRequest::get(configurations).param("pageSize", 1),
        CONFIGURATION_ADD => ApiRequest::post(configurations, &NOT_AN_ENTITY)?,
        CONFIGURATION_EDIT => ApiRequest::put(
            format!("{configurations}/{NIL}/versions/draft"),
            &NOT_AN_ENTITY,
        )?,
        CONFIGURATION_DELETE => ApiRequest::delete(format!("{configurations}/{NIL}")),
        DEPLOYMENT_VIEW => ApiRequest::get(deployments).param("pageSize", 1),
        DEPLOYMENT_ADD => ApiRequest::post(deployments, &NOT_AN_ENTITY)?,
        DEPLOYMENT_EDIT => ApiRequest::put(format!("{deployments}/{NIL}"), &NOT_AN_ENTITY)?,
        DEPLOYMENT_DELETE => ApiRequest::delete(format!("{deployments}/{NIL}")),
        QUEUE_VIEW => ApiRequest::get("/api/v2/routing/queues").param("pageSize", 1),
        FLOW_VIEW => ApiRequest::get("/api/v2/flows")
            .param("type", "inboundshortmessage")
            .param("pageSize", 1),
        OBSERVATIONS => ApiRequest::query_post(
            "/api/v2/analytics/queues/observations/query",
            &json!({"filter": {"type": "or", "predicates": [{"dimension": "queueId", "value": NIL}]},
                    "metrics": ["oWaiting"]}),
        )?,
        AGGREGATES => ApiRequest::query_post(
            "/api/v2/analytics/conversations/aggregates/query",
            &json!({"interval": interval, "metrics": ["nOffered"]}),
        )?,
        DETAILS => ApiRequest::query_post(
            "/api/v2/analytics/conversations/details/query",
            &json!({"interval": interval, "paging": {"pageSize": 1, "pageNumber": 1}}),
        )?,
        _ => ApiRequest::query_post(
            "/api/v2/audits/query/realtime",
            &json!({"interval": interval, "serviceName": "WebDeployments", "pageSize": 1, "pageNumber": 1}),
        )?,
    })
}

async fn check(client: &Client, permission: &'static str) -> PermissionCheck {
    let outcome = match probe(permission) {
        Ok(request) => client.send(request).await,
        Err(error) => Err(error),
    };
    let (access, detail) = match outcome {
        Ok(()) => (Access::Granted, None),
        Err(error) => match error.status() {
            Some(403) => (Access::Missing, Some(error.to_string())),
            Some(status) if (400..500).contains(&status) && status != 429 => {
                (Access::Granted, None)
            }
            _ => (Access::Unknown, Some(error.to_string())),
        },
    };
    PermissionCheck {
        permission,
        access,
        detail,
    }
}

/// Logs in and probes every permission the screens need (one request each).
pub async fn test_connection(client: &Client) -> Result<ConnectionReport, Error> {
    let started = std::time::Instant::now();
    let me = client.tokens().me().await?;
    let login_ms = started.elapsed().as_millis() as u64;
    let mut permissions: Vec<&'static str> = SCREENS
        .iter()
        .flat_map(|(_, needs)| needs.iter().copied())
        .collect();
    permissions.sort_unstable();
    permissions.dedup();
    let checks = futures::future::join_all(
        permissions
            .iter()
            .map(|&permission| check(client, permission)),
    )
    .await;
    let find = |permission: &str| {
        checks
            .iter()
            .find(|c| c.permission == permission)
            .cloned()
            .unwrap_or(PermissionCheck {
                permission: "",
                access: Access::Unknown,
                detail: None,
            })
    };
    let screens = SCREENS
        .iter()
        .map(|(screen, needs)| {
            let permissions: Vec<PermissionCheck> = needs.iter().map(|p| find(p)).collect();
            ScreenAccess {
                screen,
                ready: permissions.iter().all(|p| p.access == Access::Granted),
                permissions,
            }
        })
        .collect();
    Ok(ConnectionReport {
        environment: client.environment().to_string(),
        organization: me.organization.and_then(|o| o.name),
        login_ms,
        screens,
        missing: checks
            .iter()
            .filter(|c| c.access == Access::Missing)
            .map(|c| c.permission)
            .collect(),
    })
}
