//! Simulated queue traffic as the analytics and routing endpoints report it.

use std::time::Duration;

use genesys::models::{
    metric, AnalyticsFilter, AnalyticsPredicate, ConversationAggregationQuery, ConversationQuery,
    QueueObservationQuery,
};
use sandbox::SandboxOptions;
use serde_json::json;

use crate::helpers::{spawn_sandbox_with, test_options, TestApp};

fn count(
    response: &genesys::models::QueueObservationQueryResponse,
    queue_id: &str,
    name: &str,
    qualifier: Option<&str>,
) -> i64 {
    response
        .results
        .iter()
        .filter(|r| r.group.get("queueId").map(String::as_str) == Some(queue_id))
        .flat_map(|r| r.data.iter())
        .filter(|d| d.metric == name && d.qualifier.as_deref() == qualifier)
        .map(|d| d.stats.count.unwrap_or(0))
        .sum()
}

async fn observe(
    app: &TestApp,
    queue_ids: &[String],
) -> genesys::models::QueueObservationQueryResponse {
    let query = QueueObservationQuery {
        filter: AnalyticsFilter::any_of("queueId", queue_ids.iter().cloned()),
        metrics: vec![
            metric::WAITING.into(),
            metric::INTERACTING.into(),
            metric::ON_QUEUE_USERS.into(),
            metric::LONGEST_WAITING.into(),
        ],
        detail_metrics: Some(vec![metric::WAITING.into()]),
        ..Default::default()
    };
    app.client
        .analytics()
        .queue_observations(&query)
        .await
        .unwrap()
}

#[tokio::test(start_paused = true)]
async fn overloading_a_queue_shows_in_observations_and_wait_estimates_then_recovers() {
    let app = spawn_sandbox_with(SandboxOptions {
        speed: 60.0,
        ..test_options()
    })
    .await;
    let support = app.queue_id("Support").await;
    let sales = app.queue_id("Sales").await;
    app.control(
        &format!("/sandbox/queues/{support}/traffic"),
        json!({"onQueueAgents": 0, "arrivalsPerHour": 600, "patienceSeconds": 36000, "dailyCurve": false}),
    )
    .await;
    tokio::time::advance(Duration::from_secs(10)).await; // ten simulated minutes

    let observed = observe(&app, &[support.clone(), sales.clone()]).await;
    let waiting = count(&observed, &support, metric::WAITING, None);
    assert!(
        waiting >= 40,
        "about 100 arrivals in ten minutes with no agents, saw {waiting}"
    );
    assert_eq!(
        count(&observed, &support, metric::ON_QUEUE_USERS, Some("IDLE")),
        0
    );
    // Agents taken off queue finish the conversation they are in first, so only the
    // idle count is guaranteed to be zero here.
    let details = observed
        .results
        .iter()
        .find(|r| r.group.get("queueId") == Some(&support) && r.group.contains_key("mediaType"))
        .and_then(|r| r.data.iter().find(|d| d.metric == metric::WAITING))
        .and_then(|d| d.observations.clone())
        .unwrap();
    assert_eq!(details.len() as i64, waiting);
    let dates: Vec<_> = details
        .iter()
        .map(|d| d.observation_date.clone().unwrap())
        .collect();
    assert!(dates.windows(2).all(|w| w[0] <= w[1]), "oldest first");
    assert!(
        observed
            .results
            .iter()
            .any(|r| r.group.get("queueId") == Some(&sales)),
        "both queues in one request"
    );

    let estimate = app
        .client
        .queues()
        .estimated_wait_time(&support, None)
        .await
        .unwrap();
    assert!(
        estimate.message_estimate_seconds().unwrap() > 600,
        "{estimate:?}"
    );
    let oldest = details[0].conversation_id.clone().unwrap();
    let position = app
        .client
        .queues()
        .estimated_wait_time(&support, Some(&oldest))
        .await
        .unwrap();
    assert_eq!(position.results[0].formula, "POSITION-IN-QUEUE");

    app.control(
        &format!("/sandbox/queues/{support}/traffic"),
        json!({"onQueueAgents": 8, "arrivalsPerHour": 5}),
    )
    .await;
    tokio::time::advance(Duration::from_secs(240)).await; // four hours simulated
    let recovered = observe(&app, std::slice::from_ref(&support)).await;
    assert!(count(&recovered, &support, metric::WAITING, None) <= 2);
    assert!(count(&recovered, &support, metric::ON_QUEUE_USERS, Some("IDLE")) >= 1);
}

