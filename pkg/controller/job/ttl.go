package job

import (
	"context"
	"fmt"
	"time"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// expire deletes a finished Job once ttlSecondsAfterFinished have passed
// since it finished, and until then asks for its key again at that time.
// The delete is Background: the Job goes at once and the garbage collector
// deletes its pods after it. The uid precondition makes sure the Job
// deleted is this one, not a new Job of the same name.
//
// Kubernetes does this in a controller of its own (ttlafterfinished),
// which reads the Job from the apiserver once more before deleting it, in
// case its TTL has just been changed, and deletes in the foreground.
func (c *Controller) expire(ctx context.Context, key string, j *api.Job, now time.Time) error {
	if j.Spec.TTLSecondsAfterFinished == nil {
		return nil
	}
	at := finishedAt(j)
	if at.IsZero() {
		return nil
	}
	if wait := at.Add(time.Duration(*j.Spec.TTLSecondsAfterFinished) * time.Second).Sub(now); wait > 0 {
		c.after(key, wait)
		return nil
	}
	opts := &api.DeleteOptions{
		PropagationPolicy: api.String(api.DeletePropagationBackground),
		Preconditions:     &api.Precondition{UID: api.String(j.UID)},
	}
	err := c.w.Delete(ctx, jobsResource, j.Namespace, j.Name, opts)
	if err != nil && !client.IsNotFound(err) {
		return fmt.Errorf("delete %s after its TTL: %w", key, err)
	}
	c.log.Info("deleted finished job after its TTL", zap.String("key", key))
	return nil
}
