# mms: `make demo` shows the tool on bundled fixtures; `make test` is what CI runs.
GO      ?= go
BIN     := bin/mms
DEMO    := demo-out
FUZZ    ?= 8s

.PHONY: help build demo test unit fuzz e2e bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

build: ## build bin/mms
	$(GO) build -buildvcs=auto -o $(BIN) ./cmd/mms

demo: build ## dry run, then real run, of the bundled batch (fixtures/demo)
	@scripts/demo.sh $(BIN) $(DEMO)

test: ## everything CI runs: vet, unit, golden and end-to-end tests, short fuzzing
	@scripts/test.sh

unit: ## go test ./... without vet or fuzzing
	$(GO) test ./...

fuzz: ## fuzz the format layer a little longer (FUZZ=60s)
	@scripts/fuzz.sh $(FUZZ)

bench: ## benchmarks: reading, deciding and rewriting; a whole run at scale
	@scripts/bench.sh

clean: ## remove build and demo output
	rm -rf bin $(DEMO)
