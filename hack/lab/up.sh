#!/usr/bin/env bash
# Starts an N-node kubelab lab on this one machine (`make lab NODES=3`):
#
#   host namespace                          node namespaces klab-node1..N
#   apiserver, scheduler, controller        eth0 198.51.100.(10+i)
#   bridge klab-lab 198.51.100.1 ─ veth ──  kubelet --runtime docker, proxy
#   unreachable 10.244.0.0/16, 10.96.0.0/12    bridge klab0 with the node's pod /24
#
# Each node is a network namespace with its own kubelet; the kubelets share
# the host's Docker engine (each labels its containers io.kubelab.node=nodeI)
# and route each other's pod CIDRs over the lab bridge (host-gw), or with
# NETWORK=vxlan (`make lab NODES=3 NETWORK=vxlan`) wrap pod packets in
# VXLAN between the node addresses, each node's device klab.vxlan with an
# MTU 50 bytes below its eth0's. Nothing
# leaves the machine: before anything starts the host namespace gets
# `unreachable` routes for the pod and service ranges, and the node
# namespaces have no default route. State, certificates, kubeconfigs and
# logs: .kubelab-lab/ (or $KUBELAB_DIR). make lab-down removes everything;
# so does a failed start.
set -Eeuo pipefail
cd "$(dirname "$0")/../.."
. hack/lab/common.sh
nodes="${NODES:-3}"
network="${NETWORK:-host-gw}"

die() { echo "lab: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root: it makes network namespaces, a bridge, routes and iptables rules"
docker info >/dev/null 2>&1 || die "Docker is not reachable (is dockerd running? is /var/run/docker.sock there?)"
for c in ip iptables nsenter; do command -v "$c" >/dev/null || die "$c is not installed"; done
for b in apiserver scheduler controller kubelet proxy kctl kubeadm; do
	[ -x "bin/$b" ] || die "bin/$b is missing: run 'make build' first"
done
[[ "$nodes" =~ ^[0-9]+$ ]] && [ "$nodes" -ge 1 ] && [ "$nodes" -le 200 ] || die "NODES=$nodes: want 1 to 200"
case $network in host-gw|vxlan) ;; *) die "NETWORK=$network: want host-gw or vxlan" ;; esac
if [ -f .kubelab/run/runtime ]; then
	die "a 'make up RUNTIME=docker' cluster is running here (it shares the unreachable routes): make down first"
fi
if ip link show "$lab_bridge" >/dev/null 2>&1 || [ -f "$dir/run/nodes" ]; then
	die "a lab is already up (or left over): make lab-down first"
fi

