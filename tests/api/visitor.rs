//! The visitor's view from the command line against the Sandbox: `guest drive`,
//! `guest run` with JUnit, `channel live`, `channel snippet` and `channel check-page`.

use std::process::{Command, Output};
use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::{eventually, spawn_sandbox, TestApp};

const BINARY: &str = env!("CARGO_BIN_EXE_webmsg-desk");

async fn cli(app: &TestApp, args: &[&str]) -> Output {
    let home = tempfile::tempdir().unwrap();
    cli_in(app, home.path(), args).await
}

/// Runs the binary with its config and history database under `home`.
async fn cli_in(app: &TestApp, home: &std::path::Path, args: &[&str]) -> Output {
    let base = app.sandbox.base_url();
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let home = home.to_path_buf();
    tokio::task::spawn_blocking(move || {
        Command::new(BINARY)
            .args(&args)
            .env("GENESYS_ENVIRONMENT", base)
            .env("GENESYS_CLIENT_ID", "sandbox-client")
            .env("GENESYS_CLIENT_SECRET", "sandbox-secret")
            .env("XDG_CONFIG_HOME", &home)
            .env("XDG_DATA_HOME", &home)
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

fn stdout_json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn guest_drive_shows_greeting_routing_positions_and_the_agent() {
    let app = spawn_sandbox().await;
    let (deployment_id, _) = app.seeded_channel().await;
    let support = app.queue_id("Support").await;
    // Three customers ahead of the visitor and nobody to answer, at any simulated hour.
    app.empty_queue(&support).await;
    app.traffic(&support, json!({"addWaiting": 3, "patienceSeconds": 36000}))
        .await;
    // Agents come back once the visitor's place in line has been read through the API
    // (the drive's tracker asks for the queue's observations with details).
    let observations = "POST /api/v2/analytics/queues/observations/query";
    let seen_before = app.served(observations).await;
    let staff = app.control_request(
        reqwest::Method::POST,
        &format!("/sandbox/queues/{support}/traffic"),
    );
    let status = app.control_request(reqwest::Method::GET, "/sandbox/status");
    let staffing = tokio::spawn(async move {
        // The tracker asks only once the conversation is routed, and nobody answers
        // before this: one answer means the visitor's place was read.
        eventually(
            Duration::from_secs(45),
            "the drive to read its place in line",
            || async {
                let stats: Value = status
                    .try_clone()
                    .unwrap()
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                (stats["stats"]["byRoute"][observations]
                    .as_u64()
                    .unwrap_or(0)
                    > seen_before)
                    .then_some(())
            },
        )
        .await;
        staff
            .json(&json!({"onQueueAgents": 8, "handleTimeSeconds": 20}))
            .send()
            .await
            .unwrap();
    });
    let folder = tempfile::tempdir().unwrap();
    let photo = folder.path().join("photo.png");
    std::fs::write(&photo, PNG_PIXEL).unwrap();
    let output = cli(
        &app,
        &[
            "--output",
            "json",
            "guest",
            "drive",
            "--deployment",
            &deployment_id,
            "--say",
            "hi",
            "--say",
            "I need an agent",
            "--upload",
            photo.to_str().unwrap(),
            "--expect-routed",
            "--timeout",
            "60",
        ],
    )
    .await;
    let report = stdout_json(&output);
    staffing.await.unwrap();
    let sent_photo = report["transcript"]
        .as_array()
        .unwrap()
        .iter()
        .any(|line| line["voice"] == "guest" && line["text"] == "file: photo.png (67 bytes)");
    assert!(
        sent_photo,
        "the photo went through the attachment flow: {report:#}"
    );
    assert_eq!(output.status.code(), Some(0), "{report:#}");
    assert_eq!(report["outcome"]["result"], "passed");
    assert_eq!(report["routed"]["queueName"], "Support");
    let positions = report["positions"].as_array().unwrap();
    assert!(
        !positions.is_empty(),
        "a place in line was seen: {report:#}"
    );
    assert_eq!(
        positions[0]["position"], 4,
        "three customers were ahead: {report:#}"
    );
    let timings = &report["timings"];
    for timing in [
        "connectMs",
        "sessionMs",
        "firstReplyMs",
        "routedMs",
        "agentJoinedMs",
    ] {
        assert!(timings[timing].is_u64(), "{timing} missing: {timings}");
    }
    assert!(timings["agentJoinedMs"].as_u64() > timings["routedMs"].as_u64());
    let voices: Vec<&str> = report["transcript"]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| line["voice"].as_str().unwrap())
        .collect();
    let first = |voice: &str| voices.iter().position(|v| *v == voice);
    assert!(first("bot") < first("agent"), "{voices:?}");
    assert!(first("guest").is_some());
    assert!(report["conversationId"].is_string());
}

/// The canary results the command recorded in the history database under `home`.
fn canary_results(
    home: &std::path::Path,
    deployment_id: &str,
) -> Vec<webmsg_desk::store::CanaryResult> {
    let database = crate::helpers::walk(home)
        .into_iter()
        .find(|p| p.extension().is_some_and(|e| e == "sqlite3"))
        .expect("the history database exists");
    webmsg_desk::store::Store::open(&database)
        .unwrap()
        .canary_results(deployment_id, 0)
        .unwrap()
}

const SCENARIOS: &str = r#"
scenarios:
  Greets and routes to Support:
    - say: hi
    - expect-reply: { matches: "(?i)help", within: 10 }
    - say: I need an agent
    - expect-routed: { queue: Support, within: 20 }
  Routes to Billing:
    - say: hello
    - expect-routed: { queue: Billing, within: 20 }
"#;

#[tokio::test(flavor = "multi_thread")]
async fn a_scenario_file_with_a_failing_scenario_exits_1_and_names_the_step_in_junit() {
    let app = spawn_sandbox().await;
    let (deployment_id, _) = app.seeded_channel().await;
    let folder = tempfile::tempdir().unwrap();
    let file = folder.path().join("smoke.yaml");
    std::fs::write(&file, SCENARIOS).unwrap();
    let junit = folder.path().join("results.xml");
    let output = cli(
        &app,
        &[
            "guest",
            "run",
            file.to_str().unwrap(),
            "--deployment",
            &deployment_id,
            "--parallel",
            "2",
            "--junit",
            junit.to_str().unwrap(),
        ],
    )
    .await;
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("1 of 2 scenario(s) passed"), "{text}");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains("tests=\"2\"") && xml.contains("failures=\"1\""),
        "{xml}"
    );
    assert!(xml.contains("name=\"Routes to Billing\""), "{xml}");
    assert!(
        xml.contains("step 2 (expect-routed to Billing within 20 s) failed: routed to Support instead of Billing"),
        "{xml}"
    );

    std::fs::write(&file, "scenarios:\n  Broken:\n    - sey: hi\n").unwrap();
    let invalid = cli(
        &app,
        &[
            "guest",
            "run",
            file.to_str().unwrap(),
            "--deployment",
            &deployment_id,
        ],
    )
    .await;
    assert_eq!(invalid.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&invalid.stderr).contains("step 1: unknown step `sey`"));
}

