package apiserver

import (
	"context"

	"kubelab/pkg/api"
	"kubelab/pkg/store"
)

// The storage admission plugins of Kubernetes, in one file:
//
//   - DefaultStorageClass: a new claim that names no class
//     (storageClassName absent, not "") gets the default class, the one
//     annotated storageclass.kubernetes.io/is-default-class=true; of
//     several defaults, the newest, as Kubernetes since 1.26. With no
//     default the claim keeps no class, and can bind only to volumes of
//     no class.
//   - StorageObjectInUseProtection: a new claim gets the finalizer
//     kubernetes.io/pvc-protection and a new volume kubernetes.io/pv-protection,
//     which the PV controller removes once no pod uses the claim, or no
//     claim the volume (pkg/controller/pvbinder): deleting either while in
//     use only marks it.
//   - PersistentVolumeClaimResize: a claim may grow only if its class says
//     allowVolumeExpansion: true.

// admitStorageCreate applies DefaultStorageClass and the protection
// finalizers to a new claim or volume.
func (s *Server) admitStorageCreate(ctx context.Context, obj api.Object) *api.Status {
	switch o := obj.(type) {
	case *api.PersistentVolumeClaim:
		if o.Spec.StorageClassName == nil {
			def, st := s.defaultStorageClass(ctx)
			if st != nil {
				return st
			}
			if def != "" {
				o.Spec.StorageClassName = &def
			}
		}
		o.Finalizers = addFinalizer(o.Finalizers, api.PVCProtectionFinalizer) // delete.go
	case *api.PersistentVolume:
		o.Finalizers = addFinalizer(o.Finalizers, api.PVProtectionFinalizer)
	}
	return nil
}

// defaultStorageClass names the newest class marked default, or "".
func (s *Server) defaultStorageClass(ctx context.Context) (string, *api.Status) {
	res := mustResource("storageclasses")
	kvs, _, err := s.store.List(ctx, store.Prefix(res.Name, ""))
	if err != nil {
		return "", internalError(err)
	}
	// Newest wins; of two as new, the first by name (the list's order).
	var newest *api.StorageClass
	for _, kv := range kvs {
		o, err := s.decodeStored(res, kv)
		if err != nil {
			return "", internalError(err)
		}
		sc := o.(*api.StorageClass)
		if sc.Annotations[api.IsDefaultStorageClassAnnotation] != "true" {
			continue
		}
		if newest == nil || sc.CreationTimestamp.After(newest.CreationTimestamp.Time) {
			newest = sc
		}
	}
	if newest == nil {
		return "", nil
	}
	return newest.Name, nil
}

// resizeForbidden is Kubernetes' answer to a claim grown beyond what its
// class allows.
const resizeForbidden = "only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize"

// admitClaimResize lets a claim's storage request grow only when its
// class allows expansion. Validation has already refused shrinking and
// growing a claim that is not bound.
func (s *Server) admitClaimResize(ctx context.Context, res api.Resource, obj, old api.Object) *api.Status {
	n, ok := obj.(*api.PersistentVolumeClaim)
	if !ok {
		return nil
	}
	o := old.(*api.PersistentVolumeClaim)
	newSize, oldSize := n.Spec.Resources.Requests[api.ResourceStorage], o.Spec.Resources.Requests[api.ResourceStorage]
	if newSize.Cmp(oldSize) <= 0 {
		return nil
	}
	if class := n.Spec.StorageClassName; class != nil && *class != "" {
		sc, _, st := s.load(ctx, mustResource("storageclasses"), "", *class)
		if st == nil {
			if allow := sc.(*api.StorageClass).AllowVolumeExpansion; allow != nil && *allow {
				return nil
			}
		}
	}
	return forbidden(res, n.Name, resizeForbidden)
}
