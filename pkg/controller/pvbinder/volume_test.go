package pvbinder

import (
	"context"
	"slices"
	"strings"
	"testing"

	"kubelab/pkg/api"
)

func TestSyncVolume(t *testing.T) {
	pair := func(policy string) (*api.PersistentVolumeClaim, *api.PersistentVolume) {
		return boundPair("data", "pv1", policy)
	}
	tests := []struct {
		name       string
		objs       func() []api.Object
		wantWrites []string
		wantPhase  string // of pv1 afterwards; "" when deleted
		wantQueued []string
	}{
		{
			name: "a new volume is Available",
			objs: func() []api.Object {
				pv := volume("pv1", "1Gi", "")
				pv.Status.Phase = api.VolumePending
				return []api.Object{pv}
			},
			wantWrites: []string{"updateStatus persistentvolumes pv1"},
			wantPhase:  api.VolumeAvailable,
		},
		{
			name: "a volume pre-bound by name is Available for its claim",
			objs: func() []api.Object {
				pv := volume("pv1", "1Gi", "")
				pv.Spec.ClaimRef, pv.Status.Phase = &api.ObjectReference{Namespace: "default", Name: "data"}, api.VolumePending
				return []api.Object{pv}
			},
			wantWrites: []string{"updateStatus persistentvolumes pv1"},
			wantPhase:  api.VolumeAvailable,
		},
		{
			name:      "a bound volume stays Bound",
			objs:      func() []api.Object { c, pv := pair(api.ReclaimRetain); return []api.Object{c, pv} },
			wantPhase: api.VolumeBound,
		},
		{
			name:       "Retain: the claim gone, the volume is Released and kept",
			objs:       func() []api.Object { _, pv := pair(api.ReclaimRetain); return []api.Object{pv} },
			wantWrites: []string{"updateStatus persistentvolumes pv1"},
			wantPhase:  api.VolumeReleased,
		},
		{
			name: "Retain: a Released volume is left alone",
			objs: func() []api.Object {
				_, pv := pair(api.ReclaimRetain)
				pv.Status.Phase = api.VolumeReleased
				return []api.Object{pv}
			},
			wantPhase: api.VolumeReleased,
		},
		{
			name:       "Delete: the claim gone, the volume is Released and deleted",
			objs:       func() []api.Object { _, pv := pair(api.ReclaimDelete); return []api.Object{pv} },
			wantWrites: []string{"updateStatus persistentvolumes pv1", "delete persistentvolumes pv1"},
		},
		{
			name: "a claim made again under the same name is not the volume's claim",
			objs: func() []api.Object {
				_, pv := pair(api.ReclaimRetain)
				again := claim("data", "1Gi", api.String(""))
				again.UID = "uid-data-2"
				return []api.Object{again, pv}
			},
			wantWrites: []string{"updateStatus persistentvolumes pv1"},
			wantPhase:  api.VolumeReleased,
		},
		{
			name: "a binding half done queues its claim",
			objs: func() []api.Object {
				c, pv := pair(api.ReclaimRetain)
				c.Spec.VolumeName, c.Annotations = "", nil
				return []api.Object{c, pv}
			},
			wantPhase:  api.VolumeBound,
			wantQueued: []string{"default/data"},
		},
		{
			name: "a claim that went to another volume lets this one go",
			objs: func() []api.Object {
				c, pv := pair(api.ReclaimRetain)
				c.Spec.VolumeName = "pv2"
				return []api.Object{c, pv}
			},
			wantWrites: []string{"update persistentvolumes pv1", "updateStatus persistentvolumes pv1"},
			wantPhase:  api.VolumeAvailable,
		},
		{
			name: "a volume being deleted whose claim is gone loses its protection",
			objs: func() []api.Object {
				_, pv := pair(api.ReclaimDelete)
				pv.Finalizers = append(pv.Finalizers, api.LocalPathFinalizer)
				return []api.Object{deleting(pv)}
			},
			// No second delete; the local-path finalizer stays for the kubelet.
			wantWrites: []string{"updateStatus persistentvolumes pv1", "update persistentvolumes pv1"},
			wantPhase:  api.VolumeReleased,
		},
		{
			name:      "a Bound volume being deleted keeps its protection",
			objs:      func() []api.Object { c, pv := pair(api.ReclaimRetain); return []api.Object{c, deleting(pv)} },
			wantPhase: api.VolumeBound,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(tt.objs()...)
			if err := f.c.Sync(context.Background(), "pv1"); err != nil {
				t.Fatalf("Sync: %v", err)
			}
			if got := f.w.Strings(); !slices.Equal(got, tt.wantWrites) {
				t.Errorf("writes:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(tt.wantWrites, "\n  "))
			}
			f.apply(t)
			phase := ""
			if obj, ok := f.volumes.Get("pv1"); ok {
				phase = obj.(*api.PersistentVolume).Status.Phase
				if !slices.Contains(obj.GetObjectMeta().Finalizers, api.PVProtectionFinalizer) && obj.GetObjectMeta().DeletionTimestamp == nil {
					t.Errorf("a volume not being deleted lost its protection")
				}
			}
			if phase != tt.wantPhase {
				t.Errorf("phase %q, want %q", phase, tt.wantPhase)
			}
			var queued []string
			for f.c.queue.Len() > 0 {
				k, _ := f.c.queue.Get()
				queued = append(queued, k)
				f.c.queue.Done(k)
			}
			if !slices.Equal(queued, tt.wantQueued) {
				t.Errorf("queued %v, want %v", queued, tt.wantQueued)
			}
		})
	}
}

