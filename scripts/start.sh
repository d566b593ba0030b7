#!/usr/bin/env bash
# Sets up what is missing, then opens Web Messaging Desk in the Sandbox.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec cargo run --release
