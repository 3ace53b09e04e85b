package statefulset

import (
	"context"

	"kubelab/pkg/api"
	"kubelab/pkg/controller"
)

// A StatefulSet keeps its templates as ControllerRevisions, as a
// DaemonSet does (pkg/controller/history.go): <set>-<hash>, the current
// template numbered highest. Each pod's controller-revision-hash label
// names the revision it was made from (the whole name, as in
// Kubernetes), and two revisions matter to a sync: the update revision,
// the set's template now, and the current revision, the one its pods ran
// before the last change (status.currentRevision), which a pod below the
// partition is still made from. When every pod runs the update revision
// and is ready, the update revision becomes the current one.

// history is the two revisions a sync works with, and their templates.
type history struct {
	current, update                 *api.ControllerRevision
	currentTemplate, updateTemplate *api.PodTemplateSpec
}

// syncRevisions makes sure the set's template has the newest revision
// and returns the current and update revisions. A new set, or one whose
// current revision is gone, has only the update revision.
func (c *Controller) syncRevisions(ctx context.Context, set *api.StatefulSet, revs []*api.ControllerRevision) (*history, error) {
	data := controller.EncodeTemplate(&set.Spec.Template)
	hash := controller.HashRevision(data)
	want := controller.NewRevision(&set.ObjectMeta, controllerRef(set), set.Spec.Template.Labels, set.Name+"-"+hash, hash, data, 0)
	update, err := controller.SyncRevision(ctx, c.w, want, revs)
	if err != nil {
		return nil, err
	}
	h := &history{current: update, update: update, currentTemplate: &set.Spec.Template, updateTemplate: &set.Spec.Template}
	for _, cr := range revs {
		if cr.Name == set.Status.CurrentRevision && cr.Name != update.Name {
			t, err := controller.DecodeTemplate(cr)
			if err != nil {
				return nil, err
			}
			h.current, h.currentTemplate = cr, &t
		}
	}
	return h, nil
}

// pruneRevisions deletes the oldest revisions beyond
// spec.revisionHistoryLimit that are neither current, nor the update
// revision, nor the revision of a pod.
func (c *Controller) pruneRevisions(ctx context.Context, set *api.StatefulSet, h *history, revs []*api.ControllerRevision, pods []*api.Pod) error {
	live := map[string]bool{h.current.Name: true, h.update.Name: true}
	for _, p := range pods {
		live[revisionOf(p)] = true
	}
	limit := api.DefaultRevisionHistoryLimit
	if n := set.Spec.RevisionHistoryLimit; n != nil {
		limit = int(*n)
	}
	keep := func(cr *api.ControllerRevision) bool { return live[cr.Name] }
	return controller.PruneRevisions(ctx, c.w, revs, keep, limit)
}
