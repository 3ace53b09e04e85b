package pvbinder

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"kubelab/pkg/api"
)

func TestSyncClaim(t *testing.T) {
	wffc := class("local-path", api.LocalPathProvisioner, api.VolumeBindingWaitForFirstConsumer)
	withAnnotation := func(c *api.PersistentVolumeClaim, k, v string) *api.PersistentVolumeClaim {
		c.Annotations = map[string]string{k: v}
		return c
	}
	preBound := func(c *api.PersistentVolumeClaim, volume string) *api.PersistentVolumeClaim {
		c.Spec.VolumeName = volume
		return c
	}
	onNode := func(pv *api.PersistentVolume, node string) *api.PersistentVolume {
		pv.Spec.NodeAffinity = &api.VolumeNodeAffinity{Required: &api.NodeSelector{NodeSelectorTerms: []api.NodeSelectorTerm{{
			MatchExpressions: []api.NodeSelectorRequirement{{Key: api.HostnameLabel, Operator: "In", Values: []string{node}}}}}}}
		return pv
	}
	bindWrites := func(pv string) []string {
		return []string{"update persistentvolumes " + pv, "updateStatus persistentvolumes " + pv,
			"update persistentvolumeclaims default/data", "updateStatus persistentvolumeclaims default/data"}
	}
	tests := []struct {
		name       string
		objs       []api.Object
		wantWrites []string
		wantEvents []string
	}{
		{
			name:       "binds the matching volume",
			objs:       []api.Object{claim("data", "1Gi", api.String("")), volume("pv1", "2Gi", "")},
			wantWrites: bindWrites("pv1"),
		},
		{
			name:       "no volume and no class",
			objs:       []api.Object{claim("data", "1Gi", api.String("")), volume("small", "100Mi", "")},
			wantEvents: []string{"Normal FailedBinding no persistent volumes available for this claim and no storage class is set"},
		},
		{
			name:       "a class that does not exist",
			objs:       []api.Object{claim("data", "1Gi", api.String("fast"))},
			wantEvents: []string{`Warning ProvisioningFailed storageclass.storage.k8s.io "fast" not found`},
		},
		{
			name:       "an Immediate class with a provisioner hands the claim to it",
			objs:       []api.Object{claim("data", "1Gi", api.String("fast")), class("fast", "example.com/nfs", api.VolumeBindingImmediate)},
			wantWrites: []string{"update persistentvolumeclaims default/data"},
			wantEvents: []string{"Normal ExternalProvisioning Waiting for a volume to be created either by the external provisioner 'example.com/nfs' " +
				"or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered."},
		},
		{
			name:       "WaitForFirstConsumer waits for its pod, even with a volume there",
			objs:       []api.Object{claim("data", "1Gi", api.String("local-path")), volume("pv1", "1Gi", "local-path"), wffc},
			wantEvents: []string{"Normal WaitForFirstConsumer waiting for first consumer to be created before binding"},
		},
		{
			name: "WaitForFirstConsumer binds a volume the selected node reaches",
			objs: []api.Object{withAnnotation(claim("data", "1Gi", api.String("local-path")), api.SelectedNodeAnnotation, "node-1"),
				onNode(volume("far", "1Gi", "local-path"), "node-2"), onNode(volume("near", "1Gi", "local-path"), "node-1"), wffc},
			wantWrites: bindWrites("near"),
		},
		{
			name: "WaitForFirstConsumer with a node and no volume there: provisioning",
			objs: []api.Object{withAnnotation(claim("data", "1Gi", api.String("local-path")), api.SelectedNodeAnnotation, "node-1"),
				onNode(volume("far", "1Gi", "local-path"), "node-2"), wffc},
			wantWrites: []string{"update persistentvolumeclaims default/data"},
			wantEvents: []string{"Normal ExternalProvisioning Waiting for a volume to be created either by the external provisioner 'kubelab.io/local-path' " +
				"or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered."},
		},
		{
			name: "WaitForFirstConsumer names the pod that waits for the scheduler",
			objs: []api.Object{claim("data", "1Gi", api.String("local-path")), wffc,
				podWith("db-0", "data", api.PodPending), func() *api.Pod {
					p := podWith("db-1", "data", api.PodRunning)
					p.Spec.NodeName = "node-1"
					return p
				}()},
			wantEvents: []string{"Normal WaitForPodScheduled waiting for pod db-0 to be scheduled"},
		},
		{
			name:       "kubernetes.io/no-provisioner makes no volume",
			objs:       []api.Object{claim("data", "1Gi", api.String("local")), class("local", "kubernetes.io/no-provisioner", api.VolumeBindingImmediate)},
			wantEvents: []string{"Warning ProvisioningFailed no volume plugin matched name: kubernetes.io/no-provisioner"},
		},
		{
			name: "a claim of no class gets a default class made since",
			objs: []api.Object{claim("data", "1Gi", nil), func() *api.StorageClass {
				sc := class("local-path", api.LocalPathProvisioner, api.VolumeBindingWaitForFirstConsumer)
				sc.Annotations = map[string]string{api.IsDefaultStorageClassAnnotation: "true"}
				return sc
			}()},
			wantWrites: []string{"update persistentvolumeclaims default/data"},
		},
		{
			name:       "a claim of class \"\" keeps it",
			objs:       []api.Object{claim("data", "1Gi", api.String("")), class("local-path", api.LocalPathProvisioner, api.VolumeBindingWaitForFirstConsumer)},
			wantEvents: []string{"Normal FailedBinding no persistent volumes available for this claim and no storage class is set"},
		},
		{
			name:       "volumeName binds that volume",
			objs:       []api.Object{preBound(claim("data", "1Gi", api.String("")), "pv2"), volume("pv1", "1Gi", ""), volume("pv2", "5Gi", "")},
			wantWrites: bindWrites("pv2"),
		},
		{
			name:       "volumeName of a volume too small",
			objs:       []api.Object{preBound(claim("data", "1Gi", api.String("")), "pv1"), volume("pv1", "100Mi", "")},
			wantEvents: []string{`Warning VolumeMismatch Cannot bind to requested volume "pv1": requested PV is too small`},
		},
		{
			name: "volumeName of a volume bound elsewhere",
			objs: func() []api.Object {
				other, pv := boundPair("other", "pv1", api.ReclaimRetain)
				return []api.Object{preBound(claim("data", "1Gi", api.String("")), "pv1"), other, pv}
			}(),
			wantEvents: []string{`Warning FailedBinding volume "pv1" already bound to a different claim.`},
		},
		{
			name:       "volumeName of a volume not there yet",
			objs:       []api.Object{preBound(claim("data", "1Gi", api.String("")), "pv1")},
			wantWrites: nil,
		},
		{
			name: "a bound pair is left alone",
			objs: func() []api.Object {
				c, pv := boundPair("data", "pv1", api.ReclaimRetain)
				return []api.Object{c, pv}
			}(),
		},
		{
			name: "a bound claim whose volume is gone is Lost",
			objs: func() []api.Object {
				c, _ := boundPair("data", "pv1", api.ReclaimRetain)
				return []api.Object{c}
			}(),
			wantWrites: []string{"updateStatus persistentvolumeclaims default/data"},
			wantEvents: []string{"Warning ClaimLost Bound claim has lost its PersistentVolume. Data on the volume is lost!"},
		},
		{
			name: "a bound claim whose volume is another's is Lost",
			objs: func() []api.Object {
				c, _ := boundPair("data", "pv1", api.ReclaimRetain)
				_, pv := boundPair("other", "pv1", api.ReclaimRetain)
				pv.Spec.ClaimRef.UID = "uid-other"
				return []api.Object{c, pv}
			}(),
			wantWrites: []string{"updateStatus persistentvolumeclaims default/data"},
			wantEvents: []string{"Warning ClaimMisbound Two claims are bound to the same volume, this one is bound incorrectly"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(tt.objs...)
			if err := f.c.Sync(context.Background(), "default/data"); err != nil {
				t.Fatalf("Sync: %v", err)
			}
			if got := f.w.Strings(); !slices.Equal(got, tt.wantWrites) {
				t.Errorf("writes:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(tt.wantWrites, "\n  "))
			}
			if !slices.Equal(f.rec.Events, tt.wantEvents) {
				t.Errorf("events:\n  %s\nwant:\n  %s", strings.Join(f.rec.Events, "\n  "), strings.Join(tt.wantEvents, "\n  "))
			}
		})
	}
}

// TestBindWritesBothSides checks what a binding writes on each object.
func TestBindWritesBothSides(t *testing.T) {
	f := newFixture(claim("data", "1Gi", api.String("")), volume("pv1", "2Gi", ""))
	f.settle(t)
	pv, c := f.volume(t, "pv1"), f.claim(t, "default/data")
	if ref := pv.Spec.ClaimRef; ref == nil || ref.Namespace != "default" || ref.Name != "data" || ref.UID != "uid-data" || ref.Kind != "PersistentVolumeClaim" {
		t.Errorf("volume claimRef %+v, want default/data uid-data", ref)
	}
	if pv.Status.Phase != api.VolumeBound || pv.Annotations[api.BoundByControllerAnnotation] != "yes" {
		t.Errorf("volume phase %q annotations %v, want Bound, bound-by-controller", pv.Status.Phase, pv.Annotations)
	}
	if c.Spec.VolumeName != "pv1" || c.Annotations[api.BindCompletedAnnotation] != "yes" || c.Annotations[api.BoundByControllerAnnotation] != "yes" {
		t.Errorf("claim volumeName %q annotations %v, want pv1, bind-completed, bound-by-controller", c.Spec.VolumeName, c.Annotations)
	}
	if c.Status.Phase != api.ClaimBound || c.Status.Capacity[api.ResourceStorage].String() != "2Gi" || !slices.Equal(c.Status.AccessModes, []string{api.ReadWriteOnce}) {
		t.Errorf("claim status %+v, want Bound 2Gi [ReadWriteOnce]", c.Status)
	}
}

// TestBindConvergesAfterCrash stops the binding at each of its four
// writes in turn (the write fails, as if the controller died there), then
// lets the controller run again: it must end with the same binding.
func TestBindConvergesAfterCrash(t *testing.T) {
	for _, crash := range []string{"update persistentvolumes", "updateStatus persistentvolumes",
		"update persistentvolumeclaims", "updateStatus persistentvolumeclaims"} {
		t.Run(crash, func(t *testing.T) {
			f := newFixture(claim("data", "1Gi", api.String("")), volume("small", "1Gi", ""), volume("big", "5Gi", ""))
			f.w.Fail = map[string]error{crash: errors.New("controller stopped")}
			if err := f.c.Sync(context.Background(), "default/data"); err == nil {
				t.Fatal("Sync: no error from the failed write")
			}
			f.apply(t)
			// Restarted: the volume may be synced before the claim.
			f.w.Fail = nil
			for _, k := range []string{"small", "big", "default/data"} {
				if err := f.c.Sync(context.Background(), k); err != nil {
					t.Fatalf("Sync(%s): %v", k, err)
				}
				f.apply(t)
			}
			f.settle(t)
			pv, c := f.volume(t, "small"), f.claim(t, "default/data")
			if pv.Status.Phase != api.VolumeBound || pv.Spec.ClaimRef == nil || pv.Spec.ClaimRef.UID != "uid-data" {
				t.Errorf("volume: phase %q claimRef %+v", pv.Status.Phase, pv.Spec.ClaimRef)
			}
			if c.Status.Phase != api.ClaimBound || c.Spec.VolumeName != "small" {
				t.Errorf("claim: phase %q volumeName %q", c.Status.Phase, c.Spec.VolumeName)
			}
			if other := f.volume(t, "big"); other.Spec.ClaimRef != nil || other.Status.Phase != api.VolumeAvailable {
				t.Errorf("the other volume: phase %q claimRef %+v", other.Status.Phase, other.Spec.ClaimRef)
			}
		})
	}
}
