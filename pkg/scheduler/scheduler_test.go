package scheduler

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// The loop's tests feed the handlers the events informers would deliver,
// run sync on the queued keys, and compare what the Fake writer and the
// event recorder were asked to do. No apiserver, no network.

type fakePods struct {
	mu   sync.Mutex
	pods map[string]*api.Pod
}

func (f *fakePods) Get(key string) (api.Object, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.pods[key]
	return p, ok
}

type fakeEvents struct {
	mu     sync.Mutex
	events []string
}

func (f *fakeEvents) Eventf(_ api.Object, eventType, reason, format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.events = append(f.events, eventType+" "+reason+" "+fmt.Sprintf(format, args...))
}

type harness struct {
	t      *testing.T
	s      *Scheduler
	pods   *fakePods
	writes *Fake
	events *fakeEvents
}

var testNow = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func newHarness(t *testing.T, name string, record bool) *harness {
	h := &harness{t: t, pods: &fakePods{pods: map[string]*api.Pod{}}, writes: &Fake{}, events: &fakeEvents{}}
	s, err := New(Config{Name: name, Parallelism: 4, RecordDecisions: record, Pods: h.pods, Binder: h.writes, Patcher: h.writes, Events: h.events})
	if err != nil {
		t.Fatal(err)
	}
	s.now = func() time.Time { return testNow }
	h.s = s
	return h
}

func (h *harness) addNode(n *api.Node) { h.s.NodeHandler().OnAdd(n) }

// setPod is an informer add or update of pod.
func (h *harness) setPod(pod *api.Pod) {
	key := client.KeyOf(pod)
	h.pods.mu.Lock()
	old, ok := h.pods.pods[key]
	h.pods.pods[key] = pod
	h.pods.mu.Unlock()
	if ok {
		h.s.PodHandler().OnUpdate(old, pod)
	} else {
		h.s.PodHandler().OnAdd(pod)
	}
}

func (h *harness) deletePod(pod *api.Pod) {
	h.pods.mu.Lock()
	delete(h.pods.pods, client.KeyOf(pod))
	h.pods.mu.Unlock()
	h.s.PodHandler().OnDelete(pod)
}

// drain syncs every queued key, in order, as one worker would, and
// returns the errors by key.
func (h *harness) drain() map[string]error {
	errs := map[string]error{}
	for h.s.queue.Len() > 0 {
		key, _ := h.s.queue.Get()
		if err := syncKey(h.s, key); err != nil {
			errs[key] = err
		}
		h.s.queue.Done(key)
	}
	return errs
}

func (h *harness) requested(node string) Resources {
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	return h.s.snap.Node(node).Requested
}

func threeNodes(h *harness) {
	for _, n := range []string{"n1", "n2", "n3"} {
		h.addNode(makeNode(n, "4", "8Gi"))
	}
}

func TestBurstSpreads(t *testing.T) {
	t.Run("one at a time", func(t *testing.T) {
		h := newHarness(t, "", false)
		threeNodes(h)
		for i := range 10 {
			h.setPod(makePod(fmt.Sprintf("p%d", i), "100m", "128Mi"))
		}
		if errs := h.drain(); len(errs) > 0 {
			t.Fatal(errs)
		}
		if got, want := h.writes.PerNode(), map[string]int{"n1": 4, "n2": 3, "n3": 3}; !reflect.DeepEqual(got, want) {
			t.Errorf("pods per node %v, want %v", got, want)
		}
	})
	t.Run("Run, four writers at once", func(t *testing.T) {
		h := newHarness(t, "", false)
		threeNodes(h)
		for i := range 10 {
			h.setPod(makePod(fmt.Sprintf("p%d", i), "100m", "128Mi"))
		}
		ctx, cancel := context.WithCancel(context.Background())
		go h.s.Run(ctx)
		deadline := time.Now().Add(5 * time.Second)
		for len(h.writes.Recorded()) < 10 && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		cancel()
		<-h.s.Stopped()
		if got, want := h.writes.PerNode(), map[string]int{"n1": 4, "n2": 3, "n3": 3}; !reflect.DeepEqual(got, want) {
			t.Errorf("pods per node %v, want %v", got, want)
		}
	})
}

