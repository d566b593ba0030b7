//! The Sandbox's Guest WebSocket seen by a plain WebSocket client written from the
//! contract (§12), not the app's guest client: frames, limits and refusals.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use webmsg_desk::sandbox::SandboxOptions;

use crate::helpers::{eventually, spawn_sandbox, spawn_sandbox_with, test_options, TestApp};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

const ALLOWED_ORIGIN: &str = "https://www.example.com";

fn socket_url(app: &TestApp, deployment_id: &str) -> String {
    format!(
        "ws://{}/v1?deploymentId={deployment_id}",
        app.sandbox.address()
    )
}

async fn open(app: &TestApp, deployment_id: &str, origin: Option<&str>) -> Result<Socket, u16> {
    let mut request = socket_url(app, deployment_id)
        .into_client_request()
        .unwrap();
    if let Some(origin) = origin {
        request
            .headers_mut()
            .insert("Origin", origin.parse().unwrap());
    }
    match tokio_tungstenite::connect_async(request).await {
        Ok((socket, _)) => Ok(socket),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            Err(response.status().as_u16())
        }
        Err(error) => panic!("unexpected connect error: {error}"),
    }
}

async fn send(socket: &mut Socket, frame: Value) {
    socket
        .send(Message::Text(frame.to_string().into()))
        .await
        .unwrap();
}

/// The next JSON frame, within `seconds`.
async fn next(socket: &mut Socket, seconds: u64) -> Option<Value> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(seconds);
    loop {
        let frame = tokio::time::timeout_at(deadline, socket.next())
            .await
            .ok()??;
        match frame.ok()? {
            Message::Text(text) => return Some(serde_json::from_str(text.as_str()).unwrap()),
            Message::Close(_) => return None,
            _ => continue,
        }
    }
}

/// Frames until one satisfies `wanted`, within `seconds`.
async fn until(socket: &mut Socket, seconds: u64, wanted: impl Fn(&Value) -> bool) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(seconds);
    let mut seen = Vec::new();
    while tokio::time::Instant::now() < deadline {
        let left = deadline - tokio::time::Instant::now();
        match next(socket, left.as_secs().max(1)).await {
            Some(frame) if wanted(&frame) => return frame,
            Some(frame) => seen.push(frame),
            None => break,
        }
    }
    panic!("no wanted frame within {seconds} s; saw {seen:#?}");
}

fn token() -> String {
    uuid::Uuid::new_v4().to_string()
}

async fn configured(app: &TestApp, deployment_id: &str, token: &str) -> Socket {
    let mut socket = open(app, deployment_id, Some(ALLOWED_ORIGIN))
        .await
        .unwrap();
    send(
        &mut socket,
        json!({"action": "configureSession", "token": token, "deploymentId": deployment_id, "tracingId": "t1"}),
    )
    .await;
    let reply = next(&mut socket, 5).await.unwrap();
    assert_eq!(reply["class"], "SessionResponse", "{reply}");
    socket
}

fn text(token: &str, text: &str, tracing_id: &str) -> Value {
    json!({"action": "onMessage", "token": token, "tracingId": tracing_id,
           "message": {"type": "Text", "text": text}})
}

