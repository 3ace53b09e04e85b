#!/usr/bin/env bash
# Starts a kubelab cluster on this machine, in the background: the
# apiserver (embedded etcd), the scheduler, the controller manager and the
# node agents, each with its own identity from the cluster's CA. State,
# certificates and logs live in .kubelab/ (override with KUBELAB_DIR):
# .kubelab/admin.conf is the admin's kubeconfig, which kctl (and kubectl)
# read.
#
#   hack/up.sh                   one real node running pods on Docker when run
#                                as root with Docker reachable, else simulated
#   NODES=3 hack/up.sh           three simulated nodes (kubelet --runtime=fake)
#   RUNTIME=docker hack/up.sh    insist on the real node
#   EGRESS=1 hack/up.sh          let pods reach addresses outside the cluster
#                                (masqueraded); by default they cannot
#   PROXY_MODE=nftables hack/up.sh
#                                the node's proxy writes an nftables table instead
#                                of iptables chains (default: the proxy's choice)
#   DASHBOARD_LISTEN=127.0.0.1:9090 hack/up.sh
#                                serve the web dashboard there (default 127.0.0.1:8080)
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${KUBELAB_DIR:-$PWD/.kubelab}"
addr="${KUBELAB_LISTEN:-127.0.0.1:6443}"
server="https://$addr"
nodes="${NODES:-1}"
dashboard_addr="${DASHBOARD_LISTEN:-127.0.0.1:8080}"
runtime="${RUNTIME:-auto}"
egress=deny
[ "${EGRESS:-0}" = 1 ] && egress=allow
proxy_mode=()
[ -n "${PROXY_MODE:-}" ] && proxy_mode=(--mode "$PROXY_MODE")
cluster_dns=10.96.0.10 # the kube-dns Service of addons/dns.yaml
if [ "$runtime" = auto ]; then
	runtime=fake
	if [ "$nodes" = 1 ] && [ "$(id -u)" = 0 ] && docker info >/dev/null 2>&1; then runtime=docker; fi
	echo "runtime: $runtime (RUNTIME=docker or RUNTIME=fake to choose)"
fi
if [ "$runtime" = docker ]; then
	# A real node wires networks and iptables, and runs pods on Docker.
	[ "$(id -u)" = 0 ] || { echo "a Docker node needs root (sudo make up), or use NODES=3 for simulated nodes" >&2; exit 1; }
	docker info >/dev/null 2>&1 || { echo "Docker is not reachable (is dockerd running? DOCKER_HOST?); NODES=3 runs simulated nodes without it" >&2; exit 1; }
	command -v iptables >/dev/null || { echo "the iptables command is missing: apt-get install iptables" >&2; exit 1; }
	command -v ip >/dev/null || { echo "the ip command is missing: apt-get install iproute2" >&2; exit 1; }
	# The toolbox image (the examples' shell in a pod) is Debian's static busybox.
	if ! docker image inspect kubelab/toolbox:latest >/dev/null 2>&1 && ! ldd "$(command -v busybox || echo /nonexistent)" 2>&1 | grep -q "not a dynamic"; then
		echo "the toolbox image needs Debian's static busybox: apt-get install busybox-static" >&2; exit 1
	fi
fi
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

for b in apiserver scheduler controller kubelet proxy kctl kubeadm dashboard; do
	[ -x "bin/$b" ] || { echo "bin/$b is missing: run 'make build' first" >&2; exit 1; }
done
echo "starting kubelab in $dir"
# The cluster CA, the apiserver's certificate and a kubeconfig for each
# component and the admin, as kubeadm init lays them out; kept if present.
bin/kubeadm init --dir "$dir" --server "$server" | sed 's/^/  /'
kctl() { bin/kctl --kubeconfig "$dir/admin.conf" "$@"; }
hack/encryption-config.sh "$dir/encryption.yaml" # Secrets are encrypted in etcd
start apiserver bin/apiserver --listen "$addr" --data-dir "$dir/etcd" \
	--tls-cert-file "$dir/pki/apiserver.crt" --tls-private-key-file "$dir/pki/apiserver.key" \
	--client-ca-file "$dir/pki/ca.crt" --encryption-provider-config "$dir/encryption.yaml" \
	--kubelet-client-certificate "$dir/pki/apiserver-kubelet-client.crt" --kubelet-client-key "$dir/pki/apiserver-kubelet-client.key" \
	--kubelet-certificate-authority "$dir/pki/ca.crt" --service-account-signing-key-file "$dir/pki/sa.key"
printf '  waiting for the apiserver at %s ' "$server"
for i in $(seq 1 100); do
	kctl version >/dev/null 2>&1 && break
	if [ "$i" = 100 ]; then
		echo; echo "the apiserver did not come up; last lines of its log:" >&2
		tail -n 20 "$dir/logs/apiserver.log" >&2
		exit 1
	fi
	printf '.'; sleep 0.1
done
echo "ready"

start scheduler bin/scheduler --kubeconfig "$dir/scheduler.conf" --listen 127.0.0.1:10259
start controller bin/controller --kubeconfig "$dir/controller-manager.conf" --listen 127.0.0.1:10257 \
	--cluster-signing-cert-file "$dir/pki/ca.crt" --cluster-signing-key-file "$dir/pki/ca.key"
