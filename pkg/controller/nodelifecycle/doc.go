// Package nodelifecycle notices nodes that stop answering and moves their
// work elsewhere.
//
// Every kubelet renews its Lease (kube-node-lease/<node>) every 10 s and
// posts its Node's status (the Ready condition, with a lastHeartbeatTime)
// when something changed, or every 5 minutes. Either is a sign of life.
// This controller looks at every node every MonitorPeriod (a fraction of
// the grace period), and on every node and Lease event:
//
//	no renewal and no heartbeat seen for GracePeriod (default 40 s)
//	   → Ready=Unknown "Kubelet stopped posting node status." (nodes/status)
//	   → taints node.kubernetes.io/unreachable:NoSchedule and :NoExecute
//	   → its pods' Ready condition False, so Services stop sending them traffic
//	   → event NodeNotReady
//	the kubelet reports Ready=False itself
//	   → taints node.kubernetes.io/not-ready:NoSchedule and :NoExecute
//	Ready=True again
//	   → those taints removed
//	spec.unschedulable (kctl cordon)
//	   → taint node.kubernetes.io/unschedulable:NoSchedule, removed on uncordon
//
// The NoExecute taints evict, as Kubernetes' taint eviction does: a pod
// leaves when its tolerationSeconds for the taint run out (event
// TaintManagerEviction), so that its ReplicaSet makes a new one on
// another node. The apiserver gives every pod 300 s tolerations for
// not-ready and unreachable (DefaultTolerationSeconds admission; its
// --default-unreachable-toleration-seconds sets them for a lab); a pod
// that tolerates a taint without a limit stays; one without any
// toleration goes at once, or, under the two node-state taints, after
// EvictionTimeout.
//
// Pods of an unreachable node are deleted with gracePeriodSeconds 0: their
// kubelet will never confirm a graceful delete, and the apiserver would
// keep them Terminating for ever. Pods of a not-ready node (the kubelet
// is alive) get a normal, graceful delete. DaemonSet pods stay: they
// belong to that node (their controller gives them tolerations too).
//
// When a Node object is deleted, the pods still bound to it are left to
// the pod garbage collector (package podgc), as in Kubernetes: it deletes
// them with grace 0 once the node has stayed gone for its quarantine.
//
// # Whose clock?
//
// "Not seen to change" is measured on this controller's clock: the
// controller remembers each node's last heartbeat and renewTime and when
// it saw them change, as Kubernetes does, so a node whose clock is off by
// a minute is not declared dead. A node never seen before gets the full grace period
// from the moment this controller first sees it; a node that never
// reported at all is judged from its creationTimestamp.
//
// # Wiring
//
//	ctrl := nodelifecycle.New(nodes, pods, leases, writer, recorder, log, nodelifecycle.Options{
//		GracePeriod: 10 * time.Second, EvictionTimeout: 20 * time.Second, // lab values
//	})
//	nodes.AddHandler(ctrl.NodeHandler())
//	leases.AddHandler(ctrl.LeaseHandler()) // an informer of kube-node-lease
//	// start the informers, wait for them to sync, then
//	ctrl.Run(ctx, 1)
//
// The pods informer needs the controller.IndexNode index. The controller
// has no pod handler: the periodic check covers pods.
package nodelifecycle
