package kctl

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"kubelab/pkg/api"
)

// podJSON is a pod as the fake server holds it; without a
// creationTimestamp its AGE reads <unknown>, whatever the clock.
func podJSON(name, ip, image string, labels string) string {
	return fmt.Sprintf(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":%q,"namespace":"default","labels":%s},
		"spec":{"containers":[{"name":"c","image":%q}]},"status":{"phase":"Running","podIP":%q}}`, name, labels, image, ip)
}

func TestGetOutputForms(t *testing.T) {
	dir := t.TempDir()
	cols := writeFile(t, dir, "cols", "NAME IP\n.metadata.name .status.podIP\n")
	tmpl := writeFile(t, dir, "tmpl", `{range .items[*]}{.metadata.name}={.spec.containers[0].image}{"\n"}{end}`)
	tests := []struct {
		name string
		args []string
		out  string
	}{
		{"jsonpath with --template", []string{"get", "pods", "-o", "jsonpath", "--template={.items[*].metadata.name}"}, "kubia other"},
		{"jsonpath-file", []string{"get", "pods", "-o", "jsonpath-file=" + tmpl}, "kubia=kubelab/kubia\nother=nginx\n"},
		{"custom-columns", []string{"get", "pods", "-o", "custom-columns=NAME:.metadata.name,IP:.status.podIP,TIER:.metadata.labels.tier"},
			"NAME    IP           TIER\nkubia   10.244.1.5   web\nother   10.244.2.7   <none>\n"},
		{"custom-columns-file", []string{"get", "pods", "-o", "custom-columns-file=" + cols},
			"NAME    IP\nkubia   10.244.1.5\nother   10.244.2.7\n"},
		{"custom-columns of one object", []string{"get", "pod", "kubia", "-o", "custom-columns=NAME:.metadata.name"}, "NAME\nkubia\n"},
		{"custom-columns over two types share one header", []string{"get", "pods,svc", "-o", "custom-columns=KIND:.kind,NAME:.metadata.name"},
			"KIND      NAME\nPod       kubia\nPod       other\nService   kubia\n"},
		{"custom-columns, nothing found", []string{"get", "configmaps", "-o", "custom-columns=NAME:.metadata.name"}, "NAME\n"},
		{"label columns", []string{"get", "pods", "-L", "app", "--label-columns=tier"},
			"NAME    READY   STATUS    RESTARTS   AGE         APP     TIER\n" +
				"kubia   0/1     Running   0          <unknown>   kubia   web\n" +
				"other   0/1     Running   0          <unknown>   other   \n"},
		{"label columns, comma-separated, with a selector", []string{"get", "pods", "-l", "tier=web", "-L", "app,tier", "--no-headers"},
			"kubia   0/1   Running   0     <unknown>   kubia   web\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, server := newFakeAPI(t)
			fake.objects["/api/v1/namespaces/default/pods/kubia"] = podJSON("kubia", "10.244.1.5", "kubelab/kubia", `{"app":"kubia","tier":"web"}`)
			fake.objects["/api/v1/namespaces/default/pods/other"] = podJSON("other", "10.244.2.7", "nginx", `{"app":"other"}`)
			fake.objects["/api/v1/namespaces/default/services/kubia"] = `{"apiVersion":"v1","kind":"Service","metadata":{"name":"kubia","namespace":"default"}}`
			out, errOut, code := kctl(t, server, "", tt.args...)
			if code != 0 || errOut != "" || out != tt.out {
				t.Errorf("exit %d, stderr %q, out\n%q\nwant\n%q", code, errOut, out, tt.out)
			}
		})
	}
}

// eventJSON is an Event about pod kubia, last seen at last.
func eventJSON(name, rv, reason string, first, last string) string {
	return fmt.Sprintf(`{"apiVersion":"v1","kind":"Event","metadata":{"name":%q,"namespace":"default","resourceVersion":%q},
		"involvedObject":{"kind":"Pod","name":"kubia","namespace":"default","uid":"u1"},"reason":%q,"message":%q,
		"type":"Normal","count":1,"source":{"component":"kubelet"},"firstTimestamp":%q,"lastTimestamp":%q}`, name, rv, reason, reason, first, last)
}

// TestEventsInTheOrderTheyHappened: Created and Started in the same
// second, whose random names sort the other way round, and an event seen
// earlier whose resourceVersion is higher (it was counted again).
func TestEventsInTheOrderTheyHappened(t *testing.T) {
	const t0, t1 = "2024-05-01T12:00:00Z", "2024-05-01T12:00:05Z"
	fake, server := newFakeAPI(t)
	fake.objects["/api/v1/namespaces/default/pods/kubia"] = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"kubia","namespace":"default","uid":"u1"},"spec":{"containers":[{"name":"c","image":"x"}]}}`
	fake.objects["/api/v1/namespaces/default/events/kubia.a"] = eventJSON("kubia.a", "12", "Started", t1, t1)
	fake.objects["/api/v1/namespaces/default/events/kubia.b"] = eventJSON("kubia.b", "11", "Created", t1, t1)
	fake.objects["/api/v1/namespaces/default/events/kubia.c"] = eventJSON("kubia.c", "13", "Pulled", t0, t1)
	fake.objects["/api/v1/namespaces/default/events/kubia.d"] = eventJSON("kubia.d", "9", "Scheduled", t0, t0)

	out, _, _ := kctl(t, server, "", "get", "events", "-o", "custom-columns=REASON:.reason")
	if want := "REASON\nScheduled\nPulled\nCreated\nStarted\n"; out != want {
		t.Errorf("get events:\n%s\nwant\n%s", out, want)
	}
	out, _, _ = kctl(t, server, "", "get", "events", "--no-headers")
	var reasons []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		reasons = append(reasons, strings.Fields(l)[2])
	}
	if got := strings.Join(reasons, " "); got != "Scheduled Pulled Created Started" {
		t.Errorf("get events table: %s", got)
	}
	out, _, _ = kctl(t, server, "", "describe", "pod", "kubia")
	i, j := strings.Index(out, "Created"), strings.Index(out, "Started")
	if i < 0 || j < 0 || i > j || strings.Index(out, "Scheduled") > i {
		t.Errorf("describe lists the events out of order:\n%s", out)
	}
}