# The dashboard reads as its own user, whose ClusterRole lets it read what
# it shows; viewers act as themselves (pkg/dashboard/doc.go).
[ -f "$dir/dashboard.conf" ] || bin/kubeadm kubeconfig user --dir "$dir" --server "$server" \
	--client-name kubelab-dashboard --out "$dir/dashboard.conf"
bin/dashboard rbac | kctl apply -f - >/dev/null
start dashboard bin/dashboard --kubeconfig "$dir/dashboard.conf" --listen "$dashboard_addr"
echo "http://$dashboard_addr" >"$dir/dashboard.url" # for kctl dashboard
# node_identity NAME sets kubelet_id to the kubelet's flags for its
# identity: a kubeconfig as system:node:NAME, and a serving certificate for
# NAME, which the apiserver checks before it forwards logs and exec to it.
node_identity() {
	[ -f "$dir/kubelet-$1.conf" ] || bin/kubeadm kubeconfig user --dir "$dir" --server "$server" \
		--client-name "system:node:$1" --org system:nodes --out "$dir/kubelet-$1.conf"
	[ -f "$dir/pki/kubelet-$1.crt" ] || bin/kubeadm certs kubelet --dir "$dir" --node-name "$1" --hosts 127.0.0.1 >/dev/null
	kubelet_id=(--kubeconfig "$dir/kubelet-$1.conf" --tls-cert-file "$dir/pki/kubelet-$1.crt" --tls-private-key-file "$dir/pki/kubelet-$1.key")
}
if [ "$runtime" = docker ]; then
	# Nothing of the lab may leave the machine: unreachable routes for the
	# whole pod and service ranges (the node's own pod /24 on its bridge is
	# more specific and still works). make down removes them.
	for cidr in 10.244.0.0/16 10.96.0.0/12; do
		ip route replace unreachable "$cidr"
	done
	echo "docker" >"$dir/run/runtime"
	docker image inspect kubelab/pause:latest kubelab/kubia:latest kubelab/kubia:v2 kubelab/dns:latest kubelab/toolbox:latest >/dev/null 2>&1 || images/build.sh
	node=$(hostname | tr '[:upper:]' '[:lower:]')
	node_identity "$node"
	start kubelet-node1 bin/kubelet "${kubelet_id[@]}" --runtime docker --node-name "$node" \
		--node-ip 127.0.0.1 --port 10250 --root-dir "$dir/kubelet" --pod-egress "$egress" --cluster-dns "$cluster_dns"
	# Service IPs and NodePorts of this node. The proxy turns on
	# route_localnet (node ports answer on 127.0.0.1, and pods reach the
	# apiserver there through the kubernetes Service); make down puts back
	# the value it had.
	[ -f "$dir/run/route_localnet" ] || sysctl -n net.ipv4.conf.all.route_localnet >"$dir/run/route_localnet"
	start proxy bin/proxy --kubeconfig "$dir/proxy.conf" --node-name "$node" --listen 127.0.0.1:10256 --pod-egress "$egress" "${proxy_mode[@]}"
else
	for i in $(seq 1 "$nodes"); do
		node_identity "sim-$i"
		start "kubelet-sim-$i" bin/kubelet "${kubelet_id[@]}" --runtime fake --node-name "sim-$i" \
			--port $((10250 + i)) --root-dir "$dir/kubelet-sim-$i" --cpu 4 --memory 8Gi
	done
fi

printf '  waiting for the nodes '
for _ in $(seq 1 100); do
	ready=$(kctl get nodes --no-headers 2>/dev/null | awk '$2 ~ /^Ready/' | wc -l)
	[ "$ready" -ge 1 ] && break
	printf '.'; sleep 0.2
done
echo
if [ "$runtime" = docker ]; then
	# A connection this machine opens to a ClusterIP needs a route before
	# the proxy's DNAT can rewrite it; an unreachable route fails at once.
	# Route the service range into the node's pod bridge instead: it leads
	# only to this node's pods, so a service packet still cannot leave.
	for _ in $(seq 1 50); do ip link show klab0 >/dev/null 2>&1 && break; sleep 0.1; done
	ip route replace 10.96.0.0/12 dev klab0
	# Cluster DNS, as an add-on: pods find Services by name.
	kctl apply -f addons/dns.yaml
	echo "pod egress: $egress (EGRESS=1 make up lets pods reach addresses outside the cluster)"
fi
# The default StorageClass: a claim gets a directory on its pod's node.
kctl apply -f addons/local-path.yaml
kctl get nodes
cat <<MSG

kubelab is up. The dashboard: http://$dashboard_addr (bin/kctl dashboard opens it). Try:
  bin/kctl apply -f examples/replicaset.yaml
  bin/kctl get pods -o wide
  bin/kctl describe pod <name>      # the Scheduling table says why each node was or was not chosen
  bin/kctl apply -f examples/service.yaml && curl http://\$(bin/kctl get svc kubia -o jsonpath='{.spec.clusterIP}')/   # with RUNTIME=docker
  bin/kctl apply -f examples/toolbox.yaml && bin/kctl exec toolbox -- nslookup kubia   # cluster DNS
Stop it with: make down
MSG
