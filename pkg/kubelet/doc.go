// Package kubelet is kubelab's node agent. One kubelet runs on each node:
// it registers the Node, keeps its heartbeat, and runs the pods the
// scheduler bound to it, reporting their status.
//
// # A tour
//
// Start-up (kubelet.go, Run):
//
//	register the Node         node.go: capacity, labels, addresses, Ready;
//	                          the apiserver answers with spec.podCIDR
//	open the IPAM             ipam.go: pod IPs from the pod CIDR, one file each
//	set up the pod network    network.go: Options.NewNetwork builds it for the
//	                          pod CIDR; Init; routes to the other nodes' pod
//	                          CIDRs from an informer of all Nodes
//	watch pods                an informer with fieldSelector spec.nodeName=<node>,
//	                          and one of the Service default/kubernetes
//	clean up                  release IPs of pods that are gone
//	run                       pod workers, probes, relist, resync, heartbeat
//
// The pod workers (podworkers.go) are a control loop like every other in
// kubelab: a queue of pod keys, and one function, sync(ctx, key), that
// compares desired state (the pod in the informer's cache, or its absence)
// with actual state (the runtime's containers for that pod) and takes one
// step:
//
//	pod gone, containers left       stop and remove them, release the IP
//	pod being deleted               stop (grace) → tear down the network → remove →
//	                                release IP → remove its dirs → delete with grace 0
//	pod finished                    tear down the network, stop the sandbox, release the IP
//	otherwise                       start.go: sandbox, its eth0, init containers,
//	                                containers (pull policy, restart policy, back-off,
//	                                a kill after a failed liveness or startup probe)
//	then                            status.go: compute the status (with what the
//	                                probes say), write it if it changed
//
// What a container needs from outside its pod spec the kubelet works out
// before it asks the runtime to start it (runtime.ContainerConfig): its
// environment (env.go: keys of ConfigMaps and Secrets, the downward API,
// $(VAR) expansion, and KUBERNETES_SERVICE_HOST and the rest from the
// kubernetes Service, so that it finds the API) and its
// /etc/resolv.conf (dns.go: the cluster DNS, or the node's resolver, as the
// pod's dnsPolicy says, from --cluster-dns, --cluster-domain and
// --resolv-conf). Before any of the pod's containers starts, it writes
// the files of the pod's projected volumes (projected.go: the
// ServiceAccount token, tokens.go, the cluster CA and the namespace that
// client-go's in-cluster configuration reads) and of its configMap,
// secret and downwardAPI volumes (volumes_config.go, as projections of
// one source), atomically (atomicwriter.go), and keeps them up to date
// while the pod runs (every --sync-frequency). It also follows each
// persistentVolumeClaim volume to its bound PersistentVolume's directory
// and checks hostPath types (volumes_pvc.go); the directories of this
// node's deleted local-path volumes it removes itself (localpath.go).
//
// sync remembers nothing it cannot rebuild (back-off delays aside, which
// start over, as in Kubernetes): a restarted kubelet lists the runtime's
// containers, finds them by their labels, and carries on. A
// running container is adopted, never restarted; the containers of a pod
// deleted meanwhile are removed.
//
// Nothing tells the kubelet that a container exited: the relister
// (pleg.go) lists the runtime every second and queues the pods whose
// containers changed. A resync every 30 seconds queues every pod anyway,
// so nothing is missed for long. Probes (prober.go) run in goroutines of
// their own, one per probe of each running container, and queue their pod
// when a result flips.
//
// # Runtimes
//
// Everything the kubelet does to processes goes through the Runtime
// interface of package kubelet/runtime, eight methods shaped by what
// Docker needs, and three optional ones a runtime of real processes adds,
// found by type assertion: SandboxPIDer (where to wire a sandbox's eth0),
// LogsExecer (logs, exec probes), Attacher (interactive exec, attach)
// and PodDirRemover (emptyDir
// volumes). That package also says what a pod network is (PodNetwork). It
// is a leaf: the runtimes and the network import it and nothing else of
// the kubelet, so this package can build them.
//
//   - FakeRuntime (runtime_fake.go) keeps containers in memory. It is the
//     product's simulated node, `kubelet --runtime=fake`: pods report Running
//     with an IP from the node's pod CIDR, so a laptop can run many nodes
//     and watch scheduling, controllers and Services at work. Image names
//     missing/…, crash/… and complete/… simulate an absent image, a crashing
//     program and one that completes. Its containers live as long as the
//     process: a restarted simulated node starts its pods again (on the
//     same IPs, which the IPAM kept). It has no network, no probes (its
//     running containers are ready), no logs and no exec.
//   - The Docker runtime (package kubelet/docker) runs real containers.
//     For RuntimeName "docker", New builds it (dockernode.go), and sets
//     Options.NewNetwork to build package kubelet/network's
//     bridge-and-veth pod network once the node knows its pod CIDR; the
//     flags --pause-image, --cluster-cidr, --network-mode, --bridge and
//     --pod-egress shape the two. `kubelet --cleanup` (Options.Cleanup,
//     cleanup.go) removes what they left on the node. A network failure
//     is an event (FailedCreatePodSandBox, with netlink's error) and a
//     retry with the queue's back-off, never a crash.
//
// # Running several nodes in one process
//
// New and Run take Options; a test or a simulated cluster can run many
// kubelets side by side, each with its own node name, a FakeRuntime and a
// free port:
//
//	k, err := kubelet.New(kubelet.Options{Client: c, NodeName: "n1", RootDir: dir, Logger: log})
//	go k.Run(ctx)
//	fake := k.Runtime().(*kubelet.FakeRuntime)
//	fake.Exit(podUID, "app", 1, "") // the container crashes; watch the back-off
//
// # Serving
//
// The kubelet serves /healthz, /metrics (running pods and containers, pod
// start latency), and the endpoints that the apiserver proxies pods'
// log (streams.go), exec and attach (streams_remotecommand.go, over
// WebSocket or SPDY) and port-forward (streams_portforward.go) to, on
// --address:--port. The apiserver reaches it at the Node's InternalIP and
// kubeletEndpoint port. The address defaults to 127.0.0.1, so that a
// laptop does not expose it: that works on one host with --node-ip
// 127.0.0.1; on a lab of VMs give --address 0.0.0.0 (or the node's IP).
package kubelet
