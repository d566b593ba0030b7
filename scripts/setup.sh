#!/usr/bin/env bash
# Installs what building and testing Web Messaging Desk needs on Debian/Ubuntu and
# skips whatever is already there. Elsewhere it only checks for cargo.
# `--bench` adds what the benchmarks compare against (Debian's Chromium).
#
# The accessibility bus (at-spi2-core) is not needed and not installed here; Debian's
# images often have it, and WebKit then starts it on the tests' session bus. Tests give
# child processes files, not pipes, and end them by process group, so the suite runs the
# same with or without it.
set -euo pipefail

packages=(
  build-essential pkg-config libssl-dev curl
  libwebkit2gtk-4.1-dev libgtk-3-dev librsvg2-dev libsoup-3.0-dev libjavascriptcoregtk-4.1-dev
  libdbus-1-dev libfontconfig1-dev libfreetype-dev fonts-dejavu-core
  xvfb xauth webkit2gtk-driver imagemagick
  gnome-keyring libsecret-tools keyutils dbus-x11
  python3 python3-venv
)
if [ "${1:-}" = "--bench" ]; then
  packages+=(chromium)
fi

if command -v dpkg-query >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  missing=()
  for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    echo "installing system packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
else
  echo "not a Debian/Ubuntu system: install the WebKitGTK/Tauri prerequisites for your OS yourself" >&2
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "cargo is missing: install Rust with rustup (https://rustup.rs) and run this again" >&2
  exit 1
fi
