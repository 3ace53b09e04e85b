package apiserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strconv"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/store"
)

// mutateFunc turns the current object into the desired one. It gets its own
// copy of the current object, and may be called again, on a newer one,
// when the update retries.
type mutateFunc func(current api.Object) (api.Object, *api.Status)

// update replaces an object (or only its status, for the status
// subresource). A client that sends a resourceVersion gets 409 if the
// object changed since. One that sends none overwrites the latest
// version: when another writer wins the race between the read and the
// write, the update reads again and retries, until it succeeds or the
// request's deadline passes, as Kubernetes' GuaranteedUpdate does; a
// client without a precondition never sees a 409 that it could do
// nothing about but send the same request again.
func (s *Server) update(ctx context.Context, info requestInfo, mutate mutateFunc) (api.Object, *api.Status) {
	res := info.resource
	retry := newRetry(ctx)
	for {
		old, cur, rev, st := s.loadTwice(ctx, res, info.namespace, info.name)
		if st != nil {
			return nil, st
		}
		obj, st := mutate(cur)
		if st != nil {
			return nil, st
		}
		meta := obj.GetObjectMeta()
		if meta.Name == "" {
			meta.Name = info.name
		}
		if meta.Name != info.name {
			return nil, badRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", api.Shorten(meta.Name), info.name))
		}
		if res.Namespaced && meta.Namespace != "" && meta.Namespace != info.namespace {
			return nil, badRequest(fmt.Sprintf("the namespace of the object (%s) does not match the namespace on the URL (%s)", api.Shorten(meta.Namespace), info.namespace))
		}
		conditional := meta.ResourceVersion != ""
		if conditional && meta.ResourceVersion != strconv.FormatInt(rev, 10) {
			return nil, conflict(res, info.name, modified)
		}
		next, st := s.admitUpdate(ctx, info, obj, old)
		if st != nil {
			return nil, st
		}
		if next == old {
			return old, nil // a no-op update writes nothing and keeps the resourceVersion
		}
		out, err := s.commitTxn(ctx, res, next, old, rev)
		if errors.Is(err, store.ErrConflict) && !conditional && retry.again(ctx) {
			continue
		}
		if err != nil {
			return nil, storeErr(res, next, info.name, err)
		}
		return out, nil
	}
}

// admitUpdate admits and validates obj as the successor of old. It returns
// what to store: obj as admitted, nil when the update removes the object
// (its last finalizer went), or old itself when nothing would change.
func (s *Server) admitUpdate(ctx context.Context, info requestInfo, obj, old api.Object) (api.Object, *api.Status) {
	res := info.resource
	validate := func() api.ErrorList { return api.ValidateUpdate(obj, old) }
	switch info.subresource {
	case "status":
		obj = withStatusOf(api.DeepCopy(old), obj)
	case "approval": // a CertificateSigningRequest's conditions, and nothing else (certificates.go)
		obj = withConditionsOf(old.(*api.CertificateSigningRequest), obj.(*api.CertificateSigningRequest))
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
		if pod, ok := obj.(*api.Pod); ok {
			addDefaultTolerations(pod, s.tolerations) // tolerations_admission.go: on update too, as Kubernetes
		}
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
	if info.subresource == "" {
		if st := s.admitPodSecurity(ctx, res, obj, old); st != nil {
			return nil, st
		}
		if st := s.admitClaimResize(ctx, res, obj, old); st != nil { // pvc_admission.go
			return nil, st
		}
	}
	if st := s.admitIdentity(ctx, info, obj, old); st != nil {
		return nil, st
	}
	meta := obj.GetObjectMeta()
	// The last finalizer of an object being deleted is gone: delete it now.
	if meta.DeletionTimestamp != nil && len(meta.Finalizers) == 0 && !waitsForNode(obj) {
		return nil, nil
	}
	meta.ResourceVersion = ""
	if sameStored(obj, old) {
		return old, nil
	}
	return obj, nil
}

// modified is why a write that lost a race gets 409.
const modified = "the object has been modified; please apply your changes to the latest version and try again"

// retry paces the retries of a write that lost a race: a random wait
// (jitter, so that the losers do not collide again at once) that grows
// from minRetryWait to maxRetryWait, until the request's deadline, or
// for at most maxRetryTime if it has none.
type retry struct {
	deadline time.Time
	wait     time.Duration
}

const (
	minRetryWait = time.Millisecond
	maxRetryWait = 64 * time.Millisecond
	maxRetryTime = time.Minute // Kubernetes' default request timeout
)

func newRetry(ctx context.Context) *retry {
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(maxRetryTime)
	}
	return &retry{deadline: deadline, wait: minRetryWait}
}

// again waits before the next try and reports whether to make it: false
// when the wait would end past the deadline or ctx ends meanwhile.
func (r *retry) again(ctx context.Context) bool {
	d := rand.N(r.wait) + 1
	r.wait = min(2*r.wait, maxRetryWait)
	if time.Now().Add(d).After(r.deadline) {
		return false
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
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
