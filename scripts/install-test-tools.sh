#!/usr/bin/env bash
# Installs the non-Python tools the test suite drives for real:
#   - Debian's Chromium (the HTML report is tested in a headless browser through Playwright);
#   - Microsoft's SARIF Multitool (every SARIF file is validated with GitHub's rule set).
# Idempotent: skips what is already there. Called by `make test` and `.ci/run`.
set -euo pipefail
cd "$(dirname "$0")/.."

TOOLS=.tools
MULTITOOL_VERSION=5.7.0
MULTITOOL="$TOOLS/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"

if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "== installing Debian chromium"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
  else
    echo "chromium is missing and this user cannot apt-get install it: sudo apt-get install chromium" >&2
    exit 1
  fi
fi

if [ ! -x "$MULTITOOL" ]; then
  echo "== installing @microsoft/sarif-multitool@$MULTITOOL_VERSION"
  mkdir -p "$TOOLS"
  npm install --silent --no-audit --no-fund --prefix "$TOOLS" "@microsoft/sarif-multitool@$MULTITOOL_VERSION" >/dev/null
  # npm 11 does not run the package's postinstall, which would mark the binary executable.
  chmod u+x "$MULTITOOL"
fi
