#!/usr/bin/env bash
# Debian's Chromium for the dashboard's browser suites (*.e2e.test.ts drive it with
# playwright-core; a browser downloaded by `playwright install` is never used). Quick when
# /usr/bin/chromium is already there; otherwise installs the Debian package (runs as root).
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  echo "chromium ready: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
  exit 0
fi
command -v apt-get >/dev/null || { echo "20-chromium: /usr/bin/chromium is missing and there is no apt-get to install it" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends chromium fonts-dejavu-core
[ -x /usr/bin/chromium ] || { echo "20-chromium: apt-get installed chromium but /usr/bin/chromium is missing" >&2; exit 1; }
echo "chromium ready: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
