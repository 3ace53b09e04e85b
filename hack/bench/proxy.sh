#!/usr/bin/env bash
# Proxy figures: program 10,000 services × 2 endpoints with one
# iptables-restore, change one service while 10,000 exist, and the ratio
# to one iptables command per rule, all inside a throwaway network
# namespace. Needs root and iptables. Flags pass through, e.g.
# -services 2000 on a slow machine, -iptables iptables-legacy for the
# other backend.
set -euo pipefail
cd "$(dirname "$0")/../.."
go run ./hack/bench/proxybench "$@"
