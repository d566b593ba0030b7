//! `POST /api/v2/analytics/conversations/details/query`: the conversation record as
//! participants, sessions and segments, matched on the days the interval touches.

use axum::extract::State;
use axum::Json;
use chrono::{DateTime, Duration as ChronoDuration, DurationRound, Utc};
use serde_json::{json, Value};

use genesys::models::{AnalyticsFilter, ConversationQuery};

use super::super::body::Checked;
use super::super::error::{ApiError, ApiResult};
use super::super::state::{iso, Org, SandboxState};
use super::super::traffic::{CompletedConversation, MESSAGE};
use super::{address_from, all_conversations, dimension_of, filter_matches, parse_interval};

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
    // A guest's customer has the participant id the conversations API gives it, as in
    // Genesys Cloud, where both name the same participant.
    let guest = org.guests.conversation(&c.conversation_id);
    let customer_id = guest
        .map(|record| record.customer_participant_id.clone())
        .unwrap_or_else(|| format!("{}-c", &c.conversation_id[..8]));
    let queue_participant_id = guest
        .and_then(|record| record.queue.as_ref())
        .map(|(_, participant_id)| participant_id.clone())
        .unwrap_or_else(|| format!("{}-q", &c.conversation_id[..8]));
    let mut participants = vec![
        json!({"participantId": customer_id, "participantName": c.customer_name, "purpose": "customer",
               "sessions": [session(vec![], vec![customer_segment])]}),
        json!({"participantId": queue_participant_id, "participantName": queue_name, "purpose": "acd",
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
    Checked(query): Checked<ConversationQuery>,
) -> ApiResult<Json<Value>> {
    let (start, end) = parse_interval(&query.interval)?;
    let paging = query.paging.unwrap_or(genesys::models::PagingSpec {
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
