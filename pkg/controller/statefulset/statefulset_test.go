package statefulset

import (
	"slices"
	"strings"
	"testing"

	"kubelab/pkg/api"
)

func TestSync(t *testing.T) {
	v1 := newSet(3)
	v2 := newSet(3, image("kubia:v2"), withStatus(revName(v1), revName(v1)))
	tests := []struct {
		name string
		objs []api.Object
		want []string // writes to pods and claims
	}{
		{
			name: "a new set creates its first pod only",
			objs: []api.Object{v1},
			want: []string{"create pods default/web-0"},
		},
		{
			name: "web-1 waits for web-0 to run",
			objs: []api.Object{v1, pod(v1, 0, pending)},
		},
		{
			name: "web-1 waits for web-0 to be ready",
			objs: []api.Object{v1, pod(v1, 0, notReady)},
		},
		{
			name: "web-0 ready: web-1 is created",
			objs: []api.Object{v1, pod(v1, 0)},
			want: []string{"create pods default/web-1"},
		},
		{
			name: "a missing pod below is made again before any above",
			objs: []api.Object{v1, pod(v1, 1), pod(v1, 2)},
			want: []string{"create pods default/web-0"},
		},
		{
			name: "Parallel creates every missing pod at once",
			objs: []api.Object{newSet(3, parallel), pod(v1, 1, notReady)},
			want: []string{"create pods default/web-0", "create pods default/web-2"},
		},
		{
			name: "scale down deletes the highest ordinal first, one at a time",
			objs: []api.Object{newSet(1), pod(v1, 0), pod(v1, 1), pod(v1, 2)},
			want: []string{"delete pods default/web-2"},
		},
		{
			name: "scale down waits for the pod going",
			objs: []api.Object{newSet(1), pod(v1, 0), pod(v1, 1), pod(v1, 2, terminating)},
		},
		{
			name: "an unhealthy pod stops scale down",
			objs: []api.Object{newSet(1), pod(v1, 0, notReady), pod(v1, 1), pod(v1, 2)},
		},
		{
			name: "the lowest unhealthy condemned pod may go, not one above it while it is unhealthy",
			objs: []api.Object{newSet(1), pod(v1, 0), pod(v1, 1, notReady), pod(v1, 2, notReady)},
		},
		{
			name: "Parallel scale down deletes all at once",
			objs: []api.Object{newSet(1, parallel), pod(v1, 0), pod(v1, 1), pod(v1, 2)},
			want: []string{"delete pods default/web-2", "delete pods default/web-1"},
		},
		{
			name: "a failed pod is deleted, to be made again",
			objs: []api.Object{v1, pod(v1, 0, failed)},
			want: []string{"delete pods default/web-0"},
		},
		{
			name: "claims are created before the pod",
			objs: []api.Object{newSet(1, withClaims)},
			want: []string{"create persistentvolumeclaims default/data-web-0", "create pods default/web-0"},
		},
		{
			name: "an existing claim is used again",
			objs: []api.Object{newSet(1, withClaims), claim(newSet(1, withClaims), 0)},
			want: []string{"create pods default/web-0"},
		},
		{
			name: "claims are kept on scale down",
			objs: []api.Object{newSet(1, withClaims), pod(v1, 0), pod(v1, 1), claim(newSet(1, withClaims), 0), claim(newSet(1, withClaims), 1)},
			want: []string{"delete pods default/web-1"},
		},
		{
			name: "whenScaled Delete: the condemned pod owns its claims before it goes",
			objs: []api.Object{newSet(1, withClaims, retain("Retain", "Delete")), pod(v1, 0), pod(v1, 1),
				claim(newSet(1, withClaims), 0), claim(newSet(1, withClaims), 1)},
			want: []string{"update persistentvolumeclaims default/data-web-1", "delete pods default/web-1"},
		},
		{
			name: "whenDeleted Delete: existing claims get the set as owner",
			objs: []api.Object{newSet(1, withClaims, retain("Delete", "Retain")), pod(v1, 0), claim(newSet(1, withClaims), 0)},
			want: []string{"update persistentvolumeclaims default/data-web-0"},
		},
		{
			name: "a rolling update replaces the highest ordinal first",
			objs: []api.Object{v2, revision(v1, 1), pod(v1, 0), pod(v1, 1), pod(v1, 2)},
			want: []string{"delete pods default/web-2"},
		},
		{
			name: "a rolling update waits for the updated pod to be ready",
			objs: []api.Object{v2, revision(v1, 1), revision(v2, 2), pod(v1, 0), pod(v1, 1), pod(v2, 2, notReady)},
		},
		{
			name: "then updates the next one down",
			objs: []api.Object{v2, revision(v1, 1), revision(v2, 2), pod(v1, 0), pod(v1, 1), pod(v2, 2)},
			want: []string{"delete pods default/web-1"},
		},
		{
			name: "a replaced pod comes back from the update revision",
			objs: []api.Object{v2, revision(v1, 1), revision(v2, 2), pod(v1, 0), pod(v1, 1)},
			want: []string{"create pods default/web-2"},
		},
		{
			name: "Parallel still updates one pod at a time",
			objs: []api.Object{newSet(3, parallel, image("kubia:v2")), revision(v1, 1), pod(v1, 0), pod(v1, 1), pod(v1, 2)},
			want: []string{"delete pods default/web-2"},
		},
		{
			name: "a partition stops the update at its ordinal",
			objs: []api.Object{newSet(3, image("kubia:v2"), partitioned(2), withStatus(revName(v1), revName(v1))),
				revision(v1, 1), revision(v2, 2), pod(v1, 0), pod(v1, 1), pod(v2, 2)},
		},
		{
			name: "OnDelete leaves old pods alone",
			objs: []api.Object{newSet(3, image("kubia:v2"), onDelete, withStatus(revName(v1), revName(v1))),
				revision(v1, 1), pod(v1, 0), pod(v1, 1), pod(v1, 2)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(tt.objs...)
			f.sync(t)
			if got := f.writes(); !slices.Equal(got, tt.want) {
				t.Errorf("writes:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(tt.want, "\n  "))
			}
		})
	}
}

// TestNewPods checks what the pods a set creates look like: identity,
// revision, claims, and the template each comes from.
func TestNewPods(t *testing.T) {
	v1 := newSet(3, withClaims)
	v2 := newSet(3, withClaims, image("kubia:v2"), withStatus(revName(v1), revName(v1)), partitioned(2))
	t.Run("identity and claims", func(t *testing.T) {
		set := newSet(1, withClaims, func(s *api.StatefulSet) {
			// A template volume of the claim's name gives way to the claim.
			s.Spec.Template.Spec.Volumes = []api.Volume{{Name: "data", VolumeSource: api.VolumeSource{EmptyDir: &api.EmptyDirVolumeSource{}}}}
		})
		f := newFixture(set)
		f.sync(t)
		pods := f.w.CreatedPods()
		if len(pods) != 1 {
			t.Fatalf("created %d pods, want 1", len(pods))
		}
		p := pods[0]
		wantLabels := map[string]string{"app": "web", api.StatefulSetPodNameLabel: "web-0", api.PodIndexLabel: "0",
			api.ControllerRevisionHashLabel: revName(set)}
		for k, v := range wantLabels {
			if p.Labels[k] != v {
				t.Errorf("label %s = %q, want %q", k, p.Labels[k], v)
			}
		}
		if p.Spec.Hostname != "web-0" || p.Spec.Subdomain != "web" {
			t.Errorf("hostname %q subdomain %q, want web-0 web", p.Spec.Hostname, p.Spec.Subdomain)
		}
		if len(p.Spec.Volumes) != 1 || p.Spec.Volumes[0].PersistentVolumeClaim == nil ||
			p.Spec.Volumes[0].PersistentVolumeClaim.ClaimName != "data-web-0" {
			t.Errorf("volumes %+v, want one claim volume data of data-web-0", p.Spec.Volumes)
		}
		if ref := api.ControllerRef(&p.ObjectMeta); ref == nil || ref.UID != "uid-web" {
			t.Errorf("controller ref %+v, want the set", ref)
		}
		wantEvents := []string{
			"Normal SuccessfulCreate create Claim data-web-0 Pod web-0 in StatefulSet web success",
			"Normal SuccessfulCreate create Pod web-0 in StatefulSet web successful",
		}
		if !slices.Equal(f.rec.Events, wantEvents) {
			t.Errorf("events:\n  %s\nwant:\n  %s", strings.Join(f.rec.Events, "\n  "), strings.Join(wantEvents, "\n  "))
		}
	})
	tests := []struct {
		name      string
		set       *api.StatefulSet
		ord       int
		wantImage string
		wantRev   string
	}{
		{"below the partition: the current revision", v2, 1, "kubia:v1", revName(v1)},
		{"at the partition: the update revision", v2, 2, "kubia:v2", revName(v2)},
		{"OnDelete: the update revision", newSet(3, withClaims, image("kubia:v2"), onDelete, withStatus(revName(v1), revName(v1))),
			1, "kubia:v2", revName(v2)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs := []api.Object{tt.set, revision(v1, 1), revision(v2, 2)}
			for ord := range 3 {
				if ord != tt.ord {
					objs = append(objs, pod(v1, ord))
				}
			}
			f := newFixture(objs...)
			f.sync(t)
			pods := f.w.CreatedPods()
			if len(pods) != 1 || pods[0].Name != podName(tt.set, tt.ord) {
				t.Fatalf("created %v, want %s", f.writes(), podName(tt.set, tt.ord))
			}
			if got := pods[0].Spec.Containers[0].Image; got != tt.wantImage {
				t.Errorf("image %s, want %s", got, tt.wantImage)
			}
			if got := revisionOf(pods[0]); got != tt.wantRev {
				t.Errorf("revision %s, want %s", got, tt.wantRev)
			}
		})
	}
}

