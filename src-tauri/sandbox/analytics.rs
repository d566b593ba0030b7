//! `/api/v2/analytics/...`, answered from the traffic simulation: live observations and
//! activity from the queues' current state, details and aggregates from the record of
//! finished (and ongoing) conversations.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::{Extension, Json};
use chrono::{DateTime, Duration as ChronoDuration, DurationRound, Utc};
use serde_json::{json, Value};

use crate::genesys::models::{
    metric, AnalyticsFilter, AnalyticsPredicate, ConversationActivityQuery,
    ConversationAggregationQuery, ConversationQuery, QueueObservationQuery,
};
use crate::genesys::schema;

use super::error::{ApiError, ApiResult};
use super::gate::Caller;
use super::state::{iso, Org, SandboxState};
use super::traffic::{CompletedConversation, QueueTraffic, MESSAGE};
use super::util::{parse_checked, Params};

/// Presence ids the simulated org maps system presences to.
const PRESENCE_AVAILABLE: &str = "6a3af858-942f-489d-9700-5f9bcdcdae9b";
const PRESENCE_ON_QUEUE: &str = "e08eaf1b-ee47-4fa9-a231-1200e284798f";
/// Service-level target the aggregates measure against.
const SERVICE_LEVEL_MS: i64 = 120_000;

