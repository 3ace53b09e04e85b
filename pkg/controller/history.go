package controller

// A workload that rolls its pods from one template to the next (a
// DaemonSet, a StatefulSet) keeps each template it has run as a
// ControllerRevision, so that `kctl rollout history` can list them and
// `kctl rollout undo` can copy an old one back. A revision holds
// {"spec":{"template":…}}, is controlled by its owner, and is numbered:
// the owner's current template always has the highest number. Rolling
// back writes an old template back; its revision is reused and
// renumbered as the newest, so the history reads 2, 3 after 1 → 2 → 1
// (Kubernetes' pkg/controller/history, which also adopts orphaned
// revisions and resolves hash collisions with status.collisionCount;
// kubelab does neither).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"maps"
	"slices"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

var revisionsResource = Resource("controllerrevisions")

// templateRevision is what a revision holds: the part of its owner that
// a rollback copies back.
type templateRevision struct {
	Spec struct {
		Template api.PodTemplateSpec `json:"template"`
	} `json:"spec"`
}

// EncodeTemplate returns the data of a revision of t.
func EncodeTemplate(t *api.PodTemplateSpec) json.RawMessage {
	var d templateRevision
	d.Spec.Template = *t
	b, err := json.Marshal(d)
	if err != nil {
		panic(err) // API types always marshal
	}
	return b
}

// DecodeTemplate returns the pod template cr holds.
func DecodeTemplate(cr *api.ControllerRevision) (api.PodTemplateSpec, error) {
	var d templateRevision
	if err := json.Unmarshal(cr.Data, &d); err != nil {
		return api.PodTemplateSpec{}, fmt.Errorf("revision %s: %w", client.KeyOf(cr), err)
	}
	return d.Spec.Template, nil
}

// RevisionHolds reports whether cr holds data (EncodeTemplate's): decoded
// and encoded again, so that a server's re-encoding does not matter.
func RevisionHolds(cr *api.ControllerRevision, data json.RawMessage) bool {
	t, err := DecodeTemplate(cr)
	return err == nil && string(EncodeTemplate(&t)) == string(data)
}

// HashRevision is a short digest of a revision's data, as Kubernetes
// names a revision <owner>-<hash of its data>.
func HashRevision(data json.RawMessage) string {
	h := fnv.New32a()
	h.Write(data)
	return fmt.Sprintf("%08x", h.Sum32())
}

// OwnedRevisions returns the ControllerRevisions owner controls, oldest
// revision first. revisions needs the IndexNamespace index.
func OwnedRevisions(revisions Lister, owner *api.ObjectMeta) []*api.ControllerRevision {
	var out []*api.ControllerRevision
	for _, obj := range revisions.ByIndex(IndexNamespace, owner.Namespace) {
		cr := obj.(*api.ControllerRevision)
		if ref := api.ControllerRef(&cr.ObjectMeta); ref != nil && ref.UID == owner.UID {
			out = append(out, cr)
		}
	}
	slices.SortFunc(out, func(a, b *api.ControllerRevision) int { return int(a.Revision - b.Revision) })
	return out
}

// NewRevision returns revision n of an owner's template, named name,
// labelled like the owner's pods plus controller-revision-hash: hash, and
// annotated like the owner (the change-cause, for rollout history), as
// Kubernetes makes them. ref is the owner's controller reference.
func NewRevision(owner *api.ObjectMeta, ref api.OwnerReference, podLabels map[string]string, name, hash string, data json.RawMessage, n int64) *api.ControllerRevision {
	labels := maps.Clone(podLabels)
	if labels == nil {
		labels = map[string]string{}
	}
	labels[api.ControllerRevisionHashLabel] = hash
	return &api.ControllerRevision{
		TypeMeta: api.TypeMeta{APIVersion: "apps/v1", Kind: "ControllerRevision"},
		ObjectMeta: api.ObjectMeta{
			Name:            name,
			Namespace:       owner.Namespace,
			Labels:          labels,
			Annotations:     maps.Clone(owner.Annotations),
			OwnerReferences: []api.OwnerReference{ref},
		},
		Data:     data,
		Revision: n,
	}
}

// SyncRevision makes sure the template of want (a NewRevision; its number
// is ignored) has the newest of the owner's revisions revs: want is
// created numbered after the newest when no revision holds its data, or,
// after a rollback, the old one that does is renumbered. It returns the
// revision that holds the template, as written.
func SyncRevision(ctx context.Context, w Writer, want *api.ControllerRevision, revs []*api.ControllerRevision) (*api.ControllerRevision, error) {
	var top int64
	var cur *api.ControllerRevision
	for _, cr := range revs {
		top = max(top, cr.Revision)
		if cur == nil && RevisionHolds(cr, want.Data) {
			cur = cr
		}
	}
	switch {
	case cur == nil:
		cr := api.DeepCopy(want)
		cr.Revision = top + 1
		if _, err := w.Create(ctx, cr); err != nil && !client.IsAlreadyExists(err) {
			// AlreadyExists: made by an earlier sync the cache has not
			// shown yet.
			return nil, fmt.Errorf("create revision %s/%s: %w", cr.Namespace, cr.Name, err)
		}
		return cr, nil
	case cur.Revision < top:
		cp := api.DeepCopy(cur) // the cache's
		cp.Revision = top + 1
		if _, err := w.Update(ctx, cp); err != nil {
			return nil, fmt.Errorf("renumber revision %s: %w", client.KeyOf(cur), err)
		}
		return cp, nil
	}
	return cur, nil
}

// PruneRevisions deletes the oldest of revs (oldest first) beyond limit
// of those keep does not keep: the owner keeps the revision of its
// current template and those its pods still run. (Kubernetes counts the
// kept revisions toward the limit too.)
func PruneRevisions(ctx context.Context, w Writer, revs []*api.ControllerRevision, keep func(*api.ControllerRevision) bool, limit int) error {
	var unused []*api.ControllerRevision
	for _, cr := range revs {
		if !keep(cr) {
			unused = append(unused, cr)
		}
	}
	var errs []error
	for _, cr := range unused[:max(0, len(unused)-limit)] {
		err := w.Delete(ctx, revisionsResource, cr.Namespace, cr.Name, nil)
		if err != nil && !client.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("delete revision %s: %w", client.KeyOf(cr), err))
		}
	}
	return errors.Join(errs...)
}