#[tokio::test(flavor = "multi_thread")]
async fn fifty_scenarios_run_in_parallel_against_the_sandbox() {
    let app = spawn_sandbox().await;
    let (deployment_id, _) = app.seeded_channel().await;
    let mut text = format!("deployment: {deployment_id}\nscenarios:\n");
    for n in 0..50 {
        text.push_str(&format!(
            "  Visitor {n:02}:\n    - say: hi\n    - expect-reply: {{ contains: help, within: 20 }}\n"
        ));
    }
    let folder = tempfile::tempdir().unwrap();
    let file = folder.path().join("load.yaml");
    std::fs::write(&file, text).unwrap();
    let output = cli(
        &app,
        &[
            "--output",
            "json",
            "guest",
            "run",
            file.to_str().unwrap(),
            "--parallel",
            "50",
        ],
    )
    .await;
    let results = stdout_json(&output);
    assert_eq!(output.status.code(), Some(0), "{results:#}");
    let results = results.as_array().unwrap();
    assert_eq!(results.len(), 50);
    assert!(results
        .iter()
        .all(|r| r["report"]["outcome"]["result"] == "passed"));
    assert_eq!(
        results[7]["name"], "Visitor 07",
        "results keep the file's order"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn channel_live_reports_a_published_version_not_yet_served() {
    let app = spawn_sandbox().await;
    let (deployment_id, configuration_id) = app.seeded_channel().await;
    let published = cli(
        &app,
        &[
            "channel",
            "publish",
            "--deployment",
            &deployment_id,
            "--wait",
            "30",
        ],
    )
    .await;
    assert_eq!(
        published.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&published.stderr)
    );
    let configurations = app.client.configurations();
    let mut draft = configurations.draft(&configuration_id).await.unwrap();
    if let Some(messenger) = draft.messenger.as_mut() {
        let mut styles = messenger.styles.clone().unwrap_or_default();
        styles.primary_color = Some("#123456".into());
        messenger.styles = Some(styles);
    }
    configurations
        .update_draft(&configuration_id, &draft)
        .await
        .unwrap();

    let output = cli(
        &app,
        &[
            "--output",
            "json",
            "channel",
            "live",
            "--deployment",
            &deployment_id,
        ],
    )
    .await;
    let report = stdout_json(&output);
    assert_eq!(output.status.code(), Some(0), "{report:#}");
    assert_eq!(report["servedVersion"], "1");
    assert_eq!(report["publishedVersion"], "2");
    assert_eq!(report["deploymentVersion"], "2");
    assert_eq!(report["draftChanged"], true);
    let findings = report["findings"].to_string();
    assert!(
        findings.contains("Version 2 is published but visitors still get version 1"),
        "{findings}"
    );
    assert!(
        report["publishedVsDraft"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["path"] == "messenger.styles.primaryColor" && d["right"] == "#123456"),
        "{report:#}"
    );

    let table = cli(&app, &["channel", "live", "--deployment", &deployment_id]).await;
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        text.contains("served 1") && text.contains("newest published 2"),
        "{text}"
    );
}

