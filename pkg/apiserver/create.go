package apiserver

import (
	"context"
	"fmt"

	"kubelab/pkg/api"
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
				meta.Namespace, info.namespace))
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
	// A generated name may collide; draw again a few times, as Kubernetes' clients do.
	for attempt := 0; ; attempt++ {
		generated := meta.Name == "" || attempt > 0
		if generated {
			meta.Name = generatedName(meta.GenerateName)
		}
		if errs := api.Validate(obj); len(errs) > 0 {
			return nil, invalid(res, meta.Name, errs)
		}
		if st := s.allocate(ctx, res, obj, nil); st != nil {
			return nil, st
		}
		out, st := s.commit(ctx, res, obj, nil, 0)
		if st != nil && st.Reason == "AlreadyExists" && generated && attempt < 5 {
			continue
		}
		return out, st
	}
}
