# Regional Data Exchange — the two commands are `make run` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

CACHE        := $(CURDIR)/.cache
NPM_PREFIX   := $(CACHE)/npm
SPECTRAL_VER := 6.16.3
SPECTRAL     := $(NPM_PREFIX)/node_modules/.bin/spectral
GO_TEST      ?= go test -race -count=1

export GOFLAGS := -mod=readonly

.PHONY: help run test test-go lint tools fmt-check vet spectral

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

run: ## serve the API on $(ADDR) (default 127.0.0.1:8080) over the embedded store in $(DATA_DIR) (default .data)
	go run ./infra/localserver

test: tools lint test-go ## everything CI runs: lint, the contract lint and every test
	@echo "make test: all green"

test-go: ## the Go tests (race detector on)
	$(GO_TEST) ./...

lint: fmt-check vet spectral ## gofmt, go vet and the OpenAPI lint

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.cache/*')); \
	  if [ -n "$$out" ]; then echo "gofmt needed: $$out"; exit 1; fi

vet:
	go vet ./...

spectral: $(SPECTRAL) ## lint openapi/ with Spectral's OAS rules
	$(SPECTRAL) lint --fail-severity=warn --ruleset openapi/.spectral.yaml openapi/openapi.yaml

tools: $(SPECTRAL) ## install the pinned test tools into .cache
	go mod download

$(SPECTRAL):
	npm install --no-audit --no-fund --loglevel=error --prefix $(NPM_PREFIX) @stoplight/spectral-cli@$(SPECTRAL_VER)
