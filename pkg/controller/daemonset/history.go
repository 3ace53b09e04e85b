package daemonset

// A DaemonSet keeps each pod template it has run as a ControllerRevision,
// so that `kctl rollout history` can list them and `kctl rollout undo` can
// copy an old one back. A revision is named <daemonset>-<hash>, holds
// {"spec":{"template":…}}, and is numbered: the current template's
// revision always has the highest number. Rolling back writes an old
// template back; its revision is reused and renumbered as the newest, so
// the history reads 2, 3 after 1 → 2 → 1 (Kubernetes'
// pkg/controller/daemonset/update.go, constructHistory and cleanupHistory,
// over pkg/controller/history).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/controller"
)

// revisionHistoryLimit is how many unused old revisions a DaemonSet keeps:
// Kubernetes' default of spec.revisionHistoryLimit, a field kubelab's
// DaemonSetSpec does not have.
const revisionHistoryLimit = 10

var revisionsResource = controller.Resource("controllerrevisions")

// revisionData is what a DaemonSet's revision holds: the part of the
// DaemonSet that a rollback copies back.
type revisionData struct {
	Spec struct {
		Template api.PodTemplateSpec `json:"template"`
	} `json:"spec"`
}

func encodeRevision(t *api.PodTemplateSpec) json.RawMessage {
	var d revisionData
	d.Spec.Template = *t
	b, err := json.Marshal(d)
	if err != nil {
		panic(err) // API types always marshal
	}
	return b
}

// holds reports whether cr is a snapshot of template: decoded and encoded
// again, so that a server's re-encoding does not matter.
func holds(cr *api.ControllerRevision, template json.RawMessage) bool {
	var d revisionData
	if err := json.Unmarshal(cr.Data, &d); err != nil {
		return false
	}
	return string(encodeRevision(&d.Spec.Template)) == string(template)
}

// ownedRevisions returns the ControllerRevisions ds controls, oldest
// revision first. (Kubernetes also adopts matching orphans; kubelab does
// not.)
func (c *Controller) ownedRevisions(ds *api.DaemonSet) []*api.ControllerRevision {
	var out []*api.ControllerRevision
	for _, obj := range c.revisions.ByIndex(controller.IndexNamespace, ds.Namespace) {
		cr := obj.(*api.ControllerRevision)
		if ref := api.ControllerRef(&cr.ObjectMeta); ref != nil && ref.UID == ds.UID {
			out = append(out, cr)
		}
	}
	slices.SortFunc(out, func(a, b *api.ControllerRevision) int { return int(a.Revision - b.Revision) })
	return out
}

// syncRevision makes sure the current template has the newest revision:
// a new one when the template is new, or, after a rollback, the old one
// that holds it renumbered.
func (c *Controller) syncRevision(ctx context.Context, ds *api.DaemonSet, hash string, revs []*api.ControllerRevision) error {
	data := encodeRevision(&ds.Spec.Template)
	var top int64
	var cur *api.ControllerRevision
	for _, cr := range revs {
		top = max(top, cr.Revision)
		if cur == nil && holds(cr, data) {
			cur = cr
		}
	}
	switch {
	case cur == nil:
		cr := newRevision(ds, hash, data, top+1)
		if _, err := c.w.Create(ctx, cr); err != nil && !client.IsAlreadyExists(err) {
			// AlreadyExists: made by an earlier sync the cache has not
			// shown yet. (Kubernetes also handles a hash collision, with
			// status.collisionCount; kubelab does not.)
			return fmt.Errorf("create revision %s/%s: %w", ds.Namespace, cr.Name, err)
		}
	case cur.Revision < top:
		cp := api.DeepCopy(cur) // the cache's
		cp.Revision = top + 1
		if _, err := c.w.Update(ctx, cp); err != nil {
			return fmt.Errorf("renumber revision %s: %w", client.KeyOf(cur), err)
		}
	}
	return nil
}

// newRevision is the revision of ds's template, labelled like its pods
// and annotated like ds, as Kubernetes does.
func newRevision(ds *api.DaemonSet, hash string, data json.RawMessage, n int64) *api.ControllerRevision {
	labels := maps.Clone(ds.Spec.Template.Labels)
	if labels == nil {
		labels = map[string]string{}
	}
	labels[HashLabel] = hash
	return &api.ControllerRevision{
		TypeMeta: api.TypeMeta{APIVersion: "apps/v1", Kind: "ControllerRevision"},
		ObjectMeta: api.ObjectMeta{
			Name:            ds.Name + "-" + hash,
			Namespace:       ds.Namespace,
			Labels:          labels,
			Annotations:     maps.Clone(ds.Annotations), // the change-cause, for rollout history
			OwnerReferences: []api.OwnerReference{controllerRef(ds)},
		},
		Data:     data,
		Revision: n,
	}
}

// pruneRevisions deletes the oldest revisions beyond the limit that are
// neither the current template's nor the template of a pod still
// running. (Kubernetes counts the revisions in use toward the limit too.)
func (c *Controller) pruneRevisions(ctx context.Context, ds *api.DaemonSet, hash string, revs []*api.ControllerRevision, pods []*api.Pod) error {
	live := map[string]bool{hash: true}
	for _, p := range pods {
		live[p.Labels[HashLabel]] = true
	}
	data := encodeRevision(&ds.Spec.Template)
	var unused []*api.ControllerRevision
	for _, cr := range revs { // oldest first
		if !live[cr.Labels[HashLabel]] && !holds(cr, data) {
			unused = append(unused, cr)
		}
	}
	var errs []error
	for _, cr := range unused[:max(0, len(unused)-revisionHistoryLimit)] {
		err := c.w.Delete(ctx, revisionsResource, cr.Namespace, cr.Name, nil)
		if err != nil && !client.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("delete revision %s: %w", client.KeyOf(cr), err))
		}
	}
	return errors.Join(errs...)
}