// TestClaimOwners checks the owner references the retention policy gives
// claims.
func TestClaimOwners(t *testing.T) {
	tests := []struct {
		name     string
		set      *api.StatefulSet
		wantRefs []string // kind/name of the claim's owners after the sync
	}{
		{"Retain, Retain: no owners", newSet(1, withClaims), nil},
		{"whenDeleted Delete: the set", newSet(1, withClaims, retain("Delete", "Retain")), []string{"StatefulSet/web"}},
		{"whenScaled Delete: the condemned pod", newSet(1, withClaims, retain("Retain", "Delete")), []string{"Pod/web-1"}},
		{"Delete, Delete: both", newSet(1, withClaims, retain("Delete", "Delete")), []string{"StatefulSet/web", "Pod/web-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(tt.set, pod(tt.set, 0), pod(tt.set, 1), claim(newSet(1, withClaims), 1))
			f.sync(t)
			got := []string{}
			if obj, ok := f.claims.Get("default/data-web-1"); ok {
				for _, a := range f.w.Actions {
					if a.Verb == "update" && a.Name == "data-web-1" {
						obj = a.Object
					}
				}
				for _, r := range obj.GetObjectMeta().OwnerReferences {
					got = append(got, r.Kind+"/"+r.Name)
				}
			}
			if !slices.Equal(got, append([]string{}, tt.wantRefs...)) {
				t.Errorf("owners %v, want %v", got, tt.wantRefs)
			}
		})
	}
}
