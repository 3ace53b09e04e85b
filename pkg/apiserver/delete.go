package apiserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/store"
)

// Deletion, as Kubernetes does it:
//   - a pod bound to a node is not removed at once: it gets a
//     deletionTimestamp (now + grace period) and stays until its node agent
//     has stopped the containers and deletes it again with grace 0;
//   - propagationPolicy Orphan or Foreground adds the "orphan" or
//     "foregroundDeletion" finalizer for the garbage collector;
//   - an object with finalizers only gets a deletionTimestamp; it goes when
//     the last finalizer is removed;
//   - a namespace turns Terminating until its content is gone and the
//     namespace controller finalizes it;
//   - everything else is removed at once, in one transaction with the
//     addresses it held.

// readDeleteOptions reads the options of a delete from its body, which
// may be empty or DeleteOptions and nothing else (a body of another kind
// is a mistake, not something to ignore), and from its query. It returns
// the request's context, marked when the options ask for a dry run
// (dryrun.go): kubectl sends dryRun in the body, other clients in the
// query.
func (s *Server) readDeleteOptions(w http.ResponseWriter, r *http.Request, res api.Resource) (context.Context, api.DeleteOptions, *api.Status) {
	var opts api.DeleteOptions
	var dry struct {
		DryRun []string `json:"dryRun"`
	}
	body, _, st := s.readBody(w, r, objectTypes)
	if st != nil {
		return nil, opts, st
	}
	if len(bytes.TrimSpace(body)) > 0 {
		j, err := api.ToJSON(body)
		if err == nil {
			err = json.Unmarshal(j, &opts)
		}
		if err == nil {
			err = json.Unmarshal(j, &dry)
		}
		if err != nil {
			return nil, opts, badRequest("the body is not valid DeleteOptions: " + err.Error())
		}
		if st := checkDeleteOptionsType(opts.TypeMeta, res); st != nil {
			return nil, opts, st
		}
	}
	q := r.URL.Query()
	if dry.DryRun == nil {
		dry.DryRun = q["dryRun"]
	}
	ctx, st := dryRunContext(r.Context(), "DeleteOptions", dry.DryRun)
	if st != nil {
		return nil, opts, st
	}
	if g := q.Get("gracePeriodSeconds"); g != "" {
		v, err := strconv.ParseInt(g, 10, 64)
		if err != nil {
			return nil, opts, badRequest(fmt.Sprintf("gracePeriodSeconds %q: must be an integer", g))
		}
		opts.GracePeriodSeconds = &v
	}
	if p := q.Get("propagationPolicy"); p != "" {
		opts.PropagationPolicy = &p
	}
	if opts.PropagationPolicy == nil && opts.OrphanDependents != nil {
		p := api.DeletePropagationBackground
		if *opts.OrphanDependents {
			p = api.DeletePropagationOrphan
		}
		opts.PropagationPolicy = &p
	}
	if p := opts.PropagationPolicy; p != nil {
		switch *p {
		case api.DeletePropagationOrphan, api.DeletePropagationBackground, api.DeletePropagationForeground:
		default:
			return nil, opts, badRequest(fmt.Sprintf(`propagationPolicy: Unsupported value: %s: supported values: "Foreground", "Background", "Orphan"`, api.Quote(*p)))
		}
	}
	if g := opts.GracePeriodSeconds; g != nil && *g < 0 {
		return nil, opts, badRequest("gracePeriodSeconds: must be greater than or equal to 0")
	}
	return ctx, opts, nil
}

// checkDeleteOptionsType accepts the apiVersions Kubernetes takes
// DeleteOptions in: v1 (the core group's), meta.k8s.io/v1, and the
// resource's own group version.
func checkDeleteOptionsType(tm api.TypeMeta, res api.Resource) *api.Status {
	if tm.Kind != "" && tm.Kind != "DeleteOptions" {
		return badRequest(fmt.Sprintf("the body of a delete must be DeleteOptions or empty, not a %s", api.Quote(tm.Kind)))
	}
	versions := []string{"v1", "meta.k8s.io/v1"}
	if !slices.Contains(versions, res.APIVersion()) {
		versions = append(versions, res.APIVersion())
	}
	if tm.APIVersion != "" && !slices.Contains(versions, tm.APIVersion) {
		return badRequest(fmt.Sprintf("DeleteOptions in apiVersion %s: expected one of %s", api.Quote(tm.APIVersion), strings.Join(versions, ", ")))
	}
	return nil
}

func (s *Server) serveDelete(w http.ResponseWriter, r *http.Request, info requestInfo) {
	ctx, opts, st := s.readDeleteOptions(w, r, info.resource)
	if st != nil {
		writeStatus(w, st)
		return
	}
	obj, st := s.delete(ctx, info, opts)
	if st != nil {
		writeStatus(w, st)
		return
	}
	writeJSON(w, http.StatusOK, obj)
}

