#!/usr/bin/env bash
# Proxy figures: program 10,000 services × 2 endpoints with one
# iptables-restore, change one service while 10,000 exist (reported to a
# running Proxier's handler, as an informer does), and the ratio to one
# iptables command per rule; then the same in the nftables mode
# (proxy --mode=nftables), each figure beside the iptables one of the same
# run; all inside throwaway network namespaces. Needs root, iptables and
# nft. Flags pass through, e.g. -services 2000 on a slow machine,
# -iptables iptables-legacy for the other backend, -mode nftables for one
# mode only.
set -euo pipefail
cd "$(dirname "$0")/../.."
go run ./hack/bench/proxybench "$@"
