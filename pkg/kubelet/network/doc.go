// Package network wires pods into one node's network, the way flannel's
// host-gw backend and the CNI bridge plugin do, in a few hundred lines.
//
// # The picture
//
//	node 1 (pod CIDR 10.244.1.0/24)                node 2 (10.244.2.0/24)
//	┌──────────────────────────────────┐           ┌─────────────────────────┐
//	│ pod A: eth0 10.244.1.2           │           │ pod B: eth0 10.244.2.2  │
//	│   │ veth pair                    │           │   │                     │
//	│ vethXXXXXXXX                     │           │ vethYYYYYYYY            │
//	│   │                              │           │   │                     │
//	│ klab0 bridge 10.244.1.1 (gateway)│           │ klab0 10.244.2.1        │
//	│ route 10.244.2.0/24 via node 2 ──┼── link ───┼─ route 10.244.1.0/24 ...│
//	└──────────────────────────────────┘           └─────────────────────────┘
//
// Every pod gets a veth pair: one end inside the pod's network namespace,
// named eth0, with the pod's IP and a default route to the bridge; the
// other end on the node, plugged into the bridge. Pods on one node talk
// across the bridge. A packet for another node's pod goes to the gateway,
// and the node routes it: in host-gw mode straight to the node that owns
// that pod CIDR (the nodes must share a layer-2 network), in VXLAN mode
// wrapped in UDP to that node (see vxlan.go). No NAT between pods.
//
// # Using it
//
//	n, err := network.New(network.Config{NodeName: "node1",
//		PodCIDR: "10.244.1.0/24", NodeIP: "192.168.56.11"})
//	defer n.Close()
//	err = n.Init(ctx)                              // bridge, sysctls, iptables; repeat freely
//	veth, err := n.SetupPod(ctx, uid, ip, sandboxPID) // after the sandbox started
//	err = n.SyncRoutes(ctx, peers)                  // whenever the Node list changes
//	err = n.TeardownPod(ctx, uid)                   // before removing the sandbox
//	err = n.Cleanup(ctx)                            // `make down`
//	for _, f := range n.Checks(ctx) { fmt.Println(f) } // judged by pkg/nodecheck
//
// The kubelet drives it as a runtime.PodNetwork (package kubelet/runtime,
// which is all of the kubelet this package imports), through the
// PodNetwork wrapper (kubelet.go), which speaks that package's types.
//
// The caller allocates pod IPs (the kubelet's IPAM does) and passes the
// pod's UID as podKey; the host veth's name is derived from it
// (HostVethName), so nothing needs remembering across restarts. Every
// method converges: calling it twice does what calling it once did, so a
// kubelet that restarts simply calls them again.
//
// # Namespaces
//
// Everything happens in the node's network namespace, Config.NodeNetNS,
// which need not be the one the process runs in: netlink requests go
// through a handle opened in that namespace (netlink.NewHandleAt), and the
// two things netlink cannot do, iptables and /proc/sys settings, run on an
// OS thread that entered the namespace (inNetNS). That is how one host
// simulates several nodes, each a namespace, and how the tests run without
// touching the host's own network.
//
// # What it leaves on a node
//
//   - the bridge klab0, and a veth per pod;
//   - net.ipv4.ip_forward=1 and, if br_netfilter is loaded,
//     net.bridge.bridge-nf-call-iptables=1;
//   - the filter chain KLAB-FORWARD, jumped to from FORWARD, accepting pod
//     traffic (Docker's FORWARD policy is DROP). With egress denied (the
//     default) it accepts only what stays inside the cluster: pods, the
//     other nodes' addresses, and service traffic the proxy rewrote to an
//     endpoint; anything else a pod sends is refused by one REJECT rule
//     whose counter `kctl doctor` shows. With egress allowed it accepts all
//     pod traffic, and the nat chain KLAB-POSTROUTING masquerades what
//     leaves the cluster CIDR;
//   - routes to the other nodes' pod CIDRs, marked "proto 75";
//   - in VXLAN mode, the device klab.vxlan with an FDB and a neighbour
//     entry per peer.
//
// Cleanup removes all of it except the kernel settings.
//
// Where Kubernetes does more: the kubelet calls a CNI plugin binary through
// a container runtime instead of wiring pods itself, and flannel runs as a
// DaemonSet that leases subnets and publishes VTEP MACs in annotations.
package network
