package statefulset

import (
	"context"
	"fmt"
	"slices"
	"time"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/controller"
)

// Each sync makes the next step towards the desired pods, in ordinal
// order, and under OrderedReady makes only one: it creates the first
// missing pod and waits for it to be Running and Ready before the next,
// deletes beyond the replicas from the highest ordinal down, one at a
// time, and stops at any pod that is not healthy, so that an ordinal
// never starts before those below it are up, and a broken pod is not
// followed by more. Parallel makes every create and delete at once
// (Kubernetes' defaultStatefulSetControl.updateStatefulSet, without its
// burst batches and maxUnavailable).

// replicas is a set's pods by ordinal.
type replicas struct {
	start     int
	slots     []*api.Pod // slots[i] has ordinal start+i; nil: missing
	condemned []*api.Pod // pods beyond the replicas, highest ordinal first
}

// sortPods places set's pods by ordinal. Pods not named as its members are
// left out.
func sortPods(set *api.StatefulSet, pods []*api.Pod) replicas {
	n := 1
	if set.Spec.Replicas != nil {
		n = int(*set.Spec.Replicas)
	}
	r := replicas{start: startOrdinal(set), slots: make([]*api.Pod, n)}
	for _, p := range pods {
		ord, ok := ordinalOf(set, p)
		switch {
		case !ok:
		case ord >= r.start && ord < r.start+n:
			r.slots[ord-r.start] = p
		default:
			r.condemned = append(r.condemned, p)
		}
	}
	slices.SortFunc(r.condemned, func(a, b *api.Pod) int {
		oa, _ := ordinalOf(set, a)
		ob, _ := ordinalOf(set, b)
		return ob - oa
	})
	return r
}

// step makes the writes of one sync, as the comment on top says.
func (c *Controller) step(ctx context.Context, set *api.StatefulSet, h *history, r replicas) error {
	monotonic := set.Spec.PodManagementPolicy != api.ParallelPodManagement
	for i, pod := range r.slots {
		ord := r.start + i
		switch {
		case pod == nil:
			if err := c.createPod(ctx, set, h, r, ord); err != nil || monotonic {
				return err
			}
			continue
		case pod.DeletionTimestamp != nil:
			// Made again once it is gone.
		case pod.Status.Phase == api.PodFailed || pod.Status.Phase == api.PodSucceeded:
			c.rec.Eventf(set, api.EventNormal, "RecreatingFailedPod", "StatefulSet %s/%s is recreating failed Pod %s",
				set.Namespace, set.Name, pod.Name)
			if err := c.deletePod(ctx, set, pod); err != nil {
				return err
			}
		default:
			if err := c.syncClaimOwners(ctx, set, pod, ord, false); err != nil {
				return err
			}
			if c.healthy(set, pod) {
				continue
			}
		}
		if monotonic {
			return nil // wait for this pod before going on
		}
	}

	firstUnhealthy := r.firstUnhealthyCondemned(c, set)
	for _, pod := range r.condemned {
		if pod.DeletionTimestamp != nil {
			if monotonic {
				return nil
			}
			continue
		}
		// An unhealthy pod is deleted only if it is the lowest unhealthy one.
		if monotonic && !c.healthy(set, pod) && pod != firstUnhealthy {
			return nil
		}
		ord, _ := ordinalOf(set, pod)
		if err := c.syncClaimOwners(ctx, set, pod, ord, true); err != nil {
			return err
		}
		c.log.Info("scaling down", zap.String("pod", client.KeyOf(pod)))
		if err := c.deletePod(ctx, set, pod); err != nil || monotonic {
			return err
		}
	}

	if set.Spec.UpdateStrategy.Type == api.OnDeleteStatefulSetStrategyType {
		return nil // old pods wait for someone to delete them; they come back updated
	}
	return c.rollOne(ctx, set, h, r)
}

