#!/usr/bin/env bash
# Runs every test against the real PostgreSQL and Redis: vet, unit,
# integration and federation tests (each package on throw-away databases).
set -euo pipefail
cd "$(dirname "$0")/.."
# The browser tests drive Debian's headless Chromium.
if ! command -v chromium >/dev/null; then
  echo "test: installing chromium from Debian's packages for the browser tests" >&2
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; fi
fi
go vet ./...
go test -count=1 -timeout 20m ./... "$@"