fn predicate_matches(
    predicate: &AnalyticsPredicate,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> bool {
    let Some(dimension) = predicate.dimension.as_deref() else {
        // Metric and property predicates are not simulated; they do not narrow.
        return true;
    };
    let found = lookup(dimension);
    match predicate.operator.as_deref().unwrap_or("matches") {
        "exists" => found.is_some(),
        "notExists" => found.is_none(),
        _ => found.as_deref() == predicate.value.as_deref(),
    }
}

fn filter_matches(filter: &AnalyticsFilter, lookup: &dyn Fn(&str) -> Option<String>) -> bool {
    let mut results = filter
        .predicates
        .iter()
        .flatten()
        .map(|p| predicate_matches(p, lookup))
        .collect::<Vec<_>>();
    for clause in filter.clauses.iter().flatten() {
        let inner = clause
            .predicates
            .iter()
            .map(|p| predicate_matches(p, lookup));
        results.push(if clause.clause_type == "or" {
            inner.clone().any(|x| x)
        } else {
            inner.clone().all(|x| x)
        });
    }
    if results.is_empty() {
        return true;
    }
    if filter.filter_type == "or" {
        results.iter().any(|x| *x)
    } else {
        results.iter().all(|x| *x)
    }
}

fn epoch_ms(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

fn waiting_details(queue: &QueueTraffic, media_type: &str) -> Vec<Value> {
    queue
        .waiting_of(media_type)
        .map(|c| {
            json!({"observationDate": iso(c.arrived), "conversationId": c.conversation_id, "sessionId": c.session_id,
                   "participantName": c.customer_name, "direction": "inbound", "routingPriority": 0,
                   "addressFrom": address_from(media_type), "usedRouting": "Standard"})
        })
        .collect()
}

fn interacting_details(queue: &QueueTraffic, media_type: &str) -> Vec<Value> {
    let mut active: Vec<_> = queue.active_of(media_type).collect();
    active.sort_by_key(|c| c.answered);
    active
        .iter()
        .map(|c| {
            json!({"observationDate": iso(c.answered), "conversationId": c.conversation_id, "sessionId": c.session_id,
                   "userId": c.agent_user_id, "participantName": c.customer_name, "direction": "inbound",
                   "routingPriority": 0, "usedRouting": "Standard"})
        })
        .collect()
}

/// Where a simulated customer writes or calls from, by media type.
fn address_from(media_type: &str) -> &'static str {
    match media_type {
        "voice" => "tel:+15555550100",
        "email" => "customer@example.com",
        _ => "webmessaging-guest",
    }
}

fn longest(details: Vec<Value>, first: Option<DateTime<Utc>>, with_details: bool) -> Value {
    match first {
        Some(at) => {
            let mut data = json!({"stats": {"count": 1, "calculatedMetricValue": epoch_ms(at)}});
            if with_details {
                data["observations"] = json!(details.into_iter().take(1).collect::<Vec<_>>());
            }
            data
        }
        None => json!({"stats": {"count": 0}}),
    }
}

fn with_metric(mut data: Value, name: &str, qualifier: Option<&str>) -> Value {
    data["metric"] = json!(name);
    if let Some(qualifier) = qualifier {
        data["qualifier"] = json!(qualifier);
    }
    data
}

/// Conversation metrics of one media type, zero counts included, as Genesys reports them.
fn conversation_metrics(
    queue: &QueueTraffic,
    media_type: &str,
    metrics: &[String],
    details: &[String],
) -> Vec<Value> {
    let wants_detail = |m: &str| details.iter().any(|d| d == m);
    let mut data = Vec::new();
    for name in metrics {
        let entry = match name.as_str() {
            metric::WAITING => {
                let mut entry = json!({"stats": {"count": queue.waiting_of(media_type).count()}});
                if wants_detail(name) {
                    entry["observations"] = json!(waiting_details(queue, media_type));
                    entry["truncated"] = json!(false);
                }
                entry
            }
            metric::INTERACTING => {
                let mut entry = json!({"stats": {"count": queue.active_of(media_type).count()}});
                if wants_detail(name) {
                    entry["observations"] = json!(interacting_details(queue, media_type));
                    entry["truncated"] = json!(false);
                }
                entry
            }
            metric::ALERTING => json!({"stats": {"count": 0}}),
            metric::LONGEST_WAITING => {
                let first = queue.waiting_of(media_type).next().map(|c| c.arrived);
                longest(waiting_details(queue, media_type), first, true)
            }
            metric::LONGEST_INTERACTING => {
                let first = queue.active_of(media_type).map(|c| c.answered).min();
                longest(interacting_details(queue, media_type), first, true)
            }
            _ => continue,
        };
        data.push(with_metric(entry, name, None));
    }
    data
}

/// User metrics: about agents, not conversations, so in the `{queueId}` group only.
fn user_metrics(queue: &QueueTraffic, metrics: &[String]) -> Vec<Value> {
    let count = |n: usize| json!({"stats": {"count": n}});
    let mut data = Vec::new();
    for name in metrics {
        let entries: Vec<(Value, Option<&str>)> = match name.as_str() {
            metric::ON_QUEUE_USERS => vec![
                (count(queue.on_queue_idle()), Some("IDLE")),
                (count(queue.on_queue_interacting()), Some("INTERACTING")),
            ],
            metric::USER_ROUTING_STATUSES => vec![
                (count(queue.on_queue_idle()), Some("IDLE")),
                (count(queue.on_queue_interacting()), Some("INTERACTING")),
                (count(queue.off_queue()), Some("OFF_QUEUE")),
            ],
            metric::OFF_QUEUE_USERS => vec![(count(queue.off_queue()), Some(PRESENCE_AVAILABLE))],
            metric::USER_PRESENCES => vec![
                (
                    count(queue.on_queue_idle() + queue.on_queue_interacting()),
                    Some(PRESENCE_ON_QUEUE),
                ),
                (count(queue.off_queue()), Some(PRESENCE_AVAILABLE)),
            ],
            metric::ACTIVE_USERS | metric::MEMBER_USERS => vec![(count(queue.agents.len()), None)],
            _ => Vec::new(),
        };
        data.extend(
            entries
                .into_iter()
                .map(|(entry, qualifier)| with_metric(entry, name, qualifier)),
        );
    }
    data
}

fn observation_results(
    queue: &QueueTraffic,
    query: &QueueObservationQuery,
    details: &[String],
) -> Vec<Value> {
    let mut results = Vec::new();
    let queue_only = |dimension: &str| (dimension == "queueId").then(|| queue.queue_id.clone());
    let user_data = user_metrics(queue, &query.metrics);
    if !user_data.is_empty() && filter_matches(&query.filter, &queue_only) {
        results.push(json!({"group": {"queueId": queue.queue_id}, "data": user_data}));
    }
    for media_type in queue.media_types() {
        let lookup = |dimension: &str| match dimension {
            "queueId" => Some(queue.queue_id.clone()),
            "mediaType" => Some(media_type.to_string()),
            _ => None,
        };
        if !filter_matches(&query.filter, &lookup) {
            continue;
        }
        let data = conversation_metrics(queue, media_type, &query.metrics, details);
        if !data.is_empty() {
            results.push(json!({"group": {"queueId": queue.queue_id, "mediaType": media_type}, "data": data}));
        }
    }
    results
}

pub async fn queue_observations(
    State(state): State<SandboxState>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    caller.require_any(&["analytics:queueObservation:view"])?;
    let query: QueueObservationQuery = parse_checked(&schema::QUEUE_OBSERVATION_QUERY, &body)?;
    if query.metrics.is_empty() {
        return Err(ApiError::invalid_field(
            "constraint.validation",
            "metrics",
            "metrics may not be empty",
        ));
    }
    let details = query.detail_metrics.clone().unwrap_or_default();
    let org = state.org();
    let mut results = Vec::new();
    for queue in &org.traffic.queues {
        results.extend(observation_results(queue, &query, &details));
    }
    Ok(Json(json!({
        "results": results,
        "systemToOrganizationMappings": {"AVAILABLE": [PRESENCE_AVAILABLE], "ON_QUEUE": [PRESENCE_ON_QUEUE]},
    })))
}

pub async fn conversation_activity(
    State(state): State<SandboxState>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    caller.require_any(&["analytics:queueObservation:view"])?;
    let params = Params::parse(raw.as_deref());
    let query: ConversationActivityQuery =
        parse_checked(&schema::CONVERSATION_ACTIVITY_QUERY, &body)?;
    if query.metrics.is_empty() {
        return Err(ApiError::invalid_field(
            "constraint.validation",
            "metrics",
            "metrics may not be empty",
        ));
    }
    let page_size = params.number("pageSize", 100, 1000)? as usize;
    let page_number = params.number("pageNumber", 1, u32::MAX)? as usize;
    let by_media = query.group_by.iter().any(|d| d == "mediaType");
    let org = state.org();
    let mut results = Vec::new();
    for queue in &org.traffic.queues {
        let media: Vec<&str> = queue
            .media_types()
            .into_iter()
            .filter(|media_type| {
                let lookup = |dimension: &str| match dimension {
                    "queueId" => Some(queue.queue_id.clone()),
                    "mediaType" => Some(media_type.to_string()),
                    _ => None,
                };
                query
                    .filter
                    .as_ref()
                    .is_none_or(|filter| filter_matches(filter, &lookup))
            })
            .collect();
        let groups: Vec<Vec<&str>> = if by_media {
            media.iter().map(|m| vec![*m]).collect()
        } else if media.is_empty() {
            Vec::new()
        } else {
            vec![media.clone()]
        };
        for group_media in groups {
            results.push(activity_group(
                queue,
                &group_media,
                by_media,
                &query,
                (page_number, page_size),
            ));
        }
    }
    Ok(Json(
        json!({"results": results, "entityIdDimension": "conversationId"}),
    ))
}

/// One activity group: a queue, or a queue and one media type.
fn activity_group(
    queue: &QueueTraffic,
    media: &[&str],
    by_media: bool,
    query: &ConversationActivityQuery,
    (page_number, page_size): (usize, usize),
) -> Value {
    let mut data = Vec::new();
    let mut entities = Vec::new();
    for spec in &query.metrics {
        let rows: Vec<(DateTime<Utc>, &str, &str)> = match spec.metric.as_str() {
            metric::WAITING | metric::LONGEST_WAITING => queue
                .waiting
                .iter()
                .filter(|c| media.contains(&c.media_type.as_str()))
                .map(|c| (c.arrived, c.conversation_id.as_str(), c.media_type.as_str()))
                .collect(),
            metric::INTERACTING | metric::LONGEST_INTERACTING => queue
                .active
                .iter()
                .filter(|c| media.contains(&c.media_type.as_str()))
                .map(|c| {
                    (
                        c.answered,
                        c.conversation_id.as_str(),
                        c.media_type.as_str(),
                    )
                })
                .collect(),
            _ => Vec::new(),
        };
        let item = if spec.metric.starts_with("oLongest") {
            json!({"metric": spec.metric, "calculatedMetricValue": rows.iter().map(|(at, _, _)| epoch_ms(*at)).min()})
        } else {
            json!({"metric": spec.metric, "count": rows.len()})
        };
        data.push(item);
        if spec.details == Some(true) {
            entities.extend(rows.iter().map(|(at, id, media_type)| {
                json!({"activityDate": iso(*at), "metric": spec.metric, "conversationId": id,
                       "queueId": queue.queue_id, "mediaType": media_type})
            }));
        }
    }
    let total = entities.len();
    let page: Vec<Value> = entities
        .into_iter()
        .skip((page_number - 1) * page_size)
        .take(page_size)
        .collect();
    let mut group = json!({"queueId": queue.queue_id});
    if by_media {
        group["mediaType"] = json!(media.first());
    }
    json!({"group": group, "data": data, "truncated": total > page_number * page_size, "entities": page})
}

/// Parses `start/end`.
fn parse_interval(interval: &str) -> ApiResult<(DateTime<Utc>, DateTime<Utc>)> {
    let invalid = || {
        ApiError::invalid_field(
            "invalid.date",
            "interval",
            format!("Interval [{interval}] is not valid; expected start/end in ISO-8601."),
        )
    };
    let (start, end) = interval.split_once('/').ok_or_else(invalid)?;
    let parse = |text: &str| {
        DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| invalid())
    };
    let (start, end) = (parse(start)?, parse(end)?);
    if end <= start {
        return Err(invalid());
    }
    Ok((start, end))
}

