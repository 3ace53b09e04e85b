package apiserver

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"kubelab/pkg/api"
	"kubelab/pkg/store"
)

// create admits, validates and stores a new object. Nothing is written
// unless every step succeeds, and then in one transaction.
func (s *Server) create(ctx context.Context, info requestInfo, obj api.Object) (api.Object, *api.Status) {
	res := info.resource
	meta := obj.GetObjectMeta()
	if res.Namespaced {
		switch {
		case meta.Namespace == "":
			meta.Namespace = info.namespace
		case info.namespace != "" && meta.Namespace != info.namespace:
			return nil, badRequest(fmt.Sprintf("the namespace of the provided object (%s) does not match the namespace sent on the request (%s)",
				api.Shorten(meta.Namespace), info.namespace))
		}
		if meta.Namespace == "" {
			meta.Namespace = "default"
		}
		// That the namespace exists and is not terminating is checked in
		// the commit transaction itself (see commit).
	} else {
		meta.Namespace = ""
	}
	if meta.Name == "" && meta.GenerateName == "" {
		return nil, invalid(res, "", api.ErrorList{{Type: "Required value", Field: "metadata.name",
			Detail: "name or generateName is required"}})
	}
	prepareCreate(obj)
	normalize(obj)
	api.SetDefaults(obj)
	switch o := obj.(type) {
	case *api.Pod:
		s.mountServiceAccountToken(ctx, o) // serviceaccount_admission.go
		// tolerations_admission.go
		addDefaultTolerations(o, s.tolerations)
	case *api.CertificateSigningRequest:
		setRequester(ctx, o) // certificates.go
	}
	if st := s.admitStorageCreate(ctx, obj); st != nil { // pvc_admission.go
		return nil, st
	}
	// A generated name may collide, and so may an address chosen for the
	// object when another apiserver (or request) chose it at the same
	// moment: then choose again, a few times, as Kubernetes does.
	requested := claimsOf(obj)
	// A retry starts again from the object as it is now. Copying it is a
	// JSON round trip, as costly as decoding the request, so only an
	// object that can be retried is copied: one whose name is generated,
	// or that is given addresses (allocates).
	var pristine api.Object
	if meta.Name == "" || allocates(obj) {
		pristine = api.DeepCopy(obj)
	}
	for attempt := 0; ; attempt++ {
		generated := meta.Name == "" || attempt > 0 && meta.GenerateName != ""
		if generated {
			meta.Name = generatedName(meta.GenerateName)
		}
		if job, ok := obj.(*api.Job); ok {
			generateJobSelector(job) // jobs.go: needs the uid and the final name
		}
		if errs := api.Validate(obj); len(errs) > 0 {
			return nil, invalid(res, meta.Name, errs)
		}
		if st := s.admitPodSecurity(ctx, res, obj, nil); st != nil {
			return nil, st
		}
		if st := s.admitIdentity(ctx, info, obj, nil); st != nil {
			return nil, st
		}
		if st := s.allocate(ctx, res, obj, nil); st != nil {
			return nil, st
		}
		out, err := s.commitTxn(ctx, res, obj, nil, 0)
		var claim *store.ClaimError
		// Each round of a race has a winner, so N racers for the lowest free
		// address need at most N rounds.
		retry := errors.Is(err, store.ErrAlreadyExists) && generated && attempt < 5 ||
			errors.As(err, &claim) && !slices.Contains(requested, claim.Key) && attempt < maxAllocationRounds
		retry = retry && pristine != nil
		if retry {
			name := meta.Name
			obj = api.DeepCopy(pristine)
			meta = obj.GetObjectMeta()
			if !generated {
				meta.Name = name
			}
			continue
		}
		if err != nil {
			return nil, storeErr(res, obj, meta.Name, err)
		}
		if store.IsDryRun(ctx) {
			out.GetObjectMeta().ResourceVersion = "" // dryrun.go: never stored, so no version yet
		}
		return out, nil
	}
}

// maxAllocationRounds bounds how often a create chooses an address again
// after losing it to a concurrent create.
const maxAllocationRounds = 64
