// Package garbagecollector deletes what nobody owns any more, and empties
// namespaces that are being deleted.
//
// # Owners and dependents
//
// A ReplicaSet's pods carry an ownerReference to it (kind, name, UID).
// What happens to them when the ReplicaSet is deleted depends on the
// propagationPolicy of the DELETE (kctl delete --cascade=…):
//
//	Background  the apiserver removes the owner at once; the collector
//	            then finds dependents whose owner is gone and deletes them.
//	Orphan      the apiserver keeps the owner, marked for deletion, with the
//	            finalizer "orphan". The collector removes the owner's
//	            reference from every dependent, then the finalizer; the
//	            apiserver then removes the owner. The pods live on, unowned.
//	Foreground  the apiserver keeps the owner with the finalizer
//	            "foregroundDeletion". The collector deletes every dependent,
//	            waits until none is left, then removes the finalizer.
//
// "Owner is gone" means: no object of that kind and name with that UID
// (a new ReplicaSet of the same name is a different owner). A cache can be
// behind: the pod informer may show a new pod before the ReplicaSet
// informer shows its new ReplicaSet. So an owner missing from the cache
// is looked up on the apiserver itself before anything is deleted.
//
// Dependents with several owners lose only the references to owners that
// are gone; they are deleted when the last owner is gone. A kind the
// apiserver does not serve is never judged gone.
//
// Kubernetes keeps a graph of every object and its owners
// (pkg/controller/garbagecollector/graph_builder.go); here the informer
// caches with their owner index are the graph. Kubernetes also waits, in
// Foreground, only for dependents with blockOwnerDeletion, and deletes
// them in the foreground too; kubelab waits for every dependent and
// deletes them in the background.
//
// # Namespaces
//
// Deleting a Namespace makes it Terminating and leaves the finalizer
// "kubernetes" in its spec. The collector deletes every namespaced object
// in it (pods with their normal grace period, so their kubelets stop them
// cleanly), waits until a listing shows none left, confirms that with
// lists from the apiserver itself, and then clears spec.finalizers with
// PUT /api/v1/namespaces/{name}/finalize; the apiserver removes the
// Namespace. One DeletingContent event announces the first batch of
// deletions, and only one: see announcedSet for the loop a per-pass event
// made when emptying "default". Pods whose node never existed would hold a
// namespace for ever; the pod garbage collector (package podgc) deletes
// them.
//
// # Keys and wiring
//
// Queue keys name the resource: "pods/default/web-x7k2p",
// "replicasets/default/web", "namespaces/shop". The caller hands New the
// caches of the kinds to watch, as owners and as dependents, by resource
// name; each informer needs the controller.IndexOwner and
// controller.IndexNamespace indexes:
//
//	objects := map[string]controller.Lister{
//		"pods": pods, "replicasets": replicaSets,
//		"replicationcontrollers": rcs, "daemonsets": daemonSets,
//	}
//	gc := garbagecollector.New(objects, namespaces, writer,
//		garbagecollector.NewLiveClient(c), recorder, log)
//	pods.AddHandler(gc.Handler("pods"))
//	replicaSets.AddHandler(gc.Handler("replicasets"))
//	… one Handler per entry of objects …
//	namespaces.AddHandler(gc.NamespaceHandler())
//	// start the informers, wait for them to sync, then
//	gc.Run(ctx, 2)
//
// Every owner kind should be in objects: an owner of a kind without a
// cache costs a GET on the apiserver each time one of its dependents is
// checked. Namespaced kinds without a cache are listed from the apiserver
// when a namespace is emptied; any extra cache the caller has (services,
// endpoints…) may be added to objects to spare those lists.
package garbagecollector
