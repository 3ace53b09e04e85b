package deployment

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"kubelab/pkg/api"
)

// Status says where a rollout is: the pod counts summed over the
// ReplicaSets, and two conditions. Available: at least replicas −
// maxUnavailable pods are available. Progressing: True while the rollout
// moves (each step refreshes its lastUpdateTime), True with reason
// NewReplicaSetAvailable once complete, False with
// ProgressDeadlineExceeded when progressDeadlineSeconds pass without a
// step, and Unknown with DeploymentPaused while paused. kctl rollout
// status reads them.

// syncStatus writes r's status if it changed. rollingOut evaluates
// progress and the deadline (Kubernetes' syncRolloutStatus in
// progress.go); a scaling step or a paused Deployment only counts
// (syncDeploymentStatus in sync.go).
func (c *Controller) syncStatus(ctx context.Context, r *rollout, rollingOut bool) error {
	now := c.now()
	c.setPausedCondition(r)
	st := c.calculateStatus(r)
	if rollingOut {
		c.evaluateProgress(r, &st, now)
	}
	if wait, ok := untilDeadline(r.d, &st, now); ok {
		c.queue.AddAfter(r.key, wait)
	}
	if sameStatus(st, r.orig) {
		return nil
	}
	cp := api.DeepCopy(r.d)
	cp.Status = st
	if _, err := c.w.UpdateStatus(ctx, cp); err != nil {
		return fmt.Errorf("update status of %s: %w", r.key, err)
	}
	return nil
}

// calculateStatus counts the ReplicaSets' pods and sets Available.
func (c *Controller) calculateStatus(r *rollout) api.DeploymentStatus {
	d := r.d
	st := api.DeploymentStatus{
		ObservedGeneration: d.Generation,
		CollisionCount:     d.Status.CollisionCount,
		Conditions:         slices.Clone(d.Status.Conditions),
	}
	var asked int32
	for _, rs := range r.all() {
		st.Replicas += rs.Status.Replicas
		st.ReadyReplicas += rs.Status.ReadyReplicas
		st.AvailableReplicas += rs.Status.AvailableReplicas
		asked += rsReplicas(rs)
	}
	if r.newRS != nil {
		st.UpdatedReplicas = r.newRS.Status.Replicas
	}
	st.UnavailableReplicas = max(asked-st.AvailableReplicas, 0)
	if st.AvailableReplicas >= replicas(d)-maxUnavailable(d) {
		setCondition(&st, api.DeploymentAvailable, api.ConditionTrue, api.ReasonMinimumReplicasAvailable,
			"Deployment has minimum availability.", c.now())
	} else {
		setCondition(&st, api.DeploymentAvailable, api.ConditionFalse, api.ReasonMinimumReplicasUnavailable,
			"Deployment does not have minimum availability.", c.now())
	}
	return st
}

// evaluateProgress sets Progressing from what changed since the last
// status: complete, moved on (a refresh of lastUpdateTime, which restarts
// the deadline), or stuck past the deadline.
func (c *Controller) evaluateProgress(r *rollout, st *api.DeploymentStatus, now time.Time) {
	d := r.d
	cond := progressing(st)
	if progressDeadlineSeconds(d) == 0 {
		st.Conditions = slices.DeleteFunc(st.Conditions, func(c api.DeploymentCondition) bool { return c.Type == api.DeploymentProgressing })
		return
	}
	if st.Replicas == st.UpdatedReplicas && cond != nil && cond.Reason == api.ReasonNewReplicaSetAvailable {
		return // complete before, and nothing new rolls out
	}
	name := ""
	if r.newRS != nil {
		name = r.newRS.Name
	}
	switch {
	case isComplete(d, st):
		setCondition(st, api.DeploymentProgressing, api.ConditionTrue, api.ReasonNewReplicaSetAvailable,
			fmt.Sprintf("ReplicaSet %q has successfully progressed.", name), now)
	case hasProgressed(&r.orig, st):
		var since api.Time
		if cond != nil && cond.Status == api.ConditionTrue {
			since = cond.LastTransitionTime
		}
		st.Conditions = slices.DeleteFunc(st.Conditions, func(c api.DeploymentCondition) bool { return c.Type == api.DeploymentProgressing })
		setCondition(st, api.DeploymentProgressing, api.ConditionTrue, api.ReasonReplicaSetUpdated,
			fmt.Sprintf("ReplicaSet %q is progressing.", name), now)
		if !since.IsZero() {
			progressing(st).LastTransitionTime = since
		}
	case timedOut(d, st, now):
		setCondition(st, api.DeploymentProgressing, api.ConditionFalse, api.ReasonProgressDeadlineExceeded,
			fmt.Sprintf("ReplicaSet %q has timed out progressing.", name), now)
	}
}

