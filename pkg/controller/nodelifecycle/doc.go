// Package nodelifecycle notices nodes that stop answering and moves their
// work elsewhere.
//
// Every kubelet posts its Node's status every few seconds: the Ready
// condition with a fresh lastHeartbeatTime. This controller looks at every
// node every MonitorPeriod (a fraction of the grace period), and on every
// node event:
//
//	heartbeat not seen to change for GracePeriod (default 40 s)
//	   → Ready=Unknown "Kubelet stopped posting node status." (nodes/status)
//	   → taint node.kubernetes.io/unreachable:NoExecute      (node update)
//	   → its pods' Ready condition False, so Services stop sending them traffic
//	   → event NodeNotReady
//	the kubelet reports Ready=False itself
//	   → taint node.kubernetes.io/not-ready:NoExecute
//	Ready=True again
//	   → both taints removed
//	tainted for EvictionTimeout (default 5 min)
//	   → the node's pods are deleted (event TaintManagerEviction), so their
//	     ReplicaSets make new ones on other nodes
//
// Pods of an unreachable node are deleted with gracePeriodSeconds 0: their
// kubelet will never confirm a graceful delete, and the apiserver would
// keep them Terminating for ever. Pods of a not-ready node (the kubelet
// is alive) get a normal, graceful delete. DaemonSet pods stay: they
// belong to that node. A pod that tolerates the taint with
// tolerationSeconds is deleted after that many seconds instead; one that
// tolerates it without a limit stays.
//
// When a Node object is deleted, the pods still bound to it are left to
// the pod garbage collector (package podgc), as in Kubernetes: it deletes
// them with grace 0 once the node has stayed gone for its quarantine.
//
// # Whose clock?
//
// "Not seen to change" is measured on this controller's clock: the
// controller remembers each node's last heartbeat and when it saw it
// change, as Kubernetes does, so a node whose clock is off by a minute is
// not declared dead. A node never seen before gets the full grace period
// from the moment this controller first sees it; a node that never
// reported at all is judged from its creationTimestamp.
//
// # Wiring
//
//	ctrl := nodelifecycle.New(nodes, pods, writer, recorder, log, nodelifecycle.Options{
//		GracePeriod: 10 * time.Second, EvictionTimeout: 20 * time.Second, // lab values
//	})
//	nodes.AddHandler(ctrl.NodeHandler())
//	// start the informers, wait for them to sync, then
//	ctrl.Run(ctx, 1)
//
// The pods informer needs the controller.IndexNode index. The controller
// has no pod handler: the periodic check covers pods.
package nodelifecycle
