// Package podgc is the pod garbage collector: it deletes the pods that
// nothing else will ever delete, as Kubernetes' pkg/controller/podgc does.
//
// # Pods of a node that does not exist
//
// A pod bound to a node is removed only when that node's kubelet confirms
// its containers are gone: a DELETE just marks it Terminating. A pod bound
// to a node that was deleted, or that never existed (spec.nodeName set by
// hand, with a typo), has no kubelet to confirm anything; it would stay
// Terminating for ever, and hold its namespace's deletion with it. So:
//
//	a pod is bound to node X, and X is not in the nodes cache
//	   → X is quarantined: a node that is registering may not be in the
//	     cache yet (default 40 s, as Kubernetes)
//	X still missing after the quarantine
//	   → the apiserver itself is asked for X (the cache may be behind)
//	X is not found there either
//	   → every pod bound to X is deleted with gracePeriodSeconds 0 and a
//	     UID precondition, and gets a DeletionByPodGC event
//
// # Terminated pods
//
// Pods that have finished (Succeeded or Failed) stay until someone
// deletes them, so that their status and logs can be read. Past
// TerminatedThreshold of them (Kubernetes' --terminated-pod-gc-threshold,
// 12500 by default) the oldest are deleted: evicted pods first, then by
// creation time. A threshold of 0 or less turns this off.
//
// Kubernetes' collector also force-deletes unbound pods being deleted
// (kubelab's apiserver removes those at once) and pods of out-of-service
// nodes, and marks a pod Failed with a DisruptionTarget condition before
// deleting it; kubelab's does neither.
//
// # Keys and wiring
//
// The queue holds "nodes/<name>" (look at the pods bound to that node) and
// "terminated" (count the terminated pods). Sync takes either.
//
//	gc := podgc.New(pods, nodes, c.Resource(nodesResource), writer, recorder, log,
//		podgc.Options{TerminatedThreshold: podgc.DefaultTerminatedThreshold})
//	pods.AddHandler(gc.PodHandler())
//	nodes.AddHandler(gc.NodeHandler())
//	// start the informers, wait for them to sync, then
//	gc.Run(ctx, 1)
//
// The pods informer needs the controller.IndexNode index.
package podgc
