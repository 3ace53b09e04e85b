# kubelab — make help lists the targets.
GO      ?= go
BIN     := bin
CMDS    := $(notdir $(wildcard cmd/*))
NODES   ?= 1
RUNTIME ?= auto

.PHONY: help build images test test-images test-short verify fmt generate up down join-token lab lab-down bench fuzz clean

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

build: ## build every program into bin/
	@mkdir -p $(BIN)
	$(GO) build -o $(BIN)/ $(addprefix ./cmd/,$(CMDS))

images: ## build the pause, kubia, dns and toolbox images with docker build
	images/build.sh

test: test-images ## run every test (node and lab tests need root and Docker, else they skip)
	$(GO) test -count=1 $$($(GO) list ./... | grep -v /test/lab) & root=$$!; \
	(cd test/compat && $(GO) test -count=1 ./...); compat=$$?; \
	wait $$root && [ $$compat = 0 ]
	cd test/compat && KUBELAB_COMPAT_RUNTIME=docker $(GO) test -count=1 -run 'Basics|DockerNode' ./...  # alone: its Docker node owns the host's pod network
	$(GO) test -count=1 ./test/lab  # alone: it checks the host's iptables and links are left as they were

test-images:
	@if docker info >/dev/null 2>&1; then images/build.sh; else echo "no Docker: skipping the images (node tests will skip)"; fi

test-short: ## run the fast tests only
	$(GO) test -count=1 -short ./...

verify: ## gofmt, go vet, and go.mod tidy
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) mod tidy -diff
	cd test/compat && $(GO) vet ./... && $(GO) mod tidy -diff

fmt: ## gofmt every file
	gofmt -w $$(git ls-files '*.go')

generate: ## regenerate pkg/openapi's copy of pkg/api's doc comments (after changing one)
	$(GO) generate ./pkg/openapi

up: build ## start a cluster here: a Docker node (root + Docker), else simulated; NODES=3 for 3 simulated nodes
	NODES=$(NODES) RUNTIME=$(RUNTIME) hack/up.sh

down: ## stop the cluster started by make up
	hack/down.sh

join-token: ## print a bootstrap token and the kubelet command line that joins a node (make up first)
	bin/kctl --kubeconfig $(or $(KUBELAB_DIR),.kubelab)/admin.conf create token --bootstrap

lab: build ## an N-node lab on this host: NODES=3 network namespaces, each a kubelet on Docker (root; state in .kubelab-lab/); NETWORK=vxlan for VXLAN between nodes
	NODES=$(if $(filter command line environment,$(origin NODES)),$(NODES),3) NETWORK=$(NETWORK) hack/lab/up.sh

lab-down: ## stop the lab, remove everything it made, and check that nothing is left
	hack/lab/down.sh

bench: ## run the benchmarks and print their ratios
	hack/bench/api.sh
	hack/bench/scheduler.sh
	hack/bench/podstart.sh
	hack/bench/up.sh
	hack/bench/proxy.sh
	hack/bench/proxysync.sh
	hack/bench/rollout.sh
	hack/bench/controlplane.sh
	hack/bench/dns.sh
	hack/bench/dashboard.sh

fuzz: ## fuzz decoding, selectors and quantities for 20 s each
	$(GO) test -run='^$$' -fuzz=FuzzDecode -fuzztime=20s ./pkg/api/
	$(GO) test -run='^$$' -fuzz=FuzzCleanDecode -fuzztime=20s ./pkg/api/
	$(GO) test -run='^$$' -fuzz=FuzzParseSelector -fuzztime=20s ./pkg/api/
	$(GO) test -run='^$$' -fuzz=FuzzParseQuantity -fuzztime=20s ./pkg/api/

clean: ## remove built binaries
	rm -rf $(BIN)