/// Serves `html` on a loopback port with `policy` as its CSP header; returns its URL.
async fn serve_page(html: String, policy: Option<String>) -> String {
    use axum::response::IntoResponse;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = axum::Router::new().route(
        "/",
        axum::routing::get(move || {
            let html = html.clone();
            let policy = policy.clone();
            async move {
                let mut response = axum::response::Html(html).into_response();
                if let Some(policy) = policy {
                    response
                        .headers_mut()
                        .insert("content-security-policy", policy.parse().unwrap());
                }
                response
            }
        }),
    );
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    format!("http://{address}/")
}

#[tokio::test(flavor = "multi_thread")]
async fn check_page_catches_a_csp_that_blocks_messenger() {
    let app = spawn_sandbox().await;
    let (deployment_id, _) = app.seeded_channel().await;
    let mut deployment = app.client.deployments().get(&deployment_id).await.unwrap();
    deployment.allow_all_domains = Some(true);
    deployment.allowed_domains = Some(Vec::new());
    app.client
        .deployments()
        .update(&deployment_id, &deployment)
        .await
        .unwrap();
    let snippet = cli(
        &app,
        &["channel", "snippet", "--deployment", &deployment_id],
    )
    .await;
    let snippet = String::from_utf8_lossy(&snippet.stdout).to_string();
    assert!(snippet.contains(&deployment_id) && snippet.contains("genesys-bootstrap"));
    let csp = cli(
        &app,
        &[
            "channel",
            "snippet",
            "--deployment",
            &deployment_id,
            "--csp",
        ],
    )
    .await;
    let csp = String::from_utf8_lossy(&csp.stdout).to_string();
    let sandbox = app.sandbox.base_url();
    assert!(csp.contains(&format!("script-src {sandbox};")), "{csp}");
    assert!(csp.contains(&sandbox.replacen("http", "ws", 1)), "{csp}");

    let page = format!("<html><head>{snippet}</head><body>Shop</body></html>");
    let blocked = serve_page(page.clone(), Some("default-src 'self'".into())).await;
    let output = cli(
        &app,
        &[
            "channel",
            "check-page",
            "--deployment",
            &deployment_id,
            "--url",
            &blocked,
        ],
    )
    .await;
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("✗ CSP script-src: blocks"), "{text}");
    assert!(text.contains("✗ CSP connect-src: blocks"), "{text}");
    assert!(text.contains("✓ snippet of this deployment"), "{text}");

    let allowed_policy = format!(
        "default-src 'self'; {}",
        csp.lines().collect::<Vec<_>>().join(" ")
    );
    let good = serve_page(page, Some(allowed_policy)).await;
    let output = cli(
        &app,
        &[
            "channel",
            "check-page",
            "--deployment",
            &deployment_id,
            "--url",
            &good,
        ],
    )
    .await;
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );

    let without_snippet = serve_page("<html>No chat here</html>".into(), None).await;
    let output = cli(
        &app,
        &[
            "channel",
            "check-page",
            "--deployment",
            &deployment_id,
            "--url",
            &without_snippet,
        ],
    )
    .await;
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stdout).contains("does not load Messenger"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_canary_runs_every_interval_and_keeps_its_results_in_the_history() {
    let app = spawn_sandbox().await;
    let (deployment_id, _) = app.seeded_channel().await;
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("canary.yaml");
    std::fs::write(
        &file,
        "scenarios:\n  Greets:\n    - say: hi\n    - expect-reply: { contains: help, within: 10 }\n  Billing:\n    - say: hi\n    - expect-routed: { queue: Billing, within: 10 }\n",
    )
    .unwrap();
    let output = cli_in(
        &app,
        home.path(),
        &[
            "guest",
            "run",
            file.to_str().unwrap(),
            "--deployment",
            &deployment_id,
            "--repeat",
            "3s",
            "--for",
            "5s",
        ],
    )
    .await;
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(1),
        "the Billing scenario fails: {text}"
    );
    assert!(
        text.contains("round 1: 1 of 2 passed") && text.contains("round 2: 1 of 2 passed"),
        "{text}"
    );
    assert!(!text.contains("round 3"), "{text}");

    let results = canary_results(home.path(), &deployment_id);
    assert_eq!(results.len(), 4, "{results:#?}");
    let failed: Vec<_> = results.iter().filter(|r| !r.passed).collect();
    assert_eq!(failed.len(), 2);
    assert!(failed[0]
        .failure
        .as_deref()
        .unwrap()
        .contains("routed to Support instead of Billing"));
    assert!(results
        .iter()
        .filter(|r| r.passed)
        .all(|r| r.first_reply_ms.is_some()));
}