/// Every conversation the org has seen: finished, in progress and waiting.
fn all_conversations(org: &Org) -> Vec<CompletedConversation> {
    let mut conversations: Vec<CompletedConversation> =
        org.traffic.completed.iter().cloned().collect();
    for queue in &org.traffic.queues {
        for c in &queue.waiting {
            conversations.push(CompletedConversation {
                conversation_id: c.conversation_id.clone(),
                media_type: c.media_type.clone(),
                session_id: c.session_id.clone(),
                queue_id: queue.queue_id.clone(),
                flow_id: queue.flow_id.clone(),
                customer_name: c.customer_name.clone(),
                arrived: c.arrived,
                answered: None,
                ended: DateTime::<Utc>::MAX_UTC,
                agent_user_id: None,
            });
        }
        for c in &queue.active {
            conversations.push(CompletedConversation {
                conversation_id: c.conversation_id.clone(),
                media_type: c.media_type.clone(),
                session_id: c.session_id.clone(),
                queue_id: queue.queue_id.clone(),
                flow_id: queue.flow_id.clone(),
                customer_name: c.customer_name.clone(),
                arrived: c.arrived,
                answered: Some(c.answered),
                ended: DateTime::<Utc>::MAX_UTC,
                agent_user_id: Some(c.agent_user_id.clone()),
            });
        }
    }
    conversations
}

