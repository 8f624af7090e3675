#!/usr/bin/env bash
# Installs Debian's `chromium`, which the report tests drive headless to look at a
# report page as a person would (crates/cli/tests/browser/). Does nothing when
# /usr/bin/chromium is already there, so it is safe to run every time.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "install-chromium.sh: /usr/bin/chromium is missing and installing it needs root;" >&2
    echo "run: sudo $0   (or: sudo apt-get install chromium)" >&2
    exit 1
fi

if ! command -v apt-get >/dev/null; then
    echo "install-chromium.sh: /usr/bin/chromium is missing and there is no apt-get here;" >&2
    echo "install Chromium so that /usr/bin/chromium runs, then try again" >&2
    exit 1
fi

echo "== installing chromium (Debian package) for the browser tests"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium >/dev/null

if [ ! -x /usr/bin/chromium ]; then
    echo "install-chromium.sh: apt-get installed chromium but /usr/bin/chromium is still missing" >&2
    exit 1
fi
echo "== $(/usr/bin/chromium --version 2>/dev/null || echo chromium) installed"
