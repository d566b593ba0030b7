//! The audit API: change history of web deployments and configurations.

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use super::{open_enum, EntityRef, Extra};

/// `serviceName` of web deployment audits.
pub const WEB_DEPLOYMENTS_SERVICE: &str = "WebDeployments";

open_enum!(
    AuditQueryState {
        Queued => "Queued",
        Running => "Running",
        Succeeded => "Succeeded",
        Failed => "Failed",
        Cancelled => "Cancelled",
    }
);

/// `AuditQueryRequest` (asynchronous query).
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AuditQueryRequest {
    /// `start/end`, ISO-8601.
    pub interval: String,
    pub service_name: Option<String>,
    pub filters: Option<Vec<AuditQueryFilter>>,
    pub sort: Option<Vec<AuditQuerySort>>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `AuditRealtimeQueryRequest`: the same plus page-number paging.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AuditRealtimeQueryRequest {
    pub interval: String,
    pub service_name: Option<String>,
    pub filters: Option<Vec<AuditQueryFilter>>,
    pub sort: Option<Vec<AuditQuerySort>>,
    pub page_number: Option<u32>,
    pub page_size: Option<u32>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditQueryFilter {
    /// `UserId`, `TrusteeOrganizationId`, `ClientId`, `Action`, `EntityType`, `EntityId`.
    pub property: String,
    pub value: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditQuerySort {
    /// `Timestamp`.
    pub name: String,
    /// `ascending` or `descending`.
    pub sort_order: String,
}

/// `AuditQueryExecutionStatusResponse`.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AuditQueryExecutionStatusResponse {
    pub id: Option<String>,
    pub state: Option<AuditQueryState>,
    pub start_date: Option<String>,
    pub interval: Option<String>,
    pub service_name: Option<String>,
    pub filters: Option<Vec<AuditQueryFilter>>,
    pub sort: Option<Vec<AuditQuerySort>>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `AuditQueryExecutionResultsResponse`: one cursor page.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AuditQueryExecutionResultsResponse {
    pub id: Option<String>,
    pub page_size: Option<u32>,
    pub cursor: Option<String>,
    pub entities: Vec<AuditLogMessage>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `AuditRealtimeQueryResultsResponse`: one page-number page.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AuditRealtimeQueryResultsResponse {
    pub entities: Vec<AuditLogMessage>,
    pub page_size: Option<u32>,
    pub page_number: Option<u32>,
    pub total: Option<u64>,
    pub page_count: Option<u32>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `AuditLogMessage`.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AuditLogMessage {
    pub id: Option<String>,
    pub user: Option<EntityRef>,
    pub client: Option<EntityRef>,
    pub remote_ip: Option<Vec<String>>,
    pub service_name: Option<String>,
    /// `USER`, `SYSTEM`, `GENESYS_INTERNAL`.
    pub level: Option<String>,
    pub event_date: Option<String>,
    pub message: Option<AuditMessage>,
    pub action: Option<String>,
    pub entity: Option<EntityRef>,
    pub entity_type: Option<String>,
    /// `SUCCESS`, `FAILURE`, `WARNING`.
    pub status: Option<String>,
    pub application: Option<String>,
    pub initiating_action: Option<serde_json::Value>,
    pub transaction_initiator: Option<bool>,
    pub property_changes: Option<Vec<AuditPropertyChange>>,
    pub entity_changes: Option<Vec<serde_json::Value>>,
    pub context: Option<serde_json::Map<String, serde_json::Value>>,
    pub user_home_org_id: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AuditMessage {
    pub message: Option<String>,
    pub message_with_params: Option<String>,
    pub message_params: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AuditPropertyChange {
    pub property: Option<String>,
    pub old_values: Option<Vec<String>>,
    pub new_values: Option<Vec<String>>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `servicemapping`: valid service, entity type and action names.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AuditServiceMapping {
    pub services: Vec<AuditService>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AuditService {
    pub name: String,
    pub entities: Vec<AuditServiceEntity>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AuditServiceEntity {
    pub name: String,
    pub actions: Vec<String>,
}
