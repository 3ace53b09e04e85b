// Package runtime says what a container runtime and a pod network are to
// the kubelet: the Runtime interface and its optional capabilities, the
// Container it reports and the ContainerConfig it is given, the labels
// that make a container findable again, and the PodNetwork interface with
// its Peer. It holds no behaviour beyond reading and writing those labels.
//
// It is a leaf, on purpose. The kubelet (package kubelet) drives a
// runtime and a network; the Docker runtime (kubelet/docker) and the
// bridge-and-veth network (kubelet/network) implement them. All three
// import this package and the two implementations import nothing else of
// the kubelet, so the kubelet can import them and build them itself:
//
//	            ┌─▶ kubelet/docker ──┐
//	pkg/kubelet ┼─▶ kubelet/network ─┼─▶ kubelet/runtime ─▶ pkg/api, pkg/nodecheck
//	            └────────────────────┘
//
// Kubernetes draws the same line with its Container Runtime Interface
// (CRI, a gRPC API that runtimes such as containerd serve) and the
// kubelet's own pkg/kubelet/container; kubelab's is a handful of Go methods
// called in-process.
//
// # Writing a runtime
//
// A runtime implements the eight methods of Runtime, and those of
// SandboxPIDer, LogsExecer, Attacher and PodDirRemover that it can. It keeps no
// memory the kubelet relies on: it puts ContainerLabels on every container
// it makes and reads them back with ContainerFromLabels in ListContainers,
// which is how a restarted kubelet finds its pods again. Compare
// FakeRuntime (pkg/kubelet/runtime_fake.go), which keeps containers in a
// map, with the Docker runtime, which keeps them in Docker.
//
// The name hides the standard library's runtime package: a file that
// needs both imports that one as goruntime, as pkg/kubelet's host.go does.
package runtime
