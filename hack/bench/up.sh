#!/usr/bin/env bash
# Time from `hack/up.sh` (binaries already built) to a Ready node, and the
# resident memory of the control plane (apiserver with embedded etcd,
# scheduler, controller) and of the node agent once it runs 30 pods.
# RUNTIME=docker (default when root and Docker are there) measures a real
# node; RUNTIME=fake a simulated one. Uses its own state directory and
# removes everything at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
runtime="${RUNTIME:-}"
if [ -z "$runtime" ]; then
	if [ "$(id -u)" = 0 ] && docker info >/dev/null 2>&1; then runtime=docker; else runtime=fake; fi
fi
export KUBELAB_DIR="$(mktemp -d)"
export KUBELAB_LISTEN="127.0.0.1:16443"
trap 'RUNTIME=$runtime hack/down.sh >/dev/null 2>&1 || true; rm -rf "$KUBELAB_DIR"' EXIT
make -s build >/dev/null
[ "$runtime" != docker ] || docker image inspect kubelab/pause:latest kubelab/kubia:latest >/dev/null 2>&1 || images/build.sh
kctl() { bin/kctl --kubeconfig "$KUBELAB_DIR/admin.conf" "$@"; } # hack/up.sh writes it

start=$(date +%s.%N)
RUNTIME=$runtime NODES=1 hack/up.sh >/dev/null
until kctl get nodes --no-headers 2>/dev/null | awk '$2 == "Ready"' | grep -q .; do sleep 0.05; done
ready=$(date +%s.%N)
printf 'up → node Ready (%s runtime): %.2f s (goal <= 5 s; kind takes 12-17 s)\n' "$runtime" "$(awk "BEGIN {print $ready - $start}")"

rss() { awk '/VmRSS/ {print $2}' "/proc/$(cat "$KUBELAB_DIR/run/$1.pid")/status"; }
kctl create -f - >/dev/null <<YAML
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: bench}
spec:
  replicas: 30
  selector: {matchLabels: {app: bench}}
  template:
    metadata: {labels: {app: bench}}
    spec:
      containers:
      - {name: kubia, image: kubelab/kubia:latest, imagePullPolicy: Never}
YAML
until [ "$(kctl get pods -l app=bench --no-headers 2>/dev/null | grep -c Running)" = 30 ]; do sleep 0.5; done
sleep 3
cp=$(( $(rss apiserver) + $(rss scheduler) + $(rss controller) ))
node=$(ls "$KUBELAB_DIR/run" | grep '^kubelet' | head -1 | sed 's/\.pid$//')
mb() { awk "BEGIN {print $1 / 1024}"; }
printf 'control plane RSS with 30 pods: %.1f MB (apiserver+etcd %.1f, scheduler %.1f, controller %.1f; goal <= 128 MB)\n' \
	"$(mb $cp)" "$(mb "$(rss apiserver)")" "$(mb "$(rss scheduler)")" "$(mb "$(rss controller)")"
printf 'node agent RSS with 30 running pods: %.1f MB (goal <= 64 MB)\n' "$(mb "$(rss "$node")")"
kctl delete rs bench >/dev/null
