// Package daemonset runs one pod of every DaemonSet on each node that is
// eligible for it: a log shipper, a node exporter, a network agent.
//
// # Where daemon pods go
//
// A node is eligible when it matches the template's nodeSelector and
// required node affinity, and the pod tolerates the node's NoSchedule and
// NoExecute taints (see nodes.go). Daemon pods tolerate more than their
// template says: not-ready and unreachable nodes, nodes under pressure,
// and cordoned nodes, so a node agent keeps running on a sick node and
// `kctl cordon` does not stop it. A NoSchedule taint keeps new pods away
// but lets a running one stay.
//
// The controller places its pods itself: each is created with
// spec.nodeName already set (and a required node affinity naming that
// node), so the scheduler never sees it.
//
// # What one sync does
//
// Sync(ctx, key), with key "namespace/name":
//
//  1. claims the DaemonSet's pods, adopting matching orphans and releasing
//     pods that no longer match, like the replicaset package;
//  2. per node: creates the missing pod, deletes pods on nodes that are no
//     longer eligible, deletes Failed pods (replaced on a later sync) and
//     extra pods (keeping the oldest); deletes pods of nodes that are gone;
//  3. rolls out a changed template: every pod carries the label
//     controller-revision-hash, a hash of the template it came from; pods
//     with an old hash are deleted, at most maxUnavailable (a count, or a
//     percentage of the desired pods rounded up) unavailable at a time,
//     and recreated from the new template (updateStrategy OnDelete leaves
//     them until someone deletes them; maxSurge is not implemented);
//     each template is kept as a ControllerRevision <name>-<hash>, the
//     current one numbered highest, for `kctl rollout history` and
//     `kctl rollout undo`; at most 10 unused old ones are kept
//     (history.go);
//  4. writes status (desired, current, misscheduled, ready, available,
//     unavailable and updated numbers, observedGeneration) when it changed.
//
// A DaemonSet being deleted gets step 4 only. Steps 2 and 3 wait while
// earlier creates and deletes have not shown up in the pod cache
// (controller.Expectations; the replicaset package explains why).
//
// # Wiring
//
// The caller builds shared informers for daemonsets, controllerrevisions
// and pods (each with the controller.IndexNamespace index) and nodes,
// then:
//
//	ds := daemonset.New(dsInformer, revisionInformer, podInformer, nodeInformer, controller.NewWriter(c), recorder, log)
//	dsInformer.AddHandler(ds.DaemonSetHandler())
//	revisionInformer.AddHandler(ds.RevisionHandler())
//	podInformer.AddHandler(ds.PodHandler())
//	nodeInformer.AddHandler(ds.NodeHandler())
//	// start the informers, client.WaitForSync(ctx, …), then:
//	ds.Run(ctx, workers) // blocks until ctx is done
package daemonset