fn dimension_of(conversation: &CompletedConversation, dimension: &str) -> Option<String> {
    match dimension {
        "queueId" => Some(conversation.queue_id.clone()),
        // The queue's inbound message flow routed only its web messages.
        "flowId" => conversation
            .flow_id
            .clone()
            .filter(|_| conversation.media_type == MESSAGE),
        "mediaType" => Some(conversation.media_type.clone()),
        "messageType" => (conversation.media_type == MESSAGE).then(|| "webmessaging".into()),
        "direction" | "originatingDirection" => Some("inbound".into()),
        "conversationId" => Some(conversation.conversation_id.clone()),
        "userId" => conversation.agent_user_id.clone(),
        "purpose" => Some("acd".into()),
        "segmentType" => Some("interact".into()),
        _ => None,
    }
}

fn conversation_json(org: &Org, c: &CompletedConversation, now: DateTime<Utc>) -> Value {
    let finished = c.ended != DateTime::<Utc>::MAX_UTC;
    let queue_name = org.queue(&c.queue_id).and_then(|q| q.name.clone());
    let agent_name = org
        .traffic
        .queue(&c.queue_id)
        .and_then(|q| {
            q.agents
                .iter()
                .find(|a| Some(&a.user_id) == c.agent_user_id.as_ref())
        })
        .map(|a| a.name.clone());
    let queue_left = c.answered.unwrap_or(if finished { c.ended } else { now });
    let mut acd_metrics = vec![json!({"name": "nOffered", "value": 1, "emitDate": iso(c.arrived)})];
    let wait_ms = (queue_left - c.arrived).num_milliseconds();
    if finished || c.answered.is_some() {
        acd_metrics.push(json!({"name": "tAcd", "value": wait_ms, "emitDate": iso(queue_left)}));
    }
    if c.answered.is_none() && finished {
        acd_metrics.push(json!({"name": "tAbandon", "value": wait_ms, "emitDate": iso(c.ended)}));
    }
    let mut acd_segment =
        json!({"segmentStart": iso(c.arrived), "segmentType": "interact", "queueId": c.queue_id});
    if finished || c.answered.is_some() {
        acd_segment["segmentEnd"] = json!(iso(queue_left));
    }
    if c.answered.is_none() && finished {
        acd_segment["disconnectType"] = json!("peer");
    }
    let session = |metrics: Vec<Value>, segments: Vec<Value>| {
        let mut session = json!({"sessionId": c.session_id, "mediaType": c.media_type, "direction": "inbound",
               "addressFrom": address_from(&c.media_type), "metrics": metrics, "segments": segments});
        if c.media_type == MESSAGE {
            session["messageType"] = json!("webmessaging");
            session["provider"] = json!("PureCloud Messaging");
        }
        session
    };
    let mut customer_segment = json!({"segmentStart": iso(c.arrived), "segmentType": "interact"});
    if finished {
        customer_segment["segmentEnd"] = json!(iso(c.ended));
    }
    let mut participants = vec![
        json!({"participantId": format!("{}-c", &c.conversation_id[..8]), "participantName": c.customer_name, "purpose": "customer",
               "sessions": [session(vec![], vec![customer_segment])]}),
        json!({"participantId": format!("{}-q", &c.conversation_id[..8]), "participantName": queue_name, "purpose": "acd",
               "sessions": [session(acd_metrics, vec![acd_segment])]}),
    ];
    if let (Some(answered), Some(user_id)) = (c.answered, &c.agent_user_id) {
        let mut metrics =
            vec![json!({"name": "tAnswered", "value": wait_ms, "emitDate": iso(answered)})];
        let mut segment = json!({"segmentStart": iso(answered), "segmentType": "interact", "queueId": c.queue_id});
        if finished {
            let handle = (c.ended - answered).num_milliseconds();
            metrics.push(json!({"name": "tTalk", "value": handle, "emitDate": iso(c.ended)}));
            metrics.push(json!({"name": "tHandle", "value": handle, "emitDate": iso(c.ended)}));
            segment["segmentEnd"] = json!(iso(c.ended));
            segment["disconnectType"] = json!("client");
        }
        participants.push(json!({"participantId": format!("{}-a", &c.conversation_id[..8]), "participantName": agent_name,
                                  "purpose": "agent", "userId": user_id, "sessions": [session(metrics, vec![segment])]}));
    }
    let mut conversation = json!({
        "conversationId": c.conversation_id,
        "conversationStart": iso(c.arrived),
        "originatingDirection": "inbound",
        "conversationInitiator": "external",
        "customerParticipation": true,
        "participants": participants,
    });
    if finished {
        conversation["conversationEnd"] = json!(iso(c.ended));
    }
    conversation
}

