// Package lab runs kubelab end to end on the one-host lab of
// hack/lab/up.sh: the control plane on the host, three nodes as network
// namespaces klab-node1..3 on the bridge klab-lab, each a kubelet on
// Docker and a proxy. TestLab starts the lab twice, one after the other,
// once in each network mode (NETWORK=host-gw, then vxlan), and runs every
// case on each; network_test.go checks that the mode is the one asked
// for (routes, the VXLAN device, the pods' MTU, kctl doctor on a node).
// The tests drive it the way a user would, through
// the apiserver at https://198.51.100.1:6443 as the lab's admin (the
// admin.conf that up.sh has kubeadm write), kctl and `nsenter --net`.
//
// The nodes join as kubeadm join makes them: up.sh makes one bootstrap
// token, and each kubelet starts with it and the hash of the lab's CA,
// asks for its client and serving certificates by
// CertificateSigningRequests and writes its own kubeconfig. join_test.go
// checks the requests, the kubeconfigs, the certificates the kubelets
// serve with, and that a wrong token or hash is refused.
//
// They need root, a reachable Docker engine and the images of
// images/build.sh, and skip with one line saying which is missing, or
// which lab or cluster already runs here. Run them with
//
//	images/build.sh && go test ./test/lab/ -v
//
// # Network safety
//
// The lab keeps to the ranges hack/lab/common.sh gives it: nodes on
// 198.51.100.0/24 (TEST-NET-2), pods in 10.244.0.0/16 and services in
// 10.96.0.0/12, both `unreachable` in the host's namespace before any pod
// starts; the node namespaces have no default route. The tests send
// traffic only to pod IPs, cluster IPs and node addresses of the lab.
//
// The binaries are built into the repository's bin/ (the scripts run
// them from there); the lab's state lives in a temporary KUBELAB_DIR.
// Passed or failed, hack/lab/down.sh runs at the end, and the test fails
// unless its check finds nothing left: no containers labelled with a lab
// node, no klab-node namespaces, no klab-lab bridge or klab-h veths, no
// lab routes, no klab.vxlan device, no KLAB chains in the host's iptables.
package lab
