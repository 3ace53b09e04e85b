package apiserver

import (
	"net/http"
	"strings"
	"testing"

	"kubelab/pkg/api"
	"kubelab/pkg/auth"
)

func localVolume(name, node string) *api.PersistentVolume {
	return &api.PersistentVolume{
		ObjectMeta: api.ObjectMeta{Name: name, Finalizers: []string{api.LocalPathFinalizer}},
		Spec: api.PersistentVolumeSpec{
			Capacity:               api.ResourceList{"storage": api.MustParse("1Gi")},
			AccessModes:            []string{api.ReadWriteOnce},
			PersistentVolumeSource: api.PersistentVolumeSource{HostPath: &api.HostPathVolumeSource{Path: "/lp/" + name, Type: "DirectoryOrCreate"}},
			NodeAffinity: &api.VolumeNodeAffinity{Required: &api.NodeSelector{NodeSelectorTerms: []api.NodeSelectorTerm{{
				MatchExpressions: []api.NodeSelectorRequirement{{Key: api.HostnameLabel, Operator: "In", Values: []string{node}}}}}}},
		},
	}
}

// The node authorizer and NodeRestriction on storage: a kubelet reads the
// claims of its pods and every volume, and may only take the local-path
// finalizer off its own volumes.
func TestNodeAuthorizerVolumes(t *testing.T) {
	ts := newTestServer(t)
	for _, n := range []string{"a", "b"} {
		ts.must(http.StatusCreated, "POST", "/api/v1/nodes", &api.Node{ObjectMeta: api.ObjectMeta{Name: n}})
	}
	for _, pv := range []*api.PersistentVolume{localVolume("pv-a", "a"), localVolume("pv-b", "b")} {
		ts.must(http.StatusCreated, "POST", "/api/v1/persistentvolumes", pv)
	}
	for _, c := range []string{"used", "unused"} {
		ts.must(http.StatusCreated, "POST", "/api/v1/namespaces/default/persistentvolumeclaims", &api.PersistentVolumeClaim{
			ObjectMeta: api.ObjectMeta{Name: c},
			Spec: api.PersistentVolumeClaimSpec{AccessModes: []string{api.ReadWriteOnce},
				Resources: api.VolumeResourceRequirements{Requests: api.ResourceList{"storage": api.MustParse("1Gi")}}},
		})
	}
	onA := testPod("on-a")
	onA.Spec.NodeName = "a"
	onA.Spec.Volumes = []api.Volume{{Name: "data", VolumeSource: api.VolumeSource{
		PersistentVolumeClaim: &api.PersistentVolumeClaimVolumeSource{ClaimName: "used"}}}}
	ts.must(http.StatusCreated, "POST", podsPath, onA)

	a := ts.as(auth.NodeUserPrefix+"a", auth.GroupNodes)
	const claims = "/api/v1/namespaces/default/persistentvolumeclaims"
	a.eventually(http.StatusOK, "GET", claims+"/used", nil)
	a.must(http.StatusForbidden, "GET", claims+"/unused", nil)
	a.must(http.StatusForbidden, "GET", claims, nil)
	a.must(http.StatusOK, "GET", "/api/v1/persistentvolumes", nil)
	a.must(http.StatusOK, "GET", "/api/v1/persistentvolumes/pv-b", nil)

	r := a.must(http.StatusForbidden, "PATCH", "/api/v1/persistentvolumes/pv-b", `{"metadata":{"finalizers":null}}`, mergePatch)
	if !strings.Contains(r.status().Message, "nodeAffinity names it") {
		t.Errorf("refusal %q does not say why", r.status().Message)
	}
	r = a.must(http.StatusForbidden, "PATCH", "/api/v1/persistentvolumes/pv-a", `{"spec":{"persistentVolumeReclaimPolicy":"Delete"}}`, mergePatch)
	if !strings.Contains(r.status().Message, "may not change the spec") {
		t.Errorf("refusal %q does not say why", r.status().Message)
	}
	a.must(http.StatusForbidden, "DELETE", "/api/v1/persistentvolumes/pv-a", nil)
	a.must(http.StatusOK, "PATCH", "/api/v1/persistentvolumes/pv-a", `{"metadata":{"finalizers":null}}`, mergePatch)
	var pv api.PersistentVolume
	ts.must(http.StatusOK, "GET", "/api/v1/persistentvolumes/pv-a", nil).into(t, &pv)
	if len(pv.Finalizers) != 0 {
		t.Errorf("finalizers of pv-a %q, want none", pv.Finalizers)
	}
}
