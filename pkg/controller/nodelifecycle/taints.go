package nodelifecycle

import (
	"context"
	"fmt"
	"slices"
	"time"

	"go.uber.org/zap"

	"kubelab/pkg/api"
)

// The taints this controller keeps on a node follow the node's state, as
// Kubernetes' node lifecycle controller sets them:
//
//	Ready=Unknown        node.kubernetes.io/unreachable:NoSchedule and :NoExecute
//	Ready=False          node.kubernetes.io/not-ready:NoSchedule and :NoExecute
//	spec.unschedulable   node.kubernetes.io/unschedulable:NoSchedule (kctl cordon)
//
// NoSchedule keeps new pods away (the scheduler's TaintToleration filter,
// and the DaemonSet controller); NoExecute makes the pods already there
// leave once their tolerationSeconds run out (evict.go). Kubernetes also
// turns the MemoryPressure, DiskPressure, PIDPressure and
// NetworkUnavailable conditions into taints; kubelab's kubelet reports
// none of them.

// wantedTaints are the taints the node's state calls for.
func wantedTaints(node *api.Node) []api.Taint {
	var want []api.Taint
	if cond := readyCondition(node); cond != nil { // none yet: the kubelet has not reported
		switch cond.Status {
		case api.ConditionUnknown:
			want = append(want, api.Taint{Key: api.TaintNodeUnreachable, Effect: api.TaintNoSchedule},
				api.Taint{Key: api.TaintNodeUnreachable, Effect: api.TaintNoExecute})
		case api.ConditionFalse:
			want = append(want, api.Taint{Key: api.TaintNodeNotReady, Effect: api.TaintNoSchedule},
				api.Taint{Key: api.TaintNodeNotReady, Effect: api.TaintNoExecute})
		}
	}
	if node.Spec.Unschedulable {
		want = append(want, api.Taint{Key: api.TaintNodeUnschedulable, Effect: api.TaintNoSchedule})
	}
	return want
}

// isOwnedTaint reports the taints this controller owns: it adds and
// removes them, and leaves every other taint alone.
func isOwnedTaint(t api.Taint) bool {
	switch t.Key {
	case api.TaintNodeUnreachable, api.TaintNodeNotReady:
		return t.Effect == api.TaintNoExecute || t.Effect == api.TaintNoSchedule
	case api.TaintNodeUnschedulable:
		return t.Effect == api.TaintNoSchedule
	}
	return false
}

// sameTaint compares the key and effect, which identify a taint.
func sameTaint(a, b api.Taint) bool { return a.Key == b.Key && a.Effect == b.Effect }

// syncTaints adds the wanted taints and removes the owned ones no longer
// wanted, in one node update, and returns the node as written (or as it
// was). A taint that stays keeps its timeAdded: eviction counts from it.
func (c *Controller) syncTaints(ctx context.Context, node *api.Node, now time.Time) (*api.Node, error) {
	want := wantedTaints(node)
	var taints []api.Taint
	changed := false
	for _, t := range node.Spec.Taints {
		switch {
		case !isOwnedTaint(t):
			taints = append(taints, t) // someone else's: leave it alone
		case slices.ContainsFunc(want, func(w api.Taint) bool { return sameTaint(w, t) }):
			taints = append(taints, t)
		default:
			changed = true // the node's state moved on: drop it
		}
	}
	var added []string
	for _, w := range want {
		if !slices.ContainsFunc(taints, func(t api.Taint) bool { return sameTaint(w, t) }) {
			at := api.NewTime(now)
			w.TimeAdded = &at
			taints = append(taints, w)
			added = append(added, w.Key+":"+w.Effect)
			changed = true
		}
	}
	if !changed {
		return node, nil
	}
	cp := api.DeepCopy(node)
	cp.Spec.Taints = taints
	out, err := c.w.Update(ctx, cp)
	if err != nil {
		return nil, fmt.Errorf("updating the taints of node %s: %w", node.Name, err)
	}
	c.log.Info("node taints changed", zap.String("key", node.Name), zap.Strings("added", added))
	return out.(*api.Node), nil
}