/// A round the org cannot serve (every request of it answered 503) is recorded as a
/// failed round, and the canary goes on to the next one.
#[tokio::test(flavor = "multi_thread")]
async fn a_canary_survives_a_round_the_org_could_not_serve() {
    let app = spawn_sandbox().await;
    let (deployment_id, _) = app.seeded_channel().await;
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("canary.yaml");
    std::fs::write(
        &file,
        "scenarios:\n  Greets:\n    - say: hi\n    - expect-reply: { contains: help, within: 10 }\n",
    )
    .unwrap();
    // Enough 503s to outlast the client's retries of the round's first request.
    app.fault(json!({"kind": "status", "status": 503, "count": 4}))
        .await;
    let output = cli_in(
        &app,
        home.path(),
        &[
            "guest",
            "run",
            file.to_str().unwrap(),
            "--deployment",
            &deployment_id,
            "--repeat",
            "3s",
            "--for",
            "5s",
        ],
    )
    .await;
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("round 1: 0 of 1 passed") && text.contains("round 2: 1 of 1 passed"),
        "{text}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "the last round passed: {text}"
    );
    let results = canary_results(home.path(), &deployment_id);
    assert_eq!(results.len(), 2, "{results:#?}");
    assert!(results[0]
        .failure
        .as_deref()
        .unwrap()
        .contains("could not run"));
    assert!(results[1].passed);
}

/// A visitor keeps its socket alive as the official guest SDK does, with RFC 6455 pings
/// every 15 s.
#[tokio::test(flavor = "multi_thread")]
async fn a_long_conversation_keeps_its_socket_alive_with_pings() {
    let app = spawn_sandbox().await;
    let (deployment_id, _) = app.seeded_channel().await;
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("long.yaml");
    std::fs::write(
        &file,
        "scenarios:\n  Lingers:\n    - say: hi\n    - expect-reply: { contains: help, within: 10 }\n    - wait: 17\n",
    )
    .unwrap();
    let output = cli_in(
        &app,
        home.path(),
        &[
            "guest",
            "run",
            file.to_str().unwrap(),
            "--deployment",
            &deployment_id,
        ],
    )
    .await;
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stats = app.status().await["stats"].clone();
    assert!(stats["guestPings"].as_u64().unwrap() >= 1, "{stats}");
}