// hasProgressed reports a step forward since the last status: more
// updated, ready or available pods, or fewer old ones.
func hasProgressed(old, st *api.DeploymentStatus) bool {
	return st.UpdatedReplicas > old.UpdatedReplicas ||
		st.Replicas-st.UpdatedReplicas < old.Replicas-old.UpdatedReplicas ||
		st.ReadyReplicas > old.ReadyReplicas ||
		st.AvailableReplicas > old.AvailableReplicas
}

// timedOut reports a rollout whose last step is older than the deadline.
func timedOut(d *api.Deployment, st *api.DeploymentStatus, now time.Time) bool {
	cond := progressing(st)
	switch {
	case cond == nil || cond.Reason == api.ReasonNewReplicaSetAvailable || cond.Reason == api.ReasonDeploymentPaused:
		return false
	case cond.Reason == api.ReasonProgressDeadlineExceeded:
		return true
	}
	return !now.Before(deadline(d, cond))
}

// untilDeadline is how long until a rollout in progress times out: no
// event would mark that moment, so the key comes back then.
func untilDeadline(d *api.Deployment, st *api.DeploymentStatus, now time.Time) (time.Duration, bool) {
	cond := progressing(st)
	if d.Spec.Paused || progressDeadlineSeconds(d) == 0 || cond == nil || isComplete(d, st) ||
		cond.Reason == api.ReasonProgressDeadlineExceeded || cond.Reason == api.ReasonNewReplicaSetAvailable {
		return 0, false
	}
	return max(deadline(d, cond).Sub(now), 0), true
}

func deadline(d *api.Deployment, cond *api.DeploymentCondition) time.Time {
	return cond.LastUpdateTime.Add(time.Duration(progressDeadlineSeconds(d)) * time.Second)
}

// setPausedCondition marks pausing and resuming in Progressing (Unknown),
// unless the rollout already timed out (Kubernetes' checkPausedConditions).
func (c *Controller) setPausedCondition(r *rollout) {
	d := r.d
	cond := progressing(&d.Status)
	if progressDeadlineSeconds(d) == 0 || (cond != nil && cond.Reason == api.ReasonProgressDeadlineExceeded) {
		return
	}
	paused := cond != nil && cond.Reason == api.ReasonDeploymentPaused
	switch {
	case d.Spec.Paused && !paused:
		c.setCondition(r, api.DeploymentProgressing, api.ConditionUnknown, api.ReasonDeploymentPaused, "Deployment is paused")
	case !d.Spec.Paused && paused:
		c.setCondition(r, api.DeploymentProgressing, api.ConditionUnknown, api.ReasonDeploymentResumed, "Deployment is resumed")
	}
}

// setCondition sets a condition on the Deployment of this sync; the
// status written at its end carries it.
func (c *Controller) setCondition(r *rollout, typ, status, reason, msg string) {
	setCondition(&r.d.Status, typ, status, reason, msg, c.now())
}

// setCondition sets a condition, as Kubernetes' SetDeploymentCondition:
// the same status and reason leave it alone; the same status keeps its
// lastTransitionTime.
func setCondition(st *api.DeploymentStatus, typ, status, reason, msg string, now time.Time) {
	cond := api.DeploymentCondition{Type: typ, Status: status, Reason: reason, Message: msg,
		LastUpdateTime: api.NewTime(now), LastTransitionTime: api.NewTime(now)}
	i := slices.IndexFunc(st.Conditions, func(c api.DeploymentCondition) bool { return c.Type == typ })
	if i >= 0 {
		cur := st.Conditions[i]
		if cur.Status == status && cur.Reason == reason {
			return
		}
		if cur.Status == status {
			cond.LastTransitionTime = cur.LastTransitionTime
		}
		st.Conditions = slices.Delete(slices.Clone(st.Conditions), i, i+1)
	}
	st.Conditions = append(st.Conditions, cond)
}

// progressing returns st's Progressing condition, or nil.
func progressing(st *api.DeploymentStatus) *api.DeploymentCondition {
	for i := range st.Conditions {
		if st.Conditions[i].Type == api.DeploymentProgressing {
			return &st.Conditions[i]
		}
	}
	return nil
}

// sameStatus compares statuses as they would be stored.
func sameStatus(a, b api.DeploymentStatus) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}
