// Package replicaset keeps a number of identical pods running for every
// ReplicaSet (apps/v1) and every ReplicationController (v1).
//
// The two kinds do the same job and differ only in their selector
// (matchLabels and matchExpressions for a ReplicaSet, an equality map for
// a ReplicationController), so one Controller reconciles both. Its queue
// keys name the kind first:
//
//	replicasets/default/web
//	replicationcontrollers/default/kubia
//
// # What one sync does
//
// Sync(ctx, key) reads the owner and the pods of its namespace from the
// caches and:
//
//  1. claims pods: those whose controller owner reference is this owner's
//     and whose labels it still selects; a matching orphan is adopted and a
//     pod that no longer matches is released, each with a strategic merge
//     patch of metadata.ownerReferences (see controller.ClaimPods);
//  2. counts the active ones (not being deleted, not Succeeded or Failed)
//     and creates the missing ones from the template (generateName
//     "<owner>-", the template's labels, a controller owner reference) or
//     deletes the surplus, unscheduled, pending, not-ready and newest pods
//     first (see manage.go);
//  3. writes status (replicas, fullyLabeledReplicas, readyReplicas,
//     availableReplicas, observedGeneration) when it changed.
//
// An owner being deleted gets step 3 only; its pods belong to the garbage
// collector. The scale subresource needs nothing here: it changes
// spec.replicas, which the next sync reads.
//
// # Expectations
//
// After creating 3 pods, the next sync may run before the pod informer
// has seen them, count 0, and create 3 more. So before writing, a sync
// records the creations and deletions it is about to make
// (controller.Expectations); the pod handler crosses them off as the
// informer reports them; and while any are outstanding (at most
// controller.ExpectationsTimeout), syncs skip step 2.
//
// # Wiring
//
// The caller builds shared informers for pods (with the
// controller.IndexNamespace index), replicasets and
// replicationcontrollers (each with controller.IndexNamespace), then:
//
//	rs := replicaset.New(rsInformer, rcInformer, podInformer, controller.NewWriter(c), recorder, log)
//	rsInformer.AddHandler(rs.ReplicaSetHandler())
//	rcInformer.AddHandler(rs.ReplicationControllerHandler())
//	podInformer.AddHandler(rs.PodHandler())
//	// start the informers, client.WaitForSync(ctx, …), then:
//	rs.Run(ctx, workers) // blocks until ctx is done
//
// To serve only one kind, pass a literal nil for the other lister (not a
// nil *client.Informer, which is a non-nil interface) and leave out its
// handler.
package replicaset
