package scheduler

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// fakeStore is an ObjectLister over a map, standing in for an informer.
type fakeStore struct {
	mu   sync.Mutex
	objs map[string]api.Object
}

func newStore(objs ...api.Object) *fakeStore {
	s := &fakeStore{objs: map[string]api.Object{}}
	for _, o := range objs {
		s.objs[client.KeyOf(o)] = o
	}
	return s
}

func (s *fakeStore) Get(key string) (api.Object, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.objs[key]
	return o, ok
}

func (s *fakeStore) List() []api.Object {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []api.Object
	for _, o := range s.objs {
		out = append(out, o)
	}
	return out
}

func (s *fakeStore) set(o api.Object) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.objs[client.KeyOf(o)] = o
}

func (s *fakeStore) remove(o api.Object) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.objs, client.KeyOf(o))
}

func makeClaim(name string, opts ...func(*api.PersistentVolumeClaim)) *api.PersistentVolumeClaim {
	c := &api.PersistentVolumeClaim{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "PersistentVolumeClaim"},
		ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default", UID: "uid-" + name},
		Status:     api.PersistentVolumeClaimStatus{Phase: api.ClaimPending},
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

func ofClass(name string) func(*api.PersistentVolumeClaim) {
	return func(c *api.PersistentVolumeClaim) { c.Spec.StorageClassName = &name }
}

func boundTo(pv string) func(*api.PersistentVolumeClaim) {
	return func(c *api.PersistentVolumeClaim) {
		c.Spec.VolumeName = pv
		c.Status.Phase = api.ClaimBound
	}
}

func claimDeleting(c *api.PersistentVolumeClaim) {
	ts := api.NewTime(testNow)
	c.DeletionTimestamp = &ts
}

// makePV is a hostPath volume; with a node, only usable there.
func makePV(name, node string) *api.PersistentVolume {
	pv := &api.PersistentVolume{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "PersistentVolume"},
		ObjectMeta: api.ObjectMeta{Name: name},
		Spec: api.PersistentVolumeSpec{PersistentVolumeSource: api.PersistentVolumeSource{
			HostPath: &api.HostPathVolumeSource{Path: "/data/" + name}}},
	}
	if node != "" {
		pv.Spec.NodeAffinity = &api.VolumeNodeAffinity{Required: &api.NodeSelector{NodeSelectorTerms: []api.NodeSelectorTerm{{
			MatchExpressions: []api.NodeSelectorRequirement{{Key: "kubernetes.io/hostname", Operator: "In", Values: []string{node}}}}}}}
	}
	return pv
}

func makeClass(name, mode string, isDefault bool) *api.StorageClass {
	sc := &api.StorageClass{
		TypeMeta:          api.TypeMeta{APIVersion: "storage.k8s.io/v1", Kind: "StorageClass"},
		ObjectMeta:        api.ObjectMeta{Name: name},
		Provisioner:       api.LocalPathProvisioner,
		VolumeBindingMode: &mode,
	}
	if isDefault {
		sc.Annotations = map[string]string{api.IsDefaultStorageClassAnnotation: "true"}
	}
	return sc
}

func usingClaims(names ...string) func(*api.Pod) {
	return func(p *api.Pod) {
		for _, n := range names {
			p.Spec.Volumes = append(p.Spec.Volumes, api.Volume{Name: "v-" + n,
				VolumeSource: api.VolumeSource{PersistentVolumeClaim: &api.PersistentVolumeClaimVolumeSource{ClaimName: n}}})
		}
	}
}