fn matches_all(filters: Option<&Vec<AnalyticsFilter>>, c: &CompletedConversation) -> bool {
    filters
        .into_iter()
        .flatten()
        .all(|filter| filter_matches(filter, &|d| dimension_of(c, d)))
}

pub async fn conversation_details(
    State(state): State<SandboxState>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    caller.require_any(&[
        "analytics:conversationDetail:view",
        "analytics:agentConversationDetail:view",
    ])?;
    let query: ConversationQuery = parse_checked(&schema::CONVERSATION_QUERY, &body)?;
    let (start, end) = parse_interval(&query.interval)?;
    let paging = query.paging.unwrap_or(crate::genesys::models::PagingSpec {
        page_size: 25,
        page_number: 1,
    });
    if paging.page_size == 0 || paging.page_size > 100 || paging.page_number == 0 {
        return Err(ApiError::invalid_field(
            "invalid.value",
            "paging.pageSize",
            "pageSize must be 1 to 100 and pageNumber at least 1",
        ));
    }
    // Genesys matches conversations that started on any day the interval touches.
    let day_start = start
        .duration_trunc(ChronoDuration::days(1))
        .unwrap_or(start);
    let day_end = {
        let truncated = end.duration_trunc(ChronoDuration::days(1)).unwrap_or(end);
        if truncated == end {
            end
        } else {
            truncated + ChronoDuration::days(1)
        }
    };
    let now = state.now();
    let org = state.org();
    let mut matching: Vec<CompletedConversation> = all_conversations(&org)
        .into_iter()
        .filter(|c| c.arrived >= day_start && c.arrived < day_end)
        .filter(|c| {
            matches_all(query.segment_filters.as_ref(), c)
                && matches_all(query.conversation_filters.as_ref(), c)
        })
        .collect();
    matching.sort_by_key(|c| c.arrived);
    if query.order.as_deref() == Some("desc") {
        matching.reverse();
    }
    let total = matching.len();
    let page: Vec<Value> = matching
        .iter()
        .skip((paging.page_number as usize - 1) * paging.page_size as usize)
        .take(paging.page_size as usize)
        .map(|c| conversation_json(&org, c, now))
        .collect();
    let mut response = json!({"totalHits": total});
    if !page.is_empty() {
        response["conversations"] = json!(page);
    }
    Ok(Json(response))
}