func TestBindingConfirmedAndDeleted(t *testing.T) {
	h := newHarness(t, "", false)
	threeNodes(h)
	p := makePod("p", "1", "1Gi")
	h.setPod(p)
	h.drain()
	bound := makePod("p", "1", "1Gi", onNode("n1"))
	h.setPod(bound) // the informer catches up
	if got := h.requested("n1"); got != (Resources{MilliCPU: 1000, Memory: 1 << 30, Pods: 1}) {
		t.Errorf("after the binding was confirmed n1 has %+v: counted twice or not at all", got)
	}
	h.setPod(bound) // a resync or a status update: still counted once
	h.deletePod(bound)
	if got := h.requested("n1"); got != (Resources{}) {
		t.Errorf("after the pod was deleted n1 has %+v", got)
	}
}

func TestFailedBindForgetsTheAssumption(t *testing.T) {
	h := newHarness(t, "", false)
	h.addNode(makeNode("n1", "4", "8Gi"))
	h.writes.FailBind = map[string]error{"default/p": errors.New("connection refused")}
	h.setPod(makePod("p", "1", "1Gi"))
	errs := h.drain()
	if err := errs["default/p"]; err == nil || !strings.Contains(err.Error(), "binding to n1: connection refused") {
		t.Fatalf("sync error %v", err)
	}
	if got := h.requested("n1"); got != (Resources{}) {
		t.Fatalf("the failed pod is still counted: %+v", got)
	}
	// The worker loop retries it; this time the binding works.
	h.writes.FailBind = nil
	h.s.queue.Add("default/p")
	if errs := h.drain(); len(errs) > 0 {
		t.Fatal(errs)
	}
	want := []string{"bind default/p n1", "bind default/p n1"}
	if got := h.writes.Recorded(); !reflect.DeepEqual(got, want) {
		t.Errorf("writes %q, want %q", got, want)
	}
	if got := h.events.events; !reflect.DeepEqual(got, []string{"Normal Scheduled Successfully assigned default/p to n1"}) {
		t.Errorf("events %q", got)
	}
}

func TestOtherSchedulersPods(t *testing.T) {
	theirs := func(p *api.Pod) { p.Spec.SchedulerName = "gpu-scheduler" }
	cases := []struct {
		name      string
		scheduler string
		pod       *api.Pod
		bound     bool
	}{
		{"default ignores another scheduler's pod", "", makePod("p", "", "", theirs), false},
		{"a named scheduler takes its own", "gpu-scheduler", makePod("p", "", "", theirs), true},
		{"a named scheduler ignores the default's", "gpu-scheduler", makePod("p", "", ""), false},
		{"an empty schedulerName is the default's", "", makePod("p", "", "", func(p *api.Pod) { p.Spec.SchedulerName = "" }), true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tc.scheduler, false)
			h.addNode(makeNode("n1", "4", "8Gi"))
			h.setPod(tc.pod)
			h.s.queue.Add("default/p") // even if something queues it, sync leaves it
			h.drain()
			if bound := len(h.writes.Recorded()) > 0; bound != tc.bound {
				t.Errorf("bound %v, want %v (writes %q)", bound, tc.bound, h.writes.Recorded())
			}
		})
	}
}

