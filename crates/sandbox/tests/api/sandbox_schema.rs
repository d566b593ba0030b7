//! The Sandbox refuses what a real org refuses: every out-of-enum value, missing required
//! field and wrong JSON type answers 400 with a Genesys error body naming the field.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{spawn_sandbox, TestApp};

const INTERVAL: &str = "2024-05-01T00:00:00.000Z/2024-05-02T00:00:00.000Z";

/// Sends `body` and asserts the refusal: status 400, `code`, `details[0].fieldName`, and
/// `contextId` equal to the correlation header, as every Genesys error has.
async fn assert_refused(
    app: &TestApp,
    token: &str,
    (method, path): (Method, &str),
    body: Option<Value>,
    (code, field): (&str, &str),
) {
    let mut request = app
        .http
        .request(method.clone(), app.url(path))
        .bearer_auth(token);
    if let Some(body) = &body {
        request = request.json(body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let correlation = response
        .headers()
        .get("inin-correlation-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let error: Value = response.json().await.unwrap();
    let what = format!("{method} {path} {body:?}: {error}");
    assert_eq!(status, 400, "{what}");
    assert_eq!(error["status"], 400, "{what}");
    assert_eq!(error["code"], code, "{what}");
    assert_eq!(error["details"][0]["fieldName"], field, "{what}");
    assert!(
        error["message"].as_str().unwrap().contains(field),
        "the message names the field: {what}"
    );
    assert_eq!(error["contextId"].as_str().map(str::to_string), correlation);
}

const OBSERVATIONS: (Method, &str) = (Method::POST, "/api/v2/analytics/queues/observations/query");
const AGGREGATES: (Method, &str) = (
    Method::POST,
    "/api/v2/analytics/conversations/aggregates/query",
);
const DETAILS: (Method, &str) = (
    Method::POST,
    "/api/v2/analytics/conversations/details/query",
);
const ACTIVITY: (Method, &str) = (
    Method::POST,
    "/api/v2/analytics/conversations/activity/query",
);

#[tokio::test]
async fn observations_refuse_unknown_metrics_dimensions_and_missing_fields() {
    let app = spawn_sandbox().await;
    let token = app.token().await;
    let filter = json!({"type": "or", "predicates": [{"dimension": "queueId", "value": "q"}]});
    let cases = [
        (
            json!({"filter": filter, "metrics": ["oWaiting", "nOffered"]}),
            ("invalid.value", "metrics"),
        ),
        (
            json!({"filter": filter, "metrics": ["oWaiting"], "detailMetrics": ["oLongestWaiting"]}),
            ("invalid.value", "detailMetrics"),
        ),
        (
            json!({"filter": {"type": "or", "predicates": [{"dimension": "flowId", "value": "f"}]}, "metrics": ["oWaiting"]}),
            ("invalid.value", "filter.predicates.dimension"),
        ),
        (
            json!({"filter": {"type": "xor"}, "metrics": ["oWaiting"]}),
            ("invalid.value", "filter.type"),
        ),
        (
            json!({"filter": {"type": "or", "predicates": [{"dimension": "queueId", "operator": "equals", "value": "q"}]}, "metrics": ["oWaiting"]}),
            ("invalid.value", "filter.predicates.operator"),
        ),
        (
            json!({"metrics": ["oWaiting"]}),
            ("constraint.validation", "filter"),
        ),
        (
            json!({"filter": filter}),
            ("constraint.validation", "metrics"),
        ),
        (
            json!({"filter": filter, "metrics": "oWaiting"}),
            ("bad.request", "metrics"),
        ),
    ];
    for (body, expected) in cases {
        assert_refused(&app, &token, OBSERVATIONS, Some(body), expected).await;
    }
    app.post_api(
        OBSERVATIONS.1,
        &json!({"filter": filter, "metrics": ["oWaiting", "oOnQueueUsers"]}),
    )
    .await;
}

#[tokio::test]
async fn aggregates_refuse_flow_id_and_unknown_metrics() {
    let app = spawn_sandbox().await;
    let token = app.token().await;
    let by_flow = json!({"type": "and", "predicates": [{"type": "dimension", "dimension": "flowId", "value": "f"}]});
    let cases = [
        (
            json!({"interval": INTERVAL, "metrics": ["nOffered"], "filter": by_flow}),
            ("invalid.value", "filter.predicates.dimension"),
        ),
        (
            json!({"interval": INTERVAL, "metrics": ["nOffered"], "groupBy": ["flowId"]}),
            ("invalid.value", "groupBy"),
        ),
        (
            json!({"interval": INTERVAL, "metrics": ["nAnswered"]}),
            ("invalid.value", "metrics"),
        ),
        (
            json!({"interval": INTERVAL, "metrics": ["nOffered"], "queryType": "top"}),
            ("invalid.value", "queryType"),
        ),
        (
            json!({"metrics": ["nOffered"]}),
            ("constraint.validation", "interval"),
        ),
        (
            json!({"interval": "yesterday", "metrics": ["nOffered"]}),
            ("invalid.value", "interval"),
        ),
        (
            json!({"interval": INTERVAL}),
            ("constraint.validation", "metrics"),
        ),
    ];
    for (body, expected) in cases {
        assert_refused(&app, &token, AGGREGATES, Some(body), expected).await;
    }
    let answered = app
        .post_api(
            AGGREGATES.1,
            &json!({"interval": INTERVAL, "metrics": ["tAnswered"],
        "filter": {"type": "and", "predicates": [{"dimension": "mediaType", "value": "message"}]}}),
        )
        .await;
    assert!(answered.is_object());
}

#[tokio::test]
async fn details_refuse_unknown_dimensions_orders_and_incomplete_paging() {
    let app = spawn_sandbox().await;
    let token = app.token().await;
    let cases = [
        (
            json!({"interval": INTERVAL, "segmentFilters": [{"type": "and", "predicates": [{"dimension": "configurationId", "value": "c"}]}]}),
            ("invalid.value", "segmentFilters.predicates.dimension"),
        ),
        (
            json!({"interval": INTERVAL, "conversationFilters": [{"type": "and", "predicates": [{"dimension": "queueId", "value": "q"}]}]}),
            ("invalid.value", "conversationFilters.predicates.dimension"),
        ),
        (
            json!({"interval": INTERVAL, "order": "newest"}),
            ("invalid.value", "order"),
        ),
        (
            json!({"interval": INTERVAL, "orderBy": "queueId"}),
            ("invalid.value", "orderBy"),
        ),
        (
            json!({"interval": INTERVAL, "paging": {"pageSize": 25}}),
            ("constraint.validation", "paging.pageNumber"),
        ),
        (
            json!({"interval": INTERVAL, "segmentFilters": [{"predicates": []}]}),
            ("constraint.validation", "segmentFilters.type"),
        ),
        (
            json!({"order": "asc"}),
            ("constraint.validation", "interval"),
        ),
    ];
    for (body, expected) in cases {
        assert_refused(&app, &token, DETAILS, Some(body), expected).await;
    }
    // flowId is a segment dimension: that is how a channel is narrowed by its flow.
    app.post_api(DETAILS.1, &json!({"interval": INTERVAL,
        "segmentFilters": [{"type": "and", "predicates": [{"dimension": "flowId", "value": "f"}]}]})).await;
}

#[tokio::test]
async fn activity_refuses_unknown_metrics_and_missing_group_by() {
    let app = spawn_sandbox().await;
    let token = app.token().await;
    let cases = [
        (
            json!({"metrics": [{"metric": "oOnQueueUsers"}], "groupBy": ["queueId"]}),
            ("invalid.value", "metrics.metric"),
        ),
        (
            json!({"metrics": [{"details": true}], "groupBy": ["queueId"]}),
            ("constraint.validation", "metrics.metric"),
        ),
        (
            json!({"metrics": [{"metric": "oWaiting"}]}),
            ("constraint.validation", "groupBy"),
        ),
        (
            json!({"metrics": [{"metric": "oWaiting"}], "groupBy": ["flowId"]}),
            ("invalid.value", "groupBy"),
        ),
    ];
    for (body, expected) in cases {
        assert_refused(&app, &token, ACTIVITY, Some(body), expected).await;
    }
}

#[tokio::test]
async fn audit_queries_refuse_unknown_properties_and_sort_orders() {
    let app = spawn_sandbox().await;
    let token = app.token().await;
    for path in ["/api/v2/audits/query", "/api/v2/audits/query/realtime"] {
        let cases = [
            (
                json!({"interval": INTERVAL, "filters": [{"property": "EntityName", "value": "x"}]}),
                ("invalid.value", "filters.property"),
            ),
            (
                json!({"interval": INTERVAL, "filters": [{"property": "EntityId"}]}),
                ("constraint.validation", "filters.value"),
            ),
            (
                json!({"interval": INTERVAL, "sort": [{"name": "Timestamp", "sortOrder": "desc"}]}),
                ("invalid.value", "sort.sortOrder"),
            ),
            (
                json!({"interval": INTERVAL, "sort": [{"name": "Date", "sortOrder": "ascending"}]}),
                ("invalid.value", "sort.name"),
            ),
            (
                json!({"serviceName": "WebDeployments"}),
                ("constraint.validation", "interval"),
            ),
        ];
        for (body, expected) in cases {
            assert_refused(&app, &token, (Method::POST, path), Some(body), expected).await;
        }
    }
    assert_refused(
        &app,
        &token,
        (Method::POST, "/api/v2/audits/query/realtime?expand=client"),
        Some(json!({"interval": INTERVAL})),
        ("invalid.query.param.value", "expand"),
    )
    .await;
}

#[tokio::test]
async fn configuration_writes_refuse_enums_types_and_missing_push_labels() {
    let app = spawn_sandbox().await;
    let token = app.token().await;
    let create = (Method::POST, "/api/v2/webdeployments/configurations");
    let base = |messenger: Value| json!({"name": "Shop", "languages": ["en-us", "fr"], "defaultLanguage": "en-us", "messenger": messenger});
    let cases = [
        (
            json!({"languages": ["en-us"]}),
            ("constraint.validation", "name"),
        ),
        (
            base(json!({"enabled": true, "launcherButton": {"visibility": "Always"}})),
            ("invalid.value", "messenger.launcherButton.visibility"),
        ),
        (
            base(json!({"enabled": "yes"})),
            ("bad.request", "messenger.enabled"),
        ),
        (
            base(
                json!({"enabled": true, "fileUpload": {"modes": [{"fileTypes": ["image/webp"]}]}}),
            ),
            ("invalid.value", "messenger.fileUpload.modes.fileTypes"),
        ),
        (
            base(
                json!({"enabled": true, "apps": {"conversations": {"conversationDisconnect": {"type": "Close"}}}}),
            ),
            (
                "invalid.value",
                "messenger.apps.conversations.conversationDisconnect.type",
            ),
        ),
        (
            json!({"name": "Shop", "status": "Live"}),
            ("invalid.value", "status"),
        ),
        (
            json!({"name": "Shop", "cobrowse": {"channels": ["Chat"]}}),
            ("invalid.value", "cobrowse.channels"),
        ),
        (
            json!({"name": "Shop", "authenticationSettings": {"enabled": true}}),
            (
                "constraint.validation",
                "authenticationSettings.integrationId",
            ),
        ),
        (
            json!({"name": "Shop", "supportCenter": {"enabled": true}}),
            ("constraint.validation", "supportCenter.knowledgeBase"),
        ),
        (
            json!({"name": "Shop", "journeyEvents": {"pageviewConfig": "Always"}}),
            ("invalid.value", "journeyEvents.pageviewConfig"),
        ),
        (
            json!({"name": "Shop", "customI18nLabels": [{"language": "en-us", "localizedLabels": [{"key": "Title", "value": "x"}]}]}),
            ("invalid.value", "customI18nLabels.localizedLabels.key"),
        ),
        // Push notifications need both labels in the default language's set: here only
        // fr, which is not the default, has them.
        (
            json!({"name": "Shop", "languages": ["en-us", "fr"], "defaultLanguage": "en-us",
                "customI18nLabels": [{"language": "fr", "localizedLabels": [
                    {"key": "PushNotificationTitle", "value": "Nouveau message"},
                    {"key": "PushNotificationBody", "value": "Vous avez une réponse"}]}],
                "messenger": {"enabled": true, "apps": {"conversations": {"enabled": true, "notifications": {"enabled": true}}}}}),
            ("constraint.validation", "customI18nLabels"),
        ),
    ];
    for (body, expected) in cases {
        assert_refused(&app, &token, create.clone(), Some(body), expected).await;
    }
    let created = app.post_api(create.1, &json!({"name": "Shop"})).await;
    let draft = format!(
        "/api/v2/webdeployments/configurations/{}/versions/draft",
        created["id"].as_str().unwrap()
    );
    assert_refused(
        &app,
        &token,
        (Method::PUT, &draft),
        Some(json!({"name": "Shop", "position": {"alignment": "Center"}})),
        ("invalid.value", "position.alignment"),
    )
    .await;
}

#[tokio::test]
async fn deployment_writes_refuse_missing_configuration_and_unknown_enums() {
    let app = spawn_sandbox().await;
    let token = app.token().await;
    let create = (Method::POST, "/api/v2/webdeployments/deployments");
    let cases = [
        (
            json!({"name": "Site"}),
            ("constraint.validation", "configuration"),
        ),
        (
            json!({"name": "Site", "configuration": {"id": "c"}}),
            ("constraint.validation", "configuration.version"),
        ),
        (
            json!({"name": "Site", "configuration": {"id": "c", "version": "1"}, "status": "Live"}),
            ("invalid.value", "status"),
        ),
        (
            json!({"name": "Site", "configuration": {"id": "c", "version": "1"}, "pushIntegrations": [{"id": "p", "provider": "WNS"}]}),
            ("invalid.value", "pushIntegrations.provider"),
        ),
        (
            json!({"name": "Site", "configuration": {"id": "c", "version": "1"}, "flow": {"name": "no id"}}),
            ("constraint.validation", "flow.id"),
        ),
        (
            json!({"name": "Site", "configuration": {"id": "c", "version": "1"}, "allowedDomains": "shop.example.com"}),
            ("bad.request", "allowedDomains"),
        ),
    ];
    for (body, expected) in cases {
        assert_refused(&app, &token, create.clone(), Some(body), expected).await;
    }
}

#[tokio::test]
async fn query_parameters_outside_their_sets_are_refused() {
    let app = spawn_sandbox().await;
    let token = app.token().await;
    let support = app.queue_id("Support").await;
    let cases = [
        (
            "/api/v2/flows?type=inboundmessage",
            ("architect.invalid.flow.type", "type"),
        ),
        (
            "/api/v2/flows?type=inboundshortmessage&secure=maybe",
            ("invalid.query.param.value", "secure"),
        ),
        (
            "/api/v2/routing/queues?sortOrder=down",
            ("invalid.query.param.value", "sortOrder"),
        ),
        (
            "/api/v2/routing/queues?expand=members",
            ("invalid.query.param.value", "expand"),
        ),
        (
            "/api/v2/webdeployments/deployments?expand=configuration",
            ("invalid.query.param.value", "expand"),
        ),
        (
            "/api/v2/webdeployments/configurations?showOnlyPublished=yes",
            ("invalid.query.param.value", "showOnlyPublished"),
        ),
    ];
    for (path, expected) in cases {
        assert_refused(&app, &token, (Method::GET, path), None, expected).await;
    }
    let per_media =
        format!("/api/v2/routing/queues/{support}/mediatypes/webmessaging/estimatedwaittime");
    assert_refused(
        &app,
        &token,
        (Method::GET, &per_media),
        None,
        ("invalid.value", "mediaType"),
    )
    .await;
}

/// The terraform provider's acceptance test: notifications on for `["en-us", "ja"]` with
/// push labels for `en-us` only is accepted, as Genesys accepts it.
#[tokio::test(flavor = "multi_thread")]
async fn push_labels_in_the_default_language_are_enough() {
    let app = spawn_sandbox().await;
    let created = app
        .post_api(
            "/api/v2/webdeployments/configurations",
            &json!({"name": "Shop", "languages": ["en-us", "ja"], "defaultLanguage": "en-us",
                "customI18nLabels": [{"language": "en-us", "localizedLabels": [
                    {"key": "PushNotificationTitle", "value": "New message"},
                    {"key": "PushNotificationBody", "value": "You have a reply"}]}],
                "messenger": {"enabled": true, "apps": {"conversations": {"enabled": true, "notifications": {"enabled": true}}}}}),
        )
        .await;
    assert!(created["id"].is_string(), "{created}");
}
