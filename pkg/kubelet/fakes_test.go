package kubelet

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// The fakes the kubelet's tests run against: a clock, a pod cache, a pod
// API and an event recorder that record what they were asked.

// t0 is when every test starts.
var t0 = time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Step(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fakeLister is the informer's cache as a map.
type fakeLister struct {
	mu   sync.Mutex
	pods map[string]*api.Pod
}

var _ podLister = (*fakeLister)(nil)

func (l *fakeLister) Get(key string) (api.Object, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	p, ok := l.pods[key]
	return p, ok
}

func (l *fakeLister) List() []api.Object {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []api.Object
	for _, k := range slices.Sorted(maps.Keys(l.pods)) {
		out = append(out, l.pods[k])
	}
	return out
}

func (l *fakeLister) put(p *api.Pod) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pods[client.KeyOf(p)] = p
}

func (l *fakeLister) remove(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.pods, key)
}

// fakePodAPI records writes as strings and plays the apiserver: a status
// write reaches the cache with a new resourceVersion, as the informer
// would bring it, and the final delete removes the pod.
type fakePodAPI struct {
	cache    *fakeLister
	actions  []string
	statuses []api.PodStatus // every status written, in order
	onDelete func()          // runs when the final delete arrives, to check what is left
	failNext error
}

var _ podAPI = (*fakePodAPI)(nil)

func (f *fakePodAPI) UpdatePodStatus(_ context.Context, pod *api.Pod) (*api.Pod, error) {
	if err := f.failNext; err != nil {
		f.failNext = nil
		return nil, err
	}
	f.actions = append(f.actions, "status "+client.KeyOf(pod)+" "+pod.Status.Phase)
	f.statuses = append(f.statuses, pod.Status)
	out := api.DeepCopy(pod)
	rv, _ := strconv.Atoi(pod.ResourceVersion)
	out.ResourceVersion = strconv.Itoa(rv + 1)
	f.cache.put(out)
	return out, nil
}

func (f *fakePodAPI) DeletePod(_ context.Context, namespace, name string, opts *api.DeleteOptions) error {
	f.actions = append(f.actions, fmt.Sprintf("delete %s/%s grace=%d uid=%s", namespace, name, *opts.GracePeriodSeconds, *opts.Preconditions.UID))
	if f.onDelete != nil {
		f.onDelete()
	}
	f.cache.remove(namespace + "/" + name)
	return nil
}

// lastStatus is the status written last.
func (f *fakePodAPI) lastStatus(t *testing.T) api.PodStatus {
	t.Helper()
	if len(f.statuses) == 0 {
		t.Fatal("no status was written")
	}
	return f.statuses[len(f.statuses)-1]
}

// fakeRecorder records events as "Type Reason Message".
type fakeRecorder struct {
	mu     sync.Mutex
	events []string
}

var _ eventRecorder = (*fakeRecorder)(nil)

func (r *fakeRecorder) Eventf(_ api.Object, eventType, reason, format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, eventType+" "+reason+" "+fmt.Sprintf(format, args...))
}

func (r *fakeRecorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.events
	r.events = nil
	return out
}

// harness is one node's pod workers over fakes.
type harness struct {
	t        *testing.T
	clock    *fakeClock
	rt       *FakeRuntime
	pods     *fakeLister
	api      *fakePodAPI
	events   *fakeRecorder
	ipamDir  string
	ipam     *IPAM
	w        *podWorkers
	requeued map[string]time.Duration
}

func newHarness(t *testing.T, pods ...*api.Pod) *harness {
	t.Helper()
	clock := &fakeClock{t: t0}
	h := &harness{t: t, clock: clock, rt: NewFakeRuntime("n1", clock.Now), pods: &fakeLister{pods: map[string]*api.Pod{}}, ipamDir: t.TempDir()}
	for _, p := range pods {
		h.pods.put(p)
	}
	h.api = &fakePodAPI{cache: h.pods}
	h.restart()
	return h
}

// restart makes new pod workers over the same runtime, cache and IPAM
// directory: a kubelet that restarted and remembers nothing.
func (h *harness) restart() {
	h.t.Helper()
	ipam, err := NewIPAM(h.ipamDir, "10.244.1.0/24")
	if err != nil {
		h.t.Fatal(err)
	}
	h.ipam, h.events, h.requeued = ipam, &fakeRecorder{}, map[string]time.Duration{}
	h.w = newPodWorkers(&podWorkers{
		hostIP: "192.168.56.11", runtime: h.rt, pods: h.pods, api: h.api, events: h.events,
		ipam: ipam, log: zap.NewNop(), now: h.clock.Now,
		requeue: func(key string, d time.Duration) { h.requeued[key] = d },
	})
}

// sync runs one sync and fails the test on an error.
func (h *harness) sync(key string) {
	h.t.Helper()
	if err := h.w.sync(context.Background(), key); err != nil {
		h.t.Fatalf("sync %s: %v", key, err)
	}
}

// containers lists the runtime's containers as "name attempt state exit".
func (h *harness) containers() []string {
	cs, _ := h.rt.ListContainers(context.Background())
	var out []string
	for _, c := range cs {
		out = append(out, fmt.Sprintf("%s %d %s %d", c.Name, c.Attempt, c.State, c.ExitCode))
	}
	return out
}

// pod returns the cached pod with key.
func (h *harness) pod(key string) *api.Pod {
	h.t.Helper()
	obj, ok := h.pods.Get(key)
	if !ok {
		h.t.Fatalf("no pod %s", key)
	}
	return obj.(*api.Pod)
}

// testPod is a pod bound to n1 with one container per image, named c0, c1 …
func testPod(name, policy string, images ...string) *api.Pod {
	p := &api.Pod{
		ObjectMeta: api.ObjectMeta{Namespace: "default", Name: name, UID: "uid-" + name, ResourceVersion: "1"},
		Spec:       api.PodSpec{NodeName: "n1", RestartPolicy: policy},
	}
	for i, img := range images {
		p.Spec.Containers = append(p.Spec.Containers, api.Container{Name: "c" + strconv.Itoa(i), Image: img, ImagePullPolicy: api.PullIfNotPresent})
	}
	return p
}
