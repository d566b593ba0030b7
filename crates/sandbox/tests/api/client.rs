//! The API client against the Sandbox: tokens, retries, errors, paging, round trips.

use std::time::Duration;

use genesys::models::DeploymentStatus;
use genesys::paging::collect_numbered;
use genesys::{Environment, Error};
use sandbox::{SandboxOptions, READONLY_CLIENT_ID, READONLY_CLIENT_SECRET};
use serde_json::json;

use crate::helpers::{client_for, spawn_sandbox, spawn_sandbox_with, test_options};

#[tokio::test]
async fn token_is_fetched_once_and_reused() {
    let app = spawn_sandbox().await;
    app.client.authenticate().await.unwrap();
    app.client.queues().list_all(None).await.unwrap();
    app.client
        .flows()
        .list_inbound_message_flows()
        .await
        .unwrap();
    assert_eq!(app.client.token_requests(), 1);
    assert_eq!(app.status().await["stats"]["tokenRequests"], 1);
}

#[tokio::test]
async fn wrong_secret_fails_with_a_sentence_about_credentials_and_never_shows_the_secret() {
    let app = spawn_sandbox().await;
    let client = client_for(&app.sandbox, "sandbox-client", "not-the-secret-42");
    let error = client.queues().list_all(None).await.unwrap_err();
    assert!(
        matches!(error, Error::Authentication { status: 401, .. }),
        "{error:?}"
    );
    let text = error.to_string();
    assert!(text.contains("client id and secret"), "{text}");
    assert!(
        !text.contains("not-the-secret-42") && !format!("{error:?}").contains("not-the-secret-42")
    );
    assert_eq!(
        client.token_requests(),
        1,
        "a refused credential is not retried"
    );
}

#[tokio::test(start_paused = true)]
async fn token_is_refreshed_sixty_seconds_before_it_expires() {
    let app = spawn_sandbox_with(SandboxOptions {
        token_lifetime: Duration::from_secs(300),
        ..test_options()
    })
    .await;
    app.client.authenticate().await.unwrap();
    tokio::time::advance(Duration::from_secs(230)).await;
    app.client.queues().list_all(None).await.unwrap();
    assert_eq!(
        app.client.token_requests(),
        1,
        "still inside the lifetime minus the margin"
    );
    tokio::time::advance(Duration::from_secs(15)).await;
    app.client.queues().list_all(None).await.unwrap();
    assert_eq!(
        app.client.token_requests(),
        2,
        "240 s into a 300 s token, a new one is fetched"
    );
}

#[tokio::test]
async fn expired_token_gets_one_refresh_and_the_call_succeeds() {
    let app = spawn_sandbox().await;
    app.client.authenticate().await.unwrap();
    app.control("/sandbox/tokens/expire", json!({})).await;
    let queues = app.client.queues().list_all(None).await.unwrap();
    assert_eq!(queues.len(), 4);
    assert_eq!(app.client.token_requests(), 2);
    assert_eq!(
        app.served("GET /api/v2/routing/queues").await,
        2,
        "one 401, one retried success"
    );
}

#[tokio::test(start_paused = true)]
async fn rate_limit_with_retry_after_is_waited_out_then_succeeds() {
    let app = spawn_sandbox().await;
    app.client.authenticate().await.unwrap();
    app.fault(json!({"kind": "status", "status": 429, "retryAfter": 30, "count": 2}))
        .await;
    let real = std::time::Instant::now();
    let virtual_start = tokio::time::Instant::now();
    let queues = app.client.queues().list_all(None).await.unwrap();
    assert_eq!(queues.len(), 4);
    assert!(
        virtual_start.elapsed() >= Duration::from_secs(60),
        "waited {:?}",
        virtual_start.elapsed()
    );
    assert!(
        real.elapsed() < Duration::from_secs(10),
        "no real sleeping: {:?}",
        real.elapsed()
    );
    let budget = app.client.rate_budget();
    assert_eq!(budget.rate_limited_responses, 2);
    assert_eq!(budget.waited_seconds, 60.0);
    assert_eq!(budget.last_retry_after_seconds, Some(30));
}

