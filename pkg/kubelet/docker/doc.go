// Package docker is the kubelet's container runtime on a real node: it
// implements runtime.Runtime (package kubelet/runtime, which is all of the
// kubelet it imports) by driving a Docker Engine through its API
// (github.com/moby/moby/client), as the kubelet's dockershim once did.
//
// A pod becomes a handful of ordinary Docker containers:
//
//	klab_n1_default_web_POD_0_3f2a9c1e   kubelab/pause, network none: holds the pod's namespaces
//	klab_n1_default_web_app_0_3f2a9c1e   --network container:<sandbox> --ipc container:<sandbox>
//	klab_n1_default_web_app_1_3f2a9c1e   the same container after one restart
//
// The sandbox runs the pause image and nothing else. Its network mode is
// "none", so it has only a loopback device; the kubelet then gives it an
// eth0 with netlink, entering the namespace through the sandbox's process
// (SandboxPID). The app containers join the sandbox's network and IPC
// namespaces, which is why the containers of one pod reach each other on
// 127.0.0.1 and keep the pod's IP when they restart. A pod with
// hostNetwork gets a sandbox in the node's own network namespace instead,
// and the kubelet wires nothing (see HostNetwork).
//
// Docker remembers everything the kubelet needs to know: each container
// carries the labels of runtime.ContainerLabels (node, pod, container
// name, restart attempt, pod IP), so ListContainers can tell whose each
// container is (runtime.ContainerFromLabels), also after the kubelet
// restarted and forgot. Containers of other nodes sharing the engine
// (simulated nodes) carry another node label and are left alone.
//
// Volumes are directories on the node bind-mounted into the containers:
// an emptyDir is <root>/pods/<pod uid>/volumes/<name> (a tmpfs mounted
// there for medium Memory), shared by every container of the pod that
// mounts it; a hostPath is the node's path itself; a projected volume
// (the pod's ServiceAccount token, CA and namespace, say) is a directory
// the kubelet filled and keeps up to date, named in the ContainerConfig's
// VolumeDirs, and always mounted read-only; a persistentVolumeClaim is
// the path of the claim's bound volume, which the kubelet found and
// checked, also in VolumeDirs, read-only only if the pod says so. The
// kubelet calls RemovePodDirs once a pod's containers are all removed;
// it never touches a PersistentVolume's path, whose data outlives pods.
//
// Name lookups go where the pod's dnsPolicy says: the kubelet works out
// the pod's resolv.conf, and the runtime writes it to
// <root>/pods/<pod uid>/resolv.conf and bind-mounts it read-only at
// /etc/resolv.conf in every app container, in place of Docker's copy of
// the node's.
//
// Logs and exec (`kctl logs`, `kctl exec`) go through Logs and Exec: the
// containers log with the json-file driver, so the engine can replay what
// a container wrote, also after it exited.
//
// Images are never pulled behind the kubelet's back: creating a container
// from a missing image fails, and PullImage is only called when the pod's
// imagePullPolicy says so.
package docker
