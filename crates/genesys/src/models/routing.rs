//! Routing queues and their estimated wait time (`/api/v2/routing/queues`).
//!
//! A queue carries no live numbers; those come from analytics observations.

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use super::{EntityRef, Extra};

/// `Queue` (the fields this app reads; the rest is kept in `extra`).
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Queue {
    pub id: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub division: Option<EntityRef>,
    pub date_created: Option<String>,
    pub date_modified: Option<String>,
    pub modified_by: Option<String>,
    pub created_by: Option<String>,
    pub member_count: Option<i64>,
    pub user_member_count: Option<i64>,
    pub joined_member_count: Option<i64>,
    pub media_settings: Option<QueueMediaSettings>,
    pub message_in_queue_flow: Option<EntityRef>,
    pub acw_settings: Option<serde_json::Value>,
    pub skill_evaluation_method: Option<String>,
    pub scoring_method: Option<String>,
    pub last_agent_routing_mode: Option<String>,
    pub member_groups: Option<Vec<serde_json::Value>>,
    pub self_uri: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct QueueMediaSettings {
    pub call: Option<serde_json::Value>,
    pub callback: Option<serde_json::Value>,
    pub chat: Option<serde_json::Value>,
    pub email: Option<serde_json::Value>,
    pub message: Option<MessageMediaSettings>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MessageMediaSettings {
    pub enable_auto_answer: Option<bool>,
    pub alerting_timeout_seconds: Option<i64>,
    pub service_level: Option<ServiceLevel>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ServiceLevel {
    /// 0.0 to 1.0.
    pub percentage: Option<f64>,
    pub duration_ms: Option<i64>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `EstimatedWaitTimePredictions`.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EstimatedWaitTimePredictions {
    pub results: Vec<PredictionResults>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl EstimatedWaitTimePredictions {
    /// The estimate to show: the message intent's when present, else the first.
    pub fn message_estimate_seconds(&self) -> Option<i64> {
        self.results
            .iter()
            .find(|result| result.intent.as_deref() == Some("MESSAGE"))
            .or_else(|| self.results.first())
            .map(|result| result.estimated_wait_time_seconds)
    }
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PredictionResults {
    /// `ALL`, `CALL`, `CALLBACK`, `CHAT`, `EMAIL`, `SOCIALEXPRESSION`, `VIDEOCOMM`, `MESSAGE`.
    pub intent: Option<String>,
    /// `BEST`, `SIMPLE`, `ABANDON`, `PATIENCE_ABANDON`, `AI-ADJUSTED-AHT`, `POSITION-IN-QUEUE`.
    pub formula: String,
    pub estimated_wait_time_seconds: i64,
    pub label: Option<EntityRef>,
    #[serde(flatten)]
    pub extra: Extra,
}
