#!/usr/bin/env bash
# Sets up what is missing, then runs every test: unit, integration (Sandbox over HTTP,
# real Secret Service) and doc tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
command -v cargo-nextest >/dev/null 2>&1 || cargo install cargo-nextest --locked
scripts/headless.sh cargo nextest run --profile ci "$@"
cargo test --doc --quiet
