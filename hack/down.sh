#!/usr/bin/env bash
# Stops what hack/up.sh started. The state stays for the next make up: the
# etcd data, the logs, and the certificates and kubeconfigs (the cluster's
# CA, admin.conf, ...), so a kubeconfig handed out keeps working. With
# PURGE=1 it removes all of them.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${KUBELAB_DIR:-$PWD/.kubelab}"
for pidfile in "$dir"/run/*.pid; do
	[ -e "$pidfile" ] || continue
	name=$(basename "$pidfile" .pid)
	pid=$(cat "$pidfile")
	if kill "$pid" 2>/dev/null; then
		for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$pid" 2>/dev/null || true
		echo "stopped $name"
	fi
	rm -f "$pidfile"
done
if [ "$(cat "$dir/run/runtime" 2>/dev/null)" = docker ]; then
	# The Docker node's containers, volumes, bridge, routes and chains.
	bin/proxy --cleanup --log-level warn || true
	node=$(hostname | tr '[:upper:]' '[:lower:]') # the node's name, as up.sh gives it
	bin/kubelet --runtime docker --cleanup --node-name "$node" --root-dir "$dir/kubelet" --log-level warn || true
	for cidr in 10.244.0.0/16 10.96.0.0/12; do
		ip route del unreachable "$cidr" 2>/dev/null || true
	done
	rm -f "$dir/run/runtime"
	if [ -f "$dir/run/route_localnet" ]; then # the proxy turned it on
		sysctl -qw net.ipv4.conf.all.route_localnet="$(cat "$dir/run/route_localnet")"
		rm -f "$dir/run/route_localnet"
	fi
	echo "removed the node's containers, pod network, service rules and unreachable routes"
fi
if [ "${PURGE:-0}" = 1 ]; then
	rm -rf "$dir"
	echo "removed $dir"
fi
