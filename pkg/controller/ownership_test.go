package controller_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"kubelab/pkg/api"
	"kubelab/pkg/controller"
	"kubelab/pkg/controller/controllertest"
)

var (
	web      = map[string]string{"app": "web"}
	owner    = api.ObjectMeta{Name: "web", Namespace: "default", UID: "uid-web"}
	ownerRef = controller.NewControllerRef(&owner, "apps/v1", "ReplicaSet")
)

type podOpt func(*api.Pod)

// pod returns a pod in "default" with uid "uid-<name>", changed by opts.
func pod(name string, labels map[string]string, opts ...podOpt) *api.Pod {
	p := &api.Pod{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default", UID: "uid-" + name, Labels: labels},
	}
	for _, o := range opts {
		o(p)
	}
	return p
}

func controlledBy(ref api.OwnerReference) podOpt {
	return func(p *api.Pod) { p.OwnerReferences = append(p.OwnerReferences, ref) }
}

func deleting(p *api.Pod) {
	t := api.NewTime(now)
	p.DeletionTimestamp = &t
}

func inNamespace(ns string) podOpt { return func(p *api.Pod) { p.Namespace = ns } }

func TestNewControllerRef(t *testing.T) {
	want := api.OwnerReference{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web", UID: "uid-web",
		Controller: api.Bool(true), BlockOwnerDeletion: api.Bool(true)}
	got := controller.NewControllerRef(&owner, "apps/v1", "ReplicaSet")
	if got.APIVersion != want.APIVersion || got.Kind != want.Kind || got.Name != want.Name || got.UID != want.UID ||
		got.Controller == nil || !*got.Controller || got.BlockOwnerDeletion == nil || !*got.BlockOwnerDeletion {
		t.Errorf("NewControllerRef = %+v, want %+v", got, want)
	}
}

func TestClaimPods(t *testing.T) {
	other := controller.NewControllerRef(&api.ObjectMeta{Name: "other", UID: "uid-other"}, "apps/v1", "ReplicaSet")
	pods := []api.Object{
		pod("mine", web, controlledBy(ownerRef)),
		pod("mine-relabelled", map[string]string{"app": "db"}, controlledBy(ownerRef)),
		pod("orphan", web),
		pod("orphan-deleting", web, deleting),
		pod("orphan-unselected", map[string]string{"app": "db"}),
		pod("others", web, controlledBy(other)),
		pod("elsewhere", web, inNamespace("prod")),
	}
	const (
		adopt   = `patch pods default/orphan {"metadata":{"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web","uid":"uid-web","controller":true,"blockOwnerDeletion":true}],"uid":"uid-orphan"}}`
		release = `patch pods default/mine-relabelled {"metadata":{"ownerReferences":[{"$patch":"delete","uid":"uid-web"}],"uid":"uid-mine-relabelled"}}`
	)
	tests := []struct {
		name     string
		deleting bool
		fail     error
		want     []string // names of the pods claimed
		writes   []string
		wantErr  bool
	}{
		{name: "adopt matching orphans, release pods no longer selected",
			want: []string{"mine", "orphan"}, writes: []string{release, adopt}},
		{name: "an owner being deleted adopts and releases nothing", deleting: true,
			want: []string{"mine"}},
		{name: "a failed patch is an error, and the orphan is not claimed", fail: errors.New("boom"),
			want: []string{"mine"}, writes: []string{release, adopt}, wantErr: true},
		{name: "a pod gone meanwhile is not an error", fail: &api.Status{Reason: "NotFound", Code: 404},
			want: []string{"mine", "orphan"}, writes: []string{release, adopt}},
		{name: "a pod replaced meanwhile (uid mismatch) is not an error", fail: &api.Status{Reason: "Invalid", Code: 422},
			want: []string{"mine", "orphan"}, writes: []string{release, adopt}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lister := controllertest.NewLister(pods...).AddIndex(controller.IndexNamespace, controller.NamespaceIndex)
			w := &controllertest.Writer{}
			if tt.fail != nil {
				w.Fail = map[string]error{"patch pods": tt.fail}
			}
			o := owner
			if tt.deleting {
				ts := api.NewTime(now)
				o.DeletionTimestamp = &ts
			}
			sel := api.SelectorFromSet(web)
			got, err := controller.ClaimPods(context.Background(), w, lister, &o, ownerRef, sel)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ClaimPods error = %v, want error: %v", err, tt.wantErr)
			}
			var names []string
			for _, p := range got {
				names = append(names, p.Name)
			}
			if !slices.Equal(names, tt.want) {
				t.Errorf("claimed %q, want %q", names, tt.want)
			}
			var writes []string
			for _, a := range w.Actions {
				writes = append(writes, a.String()+" "+a.Patch)
			}
			if !slices.Equal(writes, tt.writes) {
				t.Errorf("writes:\n%q\nwant:\n%q", writes, tt.writes)
			}
		})
	}
}

func TestIsOrphan(t *testing.T) {
	notController := ownerRef
	notController.Controller = nil
	tests := []struct {
		name string
		pod  *api.Pod
		want bool
	}{
		{"no owners", pod("p", nil), true},
		{"an owner, not a controller", pod("p", nil, controlledBy(notController)), true},
		{"a controller", pod("p", nil, controlledBy(ownerRef)), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := controller.IsOrphan(tt.pod); got != tt.want {
				t.Errorf("IsOrphan = %v, want %v", got, tt.want)
			}
		})
	}
}
