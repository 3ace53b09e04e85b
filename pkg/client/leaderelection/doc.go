// Package leaderelection lets one of several copies of a component act
// while the others wait, ready to take over: the scheduler and the
// controller manager run it before they do anything, as kube-scheduler
// and kube-controller-manager do with client-go's package of the same
// name, and on the same kind of object, so that the two interoperate.
//
// The lock is a coordination.k8s.io/v1 Lease (kube-system/kube-scheduler,
// kube-system/kube-controller-manager). A candidate:
//
//	tries every RetryPeriod (2 s) to take the Lease: it may when nobody
//	   holds it, or when the record has not changed for LeaseDuration
//	   (15 s) by its own clock; it writes holderIdentity, acquireTime,
//	   renewTime, leaseDurationSeconds, and leaseTransitions+1 when the
//	   holder changes;
//	once it holds it, renews renewTime every RetryPeriod;
//	when no renewal has succeeded for RenewDeadline (10 s), gives up:
//	   OnStoppedLeading runs, and the components exit, as Kubernetes'
//	   do, so that a restarted process starts again as a candidate.
//
// Every write carries the resourceVersion it read, so two candidates
// that try at once cannot both win: the apiserver answers one of them
// 409 Conflict. RenewDeadline < LeaseDuration leaves a leader that lost
// touch with the apiserver the time to stop before another takes over.
//
// # Whose clock?
//
// A candidate does not compare renewTime with its own clock: the holder's
// clock may be off. It remembers when it last saw the record change, as
// client-go does, and counts LeaseDuration from there. A candidate that
// starts next to an abandoned Lease therefore waits one LeaseDuration
// before it takes it.
//
// # Use
//
//	e, err := leaderelection.New(leaderelection.Config{
//		Lock:     leaderelection.ClientLeases(c),
//		Name:     "kube-controller-manager", Namespace: "kube-system",
//		Identity: leaderelection.NewIdentity(),
//	}, log)
//	e.Run(ctx, func(ctx context.Context) { /* act until ctx ends */ })
//
// Run returns when ctx is done or the lease is lost; Lost says which.
package leaderelection
