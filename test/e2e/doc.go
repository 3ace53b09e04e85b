// Package e2e runs kubelab's node end to end on this host: an apiserver
// (embedded etcd) and a kubelet with the Docker runtime and the real pod
// network, both in the test process, and real pods of the images that
// images/build.sh builds.
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
//     (none are made) would get theirs from 10.198.0.0/16. Before any pod
//     starts, both get an `unreachable` route in the host's namespace, so
//     no packet for them can leave the machine; the node's own /24 is
//     reached through its bridge, whose route is more specific;
//   - the node's bridge is klabe2e0, not the klab0 of a real node, and the
//     tests skip when a real kubelab node (klab0) runs on this host, since
//     both would own the KLAB-FORWARD chain;
//   - at the end, passed or failed, the pods are deleted, every container
//     labelled with the test's node is removed, and the network's Cleanup
//     removes the bridge, the veths, the routes and the iptables chains;
//     then the unreachable routes go.
package e2e
