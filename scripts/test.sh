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
# The client-library test drives masto.js (pinned by its package-lock.json)
# from Debian's Node; install it once, again only when the lock changes.
mastojs=web/auth/testdata/mastojs
if command -v npm >/dev/null && ! cmp -s "$mastojs/package-lock.json" "$mastojs/node_modules/.installed-lock.json"; then
  echo "test: installing masto.js for the client-library test" >&2
  (cd "$mastojs" && npm ci --no-audit --no-fund --loglevel=error >/dev/null && cp package-lock.json node_modules/.installed-lock.json)
fi
go vet ./...
go test -count=1 -timeout 30m ./... "$@"
