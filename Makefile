# The two commands: `make run` starts a node on http://localhost:8080,
# `make test` runs every test. Both install and start what they need.
GO ?= go
BIN := bin/archipel

.PHONY: run demo test services build bench lint

run: services build
	./scripts/run.sh

demo: services build
	./bin/archipel demo $(DEMO_FLAGS)

test: services
	./scripts/test.sh

services:
	./scripts/services.sh

build:
	$(GO) build -o $(BIN) ./cmd/archipel

lint:
	gofmt -l . | (! grep .)
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@latest ./...

# The benchmark command: micro-benchmarks, then the load tests against a real
# node (see BENCHMARKS.md for the report and how to read it).
bench: services
	$(GO) test -run='^$$' -bench . -benchtime=2s ./federation
	$(GO) test -run='^$$' -bench . ./inbox ./store
	$(GO) run ./cmd/archipel-bench rsa
	$(GO) run ./cmd/archipel-bench inbox
	$(GO) run ./cmd/archipel-bench outbound
	$(GO) run ./cmd/archipel-bench fanout
	# 100,000 posts fits in a few minutes; the 1,000,000-post run of
	# BENCHMARKS.md is: archipel-bench scale --posts 100000,1000000
	$(GO) run ./cmd/archipel-bench scale --posts 100000
