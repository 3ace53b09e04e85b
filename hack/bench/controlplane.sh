#!/usr/bin/env bash
# Control plane under load: the CPU seconds per pod of the apiserver and
# etcd (and of the controller manager, the scheduler and the simulated
# nodes) while 100 simulated nodes run 3000 pods of two Deployments and
# 1000 of them roll out to a new image, for this tree and for a baseline
# commit, built side by side and measured in turns (hack/bench/cpbench).
#
#   hack/bench/controlplane.sh [BASELINE] [cpbench flags, e.g. -runs 2 -nodes 20 -pods 600 -rollout 200]
#
# BASELINE defaults to the commit before this tree's changes: HEAD while
# cmd/ or pkg/ have changes not committed yet, else HEAD~1. Its files are
# taken with `git archive` into a temporary directory, which leaves the
# repository as it is, built there, and removed at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
base=""
if [[ $# -gt 0 && $1 != -* ]]; then
	base=$1
	shift
fi
if [[ -z $base ]]; then
	if git diff --quiet HEAD -- cmd pkg && [[ -z $(git ls-files --others --exclude-standard -- cmd pkg) ]]; then
		base=HEAD~1
	else
		base=HEAD
	fi
fi
commit=$(git rev-parse --short "$base^{commit}")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kubelab-controlplane-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/baseline" "$tmp/bin" "$tmp/baseline-bin"
git archive "$commit" | tar -x -C "$tmp/baseline"
echo "building this tree, and $commit ($base) as the baseline"
go build -o "$tmp/bin/" ./cmd/apiserver ./cmd/controller ./cmd/scheduler ./hack/bench/cpbench
(cd "$tmp/baseline" && go build -o "$tmp/baseline-bin/" ./cmd/apiserver ./cmd/controller ./cmd/scheduler)
"$tmp/bin/cpbench" -bin "$tmp/bin" -baseline-bin "$tmp/baseline-bin" -baseline-name "$commit" "$@"
