// Package manager runs every kubelab reconciler in one process, like
// kube-controller-manager: one set of shared informers (one list and one
// watch per resource, however many controllers read it), each controller
// hanging its event handlers on the informers it cares about, and each
// running its own workers over its own queue of keys.
//
// Run is the whole program:
//
//	informers → list and watch, handlers queue keys
//	wait until every informer has synced (a signal before that is a clean stop)
//	each controller: Run(ctx, workers) over its own queue
//
// It serves, on Options.Listen:
//
//	/healthz, /readyz  ok once every informer has synced, and as long as no
//	                   worker has held one key for more than 5 minutes (a
//	                   sync that never returns)
//	/metrics           Go and process metrics, and per queue (label name):
//	                   workqueue_depth, workqueue_adds_total,
//	                   workqueue_work_duration_seconds,
//	                   workqueue_sync_errors_total, workqueue_conflicts_total,
//	                   workqueue_longest_running_processor_seconds
package manager
