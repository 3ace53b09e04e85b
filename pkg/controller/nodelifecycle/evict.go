package nodelifecycle

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/controller"
)

// This file holds what a node's NoExecute taints do to its pods, as
// Kubernetes' taint eviction controller does: a pod that tolerates every
// one of them stays for the shortest tolerationSeconds among the
// tolerations that match, counted from the taint's timeAdded; one that
// does not tolerate one goes.

// syncPods acts on the pods of a node that has NoExecute taints: on an
// unreachable node they are marked not ready at once, and every pod is
// deleted when its time is up.
func (c *Controller) syncPods(ctx context.Context, node *api.Node, now time.Time) error {
	var taints []api.Taint
	for _, t := range node.Spec.Taints {
		if t.Effect == api.TaintNoExecute {
			taints = append(taints, t)
		}
	}
	if len(taints) == 0 {
		return nil
	}
	unreachable := slices.ContainsFunc(taints, func(t api.Taint) bool { return t.Key == api.TaintNodeUnreachable })

	var errs []error
	for _, obj := range c.pods.ByIndex(controller.IndexNode, node.Name) {
		pod := obj.(*api.Pod)
		if pod.Status.Phase == api.PodSucceeded || pod.Status.Phase == api.PodFailed {
			continue // nothing runs: nothing to move
		}
		if at, ok := c.evictAt(pod, node, taints, now); ok && !now.Before(at) && !isDaemonPod(pod) {
			errs = append(errs, c.evict(ctx, node, pod, unreachable))
			continue
		}
		if unreachable && pod.DeletionTimestamp == nil && controller.IsPodReady(pod) {
			errs = append(errs, c.markPodNotReady(ctx, pod, now))
		}
	}
	return errors.Join(errs...)
}

// taintedSince is when a taint was added, else (a taint written without
// timeAdded) when Ready last changed.
func taintedSince(node *api.Node, taint api.Taint, now time.Time) time.Time {
	if taint.TimeAdded != nil {
		return taint.TimeAdded.Time
	}
	if cond := readyCondition(node); cond != nil && !cond.LastTransitionTime.IsZero() {
		return cond.LastTransitionTime.Time
	}
	return now
}

// evictAt says when pod is to leave a node with the given NoExecute
// taints: the earliest time any of them runs out. ok is false for a pod
// that tolerates them all for ever.
func (c *Controller) evictAt(pod *api.Pod, node *api.Node, taints []api.Taint, now time.Time) (at time.Time, ok bool) {
	for _, t := range taints {
		limit, forever := c.toleratedFor(pod, t)
		if forever {
			continue
		}
		if when := taintedSince(node, t, now).Add(limit); !ok || when.Before(at) {
			at, ok = when, true
		}
	}
	return at, ok
}

// toleratedFor is how long pod may stay under taint: the shortest
// tolerationSeconds of the tolerations that match, or forever when those
// that match have no limit (Kubernetes' getMinTolerationTime).
//
// A pod that tolerates none goes at once, as in Kubernetes, except under
// the not-ready and unreachable taints: there it gets EvictionTimeout
// (--pod-eviction-timeout). Pods admitted by the apiserver carry
// tolerations for these two (its DefaultTolerationSeconds admission, 300 s
// unless configured), so the timeout only serves pods without them.
func (c *Controller) toleratedFor(pod *api.Pod, taint api.Taint) (limit time.Duration, forever bool) {
	var seconds *int64
	tolerated := false
	for _, tol := range pod.Spec.Tolerations {
		if !tol.ToleratesTaint(taint) {
			continue
		}
		tolerated = true
		if s := tol.TolerationSeconds; s != nil && (seconds == nil || *s < *seconds) {
			seconds = s
		}
	}
	switch {
	case tolerated && seconds == nil:
		return 0, true
	case tolerated:
		return time.Duration(max(*seconds, 0)) * time.Second, false
	case taint.Key == api.TaintNodeNotReady || taint.Key == api.TaintNodeUnreachable:
		return c.opts.EvictionTimeout, false
	}
	return 0, false
}

// isDaemonPod reports a pod of a DaemonSet: it belongs on its node, down
// or not.
func isDaemonPod(pod *api.Pod) bool {
	ref := api.ControllerRef(&pod.ObjectMeta)
	return ref != nil && ref.Kind == "DaemonSet"
}

// evict deletes a pod from a tainted node. force (an unreachable node)
// deletes it with grace 0: no kubelet will ever confirm a graceful delete.
// The UID precondition keeps a new pod of the same name safe.
func (c *Controller) evict(ctx context.Context, node *api.Node, pod *api.Pod, force bool) error {
	opts := &api.DeleteOptions{}
	if pod.UID != "" {
		opts.Preconditions = &api.Precondition{UID: api.String(pod.UID)}
	}
	if force {
		opts.GracePeriodSeconds = api.Int64(0)
	} else if pod.DeletionTimestamp != nil {
		return nil // a graceful delete is under way; the kubelet finishes it
	}
	err := c.w.Delete(ctx, controller.Resource("pods"), pod.Namespace, pod.Name, opts)
	switch {
	case client.IsNotFound(err) || client.IsConflict(err):
		return nil // gone already, or a new pod of that name
	case err != nil:
		return fmt.Errorf("evicting pod %s from node %s: %w", client.KeyOf(pod), node.Name, err)
	}
	c.rec.Eventf(pod, api.EventNormal, "TaintManagerEviction", "Marking for deletion Pod %s from Node %s", client.KeyOf(pod), node.Name)
	return nil
}

// markPodNotReady sets the pod's Ready condition to False, as its kubelet
// would if it could, so that Endpoints stop listing it
// (Kubernetes: MarkPodsNotReady in pkg/controller/util/node).
func (c *Controller) markPodNotReady(ctx context.Context, pod *api.Pod, now time.Time) error {
	pod = api.DeepCopy(pod)
	for i := range pod.Status.Conditions {
		if cond := &pod.Status.Conditions[i]; cond.Type == api.PodReady {
			cond.Status = api.ConditionFalse
			cond.LastTransitionTime = api.NewTime(now)
		}
	}
	if _, err := c.w.UpdateStatus(ctx, pod); err != nil && !client.IsNotFound(err) {
		return fmt.Errorf("marking pod %s not ready: %w", client.KeyOf(pod), err)
	}
	return nil
}
