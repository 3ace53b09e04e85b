package kubelet

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"go.uber.org/zap"

	"kubelab/pkg/kubelet/runtime"
)

// relister notices what happens to containers on its own: a process exits,
// a container vanishes. A runtime does not call the kubelet; the kubelet
// looks, every second, and queues the pods whose containers changed since
// the last look (Kubernetes' "pod lifecycle event generator" relists the
// same way). The queue carries keys only, so a pod that changed twice
// between two syncs is synced once, from what is there by then.
type relister struct {
	runtime runtime.Runtime
	queue   interface{ Add(key string) }
	metrics *metrics
	log     *zap.Logger

	last map[string]string // pod key → its containers, summed up; only relist's goroutine touches it
}

// relist lists once and queues the pods that changed. The first listing
// queues every pod with containers, which is how a restarted kubelet finds
// the containers of pods deleted while it was down.
func (r *relister) relist(ctx context.Context) {
	cs, err := r.runtime.ListContainers(ctx)
	if err != nil {
		if ctx.Err() == nil {
			r.log.Warn("relist failed", zap.Error(err))
		}
		return
	}
	slices.SortFunc(cs, func(a, b runtime.Container) int { return strings.Compare(a.ID, b.ID) })
	now := map[string]string{}
	for _, c := range cs {
		now[c.PodKey()] += fmt.Sprintf("%s %s %d;", c.ID, c.State, c.ExitCode)
	}
	for key, sum := range now {
		if r.last[key] != sum {
			r.queue.Add(key)
		}
	}
	for key := range r.last {
		if _, ok := now[key]; !ok {
			r.queue.Add(key)
		}
	}
	r.last = now
	if r.metrics != nil {
		r.metrics.count(cs)
	}
}
