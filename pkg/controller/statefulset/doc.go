// Package statefulset runs the pods of StatefulSets: pods that are not
// interchangeable, for databases and other members of a cluster that
// know each other by name and keep their data across restarts.
//
// # Identity
//
// A StatefulSet web with three replicas runs web-0, web-1 and web-2. Each
// pod's hostname is its name and its subdomain the set's serviceName, so
// that through a headless Service of that name the cluster DNS answers
// web-0.web.default.svc.cluster.local with that one pod's address. Each
// pod has the labels statefulset.kubernetes.io/pod-name (to select one
// pod), apps.kubernetes.io/pod-index and controller-revision-hash.
// Each volumeClaimTemplate, say data, gives each pod a
// PersistentVolumeClaim of its own, data-web-0, created before the pod
// and kept when the pod goes (identity.go, claims.go). A replaced pod
// comes back under its name, to its claims.
//
// # Order
//
// Under podManagementPolicy OrderedReady (the default), web-1 is created
// only once web-0 is Running and Ready, a scale-down deletes web-2
// before web-1, one at a time, and a pod that is not healthy stops both.
// Parallel creates and deletes all at once (replicas.go).
//
// # Updates
//
// Each template is kept as a ControllerRevision, as for a DaemonSet
// (pkg/controller/history.go); pods carry the name of theirs. Under
// updateStrategy RollingUpdate, the pod of the highest ordinal that runs
// an old revision is deleted, made again from the new one, and must be
// ready before the next one down goes. Only ordinals at or above
// rollingUpdate.partition are updated: a partition lets a new template
// be tried on the top pods first. Under OnDelete, old pods stay until
// someone deletes them (revisions.go).
//
// # What one sync does
//
// Sync(ctx, key), with key "namespace/name", claims the set's pods (the
// same rules as the replicaset package), syncs its revisions, makes the
// next step towards the desired pods, writes status and prunes old
// revisions. A sync reads everything from the caches: a controller that
// restarts in the middle of an update finds where it was from the pods'
// labels and goes on.
//
// # Wiring
//
// The caller builds shared informers for statefulsets, controllerrevisions
// and pods (each with the controller.IndexNamespace index) and
// persistentvolumeclaims, then:
//
//	sts := statefulset.New(setInformer, revisionInformer, podInformer, claimInformer, controller.NewWriter(c), recorder, log)
//	setInformer.AddHandler(sts.StatefulSetHandler())
//	revisionInformer.AddHandler(sts.RevisionHandler())
//	podInformer.AddHandler(sts.PodHandler())
//	// start the informers, client.WaitForSync(ctx, …), then:
//	sts.Run(ctx, workers) // blocks until ctx is done
package statefulset