# From here on, a failure takes down whatever was made.
failed() {
	echo "lab: start failed; the last lines of the logs:" >&2
	tail -n 5 "$dir"/logs/*.log >&2 2>/dev/null || true
	echo "lab: removing what was made (KEEP=1 keeps the logs)" >&2
	hack/lab/down.sh >&2 || true
}
trap failed ERR
mkdir -p "$dir/logs" "$dir/run"
echo "$nodes" >"$dir/run/nodes"
echo "$network" >"$dir/run/network"

echo "starting a $nodes-node kubelab lab in $dir, network mode $network"
# 1. Nothing of the lab may leave the machine, whatever goes wrong later.
for cidr in "$cluster_cidr" "$service_cidr"; do
	ip route replace unreachable "$cidr"
done
echo "  host: unreachable $cluster_cidr and $service_cidr"

# 2. The lab network: a bridge with the host's address. Docker set the host's
#    FORWARD policy to DROP and turned on bridge-nf-call-iptables, so frames
#    bridged between two nodes pass the host's FORWARD chain too: accept them
#    in a chain of the lab's own (routed pod packets in host-gw mode, UDP
#    8472 between node addresses in vxlan mode).
ip link add "$lab_bridge" type bridge
ip addr add "$host_ip/24" dev "$lab_bridge"
ip link set "$lab_bridge" up
iptables -w -N "$lab_chain"
iptables -w -A "$lab_chain" -i "$lab_bridge" -o "$lab_bridge" -m comment --comment "kubelab lab: between nodes" -j ACCEPT
iptables -w -I FORWARD 1 -m comment --comment "kubelab lab" -j "$lab_chain"
echo "  host: bridge $lab_bridge $host_ip/24, iptables $lab_chain"

# 3. The nodes' namespaces, each with eth0 on the lab bridge and
#    forwarding on (a per-namespace setting).
for i in $(seq 1 "$nodes"); do
	ns=$(node_ns "$i")
	ip netns add "$ns"
	ip link add "$(node_veth "$i")" type veth peer name eth0 netns "$ns"
	ip link set "$(node_veth "$i")" master "$lab_bridge" up
	ip -n "$ns" addr add "$(node_ip "$i")/24" dev eth0
	ip -n "$ns" link set eth0 up
	ip -n "$ns" link set lo up
	ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1
	echo "  $(node_name "$i"): namespace $ns, eth0 $(node_ip "$i")/24"
done

# 4. The control plane on the host, listening on the lab bridge, each
#    component with its own certificate from the lab's CA.
lab_pki
start_component apiserver
printf '  waiting for the apiserver at %s ' "$server"
for i in $(seq 1 100); do
	kctl version >/dev/null 2>&1 && break
	[ "$i" = 100 ] && { echo; false; }
	printf '.'; sleep 0.1
done
echo "ready"
start_component scheduler
start_component controller
#    One bootstrap token for the nodes to join with, as `kubeadm token
#    create` makes it; the controller approves and signs what they ask for.
join_token

# 5. A kubelet and a proxy per node, inside the node's namespace: their
#    netlink and iptables act there, the kubelet's Docker socket is the
#    host's. Each kubelet joins with the token and the CA's hash
#    (node.sh), as `kubeadm join` does: nothing of a node is made here.
docker image inspect kubelab/pause:latest kubelab/kubia:latest kubelab/kubia:v2 kubelab/toolbox:latest kubelab/dns:latest >/dev/null 2>&1 || images/build.sh
for i in $(seq 1 "$nodes"); do
	hack/lab/node.sh start "$(node_name "$i")"
done

printf '  waiting for %s nodes to be Ready ' "$nodes"
for i in $(seq 1 150); do
	ready=$(kctl get nodes --no-headers 2>/dev/null | awk '$2 == "Ready"' | wc -l)
	[ "$ready" -ge "$nodes" ] && break
	[ "$i" = 150 ] && { echo; echo "only $ready of $nodes nodes became Ready" >&2; false; }
	printf '.'; sleep 0.2
done
echo
# 6. Cluster DNS, as an add-on: pods find Services by name.
kctl apply -f addons/dns.yaml
# The default StorageClass: a claim gets a directory on its pod's node
# (under the kubelet's --root-dir, removed with the lab).
kctl apply -f addons/local-path.yaml
trap - ERR
kctl get nodes -o wide
cat <<MSG

The lab is up. kctl (and kubectl) find it, as its admin, with:
  export KUBECONFIG=$dir/admin.conf
Try:
  bin/kctl apply -f examples/replicaset.yaml -f examples/nodeport.yaml
  bin/kctl get pods -o wide                       # spread over node1..node$nodes
  nsenter --net=/run/netns/$(node_ns 1) wget -qO- http://$(node_ip $nodes):30123/   # any pod, from any node
  nsenter --net=/run/netns/$(node_ns 1) bin/kctl doctor   # node1's check-up: network mode $network (vxlan: and the tunnel's MTU)
  hack/lab/node.sh stop node2                     # NotReady after 10 s, its pods recreated elsewhere after 20 s more
  hack/lab/node.sh start node2
  bin/kctl get csr                                # each node's client and serving certificate requests
Stop it with: make lab-down
MSG
