#!/usr/bin/env bash
# Deployment figure: the rolling update of a 100-replica Deployment
# (maxSurge 25%, maxUnavailable 25%) on 10 simulated nodes, as a ratio to
# creating and deleting 100 pods directly (the floor) in the same run,
# with a whole cluster in one process; medians of three runs. Flags pass
# through, e.g. -bind direct to bind the floor's pods without the
# scheduler, -replicas 50 -nodes 5, -runs 5.
set -euo pipefail
cd "$(dirname "$0")/../.."
go run ./hack/bench/rolloutbench "$@"
