// Package compat runs the real kubectl and a client-go program against a
// kubelab cluster, unchanged and with their default settings. It is a Go
// module of its own so that kubelab never depends on Kubernetes' client
// libraries: they are built here, at the versions go.mod pins, and talk
// to kubelab's binaries over the wire only.
//
// TestMain builds kubelab (make build, in the repository), kubectl
// (./cmd/kubectl) and the client-go program (./cmd/clientcheck), then
// starts a cluster of simulated nodes with hack/up.sh in a temporary
// KUBELAB_DIR on a free port, and stops and removes it at the end.
//
//	cd test/compat && go test ./...
//
// What simulated nodes cannot show — kubectl logs, exec (with a terminal,
// under a pty), cp and port-forward — needs a node that runs pods on
// Docker. KUBELAB_COMPAT_RUNTIME=docker starts the cluster with one, as
// `make up` does as root (its bridge, routes and chains in the host's
// network namespace, which make test therefore gives it alone):
//
//	cd test/compat && KUBELAB_COMPAT_RUNTIME=docker go test -run 'Basics|DockerNode' ./...
//
// It skips, saying why, without root or Docker, or when a kubelab node or
// lab already runs on the host.
package compat
