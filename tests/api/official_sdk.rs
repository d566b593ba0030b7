//! Genesys's official Python SDK (PureCloudPlatformClientV2 269.0.0) against the Sandbox:
//! the strongest check that the Sandbox speaks the real API. `scripts/test.sh` installs
//! the SDK into `target/sdk-venv`; `WEBMSG_SDK_PYTHON` may point at another interpreter.

use std::process::Command;

use webmsg_desk::sandbox::SandboxOptions;

use crate::helpers::{spawn_sandbox_with, test_options};

/// Runs `tests/sdk/SCRIPT` with the SDK's interpreter and returns its standard output,
/// failing the test with both outputs when the script fails.
pub(crate) async fn run_sdk_script(script: &str, args: Vec<String>) -> String {
    let python = sdk_python();
    assert!(
        python.exists(),
        "{} is missing: run scripts/test.sh, which installs the official SDK",
        python.display()
    );
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/sdk")
        .join(script);
    let output = tokio::task::spawn_blocking(move || {
        Command::new(python)
            .arg(script)
            .args(args)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

fn sdk_python() -> std::path::PathBuf {
    std::env::var_os("WEBMSG_SDK_PYTHON")
        .map(Into::into)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/sdk-venv/bin/python")
        })
}

#[tokio::test(flavor = "multi_thread")]
async fn the_official_python_sdk_works_against_the_sandbox() {
    let app = spawn_sandbox_with(SandboxOptions {
        lifecycle_delay: std::time::Duration::ZERO,
        ..test_options()
    })
    .await;
    let base = app.sandbox.base_url();
    let org_now = app.org_now().await.to_rfc3339();
    let stdout = run_sdk_script(
        "official_sdk_check.py",
        vec![
            base,
            "sandbox-client".into(),
            "sandbox-secret".into(),
            org_now,
        ],
    )
    .await;
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("ok ")).count(),
        17,
        "{stdout}"
    );
}