#[tokio::test]
async fn conversation_details_page_through_web_messaging_conversations() {
    let app = spawn_sandbox_with(SandboxOptions {
        history_hours: 24,
        ..test_options()
    })
    .await;
    let support = app.queue_id("Support").await;
    // Details match every conversation of the days the interval touches, later arrivals
    // today included; a stopped clock keeps the total still while the pages are read.
    app.control("/sandbox/speed", json!({"speed": 0})).await;
    let now = app.org_now().await;
    let query = ConversationQuery {
        interval: format!(
            "{}/{}",
            (now - chrono::Duration::hours(24)).to_rfc3339(),
            now.to_rfc3339()
        ),
        order: Some("desc".into()),
        segment_filters: Some(vec![AnalyticsFilter::all_of(vec![
            AnalyticsPredicate::dimension("mediaType", "message"),
            AnalyticsPredicate::dimension("messageType", "webmessaging"),
            AnalyticsPredicate::dimension("queueId", support.clone()),
        ])]),
        ..Default::default()
    };
    let first = app
        .client
        .analytics()
        .conversation_details(&query)
        .await
        .unwrap();
    let total = first.total_hits.unwrap();
    assert!(total > 100, "a day of Support traffic, got {total}");
    let all = app
        .client
        .analytics()
        .conversation_details_all(&query, 100)
        .await
        .unwrap();
    assert_eq!(all.len() as u64, total);
    let conversation = &all[0];
    let purposes: Vec<_> = conversation
        .participants
        .iter()
        .flatten()
        .filter_map(|p| p.purpose.clone())
        .collect();
    assert!(purposes.starts_with(&["customer".to_string(), "acd".to_string()]));
    let session = &conversation.participants.as_ref().unwrap()[1]
        .sessions
        .as_ref()
        .unwrap()[0];
    assert_eq!(
        (
            session.media_type.as_deref(),
            session.message_type.as_deref()
        ),
        (Some("message"), Some("webmessaging"))
    );
    assert_eq!(
        session.segments.as_ref().unwrap()[0].queue_id.as_deref(),
        Some(support.as_str())
    );

    let aggregates = app
        .client
        .analytics()
        .conversation_aggregates(&ConversationAggregationQuery {
            interval: query.interval.clone(),
            group_by: Some(vec!["queueId".into()]),
            filter: Some(AnalyticsFilter::all_of(vec![
                AnalyticsPredicate::dimension("queueId", support.clone()),
            ])),
            metrics: vec![
                "nOffered".into(),
                "nConnected".into(),
                "tAnswered".into(),
                "tHandle".into(),
                "tAbandon".into(),
            ],
            ..Default::default()
        })
        .await
        .unwrap();
    let results = aggregates.results.unwrap();
    assert_eq!(results.len(), 1);
    let offered = results[0].data[0]
        .metrics
        .iter()
        .find(|m| m.metric == "nOffered")
        .unwrap()
        .stats
        .count
        .unwrap();
    let connected = results[0].data[0]
        .metrics
        .iter()
        .find(|m| m.metric == "nConnected")
        .unwrap()
        .stats
        .count
        .unwrap();
    assert!(offered > 0 && connected <= offered);
    assert!(
        offered as u64 <= total,
        "details match conversations that started on the touched days"
    );

    let hourly = app
        .client
        .analytics()
        .conversation_aggregates(&ConversationAggregationQuery {
            interval: query.interval.clone(),
            granularity: Some("PT1H".into()),
            metrics: vec!["nOffered".into()],
            ..Default::default()
        })
        .await
        .unwrap();
    let buckets = hourly.results.unwrap()[0].data.len();
    assert!((20..=25).contains(&buckets), "{buckets} hourly buckets");
}
