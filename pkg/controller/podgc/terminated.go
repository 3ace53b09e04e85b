package podgc

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// syncTerminated deletes the oldest terminated pods past the threshold.
func (c *Controller) syncTerminated(ctx context.Context) error {
	limit := c.opts.TerminatedThreshold
	if limit <= 0 {
		return nil
	}
	var done []*api.Pod
	for _, obj := range c.pods.List() {
		if pod := obj.(*api.Pod); terminated(pod) {
			done = append(done, pod)
		}
	}
	excess := len(done) - limit
	if excess <= 0 {
		return nil
	}
	slices.SortFunc(done, evictedThenOldest)
	c.log.Info("too many terminated pods; deleting the oldest", zap.String("key", terminatedKey),
		zap.Int("terminated", len(done)), zap.Int("threshold", limit), zap.Int("deleting", excess))
	var errs []error
	for _, pod := range done[:excess] {
		if _, err := c.forceDelete(ctx, pod); err != nil {
			errs = append(errs, fmt.Errorf("deleting terminated pod %s: %w", client.KeyOf(pod), err))
		}
	}
	return errors.Join(errs...)
}

// evictedThenOldest orders pods as Kubernetes' byEvictionAndCreationTimestamp:
// evicted pods first, then by creation time, then by name.
func evictedThenOldest(a, b *api.Pod) int {
	if ea, eb := evicted(a), evicted(b); ea != eb {
		if ea {
			return -1
		}
		return 1
	}
	if c := a.CreationTimestamp.Compare(b.CreationTimestamp.Time); c != 0 {
		return c
	}
	return cmp.Compare(client.KeyOf(a), client.KeyOf(b))
}

func evicted(pod *api.Pod) bool {
	return pod.Status.Phase == api.PodFailed && pod.Status.Reason == "Evicted"
}
