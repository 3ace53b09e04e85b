package client

import (
	"context"
	"io"
	"testing"
	"time"

	"kubelab/pkg/api"
)

// next reads one event or fails the test.
func next(t *testing.T, w *Watcher) Event {
	t.Helper()
	select {
	case ev, ok := <-w.ResultChan():
		if !ok {
			t.Fatalf("watch closed early: %v", w.Err())
		}
		return ev
	case <-time.After(5 * time.Second):
		t.Fatal("no watch event")
	}
	return Event{}
}

// closed waits for the channel to close and returns Err.
func closed(t *testing.T, w *Watcher) error {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case ev, ok := <-w.ResultChan():
			if !ok {
				return w.Err()
			}
			t.Errorf("unexpected event %s %s", ev.Type, KeyOf(ev.Object))
		case <-deadline:
			t.Fatal("watch did not close")
		}
	}
}

func TestWatch(t *testing.T) {
	f, c := newFakeAPIServer(t)
	ctx := context.Background()
	podsRes, _ := api.Lookup("pods")
	pods := c.Resource(podsRes).Namespace("default")
	if _, err := pods.Create(ctx, testPod("default", "a", "")); err != nil {
		t.Fatal(err)
	}
	_, rv, _ := pods.List(ctx, ListOptions{})

	w, err := pods.Watch(ctx, ListOptions{ResourceVersion: rv})
	if err != nil {
		t.Fatal(err)
	}
	pods.Create(ctx, testPod("default", "b", ""))
	pods.Delete(ctx, "a", nil)
	for _, want := range []string{"ADDED default/b", "DELETED default/a"} {
		ev := next(t, w)
		if got := ev.Type + " " + KeyOf(ev.Object); got != want {
			t.Errorf("event = %s, want %s", got, want)
		}
		if ev.Object.GetTypeMeta().Kind != "Pod" {
			t.Errorf("event object kind = %q, want Pod", ev.Object.GetTypeMeta().Kind)
		}
	}
	f.bookmark("99")
	if ev := next(t, w); ev.Type != api.Bookmark || ev.Object.GetObjectMeta().ResourceVersion != "99" {
		t.Errorf("bookmark = %+v", ev)
	}
	w.Stop()
	w.Stop() // twice is fine
	if err := closed(t, w); err != nil {
		t.Errorf("Err after Stop = %v, want nil", err)
	}
}

func TestWatchEnds(t *testing.T) {
	tests := []struct {
		name   string
		end    func(f *fakeAPIServer)
		before bool // end before the watch starts
		check  func(err error) bool
	}{
		{name: "410 while watching", end: (*fakeAPIServer).expire, check: IsGone},
		{name: "resourceVersion already too old", end: (*fakeAPIServer).expire, before: true, check: IsGone},
		{name: "server closes the stream", end: (*fakeAPIServer).dropWatches, check: func(err error) bool { return err == io.EOF }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, c := newFakeAPIServer(t)
			podsRes, _ := api.Lookup("pods")
			f.seed("pods", testPod("default", "a", ""))
			if tt.before {
				tt.end(f)
			}
			w, err := c.Resource(podsRes).Watch(context.Background(), ListOptions{ResourceVersion: "0"})
			if err != nil {
				t.Fatal(err)
			}
			defer w.Stop()
			if !tt.before {
				waitFor(t, "the watch to connect", func() bool { return f.numWatches() == 1 })
				tt.end(f)
			}
			if err := closed(t, w); !tt.check(err) {
				t.Errorf("Err = %v (%T)", err, err)
			}
		})
	}

	t.Run("context cancelled", func(t *testing.T) {
		_, c := newFakeAPIServer(t)
		podsRes, _ := api.Lookup("pods")
		ctx, cancel := context.WithCancel(context.Background())
		w, err := c.Resource(podsRes).Watch(ctx, ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		cancel()
		if err := closed(t, w); err != nil {
			t.Errorf("Err after cancel = %v, want nil", err)
		}
	})
}
