#!/usr/bin/env bash
# Node figures: apply → Running for 30 pods on one Docker node, as a ratio
# to `docker run` of the same pause + app containers in the same run, and
# the kubelet's resident memory with those pods running. Needs root,
# Docker and the images (images/build.sh). Flags pass through, e.g.
# -pods 10 -parallel 4.
set -euo pipefail
cd "$(dirname "$0")/../.."
go build -o bin/ ./cmd/kubelet
go run ./hack/bench/podbench -kubelet bin/kubelet "$@"
