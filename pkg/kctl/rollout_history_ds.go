package kctl

// A DaemonSet or a StatefulSet keeps its history in ControllerRevisions:
// one per pod template it has run, each holding {"spec":{"template":…}}
// and numbered by its revision field, made by its controller. rollout
// history lists them; rollout undo copies the template of an older one
// back into the owner, and the controller rolls it out (kubectl's
// DaemonSetHistoryViewer and DaemonSetRollbacker, and their StatefulSet
// twins).

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// dsRevision is one ControllerRevision of a DaemonSet, decoded.
type dsRevision struct {
	cr       *api.ControllerRevision
	template api.PodTemplateSpec
}

// revisionOwner is what the history needs of a DaemonSet or StatefulSet.
type revisionOwner struct {
	kind     string // as kubectl words it: "daemon set", "statefulset"
	meta     *api.ObjectMeta
	selector *api.LabelSelector
	template *api.PodTemplateSpec
}

func revisionOwnerOf(obj api.Object) (revisionOwner, error) {
	switch o := obj.(type) {
	case *api.DaemonSet:
		return revisionOwner{"daemon set", &o.ObjectMeta, o.Spec.Selector, &o.Spec.Template}, nil
	case *api.StatefulSet:
		return revisionOwner{"statefulset", &o.ObjectMeta, o.Spec.Selector, &o.Spec.Template}, nil
	}
	return revisionOwner{}, fmt.Errorf("%s keeps no ControllerRevisions", obj.GetTypeMeta().Kind)
}

// ownedRevisions reads the daemon set or statefulset and the
// ControllerRevisions it controls, oldest first.
func ownedRevisions(ctx context.Context, c *client.Client, o rolloutObject) (revisionOwner, []dsRevision, error) {
	obj, err := o.client(c).Get(ctx, o.name)
	if err != nil {
		return revisionOwner{}, nil, err
	}
	ds, err := revisionOwnerOf(obj)
	if err != nil {
		return ds, nil, err
	}
	sel, err := api.SelectorFromLabelSelector(ds.selector)
	if err != nil {
		return ds, nil, fmt.Errorf("invalid selector of %s %q: %v", ds.kind, ds.meta.Name, err)
	}
	list, _, err := c.Resource(mustLookup("controllerrevisions")).Namespace(o.ns).List(ctx, client.ListOptions{LabelSelector: sel.String()})
	if err != nil {
		return ds, nil, fmt.Errorf("failed to retrieve history of %s %s: %v", ds.kind, ds.meta.Name, err)
	}
	var revs []dsRevision
	for _, item := range list {
		cr := item.(*api.ControllerRevision)
		if ref := api.ControllerRef(&cr.ObjectMeta); ref == nil || ref.UID != ds.meta.UID {
			continue
		}
		var data struct {
			Spec struct {
				Template api.PodTemplateSpec `json:"template"`
			} `json:"spec"`
		}
		if err := json.Unmarshal(cr.Data, &data); err != nil {
			return ds, nil, fmt.Errorf("revision %s of %s %s: %v", cr.Name, ds.kind, ds.meta.Name, err)
		}
		revs = append(revs, dsRevision{cr, data.Spec.Template})
	}
	slices.SortFunc(revs, func(a, b dsRevision) int { return int(a.cr.Revision - b.cr.Revision) })
	return ds, revs, nil
}

// daemonSetHistory is the templates by revision, each carrying its
// revision's change-cause.
func daemonSetHistory(ctx context.Context, c *client.Client, o rolloutObject) (map[int64]*api.PodTemplateSpec, error) {
	_, revs, err := ownedRevisions(ctx, c, o)
	if err != nil {
		return nil, err
	}
	history := map[int64]*api.PodTemplateSpec{}
	for _, r := range revs {
		t := r.template
		if cause := r.cr.Annotations[changeCauseAnnotation]; cause != "" {
			t.Annotations = maps.Clone(t.Annotations)
			if t.Annotations == nil {
				t.Annotations = map[string]string{}
			}
			t.Annotations[changeCauseAnnotation] = cause
		}
		history[r.cr.Revision] = &t
	}
	return history, nil
}

// rollbackDaemonSet copies the template of revision toRevision (0: the
// one before the newest) back into the daemon set or statefulset, with one JSON patch
// that replaces spec.template. (kubectl applies the revision's data as
// a strategic merge patch, which leaves keys the old template lacked.)
func rollbackDaemonSet(ctx context.Context, c *client.Client, o rolloutObject, toRevision int64) (string, error) {
	ds, revs, err := ownedRevisions(ctx, c, o)
	if err != nil {
		return "", err
	}
	var target *dsRevision
	switch {
	case toRevision == 0 && len(revs) < 2:
		return "", fmt.Errorf("no last revision to roll back to")
	case toRevision == 0:
		target = &revs[len(revs)-2]
	default:
		for i := range revs {
			if revs[i].cr.Revision == toRevision {
				target = &revs[i]
			}
		}
		if target == nil {
			return "", fmt.Errorf("unable to find specified revision %d in history", toRevision)
		}
	}
	if equalTemplates(target.template, *ds.template) {
		return fmt.Sprintf("skipped rollback (current template already matches revision %d)", target.cr.Revision), nil
	}
	patch, _ := json.Marshal([]any{
		map[string]any{"op": "replace", "path": "/spec/template", "value": target.template},
	})
	if _, err := o.client(c).Raw(ctx, "PATCH", o.name, "", nil, patch, client.JSONPatch); err != nil {
		return "", fmt.Errorf("failed restoring revision %d: %v", target.cr.Revision, err)
	}
	return "rolled back", nil
}