/// `PT15M`, `PT1H`, `P1D`, `P7D`, `PT30S`.
fn parse_granularity(text: &str) -> Option<ChronoDuration> {
    let (days, time) = match text.strip_prefix('P')?.split_once('T') {
        Some((days, time)) => (days, time),
        None => (text.strip_prefix('P')?, ""),
    };
    let mut total = ChronoDuration::zero();
    if let Some(number) = days.strip_suffix('D') {
        total += ChronoDuration::days(number.parse().ok()?);
    } else if let Some(number) = days.strip_suffix('W') {
        total += ChronoDuration::weeks(number.parse().ok()?);
    } else if !days.is_empty() {
        return None;
    }
    let mut rest = time;
    for (unit, make) in [
        ('H', ChronoDuration::hours as fn(i64) -> ChronoDuration),
        ('M', ChronoDuration::minutes),
        ('S', ChronoDuration::seconds),
    ] {
        if let Some((number, after)) = rest.split_once(unit) {
            total += make(number.parse().ok()?);
            rest = after;
        }
    }
    (rest.is_empty() && total > ChronoDuration::zero()).then_some(total)
}

#[derive(Default)]
struct Tally {
    count: i64,
    sum: f64,
    min: Option<f64>,
    max: Option<f64>,
}

impl Tally {
    fn add(&mut self, value: f64) {
        self.count += 1;
        self.sum += value;
        self.min = Some(self.min.map_or(value, |m| m.min(value)));
        self.max = Some(self.max.map_or(value, |m| m.max(value)));
    }
}

