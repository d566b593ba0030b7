#!/usr/bin/env bash
# Sets up what is missing, then runs every test: unit, integration (Sandbox over HTTP,
# real Secret Service), the window end to end in WebKit through WebDriver, and doc tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
command -v cargo-nextest >/dev/null 2>&1 || cargo install cargo-nextest --locked
# WebDriver for Tauri apps; major version 2 matches the app's Tauri.
command -v tauri-driver >/dev/null 2>&1 || [ -x "${CARGO_HOME:-$HOME/.cargo}/bin/tauri-driver" ] \
  || cargo install tauri-driver --locked --version '^2'
# Genesys's official Python SDK, for the test that drives the Sandbox with it.
sdk_venv=target/sdk-venv
if ! "$sdk_venv/bin/python" -c 'import PureCloudPlatformClientV2' >/dev/null 2>&1; then
  python3 -m venv "$sdk_venv"
  "$sdk_venv/bin/pip" install --quiet --disable-pip-version-check 'purecloudplatformclientv2==269.0.0'
fi
scripts/headless.sh cargo nextest run --profile ci "$@"
cargo test --doc --quiet
