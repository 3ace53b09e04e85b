package controller_test

import (
	"slices"
	"testing"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/controller"
	"kubelab/pkg/controller/controllertest"
)

func TestOwnerHandler(t *testing.T) {
	q := client.NewQueue("test")
	h := controller.OwnerHandler(q, func(obj api.Object) string { return "replicasets/" + client.KeyOf(obj) })
	rs := &api.ReplicaSet{ObjectMeta: owner}
	h.OnAdd(rs)
	h.OnUpdate(rs, rs)
	h.OnDelete(rs)
	if got := controllertest.Drain(q); !slices.Equal(got, []string{"replicasets/default/web"}) {
		t.Errorf("queued %q, want the owner's key once", got)
	}
}

// TestOwnedPodHandler fires one pod event at the handler of an owner with
// key "rs/default/web" and checks what is queued, which orphans are
// offered to the owners that select them, and which write the owner
// expected the event counts as seen: one creation, or the deletion of
// default/mine.
func TestOwnedPodHandler(t *testing.T) {
	const key = "rs/default/web"
	mine := pod("mine", web, controlledBy(ownerRef))
	orphan := pod("orphan", web)
	tests := []struct {
		name    string
		fire    func(h client.Handler)
		queued  []string
		offered []string // orphans passed to enqueueSelecting
		seen    string   // "creation", "deletion" or ""
	}{
		{name: "a new pod queues its owner and is a creation seen",
			fire: func(h client.Handler) { h.OnAdd(pod("new", web, controlledBy(ownerRef))) }, queued: []string{key}, seen: "creation"},
		{name: "a pod first seen being deleted is a deletion seen",
			fire: func(h client.Handler) { h.OnAdd(pod("mine", web, controlledBy(ownerRef), deleting)) }, queued: []string{key}, seen: "deletion"},
		{name: "a new orphan is offered",
			fire: func(h client.Handler) { h.OnAdd(orphan) }, offered: []string{"orphan"}},
		{name: "a new orphan being deleted is not",
			fire: func(h client.Handler) { h.OnAdd(pod("orphan", web, deleting)) }},
		{name: "any change queues the owner",
			fire: func(h client.Handler) { h.OnUpdate(mine, pod("mine", web, controlledBy(ownerRef))) }, queued: []string{key}},
		{name: "a pod marked for deletion is a deletion seen",
			fire: func(h client.Handler) { h.OnUpdate(mine, pod("mine", web, controlledBy(ownerRef), deleting)) }, queued: []string{key}, seen: "deletion"},
		{name: "a released pod queues its old owner and is offered",
			fire: func(h client.Handler) { h.OnUpdate(mine, pod("mine", web)) }, queued: []string{key}, offered: []string{"mine"}},
		{name: "an orphan with the same labels is not offered again",
			fire: func(h client.Handler) { h.OnUpdate(orphan, pod("orphan", web)) }},
		{name: "an orphan with new labels is offered",
			fire: func(h client.Handler) { h.OnUpdate(orphan, pod("orphan", map[string]string{"app": "api"})) }, offered: []string{"orphan"}},
		{name: "a deleted pod queues its owner and is a deletion seen",
			fire: func(h client.Handler) { h.OnDelete(mine) }, queued: []string{key}, seen: "deletion"},
		{name: "a deleted orphan queues nothing",
			fire: func(h client.Handler) { h.OnDelete(orphan) }},
	}
	ownerKey := func(p *api.Pod) string {
		if ref := api.ControllerRef(&p.ObjectMeta); ref != nil && ref.UID == owner.UID {
			return key
		}
		return ""
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, expected := range []string{"creation", "deletion"} {
				q := client.NewQueue("test")
				exp := controller.NewExpectations(controller.ExpectationsTimeout, nil)
				if expected == "creation" {
					exp.Expect(key, 1, nil)
				} else {
					exp.Expect(key, 0, []string{"default/mine"})
				}
				var offered []string
				tt.fire(controller.OwnedPodHandler(q, exp, ownerKey, func(p *api.Pod) { offered = append(offered, p.Name) }))
				if got := controllertest.Drain(q); !slices.Equal(got, tt.queued) {
					t.Errorf("queued %q, want %q", got, tt.queued)
				}
				if !slices.Equal(offered, tt.offered) {
					t.Errorf("offered %q, want %q", offered, tt.offered)
				}
				if got, want := exp.Satisfied(key), tt.seen == expected; got != want {
					t.Errorf("expecting a %s: satisfied = %v, want %v", expected, got, want)
				}
			}
		})
	}
}
