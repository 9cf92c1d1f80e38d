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
