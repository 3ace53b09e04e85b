package apiserver

import (
	"net/http"
	"slices"
	"testing"

	"kubelab/pkg/api"
)

const (
	classesPath = "/apis/storage.k8s.io/v1/storageclasses"
	claimsPath  = "/api/v1/namespaces/default/persistentvolumeclaims"
)

func testClass(name string, isDefault bool, expand bool) *api.StorageClass {
	sc := &api.StorageClass{ObjectMeta: api.ObjectMeta{Name: name}, Provisioner: api.LocalPathProvisioner, AllowVolumeExpansion: api.Bool(expand)}
	if isDefault {
		sc.Annotations = map[string]string{api.IsDefaultStorageClassAnnotation: "true"}
	}
	return sc
}

func testClaim(name string, class *string) *api.PersistentVolumeClaim {
	return &api.PersistentVolumeClaim{ObjectMeta: api.ObjectMeta{Name: name}, Spec: api.PersistentVolumeClaimSpec{
		AccessModes:      []string{api.ReadWriteOnce},
		Resources:        api.VolumeResourceRequirements{Requests: api.ResourceList{api.ResourceStorage: api.MustParse("1Gi")}},
		StorageClassName: class,
	}}
}

func TestDefaultStorageClass(t *testing.T) {
	ts := newTestServer(t)
	// With no default class, a claim keeps none.
	var got api.PersistentVolumeClaim
	ts.must(http.StatusCreated, "POST", claimsPath, testClaim("before", nil)).into(t, &got)
	if got.Spec.StorageClassName != nil {
		t.Fatalf("no default class: got class %q", *got.Spec.StorageClassName)
	}
	ts.must(http.StatusCreated, "POST", classesPath, testClass("local-path", true, false))
	ts.must(http.StatusCreated, "POST", classesPath, testClass("manual", false, false))
	tests := []struct {
		name  string
		class *string
		want  *string
	}{
		{"no class gets the default", nil, api.String("local-path")},
		{`"" is no class, and stays so`, api.String(""), api.String("")},
		{"a named class is kept", api.String("manual"), api.String("manual")},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got api.PersistentVolumeClaim
			ts.must(http.StatusCreated, "POST", claimsPath, testClaim(string(rune('a'+i)), tt.class)).into(t, &got)
			if got.Spec.StorageClassName == nil || *got.Spec.StorageClassName != *tt.want {
				t.Fatalf("class %v, want %q", got.Spec.StorageClassName, *tt.want)
			}
			if !slices.Contains(got.Finalizers, api.PVCProtectionFinalizer) {
				t.Fatalf("finalizers %v, want %s", got.Finalizers, api.PVCProtectionFinalizer)
			}
		})
	}
	// A manifest exported with its status (kubectl get -o yaml) starts
	// over: Pending, with the protection finalizer.
	var pv api.PersistentVolume
	ts.must(http.StatusCreated, "POST", "/api/v1/persistentvolumes", &api.PersistentVolume{ObjectMeta: api.ObjectMeta{Name: "pv1"},
		Status: api.PersistentVolumeStatus{Phase: api.VolumeBound},
		Spec: api.PersistentVolumeSpec{Capacity: api.ResourceList{api.ResourceStorage: api.MustParse("1Gi")}, AccessModes: []string{api.ReadWriteOnce},
			PersistentVolumeSource: api.PersistentVolumeSource{HostPath: &api.HostPathVolumeSource{Path: "/data/pv1"}}}}).into(t, &pv)
	if !slices.Equal(pv.Finalizers, []string{api.PVProtectionFinalizer}) || pv.Status.Phase != api.VolumePending {
		t.Fatalf("volume: finalizers %v phase %q, want [%s] Pending", pv.Finalizers, pv.Status.Phase, api.PVProtectionFinalizer)
	}
}

func TestClaimResize(t *testing.T) {
	ts := newTestServer(t)
	ts.must(http.StatusCreated, "POST", classesPath, testClass("fixed", false, false))
	ts.must(http.StatusCreated, "POST", classesPath, testClass("growing", false, true))
	const bound = `{"status":{"phase":"Bound"}}`
	const grow = `{"spec":{"resources":{"requests":{"storage":"2Gi"}}}}`
	tests := []struct {
		name  string
		class *string
		code  int
		want  string
	}{
		{"a class that allows expansion", api.String("growing"), http.StatusOK, ""},
		{"a class that does not", api.String("fixed"), http.StatusForbidden,
			`persistentvolumeclaims "fixed" is forbidden: ` + resizeForbidden},
		{"no class", api.String(""), http.StatusForbidden, `persistentvolumeclaims "none" is forbidden: ` + resizeForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := *tt.class
			if name == "" {
				name = "none"
			}
			ts.must(http.StatusCreated, "POST", claimsPath, testClaim(name, tt.class))
			ts.must(http.StatusOK, "PATCH", claimsPath+"/"+name+"/status", bound, mergePatch)
			r := ts.must(tt.code, "PATCH", claimsPath+"/"+name, grow, mergePatch)
			if st := r.status(); tt.want != "" && st.Message != tt.want {
				t.Fatalf("got %q, want %q", st.Message, tt.want)
			}
		})
	}
}
