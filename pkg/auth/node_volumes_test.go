package auth

import (
	"context"
	"strings"
	"testing"

	"kubelab/pkg/api"
)

// TestNodeAuthorizerVolumes: a node reads the claims of its pods and any
// volume; writes to volumes are narrowed at admission.
func TestNodeAuthorizerVolumes(t *testing.T) {
	graph := fakeGraph{
		testPod("ns", "db", "a", func(s *api.PodSpec) {
			s.Volumes = []api.Volume{{Name: "data", VolumeSource: api.VolumeSource{
				PersistentVolumeClaim: &api.PersistentVolumeClaimVolumeSource{ClaimName: "db-data"}}}}
		}),
		testPod("ns", "cache", "b", func(s *api.PodSpec) {
			s.Volumes = []api.Volume{{Name: "data", VolumeSource: api.VolumeSource{
				PersistentVolumeClaim: &api.PersistentVolumeClaimVolumeSource{ClaimName: "cache-data"}}}}
		}),
	}
	a := nodeUser("a")
	tests := []struct {
		name   string
		attrs  Attributes
		want   Decision
		reason string // for NoOpinion; "" not checked
	}{
		{"the claim its pod mounts", req(a, "get", "persistentvolumeclaims", "ns", "db-data"), Allow, ""},
		{"a claim only b's pod mounts", req(a, "get", "persistentvolumeclaims", "ns", "cache-data"), NoOpinion,
			`node "a" may not get persistentvolumeclaim "ns/cache-data": no pod bound to it uses it`},
		{"list claims", req(a, "list", "persistentvolumeclaims", "ns", ""), NoOpinion,
			`node "a" may not list persistentvolumeclaims in namespace "ns": the system:node role does not allow it`},
		{"update a claim", req(a, "update", "persistentvolumeclaims", "ns", "db-data"), NoOpinion, ""},
		{"get a volume", req(a, "get", "persistentvolumes", "", "pvc-1"), Allow, ""},
		{"list volumes", req(a, "list", "persistentvolumes", "", ""), Allow, ""},
		{"watch volumes", req(a, "watch", "persistentvolumes", "", ""), Allow, ""},
		{"update a volume (checked at admission)", req(a, "update", "persistentvolumes", "", "pvc-1"), Allow, ""},
		{"create a volume", req(a, "create", "persistentvolumes", "", ""), NoOpinion,
			`node "a" may not create persistentvolumes: the system:node role does not allow it`},
		{"delete a volume", req(a, "delete", "persistentvolumes", "", "pvc-1"), NoOpinion,
			`node "a" may not delete persistentvolume "pvc-1": the system:node role does not allow it`},
	}
	authz := NewNodeAuthorizer(graph)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, reason, err := authz.Authorize(context.Background(), tt.attrs)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want || tt.reason != "" && reason != tt.reason {
				t.Errorf("got %v %q, want %v %q", got, reason, tt.want, tt.reason)
			}
		})
	}
}

func nodeVolume(node string, finalizers ...string) *api.PersistentVolume {
	return &api.PersistentVolume{
		ObjectMeta: api.ObjectMeta{Name: "pvc-1", Finalizers: finalizers},
		Spec: api.PersistentVolumeSpec{
			PersistentVolumeSource: api.PersistentVolumeSource{HostPath: &api.HostPathVolumeSource{Path: "/lp/pvc-1", Type: "DirectoryOrCreate"}},
			NodeAffinity: &api.VolumeNodeAffinity{Required: &api.NodeSelector{NodeSelectorTerms: []api.NodeSelectorTerm{{
				MatchExpressions: []api.NodeSelectorRequirement{{Key: api.HostnameLabel, Operator: "In", Values: []string{node}}}}}}},
		},
	}
}

func TestAdmitPersistentVolume(t *testing.T) {
	const lp, prot = api.LocalPathFinalizer, api.PVProtectionFinalizer
	tests := []struct {
		name     string
		user     *User
		old, new *api.PersistentVolume
		wantErr  string // "" for none
	}{
		{name: "not a node", user: &User{Name: "admin"}, old: nodeVolume("b", lp), new: nodeVolume("c")},
		{name: "its volume's finalizer removed", user: nodeUser("a"), old: nodeVolume("a", prot, lp), new: nodeVolume("a", prot)},
		{name: "another node's volume", user: nodeUser("a"), old: nodeVolume("b", lp), new: nodeVolume("b"),
			wantErr: `spec.nodeAffinity: Forbidden: node "a" may only update persistentvolumes whose nodeAffinity names it`},
		{name: "a volume of no node", user: nodeUser("a"), old: &api.PersistentVolume{ObjectMeta: api.ObjectMeta{Name: "nfs"}},
			new:     &api.PersistentVolume{ObjectMeta: api.ObjectMeta{Name: "nfs"}},
			wantErr: `spec.nodeAffinity: Forbidden: node "a" may only update persistentvolumes whose nodeAffinity names it`},
		{name: "moving the volume to itself", user: nodeUser("a"), old: nodeVolume("b"), new: nodeVolume("a"),
			wantErr: `spec.nodeAffinity: Forbidden: node "a" may only update persistentvolumes whose nodeAffinity names it`},
		{name: "changing the path", user: nodeUser("a"), old: nodeVolume("a", lp), new: func() *api.PersistentVolume {
			pv := nodeVolume("a")
			pv.Spec.HostPath.Path = "/etc"
			return pv
		}(), wantErr: `spec: Forbidden: node "a" may not change the spec of a persistentvolume`},
		{name: "adding a finalizer", user: nodeUser("a"), old: nodeVolume("a"), new: nodeVolume("a", "x/y"),
			wantErr: `metadata.finalizers: Forbidden: node "a" may not add finalizer "x/y"`},
		{name: "labelling", user: nodeUser("a"), old: nodeVolume("a"), new: func() *api.PersistentVolume {
			pv := nodeVolume("a")
			pv.Labels = map[string]string{"k": "v"}
			return pv
		}(), wantErr: `metadata: Forbidden: node "a" may only remove finalizers of a persistentvolume`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := AdmitPersistentVolume(tt.user, tt.old, tt.new)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("error %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("error %v, want %q", err, tt.wantErr)
			}
		})
	}
}
