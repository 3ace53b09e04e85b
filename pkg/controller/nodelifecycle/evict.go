package nodelifecycle

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

// This file holds what follows from a node's Ready condition: its
// NoExecute taints, and what happens to its pods.
//
// Kubernetes also sets NoSchedule twins of these taints for the scheduler
// (pkg/controller/nodelifecycle, doNoScheduleTaintingPass); kubelab's
// scheduler reads the Ready condition instead.

// wantedTaint is the key of the NoExecute taint the node's Ready condition
// calls for, or "" for none.
func wantedTaint(node *api.Node) string {
	cond := readyCondition(node)
	switch {
	case cond == nil:
		return "" // just registered: the kubelet has not reported yet
	case cond.Status == api.ConditionUnknown:
		return api.TaintNodeUnreachable
	case cond.Status == api.ConditionFalse:
		return api.TaintNodeNotReady
	}
	return ""
}

// isLifecycleTaint reports the taints this controller owns.
func isLifecycleTaint(t api.Taint) bool {
	return t.Effect == api.TaintNoExecute && (t.Key == api.TaintNodeUnreachable || t.Key == api.TaintNodeNotReady)
}

// syncTaints adds the wanted taint and removes the other one, with one
// node update, and returns the node as written (or as it was).
func (c *Controller) syncTaints(ctx context.Context, node *api.Node, now time.Time) (*api.Node, error) {
	want := wantedTaint(node)
	cp := api.DeepCopy(node)
	var taints []api.Taint
	changed, have := false, false
	for _, t := range cp.Spec.Taints {
		switch {
		case !isLifecycleTaint(t):
			taints = append(taints, t) // someone else's: leave it alone
		case t.Key == want:
			taints = append(taints, t)
			have = true
		default:
			changed = true // the node's state moved on: drop it
		}
	}
	if want != "" && !have {
		added := api.NewTime(now)
		taints = append(taints, api.Taint{Key: want, Effect: api.TaintNoExecute, TimeAdded: &added})
		changed = true
	}
	if !changed {
		return node, nil
	}
	cp.Spec.Taints = taints
	out, err := c.w.Update(ctx, cp)
	if err != nil {
		return nil, fmt.Errorf("updating the taints of node %s: %w", node.Name, err)
	}
	c.log.Info("node taints changed", zap.String("key", node.Name), zap.String("taint", want))
	return out.(*api.Node), nil
}

// syncPods acts on the pods of a node that has a lifecycle taint: on an
// unreachable node they are marked not ready at once, and every pod is
// deleted when its time is up.
func (c *Controller) syncPods(ctx context.Context, node *api.Node, now time.Time) error {
	var taint *api.Taint
	for i, t := range node.Spec.Taints {
		if isLifecycleTaint(t) {
			taint = &node.Spec.Taints[i]
		}
	}
	if taint == nil {
		return nil
	}
	unreachable := taint.Key == api.TaintNodeUnreachable
	since := taintedSince(node, taint, now)

	var errs []error
	for _, obj := range c.pods.ByIndex(controller.IndexNode, node.Name) {
		pod := obj.(*api.Pod)
		if pod.Status.Phase == api.PodSucceeded || pod.Status.Phase == api.PodFailed {
			continue // nothing runs: nothing to move
		}
		if at, ok := evictAt(pod, taint, since, c.opts.EvictionTimeout); ok && !now.Before(at) && !isDaemonPod(pod) {
			errs = append(errs, c.evict(ctx, node, pod, unreachable))
			continue
		}
		if unreachable && pod.DeletionTimestamp == nil && controller.IsPodReady(pod) {
			errs = append(errs, c.markPodNotReady(ctx, pod, now))
		}
	}
	return errors.Join(errs...)
}

// taintedSince is when the node's trouble began: when the taint was added,
// else when Ready last changed.
func taintedSince(node *api.Node, taint *api.Taint, now time.Time) time.Time {
	if taint.TimeAdded != nil {
		return taint.TimeAdded.Time
	}
	if cond := readyCondition(node); cond != nil && !cond.LastTransitionTime.IsZero() {
		return cond.LastTransitionTime.Time
	}
	return now
}

// evictAt says when pod is to leave a node tainted since since: after
// timeout, or after the pod's own tolerationSeconds if it tolerates the
// taint. ok is false for a pod that tolerates it for ever.
//
// In Kubernetes a pod that does not tolerate a NoExecute taint goes at
// once; the 5 minutes come from tolerations with tolerationSeconds 300
// that admission adds to every pod (DefaultTolerationSeconds). Here the
// timeout plays the part of those default tolerations.
func evictAt(pod *api.Pod, taint *api.Taint, since time.Time, timeout time.Duration) (at time.Time, ok bool) {
	tolerated := false
	var limit *int64
	for _, tol := range pod.Spec.Tolerations {
		if !tol.ToleratesTaint(*taint) {
			continue
		}
		tolerated = true
		if s := tol.TolerationSeconds; s != nil && (limit == nil || *s < *limit) {
			limit = s
		}
	}
	switch {
	case !tolerated:
		return since.Add(timeout), true
	case limit == nil:
		return time.Time{}, false
	}
	return since.Add(time.Duration(max(*limit, 0)) * time.Second), true
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
