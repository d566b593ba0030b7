//! Permission probes: one request per permission that cannot change anything, for
//! *Test connection*.
//!
//! Genesys Cloud has no endpoint that lists a client-credentials token's permissions.
//! Reads ask for one item; writes send a JSON array where an entity belongs, and edits
//! and deletes also target the nil id, so no server could create or change anything
//! from them. The API refuses them after its permission check (404 or 400): a 403 means
//! the permission is missing. That Genesys checks permissions before it reads the body
//! is unverified; it is the order every documented 403 example implies.

use serde_json::json;

use crate::client::ApiRequest;
use crate::{Client, Error};

const NIL: &str = "00000000-0000-0000-0000-000000000000";
const CONFIGURATIONS: &str = "/api/v2/webdeployments/configurations";
const DEPLOYMENTS: &str = "/api/v2/webdeployments/deployments";

/// The body of every write probe: an empty array, which no create or update can read
/// as a configuration or a deployment.
const NOT_AN_ENTITY: [(); 0] = [];

/// A permission the app's screens need, as the API names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Permission {
    ConfigurationView,
    ConfigurationAdd,
    ConfigurationEdit,
    ConfigurationDelete,
    DeploymentView,
    DeploymentAdd,
    DeploymentEdit,
    DeploymentDelete,
    QueueView,
    FlowView,
    QueueObservations,
    ConversationAggregates,
    ConversationDetails,
    Audits,
    /// Ending a synthetic visitor's conversation at the end of a drive or run.
    ConversationDisconnect,
}

impl Permission {
    pub fn name(self) -> &'static str {
        match self {
            Permission::ConfigurationView => "webDeployments:configuration:view",
            Permission::ConfigurationAdd => "webDeployments:configuration:add",
            Permission::ConfigurationEdit => "webDeployments:configuration:edit",
            Permission::ConfigurationDelete => "webDeployments:configuration:delete",
            Permission::DeploymentView => "webDeployments:deployment:view",
            Permission::DeploymentAdd => "webDeployments:deployment:add",
            Permission::DeploymentEdit => "webDeployments:deployment:edit",
            Permission::DeploymentDelete => "webDeployments:deployment:delete",
            Permission::QueueView => "routing:queue:view",
            Permission::FlowView => "architect:flow:view",
            Permission::QueueObservations => "analytics:queueObservation:view",
            Permission::ConversationAggregates => "analytics:conversationAggregate:view",
            Permission::ConversationDetails => "analytics:conversationDetail:view",
            Permission::Audits => "audits:audit:view",
            Permission::ConversationDisconnect => "conversation:communication:disconnect",
        }
    }

    /// Whether its probe is a write (sent with a body that cannot be an entity).
    pub fn probe_writes(self) -> bool {
        matches!(
            self,
            Permission::ConfigurationAdd
                | Permission::ConfigurationEdit
                | Permission::ConfigurationDelete
                | Permission::DeploymentAdd
                | Permission::DeploymentEdit
                | Permission::DeploymentDelete
                | Permission::ConversationDisconnect
        )
    }

    fn probe(self) -> Result<ApiRequest, Error> {
        let hour_ago = chrono::Utc::now() - chrono::Duration::hours(1);
        let interval = format!(
            "{}/{}",
            hour_ago.to_rfc3339(),
            chrono::Utc::now().to_rfc3339()
        );
        Ok(match self {
            Permission::ConfigurationView => ApiRequest::get(CONFIGURATIONS).param("pageSize", 1),
            Permission::ConfigurationAdd => ApiRequest::post(CONFIGURATIONS, &NOT_AN_ENTITY)?,
            Permission::ConfigurationEdit => ApiRequest::put(
                format!("{CONFIGURATIONS}/{NIL}/versions/draft"),
                &NOT_AN_ENTITY,
            )?,
            Permission::ConfigurationDelete => {
                ApiRequest::delete(format!("{CONFIGURATIONS}/{NIL}"))
            }
            Permission::DeploymentView => ApiRequest::get(DEPLOYMENTS).param("pageSize", 1),
            Permission::DeploymentAdd => ApiRequest::post(DEPLOYMENTS, &NOT_AN_ENTITY)?,
            Permission::DeploymentEdit => {
                ApiRequest::put(format!("{DEPLOYMENTS}/{NIL}"), &NOT_AN_ENTITY)?
            }
            Permission::DeploymentDelete => ApiRequest::delete(format!("{DEPLOYMENTS}/{NIL}")),
            Permission::QueueView => ApiRequest::get("/api/v2/routing/queues").param("pageSize", 1),
            Permission::FlowView => ApiRequest::get("/api/v2/flows")
                .param("type", "inboundshortmessage")
                .param("pageSize", 1),
            Permission::QueueObservations => ApiRequest::query_post(
                "/api/v2/analytics/queues/observations/query",
                &json!({"filter": {"type": "or", "predicates": [{"dimension": "queueId", "value": NIL}]},
                        "metrics": ["oWaiting"]}),
            )?,
            Permission::ConversationAggregates => ApiRequest::query_post(
                "/api/v2/analytics/conversations/aggregates/query",
                &json!({"interval": interval, "metrics": ["nOffered"]}),
            )?,
            Permission::ConversationDetails => ApiRequest::query_post(
                "/api/v2/analytics/conversations/details/query",
                &json!({"interval": interval, "paging": {"pageSize": 1, "pageNumber": 1}}),
            )?,
            Permission::ConversationDisconnect => ApiRequest::patch(
                format!("/api/v2/conversations/messages/{NIL}/participants/{NIL}"),
                &NOT_AN_ENTITY,
            )?,
            Permission::Audits => ApiRequest::query_post(
                "/api/v2/audits/query/realtime",
                &json!({"interval": interval, "serviceName": "WebDeployments", "pageSize": 1, "pageNumber": 1}),
            )?,
        })
    }
}

/// What a probe found.
#[derive(Debug)]
pub enum ProbeOutcome {
    Granted,
    /// 403: the client's roles lack it.
    Missing(Error),
    /// Not known: a server error, the network, a rate limit, or a write probe on a
    /// read-only connection (which sends nothing).
    Unknown(Error),
}

pub struct Probes<'a> {
    pub(super) client: &'a Client,
}

impl Probes<'_> {
    /// Probes one permission with one request that changes nothing. A read-only client
    /// sends no write probe.
    pub async fn probe(&self, permission: Permission) -> ProbeOutcome {
        let outcome = match permission.probe() {
            Ok(request) => self.client.send(request).await,
            Err(error) => Err(error),
        };
        match outcome {
            Ok(()) => ProbeOutcome::Granted,
            Err(error) => match error.status() {
                Some(403) => ProbeOutcome::Missing(error),
                Some(status) if (400..500).contains(&status) && status != 429 => {
                    ProbeOutcome::Granted
                }
                _ => ProbeOutcome::Unknown(error),
            },
        }
    }
}