func TestUnschedulableThenANodeArrives(t *testing.T) {
	h := newHarness(t, "", true)
	h.addNode(makeNode("small", "1", "8Gi"))
	p := makePod("p", "2", "1Gi")
	h.setPod(p)

	errs := h.drain()
	msg := "0/1 nodes are available: 1 Insufficient cpu."
	var fitErr *FitError
	if !errors.As(errs["default/p"], &fitErr) || fitErr.Error() != msg {
		t.Fatalf("sync error %v, want the FitError %q", errs["default/p"], msg)
	}
	decision := `{"total":1,"feasible":0,"nodes":[{"node":"small","fit":false,"reason":"Insufficient cpu"}]}`
	wantWrites := []string{
		`patch default/p/status {"status":{"conditions":[{"type":"PodScheduled","status":"False","lastTransitionTime":"2026-01-02T03:04:05Z","reason":"Unschedulable","message":"` + msg + `"}]}}`,
		`patch default/p {"metadata":{"annotations":{"scheduler.kubelab.io/decision":` + quote(decision) + `}}}`,
	}
	if got := h.writes.Recorded(); !reflect.DeepEqual(got, wantWrites) {
		t.Fatalf("writes\n got %q\nwant %q", got, wantWrites)
	}
	if got := h.events.events; !reflect.DeepEqual(got, []string{"Warning FailedScheduling " + msg}) {
		t.Fatalf("events %q", got)
	}

	// The informer shows the scheduler's own writes: no reason to retry.
	written := makePod("p", "2", "1Gi")
	written.Status.Conditions = []api.PodCondition{{Type: api.PodScheduled, Status: api.ConditionFalse, Reason: "Unschedulable", Message: msg}}
	written.Annotations = map[string]string{DecisionAnnotation: decision}
	h.setPod(written)
	// A heartbeat changes nothing that matters either.
	beat := makeNode("small", "1", "8Gi")
	beat.Status.Conditions[0].LastHeartbeatTime = api.NewTime(testNow)
	h.s.NodeHandler().OnUpdate(makeNode("small", "1", "8Gi"), beat)
	if n := h.s.queue.Len(); n != 0 {
		t.Fatalf("%d keys queued after the pod's own status change and a heartbeat", n)
	}

	// Tried again with nothing changed (the back-off): no new writes.
	h.writes.Actions = nil
	h.s.queue.Add("default/p")
	h.drain()
	if got := h.writes.Recorded(); len(got) != 0 {
		t.Fatalf("a second failure with the same message wrote %q", got)
	}

	// A node that fits arrives: the pod is retried at once and bound.
	h.addNode(makeNode("big", "4", "8Gi"))
	if n := h.s.queue.Len(); n != 1 {
		t.Fatalf("%d keys queued after a node was added, want 1", n)
	}
	if errs := h.drain(); len(errs) > 0 {
		t.Fatal(errs)
	}
	if got := h.writes.Recorded(); len(got) != 1 || !strings.HasPrefix(got[0], `bind default/p big {"total":2,"feasible":1`) {
		t.Errorf("writes %q, want one binding carrying the decision", got)
	}
	if got := h.events.events[len(h.events.events)-1]; got != "Normal Scheduled Successfully assigned default/p to big" {
		t.Errorf("last event %q", got)
	}
}

func TestRetryDelay(t *testing.T) {
	for tries, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second,
		6: 32 * time.Second, 7: time.Minute, 100: time.Minute} {
		t.Run(fmt.Sprint(tries), func(t *testing.T) {
			if got := retryDelay(tries); got != want {
				t.Errorf("retryDelay(%d) = %v, want %v", tries, got, want)
			}
		})
	}
}

func TestUnschedulableRetriedWhenAPodGoes(t *testing.T) {
	h := newHarness(t, "", false)
	h.addNode(makeNode("n1", "2", "8Gi"))
	hog := makePod("hog", "2", "", onNode("n1"))
	h.setPod(hog)
	h.setPod(makePod("p", "1", ""))
	if errs := h.drain(); errs["default/p"] == nil {
		t.Fatal("p fit on a full node")
	}
	h.deletePod(hog)
	if errs := h.drain(); len(errs) > 0 {
		t.Fatal(errs)
	}
	if got := h.writes.Recorded(); got[len(got)-1] != "bind default/p n1" {
		t.Errorf("writes %q", got)
	}
}

// syncKey decides and writes for key in one go, as Run does in two.
func syncKey(s *Scheduler, key string) error {
	if write := s.decide(key); write != nil {
		return write(context.Background())
	}
	return nil
}

func quote(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"`
}