// rollOne replaces the pod of the highest ordinal at or above the
// partition that runs an old revision, once every pod above it is
// healthy: one at a time, from the top down, whatever the pod management
// policy.
func (c *Controller) rollOne(ctx context.Context, set *api.StatefulSet, h *history, r replicas) error {
	for i := len(r.slots) - 1; i >= partition(set); i-- {
		pod := r.slots[i]
		if pod == nil {
			return nil // being made again
		}
		if revisionOf(pod) != h.update.Name && pod.DeletionTimestamp == nil {
			c.log.Info("rolling update", zap.String("pod", client.KeyOf(pod)), zap.String("revision", h.update.Name))
			return c.deletePod(ctx, set, pod)
		}
		if !c.healthy(set, pod) {
			return nil
		}
	}
	return nil
}

// partition is the lowest index of the pods a rolling update updates.
func partition(set *api.StatefulSet) int {
	if ru := set.Spec.UpdateStrategy.RollingUpdate; ru != nil && ru.Partition != nil {
		return int(*ru.Partition)
	}
	return 0
}

// createPod creates the pod of ordinal ord, after its claims. Below the
// partition of a rolling update, a pod is made from the current revision;
// otherwise from the update revision.
func (c *Controller) createPod(ctx context.Context, set *api.StatefulSet, h *history, r replicas, ord int) error {
	if err := c.createClaims(ctx, set, ord); err != nil {
		return err
	}
	template, rev := h.updateTemplate, h.update.Name
	if set.Spec.UpdateStrategy.Type == api.RollingUpdateStatefulSetStrategyType && ord-r.start < partition(set) {
		template, rev = h.currentTemplate, h.current.Name
	}
	pod := newPod(set, template, rev, ord)
	_, err := c.w.Create(ctx, pod)
	switch {
	case client.IsAlreadyExists(err):
		return nil // made by an earlier sync the cache has not shown yet
	case err != nil:
		c.rec.Eventf(set, api.EventWarning, "FailedCreate", "create Pod %s in StatefulSet %s failed error: %v", pod.Name, set.Name, err)
		return fmt.Errorf("create pod %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	c.rec.Eventf(set, api.EventNormal, "SuccessfulCreate", "create Pod %s in StatefulSet %s successful", pod.Name, set.Name)
	return nil
}

// deletePod deletes pod, that very pod: the uid precondition keeps a
// delete made on a stale cache from hitting the pod made again under the
// same name.
func (c *Controller) deletePod(ctx context.Context, set *api.StatefulSet, pod *api.Pod) error {
	uid := pod.UID
	err := c.w.Delete(ctx, podsResource, pod.Namespace, pod.Name, &api.DeleteOptions{Preconditions: &api.Precondition{UID: &uid}})
	switch {
	case client.IsNotFound(err) || client.IsConflict(err):
		return nil // gone already, or replaced
	case err != nil:
		c.rec.Eventf(set, api.EventWarning, "FailedDelete", "delete Pod %s in StatefulSet %s failed error: %v", pod.Name, set.Name, err)
		return fmt.Errorf("delete pod %s: %w", client.KeyOf(pod), err)
	}
	c.rec.Eventf(set, api.EventNormal, "SuccessfulDelete", "delete Pod %s in StatefulSet %s successful", pod.Name, set.Name)
	return nil
}

// healthy reports whether pod is Running and Ready, and has been ready
// for the set's minReadySeconds.
func (c *Controller) healthy(set *api.StatefulSet, pod *api.Pod) bool {
	if pod.Status.Phase != api.PodRunning || pod.DeletionTimestamp != nil {
		return false
	}
	ok, _ := controller.IsPodAvailable(pod, time.Duration(set.Spec.MinReadySeconds)*time.Second, c.now())
	return ok
}

// firstUnhealthyCondemned is the unhealthy condemned pod of the lowest
// ordinal, or nil.
func (r replicas) firstUnhealthyCondemned(c *Controller, set *api.StatefulSet) *api.Pod {
	var first *api.Pod
	for _, p := range r.condemned { // highest first
		if !c.healthy(set, p) {
			first = p
		}
	}
	return first
}
