// Package client is how every kubelab component talks to the apiserver: a
// REST client for API objects, an informer that keeps a local cache of them
// up to date, a work queue of keys, and the worker loop that drains it.
// Together they make the control-loop pattern every controller, the
// scheduler and the kubelet follow.
//
// # The REST client
//
// A Client knows the apiserver's address; a ResourceClient speaks for one
// resource (pods, nodes, replicasets …) in one namespace:
//
//	c, err := client.New(client.Config{Server: "http://127.0.0.1:6443"})
//	podsResource, _ := api.Lookup("pods")
//	pods := c.Resource(podsResource).Namespace("default")
//	obj, err := pods.Get(ctx, "kubia")
//	if client.IsNotFound(err) { … }
//
// For an object already in hand, c.For(pod) picks the resource and the
// namespace from the object itself.
//
// Errors from the server are *api.Status values; IsNotFound, IsConflict,
// IsGone and friends classify them.
//
// List with ListOptions.Limit reads in pages, following the server's
// continue tokens, and returns them all. Writes sent with a context from
// WithDryRun are server-side dry runs (dryRun=All): answered, not stored.
//
// # The informer
//
// A controller should not ask the apiserver for every object on every
// decision. An informer lists the objects once, keeps them in a cache, then
// watches from the list's resourceVersion so it sees every later change:
//
//	list (RV=41)  →  cache = {a, b}         →  handlers: OnAdd(a), OnAdd(b)
//	watch ?resourceVersion=41
//	   MODIFIED a (RV=42)  →  cache = {a', b} →  OnUpdate(a, a')
//	   DELETED  b (RV=43)  →  cache = {a'}    →  OnDelete(b)
//
// When the watch breaks, or the server answers 410 Gone because RV 41 is
// older than what etcd still keeps, the informer lists again and compares
// the new list with its cache: whatever vanished in the gap is reported
// through OnDelete, so nothing is missed for good.
//
// # Handlers, keys and the queue
//
// Handlers do almost nothing: they turn an object into its key
// ("namespace/name") and add the key to a Queue. The queue holds keys, not
// objects, because control loops are level-triggered: the worker reads the
// latest state from the cache when it gets to the key, so it does not matter
// how many events led there, or whether one was missed.
//
//	pods := client.NewInformer(c.Resource(podsResource), client.ListOptions{}, log)
//	q := client.NewQueue("replicaset")
//	pods.AddHandler(client.Handler{
//		OnAdd:    func(obj api.Object) { q.Add(ownerKey(obj)) },
//		OnUpdate: func(old, new api.Object) { q.Add(ownerKey(new)) },
//		OnDelete: func(obj api.Object) { q.Add(ownerKey(obj)) },
//	})
//	go pods.Run(ctx)
//	client.WaitForSync(ctx, pods)
//
// # The worker
//
// RunWorkers takes keys off the queue and calls one sync function for each.
// A key is never synced by two workers at once; a failed sync is retried
// with a growing delay (5 ms, 10 ms, 20 ms …), a successful one resets it:
//
//	client.RunWorkers(ctx, q, 2, ctrl.sync, log)
//
//	func (ctrl *Controller) sync(ctx context.Context, key string) error {
//		obj, ok := ctrl.replicaSets.Get(key) // from the cache, shared
//		if !ok {
//			return nil // deleted meanwhile: nothing to do
//		}
//		rs := api.DeepCopy(obj.(*api.ReplicaSet)) // copy before changing
//		…
//	}
//
// A sync that must look again later (a pod waiting for its image) calls
// q.AddAfter(key, d). A key waits once, for the earliest deadline asked
// for, however often it is asked for meanwhile, as in client-go's
// delaying queue. A 409 Conflict is logged at debug level only: the cache
// was one step behind, and the retry reads the fresh object.
//
// q.Instrument(client.NewQueueMetrics(registry)) puts the queue's depth,
// adds, sync durations, errors and conflicts on /metrics, labelled with
// the queue's name.
//
// Objects handed out by an informer are shared by every reader of the
// cache. Never change one in place; take api.DeepCopy first.
//
// # Events
//
// A Recorder writes Event objects ("Scheduled", "FailedCreate" …) that
// `kctl describe` shows. Recording never blocks the caller, and repeats of
// the same event are folded into one Event with a count:
//
//	rec := client.NewRecorder(c, "scheduler", "", log)
//	rec.Run(ctx) // starts the writer goroutine and returns
//	rec.Eventf(pod, api.EventNormal, "Scheduled", "assigned %s to %s", client.KeyOf(pod), node)
package client
