package manager

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"kubelab/pkg/client"
)

// stuckAfter is how long one sync may hold its key before the manager
// says it is stuck. Each request of a sync gives up after requestTimeout,
// so a sync this long is caught in a loop or a lock, and a restart is the
// cure: /healthz fails, and a liveness probe restarts the process.
const stuckAfter = 5 * time.Minute

// syncer is an informer as the health check sees it.
type syncer interface{ HasSynced() bool }

var _ syncer = (*client.Informer)(nil)

// health is the controller manager's /healthz and /readyz.
type health struct {
	informers  map[string]syncer // by resource name
	queues     []*client.Queue
	stuckAfter time.Duration
}

// check is nil while the manager works: every informer has synced (until
// then the controllers have not started), and no worker has held one key
// for more than stuckAfter.
func (h health) check() error {
	for _, name := range slices.Sorted(maps.Keys(h.informers)) {
		if !h.informers[name].HasSynced() {
			return fmt.Errorf("the %s informer has not synced yet", name)
		}
	}
	for _, q := range h.queues {
		if key, d := q.LongestRunning(); d > h.stuckAfter {
			return fmt.Errorf("a %s worker has been syncing %s for %s", q.Name(), key, d.Round(time.Second))
		}
	}
	return nil
}
