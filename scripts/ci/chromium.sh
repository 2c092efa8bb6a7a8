#!/usr/bin/env bash
# Headless Chromium for the catalog-site browser tests, from Debian's own `chromium` package
# (idempotent). The tests drive /usr/bin/chromium through Playwright; no browser is ever downloaded.
set -euo pipefail

if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
echo "chromium.sh: installing chromium from Debian packages" >&2
export DEBIAN_FRONTEND=noninteractive
SUDO=""
if [[ "$(id -u)" != 0 ]]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
command -v chromium >/dev/null
