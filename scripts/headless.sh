#!/usr/bin/env bash
# Runs a command the way CI needs it: a private D-Bus session with an unlocked
# gnome-keyring (the real Secret Service), a fresh session keyring, an Xvfb display, and
# XDG directories in a scratch folder so nothing touches the real home directory.
set -euo pipefail
if [ -z "${HEADLESS_INNER:-}" ]; then
  export HEADLESS_INNER=1
  exec dbus-run-session -- "$0" "$@"
fi
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
export XDG_DATA_HOME="$scratch/data" XDG_CACHE_HOME="$scratch/cache" XDG_CONFIG_HOME="$scratch/config"
export XDG_RUNTIME_DIR="$scratch/run"
mkdir -p "$XDG_DATA_HOME" "$XDG_CACHE_HOME" "$XDG_CONFIG_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
export NO_AT_BRIDGE=1
eval "$(printf '%s' 'ci-keyring' | gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL
keyctl session - xvfb-run -a -s '-screen 0 1280x1024x24' "$@"
