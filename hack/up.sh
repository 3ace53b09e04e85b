#!/usr/bin/env bash
# Starts a kubelab control plane on this machine in the background.
# State and logs live in .kubelab/ (override with KUBELAB_DIR); the kctl
# config is written to .kubelab/config and ~/.kube/kubelab.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${KUBELAB_DIR:-$PWD/.kubelab}"
addr="${KUBELAB_LISTEN:-127.0.0.1:6443}"
mkdir -p "$dir/logs" "$dir/run"

start() { # name, then the command line
	local name=$1; shift
	if [ -f "$dir/run/$name.pid" ] && kill -0 "$(cat "$dir/run/$name.pid")" 2>/dev/null; then
		echo "  $name is already running (pid $(cat "$dir/run/$name.pid"))"
		return
	fi
	nohup "$@" >>"$dir/logs/$name.log" 2>&1 &
	echo $! >"$dir/run/$name.pid"
	echo "  started $name (pid $!), log: $dir/logs/$name.log"
}

for b in apiserver kctl; do
	[ -x "bin/$b" ] || { echo "bin/$b is missing: run 'make build' first" >&2; exit 1; }
done
echo "starting kubelab in $dir"
start apiserver bin/apiserver --listen "$addr" --data-dir "$dir/etcd"

printf '  waiting for the apiserver at http://%s ' "$addr"
for _ in $(seq 1 100); do
	if bin/kctl --server "http://$addr" version >/dev/null 2>&1; then
		echo "ready"
		echo "server: http://$addr" >"$dir/config"
		mkdir -p "$HOME/.kube" && cp "$dir/config" "$HOME/.kube/kubelab"
		cat <<MSG

kubelab is up. Try:
  bin/kctl apply -f examples/
  bin/kctl get all
  bin/kctl get pods -w
Stop it with: make down
MSG
		exit 0
	fi
	printf '.'; sleep 0.1
done
echo; echo "the apiserver did not become healthy; last lines of its log:" >&2
tail -n 20 "$dir/logs/apiserver.log" >&2
exit 1
