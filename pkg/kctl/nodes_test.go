package kctl

import (
	"reflect"
	"testing"

	"kubelab/pkg/api"
)

func TestDrainPlan(t *testing.T) {
	pod := func(name, ownerKind, phase string) api.Object {
		p := &api.Pod{ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default"}, Status: api.PodStatus{Phase: phase}}
		if ownerKind != "" {
			p.OwnerReferences = []api.OwnerReference{{Kind: ownerKind, Name: "o", UID: "u", Controller: api.Bool(true)}}
		}
		return p
	}
	victims, daemons, orphans := drainPlan([]api.Object{
		pod("rs-pod", "ReplicaSet", "Running"),
		pod("ds-pod", "DaemonSet", "Running"),
		pod("bare", "", "Running"),
		pod("done", "", "Succeeded"),
	})
	var names []string
	for _, v := range victims {
		names = append(names, v.Name)
	}
	if !reflect.DeepEqual(names, []string{"rs-pod", "bare", "done"}) {
		t.Fatalf("victims = %v", names)
	}
	if !reflect.DeepEqual(daemons, []string{"default/ds-pod"}) || !reflect.DeepEqual(orphans, []string{"default/bare"}) {
		t.Fatalf("daemons = %v, orphans = %v", daemons, orphans)
	}
}
