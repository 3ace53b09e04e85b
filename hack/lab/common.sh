# Shared by hack/lab/*.sh: where the lab keeps its state and which
# addresses it uses. Sourced, not run.
#
# Node addresses come from 198.51.100.0/24 (TEST-NET-2, RFC 5737: for
# documentation, never routed on the internet): the host is .1 on the lab
# bridge, node i is .(10+i).
dir="${KUBELAB_DIR:-$PWD/.kubelab-lab}"
lab_bridge=klab-lab            # the host's bridge the nodes are plugged into
lab_net=198.51.100             # the nodes' /24
host_ip=$lab_net.1
api_port=6443
server="http://$host_ip:$api_port"
pod_bridge=klab0               # each node's pod bridge, inside its namespace
cluster_cidr=10.244.0.0/16     # the apiserver's --cluster-cidr
service_cidr=10.96.0.0/12      # the apiserver's --service-cluster-ip-range
lab_chain=KLAB-LAB             # host filter chain accepting traffic across the lab bridge
cluster_dns=10.96.0.10         # the kube-dns Service of addons/dns.yaml
pod_egress=deny                # EGRESS=1: pods may leave the cluster (a lab of real hosts)
[ "${EGRESS:-0}" = 1 ] && pod_egress=allow

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
		--encryption-provider-config "$dir/encryption.yaml") ;;
	scheduler) cmd=(bin/scheduler --server "$server" --listen 127.0.0.1:10359) ;;
	controller) cmd=(bin/controller --server "$server" --listen 127.0.0.1:10357
		--node-monitor-grace-period=10s --pod-eviction-timeout=20s) ;;
	*) echo "unknown component $name" >&2; return 2 ;;
	esac
	mkdir -p "$dir/logs" "$dir/run"
	nohup "${cmd[@]}" >>"$dir/logs/$name.log" 2>&1 &
	echo $! >"$dir/run/$name.pid"
	echo "  started $name (pid $!), log: $dir/logs/$name.log"
}
