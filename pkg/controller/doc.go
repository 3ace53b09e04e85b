// Package controller holds what every reconciler shares: the small
// interfaces a reconciler reads and writes through, and the adapter that
// backs them with the REST client. Each reconciler lives in a package of
// its own below this one (replicaset, deployment, daemonset, statefulset,
// job, cronjob, endpoints, endpointslice, nodelifecycle, garbagecollector,
// podgc, pvbinder, localpath, and more), with one sync(ctx, key)
// function at its heart:
//
//	read desired state and actual state from Listers (informer caches),
//	compute the difference,
//	make the fewest writes through a Writer,
//	say what it did with an EventRecorder.
//
// The reconcilers that own pods (replicaset, daemonset) also share how
// pods are claimed by owner reference (ownership.go), their informer
// handlers (handlers.go), pod readiness and availability (pods.go), and
// the record of writes in flight (expectations.go). DaemonSets and
// StatefulSets keep their templates as ControllerRevisions (history.go);
// the endpoints and endpointslice controllers share how a Service's pods
// and ports are found (services.go).
//
// Tests give a reconciler the fakes of package controllertest and compare
// the recorded writes with the expected ones: no apiserver, no etcd.
package controller
