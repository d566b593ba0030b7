//! Analytics queries: live queue observations, conversation activity, conversation
//! details and aggregates.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use super::Extra;

/// Observation metric names (`QueueObservationQuery.metrics`).
pub mod metric {
    pub const ACTIVE_USERS: &str = "oActiveUsers";
    pub const ALERTING: &str = "oAlerting";
    pub const INTERACTING: &str = "oInteracting";
    pub const LONGEST_INTERACTING: &str = "oLongestInteracting";
    pub const LONGEST_WAITING: &str = "oLongestWaiting";
    pub const MEMBER_USERS: &str = "oMemberUsers";
    pub const OFF_QUEUE_USERS: &str = "oOffQueueUsers";
    pub const ON_QUEUE_USERS: &str = "oOnQueueUsers";
    pub const USER_PRESENCES: &str = "oUserPresences";
    pub const USER_ROUTING_STATUSES: &str = "oUserRoutingStatuses";
    pub const WAITING: &str = "oWaiting";

    /// All eleven, as the published schema lists them.
    pub const ALL: &[&str] = &[
        "oActiveUsers",
        "oAlerting",
        "oInteracting",
        "oLongestInteracting",
        "oLongestWaiting",
        "oMemberUsers",
        "oOffQueueUsers",
        "oOnQueueUsers",
        "oUserPresences",
        "oUserRoutingStatuses",
        "oWaiting",
    ];
}

