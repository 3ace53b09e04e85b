#!/usr/bin/env bash
# Proxy figure P5: how long a Service's rules lag its Endpoints on a real
# node. Starts a Docker node as `make up` does (hack/up.sh, in a state
# directory of its own), runs hack/bench/proxysyncbench against it: 100
# new pods and 100 readiness flips, each Endpoints change timed to its
# DNAT rule, beside the proxy's restore times of the same run; then takes
# the node down and checks that nothing of it is left, also when the run
# fails. Once per proxy mode, each on a node of its own: MODES="iptables
# nftables" by default. Needs root, Docker, iptables, nft and the images;
# no other kubelab node on this host. Flags pass through, e.g. -pods 20
# -flips 20.
set -euo pipefail
cd "$(dirname "$0")/../.."
die() { echo "proxysync: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root: the node wires its pod network and iptables"
docker info >/dev/null 2>&1 || die "Docker is not reachable"
ip link show klab0 >/dev/null 2>&1 && die "a kubelab node runs on this host (bridge klab0): make down first"
iptables-save 2>/dev/null | grep -q '^:KLAB' && die "the host's iptables has KLAB chains: a kubelab node, lab or test runs here"
nft list table ip kubelab >/dev/null 2>&1 && die "the host has the proxy's nftables table: a kubelab node or test runs here"
ip netns list 2>/dev/null | grep -q klab-node && die "a make lab runs here: make lab-down first"

export KUBELAB_DIR="$(mktemp -d)"
export KUBELAB_LISTEN="127.0.0.1:16443"
node=$(hostname | tr '[:upper:]' '[:lower:]') # the node's name, as hack/up.sh gives it
cleanup() {
	RUNTIME=docker hack/down.sh >/dev/null 2>&1 || true
	rm -rf "$KUBELAB_DIR"
	local left=""
	ip link show klab0 >/dev/null 2>&1 && left="$left bridge-klab0"
	iptables-save 2>/dev/null | grep -qE '^:KLAB|-j KLAB' && left="$left KLAB-chains"
	nft list table ip kubelab >/dev/null 2>&1 && left="$left nftables-table"
	ip route show table all | grep -qE '^(unreachable )?(10\.244\.|10\.96\.0\.0/12)' && left="$left routes"
	[ -n "$(docker ps -aq --filter "label=io.kubelab.node=$node")" ] && left="$left containers"
	if [ -n "$left" ]; then echo "proxysync: left behind:$left" >&2; exit 1; fi
	echo "cleanup: the node, its containers, bridge, routes, chains and table are gone"
}
trap cleanup EXIT
make -s build >/dev/null
go build -o "$KUBELAB_DIR/proxysyncbench" ./hack/bench/proxysyncbench
docker image inspect kubelab/pause:latest kubelab/kubia:latest >/dev/null 2>&1 || images/build.sh
for mode in ${MODES:-iptables nftables}; do
	PROXY_MODE=$mode RUNTIME=docker NODES=1 hack/up.sh >/dev/null
	"$KUBELAB_DIR/proxysyncbench" -mode "$mode" -kubeconfig "$KUBELAB_DIR/admin.conf" -proxy-log "$KUBELAB_DIR/logs/proxy.log" "$@"
	RUNTIME=docker hack/down.sh >/dev/null
	echo
done
