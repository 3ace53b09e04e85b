// Package job runs the pods of every Job (batch/v1) until enough of them
// succeed: a batch computation, a database migration, a queue of work
// items shared by several pods.
//
// # What one sync does
//
// Sync(ctx, key), with key "namespace/name", reads the Job and its pods
// from the caches and:
//
//  1. claims its pods, like the replicaset package: those whose controller
//     reference is this Job's and whose labels its selector matches. The
//     apiserver gives each Job the selector
//     batch.kubernetes.io/controller-uid=<uid> and its template that label,
//     unless the Job sets manualSelector; a Job with no selector at all is
//     treated as if it had been given one;
//  2. counts the active pods (pending or running), the succeeded and the
//     failed ones (pods.go), and decides:
//     - failed, when more pods failed than spec.backoffLimit (with
//     restartPolicy OnFailure: when the containers restarted that often),
//     or it has run longer than activeDeadlineSeconds since
//     status.startTime: condition Failed (BackoffLimitExceeded or
//     DeadlineExceeded), its active pods deleted;
//     - suspended (spec.suspend): its active pods are deleted, condition
//     Suspended; resumed, it carries on, with startTime reset so that the
//     deadline counts running time only;
//     - otherwise it runs parallelism pods at a time, never more than
//     the completions still missing (manage.go). After a failure, new pods
//     wait 10 s, then 20 s, 40 s … up to 6 minutes (backoff.go);
//  3. completes once completions pods have succeeded (a Job without
//     completions is a work queue: once one pod succeeded and none runs
//     any more): condition Complete, completionTime. Its pods stay, with
//     their logs, until the Job is deleted; the garbage collector then
//     deletes them by their owner reference;
//  4. writes status (active, ready, succeeded, failed, completedIndexes,
//     conditions, startTime) when it changed;
//  5. deletes a finished Job ttlSecondsAfterFinished after it finished
//     (ttl.go).
//
// Deadlines, back-offs and TTLs end with no event to announce it: the sync
// that meets one asks for its key again at that time (Queue.AddAfter), so
// nothing polls.
//
// An Indexed Job (completionMode Indexed) runs one successful pod per
// index 0 … completions-1 (indexes.go).
//
// # Expectations
//
// As in the replicaset package: a sync records the pods it is about to
// create and delete, the pod handler crosses them off as the informer
// shows them, and while any are outstanding a sync creates and deletes
// nothing more, so it never runs a pod twice for want of a fresh cache.
//
// # Wiring
//
// The caller builds shared informers for jobs and pods, each with the
// controller.IndexNamespace index, then:
//
//	jc := job.New(jobInformer, podInformer, controller.NewWriter(c), recorder, log)
//	jobInformer.AddHandler(jc.JobHandler())
//	podInformer.AddHandler(jc.PodHandler())
//	// start the informers, client.WaitForSync(ctx, …), then:
//	jc.Run(ctx, workers) // blocks until ctx is done
//
// It writes: pods (create, delete, patch to adopt or release), jobs
// (delete, after the TTL), jobs/status (update), and Events.
package job
