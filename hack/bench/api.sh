#!/usr/bin/env bash
# API figures: creates/s through the apiserver vs raw etcd puts (ratio),
# watch delivery latency with 100 watchers, idle apiserver memory.
set -euo pipefail
cd "$(dirname "$0")/../.."
go build -o bin/ ./cmd/apiserver
go run ./hack/bench/apibench "$@"
