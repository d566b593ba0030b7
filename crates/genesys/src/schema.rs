//! The request schema of the endpoints this app uses, as the published API defines it:
//! closed enums, required fields and JSON types, in one place.
//!
//! The Sandbox checks every request body against these shapes and answers a violation the
//! way Genesys does (400, `code`, a message naming the field, `details[].fieldName`); the
//! client builds its queries from the same value sets, and its tests run what it builds
//! through [`check`]. So the two cannot drift apart, and a query a real org would refuse
//! fails in the test suite instead of at a customer's.
//!
//! Source: the official SDK 269 generated models and the swagger they come from. Unknown
//! fields are accepted and ignored, as Genesys does (the models keep them in `extra` and
//! send them back); read-only fields are ignored on write, as terraform relies on.

use serde_json::Value;

use super::models::{
    DeploymentStatus, LabelKey, LauncherDisplayType, LauncherVisibility, PositionAlignment,
    SessionPersistenceType,
};

/// The JSON shape a value must have.
#[derive(Debug, Clone, Copy)]
pub enum Shape {
    Any,
    Bool,
    Integer,
    Number,
    Text,
    /// A string from a closed set (case-sensitive, as the API compares).
    OneOf(&'static [&'static str]),
    /// A string from the first set that is not in the second.
    OneOfExcept(&'static [&'static str], &'static [&'static str]),
    /// A string that must satisfy a rule, described for the error message.
    Pattern(&'static str, fn(&str) -> bool),
    List(&'static Shape),
    Object(&'static [Field]),
}

/// One property of an object shape.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    pub required: bool,
    pub shape: Shape,
}

const fn required(name: &'static str, shape: Shape) -> Field {
    Field {
        name,
        required: true,
        shape,
    }
}

const fn optional(name: &'static str, shape: Shape) -> Field {
    Field {
        name,
        required: false,
        shape,
    }
}

/// What is wrong with a request, named as Genesys names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Dotted path of the offending field, e.g. `filter.predicates.dimension`.
    pub field: String,
    /// `constraint.validation` (missing), `invalid.value` (outside the set or rule) or
    /// `bad.request` (wrong JSON type).
    pub code: &'static str,
    pub message: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "{} ({})", self.message, self.code)
    }
}

/// Checks `value` against `shape`; the first violation, depth first, in field order.
/// A `null` counts as absent: Genesys reads it so.
pub fn check(shape: &Shape, value: &Value) -> Result<(), Violation> {
    check_at(shape, value, "")
}

/// Removes every property `shape` does not know, at every depth, as a typed backend
/// does when it reads a body (`Any` keeps what it holds). Returns the paths removed.
pub fn retain_known(shape: &Shape, value: &mut Value) -> Vec<String> {
    let mut removed = Vec::new();
    retain_at(shape, value, "", &mut removed);
    removed
}

/// [`retain_known`] for a body already read as an object.
pub fn retain_known_fields(shape: &Shape, map: &mut serde_json::Map<String, Value>) -> Vec<String> {
    let mut removed = Vec::new();
    if let Shape::Object(fields) = shape {
        retain_object(fields, map, "", &mut removed);
    }
    removed
}

fn retain_object(
    fields: &[Field],
    map: &mut serde_json::Map<String, Value>,
    path: &str,
    removed: &mut Vec<String>,
) {
    map.retain(|name, _| {
        let known = fields.iter().any(|field| field.name == name);
        if !known {
            removed.push(join(path, name));
        }
        known
    });
    for field in fields {
        if let Some(inner) = map.get_mut(field.name) {
            retain_at(&field.shape, inner, &join(path, field.name), removed);
        }
    }
}

