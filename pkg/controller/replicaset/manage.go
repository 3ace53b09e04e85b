package replicaset

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/controller"
)

// manage creates or deletes pods until the active ones number
// spec.replicas. Kubernetes caps one sync at 500 pods either way
// (burstReplicas in replica_set.go).
func (c *Controller) manage(ctx context.Context, o *owner, active []*api.Pod, log *zap.Logger) error {
	diff := int(o.replicas) - len(active)
	if diff == 0 {
		return nil
	}
	log.Info("scaling", zap.Int32("replicas", o.replicas), zap.Int("active", len(active)))
	if diff > 0 {
		return c.createPods(ctx, o, diff)
	}
	return c.deletePods(ctx, o, active, -diff)
}

// createPods creates n pods from the template. The expectations are set
// before the first write, so that a sync running before the informer has
// seen the new pods does not create them again.
//
// Kubernetes creates in batches of 1, 2, 4, … (slowStartBatch in
// replica_set.go), so that an error that will hit every pod (a quota, a
// webhook) costs one failed call, not n; here pods are created one by one
// and the first error stops the round.
func (c *Controller) createPods(ctx context.Context, o *owner, n int) error {
	if o.template == nil {
		return fmt.Errorf("%s has no pod template", o.key)
	}
	c.expectations.Expect(o.key, n, nil)
	for i := range n {
		created, err := c.w.Create(ctx, podFromTemplate(o))
		if err != nil {
			for range n - i {
				c.expectations.CreationObserved(o.key) // these will never show up
			}
			c.rec.Eventf(o.obj, api.EventWarning, "FailedCreate", "Error creating: %v", err)
			return fmt.Errorf("create pod for %s: %w", o.key, err)
		}
		c.rec.Eventf(o.obj, api.EventNormal, "SuccessfulCreate", "Created pod: %s", created.GetObjectMeta().Name)
	}
	return nil
}

// podFromTemplate stamps a pod out of o's template: its labels, annotations and
// spec, a name generated from the owner's, and the controller reference.
func podFromTemplate(o *owner) *api.Pod {
	t := o.template
	pod := &api.Pod{
		TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: api.ObjectMeta{
			GenerateName:    o.meta.Name + "-",
			Namespace:       o.meta.Namespace,
			Labels:          t.Labels,
			Annotations:     t.Annotations,
			Finalizers:      t.Finalizers,
			OwnerReferences: []api.OwnerReference{o.controllerRef()},
		},
		Spec: t.Spec,
	}
	return api.DeepCopy(pod) // the template's maps and slices belong to the cache
}

// deletePods deletes n of the active pods, those that matter least first.
func (c *Controller) deletePods(ctx context.Context, o *owner, active []*api.Pod, n int) error {
	victims := slices.Clone(active)
	slices.SortFunc(victims, compareForDeletion)
	victims = victims[:n]

	keys := make([]string, len(victims))
	for i, p := range victims {
		keys[i] = client.KeyOf(p)
	}
	c.expectations.Expect(o.key, 0, keys)

	var errs []error
	for _, p := range victims {
		err := c.w.Delete(ctx, podsResource, p.Namespace, p.Name, nil)
		if err != nil && !client.IsNotFound(err) {
			c.expectations.DeletionObserved(o.key, client.KeyOf(p)) // the informer will not see it go
			c.rec.Eventf(o.obj, api.EventWarning, "FailedDelete", "Error deleting: %v", err)
			errs = append(errs, fmt.Errorf("delete pod %s: %w", client.KeyOf(p), err))
			continue
		}
		c.rec.Eventf(o.obj, api.EventNormal, "SuccessfulDelete", "Deleted pod: %s", p.Name)
	}
	return errors.Join(errs...)
}

// compareForDeletion sorts the pods to delete first to the front. A pod
// goes before another when it is
//
//  1. not yet on a node (it costs nothing to lose),
//  2. Pending, then Unknown, then Running (the least far along),
//  3. not ready (it serves no traffic),
//  4. newer (it has the least warm state),
//
// and by name otherwise, so that the choice is the same on every run.
// Kubernetes also weighs the pod-deletion-cost annotation, how long a pod
// has been ready, its restarts and how crowded its node is
// (ActivePodsWithRanks in pkg/controller/controller_utils.go).
func compareForDeletion(a, b *api.Pod) int {
	if c := trueFirst(a.Spec.NodeName == "", b.Spec.NodeName == ""); c != 0 {
		return c
	}
	if c := cmp.Compare(phaseRank[a.Status.Phase], phaseRank[b.Status.Phase]); c != 0 {
		return c
	}
	if c := trueFirst(!controller.IsPodReady(a), !controller.IsPodReady(b)); c != 0 {
		return c
	}
	if c := b.CreationTimestamp.Compare(a.CreationTimestamp.Time); c != 0 {
		return c
	}
	return strings.Compare(a.Name, b.Name)
}

// phaseRank orders phases from least to most advanced; a pod with no
// phase yet ranks with Pending.
var phaseRank = map[string]int{api.PodPending: 0, api.PodUnknown: 1, api.PodRunning: 2}

// trueFirst orders true before false.
func trueFirst(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return -1
	}
	return 1
}
