// Package deployment rolls a Deployment's pod template out through
// ReplicaSets, as Kubernetes' deployment controller does.
//
// A Deployment owns one ReplicaSet per pod template it has had, named
// "<deployment>-<hash>" after a hash of the template (hash.go), with the
// hash as the pod-template-hash label in its labels, selector and pod
// template. The new ReplicaSet runs the Deployment's template; the others
// are old. Changing the template starts a rollout: the new ReplicaSet is
// scaled up and the old ones down until only the new one has pods.
//
// # What one sync does
//
// Sync(ctx, "namespace/name") reads the Deployment and the ReplicaSets of
// its namespace from the caches and:
//
//  1. claims ReplicaSets: adopts matching orphans, releases those its
//     selector no longer matches (replicasets.go);
//  2. while paused, or when spec.replicas changed mid-rollout, only
//     scales (scale.go); else takes one step of the strategy:
//     RollingUpdate (rolling.go) keeps the pods asked for ≤ replicas +
//     maxSurge and the available ones ≥ replicas − maxUnavailable;
//     Recreate (recreate.go) scales every old ReplicaSet to zero, waits
//     for their pods to go, then scales the new one up;
//  3. once complete, deletes old ReplicaSets beyond
//     revisionHistoryLimit (history.go);
//  4. writes status and the Available and Progressing conditions when
//     they changed (status.go); a rollout in progress comes back at its
//     progress deadline.
//
// Revisions: the new ReplicaSet carries the deployment.kubernetes.io/revision
// annotation, one above every old one, and so does the Deployment. A
// rollback is the client's doing: it copies an old ReplicaSet's template
// back into the Deployment; that ReplicaSet is then the new one and gets
// the next revision.
//
// Pods are not read at all: a ReplicaSet's status (replicas,
// availableReplicas) is what the rollout steps on, and the ReplicaSet
// controller keeps it.
//
// # Wiring
//
// The caller builds shared informers for deployments and replicasets,
// each with the controller.IndexNamespace index, then:
//
//	dc := deployment.New(deployInformer, rsInformer, controller.NewWriter(c), recorder, log)
//	deployInformer.AddHandler(dc.DeploymentHandler())
//	rsInformer.AddHandler(dc.ReplicaSetHandler())
//	// start the informers, client.WaitForSync(ctx, …), then:
//	dc.Run(ctx, workers) // blocks until ctx is done
//
// It writes: replicasets create, update, patch (ownerReferences), delete;
// deployments patch (the revision annotation) and update of the status
// subresource; events.
package deployment
