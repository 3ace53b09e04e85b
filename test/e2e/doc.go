// Package e2e runs kubelab's node end to end on this host: an apiserver
// (embedded etcd) and a kubelet with the Docker runtime and the real pod
// network, both in the test process, and real pods of the images that
// images/build.sh builds.
//
// The apiserver serves HTTPS with a cluster CA the test makes in a
// temporary directory, as kubeadm init does, and each part calls it with
// its own identity: the kubelet as system:node:<node>, the proxy as
// system:kube-proxy, the controllers as system:kube-controller-manager,
// the test itself and kctl as the admin (apiserver_test.go).
//
// The tests need root and a reachable Docker engine, and skip with one
// line saying which is missing. Run them with
//
//	images/build.sh && go test ./test/e2e/ -v
//
// # Network safety
//
// The tests change this host's network, so they keep to ranges of their
// own and send traffic only to pods they made:
//
//   - pods get addresses from the cluster CIDR 10.199.0.0/16 and services
//     theirs from 10.198.0.0/16. Before any pod starts, both get an
//     `unreachable` route in the host's namespace, so no packet for them
//     can leave the machine; the node's own /24 is reached through its
//     bridge, whose route is more specific;
//   - TestProxy runs the proxy in the host's namespace. Its services take
//     cluster IPs from 10.198.7.0/24, routed to the node's bridge (the
//     node needs a route to a cluster IP before the rules rewrite it; a
//     packet they miss goes no further than the bridge), and its NodePorts
//     answer on 203.0.113.10 (TEST-NET-3), a /32 on the bridge. It skips
//     when the host already has the proxy's chains or its nftables
//     table. It runs the proxy in iptables mode, then in nftables mode;
//     after each, and at the end, it runs the proxy's cleanup and checks
//     that none of its chains, and no table ip kubelab, is left;
//   - the node's bridge is klabe2e0, not the klab0 of a real node, and the
//     tests skip when a real kubelab node (klab0), or anything else with
//     the KLAB-FORWARD chain, runs on this host, since both would own it;
//   - at the end, passed or failed, the pods are deleted, every container
//     labelled with the test's node is removed, and the network's Cleanup
//     removes the bridge, the veths, the routes and the iptables chains;
//     then the unreachable routes go.
package e2e
