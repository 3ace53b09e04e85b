# Shared by hack/lab/*.sh: where the lab keeps its state and which
# addresses it uses. Sourced, not run.
#
# The apiserver serves HTTPS on the lab bridge; the lab's CA, certificates
# and kubeconfigs are in $dir as kubeadm init lays them out (pki/,
# admin.conf, scheduler.conf, controller-manager.conf, proxy.conf), and
# each component uses its own. The nodes join as kubeadm join makes them:
# with a bootstrap token ($join_file) and the CA's hash, each kubelet asks
# the cluster for its certificates and writes its own kubeconfig,
# $dir/nodeI/kubelet.conf. No node key is made on the host.
#
# Node addresses come from 198.51.100.0/24 (TEST-NET-2, RFC 5737: for
# documentation, never routed on the internet): the host is .1 on the lab
# bridge, node i is .(10+i).
dir="${KUBELAB_DIR:-$PWD/.kubelab-lab}"
lab_bridge=klab-lab            # the host's bridge the nodes are plugged into
lab_net=198.51.100             # the nodes' /24
host_ip=$lab_net.1
api_port=6443
server="https://$host_ip:$api_port"
pod_bridge=klab0               # each node's pod bridge, inside its namespace
cluster_cidr=10.244.0.0/16     # the apiserver's --cluster-cidr
service_cidr=10.96.0.0/12      # the apiserver's --service-cluster-ip-range
lab_chain=KLAB-LAB             # host filter chain accepting traffic across the lab bridge
cluster_dns=10.96.0.10         # the kube-dns Service of addons/dns.yaml
pod_egress=deny                # EGRESS=1: pods may leave the cluster (a lab of real hosts)
[ "${EGRESS:-0}" = 1 ] && pod_egress=allow
vxlan_dev=klab.vxlan           # each node's VXLAN device in vxlan mode (the kubelet's default name)

# How pod traffic crosses nodes, the kubelet's --network-mode: host-gw
# (routed via the other node's address; the nodes share the lab bridge)
# or vxlan (wrapped in UDP 8472 between node addresses, as between VMs on
# different networks). up.sh takes NETWORK=host-gw|vxlan and records it,
# so that node.sh restarts a node in the mode the lab has.
lab_network() {
	cat "$dir/run/network" 2>/dev/null || echo host-gw
}

node_name() { echo "node$1"; }
node_ns()   { echo "klab-node$1"; }
node_ip()   { echo "$lab_net.$((10 + $1))"; }
node_veth() { echo "klab-h$1"; }   # the host end of node i's link to the lab bridge

# The nodes the lab has: the recorded count, else the namespaces that exist
# (down.sh must also clean up after an up.sh that failed half-way).
lab_nodes() {
	local n=0
	[ -f "$dir/run/nodes" ] && n=$(cat "$dir/run/nodes")
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep '^klab-node[0-9]*$'); do
		i=${ns#klab-node}; [ "$i" -gt "$n" ] && n=$i
	done
	seq 1 "$n"
}

# kctl runs bin/kctl as the lab's admin.
kctl() { bin/kctl --kubeconfig "$dir/admin.conf" "$@"; }

# lab_pki writes the lab's CA, the apiserver's certificate (valid for
# $host_ip, where the nodes reach it) and the control plane's and the
# admin's kubeconfigs, as kubeadm init lays them out; kept if present.
lab_pki() {
	bin/kubeadm init --dir "$dir" --server "$server" --apiserver-cert-extra-sans "$host_ip" | sed 's/^/  /'
}

# join_file holds the bootstrap token the nodes join with and the hash of
# the lab's CA, as `kctl create token --bootstrap` prints them. 0600:
# whoever has the token can ask for a node's certificate until it expires.
join_file="$dir/join-token"

# join_token makes a bootstrap token (a Secret in kube-system, valid 24 h,
# as kubeadm's) and keeps kctl's answer in $join_file, unless the one there
# is less than 23 h old. up.sh calls it once the control plane is up;
# node.sh again for a node that joins a day later.
join_token() {
	[ -n "$(find "$join_file" -mmin -1380 2>/dev/null)" ] && return 0
	local out
	out=$(kctl create token --bootstrap --ttl 24h --description "kubelab lab nodes") || return 1
	(umask 077 && echo "$out" >"$join_file.tmp") && mv "$join_file.tmp" "$join_file"
	if [ -z "$(join_field token)" ] || [ -z "$(join_field ca-cert-hash)" ]; then
		echo "no token or ca-cert-hash in the answer of kctl create token --bootstrap:" >&2
		echo "$out" >&2
		rm -f "$join_file"
		return 1
	fi
	echo "  bootstrap token $(join_field token | cut -d. -f1).<secret> made, for the nodes to join with ($join_file)"
}

# join_field token|ca-cert-hash prints that line's value from $join_file.
join_field() { awk -v k="$1:" '$1 == k { print $2 }' "$join_file"; }

# kubelet_in NODE ARGS... runs bin/kubelet in node i's network namespace
# only. nsenter --net rather than `ip netns exec`: ip netns exec also gives
# the process a mount namespace of its own, and the kubelet's tmpfs mounts
# (emptyDir medium Memory) must land in the host's, where dockerd looks.
kubelet_in() {
	local i=$1; shift
	nsenter --net="/run/netns/$(node_ns "$i")" bin/kubelet "$@"
}

# start_component NAME starts a control-plane program in the background,
# as up.sh does and as hack/lab/control.sh does after a kill.
start_component() {
	local name=$1
	local -a cmd
	case $name in
	apiserver) hack/encryption-config.sh "$dir/encryption.yaml"
		cmd=(bin/apiserver --listen "$host_ip:$api_port" --data-dir "$dir/etcd"
		--cluster-cidr "$cluster_cidr" --service-cluster-ip-range "$service_cidr"
		--tls-cert-file "$dir/pki/apiserver.crt" --tls-private-key-file "$dir/pki/apiserver.key"
		--client-ca-file "$dir/pki/ca.crt" --kubelet-certificate-authority "$dir/pki/ca.crt"
		--kubelet-client-certificate "$dir/pki/apiserver-kubelet-client.crt"
		--kubelet-client-key "$dir/pki/apiserver-kubelet-client.key"
		--service-account-signing-key-file "$dir/pki/sa.key"
		--encryption-provider-config "$dir/encryption.yaml"
		--default-not-ready-toleration-seconds=20 --default-unreachable-toleration-seconds=20) ;;
	scheduler) cmd=(bin/scheduler --kubeconfig "$dir/scheduler.conf" --listen 127.0.0.1:10359) ;;
	# The controller signs the nodes' certificate requests with the lab's CA.
	controller) cmd=(bin/controller --kubeconfig "$dir/controller-manager.conf" --listen 127.0.0.1:10357
		--cluster-signing-cert-file "$dir/pki/ca.crt" --cluster-signing-key-file "$dir/pki/ca.key"
		--node-monitor-grace-period=10s --pod-eviction-timeout=20s) ;;
	*) echo "unknown component $name" >&2; return 2 ;;
	esac
	mkdir -p "$dir/logs" "$dir/run"
	nohup "${cmd[@]}" >>"$dir/logs/$name.log" 2>&1 &
	echo $! >"$dir/run/$name.pid"
	echo "  started $name (pid $!), log: $dir/logs/$name.log"
}