const RICH_SCENARIOS: &str = r#"
custom-attributes: { source: synthetic-ci }
scenarios:
  Menu, card and an agent:
    - expect-quick-replies: [Track my order, Talk to an agent]
    - choose: Track my order
    - expect-card: { title: Your order, within: 10 }
    - expect-attachment: label-1042.png
    - upload: receipt.png
    - expect-reply: { contains: received receipt.png }
    - upload: { file: tools/setup.exe, refused: true }
    - expect-participant-data: { orderStatus: shipped, source: synthetic-ci }
    - choose: Talk to an agent
    - expect-routed: { queue: Support, within: 30 }
  A quick reply the menu lacks:
    - expect-quick-replies: { labels: [Track my order, Cancel my order], within: 3 }
  A choice never offered:
    - choose: { label: Refund, within: 3 }
  A card of another title:
    - choose: Track my order
    - expect-card: { title: Invoice, within: 3 }
  Data the flow never wrote:
    - choose: Track my order
    - expect-participant-data: { data: { orderStatus: lost }, within: 3 }
  An allowed file expected refused:
    - upload: { file: receipt.png, refused: true, within: 5 }
  A forbidden file expected sent:
    - upload: { file: tools/setup.exe, within: 5 }
  A picture that is not one:
    - upload: { file: fake.png, within: 5 }
  A file the flow never sends:
    - choose: Track my order
    - expect-attachment: { name: invoice, within: 3 }
"#;

/// The smallest PNG there is, as a visitor's photo.
const PNG_PIXEL: &[u8] = webmsg_desk::sandbox::guest::PIXEL_PNG;

/// Quick replies, a card and a postback against the seeded flow over the real socket:
/// the scenario that follows the menu passes and is routed; each one changed fails on
/// its step, saying what was offered instead.
#[tokio::test(flavor = "multi_thread")]
async fn a_scenario_chooses_quick_replies_checks_a_card_and_names_the_step_that_fails() {
    let app = spawn_sandbox().await;
    let (deployment_id, _) = app.seeded_channel().await;
    let folder = tempfile::tempdir().unwrap();
    let file = folder.path().join("menu.yaml");
    std::fs::write(&file, RICH_SCENARIOS).unwrap();
    // Upload paths are the scenario file's folder's, wherever the run starts.
    std::fs::write(folder.path().join("receipt.png"), PNG_PIXEL).unwrap();
    std::fs::create_dir(folder.path().join("tools")).unwrap();
    std::fs::write(folder.path().join("tools/setup.exe"), b"MZ\x90\x00program").unwrap();
    std::fs::write(folder.path().join("fake.png"), b"not a picture at all").unwrap();
    let output = cli(
        &app,
        &[
            "--output",
            "json",
            "guest",
            "run",
            file.to_str().unwrap(),
            "--deployment",
            &deployment_id,
            "--parallel",
            "9",
        ],
    )
    .await;
    let results = stdout_json(&output);
    assert_eq!(output.status.code(), Some(1), "{results:#}");
    let outcome = |n: usize| &results[n]["report"]["outcome"];
    assert_eq!(outcome(0)["result"], "passed", "{:#}", results[0]);
    let transcript: Vec<&str> = results[0]["report"]["transcript"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|line| line["text"].as_str())
        .collect();
    assert!(
        transcript
            .iter()
            .any(|line| line.contains("[quick replies: Track my order | Talk to an agent]")),
        "{transcript:#?}"
    );
    assert!(
        transcript.iter().any(|line| line
            .starts_with("card: Your order #1042 — Shipped on Monday, arriving Friday. [Open tracking | Talk to an agent]")),
        "{transcript:#?}"
    );
    assert!(
        transcript.contains(&"chose “Talk to an agent”"),
        "{transcript:#?}"
    );
    assert!(
        transcript.contains(&"file: receipt.png (67 bytes)"),
        "{transcript:#?}"
    );
    assert!(
        transcript
            .iter()
            .any(|line| line.starts_with("setup.exe was refused (4001): File type application/")),
        "{transcript:#?}"
    );
    // The file's custom attribute and what the flow set are the customer's participant data.
    let conversation_id = results[0]["report"]["conversationId"].as_str().unwrap();
    let conversation = app
        .client
        .conversations()
        .message_conversation(conversation_id)
        .await
        .unwrap();
    let participants = conversation.participants.unwrap_or_default();
    let data = participants
        .iter()
        .find(|p| p.purpose.as_deref() == Some("customer"))
        .and_then(|p| p.attributes.clone())
        .unwrap_or_default();
    assert_eq!(
        data.get("source").map(String::as_str),
        Some("synthetic-ci"),
        "{data:?}"
    );
    assert_eq!(
        data.get(webmsg_desk::sandbox::guest::ORDER_STATUS_KEY)
            .map(String::as_str),
        Some(webmsg_desk::sandbox::guest::ORDER_STATUS)
    );

    assert_eq!(outcome(1)["step"], 1, "{:#}", results[1]);
    assert_eq!(
        outcome(1)["reason"],
        "no quick replies [Track my order, Cancel my order] within 3 s (offered: Track my order | Talk to an agent)"
    );
    assert_eq!(outcome(2)["step"], 1, "{:#}", results[2]);
    assert_eq!(
        outcome(2)["reason"],
        "“Refund” was not offered within 3 s (offered: Track my order | Talk to an agent)"
    );
    assert_eq!(outcome(3)["step"], 2, "{:#}", results[3]);
    assert!(
        outcome(3)["reason"]
            .as_str()
            .unwrap()
            .starts_with("no card titled containing \"Invoice\" within 3 s (last offered: card: Your order #1042"),
        "{:#}",
        results[3]
    );
    assert_eq!(outcome(4)["step"], 2, "{:#}", results[4]);
    assert_eq!(
        outcome(4)["reason"],
        "participant data {orderStatus=lost} not written within 3 s \
         (the customer has {orderStatus=shipped, source=synthetic-ci, wmdSynthetic=true})"
    );
    assert_eq!(outcome(5)["step"], 1, "{:#}", results[5]);
    assert_eq!(
        outcome(5)["reason"],
        "receipt.png was accepted: uploaded and scanned clean"
    );
    assert_eq!(outcome(6)["step"], 1, "{:#}", results[6]);
    assert!(
        outcome(6)["reason"]
            .as_str()
            .unwrap()
            .starts_with("setup.exe was refused (4001): File type application/"),
        "{:#}",
        results[6]
    );
    assert_eq!(outcome(7)["step"], 1, "{:#}", results[7]);
    assert_eq!(
        outcome(7)["reason"],
        "fake.png was refused (4003): File content does not match its type"
    );
    assert_eq!(outcome(8)["step"], 2, "{:#}", results[8]);
    assert_eq!(
        outcome(8)["reason"],
        "no attachment named containing \"invoice\" within 3 s \
         (last offered: attachment: label-1042.png (Image))"
    );
}

