#!/usr/bin/env bash
# Runs every test against the real PostgreSQL and Redis: vet, unit,
# integration and federation tests (each package on throw-away databases).
set -euo pipefail
cd "$(dirname "$0")/.."
go vet ./...
go test -count=1 -timeout 20m ./... "$@"
