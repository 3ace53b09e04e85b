package scheduler

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// The writing half of the loop: each decision ends in writes to the
// apiserver, made by up to Parallelism goroutines at once.

// bind writes the decision. If the binding fails, the assumption goes.
// first is when the pod was first seen pending.
func (s *Scheduler) bind(ctx context.Context, pod *api.Pod, o outcome, first time.Time) error {
	key := client.KeyOf(pod)
	log := s.log.With(zap.String("pod", key), zap.String("node", o.node))
	// The decision travels in the binding itself: the apiserver copies a
	// Binding's annotations onto the pod, as Kubernetes' does, so placing
	// a pod and explaining why is one write.
	var annotations map[string]string
	if o.record != "" {
		annotations = map[string]string{DecisionAnnotation: o.record}
	}
	if err := s.binder.Bind(ctx, pod, o.node, annotations); err != nil {
		s.mu.Lock()
		s.snap.Forget(key)
		s.mu.Unlock()
		s.retryUnschedulable() // the room it held is free again
		s.metrics.attempts.WithLabelValues("error").Inc()
		if client.IsNotFound(err) {
			return nil // the pod is gone
		}
		return fmt.Errorf("binding to %s: %w", o.node, err)
	}
	s.seen(key, false)
	s.metrics.attempts.WithLabelValues("scheduled").Inc()
	if !first.IsZero() {
		s.metrics.e2e.Observe(s.now().Sub(first).Seconds())
	}
	s.events.Eventf(pod, api.EventNormal, "Scheduled", "Successfully assigned %s to %s", key, o.node)
	log.Debug("bound")

	return nil
}

// failed reports a pod that fits nowhere: a FailedScheduling event, the
// PodScheduled=False condition and the decision, then the FitError to
// have it retried.
func (s *Scheduler) failed(ctx context.Context, pod *api.Pod, o outcome) error {
	msg := o.err.Error()
	s.metrics.attempts.WithLabelValues("unschedulable").Inc()
	s.events.Eventf(pod, api.EventWarning, "FailedScheduling", "%s", msg)
	if err := s.setNotScheduled(ctx, pod, "Unschedulable", msg); err != nil {
		return fmt.Errorf("%s; setting the PodScheduled condition: %w", msg, err)
	}
	if o.record != "" {
		if err := s.annotate(ctx, pod, o.record); err != nil {
			return fmt.Errorf("%s; recording the decision: %w", msg, err)
		}
	}
	return o.err
}

// setNotScheduled sets PodScheduled=False with the reason (Unschedulable
// and the summary, or WaitingForVolumeBinding), unless the pod says so
// already. The merge patch replaces the whole list of conditions, which
// is safe because nothing else writes the conditions of a pod that is not
// on a node.
func (s *Scheduler) setNotScheduled(ctx context.Context, pod *api.Pod, reason, msg string) error {
	want := api.PodCondition{Type: api.PodScheduled, Status: api.ConditionFalse, Reason: reason, Message: msg}
	conds := slices.Clone(pod.Status.Conditions)
	i := slices.IndexFunc(conds, func(c api.PodCondition) bool { return c.Type == api.PodScheduled })
	switch {
	case i < 0:
		want.LastTransitionTime = api.NewTime(s.now())
		conds = append(conds, want)
	case conds[i].Status == want.Status && conds[i].Reason == want.Reason && conds[i].Message == want.Message:
		return nil // no change: write nothing
	default:
		want.LastTransitionTime = conds[i].LastTransitionTime
		if conds[i].Status != want.Status {
			want.LastTransitionTime = api.NewTime(s.now())
		}
		conds[i] = want
	}
	patch, err := json.Marshal(map[string]any{"status": map[string]any{"conditions": conds}})
	if err != nil {
		return err
	}
	return s.patcher.Patch(ctx, pod.Namespace, pod.Name, "status", patch)
}

// annotate writes the decision's record on the pod, unless it is there
// already.
func (s *Scheduler) annotate(ctx context.Context, pod *api.Pod, value string) error {
	if pod.Annotations[DecisionAnnotation] == value {
		return nil
	}
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": map[string]string{DecisionAnnotation: value}}})
	if err != nil {
		return err
	}
	return s.patcher.Patch(ctx, pod.Namespace, pod.Name, "", patch)
}