/// Every visit reads its deployment first (for the origin to come from).
const DEPLOYMENT_READ: &str = "GET /api/v2/webdeployments/deployments/{deployment_id}";

/// Custom attributes are checked before any visitor is sent: a pair without `=` and a
/// set over the Guest API's 2,048 bytes are refused naming `--attr`; a file's own are
/// checked per scenario.
#[tokio::test(flavor = "multi_thread")]
async fn custom_attributes_the_guest_api_would_refuse_are_refused_before_any_visit() {
    let app = spawn_sandbox().await;
    let (deployment_id, _) = app.seeded_channel().await;
    let reads_before = app.served(DEPLOYMENT_READ).await;
    let no_value = cli(
        &app,
        &[
            "guest",
            "drive",
            "--deployment",
            &deployment_id,
            "--attr",
            "tier",
        ],
    )
    .await;
    assert_eq!(no_value.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&no_value.stderr)
            .contains("a custom attribute is KEY=VALUE, not `tier` (--attr KEY=VALUE)"),
        "{}",
        String::from_utf8_lossy(&no_value.stderr)
    );
    let huge = format!("note={}", "x".repeat(2_040));
    let too_big = cli(
        &app,
        &[
            "guest",
            "drive",
            "--deployment",
            &deployment_id,
            "--attr",
            &huge,
        ],
    )
    .await;
    assert_eq!(too_big.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&too_big.stderr).contains(
            "the custom attributes take 2060 bytes with the synthetic tag; the Guest API takes at most 2048"
        ),
        "{}",
        String::from_utf8_lossy(&too_big.stderr)
    );
    let folder = tempfile::tempdir().unwrap();
    let file = folder.path().join("attrs.yaml");
    std::fs::write(
        &file,
        format!(
            "scenarios:\n  Big:\n    custom-attributes: {{ note: {} }}\n    steps: [{{say: hi}}]\n",
            "y".repeat(2_100)
        ),
    )
    .unwrap();
    let file_too_big = cli(
        &app,
        &[
            "guest",
            "run",
            file.to_str().unwrap(),
            "--deployment",
            &deployment_id,
        ],
    )
    .await;
    assert_eq!(file_too_big.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&file_too_big.stderr)
            .contains("scenario `Big`: the custom attributes take"),
        "{}",
        String::from_utf8_lossy(&file_too_big.stderr)
    );
    assert_eq!(
        app.served(DEPLOYMENT_READ).await,
        reads_before,
        "no visitor was sent"
    );
    // Attributes within bounds go out with a visitor, which reads the deployment first.
    std::fs::write(
        &file,
        "custom-attributes: { tier: gold }\nscenarios:\n  Small:\n    - expect-reply: { contains: help, within: 10 }\n",
    )
    .unwrap();
    let small = cli(
        &app,
        &[
            "guest",
            "run",
            file.to_str().unwrap(),
            "--deployment",
            &deployment_id,
            "--attr",
            "source=ci",
        ],
    )
    .await;
    assert_eq!(
        small.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&small.stdout)
    );
    assert!(app.served(DEPLOYMENT_READ).await > reads_before);
}

