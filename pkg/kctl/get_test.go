package kctl

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/printers"
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
// created after `get -w` started printed AGE <invalid>. The server
// renders AGE when it sends the row, and kctl prints it as it comes.
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
		if !wantsTable(r) {
			writeStatus(w, http.StatusNotAcceptable, "NotAcceptable", "get asks for a Table")
			return
		}
		if r.URL.Query().Get("watch") != "true" {
			writeTable(w, r, "pods", []string{pod("old", start.Add(-5*time.Second))}, clock())
			return
		}
		// A minute into the watch a pod is made, and seen 10s later.
		mu.Lock()
		now = start.Add(70 * time.Second)
		mu.Unlock()
		obj := &api.Pod{}
		_ = json.Unmarshal([]byte(pod("new", start.Add(time.Minute))), obj)
		tbl, _ := printers.NewTable("Pod", []api.Object{obj}, clock(), printers.Options{NoHeaders: true})
		b, _ := json.Marshal(tbl)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"type":"ADDED","object":%s}`+"\n", b)
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

// seenEventJSON is an Event about pod kubia's container c, seen once,
// ago before testNow.
func seenEventJSON(name, reason string, ago time.Duration) string {
	at := testNow.Add(-ago).Format(time.RFC3339)
	return fmt.Sprintf(`{"apiVersion":"v1","kind":"Event","metadata":{"name":%q,"namespace":"default","creationTimestamp":%q},
		"involvedObject":{"kind":"Pod","name":"kubia","fieldPath":"spec.containers{c}"},"reason":%q,"message":%q,"type":"Normal",
		"firstTimestamp":%q,"lastTimestamp":%q,"count":1,"source":{"component":"kubelet","host":"node1"}}`,
		name, at, reason, reason+" container c", at, at)
}

// get prints the server's Tables, asked for as kubectl asks: the columns
// in the server's order (an Event's wide SUBOBJECT before its MESSAGE),
// and Events in the order they happened, from the whole Events the rows
// carry.
func TestGetPrintsTheServersTables(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		query string
		out   string
	}{
		{"events in the order they happened", []string{"get", "events"}, "includeObject=Object&limit=500",
			"LAST SEEN   TYPE     REASON    OBJECT      MESSAGE\n" +
				"2m          Normal   Pulled    pod/kubia   Pulled container c\n" +
				"60s         Normal   Started   pod/kubia   Started container c\n"},
		{"wide columns where the server puts them", []string{"get", "events", "-o", "wide"}, "includeObject=Object&limit=500",
			"LAST SEEN   TYPE     REASON    OBJECT      SUBOBJECT            SOURCE           MESSAGE               FIRST SEEN   COUNT   NAME\n" +
				"2m          Normal   Pulled    pod/kubia   spec.containers{c}   kubelet, node1   Pulled container c    2m           1       b\n" +
				"60s         Normal   Started   pod/kubia   spec.containers{c}   kubelet, node1   Started container c   60s          1       a\n"},
		{"one object by name", []string{"get", "pod", "kubia", "--show-labels"}, "",
			"NAME    READY   STATUS    RESTARTS   AGE         LABELS\n" +
				"kubia   0/1     Running   0          <unknown>   app=kubia\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, server := newFakeAPI(t)
			fake.objects["/api/v1/namespaces/default/events/a"] = seenEventJSON("a", "Started", time.Minute)
			fake.objects["/api/v1/namespaces/default/events/b"] = seenEventJSON("b", "Pulled", 2*time.Minute)
			fake.objects["/api/v1/namespaces/default/pods/kubia"] = podJSON("kubia", "10.244.1.5", "kubelab/kubia", `{"app":"kubia"}`)
			out, errOut, code := kctl(t, server, "", tt.args...)
			if code != 0 || errOut != "" || out != tt.out {
				t.Errorf("exit %d, stderr %q, out\n%s\nwant\n%s", code, errOut, out, tt.out)
			}
			if len(fake.requests) != 1 {
				t.Fatalf("requests: %+v", fake.requests)
			}
			if r := fake.requests[0]; r.accept != tableAccept || r.query != tt.query {
				t.Errorf("asked with Accept %q and query %q, want kubectl's Accept and %q", r.accept, r.query, tt.query)
			}
		})
	}
}