func TestVolumeBinding(t *testing.T) {
	classes := newStore(
		makeClass("local-path", api.VolumeBindingWaitForFirstConsumer, true),
		makeClass("fast", api.VolumeBindingImmediate, false))
	volumes := newStore(makePV("pv-anywhere", ""), makePV("pv-n1", "n1"), makePV("pv-n2", "n2"))
	tests := []struct {
		name   string
		claims []*api.PersistentVolumeClaim // in the cache
		use    []string                     // claims the pod mounts
		ok     bool
		reason string
	}{
		{name: "no claims", ok: true},
		{name: "claim not found", use: []string{"data"}, reason: `persistentvolumeclaim "data" not found`},
		{name: "claim being deleted", claims: []*api.PersistentVolumeClaim{makeClaim("data", boundTo("pv-n1"), claimDeleting)},
			use: []string{"data"}, reason: `persistentvolumeclaim "data" is being deleted`},
		{name: "bound to a volume of any node", claims: []*api.PersistentVolumeClaim{makeClaim("data", boundTo("pv-anywhere"))},
			use: []string{"data"}, ok: true},
		{name: "bound to a volume of this node", claims: []*api.PersistentVolumeClaim{makeClaim("data", boundTo("pv-n1"))},
			use: []string{"data"}, ok: true},
		{name: "bound to a volume of another node", claims: []*api.PersistentVolumeClaim{makeClaim("data", boundTo("pv-n2"))},
			use: []string{"data"}, reason: ReasonVolumeNodeConflict},
		{name: "second claim conflicts", claims: []*api.PersistentVolumeClaim{makeClaim("a", boundTo("pv-n1")), makeClaim("b", boundTo("pv-n2"))},
			use: []string{"a", "b"}, reason: ReasonVolumeNodeConflict},
		{name: "bound to a volume not found", claims: []*api.PersistentVolumeClaim{makeClaim("data", boundTo("pv-gone"))},
			use: []string{"data"}, reason: `persistentvolume "pv-gone" not found`},
		{name: "named volume, not bound yet, immediate", claims: []*api.PersistentVolumeClaim{
			makeClaim("data", ofClass("fast"), func(c *api.PersistentVolumeClaim) { c.Spec.VolumeName = "pv-n1" })},
			use: []string{"data"}, reason: ReasonUnboundImmediate},
		{name: "unbound, immediate class", claims: []*api.PersistentVolumeClaim{makeClaim("data", ofClass("fast"))},
			use: []string{"data"}, reason: ReasonUnboundImmediate},
		{name: "unbound, no class", claims: []*api.PersistentVolumeClaim{makeClaim("data", ofClass(""))},
			use: []string{"data"}, reason: ReasonUnboundImmediate},
		{name: "unbound, class not found", claims: []*api.PersistentVolumeClaim{makeClaim("data", ofClass("gold"))},
			use: []string{"data"}, reason: `storageclass.storage.k8s.io "gold" not found`},
		{name: "unbound, WaitForFirstConsumer", claims: []*api.PersistentVolumeClaim{makeClaim("data", ofClass("local-path"))},
			use: []string{"data"}, ok: true},
		{name: "unbound, default class is WaitForFirstConsumer", claims: []*api.PersistentVolumeClaim{makeClaim("data")},
			use: []string{"data"}, ok: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			claims := newStore()
			for _, c := range tt.claims {
				claims.set(c)
			}
			l := VolumeListers{Claims: claims, Volumes: volumes, Classes: classes}
			pod := makePod("p", "", "", usingClaims(tt.use...))
			info := NewPodInfo(pod)
			info.Claims = l.ResolveClaims(pod)
			ok, reason := VolumeBinding(info, NewNodeInfo(makeNode("n1", "1", "1Gi")))
			if ok != tt.ok || reason != tt.reason {
				t.Errorf("got (%v, %q), want (%v, %q)", ok, reason, tt.ok, tt.reason)
			}
		})
	}
}

// TestVolumeBindingWithoutListers: a scheduler that cannot see claims
// holds their pods back rather than placing them blind.
func TestVolumeBindingWithoutListers(t *testing.T) {
	pod := makePod("p", "", "", usingClaims("data", "data"))
	claims := VolumeListers{}.ResolveClaims(pod)
	if len(claims) != 1 || claims[0].Claim != nil {
		t.Fatalf("claims %+v, want one, not found", claims)
	}
}

func TestScheduleVolumeSummary(t *testing.T) {
	l := VolumeListers{
		Claims:  newStore(makeClaim("pinned", boundTo("pv-n2")), makeClaim("fast", ofClass("fast"))),
		Volumes: newStore(makePV("pv-n2", "n2")),
		Classes: newStore(makeClass("fast", api.VolumeBindingImmediate, false)),
	}
	snap := NewSnapshot([]*api.Node{makeNode("n1", "4", "8Gi"), makeNode("n2", "4", "8Gi"), makeNode("n3", "4", "8Gi")}, nil)
	tests := []struct {
		name     string
		claim    string
		wantNode string
		wantErr  string
	}{
		{name: "bound volume pins the node", claim: "pinned", wantNode: "n2"},
		{name: "unbound immediate claim", claim: "fast",
			wantErr: "0/3 nodes are available: 3 pod has unbound immediate PersistentVolumeClaims."},
		{name: "missing claim", claim: "nope",
			wantErr: `0/3 nodes are available: 3 persistentvolumeclaim "nope" not found.`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pod := makePod("p", "", "", usingClaims(tt.claim))
			info := NewPodInfo(pod)
			info.Claims = l.ResolveClaims(pod)
			d := DefaultProfile().schedule(info, snap, everyNode, nil)
			if d.Node != tt.wantNode {
				t.Errorf("node %q, want %q", d.Node, tt.wantNode)
			}
			if got := errString(d.Err); got != tt.wantErr {
				t.Errorf("error %q, want %q", got, tt.wantErr)
			}
		})
	}
}

func errString(e *FitError) string {
	if e == nil {
		return ""
	}
	return e.Error()
}

// volumeHarness is the loop's harness with claim, volume and class caches.
type volumeHarness struct {
	*harness
	claims, volumes *fakeStore
}