// TestReleaseAfterClaimDeleted follows a claim's deletion through the
// protection finalizer to its volume's reclaim: the claim stays while a
// pod runs with it, goes when the pod has finished, and then its Retain
// volume is Released.
func TestReleaseAfterClaimDeleted(t *testing.T) {
	c, pv := boundPair("data", "pv1", api.ReclaimRetain)
	pod := podWith("db-0", "data", api.PodRunning)
	f := newFixture(deleting(c), pv, pod, podWith("other", "other-claim", api.PodRunning))
	f.settle(t)
	if got := f.claim(t, "default/data"); !slices.Contains(got.Finalizers, api.PVCProtectionFinalizer) {
		t.Fatalf("claim used by a running pod lost its protection")
	}
	if got := f.volume(t, "pv1"); got.Status.Phase != api.VolumeBound {
		t.Fatalf("volume of a claim in use is %s, want Bound", got.Status.Phase)
	}

	done := api.DeepCopy(pod)
	done.Status.Phase = api.PodSucceeded
	f.pods.Add(done)
	f.settle(t)
	if _, ok := f.claims.Get("default/data"); ok {
		t.Fatalf("claim still there after its last pod finished")
	}
	if got := f.volume(t, "pv1"); got.Status.Phase != api.VolumeReleased || got.Spec.ClaimRef == nil {
		t.Fatalf("volume: phase %q claimRef %v, want Released, the claimRef kept", got.Status.Phase, got.Spec.ClaimRef)
	}
}

func TestHandlers(t *testing.T) {
	c, pv := boundPair("data", "pv1", api.ReclaimRetain)
	pending := claim("waiting", "1Gi", api.String(""))
	provisioned := volume("pvc-uid-waiting", "1Gi", "")
	provisioned.Spec.ClaimRef = &api.ObjectReference{Namespace: "default", Name: "waiting", UID: pending.UID}
	f := newFixture(c, pv, pending, provisioned)
	drain := func() []string {
		var keys []string
		for f.c.queue.Len() > 0 {
			k, _ := f.c.queue.Get()
			keys = append(keys, k)
			f.c.queue.Done(k)
		}
		slices.Sort(keys)
		return keys
	}
	tests := []struct {
		name string
		fire func()
		want []string
	}{
		{"a claim deleted queues its volume", func() { f.c.ClaimHandler().OnDelete(c) }, []string{"pv1"}},
		{"a claim deleted before binding queues the volume made for it", func() { f.c.ClaimHandler().OnDelete(pending) }, []string{"pvc-uid-waiting"}},
		{"a bound volume queues itself and its claim", func() { f.c.VolumeHandler().OnUpdate(pv, pv) }, []string{"default/data", "pv1"}},
		{"a free volume queues the pending claims", func() { f.c.VolumeHandler().OnAdd(volume("pv2", "1Gi", "")) }, []string{"default/waiting", "pv2"}},
		{"a class queues the pending claims", func() { f.c.ClassHandler().OnAdd(class("fast", "x.io/p", api.VolumeBindingImmediate)) }, []string{"default/waiting"}},
		{"a running pod queues nothing", func() { p := podWith("db-0", "data", api.PodRunning); f.c.PodHandler().OnUpdate(p, p) }, nil},
		{"a pod that finished queues its claims", func() { p := podWith("db-0", "data", api.PodFailed); f.c.PodHandler().OnUpdate(p, p) }, []string{"default/data"}},
		{"a pod deleted queues its claims", func() { f.c.PodHandler().OnDelete(podWith("db-0", "data", api.PodRunning)) }, []string{"default/data"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fire()
			if got := drain(); !slices.Equal(got, tt.want) {
				t.Fatalf("queued %v, want %v", got, tt.want)
			}
		})
	}
}