#[tokio::test(flavor = "multi_thread")]
async fn a_guest_is_greeted_routed_and_answered_by_an_agent() {
    let app = spawn_sandbox().await;
    let (deployment_id, _) = app.seeded_channel().await;
    let support = app.queue_id("Support").await;
    app.empty_queue(&support).await;
    let token = token();
    let mut socket = open(&app, &deployment_id, Some(ALLOWED_ORIGIN))
        .await
        .unwrap();
    send(
        &mut socket,
        json!({"action": "configureSession", "token": token, "deploymentId": deployment_id, "startNew": false, "tracingId": "t1"}),
    )
    .await;
    let session = next(&mut socket, 5).await.unwrap();
    assert_eq!(session["type"], "response");
    assert_eq!(session["class"], "SessionResponse");
    assert_eq!(session["code"], 200);
    assert_eq!(session["tracingId"], "t1");
    assert_eq!(session["body"]["connected"], true);
    assert_eq!(session["body"]["newSession"], true);
    assert_eq!(session["body"]["maxCustomDataBytes"], 2048);

    send(
        &mut socket,
        json!({"action": "onMessage", "token": token, "tracingId": "t2",
               "message": {"type": "Event", "events": [{"eventType": "Presence", "presence": {"type": "Join"}}]},
               "channel": {"metadata": {"customAttributes": {"wmdSynthetic": "true"}}}}),
    )
    .await;
    let echo = next(&mut socket, 5).await.unwrap();
    assert_eq!(echo["class"], "StructuredMessage");
    assert_eq!(echo["type"], "message");
    assert_eq!(echo["tracingId"], "t2");
    assert_eq!(echo["body"]["direction"], "Inbound");
    let greeting = until(&mut socket, 5, |f| f["body"]["direction"] == "Outbound").await;
    assert_eq!(greeting["body"]["originatingEntity"], "Bot");
    // The flow greets with its menu: text and quick replies in one structured message.
    assert_eq!(greeting["body"]["type"], "Structured");
    assert_eq!(
        greeting["body"]["text"],
        webmsg_desk::sandbox::guest::GREETING
    );

    send(&mut socket, text(&token, "Where is my order?", "t3")).await;
    let sent = until(&mut socket, 5, |f| f["tracingId"] == "t3").await;
    let message_id = sent["body"]["id"].as_str().unwrap().to_string();
    let transfer = until(&mut socket, 5, |f| f["body"]["originatingEntity"] == "Bot").await;
    assert!(
        transfer["body"]["text"]
            .as_str()
            .unwrap()
            .contains("Support"),
        "{transfer}"
    );

    // The Platform API finds the conversation behind the guest's message, waiting in
    // Support like any other.
    let details: Value = app
        .http
        .get(app.url(&format!(
            "/api/v2/conversations/messages/{message_id}/details"
        )))
        .bearer_auth(app.token().await)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(details["textBody"], "Where is my order?");
    assert_eq!(details["messengerType"], "webmessaging");
    let conversation_id = details["conversationId"].as_str().unwrap().to_string();
    let observations = app
        .post_api(
            "/api/v2/analytics/queues/observations/query",
            &json!({"filter": {"type": "and", "predicates": [{"dimension": "queueId", "value": support}]},
                    "metrics": ["oWaiting"], "detailMetrics": ["oWaiting"]}),
        )
        .await;
    assert!(
        observations.to_string().contains(&conversation_id),
        "the guest's conversation waits in Support: {observations}"
    );

    app.control(
        &format!("/sandbox/queues/{support}/traffic"),
        json!({"onQueueAgents": 8, "handleTimeSeconds": 20}),
    )
    .await;
    // Conversations that queued before the guest are answered first (FIFO). No event
    // says an agent joined: the agent types (the deployment shows typing), then writes.
    let typing = until(&mut socket, 45, |f| {
        f["body"]["events"][0]["eventType"] == "Typing" && f["body"]["direction"] == "Outbound"
    })
    .await;
    assert_eq!(typing["body"]["events"][0]["typing"]["type"], "On");
    let agent = until(&mut socket, 5, |f| {
        f["body"]["originatingEntity"] == "Human" && f["body"]["direction"] == "Outbound"
    })
    .await;
    let from = &agent["body"]["channel"]["from"];
    assert!(
        from["nickname"].is_string() && from["firstName"].is_string(),
        "{agent}"
    );
    let id = agent["body"]["id"].as_str().unwrap();
    assert!(
        uuid::Uuid::parse_str(id).is_ok(),
        "outbound ids are UUIDs: {id}"
    );
    assert_eq!(agent["body"]["channel"]["messageId"], id);

    send(
        &mut socket,
        json!({"action": "echo", "token": token, "tracingId": "hc1", "message": {"type": "Text", "text": "ping"}}),
    )
    .await;
    let echo = until(&mut socket, 5, |f| f["tracingId"] == "hc1").await;
    assert_eq!(echo["type"], "response");
    assert_eq!(echo["body"]["text"], "ping");

    send(
        &mut socket,
        json!({"action": "closeSession", "token": token, "closeAllConnections": true, "tracingId": "t9"}),
    )
    .await;
    let closed = until(&mut socket, 5, |f| f["tracingId"] == "t9").await;
    assert_eq!(closed["class"], "SessionResponse");
    assert_eq!(closed["body"]["connected"], false);
    assert!(
        next(&mut socket, 5).await.is_none(),
        "the server closes the socket"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_upgrade_is_refused_for_unknown_deployments_and_foreign_origins() {
    let app = spawn_sandbox().await;
    let (deployment_id, _) = app.seeded_channel().await;
    assert_eq!(
        open(&app, &deployment_id, Some("https://evil.example.net"))
            .await
            .err(),
        Some(403)
    );
    assert_eq!(open(&app, &deployment_id, None).await.err(), Some(403));
    assert_eq!(
        open(
            &app,
            &uuid::Uuid::new_v4().to_string(),
            Some(ALLOWED_ORIGIN)
        )
        .await
        .err(),
        Some(403)
    );
    // A bare host, as the Java SDK sends it, is an origin too.
    assert!(open(&app, &deployment_id, Some("support.example.com"))
        .await
        .is_ok());
    // A plain allowed domain covers its subdomains, and only those.
    assert!(
        open(&app, &deployment_id, Some("https://eu.support.example.com"))
            .await
            .is_ok()
    );
    assert_eq!(
        open(&app, &deployment_id, Some("https://example.com"))
            .await
            .err(),
        Some(403)
    );
    assert_eq!(
        open(&app, &deployment_id, Some("https://notsupport.example.com"))
            .await
            .err(),
        Some(403)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn frames_that_break_the_rules_get_the_documented_error_frames() {
    let app = spawn_sandbox().await;
    let (deployment_id, _) = app.seeded_channel().await;
    let mut socket = open(&app, &deployment_id, Some(ALLOWED_ORIGIN))
        .await
        .unwrap();

    send(&mut socket, text(&token(), "hello", "early")).await;
    let unconfigured = next(&mut socket, 5).await.unwrap();
    assert_eq!(unconfigured["class"], "string");
    assert_eq!(unconfigured["code"], 4007, "{unconfigured}");

    send(
        &mut socket,
        json!({"action": "configureSession", "deploymentId": deployment_id}),
    )
    .await;
    assert_eq!(next(&mut socket, 5).await.unwrap()["code"], 4020);

    socket
        .send(Message::Text("{not json".into()))
        .await
        .unwrap();
    let broken = next(&mut socket, 5).await.unwrap();
    assert_eq!(
        (broken["class"].as_str(), broken["code"].as_u64()),
        (Some("string"), Some(400))
    );

    let token = token();
    send(
        &mut socket,
        json!({"action": "configureSession", "token": token, "deploymentId": deployment_id}),
    )
    .await;
    assert_eq!(
        next(&mut socket, 5).await.unwrap()["class"],
        "SessionResponse"
    );

    let oversized: serde_json::Map<String, Value> = (0..30)
        .map(|i| (format!("attribute{i:02}"), json!("x".repeat(64))))
        .collect();
    send(
        &mut socket,
        json!({"action": "onMessage", "token": token, "tracingId": "big",
               "message": {"type": "Text", "text": "hi"},
               "channel": {"metadata": {"customAttributes": oversized}}}),
    )
    .await;
    let too_big = until(&mut socket, 5, |f| f["tracingId"] == "big").await;
    assert_eq!(too_big["code"], 4013);
    assert!(too_big["body"].as_str().unwrap().contains("2048 bytes"));

    send(&mut socket, text(&token, &"a".repeat(4_097), "long")).await;
    assert_eq!(
        until(&mut socket, 5, |f| f["tracingId"] == "long").await["code"],
        4011
    );

    // Two messages a second are allowed; the third within the second is refused with
    // the time to wait. A fresh session starts with the whole second's allowance.
    let token = self::token();
    let mut socket = configured(&app, &deployment_id, &token).await;
    for n in 0..3 {
        send(&mut socket, text(&token, "quick", &format!("q{n}"))).await;
    }
    let limited = until(&mut socket, 5, |f| f["tracingId"] == "q2").await;
    assert_eq!(limited["class"], "TooManyRequestsErrorMessage", "{limited}");
    assert_eq!(limited["code"], 429);
    assert_eq!(limited["body"]["errorCode"], 4029);
    assert!(limited["body"]["retryAfter"].as_u64().unwrap() >= 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn closing_a_session_tells_its_other_sockets_and_idle_sessions_expire() {
    let app = spawn_sandbox_with(SandboxOptions {
        guest_session_idle: Duration::from_secs(2),
        ..test_options()
    })
    .await;
    let (deployment_id, _) = app.seeded_channel().await;
    let token = token();
    let mut first = configured(&app, &deployment_id, &token).await;
    let mut second = configured(&app, &deployment_id, &token).await;
    send(
        &mut first,
        json!({"action": "closeSession", "token": token, "closeAllConnections": true}),
    )
    .await;
    let other = until(&mut second, 5, |f| f["class"] == "ConnectionClosedEvent").await;
    assert_eq!(other["type"], "message");

    let idle = self::token();
    let mut socket = configured(&app, &deployment_id, &idle).await;
    let expired = until(&mut socket, 6, |f| f["class"] == "SessionExpiredEvent").await;
    assert_eq!(expired["code"], 200);
    assert!(
        next(&mut socket, 3).await.is_none(),
        "an expired session's socket closes"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sandbox_faults_drop_the_socket_or_fail_the_flow() {
    let app = spawn_sandbox().await;
    let (deployment_id, _) = app.seeded_channel().await;
    app.control("/sandbox/guest/faults", json!({"kind": "dropSocket"}))
        .await;
    let mut socket = open(&app, &deployment_id, Some(ALLOWED_ORIGIN))
        .await
        .unwrap();
    let token = token();
    send(
        &mut socket,
        json!({"action": "configureSession", "token": token, "deploymentId": deployment_id}),
    )
    .await;
    let _ = next(&mut socket, 5).await;
    assert!(next(&mut socket, 5).await.is_none(), "the socket is cut");

    app.control("/sandbox/guest/faults", json!({"kind": "flowError"}))
        .await;
    let token = self::token();
    let mut socket = configured(&app, &deployment_id, &token).await;
    send(&mut socket, text(&token, "hello", "t1")).await;
    let disconnected = until(&mut socket, 5, |f| {
        f["body"]["events"][0]["presence"]["type"] == "Disconnect"
    })
    .await;
    assert_eq!(disconnected["body"]["direction"], "Outbound");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_public_config_serves_a_new_version_only_after_the_cdn_delay() {
    let app = spawn_sandbox_with(SandboxOptions {
        cdn_delay: Duration::from_secs(3),
        lifecycle_delay: Duration::from_millis(100),
        ..test_options()
    })
    .await;
    let (deployment_id, configuration_id) = app.seeded_channel().await;
    let url = app.url(&format!(
        "/webdeployments/v1/deployments/{deployment_id}/config.json"
    ));
    let served = |http: reqwest::Client, url: String| async move {
        let response = http.get(url).send().await.unwrap();
        assert_eq!(response.status(), 200);
        response.json::<Value>().await.unwrap()
    };
    let before = served(app.http.clone(), url.clone()).await;
    assert_eq!(before["version"], "1");
    assert_eq!(
        before["id"],
        configuration_id.as_str(),
        "the file's id is the configuration's"
    );
    assert!(
        before["messenger"]["apps"]["conversations"]["messagingEndpoint"]
            .as_str()
            .unwrap()
            .starts_with("ws://127.0.0.1:")
    );

    let configurations = app.client.configurations();
    let draft = configurations.draft(&configuration_id).await.unwrap();
    configurations
        .update_draft(&configuration_id, &draft)
        .await
        .unwrap();
    eventually(
        Duration::from_secs(10),
        "the draft to be Active",
        || async {
            let draft = configurations.draft(&configuration_id).await.unwrap();
            (draft.status == Some(webmsg_desk::genesys::models::DeploymentStatus::Active))
                .then_some(())
        },
    )
    .await;
    let published = configurations.publish(&configuration_id).await.unwrap();
    let mut deployment = app.client.deployments().get(&deployment_id).await.unwrap();
    if let Some(configuration) = deployment.configuration.as_mut() {
        configuration.version = published.version.clone();
    }
    app.client
        .deployments()
        .update(&deployment_id, &deployment)
        .await
        .unwrap();
    let published_at = tokio::time::Instant::now();
    assert_eq!(served(app.http.clone(), url.clone()).await["version"], "1");
    eventually(Duration::from_secs(10), "version 2 on the CDN", || async {
        (served(app.http.clone(), url.clone()).await["version"] == "2").then_some(())
    })
    .await;
    assert!(
        published_at.elapsed() >= Duration::from_millis(2_900),
        "the new version was served after {:?}, before the CDN delay",
        published_at.elapsed()
    );

    let missing =
        app.http
            .get(app.url(
                "/webdeployments/v1/deployments/00000000-0000-4000-8000-000000000000/config.json",
            ))
            .send()
            .await
            .unwrap();
    assert_eq!(
        missing.status(),
        403,
        "the CDN refuses a file it does not have"
    );
}

/// The public file is the whole configuration version as published: its `id` is the
/// configuration's, the deployment's real status comes with it, and `domains.json` says
/// which sites may load it.
#[tokio::test(flavor = "multi_thread")]
async fn the_public_config_carries_the_whole_version_and_the_domains_file_the_sites() {
    let app = spawn_sandbox().await;
    let (deployment_id, configuration_id) = app.seeded_channel().await;
    let get = |path: String| {
        let http = app.http.clone();
        let url = app.url(&path);
        async move { http.get(url).send().await.unwrap() }
    };
    let config: Value = get(format!(
        "/webdeployments/v1/deployments/{deployment_id}/config.json"
    ))
    .await
    .json()
    .await
    .unwrap();
    let published = app
        .client
        .configurations()
        .version(&configuration_id, config["version"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(config["id"], configuration_id.as_str());
    assert!(config.get("configurationId").is_none(), "{config:#}");
    assert_eq!(config["status"], "Active");
    assert_eq!(config["name"], published.name.as_str());
    assert_eq!(
        config["messenger"]["styles"],
        serde_json::to_value(&published.messenger.as_ref().unwrap().styles).unwrap()
    );
    assert!(
        config["messenger"]["apps"]["conversations"]["messagingEndpoint"]
            .as_str()
            .unwrap()
            .starts_with("ws://")
    );
    assert!(config.get("selfUri").is_none());

    let domains: Value = get(format!(
        "/webdeployments/v1/deployments/{deployment_id}/domains.json"
    ))
    .await
    .json()
    .await
    .unwrap();
    let deployment = app.client.deployments().get(&deployment_id).await.unwrap();
    assert_eq!(
        domains["allowedDomains"],
        serde_json::to_value(deployment.allowed_domains.unwrap_or_default()).unwrap()
    );
    assert_eq!(
        domains["allowAllDomains"],
        deployment.allow_all_domains.unwrap_or(false)
    );
}

/// Genesys does not check a guest token's format: any token up to 2048 characters opens a
/// session, a longer one is refused.
#[tokio::test(flavor = "multi_thread")]
async fn any_guest_token_up_to_2048_characters_is_accepted() {
    let app = spawn_sandbox().await;
    let (deployment_id, _) = app.seeded_channel().await;
    for (token, accepted) in [
        ("not-a-uuid:kept-by-a-custom-page".to_string(), true),
        ("t".repeat(2048), true),
        ("t".repeat(2049), false),
    ] {
        let mut socket = open(&app, &deployment_id, Some(ALLOWED_ORIGIN))
            .await
            .unwrap();
        send(
            &mut socket,
            json!({"action": "configureSession", "token": token, "deploymentId": deployment_id, "tracingId": "t1"}),
        )
        .await;
        let reply = next(&mut socket, 5).await.unwrap();
        assert_eq!(
            reply["class"] == "SessionResponse",
            accepted,
            "{} characters: {reply}",
            token.len()
        );
    }
}

/// A visitor who leaves without closing its session (the tab shut, the network gone) does
/// not stay in the queue for ever: the conversation ends with the session's idle expiry,
/// with no socket left to tell.
#[tokio::test(flavor = "multi_thread")]
async fn an_abandoned_session_leaves_the_queue_when_it_expires() {
    let app = spawn_sandbox_with(SandboxOptions {
        guest_session_idle: Duration::from_secs(2),
        ..test_options()
    })
    .await;
    let (deployment_id, _) = app.seeded_channel().await;
    let support = app.queue_id("Support").await;
    app.empty_queue(&support).await;
    let token = token();
    let mut socket = configured(&app, &deployment_id, &token).await;
    send(&mut socket, text(&token, "I need an agent", "t2")).await;
    until(&mut socket, 10, |f| {
        f["body"]["text"]
            .as_str()
            .is_some_and(|t| t.contains("Support"))
    })
    .await;
    let waiting = || async {
        app.traffic(&support, json!({})).await["waiting"]
            .as_u64()
            .unwrap()
    };
    eventually(
        Duration::from_secs(5),
        "the conversation to queue",
        || async { (waiting().await > 0).then_some(()) },
    )
    .await;
    // Gone without a closeSession: the socket is simply dropped.
    drop(socket);
    eventually(
        Duration::from_secs(10),
        "the abandoned conversation to leave the queue",
        || async { (waiting().await == 0).then_some(()) },
    )
    .await;
}

/// The seeded channel republished with its Conversations app settings replaced by
/// `conversations` (merged over what it has).
async fn with_conversations(app: &TestApp, conversations: Value) -> String {
    app.republish_seeded(|draft| {
        let app_settings = &mut draft["messenger"]["apps"]["conversations"];
        for (key, value) in conversations.as_object().unwrap() {
            app_settings[key] = value.clone();
        }
    })
    .await
}

/// Makes the flow of the next conversation fail, so it ends at once.
async fn next_flow_fails(app: &TestApp) {
    app.control(
        "/sandbox/guest/faults",
        json!({"kind": "flowError", "count": 1}),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_disconnect_event_follows_the_deployments_conversation_disconnect() {
    let app = spawn_sandbox().await;
    // ReadOnly: the page hears the end, and that the visitor may not write again.
    let deployment = with_conversations(
        &app,
        json!({"conversationDisconnect": {"enabled": true, "type": "ReadOnly"}}),
    )
    .await;
    let guest = token();
    let mut socket = configured(&app, &deployment, &guest).await;
    next_flow_fails(&app).await;
    send(&mut socket, text(&guest, "hello", "m1")).await;
    let ended = until(&mut socket, 5, |f| {
        f["body"]["events"][0]["presence"]["type"] == "Disconnect"
    })
    .await;
    assert_eq!(ended["body"]["metadata"]["readOnly"], "true");

    // Off: the conversation ends and the page is never told.
    let deployment =
        with_conversations(&app, json!({"conversationDisconnect": {"enabled": false}})).await;
    let guest = token();
    let mut socket = configured(&app, &deployment, &guest).await;
    next_flow_fails(&app).await;
    send(&mut socket, text(&guest, "hello", "m2")).await;
    until(&mut socket, 5, |f| f["tracingId"] == "m2").await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
    while let Some(frame) = next(&mut socket, 1).await {
        assert_ne!(
            frame["body"]["events"][0]["presence"]["type"], "Disconnect",
            "disconnect is off: {frame}"
        );
        if tokio::time::Instant::now() > deadline {
            break;
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn typing_clear_and_auto_start_follow_the_deployment() {
    let app = spawn_sandbox().await;
    let typing = |guest: &str| {
        json!({"action": "onMessage", "token": guest, "tracingId": "typing",
               "message": {"type": "Event", "events": [{"eventType": "Typing", "typing": {"type": "On"}}]}})
    };
    let presence = |guest: &str, kind: &str| {
        json!({"action": "onMessage", "token": guest, "tracingId": kind,
               "message": {"type": "Event", "events": [{"eventType": "Presence", "presence": {"type": kind}}]}})
    };
    // Each check has a session of its own: two messages a second is the limit.
    // The seeded channel: typing shown, clear on, auto-start on.
    let (seeded, _) = app.seeded_channel().await;
    let guest = token();
    let mut socket = configured(&app, &seeded, &guest).await;
    send(&mut socket, typing(&guest)).await;
    let accepted = until(&mut socket, 5, |f| f["tracingId"] == "typing").await;
    assert_eq!(accepted["code"], 200, "{accepted}");
    let guest = token();
    let mut socket = configured(&app, &seeded, &guest).await;
    send(&mut socket, presence(&guest, "Join")).await;
    let greeting = until(&mut socket, 5, |f| f["body"]["originatingEntity"] == "Bot").await;
    assert_eq!(
        greeting["body"]["text"],
        webmsg_desk::sandbox::guest::GREETING
    );
    send(&mut socket, presence(&guest, "Clear")).await;
    until(&mut socket, 5, |f| f["class"] == "SessionClearedEvent").await;

    // Typing hidden, clear off, no auto-start.
    let deployment = with_conversations(
        &app,
        json!({"showUserTypingIndicator": false, "conversationClear": {"enabled": false},
               "autoStart": {"enabled": false}}),
    )
    .await;
    let guest = token();
    let mut socket = configured(&app, &deployment, &guest).await;
    send(&mut socket, typing(&guest)).await;
    let refused = until(&mut socket, 5, |f| f["tracingId"] == "typing").await;
    assert_eq!(refused["code"], 403, "{refused}");
    send(&mut socket, presence(&guest, "Clear")).await;
    let refused = until(&mut socket, 5, |f| f["tracingId"] == "Clear").await;
    assert_eq!(refused["code"], 403, "{refused}");
    // Without auto-start a Join starts nothing: the bot speaks once the visitor writes.
    let guest = token();
    let mut socket = configured(&app, &deployment, &guest).await;
    send(&mut socket, presence(&guest, "Join")).await;
    until(&mut socket, 5, |f| f["tracingId"] == "Join").await;
    // A greeting would come 0.4 s after the Join; none comes in 2 s.
    if let Some(frame) = next(&mut socket, 2).await {
        assert_ne!(frame["body"]["originatingEntity"], "Bot", "{frame}");
    }
    send(&mut socket, text(&guest, "hello", "first")).await;
    let first_bot = until(&mut socket, 5, |f| f["body"]["originatingEntity"] == "Bot").await;
    assert_eq!(
        first_bot["body"]["text"],
        webmsg_desk::sandbox::guest::GREETING
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_session_holds_three_sockets_and_close_all_is_honoured() {
    let app = spawn_sandbox().await;
    let (deployment, _) = app.seeded_channel().await;
    let guest = token();
    let mut first = configured(&app, &deployment, &guest).await;
    let mut second = configured(&app, &deployment, &guest).await;
    let _third = configured(&app, &deployment, &guest).await;
    let mut fourth = configured(&app, &deployment, &guest).await;
    let closed = until(&mut first, 5, |f| f["class"] == "ConnectionClosedEvent").await;
    assert_eq!(closed["type"], "message");
    assert!(
        next(&mut first, 2).await.is_none(),
        "the oldest socket is closed"
    );

    // closeAllConnections false: only this socket leaves; the session goes on.
    send(
        &mut second,
        json!({"action": "closeSession", "token": guest, "closeAllConnections": false, "tracingId": "c1"}),
    )
    .await;
    until(&mut second, 5, |f| f["tracingId"] == "c1").await;
    send(
        &mut fourth,
        json!({"action": "echo", "token": guest, "tracingId": "still", "message": {"type": "Text", "text": "ping"}}),
    )
    .await;
    let echo = until(&mut fourth, 5, |f| f["tracingId"] == "still").await;
    assert_eq!(echo["body"]["text"], "ping");
}

#[tokio::test(flavor = "multi_thread")]
async fn frames_are_shaped_as_captured_and_media_come_from_the_supported_content_profile() {
    let app = spawn_sandbox().await;
    let (deployment, _) = app.seeded_channel().await;
    let guest = token();
    let mut socket = open(&app, &deployment, Some(ALLOWED_ORIGIN)).await.unwrap();
    send(
        &mut socket,
        json!({"action": "configureSession", "token": guest, "deploymentId": deployment, "tracingId": "s"}),
    )
    .await;
    let session = until(&mut socket, 5, |f| f["tracingId"] == "s").await;
    let (_, profile) = app
        .get_api("/api/v2/conversations/messaging/supportedcontent/default")
        .await;
    let inbound: Vec<&Value> = profile["mediaTypes"]["allow"]["inbound"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| &t["type"])
        .collect();
    let allowed = |frame: &Value| -> Vec<Value> {
        frame["body"]["allowedMedia"]["inbound"]["fileTypes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["type"].clone())
            .collect()
    };
    assert_eq!(allowed(&session).iter().collect::<Vec<_>>(), inbound);
    send(
        &mut socket,
        json!({"action": "getConfiguration", "token": guest, "tracingId": "g"}),
    )
    .await;
    let configuration = until(&mut socket, 5, |f| f["tracingId"] == "g").await;
    assert_eq!(allowed(&configuration), allowed(&session));

    // The inbound echo names its origin; Message and Receipt are message types too.
    send(&mut socket, text(&guest, "hello", "h")).await;
    let echo = until(&mut socket, 5, |f| f["tracingId"] == "h").await;
    assert_eq!(echo["body"]["originatingEntity"], "Human");
    assert_eq!(echo["body"]["channel"]["messageId"], echo["body"]["id"]);
    // (A session of their own: two messages a second is the limit.)
    let other = token();
    let mut types = configured(&app, &deployment, &other).await;
    for kind in ["Message", "Receipt"] {
        send(
            &mut types,
            json!({"action": "onMessage", "token": other, "tracingId": kind,
                   "message": {"type": kind, "text": "x"}}),
        )
        .await;
        let reply = until(&mut types, 5, |f| f["tracingId"] == kind).await;
        assert_eq!(reply["code"], 200, "{reply}");
    }
    // An echo needs its message; getJwt works for an ordinary session.
    send(
        &mut socket,
        json!({"action": "echo", "token": guest, "tracingId": "e"}),
    )
    .await;
    let refused = until(&mut socket, 5, |f| f["tracingId"] == "e").await;
    assert_eq!(refused["code"], 4020, "{refused}");
    send(
        &mut socket,
        json!({"action": "getJwt", "token": guest, "tracingId": "j"}),
    )
    .await;
    let jwt = until(&mut socket, 5, |f| f["tracingId"] == "j").await;
    assert_eq!(jwt["class"], "JwtResponse");
    assert_eq!(jwt["body"]["jwt"].as_str().unwrap().split('.').count(), 3);
    assert!(jwt["body"]["exp"].as_i64().unwrap() > 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_session_lasts_the_deployments_session_duration() {
    let app = spawn_sandbox().await;
    let (seeded, _) = app.seeded_channel().await;
    let duration = |deployment: String| {
        let app = &app;
        async move {
            let guest = token();
            let mut socket = open(app, &deployment, Some(ALLOWED_ORIGIN)).await.unwrap();
            send(
                &mut socket,
                json!({"action": "configureSession", "token": guest, "deploymentId": deployment, "tracingId": "s"}),
            )
            .await;
            until(&mut socket, 5, |f| f["tracingId"] == "s").await["body"]["durationSeconds"]
                .as_u64()
                .unwrap()
        }
    };
    assert_eq!(duration(seeded).await, 259_200, "72 hours unless set");
    let short = with_conversations(&app, json!({"sessionDurationSeconds": 7200})).await;
    assert_eq!(duration(short).await, 7200);
}

/// The seeded flow's menu and card, and what a guest may send back: a quick reply as the
/// official SDK sends it (an empty `Text` with a button response) is taken and answered;
/// a malformed response, a card sent by the guest and an attachment never uploaded are
/// refused as the Guest API refuses them.
#[tokio::test(flavor = "multi_thread")]
async fn quick_replies_and_cards_go_out_and_button_responses_come_back() {
    let app = spawn_sandbox().await;
    let (deployment, _) = app.seeded_channel().await;
    let guest = token();
    let mut socket = configured(&app, &deployment, &guest).await;
    send(
        &mut socket,
        json!({"action": "onMessage", "token": guest, "tracingId": "join",
               "message": {"type": "Event", "events": [{"eventType": "Presence", "presence": {"type": "Join"}}]}}),
    )
    .await;
    let menu = until(&mut socket, 5, |f| f["body"]["originatingEntity"] == "Bot").await;
    assert_eq!(menu["body"]["type"], "Structured", "{menu}");
    assert_eq!(menu["body"]["content"][0]["contentType"], "QuickReply");
    assert_eq!(
        menu["body"]["content"][0]["quickReply"]["text"],
        "Track my order"
    );
    let choose = |payload: &str, tracing: &str| {
        json!({"action": "onMessage", "token": guest, "tracingId": tracing,
               "message": {"type": "Text", "text": "", "content": [{"contentType": "ButtonResponse",
                   "buttonResponse": {"type": "QuickReply", "text": "Track my order", "payload": payload}}]}})
    };
    send(&mut socket, choose("track", "chose")).await;
    let echo = until(&mut socket, 5, |f| f["tracingId"] == "chose").await;
    assert_eq!(echo["code"], 200, "{echo}");
    assert_eq!(
        echo["body"]["content"][0]["buttonResponse"]["payload"],
        "track"
    );
    let card = until(&mut socket, 5, |f| f["body"]["originatingEntity"] == "Bot").await;
    assert_eq!(card["body"]["content"][0]["contentType"], "Card", "{card}");
    assert_eq!(
        card["body"]["content"][0]["card"]["title"],
        webmsg_desk::sandbox::guest::ORDER_CARD_TITLE
    );

    // Two messages a second per session: each refusal below gets a session of its own.
    let refusals = [
        (
            json!({"type": "Text", "text": "", "content": [{"contentType": "ButtonResponse",
                   "buttonResponse": {"type": "Swipe", "text": "x", "payload": "x"}}]}),
            400,
        ),
        (
            json!({"type": "Text", "text": "", "content": [{"contentType": "ButtonResponse",
                   "buttonResponse": {"type": "QuickReply", "text": "no payload"}}]}),
            400,
        ),
        (
            json!({"type": "Structured", "text": "x", "content": [{"contentType": "Card",
                   "card": {"title": "from a guest", "actions": []}}]}),
            400,
        ),
        (
            json!({"type": "Text", "text": "", "content": [{"contentType": "Attachment",
                   "attachment": {"id": "9b3c0a3e-0000-4000-8000-000000000000"}}]}),
            4009,
        ),
        (json!({"type": "Text", "text": "", "content": {}}), 400),
    ];
    for (message, code) in refusals {
        let guest = token();
        let mut socket = configured(&app, &deployment, &guest).await;
        send(
            &mut socket,
            json!({"action": "onMessage", "token": guest, "tracingId": "refused", "message": message}),
        )
        .await;
        let refused = until(&mut socket, 5, |f| f["tracingId"] == "refused").await;
        assert_eq!(refused["code"], code, "{message}: {refused}");
    }
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

fn ask_upload(token: &str, id: &str, name: &str, kind: &str, size: u64, tracing: &str) -> Value {
    json!({"action": "onAttachment", "token": token, "attachmentId": id, "fileName": name,
           "fileType": kind, "fileSize": size, "errorsAsJson": true, "tracingId": tracing})
}

/// `PUT`s `bytes` to a presigned URL with the headers it names, as the SDK does.
async fn put(presigned: &Value, kind: &str, bytes: Vec<u8>, signed: bool) -> u16 {
    let mut request = reqwest::Client::new()
        .put(presigned["body"]["url"].as_str().unwrap())
        .header("content-type", kind)
        .body(bytes);
    if signed {
        for (name, value) in presigned["body"]["headers"].as_object().unwrap() {
            request = request.header(name.as_str(), value.as_str().unwrap());
        }
    }
    request.send().await.unwrap().status().as_u16()
}

fn attachment_message(token: &str, id: &str, tracing: &str) -> Value {
    json!({"action": "onMessage", "token": token, "tracingId": tracing,
           "message": {"type": "Text", "text": "", "content": [
               {"contentType": "Attachment", "attachment": {"id": id}}]}})
}

/// The attachment flow as the official SDK drives it: presigned URL, signed upload,
/// the scan's event, the message; and each refusal with the code the SDK maps.
#[tokio::test(flavor = "multi_thread")]
async fn attachments_are_presigned_uploaded_scanned_and_sent_within_the_profile() {
    let app = spawn_sandbox().await;
    let (deployment, _) = app.seeded_channel().await;
    let guest = token();
    let mut socket = configured(&app, &deployment, &guest).await;
    let photo = [PNG_SIGNATURE, b"rest of the picture"].concat();
    let id = uuid::Uuid::new_v4().to_string();
    send(
        &mut socket,
        ask_upload(
            &guest,
            &id,
            "photo.png",
            "image/png",
            photo.len() as u64,
            "a1",
        ),
    )
    .await;
    let presigned = until(&mut socket, 5, |f| f["tracingId"] == "a1").await;
    assert_eq!(
        (presigned["type"].as_str(), presigned["class"].as_str()),
        (Some("response"), Some("PresignedUrlResponse")),
        "{presigned}"
    );
    assert_eq!(presigned["body"]["attachmentId"], id.as_str());
    // Unsigned, or with another type than declared, the store refuses the upload.
    assert_eq!(
        put(&presigned, "image/png", photo.clone(), false).await,
        403
    );
    assert_eq!(put(&presigned, "image/gif", photo.clone(), true).await, 403);
    // Not uploaded yet: the message is refused.
    send(&mut socket, attachment_message(&guest, &id, "early")).await;
    let early = until(&mut socket, 5, |f| f["tracingId"] == "early").await;
    assert_eq!(early["code"], 4010, "{early}");
    assert_eq!(put(&presigned, "image/png", photo.clone(), true).await, 200);
    let uploaded = until(&mut socket, 5, |f| f["class"] == "UploadSuccessEvent").await;
    assert_eq!(uploaded["body"]["attachmentId"], id.as_str(), "{uploaded}");
    let download = uploaded["body"]["downloadUrl"].as_str().unwrap();
    let served = reqwest::get(download).await.unwrap().bytes().await.unwrap();
    assert_eq!(served.as_ref(), photo.as_slice());
    tokio::time::sleep(Duration::from_millis(600)).await;
    send(&mut socket, attachment_message(&guest, &id, "sent")).await;
    let echo = until(&mut socket, 5, |f| f["tracingId"] == "sent").await;
    assert_eq!(echo["class"], "StructuredMessage", "{echo}");
    let attachment = &echo["body"]["content"][0]["attachment"];
    assert_eq!(
        (
            attachment["filename"].as_str(),
            attachment["mime"].as_str(),
            attachment["fileSize"].as_u64()
        ),
        (
            Some("photo.png"),
            Some("image/png"),
            Some(photo.len() as u64)
        ),
        "{echo}"
    );
    let thanks = until(&mut socket, 5, |f| f["body"]["originatingEntity"] == "Bot").await;
    assert_eq!(thanks["body"]["text"], "Thanks, we received photo.png.");

    // Refused before any upload, naming the attachment (`GenerateUrlError`), or as a
    // plain error frame when the client does not ask for JSON errors.
    let refusals = [
        ("setup.exe", "application/x-msdownload", 100, 4001),
        ("report.pdf", "application/pdf", 100, 4001),
        ("huge.png", "image/png", 10_240 * 1024 + 1, 4002),
        ("empty.png", "image/png", 0, 4002),
        ("../etc/passwd.png", "image/png", 100, 4004),
    ];
    for (n, (name, kind, size, code)) in refusals.into_iter().enumerate() {
        let tracing = format!("r{n}");
        send(
            &mut socket,
            ask_upload(&guest, &token(), name, kind, size, &tracing),
        )
        .await;
        let refused = until(&mut socket, 5, |f| f["tracingId"] == tracing.as_str()).await;
        assert_eq!(refused["class"], "GenerateUrlError", "{name}: {refused}");
        assert_eq!(refused["body"]["errorCode"], code, "{name}: {refused}");
    }
    let mut plain = ask_upload(
        &guest,
        &token(),
        "setup.exe",
        "application/octet-stream",
        9,
        "plain",
    );
    plain["errorsAsJson"] = json!(false);
    send(&mut socket, plain).await;
    let refused = until(&mut socket, 5, |f| f["tracingId"] == "plain").await;
    assert_eq!(
        (refused["class"].as_str(), refused["code"].as_u64()),
        (Some("string"), Some(4001))
    );

    // A picture that is not one is refused by the scan, and cannot be sent.
    let fake = uuid::Uuid::new_v4().to_string();
    send(
        &mut socket,
        ask_upload(&guest, &fake, "fake.png", "image/png", 4, "f1"),
    )
    .await;
    let presigned = until(&mut socket, 5, |f| f["tracingId"] == "f1").await;
    assert_eq!(
        put(&presigned, "image/png", b"text".to_vec(), true).await,
        200
    );
    let failed = until(&mut socket, 5, |f| f["class"] == "UploadFailureEvent").await;
    assert_eq!(failed["body"]["errorCode"], 4003, "{failed}");

    // Another session may neither send nor delete it; its owner may delete it.
    let other = token();
    let mut stranger = configured(&app, &deployment, &other).await;
    send(&mut stranger, attachment_message(&other, &id, "theirs")).await;
    let theirs = until(&mut stranger, 5, |f| f["tracingId"] == "theirs").await;
    assert_eq!(theirs["code"], 4009, "{theirs}");
    send(&mut socket, json!({"action": "deleteAttachment", "token": guest, "attachmentId": id, "tracingId": "d1"})).await;
    let deleted = until(&mut socket, 5, |f| f["tracingId"] == "d1").await;
    assert_eq!(deleted["class"], "AttachmentDeletedResponse", "{deleted}");
    tokio::time::sleep(Duration::from_millis(600)).await;
    send(&mut socket, attachment_message(&guest, &id, "gone")).await;
    let gone = until(&mut socket, 5, |f| f["tracingId"] == "gone").await;
    assert_eq!(gone["code"], 4009, "{gone}");
}

/// A configuration with attachments off refuses every upload as a feature unavailable.
#[tokio::test(flavor = "multi_thread")]
async fn attachments_are_unavailable_when_the_configuration_turns_them_off() {
    let app = spawn_sandbox().await;
    let deployment = app
        .republish_seeded(|draft| {
            draft["messenger"]["fileUpload"] = json!({"enableAttachments": false});
        })
        .await;
    let guest = token();
    let mut socket = configured(&app, &deployment, &guest).await;
    send(
        &mut socket,
        ask_upload(&guest, &token(), "photo.png", "image/png", 10, "off"),
    )
    .await;
    let refused = until(&mut socket, 5, |f| f["tracingId"] == "off").await;
    assert_eq!(refused["body"]["errorCode"], 4000, "{refused}");
}