func newVolumeHarness(t *testing.T) *volumeHarness {
	h := &volumeHarness{harness: newHarness(t, "", false), claims: newStore(), volumes: newStore()}
	h.s.volumes = VolumeListers{Claims: h.claims, Volumes: h.volumes,
		Classes: newStore(makeClass("local-path", api.VolumeBindingWaitForFirstConsumer, true))}
	h.addNode(makeNode("n1", "4", "8Gi"))
	h.addNode(makeNode("n2", "1", "1Gi"))
	return h
}

// setClaim and setVolume are informer events of the claim and volume
// caches.
func (h *volumeHarness) setClaim(c *api.PersistentVolumeClaim) {
	h.claims.set(c)
	h.s.VolumeHandler().OnUpdate(c, c)
}

func (h *volumeHarness) setVolume(pv *api.PersistentVolume) {
	h.volumes.set(pv)
	h.s.VolumeHandler().OnAdd(pv)
}

// TestWaitForFirstConsumer: the pod stays assumed on its node while the
// scheduler writes the selected node on its claim; it is bound only once
// the claim is.
func TestWaitForFirstConsumer(t *testing.T) {
	h := newVolumeHarness(t)
	h.setClaim(makeClaim("data"))
	pod := makePod("p", "500m", "", usingClaims("data"))
	h.setPod(pod)

	errs := h.drain()
	var wait *errWaitingForVolumes
	if !errors.As(errs["default/p"], &wait) {
		t.Fatalf("errors %v, want the pod waiting for volumes", errs)
	}
	const waiting = `waiting for volume binding on n1: persistentvolumeclaim \"data\" not bound yet`
	wantWrites := []string{
		`patch pvc default/data {"metadata":{"annotations":{"volume.kubernetes.io/selected-node":"n1"}}}`,
		`patch default/p/status {"status":{"conditions":[{"type":"PodScheduled","status":"False","lastTransitionTime":"2026-01-02T03:04:05Z","reason":"WaitingForVolumeBinding","message":"` + waiting + `"}]}}`,
	}
	if got := h.writes.Recorded(); strings.Join(got, "\n") != strings.Join(wantWrites, "\n") {
		t.Fatalf("writes:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(wantWrites, "\n  "))
	}
	if r := h.requested("n1"); r.MilliCPU != 500 {
		t.Errorf("n1 requested %d mCPU, want the waiting pod's 500 counted", r.MilliCPU)
	}

	// A retry while the claim is still unbound writes nothing new: the
	// claim names n1 already, and the condition says so.
	h.claims.set(makeClaim("data", func(c *api.PersistentVolumeClaim) {
		c.Annotations = map[string]string{api.SelectedNodeAnnotation: "n1"}
	}))
	updated := *pod
	pod = &updated
	pod.Status.Conditions = []api.PodCondition{{Type: api.PodScheduled, Status: api.ConditionFalse,
		Reason: ReasonWaitingForVolumes, Message: strings.ReplaceAll(waiting, `\"`, `"`)}}
	h.setPod(pod)
	if h.s.queue.Len() != 0 {
		t.Error("the scheduler's own condition patch queued the waiting pod")
	}
	h.s.queue.Add("default/p")
	h.drain()
	if got := len(h.writes.Recorded()); got != 2 {
		t.Errorf("%d writes, want the 2 before: %q", got, h.writes.Recorded())
	}

	// The provisioner and the PV controller do their part.
	h.setVolume(makePV("pvc-uid-data", "n1"))
	h.setClaim(makeClaim("data", boundTo("pvc-uid-data")))
	if errs := h.drain(); len(errs) > 0 {
		t.Fatalf("errors %v", errs)
	}
	if got := h.writes.Recorded(); got[len(got)-1] != "bind default/p n1" {
		t.Errorf("last write %q, want the binding", got[len(got)-1])
	}
}

// TestVolumeWaitGivenUp: a claim deleted while its pod waits ends the
// wait; the pod is decided afresh and fits nowhere.
func TestVolumeWaitGivenUp(t *testing.T) {
	h := newVolumeHarness(t)
	claim := makeClaim("data")
	h.setClaim(claim)
	h.setPod(makePod("p", "500m", "", usingClaims("data")))
	h.drain()

	h.claims.remove(claim)
	h.s.VolumeHandler().OnDelete(claim)
	errs := h.drain()
	var fit *FitError
	if !errors.As(errs["default/p"], &fit) {
		t.Fatalf("errors %v, want a FitError", errs)
	}
	want := []string{
		`Warning FailedScheduling running PreBind plugin "VolumeBinding": persistentvolumeclaim "data" not found`,
		`Warning FailedScheduling 0/2 nodes are available: 2 persistentvolumeclaim "data" not found.`,
	}
	if got := h.events.events; strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("events:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	if r := h.requested("n1"); r.MilliCPU != 0 {
		t.Errorf("n1 requested %d mCPU, want the assumption gone", r.MilliCPU)
	}
}
