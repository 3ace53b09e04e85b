// Package controller holds what every reconciler shares: the small
// interfaces a reconciler reads and writes through, and the adapter that
// backs them with the REST client. Each reconciler lives in a package of
// its own below this one (replicaset, daemonset, endpoints,
// nodelifecycle, garbagecollector, podgc), with one sync(ctx, key)
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
// the record of writes in flight (expectations.go).
//
// Tests give a reconciler the fakes of package controllertest and compare
// the recorded writes with the expected ones: no apiserver, no etcd.
package controller