func (s *Server) serveDeleteCollection(w http.ResponseWriter, r *http.Request, info requestInfo) {
	lopts, st := parseListOptions(r, info.resource)
	if st != nil {
		writeStatus(w, st)
		return
	}
	ctx, dopts, st := s.readDeleteOptions(w, r, info.resource)
	if st != nil {
		writeStatus(w, st)
		return
	}
	items, _, err := s.listObjects(ctx, info.resource, info.namespace, lopts)
	if err != nil {
		writeStatus(w, internalError(err))
		return
	}
	for _, obj := range items {
		one := info
		one.namespace, one.name = obj.GetObjectMeta().Namespace, obj.GetObjectMeta().Name
		if _, st := s.delete(ctx, one, dopts); st != nil && st.Code != http.StatusNotFound {
			writeStatus(w, st)
			return
		}
	}
	writeJSON(w, http.StatusOK, &api.Status{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Status"}, Status: "Success"})
}

// delete runs the deletion rules above and returns the object as it is
// after the call (with a deletionTimestamp if it stays for now).
func (s *Server) delete(ctx context.Context, info requestInfo, opts api.DeleteOptions) (api.Object, *api.Status) {
	res := info.resource
	if res.Name == "namespaces" && slices.Contains(api.SystemNamespaces(), info.name) {
		// As Kubernetes' NamespaceLifecycle admission: the cluster's own
		// components live there, and default is where objects go.
		return nil, forbidden(res, info.name, "this namespace may not be deleted")
	}
	retry := newRetry(ctx)
	for {
		old, rev, st := s.load(ctx, res, info.namespace, info.name)
		if st != nil {
			return nil, st
		}
		meta := old.GetObjectMeta()
		if p := opts.Preconditions; p != nil {
			if p.UID != nil && *p.UID != meta.UID {
				return nil, conflict(res, info.name, fmt.Sprintf("Precondition failed: UID in precondition: %s, UID in object meta: %s", api.Shorten(*p.UID), meta.UID))
			}
			if p.ResourceVersion != nil && *p.ResourceVersion != meta.ResourceVersion {
				return nil, conflict(res, info.name, fmt.Sprintf("Precondition failed: ResourceVersion in precondition: %s, ResourceVersion in object meta: %s", api.Shorten(*p.ResourceVersion), meta.ResourceVersion))
			}
		}
		obj, remove := markDeleted(api.DeepCopy(old), opts)
		switch {
		case remove:
			obj = nil
		case sameStored(obj, old):
			return old, nil
		}
		out, err := s.commitTxn(ctx, res, obj, old, rev)
		if errors.Is(err, store.ErrConflict) && retry.again(ctx) {
			continue // another writer won: delete what it wrote, if the preconditions still hold
		}
		if err != nil {
			return nil, storeErr(res, obj, info.name, err)
		}
		return out, nil
	}
}

// markDeleted applies a delete to obj; remove is true when the object
// should go from the store now.
func markDeleted(obj api.Object, opts api.DeleteOptions) (api.Object, bool) {
	meta := obj.GetObjectMeta()
	now := api.Now()
	setDeletion := func(grace int64) {
		at := api.NewTime(now.Add(time.Duration(grace) * time.Second))
		if meta.DeletionTimestamp == nil || at.Before(meta.DeletionTimestamp.Time) {
			meta.DeletionTimestamp = &at
			meta.DeletionGracePeriodSeconds = api.Int64(grace)
		}
	}
	if ns, ok := obj.(*api.Namespace); ok {
		ns.Status.Phase = api.NamespaceTerminating
		setDeletion(0)
		return obj, len(ns.Spec.Finalizers) == 0 && len(meta.Finalizers) == 0
	}
	switch policy := opts.PropagationPolicy; {
	case policy == nil:
	case *policy == api.DeletePropagationOrphan:
		meta.Finalizers = addFinalizer(meta.Finalizers, api.FinalizerOrphanDependents)
	case *policy == api.DeletePropagationForeground:
		meta.Finalizers = addFinalizer(meta.Finalizers, api.FinalizerDeleteDependents)
	}
	if pod, ok := obj.(*api.Pod); ok && pod.Spec.NodeName != "" &&
		pod.Status.Phase != api.PodSucceeded && pod.Status.Phase != api.PodFailed {
		grace := int64(30)
		if pod.Spec.TerminationGracePeriodSeconds != nil {
			grace = *pod.Spec.TerminationGracePeriodSeconds
		}
		if opts.GracePeriodSeconds != nil {
			grace = *opts.GracePeriodSeconds
		}
		if grace > 0 {
			setDeletion(grace)
			return obj, false
		}
	}
	setDeletion(0)
	return obj, len(meta.Finalizers) == 0
}

func addFinalizer(list []string, f string) []string {
	for _, x := range list {
		if x == f {
			return list
		}
	}
	return append(list, f)
}

// serveFinalize answers PUT namespaces/{name}/finalize: the namespace
// controller, having emptied a namespace, clears spec.finalizers; a
// terminating namespace with none left is removed.
func (s *Server) serveFinalize(w http.ResponseWriter, r *http.Request, info requestInfo) {
	body, st := s.readObject(w, r, info.resource)
	if st != nil {
		writeStatus(w, st)
		return
	}
	want := body.(*api.Namespace).Spec.Finalizers
	ctx := r.Context()
	old, rev, st := s.load(ctx, info.resource, "", info.name)
	if st != nil {
		writeStatus(w, st)
		return
	}
	ns := api.DeepCopy(old).(*api.Namespace)
	ns.Spec.Finalizers = want
	var out api.Object
	if ns.DeletionTimestamp != nil && len(want) == 0 && len(ns.Finalizers) == 0 {
		out, st = s.commit(ctx, info.resource, nil, old, rev)
	} else {
		out, st = s.commit(ctx, info.resource, ns, old, rev)
	}
	if st != nil {
		writeStatus(w, st)
		return
	}
	writeJSON(w, http.StatusOK, out)
}