fn retain_at(shape: &Shape, value: &mut Value, path: &str, removed: &mut Vec<String>) {
    match (shape, value) {
        (Shape::Object(fields), Value::Object(map)) => retain_object(fields, map, path, removed),
        (Shape::List(item), Value::Array(items)) => {
            for (index, inner) in items.iter_mut().enumerate() {
                retain_at(item, inner, &format!("{path}[{index}]"), removed);
            }
        }
        _ => {}
    }
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

fn wrong_type(path: &str, expected: &str) -> Violation {
    let field = if path.is_empty() { "body" } else { path };
    Violation {
        field: field.to_string(),
        code: "bad.request",
        message: format!("{field} must be {expected}"),
    }
}

fn check_at(shape: &Shape, value: &Value, path: &str) -> Result<(), Violation> {
    match shape {
        Shape::Any => Ok(()),
        Shape::Bool => value
            .is_boolean()
            .then_some(())
            .ok_or_else(|| wrong_type(path, "true or false")),
        Shape::Integer => (value.is_i64() || value.is_u64())
            .then_some(())
            .ok_or_else(|| wrong_type(path, "a whole number")),
        Shape::Number => value
            .is_number()
            .then_some(())
            .ok_or_else(|| wrong_type(path, "a number")),
        Shape::Text => value
            .is_string()
            .then_some(())
            .ok_or_else(|| wrong_type(path, "a string")),
        Shape::OneOf(allowed) => one_of(value, path, allowed, &[]),
        Shape::OneOfExcept(allowed, except) => one_of(value, path, allowed, except),
        Shape::Pattern(rule, accepts) => {
            let text = value.as_str().ok_or_else(|| wrong_type(path, "a string"))?;
            if accepts(text) {
                Ok(())
            } else {
                Err(Violation {
                    field: path.to_string(),
                    code: "invalid.value",
                    message: format!("Value [{text}] is not valid for field {path}: {rule}"),
                })
            }
        }
        Shape::List(item) => {
            let items = value
                .as_array()
                .ok_or_else(|| wrong_type(path, "an array"))?;
            items
                .iter()
                .try_for_each(|entry| check_at(item, entry, path))
        }
        Shape::Object(fields) => {
            let object = value
                .as_object()
                .ok_or_else(|| wrong_type(path, "an object"))?;
            for field in fields.iter() {
                let at = join(path, field.name);
                match object.get(field.name).filter(|v| !v.is_null()) {
                    Some(found) => check_at(&field.shape, found, &at)?,
                    None if field.required => {
                        return Err(Violation {
                            message: format!("{at} may not be null"),
                            field: at,
                            code: "constraint.validation",
                        })
                    }
                    None => {}
                }
            }
            Ok(())
        }
    }
}

fn one_of(value: &Value, path: &str, allowed: &[&str], except: &[&str]) -> Result<(), Violation> {
    let text = value.as_str().ok_or_else(|| wrong_type(path, "a string"))?;
    if allowed.contains(&text) && !except.contains(&text) {
        return Ok(());
    }
    let allowable: Vec<&str> = allowed
        .iter()
        .copied()
        .filter(|value| !except.contains(value))
        .collect();
    Err(Violation {
        field: path.to_string(),
        code: "invalid.value",
        message: format!(
            "Value [{text}] is not valid for field {path}. Allowable values are: {}",
            allowable.join(", ")
        ),
    })
}

/// `start/end`, each an ISO-8601 date-time with a zone (`Z` or an offset), end after start.
pub fn is_interval(text: &str) -> bool {
    let Some((start, end)) = text.split_once('/') else {
        return false;
    };
    match (
        chrono::DateTime::parse_from_rfc3339(start),
        chrono::DateTime::parse_from_rfc3339(end),
    ) {
        (Ok(start), Ok(end)) => start < end,
        _ => false,
    }
}

const INTERVAL: Shape = Shape::Pattern(
    "expected start/end as ISO-8601 date-times with a zone, e.g. 2024-05-01T00:00:00.000Z/2024-05-08T00:00:00.000Z",
    is_interval,
);

/// `Pending`, `Active`, `Inactive`, `Error`, `Deleting`.
pub const STATUSES: &[&str] = DeploymentStatus::KNOWN;
pub const FILTER_TYPES: &[&str] = &["and", "or"];
pub const PREDICATE_TYPES: &[&str] = &["dimension", "property", "metric"];
pub const OPERATORS: &[&str] = &["matches", "exists", "notExists"];
pub const ORDERS: &[&str] = &["asc", "desc", "unordered"];
pub const DETAILS_ORDER_BY: &[&str] = &[
    "conversationStart",
    "conversationEnd",
    "segmentStart",
    "segmentEnd",
];
pub const QUERY_TYPES: &[&str] = &["bottomN", "groupBy", "topN"];

/// `QueueObservationQuery.metrics` (11).
pub const OBSERVATION_METRICS: &[&str] = super::models::analytics::metric::ALL;

/// `QueueObservationQuery.detailMetrics` (9).
pub const OBSERVATION_DETAIL_METRICS: &[&str] = &[
    "oActiveUsers",
    "oAlerting",
    "oInteracting",
    "oMemberUsers",
    "oOffQueueUsers",
    "oOnQueueUsers",
    "oUserPresences",
    "oUserRoutingStatuses",
    "oWaiting",
];

/// `QueueObservationQueryPredicate.dimension` (2).
pub const OBSERVATION_DIMENSIONS: &[&str] = &["mediaType", "queueId"];

/// `ConversationAggregateQueryPredicate.dimension`: no `flowId` (84).
pub const AGGREGATE_DIMENSIONS: &[&str] = &[
    "activeRouting",
    "activeSkillId",
    "addressFrom",
    "addressTo",
    "agentAssistantId",
    "agentBullseyeRing",
    "agentOwned",
    "agentRank",
    "agentScore",
    "ani",
    "assignerId",
    "authenticated",
    "canonicalExternalContactId",
    "conversationId",
    "conversationInitiator",
    "convertedFrom",
    "convertedTo",
    "customerParticipation",
    "deliveryStatus",
    "destinationAddress",
    "direction",
    "disconnectType",
    "divisionId",
    "dnis",
    "edgeId",
    "eligibleAgentCount",
    "errorCode",
    "extendedDeliveryStatus",
    "externalContactId",
    "externalMediaCount",
    "externalOrganizationId",
    "externalTag",
    "firstQueue",
    "flaggedReason",
    "flowInType",
    "flowOutType",
    "groupId",
    "interactionType",
    "journeyActionId",
    "journeyActionMapId",
    "journeyActionMapVersion",
    "journeyCustomerId",
    "journeyCustomerIdType",
    "journeyCustomerSessionId",
    "journeyCustomerSessionIdType",
    "knowledgeBaseId",
    "mediaCount",
    "mediaType",
    "messageType",
    "originatingDirection",
    "originatingSocialMediaPublic",
    "outboundCampaignId",
    "outboundContactId",
    "outboundContactListId",
    "participantName",
    "peerId",
    "proposedAgentId",
    "provider",
    "purpose",
    "queueId",
    "remote",
    "removedSkillId",
    "requestedLanguageId",
    "requestedRouting",
    "requestedRoutingSkillId",
    "roomId",
    "routingPriority",
    "routingRing",
    "routingRule",
    "routingRuleType",
    "scoredAgentId",
    "selectedAgentId",
    "selectedAgentRank",
    "selfServed",
    "sessionDnis",
    "sessionId",
    "skillExpressionId",
    "stationId",
    "teamId",
    "usedRouting",
    "userId",
    "videoPresent",
    "waitingInteractionCount",
    "wrapUpCode",
];

/// `ConversationAggregationQuery.groupBy` is [`AGGREGATE_DIMENSIONS`] less these (83 values).
pub const AGGREGATE_NOT_GROUPABLE: &[&str] = &["canonicalExternalContactId"];

/// `ConversationAggregationQuery.metrics` (80).
pub const AGGREGATE_METRICS: &[&str] = &[
    "nBlindTransferred",
    "nBotInteractions",
    "nCallbackAttempts",
    "nCallbackOverSla",
    "nCallbackScheduled",
    "nCfcOffered",
    "nCobrowseSessions",
    "nConnected",
    "nConsult",
    "nConsultTransferred",
    "nConversations",
    "nError",
    "nOffered",
    "nOutbound",
    "nOutboundAbandoned",
    "nOutboundAttempted",
    "nOutboundConnected",
    "nOverSla",
    "nStateTransitionError",
    "nTakeover",
    "nTransferred",
    "oAudioMessageCount",
    "oCallbackServiceLevel",
    "oExternalAudioMessageCount",
    "oExternalMediaCount",
    "oMediaCount",
    "oMessageCount",
    "oMessageSegmentCount",
    "oMessageTurn",
    "oServiceLevel",
    "oServiceTarget",
    "oSkillExpressionApplications",
    "tAbandon",
    "tAcd",
    "tActiveCallback",
    "tActiveCallbackComplete",
    "tAcw",
    "tAgentResponseTime",
    "tAgentVideoConnected",
    "tAlert",
    "tAnswered",
    "tAverageAgentResponseTime",
    "tAverageCustomerResponseTime",
    "tBarging",
    "tCallbackAbandon",
    "tCallbackConnect",
    "tCallbackNotReached",
    "tCallbackVirtualWait",
    "tCfcAbandon",
    "tCfcAcd",
    "tCfcAnswered",
    "tCfcFlowOut",
    "tCoaching",
    "tCoachingComplete",
    "tConnected",
    "tContacting",
    "tDialing",
    "tFirstConnect",
    "tFirstDial",
    "tFirstEngagement",
    "tFirstResponse",
    "tFlowOut",
    "tHandle",
    "tHeld",
    "tHeldComplete",
    "tIvr",
    "tMonitoring",
    "tMonitoringComplete",
    "tNotResponding",
    "tPark",
    "tParkComplete",
    "tScreenMonitoring",
    "tShortAbandon",
    "tSnippetRecord",
    "tTalk",
    "tTalkComplete",
    "tTransmitting",
    "tUserResponseTime",
    "tVoicemail",
    "tWait",
];

/// `SegmentDetailQueryPredicate.dimension`: has `flowId` (80).
pub const SEGMENT_DIMENSIONS: &[&str] = &[
    "addressFrom",
    "addressTo",
    "agentAssistantId",
    "agentOwned",
    "ani",
    "authenticated",
    "bargedParticipantId",
    "callbackNumber",
    "callbackScheduledTime",
    "canonicalExternalContactId",
    "cleared",
    "coachedParticipantId",
    "conference",
    "deliveryPushed",
    "deliveryStatus",
    "destinationAddress",
    "destinationConversationId",
    "detectedSpeechEnd",
    "detectedSpeechStart",
    "direction",
    "disconnectType",
    "dnis",
    "edgeId",
    "engagementSource",
    "errorCode",
    "exitReason",
    "extendedDeliveryStatus",
    "externalContactId",
    "externalOrganizationId",
    "flaggedReason",
    "flowId",
    "flowName",
    "flowOutType",
    "flowOutcome",
    "flowOutcomeId",
    "flowOutcomeValue",
    "flowVersion",
    "groupId",
    "journeyActionId",
    "journeyActionMapId",
    "journeyCustomerId",
    "journeyCustomerIdType",
    "journeyCustomerSessionId",
    "mediaCount",
    "mediaType",
    "messageType",
    "monitoredParticipantId",
    "outboundCampaignId",
    "outboundContactId",
    "outboundContactListId",
    "participantName",
    "protocolCallId",
    "provider",
    "purpose",
    "queueId",
    "recording",
    "remote",
    "remoteNameDisplayable",
    "requestedLanguageId",
    "requestedRouting",
    "requestedRoutingSkillId",
    "scoredAgentId",
    "screenMonitoredUserId",
    "screenRecording",
    "scriptId",
    "segmentEnd",
    "segmentType",
    "sessionDnis",
    "sipResponseCode",
    "skillExpressionId",
    "snippetRecording",
    "subject",
    "teamId",
    "transferTargetAddress",
    "transferTargetName",
    "transferType",
    "usedRouting",
    "userId",
    "wrapUpCode",
    "wrapUpNote",
];

/// `SegmentDetailQueryPredicate.metric` (1).
pub const SEGMENT_METRICS: &[&str] = &["tSegmentDuration"];

/// `ConversationDetailQueryPredicate.dimension` (11).
pub const CONVERSATION_DIMENSIONS: &[&str] = &[
    "accessAttribute",
    "conversationEnd",
    "conversationId",
    "conversationInitiator",
    "conversationStart",
    "customerParticipation",
    "divisionId",
    "externalTag",
    "mediaStatsMinConversationMos",
    "originatingDirection",
    "originatingSocialMediaPublic",
];

/// `ConversationDetailQueryPredicate.metric` (86).
pub const CONVERSATION_METRICS: &[&str] = &[
    "nBlindTransferred",
    "nBotInteractions",
    "nCallbackAttempts",
    "nCallbackOverSla",
    "nCallbackScheduled",
    "nCfcOffered",
    "nCobrowseSessions",
    "nConnected",
    "nConsult",
    "nConsultTransferred",
    "nConversations",
    "nError",
    "nFlow",
    "nFlowMilestone",
    "nFlowOutcome",
    "nFlowOutcomeFailed",
    "nOffered",
    "nOutbound",
    "nOutboundAbandoned",
    "nOutboundAttempted",
    "nOutboundConnected",
    "nOverSla",
    "nStateTransitionError",
    "nTakeover",
    "nTransferred",
    "oAudioMessageCount",
    "oExternalAudioMessageCount",
    "oExternalMediaCount",
    "oFlowMilestone",
    "oMediaCount",
    "oMessageCount",
    "oMessageSegmentCount",
    "oMessageTurn",
    "oSkillExpressionApplications",
    "tAbandon",
    "tAcd",
    "tActiveCallback",
    "tActiveCallbackComplete",
    "tAcw",
    "tAgentResponseTime",
    "tAgentVideoConnected",
    "tAlert",
    "tAnswered",
    "tAverageAgentResponseTime",
    "tAverageCustomerResponseTime",
    "tBarging",
    "tCallbackAbandon",
    "tCallbackConnect",
    "tCallbackNotReached",
    "tCallbackVirtualWait",
    "tCfcAbandon",
    "tCfcAcd",
    "tCfcAnswered",
    "tCfcFlowOut",
    "tCoaching",
    "tCoachingComplete",
    "tConnected",
    "tContacting",
    "tConversationDuration",
    "tDialing",
    "tFirstConnect",
    "tFirstDial",
    "tFirstEngagement",
    "tFirstResponse",
    "tFlow",
    "tFlowDisconnect",
    "tFlowExit",
    "tFlowOut",
    "tFlowOutcome",
    "tHandle",
    "tHeld",
    "tHeldComplete",
    "tIvr",
    "tMonitoring",
    "tMonitoringComplete",
    "tNotResponding",
    "tPark",
    "tParkComplete",
    "tScreenMonitoring",
    "tShortAbandon",
    "tSnippetRecord",
    "tTalk",
    "tTalkComplete",
    "tTransmitting",
    "tUserResponseTime",
    "tVoicemail",
];

/// `ConversationActivityQuery.groupBy` and its predicates' `dimension` (22).
pub const ACTIVITY_DIMENSIONS: &[&str] = &[
    "activeRouting",
    "addressFrom",
    "addressTo",
    "agentScore",
    "ani",
    "conversationId",
    "convertedFrom",
    "convertedTo",
    "direction",
    "dnis",
    "mediaType",
    "participantName",
    "queueId",
    "requestedLanguageId",
    "requestedRouting",
    "requestedRoutingSkillId",
    "routingPriority",
    "scoredAgentId",
    "sessionId",
    "teamId",
    "usedRouting",
    "userId",
];

/// `ConversationActivityQueryMetric.metric` (5).
pub const ACTIVITY_METRICS: &[&str] = &[
    "oAlerting",
    "oInteracting",
    "oLongestInteracting",
    "oLongestWaiting",
    "oWaiting",
];

/// `SegmentDetailQueryPredicate.propertyType` (6).
pub const PROPERTY_TYPES: &[&str] = &["bool", "integer", "real", "date", "string", "uuid"];

const NUMERIC_RANGE: Shape = Shape::Object(&[
    optional("gt", Shape::Number),
    optional("gte", Shape::Number),
    optional("lt", Shape::Number),
    optional("lte", Shape::Number),
]);

/// Filter → clauses → predicates, the shape every analytics query shares; only the
/// predicate differs.
macro_rules! analytics_filter {
    ($filter:ident, $clause:ident, $predicate:ident) => {
        const $clause: Shape = Shape::Object(&[
            required("type", Shape::OneOf(FILTER_TYPES)),
            required("predicates", Shape::List(&$predicate)),
        ]);
        const $filter: Shape = Shape::Object(&[
            required("type", Shape::OneOf(FILTER_TYPES)),
            optional("clauses", Shape::List(&$clause)),
            optional("predicates", Shape::List(&$predicate)),
        ]);
    };
}

const OBSERVATION_PREDICATE: Shape = Shape::Object(&[
    optional("type", Shape::OneOf(PREDICATE_TYPES)),
    optional("dimension", Shape::OneOf(OBSERVATION_DIMENSIONS)),
    optional("operator", Shape::OneOf(OPERATORS)),
    optional("value", Shape::Text),
    optional("range", NUMERIC_RANGE),
]);
analytics_filter!(
    OBSERVATION_FILTER,
    OBSERVATION_CLAUSE,
    OBSERVATION_PREDICATE
);

/// `POST /api/v2/analytics/queues/observations/query`.
pub const QUEUE_OBSERVATION_QUERY: Shape = Shape::Object(&[
    required("filter", OBSERVATION_FILTER),
    required("metrics", Shape::List(&Shape::OneOf(OBSERVATION_METRICS))),
    optional(
        "detailMetrics",
        Shape::List(&Shape::OneOf(OBSERVATION_DETAIL_METRICS)),
    ),
]);

const AGGREGATE_PREDICATE: Shape = Shape::Object(&[
    optional("type", Shape::OneOf(PREDICATE_TYPES)),
    optional("dimension", Shape::OneOf(AGGREGATE_DIMENSIONS)),
    optional("operator", Shape::OneOf(OPERATORS)),
    optional("value", Shape::Text),
    optional("range", NUMERIC_RANGE),
]);
analytics_filter!(AGGREGATE_FILTER, AGGREGATE_CLAUSE, AGGREGATE_PREDICATE);

/// `POST /api/v2/analytics/conversations/aggregates/query`.
pub const CONVERSATION_AGGREGATION_QUERY: Shape = Shape::Object(&[
    required("interval", INTERVAL),
    optional("granularity", Shape::Text),
    optional("timeZone", Shape::Text),
    optional(
        "groupBy",
        Shape::List(&Shape::OneOfExcept(
            AGGREGATE_DIMENSIONS,
            AGGREGATE_NOT_GROUPABLE,
        )),
    ),
    optional("filter", AGGREGATE_FILTER),
    required("metrics", Shape::List(&Shape::OneOf(AGGREGATE_METRICS))),
    optional("flattenMultivaluedDimensions", Shape::Bool),
    optional("views", Shape::List(&Shape::Any)),
    optional("alternateTimeDimension", Shape::OneOf(&["eventTime"])),
    optional("queryType", Shape::OneOf(QUERY_TYPES)),
    optional("sortMetric", Shape::Any),
    optional("limit", Shape::Integer),
]);

const SEGMENT_PREDICATE: Shape = Shape::Object(&[
    optional("type", Shape::OneOf(PREDICATE_TYPES)),
    optional("dimension", Shape::OneOf(SEGMENT_DIMENSIONS)),
    optional("propertyType", Shape::OneOf(PROPERTY_TYPES)),
    optional("property", Shape::Text),
    optional("metric", Shape::OneOf(SEGMENT_METRICS)),
    optional("operator", Shape::OneOf(OPERATORS)),
    optional("value", Shape::Text),
    optional("range", NUMERIC_RANGE),
]);
analytics_filter!(SEGMENT_FILTER, SEGMENT_CLAUSE, SEGMENT_PREDICATE);

const CONVERSATION_PREDICATE: Shape = Shape::Object(&[
    optional("type", Shape::OneOf(PREDICATE_TYPES)),
    optional("dimension", Shape::OneOf(CONVERSATION_DIMENSIONS)),
    optional("metric", Shape::OneOf(CONVERSATION_METRICS)),
    optional("operator", Shape::OneOf(OPERATORS)),
    optional("value", Shape::Text),
    optional("range", NUMERIC_RANGE),
]);
analytics_filter!(
    CONVERSATION_FILTER,
    CONVERSATION_CLAUSE,
    CONVERSATION_PREDICATE
);

const PAGING_SPEC: Shape = Shape::Object(&[
    required("pageSize", Shape::Integer),
    required("pageNumber", Shape::Integer),
]);

/// `POST /api/v2/analytics/conversations/details/query`.
pub const CONVERSATION_QUERY: Shape = Shape::Object(&[
    optional("conversationFilters", Shape::List(&CONVERSATION_FILTER)),
    optional("segmentFilters", Shape::List(&SEGMENT_FILTER)),
    optional("evaluationFilters", Shape::List(&Shape::Any)),
    optional("surveyFilters", Shape::List(&Shape::Any)),
    optional("resolutionFilters", Shape::List(&Shape::Any)),
    optional("order", Shape::OneOf(ORDERS)),
    optional("orderBy", Shape::OneOf(DETAILS_ORDER_BY)),
    required("interval", INTERVAL),
    optional("aggregations", Shape::List(&Shape::Any)),
    optional("paging", PAGING_SPEC),
]);

const ACTIVITY_PREDICATE: Shape = Shape::Object(&[
    optional("type", Shape::OneOf(PREDICATE_TYPES)),
    optional("dimension", Shape::OneOf(ACTIVITY_DIMENSIONS)),
    optional("operator", Shape::OneOf(OPERATORS)),
    optional("value", Shape::Text),
]);
analytics_filter!(ACTIVITY_FILTER, ACTIVITY_CLAUSE, ACTIVITY_PREDICATE);

/// `POST /api/v2/analytics/conversations/activity/query`.
pub const CONVERSATION_ACTIVITY_QUERY: Shape = Shape::Object(&[
    required(
        "metrics",
        Shape::List(&Shape::Object(&[
            required("metric", Shape::OneOf(ACTIVITY_METRICS)),
            optional("details", Shape::Bool),
        ])),
    ),
    required("groupBy", Shape::List(&Shape::OneOf(ACTIVITY_DIMENSIONS))),
    optional("filter", ACTIVITY_FILTER),
    optional("order", Shape::OneOf(ORDERS)),
]);

/// `AuditQueryFilter.property`.
pub const AUDIT_FILTER_PROPERTIES: &[&str] = &[
    "UserId",
    "TrusteeOrganizationId",
    "ClientId",
    "Action",
    "EntityType",
    "EntityId",
];
pub const AUDIT_SORT_NAMES: &[&str] = &["Timestamp"];
pub const AUDIT_SORT_ORDERS: &[&str] = &["ascending", "descending"];
/// The one value of `expand` on audit results and realtime queries.
pub const AUDIT_EXPAND: &[&str] = &["user"];

const AUDIT_FILTERS: Shape = Shape::List(&Shape::Object(&[
    required("property", Shape::OneOf(AUDIT_FILTER_PROPERTIES)),
    required("value", Shape::Text),
]));
const AUDIT_SORT: Shape = Shape::List(&Shape::Object(&[
    required("name", Shape::OneOf(AUDIT_SORT_NAMES)),
    required("sortOrder", Shape::OneOf(AUDIT_SORT_ORDERS)),
]));

/// `POST /api/v2/audits/query`.
pub const AUDIT_QUERY_REQUEST: Shape = Shape::Object(&[
    required("interval", INTERVAL),
    optional("serviceName", Shape::Text),
    optional("filters", AUDIT_FILTERS),
    optional("sort", AUDIT_SORT),
]);

/// `POST /api/v2/audits/query/realtime`.
pub const AUDIT_REALTIME_QUERY_REQUEST: Shape = Shape::Object(&[
    required("interval", INTERVAL),
    optional("serviceName", Shape::Text),
    optional("filters", AUDIT_FILTERS),
    optional("sort", AUDIT_SORT),
    optional("pageNumber", Shape::Integer),
    optional("pageSize", Shape::Integer),
]);

/// `PATCH /api/v2/conversations/messages/{id}/participants/{id}` (`MediaParticipantRequest`
/// of the official SDKs; `state` from its closed set).
pub const MEDIA_PARTICIPANT_REQUEST: Shape = Shape::Object(&[
    optional("wrapup", Shape::Any),
    optional(
        "state",
        Shape::OneOf(&[
            "alerting",
            "dialing",
            "contacting",
            "offering",
            "connected",
            "disconnected",
            "terminated",
            "converting",
            "uploading",
            "transmitting",
            "parked",
            "none",
        ]),
    ),
    optional("recording", Shape::Bool),
    optional("muted", Shape::Bool),
    optional("confined", Shape::Bool),
    optional("held", Shape::Bool),
    optional("wrapupSkipped", Shape::Bool),
    optional("resumeTime", Shape::Text),
]);

/// `GET /api/v2/flows?type=` (lower case, 20 values; anything else is
/// `architect.invalid.flow.type`).
pub const FLOW_TYPES: &[&str] = &[
    "bot",
    "commonmodule",
    "digitalbot",
    "emailsend",
    "inboundcall",
    "inboundchat",
    "inboundemail",
    "inboundshortmessage",
    "outboundcall",
    "inqueuecall",
    "inqueueemail",
    "inqueueshortmessage",
    "speech",
    "securecall",
    "surveyinvite",
    "voice",
    "voicemail",
    "voicesurvey",
    "workflow",
    "workitem",
];
/// `GET /api/v2/flows?secure=`.
pub const FLOW_SECURE: &[&str] = &["any", "checkedin", "published"];
/// `GET /api/v2/routing/queues?sortOrder=`.
pub const SORT_ORDERS: &[&str] = &["asc", "desc"];
/// `expand` on the queue endpoints.
pub const QUEUE_EXPAND: &[&str] = &["identityresolution"];
/// Path `mediaType` of the per-media estimated wait time.
pub const ESTIMATE_MEDIA_TYPES: &[&str] = &[
    "all",
    "call",
    "chat",
    "callback",
    "email",
    "videoComm",
    "message",
];
/// `expand` on the deployments listing.
pub const DEPLOYMENTS_EXPAND: &[&str] =
    &["Configuration", "SupportedContent", "identityresolution"];
/// `expand` on one deployment.
pub const DEPLOYMENT_EXPAND: &[&str] = &["supportedContent", "flowDetails"];

pub const CONVERSATION_DISCONNECT_TYPES: &[&str] = &["Send", "ReadOnly"];
pub const NOTIFICATION_CONTENT_TYPES: &[&str] =
    &["IncludeMessagesContent", "ExcludeMessagesContent"];
pub const UPLOAD_FILE_TYPES: &[&str] = &["image/jpeg", "image/gif", "image/png"];
pub const MEDIA_CHANNELS: &[&str] = &["Webmessaging", "Voice"];
pub const PAUSE_CONDITIONS: &[&str] = &[
    "Includes",
    "DoesNotInclude",
    "StartsWith",
    "EndsWith",
    "Equals",
];
pub const PAGEVIEW_CONFIGS: &[&str] = &["Auto", "Once", "Off"];
pub const VIDEO_BACKGROUNDS: &[&str] = &["BLUR", "NONE", "IMAGE"];
pub const SUPPORT_CENTER_SCREENS: &[&str] = &["Home", "Category", "SearchResults", "Article"];
pub const SUPPORT_CENTER_MODULES: &[&str] = &[
    "Search",
    "Categories",
    "FAQ",
    "Contact",
    "Results",
    "Article",
    "TopViewedArticles",
];
pub const SUPPORT_CENTER_MESSAGES: &[&str] = &["Welcome", "Fallback"];
pub const SUPPORT_CENTER_ROUTERS: &[&str] = &["Hash", "Browser"];
pub const PUSH_PROVIDERS: &[&str] = &["APNS", "FCM"];

fn is_custom_message(text: &str) -> bool {
    text.chars().count() <= 300
}

/// `^#([A-Fa-f0-9]{6}|[A-Fa-f0-9]{3})$`, the support center's colour rule.
pub fn is_hex_colour(text: &str) -> bool {
    text.strip_prefix('#').is_some_and(|digits| {
        matches!(digits.len(), 3 | 6) && digits.chars().all(|c| c.is_ascii_hexdigit())
    })
}

const SUPPORT_CENTER_COLOUR: Shape = Shape::Pattern("expected #RGB or #RRGGBB", is_hex_colour);
const ENTITY_ID: Shape = Shape::Object(&[
    optional("id", Shape::Text),
    optional("selfUri", Shape::Text),
]);
const IMAGE_SOURCE: Shape = Shape::Object(&[required(
    "source",
    Shape::Object(&[required("defaultUrl", Shape::Text)]),
)]);
const ENABLED: Shape = Shape::Object(&[optional("enabled", Shape::Bool)]);

const CONVERSATION_APP: Shape = Shape::Object(&[
    optional("enabled", Shape::Bool),
    optional("showAgentTypingIndicator", Shape::Bool),
    optional("showUserTypingIndicator", Shape::Bool),
    optional("autoStart", ENABLED),
    optional("markdown", ENABLED),
    optional(
        "conversationDisconnect",
        Shape::Object(&[
            optional("enabled", Shape::Bool),
            optional("type", Shape::OneOf(CONVERSATION_DISCONNECT_TYPES)),
        ]),
    ),
    optional("conversationClear", ENABLED),
    optional(
        "humanize",
        Shape::Object(&[
            optional("enabled", Shape::Bool),
            optional(
                "bot",
                Shape::Object(&[
                    optional("name", Shape::Text),
                    optional("avatarUrl", Shape::Text),
                ]),
            ),
        ]),
    ),
    optional(
        "notifications",
        Shape::Object(&[
            optional("enabled", Shape::Bool),
            optional(
                "notificationContentType",
                Shape::OneOf(NOTIFICATION_CONTENT_TYPES),
            ),
        ]),
    ),
    optional("sessionDurationSeconds", Shape::Integer),
]);

const MESSENGER: Shape = Shape::Object(&[
    optional("enabled", Shape::Bool),
    optional(
        "styles",
        Shape::Object(&[optional("primaryColor", Shape::Text)]),
    ),
    optional(
        "launcherButton",
        Shape::Object(&[
            optional("visibility", Shape::OneOf(LauncherVisibility::KNOWN)),
            optional("displayType", Shape::OneOf(LauncherDisplayType::KNOWN)),
            optional("icon", Shape::Object(&[optional("url", Shape::Text)])),
        ]),
    ),
    optional(
        "fileUpload",
        Shape::Object(&[
            optional("enableAttachments", Shape::Bool),
            optional(
                "modes",
                Shape::List(&Shape::Object(&[
                    optional("fileTypes", Shape::List(&Shape::OneOf(UPLOAD_FILE_TYPES))),
                    optional("maxFileSizeKB", Shape::Integer),
                ])),
            ),
        ]),
    ),
    optional(
        "apps",
        Shape::Object(&[
            optional("conversations", CONVERSATION_APP),
            optional(
                "knowledge",
                Shape::Object(&[
                    optional("enabled", Shape::Bool),
                    optional("knowledgeBase", ENTITY_ID),
                ]),
            ),
        ]),
    ),
    optional(
        "homeScreen",
        Shape::Object(&[
            optional("enabled", Shape::Bool),
            optional("logoUrl", Shape::Text),
        ]),
    ),
    optional(
        "sessionPersistenceType",
        Shape::OneOf(SessionPersistenceType::KNOWN),
    ),
]);

const SUPPORT_CENTER: Shape = Shape::Object(&[
    required("enabled", Shape::Bool),
    required("knowledgeBase", ENTITY_ID),
    optional(
        "customMessages",
        Shape::List(&Shape::Object(&[
            required(
                "defaultValue",
                Shape::Pattern("at most 300 characters", is_custom_message),
            ),
            required("type", Shape::OneOf(SUPPORT_CENTER_MESSAGES)),
        ])),
    ),
    optional("routerType", Shape::OneOf(SUPPORT_CENTER_ROUTERS)),
    required(
        "screens",
        Shape::List(&Shape::Object(&[
            required("type", Shape::OneOf(SUPPORT_CENTER_SCREENS)),
            required(
                "moduleSettings",
                Shape::List(&Shape::Object(&[
                    required("type", Shape::OneOf(SUPPORT_CENTER_MODULES)),
                    required("enabled", Shape::Bool),
                    optional(
                        "compactCategoryModuleTemplate",
                        Shape::Object(&[required("active", Shape::Bool)]),
                    ),
                    optional(
                        "detailedCategoryModuleTemplate",
                        Shape::Object(&[
                            required("active", Shape::Bool),
                            required(
                                "sidebar",
                                Shape::Object(&[required("enabled", Shape::Bool)]),
                            ),
                        ]),
                    ),
                ])),
            ),
        ])),
    ),
    required(
        "enabledCategories",
        Shape::List(&Shape::Object(&[
            optional("id", Shape::Text),
            optional("selfUri", Shape::Text),
            optional("image", IMAGE_SOURCE),
        ])),
    ),
    optional(
        "labelFilter",
        Shape::Object(&[optional("labels", Shape::List(&ENTITY_ID))]),
    ),
    required(
        "styleSetting",
        Shape::Object(&[
            required(
                "heroStyle",
                Shape::Object(&[
                    required("backgroundColor", SUPPORT_CENTER_COLOUR),
                    required("textColor", SUPPORT_CENTER_COLOUR),
                    optional("image", IMAGE_SOURCE),
                ]),
            ),
            required(
                "globalStyle",
                Shape::Object(&[
                    required("backgroundColor", SUPPORT_CENTER_COLOUR),
                    required("primaryColor", SUPPORT_CENTER_COLOUR),
                    required("primaryColorDark", SUPPORT_CENTER_COLOUR),
                    required("primaryColorLight", SUPPORT_CENTER_COLOUR),
                    required("textColor", SUPPORT_CENTER_COLOUR),
                    required("fontFamily", Shape::Text),
                ]),
            ),
        ]),
    ),
    optional(
        "feedback",
        Shape::Object(&[required("enabled", Shape::Bool)]),
    ),
]);

const SELECTOR_EVENT: Shape = Shape::List(&Shape::Object(&[
    required("selector", Shape::Text),
    required("eventName", Shape::Text),
]));
const TEXT_LIST: Shape = Shape::List(&Shape::Text);

const JOURNEY_EVENTS: Shape = Shape::Object(&[
    optional("enabled", Shape::Bool),
    optional("excludedQueryParameters", TEXT_LIST),
    optional("shouldKeepUrlFragment", Shape::Bool),
    optional("searchQueryParameters", TEXT_LIST),
    optional("pageviewConfig", Shape::OneOf(PAGEVIEW_CONFIGS)),
    optional("clickEvents", SELECTOR_EVENT),
    optional(
        "formsTrackEvents",
        Shape::List(&Shape::Object(&[
            required("selector", Shape::Text),
            required("formName", Shape::Text),
            required("captureDataOnFormAbandon", Shape::Bool),
            required("captureDataOnFormSubmit", Shape::Bool),
        ])),
    ),
    optional(
        "idleEvents",
        Shape::List(&Shape::Object(&[
            required("eventName", Shape::Text),
            optional("idleAfterSeconds", Shape::Integer),
        ])),
    ),
    optional("inViewportEvents", SELECTOR_EVENT),
    optional(
        "scrollDepthEvents",
        Shape::List(&Shape::Object(&[
            required("percentage", Shape::Integer),
            required("eventName", Shape::Text),
        ])),
    ),
    optional(
        "trackingSettings",
        Shape::Object(&[
            optional("excludedQueryParameters", TEXT_LIST),
            optional("shouldKeepUrlFragment", Shape::Bool),
            optional("searchQueryParameters", TEXT_LIST),
            optional(
                "ipFilters",
                Shape::List(&Shape::Object(&[
                    optional("ipAddress", Shape::Text),
                    optional("name", Shape::Text),
                ])),
            ),
        ]),
    ),
]);

const CAMERA_SCREEN_MICROPHONE: [Field; 3] = [
    optional("allowCamera", Shape::Bool),
    optional("allowScreenShare", Shape::Bool),
    optional("allowMicrophone", Shape::Bool),
];

/// `WebDeploymentConfigurationVersion` as written (POST configuration, PUT draft).
pub const CONFIGURATION_VERSION: Shape = Shape::Object(&[
    required("name", Shape::Text),
    optional("description", Shape::Text),
    optional("languages", TEXT_LIST),
    optional("defaultLanguage", Shape::Text),
    optional(
        "customI18nLabels",
        Shape::List(&Shape::Object(&[
            optional("language", Shape::Text),
            optional(
                "localizedLabels",
                Shape::List(&Shape::Object(&[
                    optional("key", Shape::OneOf(LabelKey::KNOWN)),
                    optional("value", Shape::Text),
                ])),
            ),
        ])),
    ),
    optional("messenger", MESSENGER),
    optional(
        "position",
        Shape::Object(&[
            optional("alignment", Shape::OneOf(PositionAlignment::KNOWN)),
            optional("sideSpace", Shape::Integer),
            optional("bottomSpace", Shape::Integer),
        ]),
    ),
    optional("headlessMode", ENABLED),
    optional("supportCenter", SUPPORT_CENTER),
    optional(
        "cobrowse",
        Shape::Object(&[
            optional("enabled", Shape::Bool),
            optional("allowAgentControl", Shape::Bool),
            optional("allowAgentNavigation", Shape::Bool),
            optional("allowDraw", Shape::Bool),
            optional("maskSelectors", TEXT_LIST),
            optional("channels", Shape::List(&Shape::OneOf(MEDIA_CHANNELS))),
            optional("readonlySelectors", TEXT_LIST),
            optional(
                "pauseCriteria",
                Shape::List(&Shape::Object(&[
                    optional("urlFragment", Shape::Text),
                    optional("condition", Shape::OneOf(PAUSE_CONDITIONS)),
                ])),
            ),
        ]),
    ),
    optional("journeyEvents", JOURNEY_EVENTS),
    optional(
        "authenticationSettings",
        Shape::Object(&[
            required("enabled", Shape::Bool),
            required("integrationId", Shape::Text),
            optional("allowSessionUpgrade", Shape::Bool),
        ]),
    ),
    optional(
        "video",
        Shape::Object(&[
            optional("enabled", Shape::Bool),
            optional("channels", Shape::List(&Shape::OneOf(MEDIA_CHANNELS))),
            optional(
                "agent",
                Shape::Object(&[
                    CAMERA_SCREEN_MICROPHONE[0],
                    CAMERA_SCREEN_MICROPHONE[1],
                    CAMERA_SCREEN_MICROPHONE[2],
                    optional("background", Shape::OneOf(VIDEO_BACKGROUNDS)),
                    optional(
                        "backgroundImage",
                        Shape::Object(&[optional("url", Shape::Text)]),
                    ),
                ]),
            ),
            optional("user", Shape::Object(&CAMERA_SCREEN_MICROPHONE)),
        ]),
    ),
    optional("status", Shape::OneOf(STATUSES)),
]);

/// `WebDeployment` as written (POST, PUT).
pub const WEB_DEPLOYMENT: Shape = Shape::Object(&[
    required("name", Shape::Text),
    optional("description", Shape::Text),
    optional("allowAllDomains", Shape::Bool),
    optional("allowedDomains", TEXT_LIST),
    optional(
        "supportedContent",
        Shape::Object(&[required("id", Shape::Text)]),
    ),
    optional(
        "flow",
        Shape::Object(&[
            required("id", Shape::Text),
            optional("name", Shape::Text),
            optional("selfUri", Shape::Text),
            optional("flowDescription", Shape::Text),
            optional("publishVersion", Shape::Any),
        ]),
    ),
    optional(
        "pushIntegrations",
        Shape::List(&Shape::Object(&[
            optional("id", Shape::Text),
            optional("provider", Shape::OneOf(PUSH_PROVIDERS)),
        ])),
    ),
    optional("status", Shape::OneOf(STATUSES)),
    required(
        "configuration",
        Shape::Object(&[
            required("id", Shape::Text),
            optional("name", Shape::Text),
            optional("selfUri", Shape::Text),
            required("version", Shape::Text),
        ]),
    ),
]);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_properties_are_dropped_at_every_depth_and_named() {
        let mut body = json!({
            "name": "Shop",
            "futureSetting": 1,
            "messenger": {"styles": {"primaryColor": "#1f5fa8", "font": "x"}},
            "customI18nLabels": [{"language": "fr", "extra": true, "localizedLabels": []}]
        });
        let removed = retain_known(&CONFIGURATION_VERSION, &mut body);
        assert_eq!(
            removed,
            [
                "futureSetting",
                "customI18nLabels[0].extra",
                "messenger.styles.font"
            ]
        );
        assert_eq!(
            body,
            json!({"name": "Shop", "messenger": {"styles": {"primaryColor": "#1f5fa8"}},
                   "customI18nLabels": [{"language": "fr", "localizedLabels": []}]})
        );
    }

    #[test]
    fn flow_id_is_not_an_aggregates_dimension() {
        let query = json!({"interval": "2024-05-01T00:00:00.000Z/2024-05-02T00:00:00.000Z",
            "metrics": ["nOffered"],
            "filter": {"type": "and", "predicates": [{"type": "dimension", "dimension": "flowId", "value": "f"}]}});
        let violation = check(&CONVERSATION_AGGREGATION_QUERY, &query).unwrap_err();
        assert_eq!(violation.field, "filter.predicates.dimension");
        assert_eq!(violation.code, "invalid.value");
        assert!(
            violation.message.contains("[flowId]"),
            "{}",
            violation.message
        );
    }

    #[test]
    fn flow_id_is_a_segment_dimension() {
        let query = json!({"interval": "2024-05-01T00:00:00.000Z/2024-05-02T00:00:00.000Z",
            "segmentFilters": [{"type": "and", "predicates": [{"dimension": "flowId", "value": "f"}]}]});
        assert_eq!(check(&CONVERSATION_QUERY, &query), Ok(()));
    }

    #[test]
    fn a_missing_required_field_is_named() {
        let violation =
            check(&QUEUE_OBSERVATION_QUERY, &json!({"filter": {"type": "or"}})).unwrap_err();
        assert_eq!(violation.field, "metrics");
        assert_eq!(violation.code, "constraint.validation");
        let clause = json!({"filter": {"type": "or", "clauses": [{"type": "and"}]}, "metrics": ["oWaiting"]});
        assert_eq!(
            check(&QUEUE_OBSERVATION_QUERY, &clause).unwrap_err().field,
            "filter.clauses.predicates"
        );
    }

    #[test]
    fn null_counts_as_absent_and_wrong_types_are_bad_requests() {
        let null_name = json!({"name": null});
        assert_eq!(
            check(&CONFIGURATION_VERSION, &null_name).unwrap_err().code,
            "constraint.validation"
        );
        let wrong = json!({"name": "x", "messenger": {"enabled": "yes"}});
        let violation = check(&CONFIGURATION_VERSION, &wrong).unwrap_err();
        assert_eq!(
            (violation.field.as_str(), violation.code),
            ("messenger.enabled", "bad.request")
        );
    }

    #[test]
    fn intervals_need_two_zoned_date_times_in_order() {
        assert!(is_interval(
            "2024-05-01T00:00:00.000Z/2024-05-08T00:00:00.000Z"
        ));
        assert!(is_interval(
            "2024-05-01T00:00:00Z/2024-05-01T02:00:00+01:00"
        ));
        assert!(!is_interval(
            "2024-05-01T00:00:00Z/2024-05-01T01:00:00+01:00"
        ));
        assert!(!is_interval("2024-05-01/2024-05-08"));
        assert!(!is_interval("2024-05-08T00:00:00Z/2024-05-01T00:00:00Z"));
        assert!(!is_interval("2024-05-01T00:00:00Z"));
    }

    #[test]
    fn enum_lists_have_the_published_sizes() {
        assert_eq!(AGGREGATE_DIMENSIONS.len(), 84);
        assert_eq!(
            AGGREGATE_DIMENSIONS.len() - AGGREGATE_NOT_GROUPABLE.len(),
            83
        );
        assert_eq!(AGGREGATE_METRICS.len(), 80);
        assert_eq!(SEGMENT_DIMENSIONS.len(), 80);
        assert_eq!(OBSERVATION_METRICS.len(), 11);
        assert_eq!(FLOW_TYPES.len(), 20);
        assert!(SEGMENT_DIMENSIONS.contains(&"flowId"));
        assert!(!AGGREGATE_DIMENSIONS.contains(&"flowId"));
    }
}