fn aggregate_stats(metric_name: &str, conversations: &[&CompletedConversation]) -> Value {
    let mut tally = Tally::default();
    let finished = |c: &&&CompletedConversation| c.ended != DateTime::<Utc>::MAX_UTC;
    let wait = |c: &CompletedConversation| {
        (c.answered.unwrap_or(c.ended) - c.arrived).num_milliseconds() as f64
    };
    match metric_name {
        "nOffered" => return json!({"count": conversations.len()}),
        // Not agent-specific: the customer's own leg connects too, so every conversation
        // counts. Answered is `tAnswered`.
        "nConnected" => return json!({"count": conversations.len()}),
        "nOverSla" => {
            let over = conversations
                .iter()
                .filter(|c| {
                    c.answered
                        .is_some_and(|a| (a - c.arrived).num_milliseconds() > SERVICE_LEVEL_MS)
                })
                .count();
            return json!({"count": over});
        }
        "oServiceLevel" => {
            let answered: Vec<_> = conversations
                .iter()
                .filter(|c| c.answered.is_some())
                .collect();
            let within = answered
                .iter()
                .filter(|c| {
                    c.answered
                        .is_some_and(|a| (a - c.arrived).num_milliseconds() <= SERVICE_LEVEL_MS)
                })
                .count();
            let denominator = conversations.iter().filter(finished).count();
            let ratio = if denominator == 0 {
                1.0
            } else {
                within as f64 / denominator as f64
            };
            return json!({"ratio": ratio, "numerator": within, "denominator": denominator, "target": 0.8});
        }
        "tWait" | "tAcd" => conversations
            .iter()
            .filter(finished)
            .for_each(|c| tally.add(wait(c))),
        "tAnswered" => conversations
            .iter()
            .filter(|c| c.answered.is_some())
            .for_each(|c| tally.add(wait(c))),
        "tAbandon" => conversations
            .iter()
            .filter(finished)
            .filter(|c| c.answered.is_none())
            .for_each(|c| tally.add(wait(c))),
        "tShortAbandon" => conversations
            .iter()
            .filter(finished)
            .filter(|c| c.answered.is_none() && wait(c) < 10_000.0)
            .for_each(|c| tally.add(wait(c))),
        "tHandle" | "tTalk" => conversations
            .iter()
            .filter(finished)
            .filter_map(|c| c.answered.map(|a| (c.ended - a).num_milliseconds() as f64))
            .for_each(|ms| tally.add(ms)),
        _ => return json!({"count": 0}),
    }
    if tally.count == 0 {
        return json!({"count": 0});
    }
    json!({"count": tally.count, "sum": tally.sum, "min": tally.min, "max": tally.max})
}