/// After `guest run` no visitor's conversation waits in a queue: closing the guest
/// session leaves it there (as in Genesys Cloud), so each customer is disconnected
/// through the API. With `--keep-conversations` they stay for an agent.
#[tokio::test(flavor = "multi_thread")]
async fn guest_run_ends_every_synthetic_conversation_unless_told_to_keep_them() {
    let app = spawn_sandbox().await;
    let (deployment_id, _) = app.seeded_channel().await;
    let support = app.queue_id("Support").await;
    // Nobody answers: a conversation left open would wait in the queue.
    app.empty_queue(&support).await;
    let scenarios = |count: usize| {
        let mut text = format!("deployment: {deployment_id}\nscenarios:\n");
        for n in 0..count {
            text.push_str(&format!(
                "  Visitor {n:02}:\n    - say: hi\n    - expect-routed: {{ queue: Support, within: 20 }}\n"
            ));
        }
        text
    };
    let folder = tempfile::tempdir().unwrap();
    let file = folder.path().join("load.yaml");
    let run = |extra: &'static [&'static str]| {
        let file = file.to_str().unwrap().to_string();
        let app = &app;
        async move {
            let mut args = vec![
                "--output",
                "json",
                "guest",
                "run",
                file.as_str(),
                "--parallel",
                "50",
            ];
            args.extend_from_slice(extra);
            let output = cli(app, &args).await;
            let results = stdout_json(&output);
            assert_eq!(output.status.code(), Some(0), "{results:#}");
            results
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["report"]["conversationId"].as_str().unwrap().to_string())
                .collect::<Vec<String>>()
        }
    };
    let customer_state = |conversation_id: String| {
        let client = app.client.clone();
        async move {
            let conversation = client
                .conversations()
                .message_conversation(&conversation_id)
                .await
                .unwrap();
            let participants = conversation.participants.unwrap_or_default();
            let customer = participants
                .iter()
                .find(|p| p.purpose.as_deref() == Some("customer"))
                .unwrap();
            assert_eq!(
                customer.attributes.as_ref().unwrap()["wmdSynthetic"],
                "true"
            );
            customer.state.clone().unwrap_or_default()
        }
    };

    const DETAILS_QUERY: &str = "POST /api/v2/analytics/conversations/details/query";
    const MESSAGE_LOOKUP: &str = "GET /api/v2/conversations/messages/{id}/details";
    let queries_before = app.served(DETAILS_QUERY).await;
    let lookups_before = app.served(MESSAGE_LOOKUP).await;
    std::fs::write(&file, scenarios(50)).unwrap();
    let ended = run(&[]).await;
    assert_eq!(ended.len(), 50);
    // The visitors were found together: one lookup each for the message (there is no
    // batch form), and one details query a cycle for everyone still unrouted, not one
    // a visitor a second.
    assert_eq!(app.served(MESSAGE_LOOKUP).await - lookups_before, 50);
    let queries = app.served(DETAILS_QUERY).await - queries_before;
    assert!(
        (1..=10).contains(&queries),
        "{queries} details queries for 50 visitors"
    );
    for conversation_id in ended {
        assert_eq!(customer_state(conversation_id).await, "disconnected");
    }
    let waiting = app.traffic(&support, json!({})).await;
    assert_eq!(waiting["waiting"], 0, "{waiting}");

    std::fs::write(&file, scenarios(3)).unwrap();
    let kept = run(&["--keep-conversations"]).await;
    for conversation_id in kept.clone() {
        assert_eq!(customer_state(conversation_id).await, "connected");
    }
    let waiting = app.traffic(&support, json!({})).await;
    assert_eq!(waiting["waiting"], 3, "{waiting}");

    // `guest leftovers` finds exactly the kept ones among every open web messaging
    // conversation of the org, and ends them on request.
    let leftovers = |end: bool| {
        let app = &app;
        async move {
            let mut args = vec!["--output", "json", "guest", "leftovers"];
            if end {
                args.push("--end");
            }
            let output = cli(app, &args).await;
            let found = stdout_json(&output);
            assert_eq!(output.status.code(), Some(0), "{found:#}");
            found
        }
    };
    // The conversation details name the same customer participant as the conversations
    // API, as Genesys Cloud does, so a client may end it from either.
    let details = app
        .client
        .analytics()
        .conversation_details(&webmsg_desk::genesys::models::ConversationQuery {
            interval: {
                let now = app.org_now().await;
                format!(
                    "{}/{}",
                    (now - chrono::Duration::hours(1)).format("%Y-%m-%dT%H:%M:%S%.3fZ"),
                    (now + chrono::Duration::hours(1)).format("%Y-%m-%dT%H:%M:%S%.3fZ")
                )
            },
            conversation_filters: Some(vec![
                webmsg_desk::genesys::models::AnalyticsFilter::any_of(
                    "conversationId",
                    [kept[0].clone()],
                ),
            ]),
            ..Default::default()
        })
        .await
        .unwrap();
    let analytics_customer = details.conversations.unwrap()[0]
        .participants
        .iter()
        .flatten()
        .find(|p| p.purpose.as_deref() == Some("customer"))
        .and_then(|p| p.participant_id.clone());
    let conversation = app
        .client
        .conversations()
        .message_conversation(&kept[0])
        .await
        .unwrap();
    assert_eq!(
        analytics_customer,
        conversation.customers().next().and_then(|c| c.id.clone())
    );
    let found = leftovers(false).await;
    let mut listed: Vec<String> = found["synthetic"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["conversationId"].as_str().unwrap().to_string())
        .collect();
    listed.sort();
    let mut kept_sorted = kept.clone();
    kept_sorted.sort();
    assert_eq!(listed, kept_sorted, "{found:#}");
    assert_eq!(found["synthetic"][0]["queueName"], "Support", "{found:#}");
    // The simulated traffic's own open web messages were looked at and left alone.
    assert!(found["searched"].as_u64().unwrap() > 3, "{found:#}");
    assert!(found["synthetic"][0]["ended"].is_null(), "{found:#}");
    let ended = leftovers(true).await;
    assert!(
        ended["synthetic"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["ended"] == true),
        "{ended:#}"
    );
    for conversation_id in kept {
        assert_eq!(customer_state(conversation_id).await, "disconnected");
    }
    let waiting = app.traffic(&support, json!({})).await;
    assert_eq!(waiting["waiting"], 0, "{waiting}");
    assert_eq!(leftovers(false).await["synthetic"], json!([]));
}

