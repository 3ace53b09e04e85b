package dashboard

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// sseEvent is one event of a stream: a fragment, or a line of a log.
type sseEvent struct {
	name string
	frag struct {
		fragmentEvent
		Text string `json:"text"`
	}
}

// openStream reads the event stream at path until the test ends.
func (f *fixture) openStream(path string) <-chan sseEvent {
	f.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, f.srv.URL+path, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		f.t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		cancel()
		f.t.Fatalf("GET %s: %d %s", path, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	out := make(chan sseEvent, 100)
	done := make(chan struct{})
	f.t.Cleanup(func() { cancel(); resp.Body.Close(); <-done })
	go func() {
		defer close(done)
		defer close(out)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<20)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				ev.name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &ev.frag)
			case line == "" && ev.name != "":
				out <- ev
				ev = sseEvent{}
			}
		}
	}()
	return out
}

// next waits for the next event.
func next(t *testing.T, events <-chan sseEvent) sseEvent {
	t.Helper()
	select {
	case ev, ok := <-events:
		if !ok {
			t.Fatal("the stream ended")
		}
		return ev
	case <-time.After(5 * time.Second):
		t.Fatal("no event within 5s")
	}
	return sseEvent{}
}

// quiet checks that no event comes for a moment.
func quiet(t *testing.T, events <-chan sseEvent) {
	t.Helper()
	select {
	case ev := <-events:
		t.Fatalf("unexpected event %s %s", ev.name, ev.frag.ID)
	case <-time.After(100 * time.Millisecond):
	}
}

// A change reaches an open page as the fragments it touches, rendered
// from the caches: a pod created, scheduled, deleted; a node added.
func TestLiveFragments(t *testing.T) {
	f := newFixture(t, node("n1", true, "4", "8Gi"))
	seq := f.d.hub.sequence()
	events := f.openStream(fmt.Sprintf("/live?view=map&ns=default&since=%d", seq))

	p := pod("default", "web-1", "", api.PodPending, false, "web")
	f.put(p)
	ev := next(t, events)
	if ev.frag.ID != fragPending || !strings.Contains(ev.frag.HTML, `data-pod="default/web-1"`) {
		t.Fatalf("a new pod: got %s %q", ev.frag.ID, ev.frag.HTML)
	}

	bound := pod("default", "web-1", "n1", api.PodRunning, true, "web")
	f.put(bound)
	got := map[string]string{}
	for range 2 {
		ev := next(t, events)
		got[ev.frag.ID] = ev.frag.HTML
	}
	if strings.Contains(got[fragPending], "web-1") || !strings.Contains(got["node-n1"], `class="pod ready" data-pod="default/web-1"`) {
		t.Fatalf("a pod bound to n1 should leave Pending for n1's column: %v", got)
	}

	// Another namespace's pod changes n1's usage, and so its column.
	f.put(pod("other", "x", "n1", api.PodRunning, true, ""))
	if ev := next(t, events); ev.frag.ID != "node-n1" || strings.Contains(ev.frag.HTML, "other/x") || !strings.Contains(text(ev.frag.HTML), "1 of 4") {
		t.Fatalf("n1 should count other/x without showing it: %s %s", ev.frag.ID, text(ev.frag.HTML))
	}

	f.remove(bound)
	if ev := next(t, events); ev.frag.ID != "node-n1" || strings.Contains(ev.frag.HTML, "web-1") {
		t.Fatalf("a deleted pod should leave n1: %s %q", ev.frag.ID, ev.frag.HTML)
	}

	f.put(node("n2", true, "4", "8Gi"))
	if ev := next(t, events); ev.frag.ID != viewMap || !strings.Contains(ev.frag.HTML, `id="node-n2"`) {
		t.Fatalf("a new node should re-render the map: %s", ev.frag.ID)
	}

	// Changes other views show do not reach the map.
	f.put(&api.Service{ObjectMeta: api.ObjectMeta{Namespace: "default", Name: "s"}})
	quiet(t, events)
}

// A page rendered before a change it missed gets its whole view when its
// stream opens; one rendered after every change gets nothing until the
// next.
func TestLiveCatchesUp(t *testing.T) {
	f := newFixture(t, node("n1", true, "4", "8Gi"))
	seq := f.d.hub.sequence()
	f.put(pod("default", "late", "n1", api.PodRunning, true, ""))
	events := f.openStream(fmt.Sprintf("/live?view=map&ns=default&since=%d", seq))
	if ev := next(t, events); ev.frag.ID != viewMap || !strings.Contains(ev.frag.HTML, "default/late") {
		t.Fatalf("a page that missed a change should get the map: %s", ev.frag.ID)
	}

	current := f.openStream(fmt.Sprintf("/live?view=map&ns=default&since=%d", f.d.hub.sequence()))
	quiet(t, current)
}

// The pod page hears of its pod and of the events about it only.
func TestLivePodPage(t *testing.T) {
	p := pod("default", "a", "n1", api.PodPending, false, "")
	f := newFixture(t, node("n1", true, "4", "8Gi"), p)
	events := f.openStream(fmt.Sprintf("/live?view=pod&ns=default&pod=a&since=%d", f.d.hub.sequence()))

	f.put(pod("default", "b", "n1", api.PodRunning, true, ""))
	quiet(t, events)

	f.put(&api.Event{ObjectMeta: api.ObjectMeta{Namespace: "default", Name: "a.1"}, Reason: "Started", Message: "Started container app",
		InvolvedObject: api.ObjectReference{Kind: "Pod", Namespace: "default", Name: "a"}})
	if ev := next(t, events); ev.frag.ID != fragPodEvents || !strings.Contains(ev.frag.HTML, "Started container app") {
		t.Fatalf("an event about the pod: %s %q", ev.frag.ID, ev.frag.HTML)
	}

	f.put(pod("default", "a", "n1", api.PodRunning, true, ""))
	if ev := next(t, events); ev.frag.ID != viewPod || !strings.Contains(text(ev.frag.HTML), "1/1 ready") {
		t.Fatalf("the pod running: %s %q", ev.frag.ID, text(ev.frag.HTML))
	}
}

func TestLiveRefusesUnknownViews(t *testing.T) {
	f := newFixture(t)
	for _, q := range []string{"view=nope", "view=pod&ns=default", ""} {
		resp, err := http.Get(f.srv.URL + "/live?" + q)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("/live?%s: %d, want 400", q, resp.StatusCode)
		}
	}
}

// A pod's log is streamed line by line from the apiserver's pods/log, as
// the dashboard's own identity, and the stream says when it ends.
func TestLogStream(t *testing.T) {
	f := newFixture(t)
	f.api.answer("GET", "/api/v1/namespaces/default/pods/a/log", http.StatusOK, "first line\nsecond line\r\n")
	reader, err := client.New(client.Config{Server: f.api.srv.URL, BearerToken: goodToken})
	if err != nil {
		t.Fatal(err)
	}
	f.d.reader = reader
	events := f.openStream("/pods/default/a/log?container=app")
	var got []string
	for {
		ev := next(t, events)
		got = append(got, ev.name+": "+ev.frag.Text)
		if ev.name == "end" {
			break
		}
	}
	want := []string{"line: first line", "line: second line", "end: the log ended: the container stopped"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	sent := f.api.sent()
	if len(sent) != 1 || sent[0].Path != "/api/v1/namespaces/default/pods/a/log" {
		t.Fatalf("sent %+v", sent)
	}
}
