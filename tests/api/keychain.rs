//! Secrets in the real OS keychain (gnome-keyring's Secret Service under
//! `scripts/headless.sh`), and proof that no profile file ever holds them.

use std::io::Write;
use std::process::{Command, Stdio};

use secrecy::{ExposeSecret, SecretString};
use webmsg_desk::secrets::SecretStore;

use crate::helpers::{spawn_sandbox, unique, walk};

const BINARY: &str = env!("CARGO_BIN_EXE_webmsg-desk");

#[test]
fn a_secret_is_stored_read_and_deleted_in_the_secret_service() {
    let store = SecretStore::new(unique("webmsg-desk-test"));
    let profile = unique("profile");
    let secret = SecretString::from("s3cr3t-value-for-the-keychain".to_string());
    assert!(store
        .get(&profile)
        .expect("the Secret Service answers (run under scripts/headless.sh)")
        .is_none());
    store.set(&profile, &secret).unwrap();
    assert_eq!(
        store.get(&profile).unwrap().unwrap().expose_secret(),
        "s3cr3t-value-for-the-keychain"
    );
    store.delete(&profile).unwrap();
    assert!(store.get(&profile).unwrap().is_none());
    store.delete(&profile).unwrap();
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
    assert_eq!(
        store.get(&name).unwrap().unwrap().expose_secret(),
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
        store.get(&name).unwrap().is_none(),
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
    assert!(SecretStore::default().get(&name).unwrap().is_none());
    assert!(!config_home
        .path()
        .join("com.webmsgdesk.app/profiles.json")
        .exists());
}
