//! The Sandbox speaks the contract to the letter, checked with raw HTTP the way a
//! foreign (official SDK) client would see it.

use serde_json::{json, Value};

use crate::helpers::{null_paths, spawn_sandbox, spawn_sandbox_with, test_options};
use sandbox::SandboxOptions;

#[tokio::test]
async fn token_endpoint_takes_basic_auth_and_a_form_body_only() {
    let app = spawn_sandbox().await;
    let url = app.url("/oauth/token");
    let ok = app
        .http
        .post(&url)
        .basic_auth("sandbox-client", Some("sandbox-secret"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let body: Value = ok.json().await.unwrap();
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 86_400);
    assert!(body["access_token"].as_str().unwrap().len() >= 32);

    let as_json = app
        .http
        .post(&url)
        .json(&json!({"grant_type": "client_credentials", "client_id": "sandbox-client", "client_secret": "sandbox-secret"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        as_json.status(),
        400,
        "the tutorials' JSON token request is refused"
    );

    let no_basic = app
        .http
        .post(&url)
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(no_basic.status(), 401);
    let error: Value = no_basic.json().await.unwrap();
    assert_eq!(error["error"], "invalid_client");
    assert!(error["error_description"].is_string());
}

#[tokio::test]
async fn every_api_response_carries_correlation_and_rate_limit_headers() {
    let app = spawn_sandbox().await;
    let token = app.token().await;
    for (path, expected) in [
        ("/api/v2/routing/queues", 200),
        (
            "/api/v2/routing/queues/00000000-0000-4000-8000-000000000000",
            404,
        ),
        ("/api/v2/nothing/here", 404),
    ] {
        let response = app
            .http
            .get(app.url(path))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), expected, "{path}");
        let headers = response.headers().clone();
        let correlation = headers["ININ-Correlation-Id"].to_str().unwrap().to_string();
        for name in [
            "inin-ratelimit-allowed",
            "inin-ratelimit-count",
            "inin-ratelimit-reset",
        ] {
            assert!(headers.contains_key(name), "{path} lacks {name}");
        }
        if expected != 200 {
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["contextId"], correlation);
            assert_eq!(body["status"], expected);
            assert!(body["code"].is_string() && body["message"].is_string());
        }
    }
    let anonymous = app
        .http
        .get(app.url("/api/v2/routing/queues"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    assert_eq!(
        anonymous.json::<Value>().await.unwrap()["code"],
        "authentication.required"
    );
}

#[tokio::test]
async fn rate_limited_responses_have_the_normalized_body_and_retry_after() {
    let app = spawn_sandbox_with(SandboxOptions {
        rate_limit_per_minute: 2,
        ..test_options()
    })
    .await;
    let token = app.token().await;
    let url = app.url("/api/v2/flows?type=inboundshortmessage");
    for _ in 0..2 {
        assert_eq!(
            app.http
                .get(&url)
                .bearer_auth(&token)
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
    }
    let limited = app.http.get(&url).bearer_auth(&token).send().await.unwrap();
    assert_eq!(limited.status(), 429);
    let retry_after: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after));
    assert_eq!(limited.headers()["inin-ratelimit-count"], "2");
    let body: Value = limited.json().await.unwrap();
    assert_eq!(body["code"], "too.many.requests.retry.after");
    assert_eq!(
        body["message"],
        format!("Rate limit exceeded the maximum. Retry the request in [{retry_after}] seconds")
    );
    assert_eq!(body["details"], json!([]));
    assert_eq!(body["errors"], json!([]));
}

#[tokio::test]
async fn validation_errors_name_the_offending_field() {
    let app = spawn_sandbox().await;
    let token = app.token().await;
    let url = app.url("/api/v2/webdeployments/configurations");
    let cases = [
        (json!({"description": "no name"}), "name"),
        (
            json!({"name": "x", "messenger": {"enabled": true}}),
            "languages",
        ),
        (
            json!({"name": "x", "languages": ["en-us"], "defaultLanguage": "fr", "messenger": {"enabled": true}}),
            "defaultLanguage",
        ),
        (
            json!({"name": "x", "messenger": {"launcherButton": {"visibility": "Sometimes"}}}),
            "messenger.launcherButton.visibility",
        ),
    ];
    for (body, field) in cases {
        let response = app
            .http
            .post(&url)
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{body}");
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["details"][0]["fieldName"], field, "{error}");
    }
    let broken = app
        .http
        .post(&url)
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{nope")
        .send()
        .await
        .unwrap();
    assert_eq!(broken.status(), 400);
    assert_eq!(broken.json::<Value>().await.unwrap()["code"], "bad.request");
}

#[tokio::test]
async fn responses_never_contain_null_fields() {
    let app = spawn_sandbox().await;
    let token = app.token().await;
    let deployment_id = app.client.deployments().list_all().await.unwrap()[0]
        .id
        .clone()
        .unwrap();
    let queue_id = app.queue_id("Support").await;
    let reads = [
        (
            "GET",
            app.url("/api/v2/webdeployments/configurations"),
            None,
        ),
        (
            "GET",
            app.url("/api/v2/webdeployments/deployments?expand=Configuration"),
            None,
        ),
        (
            "GET",
            app.url(&format!(
                "/api/v2/webdeployments/deployments/{deployment_id}/configurations"
            )),
            None,
        ),
        ("GET", app.url("/api/v2/routing/queues"), None),
        (
            "GET",
            app.url("/api/v2/flows?type=inboundshortmessage,inboundcall"),
            None,
        ),
        ("GET", app.url("/api/v2/tokens/me"), None),
        (
            "POST",
            app.url("/api/v2/analytics/queues/observations/query"),
            Some(
                json!({"filter": {"type": "or", "predicates": [{"dimension": "queueId", "value": queue_id}]},
                        "metrics": ["oWaiting", "oInteracting", "oOnQueueUsers", "oLongestWaiting"], "detailMetrics": ["oWaiting"]}),
            ),
        ),
    ];
    for (method, url, body) in reads {
        let request = if method == "GET" {
            app.http.get(&url)
        } else {
            app.http.post(&url).json(&body)
        };
        let response = request.bearer_auth(&token).send().await.unwrap();
        assert_eq!(response.status(), 200, "{url}");
        let value: Value = response.json().await.unwrap();
        let mut nulls = Vec::new();
        null_paths(&value, "$", &mut nulls);
        assert!(nulls.is_empty(), "{url} has nulls at {nulls:?}");
    }
}

#[tokio::test]
async fn array_parameters_are_accepted_repeated_and_comma_separated() {
    let app = spawn_sandbox().await;
    let token = app.token().await;
    let count = |url: String| {
        let http = app.http.clone();
        let token = token.clone();
        async move {
            let body: Value = http
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            body["entities"].as_array().unwrap().len()
        }
    };
    assert_eq!(
        count(app.url("/api/v2/flows?type=inboundshortmessage&type=inboundcall")).await,
        3
    );
    assert_eq!(
        count(app.url("/api/v2/flows?type=inboundshortmessage,inboundcall")).await,
        3
    );
    let bad = app
        .http
        .get(app.url("/api/v2/flows?type=shortmessage"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    assert_eq!(
        bad.json::<Value>().await.unwrap()["code"],
        "architect.invalid.flow.type"
    );
    assert_eq!(
        count(app.url("/api/v2/routing/queues?name=Support*")).await,
        2
    );
}

#[tokio::test]
async fn deployments_reject_ineligible_flows_and_conflicting_domains() {
    let app = spawn_sandbox().await;
    let token = app.token().await;
    let configuration_id = app.client.configurations().list_all(false).await.unwrap()[0]
        .id
        .clone()
        .unwrap();
    let flows: Value = app
        .http
        .get(app.url("/api/v2/flows?type=inboundcall"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let call_flow = flows["entities"][0]["id"].as_str().unwrap();
    let url = app.url("/api/v2/webdeployments/deployments");
    let base = json!({"name": "Site", "configuration": {"id": configuration_id, "version": "1"}});
    let mut wrong_flow = base.clone();
    wrong_flow["flow"] = json!({"id": call_flow});
    let response = app
        .http
        .post(&url)
        .bearer_auth(&token)
        .json(&wrong_flow)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let error: Value = response.json().await.unwrap();
    assert_eq!(
        (error["code"].as_str(), error["message"].as_str()),
        (
            Some("bad.flow.id"),
            Some("The flow is not eligible for use here.")
        )
    );

    let mut both = base.clone();
    both["allowAllDomains"] = json!(true);
    both["allowedDomains"] = json!(["example.com"]);
    let response = app
        .http
        .post(&url)
        .bearer_auth(&token)
        .json(&both)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.json::<Value>().await.unwrap()["details"][0]["fieldName"],
        "allowedDomains"
    );

    let mut unpublished = base.clone();
    unpublished["configuration"]["version"] = json!("9");
    let response = app
        .http
        .post(&url)
        .bearer_auth(&token)
        .json(&unpublished)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.json::<Value>().await.unwrap()["details"][0]["fieldName"],
        "configuration.version"
    );

    let mut unknown_profile = base;
    unknown_profile["supportedContent"] = json!({"id": uuid::Uuid::new_v4().to_string()});
    let response = app
        .http
        .post(&url)
        .bearer_auth(&token)
        .json(&unknown_profile)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    assert_eq!(
        response.json::<Value>().await.unwrap()["code"],
        "scp.id.not.found"
    );
}

#[tokio::test]
async fn token_can_be_inspected_and_revoked() {
    let app = spawn_sandbox().await;
    let token = app.token().await;
    let me: Value = app
        .http
        .get(app.url("/api/v2/tokens/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["organization"]["name"], "Sandbox Org");
    assert_eq!(me["OAuthClient"]["id"], "sandbox-client");
    let revoked = app
        .http
        .delete(app.url("/api/v2/tokens/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 204);
    let after = app
        .http
        .get(app.url("/api/v2/tokens/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 401);
}

#[tokio::test]
async fn controls_refuse_values_that_would_stall_or_break_the_sandbox() {
    let app = crate::helpers::spawn_sandbox().await;
    let support = app.queue_id("Support").await;
    let refused = [
        ("/sandbox/speed", serde_json::json!({"speed": 1e300})),
        ("/sandbox/speed", serde_json::json!({"speed": 1e9})),
        ("/sandbox/speed", serde_json::json!({"speed": -1})),
        (
            "/sandbox/faults/latency",
            serde_json::json!({"ms": 1_000_000_000u64}),
        ),
        (
            "/sandbox/faults",
            serde_json::json!({"kind": "dropConnection", "count": 4_000_000_000u64}),
        ),
        (
            "/sandbox/faults",
            serde_json::json!({"kind": "status", "status": 429, "retryAfter": 99999}),
        ),
        (
            &*format!("/sandbox/queues/{support}/traffic"),
            serde_json::json!({"arrivalsPerHour": 1e12}),
        ),
        (
            &*format!("/sandbox/queues/{support}/traffic"),
            serde_json::json!({"patienceSeconds": 1e15}),
        ),
    ];
    for (path, body) in &refused {
        let response = app
            .control_request(reqwest::Method::POST, path)
            .json(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{path} {body}");
    }
    // The Sandbox still serves, at the speed it had.
    assert_eq!(app.status().await["speed"], 1.0);
    let speed = app
        .control_request(reqwest::Method::POST, "/sandbox/speed")
        .json(&serde_json::json!({"speed": 1440}))
        .send()
        .await
        .unwrap();
    assert_eq!(speed.status(), 204);
}

#[tokio::test]
async fn controls_need_the_run_token_a_json_body_and_a_loopback_host() {
    let app = crate::helpers::spawn_sandbox().await;
    let speed_before = app.status().await["speed"].clone();
    let plain = reqwest::Client::new();
    let speed = app.url("/sandbox/speed");

    // A page's simple request: no token, a form body.
    let response = plain
        .post(&speed)
        .header("Content-Type", "text/plain")
        .body(r#"{"speed": 10000}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["code"], "sandbox.control.token.required");

    let wrong = plain
        .post(&speed)
        .header(sandbox::CONTROL_TOKEN_HEADER, "0".repeat(32))
        .json(&serde_json::json!({"speed": 10000}))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let status = plain.get(app.url("/sandbox/status")).send().await.unwrap();
    assert_eq!(status.status(), 401, "status needs the token as well");

    // The right token with a body that is not declared JSON.
    let form = app
        .control_request(reqwest::Method::POST, "/sandbox/speed")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(r#"{"speed": 10000}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 415);

    // A DNS-rebound page: the right token would not help it, but its Host is foreign.
    let rebound = app
        .control_request(reqwest::Method::POST, "/sandbox/speed")
        .header(
            "Host",
            format!("attacker.example:{}", app.sandbox.address().port()),
        )
        .json(&serde_json::json!({"speed": 10000}))
        .send()
        .await
        .unwrap();
    assert_eq!(rebound.status(), 403);

    assert_eq!(
        app.status().await["speed"],
        speed_before,
        "no refused request changed the Sandbox"
    );
    let accepted = app
        .control_request(reqwest::Method::POST, "/sandbox/speed")
        .header(
            "Host",
            format!("localhost:{}", app.sandbox.address().port()),
        )
        .json(&serde_json::json!({"speed": 2}))
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), 204);
    assert_eq!(app.status().await["speed"], 2.0);
}
