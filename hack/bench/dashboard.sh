#!/usr/bin/env bash
# Dashboard figures, from the Go benchmarks in test/browser/bench_test.go,
# in headless Chromium (Debian's chromium package) against a cluster of
# simulated nodes in the benchmark's process, the dashboard a process of
# its own as make up runs it:
#   - pod created → its card in the browser, p50 and p99 over 100 pods
#     created one by one on 10 nodes, against the apiserver's own watch
#     event for the same pods in the same run;
#   - the dashboard's resident memory, idle and with 1000 pods running on
#     100 simulated nodes and the map of them open.
# Flags pass through to go test, e.g. -bench=Latency for the first only.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v chromium >/dev/null || command -v chromium-browser >/dev/null || {
	echo "dashboard.sh: no Chromium: apt-get install chromium" >&2; exit 1; }
go test -run='^$' -bench=BenchmarkDashboard -benchtime=1x -timeout=20m "$@" ./test/browser/ 2>&1 |
	grep -E '^(pod created|dashboard resident|[0-9]+ pods running|setup:|\(the page|FAIL|ok|---)' || true