func TestSortEvents(t *testing.T) {
	at := func(s int) api.Time { return api.NewTime(testNow.Add(time.Duration(s) * time.Second)) }
	ev := func(name, rv string, first, last int) *api.Event {
		e := &api.Event{FirstTimestamp: at(first), LastTimestamp: at(last)}
		e.Name, e.ResourceVersion = name, rv
		return e
	}
	noLast := ev("no-last", "1", 3, 0)
	noLast.LastTimestamp = api.Time{}
	tests := []struct {
		name   string
		events []*api.Event
		want   string
	}{
		{"by last seen", []*api.Event{ev("a", "1", 0, 5), ev("b", "2", 0, 3)}, "b a"},
		{"then first seen", []*api.Event{ev("a", "1", 2, 5), ev("b", "2", 1, 5)}, "b a"},
		{"then resourceVersion, as numbers", []*api.Event{ev("a", "10", 5, 5), ev("b", "9", 5, 5)}, "b a"},
		{"then name", []*api.Event{ev("b", "", 5, 5), ev("a", "", 5, 5)}, "a b"},
		{"no lastTimestamp: first seen stands in", []*api.Event{ev("a", "1", 4, 4), noLast}, "no-last a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs := make([]api.Object, len(tt.events))
			for i, e := range tt.events {
				objs[i] = e
			}
			sortEvents(objs)
			var names []string
			for _, o := range objs {
				names = append(names, o.GetObjectMeta().Name)
			}
			if got := strings.Join(names, " "); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

// syncBuffer is a bytes.Buffer a command writes to while a test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestWatchMeasuresAgeWhenTheRowIsPrinted is issue 10's item 21: a pod
// created after `get -w` started printed AGE <invalid>.
func TestWatchMeasuresAgeWhenTheRowIsPrinted(t *testing.T) {
	start := testNow
	var mu sync.Mutex
	now := start
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	pod := func(name string, created time.Time) string {
		return fmt.Sprintf(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":%q,"namespace":"default","resourceVersion":"6",
			"creationTimestamp":%q},"spec":{"containers":[{"name":"c","image":"x"}]}}`, name, created.Format(time.RFC3339))
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("watch") != "true" {
			writeFake(w, http.StatusOK, `{"kind":"List","metadata":{"resourceVersion":"5"},"items":[`+pod("old", start.Add(-5*time.Second))+`]}`)
			return
		}
		// A minute into the watch a pod is made, and seen 10s later.
		mu.Lock()
		now = start.Add(70 * time.Second)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"type":"ADDED","object":%s}`+"\n", strings.ReplaceAll(pod("new", start.Add(time.Minute)), "\n", ""))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	defer srv.Close()

	var out, errOut syncBuffer
	cmd := newRootCommand(&globals{in: strings.NewReader(""), out: &out, errOut: &errOut,
		getenv: func(string) string { return "" }, now: clock})
	cmd.SetArgs([]string{"--server", srv.URL, "get", "pods", "-w"})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(out.String(), "new") && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	want := "NAME   READY   STATUS    RESTARTS   AGE\n" +
		"old    0/1     Pending   0          5s\n" +
		"new    0/1     Pending   0          10s\n"
	if out.String() != want || errOut.String() != "" {
		t.Errorf("got\n%s\nwant\n%s\nstderr %q", out.String(), want, errOut.String())
	}
}

// After a 410 the watch lists again and shows only what was written since
// the last revision it printed.
func TestNewerThan(t *testing.T) {
	obj := func(name, rv string) api.Object {
		return &api.ConfigMap{ObjectMeta: api.ObjectMeta{Name: name, ResourceVersion: rv}}
	}
	got := newerThan([]api.Object{obj("old", "5"), obj("same", "10"), obj("new", "11")}, "10")
	if len(got) != 1 || got[0].GetObjectMeta().Name != "new" {
		t.Fatalf("newerThan = %v, want only new", got)
	}
	if got := newerThan([]api.Object{obj("a", "5")}, ""); len(got) != 1 {
		t.Fatalf("without a revision, everything: %v", got)
	}
}
