//! `POST /api/v2/analytics/conversations/aggregates/query`: metrics of the
//! conversation record per group and granularity bucket.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::Json;
use chrono::{DateTime, Duration as ChronoDuration, Utc};
use serde_json::{json, Value};

use genesys::models::ConversationAggregationQuery;

use super::super::body::Checked;
use super::super::error::{ApiError, ApiResult};
use super::super::state::{iso, SandboxState};
use super::super::traffic::CompletedConversation;
use super::{all_conversations, dimension_of, filter_matches, parse_interval, require_metrics};

/// Service-level target the aggregates measure against.
const SERVICE_LEVEL_MS: i64 = 120_000;

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
    Checked(query): Checked<ConversationAggregationQuery>,
) -> ApiResult<Json<Value>> {
    let (start, end) = parse_interval(&query.interval)?;
    require_metrics(&query.metrics)?;
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
}