#[tokio::test(start_paused = true)]
async fn rate_limit_without_retry_after_uses_the_default_wait() {
    let app = spawn_sandbox().await;
    app.client.authenticate().await.unwrap();
    app.fault(json!({"kind": "status", "status": 429, "count": 1}))
        .await;
    let started = tokio::time::Instant::now();
    app.client.queues().list_all(None).await.unwrap();
    assert_eq!(
        started.elapsed().as_secs(),
        genesys::RetryPolicy::default()
            .default_retry_after
            .as_secs()
    );
}

#[tokio::test(start_paused = true)]
async fn rate_limit_longer_than_the_cap_is_reported_with_its_wait() {
    let app = spawn_sandbox().await;
    app.fault(json!({"kind": "status", "status": 429, "retryAfter": 600, "count": 1}))
        .await;
    let error = app.client.queues().list_all(None).await.unwrap_err();
    assert_eq!(error.status(), Some(429));
    assert_eq!(error.code(), "too.many.requests.retry.after");
    assert!(error.to_string().contains("rate limited"), "{error}");
}

#[tokio::test(start_paused = true)]
async fn server_error_storm_gives_up_after_the_bound_with_a_clear_error() {
    let app = spawn_sandbox().await;
    app.client.authenticate().await.unwrap();
    app.fault(json!({"kind": "status", "status": 503, "count": 10}))
        .await;
    let error = app.client.queues().list_all(None).await.unwrap_err();
    match &error {
        Error::Api {
            status: 503,
            attempts: 4,
            ..
        } => {}
        other => panic!("expected a 503 after 4 attempts, got {other:?}"),
    }
    let text = error.to_string();
    assert!(
        text.contains("HTTP 503")
            && text.contains("4 attempt(s)")
            && text.contains("service.unavailable"),
        "{text}"
    );
    assert_eq!(
        app.status().await["faultsPending"],
        6,
        "exactly four requests were spent"
    );
}

#[tokio::test(start_paused = true)]
async fn a_create_is_not_repeated_after_a_server_error() {
    let app = spawn_sandbox().await;
    app.client.authenticate().await.unwrap();
    app.fault(json!({"kind": "status", "status": 503, "count": 3}))
        .await;
    let draft = genesys::models::WebDeploymentConfigurationVersion {
        name: "Once only".into(),
        ..Default::default()
    };
    let error = app
        .client
        .configurations()
        .create(&draft)
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::Api {
                status: 503,
                attempts: 1,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        app.status().await["configurations"],
        1,
        "nothing was created twice"
    );
}

#[tokio::test(start_paused = true)]
async fn gateway_errors_then_success_is_transparent() {
    let app = spawn_sandbox().await;
    app.fault(json!({"kind": "status", "status": 502, "count": 1}))
        .await;
    app.fault(json!({"kind": "status", "status": 504, "count": 1}))
        .await;
    let flows = app
        .client
        .flows()
        .list_inbound_message_flows()
        .await
        .unwrap();
    assert_eq!(flows.len(), 2);
}

#[tokio::test]
async fn error_body_and_correlation_id_surface_in_the_error() {
    let app = spawn_sandbox().await;
    let missing = uuid::Uuid::new_v4().to_string();
    let error = app.client.queues().get(&missing).await.unwrap_err();
    assert_eq!(error.status(), Some(404));
    let body = error.body().expect("Genesys error body kept");
    assert_eq!(body.code.as_deref(), Some("not.found"));
    let correlation = error
        .correlation_id()
        .expect("correlation id kept")
        .to_string();
    assert_eq!(body.context_id.as_deref(), Some(correlation.as_str()));
    assert!(error.to_string().contains(&correlation), "{error}");

    let invalid = app.client.queues().get("not-a-uuid").await.unwrap_err();
    assert_eq!(invalid.code(), "invalid.id");
}

#[tokio::test]
async fn forbidden_names_the_missing_permission() {
    let app = spawn_sandbox().await;
    let reader = client_for(&app.sandbox, READONLY_CLIENT_ID, READONLY_CLIENT_SECRET);
    assert!(reader.configurations().list_all(false).await.is_ok());
    let draft = genesys::models::WebDeploymentConfigurationVersion {
        name: "Nope".into(),
        ..Default::default()
    };
    let error = reader.configurations().create(&draft).await.unwrap_err();
    assert_eq!(error.status(), Some(403));
    assert!(
        error
            .to_string()
            .contains("missing permission webDeployments:configuration:add"),
        "{error}"
    );
}

