package apiserver

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"

	"kubelab/pkg/api"
)

// mutateFunc turns the current object into the desired one. It gets its own
// copy of the current object.
type mutateFunc func(current api.Object) (api.Object, *api.Status)

// maxUpdateTries bounds the retries of an update made without a
// resourceVersion when another writer keeps winning.
const maxUpdateTries = 8

// update replaces an object (or only its status, for the status
// subresource). A client that sends a resourceVersion gets 409 if the
// object changed since; one that sends none overwrites the latest version.
func (s *Server) update(ctx context.Context, info requestInfo, mutate mutateFunc) (api.Object, *api.Status) {
	res := info.resource
	for try := 0; ; try++ {
		old, rev, st := s.load(ctx, res, info.namespace, info.name)
		if st != nil {
			return nil, st
		}
		obj, st := mutate(api.DeepCopy(old))
		if st != nil {
			return nil, st
		}
		meta := obj.GetObjectMeta()
		if meta.Name == "" {
			meta.Name = info.name
		}
		if meta.Name != info.name {
			return nil, badRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", meta.Name, info.name))
		}
		if res.Namespaced && meta.Namespace != "" && meta.Namespace != info.namespace {
			return nil, badRequest(fmt.Sprintf("the namespace of the object (%s) does not match the namespace on the URL (%s)", meta.Namespace, info.namespace))
		}
		conditional := meta.ResourceVersion != ""
		if conditional && meta.ResourceVersion != strconv.FormatInt(rev, 10) {
			return nil, conflict(res, info.name, "the object has been modified; please apply your changes to the latest version and try again")
		}
		out, st := s.updateFrom(ctx, info, obj, old, rev)
		if st != nil && st.Reason == "Conflict" && !conditional && try < maxUpdateTries {
			continue
		}
		return out, st
	}
}

// updateFrom admits, validates and stores obj over old, read at rev.
func (s *Server) updateFrom(ctx context.Context, info requestInfo, obj, old api.Object, rev int64) (api.Object, *api.Status) {
	res := info.resource
	validate := func() api.ErrorList { return api.ValidateUpdate(obj, old) }
	switch info.subresource {
	case "status":
		obj = withStatusOf(api.DeepCopy(old), obj)
	case "binding":
		// Binding sets spec.nodeName, which a plain pod update may not change.
		validate = func() api.ErrorList { return api.Validate(obj) }
	default:
		keepServerFields(obj, old)
		if res.HasSubresource("status") {
			obj = withStatusOf(obj, old)
		}
		normalize(obj)
		api.SetDefaults(obj)
		if specChanged(obj, old) {
			obj.GetObjectMeta().Generation = old.GetObjectMeta().Generation + 1
		}
		if st := s.allocate(ctx, res, obj, old); st != nil {
			return nil, st
		}
	}
	if errs := validate(); len(errs) > 0 {
		return nil, invalid(res, info.name, errs)
	}
	meta := obj.GetObjectMeta()
	// The last finalizer of an object being deleted is gone: delete it now.
	if meta.DeletionTimestamp != nil && len(meta.Finalizers) == 0 && !waitsForNode(obj) {
		return s.commit(ctx, res, nil, old, rev)
	}
	meta.ResourceVersion = ""
	if sameStored(obj, old) {
		return old, nil // a no-op update writes nothing and keeps the resourceVersion
	}
	return s.commit(ctx, res, obj, old, rev)
}

// waitsForNode reports a pod in graceful deletion: it stays until its node
// agent confirms with a delete of grace 0.
func waitsForNode(obj api.Object) bool {
	pod, ok := obj.(*api.Pod)
	return ok && pod.Spec.NodeName != "" && pod.DeletionGracePeriodSeconds != nil && *pod.DeletionGracePeriodSeconds > 0
}

// withStatusOf returns dst with the Status field of src.
func withStatusOf(dst, src api.Object) api.Object {
	d := reflect.ValueOf(dst).Elem().FieldByName("Status")
	sv := reflect.ValueOf(src).Elem().FieldByName("Status")
	if d.IsValid() && sv.IsValid() {
		d.Set(sv)
	}
	return dst
}

// specChanged compares everything but metadata and status: generation
// counts changes of what the user asked for.
func specChanged(a, b api.Object) bool {
	strip := func(o api.Object) []byte {
		var m map[string]any
		raw, _ := json.Marshal(o)
		json.Unmarshal(raw, &m)
		delete(m, "metadata")
		delete(m, "status")
		out, _ := json.Marshal(m)
		return out
	}
	return !bytes.Equal(strip(a), strip(b))
}

// sameStored reports whether two objects would be stored identically.
func sameStored(a, b api.Object) bool {
	x, err1 := encodeForStore(a)
	y, err2 := encodeForStore(b)
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}
