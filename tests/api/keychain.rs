//! Secrets in the real OS keychain (gnome-keyring's Secret Service under
//! `scripts/headless.sh`), and proof that no profile file ever holds them.

use std::io::Write;
use std::process::{Command, Stdio};

use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use webmsg_desk::secrets::{Destination, SecretStore};

use crate::helpers::{spawn_sandbox, unique, walk};

const BINARY: &str = env!("CARGO_BIN_EXE_webmsg-desk");

/// Runs the CLI with its config and data under `home`, `stdin` typed in (then closed).
fn cli_in_home(home: &std::path::Path, args: &[&str], stdin: Option<&str>) -> std::process::Output {
    let mut child = Command::new(BINARY)
        .args(args)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env_remove("GENESYS_CLIENT_SECRET")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

const EU: Destination<'static> = Destination::Region("eu-west-1");

#[test]
fn a_secret_is_stored_read_and_deleted_in_the_secret_service() {
    let store = SecretStore::new(unique("webmsg-desk-test"));
    let profile = unique("profile");
    let secret = SecretString::from("s3cr3t-value-for-the-keychain".to_string());
    assert!(store
        .get(&profile, EU)
        .expect("the Secret Service answers (run under scripts/headless.sh)")
        .is_none());
    store.set(&profile, EU, &secret).unwrap();
    assert_eq!(
        store.get(&profile, EU).unwrap().unwrap().expose_secret(),
        "s3cr3t-value-for-the-keychain"
    );
    store.delete(&profile).unwrap();
    assert!(store.get(&profile, EU).unwrap().is_none());
    store.delete(&profile).unwrap();
}

#[test]
fn a_kept_secret_is_handed_out_only_for_the_environment_it_was_entered_for() {
    let store = SecretStore::new(unique("webmsg-desk-test"));
    let profile = unique("profile");
    let secret = SecretString::from("production-secret-1234".to_string());
    store.set(&profile, EU, &secret).unwrap();
    for elsewhere in [
        Destination::Region("us-east-1"),
        Destination::Local("http://127.0.0.1:9999/"),
        Destination::Local("eu-west-1"),
    ] {
        let refused = store.get(&profile, elsewhere).unwrap_err();
        let message = refused.to_string();
        assert!(
            message.contains("entered for eu-west-1") && message.contains("enter it again"),
            "{message}"
        );
        assert!(!message.contains("production-secret-1234"));
    }

    // An entry from before environments were recorded goes to an official region only,
    // and is then tied to it.
    let legacy = unique("profile");
    store.set_unbound(&legacy, &secret).unwrap();
    assert!(store
        .get(&legacy, Destination::Local("http://127.0.0.1:9999/"))
        .is_err());
    assert_eq!(
        store.get(&legacy, EU).unwrap().unwrap().expose_secret(),
        "production-secret-1234"
    );
    assert!(store
        .get(&legacy, Destination::Region("us-east-1"))
        .is_err());
    store.delete(&profile).unwrap();
    store.delete(&legacy).unwrap();
}

/// A process that can write the profiles file points a production profile at a port it
/// listens on: the app asks for the secret again and nothing reaches the port.
#[test]
fn an_edited_profiles_file_cannot_send_a_kept_secret_to_a_local_port() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let config_home = tempfile::tempdir().unwrap();
    let name = unique("Production");
    let cli = |args: &[&str], stdin: Option<&str>| {
        let mut child = Command::new(BINARY)
            .args(args)
            .env("XDG_CONFIG_HOME", config_home.path())
            .env_remove("GENESYS_CLIENT_SECRET")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        if let Some(text) = stdin {
            let mut input = child.stdin.take().unwrap();
            input.write_all(text.as_bytes()).unwrap();
        }
        child.wait_with_output().unwrap()
    };
    let added = cli(
        &[
            "profile",
            "add",
            &name,
            "--environment",
            "eu-west-1",
            "--client-id",
            "prod-client",
        ],
        Some("production-secret-5678\n"),
    );
    assert_eq!(
        added.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let file = config_home.path().join("com.webmsgdesk.app/profiles.json");
    let edited = std::fs::read_to_string(&file)
        .unwrap()
        .replace("eu-west-1", &format!("http://127.0.0.1:{port}"));
    std::fs::write(&file, edited).unwrap();

    let listed = cli(&["--profile", &name, "queues", "list"], None);
    assert_eq!(
        listed.status.code(),
        Some(2),
        "refused like a missing secret"
    );
    let message = String::from_utf8_lossy(&listed.stderr);
    assert!(
        message.contains("entered for eu-west-1") && message.contains("enter it again"),
        "{message}"
    );
    assert!(!message.contains("production-secret-5678"));
    match listener.accept() {
        Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {}
        other => panic!("something connected to the listening port: {other:?}"),
    }
    SecretStore::default().delete(&name).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn profile_add_keeps_the_secret_in_the_keychain_and_out_of_every_file() {
    let app = spawn_sandbox().await;
    let base_url = app.sandbox.base_url();
    let config_home = tempfile::tempdir().unwrap();
    let config_path = config_home.path().to_path_buf();
    let name = unique("Sandbox profile");
    let name_for_cli = name.clone();
    let outputs = tokio::task::spawn_blocking(move || {
        let cli = |args: &[&str], stdin: Option<&str>| {
            let mut child = Command::new(BINARY)
                .args(args)
                .env("XDG_CONFIG_HOME", &config_path)
                .env_remove("GENESYS_CLIENT_SECRET")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            if let Some(text) = stdin {
                child
                    .stdin
                    .take()
                    .unwrap()
                    .write_all(text.as_bytes())
                    .unwrap();
            }
            child.wait_with_output().unwrap()
        };
        let added = cli(
            &[
                "profile",
                "add",
                &name_for_cli,
                "--environment",
                &base_url,
                "--client-id",
                "sandbox-client",
                "--verify",
            ],
            Some("sandbox-secret\n"),
        );
        let listed = cli(
            &[
                "--profile",
                &name_for_cli,
                "queues",
                "list",
                "--output",
                "json",
            ],
            None,
        );
        let profiles = cli(&["profile", "list", "--output", "json"], None);
        (added, listed, profiles)
    })
    .await
    .unwrap();
    let (added, listed, profiles) = outputs;
    assert_eq!(
        added.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    assert_eq!(
        listed.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&listed.stderr)
    );
    let queues: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(queues.as_array().unwrap().len(), 4);
    assert!(String::from_utf8_lossy(&profiles.stdout).contains(&name));

    let store = SecretStore::default();
    let sandbox = webmsg_desk::genesys::Environment::parse(&app.sandbox.base_url()).unwrap();
    assert_eq!(
        store
            .get(&name, Destination::from(&sandbox))
            .unwrap()
            .unwrap()
            .expose_secret(),
        "sandbox-secret"
    );
    for entry in walk(config_home.path()) {
        let content = std::fs::read(&entry).unwrap();
        assert!(
            !String::from_utf8_lossy(&content).contains("sandbox-secret"),
            "{} holds the secret",
            entry.display()
        );
    }
    assert!(
        std::fs::read_to_string(config_home.path().join("com.webmsgdesk.app/profiles.json"))
            .unwrap()
            .contains("sandbox-client")
    );

    let removed = Command::new(BINARY)
        .args(["profile", "remove", &name])
        .env("XDG_CONFIG_HOME", config_home.path())
        .output()
        .unwrap();
    assert_eq!(removed.status.code(), Some(0));
    assert!(
        !store.holds(&name).unwrap(),
        "removing the profile removes its keychain entry"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_secret_is_not_saved_when_verifying() {
    let app = spawn_sandbox().await;
    let base_url = app.sandbox.base_url();
    let config_home = tempfile::tempdir().unwrap();
    let config_path = config_home.path().to_path_buf();
    let name = unique("Bad secret");
    let name_for_cli = name.clone();
    let output = tokio::task::spawn_blocking(move || {
        let mut child = Command::new(BINARY)
            .args([
                "profile",
                "add",
                &name_for_cli,
                "--environment",
                &base_url,
                "--client-id",
                "sandbox-client",
                "--verify",
            ])
            .env("XDG_CONFIG_HOME", &config_path)
            .env_remove("GENESYS_CLIENT_SECRET")
            .stdin(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(b"wrong\n").unwrap();
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap();
    assert_eq!(output.status.code(), Some(3));
    assert!(!SecretStore::default().holds(&name).unwrap());
    assert!(!config_home
        .path()
        .join("com.webmsgdesk.app/profiles.json")
        .exists());
}

/// A production profile on the command line: without a terminal to type the channel's
/// name, changes need `--yes`; `--read-only` sends nothing that writes.
#[tokio::test(flavor = "multi_thread")]
async fn a_production_profile_needs_yes_off_a_terminal_and_read_only_writes_nothing() {
    let app = spawn_sandbox().await;
    let (deployment, _) = app.seeded_channel().await;
    let base_url = app.sandbox.base_url();
    let home = tempfile::tempdir().unwrap();
    let home_path = home.path().to_path_buf();
    let name = unique("Prod");
    let profile = name.clone();
    let deployment_id = deployment.clone();
    let (added, listed, unconfirmed, read_only, read_only_view, confirmed) =
        tokio::task::spawn_blocking(move || {
            let cli = |args: &[&str], stdin: Option<&str>| cli_in_home(&home_path, args, stdin);
            let added = cli(
                &[
                    "profile",
                    "add",
                    &profile,
                    "--environment",
                    &base_url,
                    "--client-id",
                    "sandbox-client",
                    "--production",
                    "--colour",
                    "#C0392B",
                ],
                Some("sandbox-secret\n"),
            );
            let listed = cli(&["profile", "list", "--output", "json"], None);
            let with = |extra: &[&str]| {
                let mut args = vec!["--profile", &profile];
                args.extend_from_slice(extra);
                cli(&args, None)
            };
            let unconfirmed = with(&["channel", "delete", "--deployment", &deployment_id]);
            let read_only = with(&[
                "--read-only",
                "--yes",
                "channel",
                "publish",
                "--deployment",
                &deployment_id,
            ]);
            let read_only_view = with(&[
                "--read-only",
                "channel",
                "status",
                "--deployment",
                &deployment_id,
            ]);
            let confirmed = with(&[
                "--yes",
                "channel",
                "publish",
                "--deployment",
                &deployment_id,
                "--wait",
                "30",
            ]);
            (
                added,
                listed,
                unconfirmed,
                read_only,
                read_only_view,
                confirmed,
            )
        })
        .await
        .unwrap();
    let stderr =
        |output: &std::process::Output| String::from_utf8_lossy(&output.stderr).to_string();
    assert_eq!(added.status.code(), Some(0), "{}", stderr(&added));
    let profiles: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    let saved = profiles
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name.as_str())
        .unwrap();
    assert_eq!(saved["production"], true);
    assert_eq!(saved["colour"], "#c0392b");

    assert_eq!(
        unconfirmed.status.code(),
        Some(2),
        "{}",
        stderr(&unconfirmed)
    );
    let message = stderr(&unconfirmed);
    assert!(
        message.contains("is a production profile") && message.contains("--yes"),
        "{message}"
    );
    assert_eq!(
        app.client
            .deployments()
            .get(&deployment)
            .await
            .unwrap()
            .name,
        "Support Site",
        "the unconfirmed delete left the channel"
    );

    assert_eq!(read_only.status.code(), Some(2), "{}", stderr(&read_only));
    assert!(
        stderr(&read_only).contains("read-only"),
        "{}",
        stderr(&read_only)
    );
    assert_eq!(
        read_only_view.status.code(),
        Some(0),
        "{}",
        stderr(&read_only_view)
    );

    assert_eq!(confirmed.status.code(), Some(0), "{}", stderr(&confirmed));
    assert_eq!(
        app.served(
            "POST /api/v2/webdeployments/configurations/{configuration_id}/versions/draft/publish"
        )
        .await,
        1,
        "the read-only publish never reached the org; the confirmed one did"
    );
    SecretStore::default().delete(&name).unwrap();
}

/// The app's own "secret missing" advice is to run `profile add` again; doing so must not
/// take a production org's rails or its colour away.
#[test]
fn profile_add_over_a_profile_keeps_its_production_mark_and_colour() {
    let config_home = tempfile::tempdir().unwrap();
    let name = unique("Prod again");
    let add = |extra: &[&str], secret: &str| {
        let mut child = Command::new(BINARY)
            .args(["profile", "add", &name, "--environment", "eu-west-1"])
            .args(["--client-id", "prod-client"])
            .args(extra)
            .env("XDG_CONFIG_HOME", config_home.path())
            .env_remove("GENESYS_CLIENT_SECRET")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(format!("{secret}\n").as_bytes())
            .unwrap();
        let output = child.wait_with_output().unwrap();
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    };
    let stored = || {
        let file = config_home.path().join("com.webmsgdesk.app/profiles.json");
        let profiles: serde_json::Value =
            serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
        let profile = profiles["profiles"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name.as_str())
            .unwrap()
            .clone();
        (profile["production"].clone(), profile["colour"].clone())
    };
    add(&["--production", "--colour", "#8E44AD"], "first-secret");
    assert_eq!(stored(), (json!(true), json!("#8e44ad")));
    add(&[], "second-secret");
    assert_eq!(
        stored(),
        (json!(true), json!("#8e44ad")),
        "re-adding with a new secret keeps the rails and the colour"
    );
    assert_eq!(
        SecretStore::default()
            .get(&name, EU)
            .unwrap()
            .unwrap()
            .expose_secret(),
        "second-secret"
    );
    add(&["--production", "false", "--colour", ""], "third-secret");
    assert_eq!(
        stored(),
        (serde_json::Value::Null, serde_json::Value::Null),
        "cleared only when asked"
    );
    SecretStore::default().delete(&name).unwrap();
}

/// Every change to a production org and every synthetic conversation needs the same
/// confirmation as a delete: off a terminal, `channel create`, `channel import`,
/// `guest drive` and `guest run` without `--yes` exit 2 and send nothing that writes.
#[tokio::test(flavor = "multi_thread")]
async fn a_production_profile_guards_create_import_and_synthetic_visitors() {
    let app = spawn_sandbox().await;
    let (deployment, _) = app.seeded_channel().await;
    let base_url = app.sandbox.base_url();
    let home = tempfile::tempdir().unwrap();
    let home_path = home.path().to_path_buf();
    let name = unique("Prod guarded");
    let profile = name.clone();
    let export = home.path().join("support.json");
    let scenarios = home.path().join("scenarios.yaml");
    std::fs::write(&scenarios, "scenarios:\n  Hi:\n    - say: hi\n").unwrap();
    let (export_arg, scenarios_arg) = (
        export.to_string_lossy().to_string(),
        scenarios.to_string_lossy().to_string(),
    );
    let outputs = tokio::task::spawn_blocking(move || {
        let cli = |args: &[&str], stdin: Option<&str>| cli_in_home(&home_path, args, stdin);
        let added = cli(
            &[
                "profile",
                "add",
                &profile,
                "--environment",
                &base_url,
                "--client-id",
                "sandbox-client",
                "--production",
            ],
            Some("sandbox-secret\n"),
        );
        assert_eq!(added.status.code(), Some(0));
        let with = |extra: &[&str]| {
            let mut args = vec!["--profile", profile.as_str()];
            args.extend_from_slice(extra);
            cli(&args, None)
        };
        let exported = with(&[
            "channel",
            "export",
            "--deployment",
            &deployment,
            "--out",
            &export_arg,
        ]);
        assert_eq!(exported.status.code(), Some(0));
        vec![
            (
                "create",
                with(&[
                    "channel",
                    "create",
                    "--name",
                    "Prod shop",
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
                ]),
            ),
            ("import", with(&["channel", "import", &export_arg])),
            (
                "drive",
                with(&["guest", "drive", "--deployment", &deployment, "--say", "hi"]),
            ),
            (
                "run",
                with(&["guest", "run", &scenarios_arg, "--deployment", &deployment]),
            ),
        ]
    })
    .await
    .unwrap();
    for (what, output) in outputs {
        let message = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{what}: {message}");
        assert!(
            message.contains("is a production profile") && message.contains("--yes"),
            "{what}: {message}"
        );
    }
    let status = app.status().await;
    assert_eq!(status["configurations"], 1, "nothing was created: {status}");
    assert_eq!(
        app.served("GET /api/v2/conversations/messages/{id}/details")
            .await,
        0
    );
    SecretStore::default().delete(&name).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn channel_promote_moves_a_channel_between_two_profiles_behind_the_production_rails() {
    let source = spawn_sandbox().await;
    let target = crate::helpers::spawn_sandbox_with(webmsg_desk::sandbox::SandboxOptions {
        seed: 2,
        ..crate::helpers::test_options()
    })
    .await;
    let (target_deployment, _) = target.seeded_channel().await;
    let (source_url, target_url) = (source.sandbox.base_url(), target.sandbox.base_url());
    let home = tempfile::tempdir().unwrap();
    let home_path = home.path().to_path_buf();
    let (dev, prod) = (unique("Dev"), unique("Prod"));
    let exports = home.path().join("exports");
    let exports_arg = exports.to_string_lossy().to_string();
    let (compared, unconfirmed, promoted, folder_plan) = tokio::task::spawn_blocking(move || {
        let cli = |args: &[&str], stdin: Option<&str>| cli_in_home(&home_path, args, stdin);
        for (name, url, production) in [(&dev, &source_url, false), (&prod, &target_url, true)] {
            let mut args = vec![
                "profile",
                "add",
                name,
                "--environment",
                url,
                "--client-id",
                "sandbox-client",
            ];
            if production {
                args.push("--production");
            }
            let added = cli(&args, Some("sandbox-secret\n"));
            assert_eq!(
                added.status.code(),
                Some(0),
                "{}",
                String::from_utf8_lossy(&added.stderr)
            );
        }
        let pair = [
            "--from",
            dev.as_str(),
            "--to",
            prod.as_str(),
            "--name",
            "Support Site",
        ];
        let mut compare = vec!["--output", "json", "channel", "compare"];
        compare.extend_from_slice(&pair);
        let compared = cli(&compare, None);
        let mut promote = vec!["channel", "promote"];
        promote.extend_from_slice(&pair);
        promote.extend_from_slice(&["--domain-rule", "www.example.com=shop.example.org"]);
        let unconfirmed = cli(&promote, None);
        let mut confirmed = vec!["--yes"];
        confirmed.extend_from_slice(&promote);
        let promoted = cli(&confirmed, None);
        let exported = cli(
            &[
                "--profile",
                &dev,
                "channel",
                "export",
                "--all",
                "--out",
                &exports_arg,
            ],
            None,
        );
        assert_eq!(
            exported.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&exported.stderr)
        );
        let folder_plan = cli(
            &[
                "--profile",
                &prod,
                "channel",
                "import",
                &exports_arg,
                "--plan-only",
            ],
            None,
        );
        (compared, unconfirmed, promoted, folder_plan)
    })
    .await
    .unwrap();

    assert_eq!(
        compared.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&compared.stderr)
    );
    let plan: serde_json::Value = serde_json::from_slice(&compared.stdout).unwrap();
    assert_eq!(plan["channels"][0]["action"]["kind"], "update");
    assert_eq!(
        plan["channels"][0]["action"]["deploymentId"],
        json!(target_deployment)
    );

    let said = String::from_utf8_lossy(&unconfirmed.stderr);
    assert_ne!(unconfirmed.status.code(), Some(0), "{said}");
    assert!(said.contains("production"), "{said}");
    assert!(!said.contains("updated"), "nothing was promoted: {said}");

    let said = String::from_utf8_lossy(&promoted.stderr);
    assert_eq!(promoted.status.code(), Some(0), "{said}");
    assert!(
        said.contains("update in place"),
        "the plan comes first: {said}"
    );
    assert!(
        said.contains("www.example.com -> shop.example.org"),
        "{said}"
    );
    let (_, moved) = target
        .get_api(&format!(
            "/api/v2/webdeployments/deployments/{target_deployment}"
        ))
        .await;
    assert!(
        moved["allowedDomains"]
            .to_string()
            .contains("shop.example.org"),
        "{moved}"
    );

    let shown = String::from_utf8_lossy(&folder_plan.stdout);
    assert_eq!(
        folder_plan.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&folder_plan.stderr)
    );
    assert!(shown.contains("Support Site: update in place"), "{shown}");
}