/// A filter: `{type: and|or, predicates, clauses}`, as all analytics queries take it.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AnalyticsFilter {
    #[serde(rename = "type")]
    pub filter_type: String,
    pub predicates: Option<Vec<AnalyticsPredicate>>,
    pub clauses: Option<Vec<AnalyticsClause>>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl AnalyticsFilter {
    /// `or` over `dimension = value` for each value: the usual "these queues" filter.
    pub fn any_of(dimension: &str, values: impl IntoIterator<Item = impl Into<String>>) -> Self {
        AnalyticsFilter {
            filter_type: "or".into(),
            predicates: Some(
                values
                    .into_iter()
                    .map(|value| AnalyticsPredicate::dimension(dimension, value))
                    .collect(),
            ),
            ..Default::default()
        }
    }

    /// `and` over the given predicates.
    pub fn all_of(predicates: Vec<AnalyticsPredicate>) -> Self {
        AnalyticsFilter {
            filter_type: "and".into(),
            predicates: Some(predicates),
            ..Default::default()
        }
    }
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AnalyticsClause {
    #[serde(rename = "type")]
    pub clause_type: String,
    pub predicates: Vec<AnalyticsPredicate>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AnalyticsPredicate {
    /// `dimension`, `property` or `metric`.
    #[serde(rename = "type")]
    pub predicate_type: Option<String>,
    pub dimension: Option<String>,
    pub metric: Option<String>,
    pub property: Option<String>,
    pub property_type: Option<String>,
    /// `matches` (default), `exists`, `notExists`.
    pub operator: Option<String>,
    pub value: Option<String>,
    pub range: Option<NumericRange>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl AnalyticsPredicate {
    pub fn dimension(dimension: &str, value: impl Into<String>) -> Self {
        AnalyticsPredicate {
            predicate_type: Some("dimension".into()),
            dimension: Some(dimension.into()),
            operator: Some("matches".into()),
            value: Some(value.into()),
            ..Default::default()
        }
    }

    /// The dimension has no value (`notExists`), e.g. a conversation not yet ended.
    pub fn absent(dimension: &str) -> Self {
        AnalyticsPredicate {
            predicate_type: Some("dimension".into()),
            dimension: Some(dimension.into()),
            operator: Some("notExists".into()),
            ..Default::default()
        }
    }
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NumericRange {
    pub gt: Option<f64>,
    pub gte: Option<f64>,
    pub lt: Option<f64>,
    pub lte: Option<f64>,
}

/// `QueueObservationQuery`.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct QueueObservationQuery {
    pub filter: AnalyticsFilter,
    pub metrics: Vec<String>,
    pub detail_metrics: Option<Vec<String>>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `QueueObservationQueryResponse`.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct QueueObservationQueryResponse {
    pub results: Vec<QueueObservationDataContainer>,
    pub system_to_organization_mappings: Option<BTreeMap<String, Vec<String>>>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl QueueObservationQueryResponse {
    /// The conversation metrics of one queue for one media type (`message` for web
    /// messaging). Genesys reports them one group per `queueId` + `mediaType`, so adding
    /// up every group of a queue would count its calls and emails too.
    pub fn conversation_metrics<'a>(
        &'a self,
        queue_id: &'a str,
        media_type: &'a str,
    ) -> impl Iterator<Item = &'a ObservationMetricData> + 'a {
        self.results
            .iter()
            .filter(move |r| {
                r.group.get("queueId").map(String::as_str) == Some(queue_id)
                    && r.group.get("mediaType").map(String::as_str) == Some(media_type)
            })
            .flat_map(|r| r.data.iter())
    }

    /// The user (agent) metrics of one queue: the `{queueId}` group, with no media type.
    pub fn user_metrics<'a>(
        &'a self,
        queue_id: &'a str,
    ) -> impl Iterator<Item = &'a ObservationMetricData> + 'a {
        self.results
            .iter()
            .filter(move |r| {
                r.group.get("queueId").map(String::as_str) == Some(queue_id)
                    && !r.group.contains_key("mediaType")
            })
            .flat_map(|r| r.data.iter())
    }
}

/// The analytics `mediaType` of Web Messaging conversations.
pub const WEB_MESSAGING_MEDIA: &str = "message";

#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct QueueObservationDataContainer {
    pub group: BTreeMap<String, String>,
    pub data: Vec<ObservationMetricData>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ObservationMetricData {
    pub metric: String,
    pub qualifier: Option<String>,
    pub stats: StatisticalSummary,
    pub truncated: Option<bool>,
    pub observations: Option<Vec<QueueObservationDetail>>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `StatisticalSummary`.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct StatisticalSummary {
    pub count: Option<i64>,
    pub count_negative: Option<i64>,
    pub count_positive: Option<i64>,
    pub p95: Option<i64>,
    pub p99: Option<i64>,
    pub calculated_metric_value: Option<i64>,
    pub max: Option<f64>,
    pub min: Option<f64>,
    pub sum: Option<f64>,
    pub current: Option<f64>,
    pub ratio: Option<f64>,
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
    pub target: Option<f64>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// One waiting or interacting conversation (`detailMetrics`), oldest first.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct QueueObservationDetail {
    pub observation_date: Option<String>,
    pub conversation_id: Option<String>,
    pub session_id: Option<String>,
    pub user_id: Option<String>,
    pub participant_name: Option<String>,
    pub direction: Option<String>,
    pub routing_priority: Option<i64>,
    pub address_from: Option<String>,
    pub address_to: Option<String>,
    pub used_routing: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `ConversationQuery` (details).
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ConversationQuery {
    pub interval: String,
    pub order: Option<String>,
    pub order_by: Option<String>,
    pub paging: Option<PagingSpec>,
    pub conversation_filters: Option<Vec<AnalyticsFilter>>,
    pub segment_filters: Option<Vec<AnalyticsFilter>>,
    pub aggregations: Option<Vec<serde_json::Value>>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PagingSpec {
    pub page_size: u32,
    pub page_number: u32,
}

/// `AnalyticsConversationQueryResponse`.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AnalyticsConversationQueryResponse {
    pub conversations: Option<Vec<AnalyticsConversation>>,
    pub total_hits: Option<u64>,
    pub aggregations: Option<Vec<serde_json::Value>>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AnalyticsConversation {
    pub conversation_id: Option<String>,
    pub conversation_start: Option<String>,
    pub conversation_end: Option<String>,
    pub conversation_initiator: Option<String>,
    pub originating_direction: Option<String>,
    pub customer_participation: Option<bool>,
    pub division_ids: Option<Vec<String>>,
    pub external_tag: Option<String>,
    pub self_served: Option<bool>,
    pub participants: Option<Vec<AnalyticsParticipant>>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AnalyticsParticipant {
    pub participant_id: Option<String>,
    pub participant_name: Option<String>,
    pub purpose: Option<String>,
    pub user_id: Option<String>,
    pub team_id: Option<String>,
    pub sessions: Option<Vec<AnalyticsSession>>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AnalyticsSession {
    pub session_id: Option<String>,
    pub media_type: Option<String>,
    pub message_type: Option<String>,
    pub direction: Option<String>,
    pub address_from: Option<String>,
    pub address_to: Option<String>,
    pub provider: Option<String>,
    pub used_routing: Option<String>,
    pub metrics: Option<Vec<AnalyticsSessionMetric>>,
    pub segments: Option<Vec<AnalyticsSegment>>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AnalyticsSessionMetric {
    pub name: Option<String>,
    pub value: Option<i64>,
    pub emit_date: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AnalyticsSegment {
    pub segment_start: Option<String>,
    pub segment_end: Option<String>,
    pub segment_type: Option<String>,
    pub queue_id: Option<String>,
    pub disconnect_type: Option<String>,
    pub wrap_up_code: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `ConversationAggregationQuery`.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ConversationAggregationQuery {
    pub interval: String,
    pub granularity: Option<String>,
    pub time_zone: Option<String>,
    pub group_by: Option<Vec<String>>,
    pub filter: Option<AnalyticsFilter>,
    pub metrics: Vec<String>,
    pub views: Option<Vec<serde_json::Value>>,
    pub flatten_multivalued_dimensions: Option<bool>,
    pub alternate_time_dimension: Option<String>,
    pub query_type: Option<String>,
    pub limit: Option<u32>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `ConversationAggregateQueryResponse`.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ConversationAggregateQueryResponse {
    pub results: Option<Vec<AggregateDataContainer>>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AggregateDataContainer {
    pub group: BTreeMap<String, String>,
    pub data: Vec<StatisticalResponse>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct StatisticalResponse {
    pub interval: String,
    pub metrics: Vec<AggregateMetricData>,
    pub views: Option<Vec<serde_json::Value>>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AggregateMetricData {
    pub metric: String,
    pub qualifier: Option<String>,
    pub stats: StatisticalSummary,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `ConversationActivityQuery` (`/analytics/conversations/activity/query`).
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ConversationActivityQuery {
    pub metrics: Vec<ActivityMetricSpec>,
    pub group_by: Vec<String>,
    pub filter: Option<AnalyticsFilter>,
    pub order: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ActivityMetricSpec {
    pub metric: String,
    pub details: Option<bool>,
}

/// `ConversationActivityResponse`.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ConversationActivityResponse {
    pub results: Option<Vec<ConversationActivityResult>>,
    pub entity_id_dimension: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ConversationActivityResult {
    pub group: BTreeMap<String, String>,
    pub data: Option<Vec<ActivityMetricData>>,
    pub truncated: Option<bool>,
    pub entities: Option<Vec<ConversationActivityEntity>>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ActivityMetricData {
    pub metric: String,
    pub qualifier: Option<String>,
    pub entity_ids: Option<Vec<String>>,
    pub count: Option<i64>,
    pub calculated_metric_value: Option<i64>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ConversationActivityEntity {
    pub activity_date: Option<String>,
    pub metric: Option<String>,
    pub conversation_id: Option<String>,
    pub queue_id: Option<String>,
    pub media_type: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `GET /api/v2/tokens/me`.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TokenInfo {
    pub organization: Option<super::EntityRef>,
    pub home_organization: Option<super::EntityRef>,
    pub authorized_scope: Option<Vec<String>>,
    #[serde(rename = "OAuthClient")]
    pub oauth_client: Option<serde_json::Value>,
    pub date_token_idles: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}