#[tokio::test]
async fn an_endpoint_taking_any_of_several_permissions_says_so() {
    let app = spawn_sandbox().await;
    let reader = client_for(&app.sandbox, READONLY_CLIENT_ID, READONLY_CLIENT_SECRET);
    let error = reader
        .conversations()
        .message_details(&uuid::Uuid::new_v4().to_string())
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(403));
    let said = error.to_string();
    assert!(
        said.contains("missing.any.permissions") || said.contains("at least one of"),
        "{said}"
    );
    assert!(
        said.contains("conversation:message:view")
            && said.contains("conversation:webmessaging:view"),
        "both permissions are named: {said}"
    );
}

#[tokio::test]
async fn malformed_json_is_a_decode_error_with_an_excerpt() {
    let app = spawn_sandbox().await;
    app.client.authenticate().await.unwrap();
    app.fault(json!({"kind": "malformedJson"})).await;
    let error = app
        .client
        .queues()
        .list_page(1, 25, None)
        .await
        .unwrap_err();
    match &error {
        Error::Decode {
            excerpt,
            correlation_id,
            ..
        } => {
            assert!(excerpt.starts_with("{\"entities\""), "{excerpt}");
            assert!(correlation_id.is_some());
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn a_dropped_connection_is_retried_for_reads_but_not_for_creates() {
    let app = spawn_sandbox().await;
    app.client.authenticate().await.unwrap();
    app.fault(json!({"kind": "dropConnection"})).await;
    assert_eq!(app.client.queues().list_all(None).await.unwrap().len(), 4);

    app.fault(json!({"kind": "dropConnection"})).await;
    let draft = genesys::models::WebDeploymentConfigurationVersion {
        name: "Maybe created".into(),
        ..Default::default()
    };
    let error = app
        .client
        .configurations()
        .create(&draft)
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::Transport { attempts: 1, .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn paging_walks_every_page_of_both_styles() {
    let app = spawn_sandbox_with(SandboxOptions {
        channels: 250,
        ..test_options()
    })
    .await;
    let configurations = app.client.configurations().list_all(false).await.unwrap();
    assert_eq!(configurations.len(), 251);
    let mut ids: Vec<_> = configurations.iter().filter_map(|c| c.id.clone()).collect();
    ids.dedup();
    assert_eq!(ids.len(), 251, "no page was read twice");
    assert_eq!(
        app.served("GET /api/v2/webdeployments/configurations")
            .await,
        3
    );

    let deployments = app.client.deployments().list_all().await.unwrap();
    assert_eq!(deployments.len(), 251);

    let queues = collect_numbered(|page| {
        let client = app.client.clone();
        async move { client.queues().list_page(page, 1, None).await }
    })
    .await
    .unwrap();
    let names: Vec<_> = queues.iter().filter_map(|q| q.name.clone()).collect();
    assert_eq!(names, ["Billing", "Sales", "Support", "Support Overflow"]);
    assert_eq!(app.served("GET /api/v2/routing/queues").await, 4);
}

#[tokio::test(start_paused = true)]
async fn rate_budget_snapshot_follows_the_headers() {
    let app = spawn_sandbox_with(SandboxOptions {
        rate_limit_per_minute: 10,
        ..test_options()
    })
    .await;
    let mut watcher = app.client.watch_rate_budget();
    for _ in 0..3 {
        app.client
            .flows()
            .list_inbound_message_flows()
            .await
            .unwrap();
    }
    let budget = app.client.rate_budget();
    assert_eq!(
        (budget.allowed, budget.used, budget.remaining()),
        (Some(10), Some(3), Some(7))
    );
    assert!(budget.reset_seconds.is_some_and(|s| s <= 60));
    assert!(watcher.has_changed().unwrap());
    assert_eq!(watcher.borrow_and_update().used, Some(3));

    // Past the window's allowance the client waits for the reset the headers announced
    // instead of meeting the real limiter's 429, and carries on in the new window.
    let before = tokio::time::Instant::now();
    for _ in 0..8 {
        app.client
            .flows()
            .list_inbound_message_flows()
            .await
            .unwrap();
    }
    let budget = app.client.rate_budget();
    assert_eq!(budget.rate_limited_responses, 0);
    assert!(
        budget.used.unwrap() <= 2,
        "a new window started: {budget:?}"
    );
    assert!(
        before.elapsed() >= Duration::from_secs(50),
        "{:?}",
        before.elapsed()
    );
    assert_eq!(app.status().await["stats"]["rateLimited"], 0);
}

#[test]
fn unknown_regions_and_non_loopback_http_are_refused_before_any_request() {
    assert!(Environment::parse("moon-1")
        .unwrap_err()
        .to_string()
        .contains("valid regions: us-east-1"));
    assert!(Environment::parse("http://192.168.1.20:8080").is_err());
    assert!(Environment::parse("http://api.mypurecloud.com").is_err());
    assert!(Environment::parse("https://api.mypurecloud.de").is_ok());
}

#[tokio::test(start_paused = true)]
async fn publish_then_deploy_settles_active_through_the_typed_client() {
    let app = spawn_sandbox().await;
    let configurations = app.client.configurations();
    let mut draft = configurations.list_all(false).await.unwrap().remove(0);
    let id = draft.id.clone().unwrap();
    draft.name = "Support Messenger (autumn)".into();
    let written = configurations.update_draft(&id, &draft).await.unwrap();
    assert_eq!(written.status, Some(DeploymentStatus::Pending));
    tokio::time::advance(Duration::from_secs(3)).await;
    assert_eq!(
        configurations.draft(&id).await.unwrap().status,
        Some(DeploymentStatus::Active)
    );
    let published = configurations.publish(&id).await.unwrap();
    assert_eq!(published.version.as_deref(), Some("2"));
    let versions = configurations.versions(&id).await.unwrap();
    assert_eq!(
        versions
            .iter()
            .map(|v| v.version.clone().unwrap())
            .collect::<Vec<_>>(),
        ["DRAFT", "2", "1"]
    );

    let mut deployment = app.client.deployments().list_all().await.unwrap().remove(0);
    let deployment_id = deployment.id.clone().unwrap();
    deployment.configuration.as_mut().unwrap().version = Some("2".into());
    let updated = app
        .client
        .deployments()
        .update(&deployment_id, &deployment)
        .await
        .unwrap();
    assert_eq!(updated.status, Some(DeploymentStatus::Pending));
    tokio::time::advance(Duration::from_secs(3)).await;
    let live = app
        .client
        .deployments()
        .active_configuration(&deployment_id)
        .await
        .unwrap();
    assert_eq!(
        live.configuration_version.unwrap().name,
        "Support Messenger (autumn)"
    );
    assert_eq!(
        live.deployment.unwrap().status,
        Some(DeploymentStatus::Active)
    );
}

/// Ending a guest's conversation takes `conversation:communication:disconnect`, a body
/// of the published `MediaParticipantRequest` shape (checked before anything is looked
/// up), and a conversation that exists.
#[tokio::test]
async fn disconnecting_a_participant_is_guarded_like_the_platform() {
    let app = spawn_sandbox().await;
    let unknown = uuid::Uuid::new_v4().to_string();
    let reader = client_for(&app.sandbox, READONLY_CLIENT_ID, READONLY_CLIENT_SECRET);
    let refused = reader
        .conversations()
        .disconnect_participant(&unknown, &unknown)
        .await
        .unwrap_err();
    assert_eq!(refused.status(), Some(403));
    assert!(
        refused
            .to_string()
            .contains("conversation:communication:disconnect"),
        "{refused}"
    );
    let missing = app
        .client
        .conversations()
        .disconnect_participant(&unknown, &unknown)
        .await
        .unwrap_err();
    assert_eq!(missing.status(), Some(404), "{missing}");
    let read = app
        .client
        .conversations()
        .message_conversation(&unknown)
        .await
        .unwrap_err();
    assert_eq!(read.status(), Some(404), "{read}");
    for body in [
        serde_json::json!({"state": "asleep"}),
        serde_json::json!({"state": "disconnected", "held": "yes"}),
    ] {
        let answer = app
            .http
            .patch(app.url(&format!(
                "/api/v2/conversations/messages/{unknown}/participants/{unknown}"
            )))
            .bearer_auth(app.token().await)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status().as_u16(), 400, "{body}");
    }
}
