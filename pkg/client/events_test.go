package client

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"kubelab/pkg/api"
)

// testClock is a clock the test moves by hand.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestRecorder(t *testing.T) {
	f, c := newFakeAPIServer(t)
	clock := &testClock{now: time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)}
	r := NewRecorder(c, "scheduler", "cp1", nil)
	r.now = clock.Now
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r.Run(ctx)
	r.Run(ctx) // a second Run starts nothing

	pod := testPod("default", "web", "")
	pod.UID = "uid-web"
	node := &api.Node{}
	node.Name = "n1"

	// summary lists the stored events as "namespace/name-prefix reason count".
	summary := func() []string {
		var out []string
		for _, ev := range f.events() {
			prefix, _, _ := strings.Cut(ev.Name, ".")
			out = append(out, fmt.Sprintf("%s/%s %s %d", ev.Namespace, prefix, ev.Reason, ev.Count))
		}
		return out
	}
	expect := func(what string, want ...string) {
		t.Helper()
		waitFor(t, what, func() bool { return strings.Join(summary(), ",") == strings.Join(want, ",") })
	}

	r.Event(pod, api.EventNormal, "Scheduled", "assigned default/web to n1")
	expect("the first event", "default/web Scheduled 1")
	ev := f.events()[0]
	if ev.InvolvedObject != (api.ObjectReference{Kind: "Pod", APIVersion: "v1", Namespace: "default", Name: "web", UID: "uid-web"}) {
		t.Errorf("involvedObject = %+v", ev.InvolvedObject)
	}
	if ev.Source != (api.EventSource{Component: "scheduler", Host: "cp1"}) || ev.Type != api.EventNormal ||
		ev.Message != "assigned default/web to n1" || !ev.FirstTimestamp.Equal(clock.Now()) || !ev.LastTimestamp.Equal(clock.Now()) {
		t.Errorf("event = %+v", ev)
	}

	// The same event again, a minute later: the count goes up.
	clock.Add(time.Minute)
	r.Event(pod, api.EventNormal, "Scheduled", "assigned default/web to n1")
	r.Eventf(pod, api.EventNormal, "Scheduled", "assigned %s to %s", "default/web", "n1")
	expect("the count to reach 3", "default/web Scheduled 3")
	ev = f.events()[0]
	if !ev.LastTimestamp.Equal(clock.Now()) || ev.FirstTimestamp.Equal(clock.Now()) {
		t.Errorf("timestamps first=%v last=%v, want last moved to %v", ev.FirstTimestamp, ev.LastTimestamp, clock.Now())
	}
	if len(f.requestsMatching("PATCH /api/v1/namespaces/default/events/web.")) != 2 {
		t.Errorf("want two PATCHes: %v", f.requestsMatching("events"))
	}

	// A different message is a different event; a node's event goes to "default".
	r.Event(pod, api.EventWarning, "Scheduled", "something else")
	r.Event(node, api.EventNormal, "NodeReady", "node n1 is ready")
	waitFor(t, "two more events", func() bool { return len(f.events()) == 3 })
	for _, ev := range f.events() {
		if ev.Reason == "NodeReady" && (ev.Namespace != "default" || ev.InvolvedObject.Kind != "Node" || ev.InvolvedObject.Namespace != "") {
			t.Errorf("node event = %+v", ev)
		}
	}

	// Eleven minutes on, the first event is too old to bump: a new one.
	clock.Add(11 * time.Minute)
	r.Event(pod, api.EventNormal, "Scheduled", "assigned default/web to n1")
	waitFor(t, "a fresh event", func() bool { return len(f.events()) == 4 })

	// If the Event was deleted on the server, the next repeat makes a new one.
	newest := ""
	for _, ev := range f.events() {
		if ev.Reason == "Scheduled" && ev.Count == 1 && ev.Type == api.EventNormal {
			newest = ev.Name
		}
	}
	f.unseed("events", "default", newest)
	r.Event(pod, api.EventNormal, "Scheduled", "assigned default/web to n1")
	waitFor(t, "the event to be written again", func() bool { return len(f.events()) == 4 })
}

func TestRecorderDropsWhenFull(t *testing.T) {
	_, c := newFakeAPIServer(t)
	core, logs := observer.New(zapcore.InfoLevel)
	r := NewRecorder(c, "test", "", zap.New(core))
	r.buffer = make(chan *api.Event, 1) // and no Run: nothing drains it
	pod := testPod("default", "web", "")
	done := make(chan struct{})
	go func() {
		r.Event(pod, api.EventNormal, "A", "one")
		r.Event(pod, api.EventNormal, "B", "two")
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Event blocked on a full buffer")
	}
	if n := logs.FilterMessage("event buffer full; dropping event").Len(); n != 1 {
		t.Errorf("%d drop logs, want 1", n)
	}
}
