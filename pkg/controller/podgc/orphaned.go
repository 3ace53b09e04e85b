package podgc

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/controller"
)

// syncNode deletes the pods bound to node name once the node has been
// missing for the quarantine, and the apiserver confirms it does not exist.
func (c *Controller) syncNode(ctx context.Context, name string) error {
	pods := c.pods.ByIndex(controller.IndexNode, name)
	if _, ok := c.nodes.Get(name); ok || len(pods) == 0 {
		c.endQuarantine(name)
		return nil
	}
	now := c.opts.Clock()
	if wait := c.opts.Quarantine - now.Sub(c.quarantine(name, now)); wait > 0 {
		c.queue.AddAfter(nodeKey(name), wait)
		return nil
	}
	// The cache may be behind: a node that has just registered.
	_, err := c.live.Get(ctx, name)
	switch {
	case err == nil:
		c.endQuarantine(name)
		return nil
	case !client.IsNotFound(err):
		return fmt.Errorf("asking the apiserver for node %s: %w", name, err)
	}

	log := c.log.With(zap.String("key", nodeKey(name)))
	var errs []error
	for _, obj := range pods {
		pod := obj.(*api.Pod)
		deleted, err := c.forceDelete(ctx, pod)
		if err != nil {
			errs = append(errs, fmt.Errorf("deleting pod %s of missing node %s: %w", client.KeyOf(pod), name, err))
			continue
		}
		if deleted {
			log.Info("deleted a pod of a node that does not exist", zap.String("pod", client.KeyOf(pod)))
			c.rec.Eventf(pod, api.EventNormal, "DeletionByPodGC", "Deleting pod %s: its node %s does not exist", client.KeyOf(pod), name)
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	c.endQuarantine(name) // a pod bound to the name later gets a quarantine of its own
	return nil
}

// quarantine returns when the pods of node name were first seen without
// their node, starting the quarantine at now if it has not started.
func (c *Controller) quarantine(name string, now time.Time) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	since, ok := c.missing[name]
	if !ok {
		since = now
		c.missing[name] = since
	}
	return since
}

func (c *Controller) endQuarantine(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.missing, name)
}
