#!/usr/bin/env bash
# Scheduler figure: pods bound per second with 1000 simulated nodes, as a
# ratio to bare binding calls (the floor) in the same run. Flags pass
# through, e.g. -nodes 200 -pods 2000 on a slow machine, -qps 200 for the
# scheduler's default client limit, -cpuprofile cpu.out -profile-phase
# shipped to profile one phase.
set -euo pipefail
cd "$(dirname "$0")/../.."
go run ./hack/bench/schedbench "$@"
