#!/usr/bin/env bash
# Takes down the lab made by hack/lab/up.sh (`make lab-down`), also one
# whose start failed half-way: every step tolerates what is already gone.
# Then it checks that nothing is left and says so; exit 1 if something is.
# KEEP=1 keeps the logs in $dir/logs.
set -uo pipefail
cd "$(dirname "$0")/../.."
. hack/lab/common.sh
[ "$(id -u)" = 0 ] || { echo "lab-down: needs root" >&2; exit 1; }
nodes=$(lab_nodes)

stop() { # pidfile
	local pid name
	name=$(basename "$1" .pid)
	pid=$(cat "$1" 2>/dev/null) || return 0
	if kill "$pid" 2>/dev/null; then
		for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$pid" 2>/dev/null || true
		echo "stopped $name"
	fi
	rm -f "$1"
}
# The kubelets and proxies first (so none recreates what the cleanup
# removes), the control plane last.
for f in "$dir"/run/kubelet-*.pid "$dir"/run/proxy-*.pid "$dir"/run/controller.pid "$dir"/run/scheduler.pid "$dir"/run/apiserver.pid; do
	[ -e "$f" ] && stop "$f"
done

for i in $nodes; do
	name=$(node_name "$i") ns=$(node_ns "$i")
	# The kubelet's own cleanup, inside the node: its containers, their
	# volumes, and its pod network (veths, klab0, routes, KLAB chains).
	if [ -e "/run/netns/$ns" ]; then
		kubelet_in "$i" --runtime docker --cleanup --node-name "$name" --root-dir "$dir/$name" \
			--bridge "$pod_bridge" --cluster-cidr "$cluster_cidr" --log-level warn ||
			echo "$name: kubelet --cleanup failed; sweeping" >&2
		# The proxy's chains would go with the namespace; remove them
		# the way a real node would.
		nsenter --net="/run/netns/$ns" bin/proxy --cleanup --log-level warn ||
			echo "$name: proxy --cleanup failed" >&2
	fi
	# Whatever the cleanup could not reach (a node whose namespace is gone).
	ids=$(docker ps -aq --filter "label=io.kubelab.node=$name")
	[ -n "$ids" ] && docker rm -f $ids >/dev/null && echo "$name: removed $(echo $ids | wc -w) containers"
	# Deleting the namespace deletes its links (eth0, klab0, pod veths,
	# in vxlan mode klab.vxlan) and with eth0 the host end of its veth.
	ip netns del "$ns" 2>/dev/null && echo "$name: removed namespace $ns"
	ip link del "$(node_veth "$i")" 2>/dev/null
	# tmpfs volumes the kubelet mounted and could not unmount.
	grep -o " $dir/$name/[^ ]*" /proc/mounts 2>/dev/null | while read -r m; do umount "$m"; done
done

while iptables -w -D FORWARD -m comment --comment "kubelab lab" -j "$lab_chain" 2>/dev/null; do :; done
iptables -w -F "$lab_chain" 2>/dev/null && iptables -w -X "$lab_chain" && echo "removed iptables chain $lab_chain"
ip link del "$lab_bridge" 2>/dev/null && echo "removed bridge $lab_bridge"
for cidr in "$cluster_cidr" "$service_cidr"; do
	ip route del unreachable "$cidr" 2>/dev/null && echo "removed unreachable route $cidr"
done
if [ "${KEEP:-0}" = 1 ]; then
	find "$dir" -mindepth 1 -maxdepth 1 ! -name logs -exec rm -rf {} +
	echo "removed $dir (kept $dir/logs)"
else
	rm -rf "$dir" && echo "removed $dir"
fi

# The check: nothing of the lab may remain.
left=0
check() { # what, then what was found (empty: nothing)
	if [ -n "$2" ]; then echo "  [left] $1: $(echo $2)"; left=1; else echo "  [ok] no $1"; fi
}
echo "check:"
check "lab containers (label io.kubelab.node=nodeI)" \
	"$(for i in $nodes; do docker ps -aq --filter "label=io.kubelab.node=$(node_name "$i")"; done)"
check "klab-node namespaces" "$(ip netns list | awk '{print $1}' | grep '^klab-node')"
check "lab bridges or veths ($lab_bridge, klab-h*)" "$(ip -o link show | awk -F': ' '{print $2}' | grep -E "^($lab_bridge|klab-h[0-9]+)(@|$)")"
check "VXLAN devices in the host's namespace ($vxlan_dev)" "$(ip -o link show type vxlan 2>/dev/null | awk -F': ' '{print $2}' | grep "^$vxlan_dev\(@\|$\)")"
check "routes to $cluster_cidr, $service_cidr or $lab_net.0/24" \
	"$(ip route show table all | grep -E '^(unreachable )?(10\.244\.|10\.(9[6-9]|10[0-9]|11[01])\.|198\.51\.100\.)')"
check "KLAB chains in the host's iptables" "$(iptables-save 2>/dev/null | grep -E '^:KLAB|-j KLAB')"
check "lab state ($dir)" "$([ -e "$dir" ] && [ "${KEEP:-0}" != 1 ] && echo "$dir")"
[ "$left" = 0 ] && echo "lab-down: nothing left" || { echo "lab-down: something is left (above)"; exit 1; }
