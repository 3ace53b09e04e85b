#!/usr/bin/env bash
# Stops or starts one node of the lab made by hack/lab/up.sh.
#
#   hack/lab/node.sh stop node2    the node fails: its kubelet and proxy are
#                                  killed and its link to the lab bridge goes
#                                  down, so its pods can no longer be reached
#   hack/lab/node.sh start node2   the link comes back and a kubelet and a
#                                  proxy start; the kubelet adopts the
#                                  containers of pods still bound to it and
#                                  removes the others
#
# The kubelet joins as kubeadm join makes a node join: on its first start
# it has only the lab's bootstrap token and the CA's hash, asks the cluster
# for its client certificate (system:node:node2) and its serving
# certificate by CertificateSigningRequests, and writes its kubeconfig,
# $dir/node2/kubelet.conf; the keys never leave the node's root dir. A
# restarted kubelet uses what it has there. The proxy is system:kube-proxy.
set -euo pipefail
cd "$(dirname "$0")/../.."
. hack/lab/common.sh
usage() { echo "usage: $0 stop|start nodeI" >&2; exit 2; }
[ $# = 2 ] || usage
verb=$1 name=$2
[[ "$name" =~ ^node([0-9]+)$ ]] || usage
i=${BASH_REMATCH[1]}
ip netns list | grep -q "^$(node_ns "$i")\b" || { echo "no namespace $(node_ns "$i"): is the lab up with that many nodes?" >&2; exit 1; }
pidfile="$dir/run/kubelet-$name.pid"
proxy_pidfile="$dir/run/proxy-$name.pid"

case $verb in
stop)
	# kill -9: a node that fails says no goodbye (SIGTERM would too, but
	# the kubelet could still answer in between).
	if [ -f "$pidfile" ] && kill -9 "$(cat "$pidfile")" 2>/dev/null; then
		echo "$name: killed its kubelet"
	fi
	# Its rules stay, as on a machine whose proxy died.
	if [ -f "$proxy_pidfile" ] && kill -9 "$(cat "$proxy_pidfile")" 2>/dev/null; then
		echo "$name: killed its proxy"
	fi
	rm -f "$pidfile" "$proxy_pidfile"
	ip link set "$(node_veth "$i")" down
	echo "$name: link to $lab_bridge down; Ready=Unknown in 10 s, its pods deleted 20 s later"
	;;
start)
	ip link set "$(node_veth "$i")" up
	mkdir -p "$dir/logs" "$dir/run"
	if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
		echo "$name: kubelet already running (pid $(cat "$pidfile"))"
	else
		# A node that joined before needs no token that is still valid:
		# its kubelet uses the kubeconfig it wrote.
		[ -f "$dir/$name/kubelet.conf" ] && [ -f "$join_file" ] || join_token
		nohup nsenter --net="/run/netns/$(node_ns "$i")" bin/kubelet --runtime docker \
			--node-name "$name" --node-ip "$(node_ip "$i")" --address "$(node_ip "$i")" --port 10250 \
			--server "$server" --bootstrap-token "$(join_field token)" --ca-cert-hash "$(join_field ca-cert-hash)" \
			--kubeconfig "$dir/$name/kubelet.conf" --root-dir "$dir/$name" --bridge "$pod_bridge" \
			--cluster-cidr "$cluster_cidr" --network-mode "$(lab_network)" \
			--pod-egress "$pod_egress" --cluster-dns "$cluster_dns" \
			>>"$dir/logs/kubelet-$name.log" 2>&1 &
		echo $! >"$pidfile"
		echo "  started kubelet of $name in $(node_ns "$i") (pid $!, network mode $(lab_network)), log: $dir/logs/kubelet-$name.log"
	fi
	# The proxy's rules go into the node's namespace only, as the
	# kubelet's do; /healthz and /metrics on the node's address. Every
	# node's proxy shares proxy.conf (system:kube-proxy), which kubeadm init
	# wrote on the host: kubeadm's kube-proxy is a DaemonSet whose pods use
	# a ServiceAccount token instead, which needs no file at all.
	if [ -f "$proxy_pidfile" ] && kill -0 "$(cat "$proxy_pidfile")" 2>/dev/null; then
		echo "$name: proxy already running (pid $(cat "$proxy_pidfile"))"
	else
		nohup nsenter --net="/run/netns/$(node_ns "$i")" bin/proxy --kubeconfig "$dir/proxy.conf" \
			--node-name "$name" --node-ip "$(node_ip "$i")" --cluster-cidr "$cluster_cidr" \
			--listen "$(node_ip "$i"):10256" --pod-egress "$pod_egress" \
			>>"$dir/logs/proxy-$name.log" 2>&1 &
		echo $! >"$proxy_pidfile"
		echo "  started proxy of $name in $(node_ns "$i") (pid $!), log: $dir/logs/proxy-$name.log"
	fi
	;;
*) usage ;;
esac
