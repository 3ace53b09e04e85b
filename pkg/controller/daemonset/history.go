package daemonset

// A DaemonSet keeps each pod template it has run as a ControllerRevision,
// so that `kctl rollout history` can list them and `kctl rollout undo` can
// copy an old one back. A revision is named <daemonset>-<hash>, holds
// {"spec":{"template":…}}, and is numbered: the current template's
// revision always has the highest number. Rolling back writes an old
// template back; its revision is reused and renumbered as the newest, so
// the history reads 2, 3 after 1 → 2 → 1 (Kubernetes'
// pkg/controller/daemonset/update.go, constructHistory and cleanupHistory,
// over pkg/controller/history). The history itself is shared with the
// StatefulSet: see pkg/controller/history.go.

import (
	"context"
	"encoding/json"

	"kubelab/pkg/api"
	"kubelab/pkg/controller"
)

// encodeRevision is what a DaemonSet's revision holds: the part of the
// DaemonSet that a rollback copies back.
func encodeRevision(t *api.PodTemplateSpec) json.RawMessage { return controller.EncodeTemplate(t) }

// ownedRevisions returns the ControllerRevisions ds controls, oldest
// revision first.
func (c *Controller) ownedRevisions(ds *api.DaemonSet) []*api.ControllerRevision {
	return controller.OwnedRevisions(c.revisions, &ds.ObjectMeta)
}

// syncRevision makes sure the current template has the newest revision:
// a new one when the template is new, or, after a rollback, the old one
// that holds it renumbered.
func (c *Controller) syncRevision(ctx context.Context, ds *api.DaemonSet, hash string, revs []*api.ControllerRevision) error {
	_, err := controller.SyncRevision(ctx, c.w, newRevision(ds, hash, encodeRevision(&ds.Spec.Template), 0), revs)
	return err
}

// newRevision is the revision <name>-<hash> of ds's template, labelled
// like its pods and annotated like ds, as Kubernetes does.
func newRevision(ds *api.DaemonSet, hash string, data json.RawMessage, n int64) *api.ControllerRevision {
	return controller.NewRevision(&ds.ObjectMeta, controllerRef(ds), ds.Spec.Template.Labels, ds.Name+"-"+hash, hash, data, n)
}

// pruneRevisions deletes the oldest revisions beyond the limit that are
// neither the current template's nor the template of a pod still
// running.
func (c *Controller) pruneRevisions(ctx context.Context, ds *api.DaemonSet, hash string, revs []*api.ControllerRevision, pods []*api.Pod) error {
	live := map[string]bool{hash: true}
	for _, p := range pods {
		live[p.Labels[HashLabel]] = true
	}
	data := encodeRevision(&ds.Spec.Template)
	keep := func(cr *api.ControllerRevision) bool {
		return live[cr.Labels[HashLabel]] || controller.RevisionHolds(cr, data)
	}
	limit := api.DefaultRevisionHistoryLimit // an object the apiserver did not default, in a unit test
	if n := ds.Spec.RevisionHistoryLimit; n != nil {
		limit = int(*n)
	}
	return controller.PruneRevisions(ctx, c.w, revs, keep, limit)
}
