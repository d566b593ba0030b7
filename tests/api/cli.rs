//! The headless binary: output, exit codes and the `sandbox` command's lifecycle.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::helpers::spawn_sandbox;

const BINARY: &str = env!("CARGO_BIN_EXE_webmsg-desk");

fn run(base_url: &str, secret: &str, args: &[&str]) -> std::process::Output {
    let scratch = tempfile::tempdir().unwrap();
    run_in(scratch.path(), base_url, secret, args)
}

/// Runs the binary with its config and data (the local database) in `home`.
fn run_in(
    home: &std::path::Path,
    base_url: &str,
    secret: &str,
    args: &[&str],
) -> std::process::Output {
    Command::new(BINARY)
        .args(args)
        .env("GENESYS_ENVIRONMENT", base_url)
        .env("GENESYS_CLIENT_ID", "sandbox-client")
        .env("GENESYS_CLIENT_SECRET", secret)
        .env("XDG_CONFIG_HOME", home)
        .env("XDG_DATA_HOME", home)
        .output()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn list_commands_print_json_and_exit_zero() {
    let app = spawn_sandbox().await;
    let base = app.sandbox.base_url();
    let output = tokio::task::spawn_blocking(move || {
        [
            run(
                &base,
                "sandbox-secret",
                &["queues", "list", "--output", "json"],
            ),
            run(
                &base,
                "sandbox-secret",
                &["flows", "list", "--output", "json"],
            ),
            run(
                &base,
                "sandbox-secret",
                &["configs", "list", "--output", "json"],
            ),
            run(
                &base,
                "sandbox-secret",
                &["queues", "list", "--name", "Support*"],
            ),
        ]
    })
    .await
    .unwrap();
    for out in &output {
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let queues: Value = serde_json::from_slice(&output[0].stdout).unwrap();
    assert_eq!(queues.as_array().unwrap().len(), 4);
    let flows: Value = serde_json::from_slice(&output[1].stdout).unwrap();
    assert!(flows
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["type"] == "INBOUNDSHORTMESSAGE"));
    let configurations: Value = serde_json::from_slice(&output[2].stdout).unwrap();
    assert_eq!(configurations[0]["name"], "Support Messenger");
    let table = String::from_utf8_lossy(&output[3].stdout);
    assert!(
        table.starts_with("ID") && table.contains("Support Overflow") && !table.contains("Billing"),
        "{table}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn exit_codes_separate_bad_input_from_api_errors() {
    let app = spawn_sandbox().await;
    let base = app.sandbox.base_url();
    let outputs = tokio::task::spawn_blocking(move || {
        [
            run(&base, "wrong-secret", &["queues", "list"]),
            run("http://10.0.0.1:80", "x", &["queues", "list"]),
            run("moon-1", "x", &["queues", "list"]),
            run(
                &base,
                "sandbox-secret",
                &["queues", "list", "--output", "yaml"],
            ),
        ]
    })
    .await
    .unwrap();
    let codes: Vec<_> = outputs.iter().map(|o| o.status.code()).collect();
    assert_eq!(codes, [Some(3), Some(2), Some(2), Some(2)]);
    let api_error = String::from_utf8_lossy(&outputs[0].stderr);
    assert!(
        api_error.starts_with("error: ") && api_error.trim_end().lines().count() == 1,
        "{api_error}"
    );
    assert!(!api_error.contains("wrong-secret"));
    assert!(String::from_utf8_lossy(&outputs[2].stderr).contains("valid regions"));
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_connection_settings_are_named() {
    let output = tokio::task::spawn_blocking(|| {
        Command::new(BINARY)
            .args(["flows", "list"])
            .env_remove("GENESYS_ENVIRONMENT")
            .env_remove("GENESYS_CLIENT_ID")
            .env_remove("GENESYS_CLIENT_SECRET")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let text = String::from_utf8_lossy(&output.stderr);
    assert!(
        text.contains("GENESYS_CLIENT_ID, GENESYS_CLIENT_SECRET, GENESYS_ENVIRONMENT"),
        "{text}"
    );
}

#[test]
fn sandbox_command_prints_its_url_and_credentials_and_stops_on_sigterm() {
    let mut child = Command::new(BINARY)
        .args([
            "sandbox",
            "--port",
            "0",
            "--client-id",
            "ci-client",
            "--client-secret",
            "ci-secret",
            "--output",
            "json",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let printed: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(printed["clientId"], "ci-client");
    assert_eq!(printed["clientSecret"], "ci-secret");
    let base_url = printed["baseUrl"].as_str().unwrap().to_string();
    assert!(base_url.starts_with("http://127.0.0.1:") && !base_url.ends_with(":0"));
    let control_token = printed["controlToken"].as_str().unwrap().to_string();
    assert_eq!(
        control_token.len(),
        32,
        "a fresh random token: {control_token}"
    );
    let header = printed["controlTokenHeader"].as_str().unwrap().to_string();
    let status_url = format!("{base_url}/sandbox/status");
    let (without, with) = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let http = reqwest::Client::new();
        let without = http.get(&status_url).send().await.unwrap().status();
        let with = http
            .get(&status_url)
            .header(header, &control_token)
            .send()
            .await
            .unwrap()
            .status();
        (without, with)
    });
    assert_eq!(without, 401);
    assert_eq!(with, 200);

    let listing = run(&base_url, "sandbox-secret", &["flows", "list"]);
    assert_eq!(
        listing.status.code(),
        Some(3),
        "the demo secret is not accepted when another was given"
    );
    let listing = Command::new(BINARY)
        .args(["flows", "list", "--output", "json"])
        .env("GENESYS_ENVIRONMENT", &base_url)
        .env("GENESYS_CLIENT_ID", "ci-client")
        .env("GENESYS_CLIENT_SECRET", "ci-secret")
        .output()
        .unwrap();
    assert_eq!(listing.status.code(), Some(0));

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "SIGTERM ends the Sandbox cleanly");
}

#[test]
fn channel_validate_lists_every_problem_and_exits_2() {
    let output = Command::new(BINARY)
        .args([
            "channel",
            "validate",
            "--name",
            "",
            "--queue",
            "Support",
            "--flow",
            "Web Messaging Inbound",
            "--primary-color",
            "#abc",
            "--language",
            "en-us",
            "--language",
            "klingon",
            "--domain",
            "https://shop.example.com/x",
            "--allow-all-domains",
            "--output",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let fields: Vec<_> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        fields,
        [
            "name",
            "languages[1]",
            "messenger.styles.primaryColor",
            "deployment.name",
            "allowedDomains"
        ]
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("5 problem(s)") && stderr.contains("#aabbcc"),
        "{stderr}"
    );

    let good = Command::new(BINARY)
        .args([
            "channel",
            "validate",
            "--name",
            "Shop",
            "--queue",
            "Support",
            "--flow",
            "Web Messaging Inbound",
            "--primary-color",
            "#1f5fa8",
            "--language",
            "en-us",
            "--domain",
            "shop.example.com",
        ])
        .output()
        .unwrap();
    assert_eq!(
        good.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&good.stderr)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn channel_create_export_and_import_through_the_cli() {
    let options = webmsg_desk::sandbox::SandboxOptions {
        lifecycle_delay: std::time::Duration::from_millis(300),
        ..crate::helpers::test_options()
    };
    let app = crate::helpers::spawn_sandbox_with(options).await;
    let base = app.sandbox.base_url();
    let folder = tempfile::tempdir().unwrap();
    let file = folder.path().join("shop.json");
    let file_arg = file.to_string_lossy().to_string();
    let home = folder.path().to_path_buf();
    let outputs = tokio::task::spawn_blocking(move || {
        let run = |base: &str, secret: &str, args: &[&str]| run_in(&home, base, secret, args);
        let created = run(
            &base,
            "sandbox-secret",
            &[
                "channel",
                "create",
                "--name",
                "Shop",
                "--queue",
                "Support",
                "--flow",
                "Web Messaging Inbound",
                "--fallback-flow",
                "Web Messaging Fallback",
                "--primary-color",
                "#0b6e4f",
                "--language",
                "en-us",
                "--domain",
                "shop.example.com",
                "--wait",
                "30",
                "--output",
                "json",
            ],
        );
        let body: Value = serde_json::from_slice(&created.stdout).unwrap_or(Value::Null);
        let deployment = body["deploymentId"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let exported = run(
            &base,
            "sandbox-secret",
            &[
                "channel",
                "export",
                "--deployment",
                &deployment,
                "--out",
                &file_arg,
            ],
        );
        let planned = run(
            &base,
            "sandbox-secret",
            &["channel", "import", &file_arg, "--plan-only"],
        );
        let imported = run(
            &base,
            "sandbox-secret",
            &["channel", "import", &file_arg, "--output", "json"],
        );
        let diff = run(
            &base,
            "sandbox-secret",
            &[
                "channel",
                "diff",
                "--deployment",
                &deployment,
                "--output",
                "json",
            ],
        );
        (created, body, exported, planned, imported, diff)
    })
    .await
    .unwrap();
    let (created, body, exported, planned, imported, diff) = outputs;
    assert_eq!(
        created.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    assert_eq!(body["status"], "Active");
    assert!(body["configurationId"].is_string() && body["deploymentId"].is_string());
    assert!(
        String::from_utf8_lossy(&created.stderr).contains("WaitingForDeployment"),
        "progress goes to stderr"
    );
    assert_eq!(
        exported.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&exported.stderr)
    );
    assert_eq!(
        imported.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&imported.stderr)
    );
    let plan = String::from_utf8_lossy(&planned.stdout);
    assert_eq!(planned.status.code(), Some(0), "{plan}");
    assert!(plan.contains("domains   shop.example.com"), "{plan}");
    assert!(
        plan.contains("map       primary flow `Web Messaging Inbound`"),
        "{plan}"
    );
    assert!(
        String::from_utf8_lossy(&imported.stderr).contains("domains   shop.example.com"),
        "the plan is shown before an import writes"
    );
    let report: Value = serde_json::from_slice(&imported.stdout).unwrap();
    assert_eq!(
        report["mapping"].as_array().unwrap().len(),
        3,
        "primary flow, fallback flow and queue: {report}"
    );
    assert_ne!(report["deploymentId"], body["deploymentId"]);
    let diffs: Value = serde_json::from_slice(&diff.stdout).unwrap();
    assert_eq!(diffs["draftVsPublished"], serde_json::json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn monitor_watch_records_history_that_history_and_chart_read_back() {
    let app = spawn_sandbox().await;
    let base = app.sandbox.base_url();
    let folder = tempfile::tempdir().unwrap();
    let home = folder.path().to_path_buf();
    let chart = folder.path().join("support.svg");
    let chart_arg = chart.to_string_lossy().to_string();
    let (watch, history, drawn, bad) = tokio::task::spawn_blocking(move || {
        let run = |args: &[&str]| run_in(&home, &base, "sandbox-secret", args);
        // Polled (`--no-push`), so cycles follow the interval alone.
        let watch = run(&[
            "monitor",
            "watch",
            "--no-push",
            "--queue",
            "Support",
            "--queue",
            "Sales",
            "--interval",
            "5",
            "--for",
            "8s",
            "--max-wait",
            "300",
            "--output",
            "json",
        ]);
        let history = run(&[
            "monitor", "history", "--queue", "Support", "--since", "1h", "--format", "csv",
        ]);
        let drawn = run(&[
            "monitor",
            "chart",
            "--queue",
            "Support",
            "--since",
            "1h",
            "--out",
            &chart_arg,
            "--max-wait",
            "300",
        ]);
        let bad = run(&["monitor", "watch", "--queue", "Support", "--interval", "2"]);
        (watch, history, drawn, bad)
    })
    .await
    .unwrap();
    assert_eq!(
        watch.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&watch.stderr)
    );
    let cycles: Vec<Value> = String::from_utf8_lossy(&watch.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        cycles.len(),
        2,
        "cycles at 0 s and 5 s; a third would end past 8 s"
    );
    assert!(cycles
        .iter()
        .all(|c| c["ok"] == true && c["samples"].as_array().unwrap().len() == 2));
    let csv = String::from_utf8_lossy(&history.stdout);
    assert_eq!(csv.lines().count(), 3, "header and two samples: {csv}");
    assert_eq!(
        drawn.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&drawn.stderr)
    );
    assert!(std::fs::read_to_string(&chart)
        .unwrap()
        .contains("max wait 300 s"));
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("at least 5 s"));
}

/// Deletes the seeded channel through the CLI on a Sandbox whose deployments stay
/// `Deleting` for `deleting`; returns the run, the Sandbox and the configuration id.
async fn delete_seeded_channel(
    deleting: std::time::Duration,
    extra: &'static [&'static str],
) -> (std::process::Output, crate::helpers::TestApp, String) {
    let app = crate::helpers::spawn_sandbox_with(webmsg_desk::sandbox::SandboxOptions {
        lifecycle_delay: deleting,
        ..crate::helpers::test_options()
    })
    .await;
    let (deployment, configuration_id) = app.seeded_channel().await;
    let base = app.sandbox.base_url();
    let deleted = tokio::task::spawn_blocking(move || {
        let folder = tempfile::tempdir().unwrap();
        let mut args = vec!["channel", "delete", "--deployment", &deployment];
        args.extend_from_slice(extra);
        run_in(folder.path(), &base, "sandbox-secret", &args)
    })
    .await
    .unwrap();
    (deleted, app, configuration_id)
}

#[tokio::test(flavor = "multi_thread")]
async fn channel_delete_waits_for_the_deployment_to_go_then_deletes_its_configuration() {
    let (deleted, app, configuration_id) = delete_seeded_channel(
        std::time::Duration::from_millis(1500),
        &["--output", "json"],
    )
    .await;
    let stderr = String::from_utf8_lossy(&deleted.stderr);
    assert_eq!(deleted.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("is Deleting"),
        "progress is shown: {stderr}"
    );
    let summary: Value = serde_json::from_slice(&deleted.stdout).unwrap();
    assert_eq!(summary["configurationDeleted"], true);
    assert_eq!(app.draft_status(&configuration_id).await, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn channel_delete_past_its_wait_exits_4_naming_what_was_left() {
    let (deleted, app, configuration_id) =
        delete_seeded_channel(std::time::Duration::from_secs(120), &["--wait", "2"]).await;
    let stderr = String::from_utf8_lossy(&deleted.stderr);
    assert_eq!(deleted.status.code(), Some(4), "{stderr}");
    assert!(
        stderr.contains(&configuration_id) && stderr.contains("still Deleting"),
        "{stderr}"
    );
    assert_eq!(app.draft_status(&configuration_id).await, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_oversized_import_file_is_refused_with_exit_2_before_it_is_read() {
    let app = spawn_sandbox().await;
    let base = app.sandbox.base_url();
    let folder = tempfile::tempdir().unwrap();
    let file = folder.path().join("huge.json");
    // 50 MB that take no disk: a sparse file, which a whole read would still fill memory with.
    std::fs::File::create(&file)
        .unwrap()
        .set_len(50 * 1024 * 1024)
        .unwrap();
    let path = file.to_string_lossy().to_string();
    let output = tokio::task::spawn_blocking(move || {
        run(&base, "sandbox-secret", &["channel", "import", &path])
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("50 MiB") && stderr.contains("not one"),
        "{stderr}"
    );
    assert_eq!(
        app.status().await["configurations"],
        1,
        "nothing was created"
    );
}

#[test]
fn a_reader_that_closes_the_pipe_early_ends_the_command_quietly() {
    let scratch = tempfile::tempdir().unwrap();
    let (reader, writer) = std::io::pipe().unwrap();
    // Closed before the binary starts, as `webmsg-desk regions | true` would leave it.
    drop(reader);
    let output = Command::new(BINARY)
        .arg("regions")
        .env("XDG_CONFIG_HOME", scratch.path())
        .env("XDG_DATA_HOME", scratch.path())
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(output.status.code(), Some(0), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn monitor_callbacks_can_come_from_the_environment_out_of_the_process_list() {
    let app = spawn_sandbox().await;
    let base = app.sandbox.base_url();
    let folder = tempfile::tempdir().unwrap();
    let events = folder.path().join("events.jsonl");
    let command = format!("cat >> '{}'", events.display());
    let home = folder.path().to_path_buf();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(BINARY)
            .args(["monitor", "watch", "--queue", "Support", "--for", "3s"])
            .env("GENESYS_ENVIRONMENT", &base)
            .env("GENESYS_CLIENT_ID", "sandbox-client")
            .env("GENESYS_CLIENT_SECRET", "sandbox-secret")
            .env("WEBMSG_DESK_EXEC", &command)
            .env("XDG_CONFIG_HOME", &home)
            .env("XDG_DATA_HOME", &home)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let written = std::fs::read_to_string(&events).unwrap_or_default();
    let first: Value = serde_json::from_str(written.lines().next().unwrap_or("{}")).unwrap();
    assert_eq!(first["type"], "cycle", "{written}");
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn sigterm_ends_a_watch_cleanly_and_keeps_its_history() {
    let app = spawn_sandbox().await;
    let base = app.sandbox.base_url();
    let folder = tempfile::tempdir().unwrap();
    let home = folder.path().to_path_buf();
    let (watch, history) = tokio::task::spawn_blocking(move || {
        let mut child = Command::new(BINARY)
            .args([
                "monitor",
                "watch",
                "--queue",
                "Support",
                "--interval",
                "5",
                "--for",
                "10m",
                "--output",
                "json",
            ])
            .env("GENESYS_ENVIRONMENT", &base)
            .env("GENESYS_CLIENT_ID", "sandbox-client")
            .env("GENESYS_CLIENT_SECRET", "sandbox-secret")
            .env("XDG_CONFIG_HOME", &home)
            .env("XDG_DATA_HOME", &home)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The first cycle's line means a sample is in the database.
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        let terminated = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(terminated.success());
        let watch = child.wait_with_output().unwrap();
        let history = run_in(
            &home,
            &base,
            "sandbox-secret",
            &[
                "monitor", "history", "--queue", "Support", "--since", "1h", "--format", "csv",
            ],
        );
        (watch, history)
    })
    .await
    .unwrap();
    assert_eq!(
        watch.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&watch.stderr)
    );
    let csv = String::from_utf8_lossy(&history.stdout);
    assert_eq!(csv.lines().count(), 2, "header and the one sample: {csv}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_corrupt_profiles_file_or_database_stops_the_cli_with_what_to_do() {
    let app = spawn_sandbox().await;
    let base = app.sandbox.base_url();
    let folder = tempfile::tempdir().unwrap();
    let home = folder.path().to_path_buf();
    let own = home.join(webmsg_desk::profiles::APP_IDENTIFIER);
    std::fs::create_dir_all(&own).unwrap();
    std::fs::write(own.join("profiles.json"), b"{\"profiles\": [").unwrap();
    std::fs::write(own.join("desk.sqlite3"), b"this was never a database").unwrap();
    let (profiles, history) = tokio::task::spawn_blocking(move || {
        let run = |args: &[&str]| run_in(&home, &base, "sandbox-secret", args);
        (
            run(&["profile", "list"]),
            run(&["monitor", "history", "--queue", "Support", "--since", "1h"]),
        )
    })
    .await
    .unwrap();
    let said = String::from_utf8_lossy(&profiles.stderr);
    assert_eq!(profiles.status.code(), Some(2), "{said}");
    assert!(
        said.contains("profiles.json")
            && said.contains("not valid JSON")
            && said.contains("left untouched"),
        "{said}"
    );
    let said = String::from_utf8_lossy(&history.stderr);
    assert_eq!(history.status.code(), Some(2), "{said}");
    assert!(
        said.contains("desk.sqlite3")
            && said.contains("not an SQLite database")
            && said.contains("move it away"),
        "{said}"
    );
    // Nothing was moved or rewritten behind the script's back.
    assert_eq!(
        std::fs::read(own.join("desk.sqlite3")).unwrap(),
        b"this was never a database"
    );
    assert_eq!(
        std::fs::read(own.join("profiles.json")).unwrap(),
        b"{\"profiles\": ["
    );
}

/// A connection from variables marked GENESYS_PRODUCTION=1 has the production rails of a
/// production profile: off a terminal, a delete without --yes exits 2 and deletes nothing.
#[tokio::test(flavor = "multi_thread")]
async fn genesys_production_puts_the_rails_on_a_connection_from_variables() {
    let app = spawn_sandbox().await;
    let (deployment, _) = app.seeded_channel().await;
    let base = app.sandbox.base_url();
    let home = tempfile::tempdir().unwrap();
    let home_path = home.path().to_path_buf();
    let refused = tokio::task::spawn_blocking(move || {
        Command::new(BINARY)
            .args(["channel", "delete", "--deployment", &deployment])
            .env("GENESYS_ENVIRONMENT", &base)
            .env("GENESYS_CLIENT_ID", "sandbox-client")
            .env("GENESYS_CLIENT_SECRET", "sandbox-secret")
            .env("GENESYS_PRODUCTION", "1")
            .env("XDG_CONFIG_HOME", &home_path)
            .env("XDG_DATA_HOME", &home_path)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let message = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{message}");
    assert!(message.contains("is a production profile"), "{message}");
    assert_eq!(app.status().await["deployments"], 1, "nothing was deleted");
}