/// Frames that arrive out of order are put back in the order they were sent: the
/// transcript shows the order card before the label sent behind it, though the label's
/// frame came first, and the steps read them in that order.
#[tokio::test(flavor = "multi_thread")]
async fn messages_are_ordered_by_when_they_were_sent_not_when_they_arrived() {
    let app = spawn_sandbox().await;
    let (deployment_id, _) = app.seeded_channel().await;
    app.control(
        "/sandbox/guest/faults",
        json!({"kind": "outOfOrder", "count": 1}),
    )
    .await;
    let folder = tempfile::tempdir().unwrap();
    let file = folder.path().join("order.yaml");
    std::fs::write(
        &file,
        format!(
            "deployment: {deployment_id}\nscenarios:\n  Tracks an order:\n    - choose: Track my order\n    - expect-attachment: label-1042.png\n    - expect-card: Your order\n    - choose: Talk to an agent\n"
        ),
    )
    .unwrap();
    let output = cli(
        &app,
        &["--output", "json", "guest", "run", file.to_str().unwrap()],
    )
    .await;
    let results = stdout_json(&output);
    assert_eq!(output.status.code(), Some(0), "{results:#}");
    let transcript = results[0]["report"]["transcript"].as_array().unwrap();
    let find = |prefix: &str| {
        transcript
            .iter()
            .position(|line| line["text"].as_str().unwrap().starts_with(prefix))
            .unwrap_or_else(|| panic!("no line {prefix}: {transcript:#?}"))
    };
    let (card, label) = (find("card: Your order #1042"), find("Your shipping label"));
    assert!(card < label, "{transcript:#?}");
    assert!(
        transcript[label]["atMs"].as_u64() < transcript[card]["atMs"].as_u64(),
        "the label's frame arrived first: {transcript:#?}"
    );
    assert!(
        transcript[card]["sentAt"].as_str() < transcript[label]["sentAt"].as_str(),
        "{transcript:#?}"
    );
}