pub async fn conversation_aggregates(
    State(state): State<SandboxState>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    caller.require_any(&["analytics:conversationAggregate:view"])?;
    let query: ConversationAggregationQuery =
        parse_checked(&schema::CONVERSATION_AGGREGATION_QUERY, &body)?;
    let (start, end) = parse_interval(&query.interval)?;
    if query.metrics.is_empty() {
        return Err(ApiError::invalid_field(
            "constraint.validation",
            "metrics",
            "metrics may not be empty",
        ));
    }
    let bucket = match query.granularity.as_deref() {
        None => end - start,
        Some(text) => parse_granularity(text).ok_or_else(|| {
            ApiError::invalid_field(
                "invalid.value",
                "granularity",
                format!("Granularity [{text}] is not a valid ISO-8601 duration"),
            )
        })?,
    };
    if (end - start).num_milliseconds() / bucket.num_milliseconds().max(1) > 10_000 {
        return Err(ApiError::invalid_field(
            "invalid.value",
            "granularity",
            "The interval holds more than 10000 buckets of that granularity",
        ));
    }
    let group_by = query.group_by.clone().unwrap_or_default();
    let org = state.org();
    let conversations = all_conversations(&org);
    let mut groups: BTreeMap<Vec<(String, String)>, Vec<&CompletedConversation>> = BTreeMap::new();
    for c in conversations
        .iter()
        .filter(|c| c.arrived >= start && c.arrived < end)
    {
        if query
            .filter
            .as_ref()
            .is_some_and(|filter| !filter_matches(filter, &|d| dimension_of(c, d)))
        {
            continue;
        }
        let key = group_by
            .iter()
            .filter_map(|d| dimension_of(c, d).map(|v| (d.clone(), v)))
            .collect();
        groups.entry(key).or_default().push(c);
    }
    let mut results = Vec::new();
    for (key, members) in groups {
        let mut buckets: BTreeMap<i64, Vec<&CompletedConversation>> = BTreeMap::new();
        for c in members {
            let index = (c.arrived - start).num_milliseconds() / bucket.num_milliseconds().max(1);
            buckets.entry(index).or_default().push(c);
        }
        let data: Vec<Value> = buckets
            .into_iter()
            .map(|(index, items)| {
                let bucket_start = start + bucket * index as i32;
                let bucket_end = (bucket_start + bucket).min(end);
                let metrics: Vec<Value> = query
                    .metrics
                    .iter()
                    .map(|m| json!({"metric": m, "stats": aggregate_stats(m, &items)}))
                    .collect();
                json!({"interval": format!("{}/{}", iso(bucket_start), iso(bucket_end)), "metrics": metrics})
            })
            .collect();
        let group: serde_json::Map<String, Value> =
            key.into_iter().map(|(k, v)| (k, json!(v))).collect();
        results.push(json!({"group": group, "data": data}));
    }
    let mut response = json!({});
    if !results.is_empty() {
        response["results"] = json!(results);
    }
    Ok(Json(response))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn granularity_parses_the_common_forms() {
        assert_eq!(
            parse_granularity("PT15M"),
            Some(ChronoDuration::minutes(15))
        );
        assert_eq!(parse_granularity("PT1H"), Some(ChronoDuration::hours(1)));
        assert_eq!(parse_granularity("P1D"), Some(ChronoDuration::days(1)));
        assert_eq!(
            parse_granularity("PT1H30M"),
            Some(ChronoDuration::minutes(90))
        );
        assert_eq!(parse_granularity("1H"), None);
        assert_eq!(parse_granularity("PT0S"), None);
    }

    #[test]
    fn filters_combine_predicates_and_clauses() {
        let filter: AnalyticsFilter = serde_json::from_value(json!({
            "type": "and",
            "predicates": [{"dimension": "mediaType", "value": "message"}],
            "clauses": [{"type": "or", "predicates": [{"dimension": "queueId", "value": "a"}, {"dimension": "queueId", "value": "b"}]}]
        }))
        .unwrap();
        let lookup = |queue: &'static str| {
            move |d: &str| match d {
                "queueId" => Some(queue.to_string()),
                "mediaType" => Some("message".to_string()),
                _ => None,
            }
        };
        assert!(filter_matches(&filter, &lookup("b")));
        assert!(!filter_matches(&filter, &lookup("c")));
    }
}
